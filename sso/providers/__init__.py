"""The portal's subclasses of allauth's providers (see sso/providers/saml.py)."""
