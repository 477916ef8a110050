"""Client secrets of identity providers: encrypted at rest, or read from the environment.

A secret typed into the portal is kept only encrypted (Fernet: AES with an HMAC). The
keys come from SSO_ENCRYPTION_KEYS, comma-separated: the first encrypts, all of them
decrypt, so a key can be rotated by putting the new one first. Without that setting a
key is derived from SECRET_KEY with HKDF, so that a development set-up needs nothing
more; rotating SECRET_KEY then means typing the secrets again.
"""

import base64
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Binds the derived key to this one use of SECRET_KEY.
_HKDF_INFO = b"standards-portal sso client secrets"


class SecretUnavailable(Exception):
    """The secret cannot be read: wrong key, or the environment variable is not set."""


def _derived_key() -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(settings.SECRET_KEY.encode()))


def _fernet() -> MultiFernet:
    configured = [key.strip() for key in settings.SSO_ENCRYPTION_KEYS.split(",") if key.strip()]
    try:
        keys = [Fernet(key) for key in configured] or [Fernet(_derived_key())]
    except ValueError as error:
        raise ImproperlyConfigured(
            "SSO_ENCRYPTION_KEYS must hold Fernet keys (32 url-safe base64-encoded bytes)."
        ) from error
    return MultiFernet(keys)


def encrypt(text: str) -> str:
    """The text encrypted with the current key, as ASCII to keep in a text field."""
    return _fernet().encrypt(text.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as error:
        message = "The stored secret cannot be decrypted with the keys set."
        raise SecretUnavailable(message) from error


def provider_secret(idp) -> str:
    """An IdentityProvider's client secret, in clear, for the moment it is needed."""
    if idp.secret_env:
        value = os.environ.get(idp.secret_env)
        if value is None:
            raise SecretUnavailable(f"The environment variable {idp.secret_env} is not set.")
        return value
    if idp.secret_encrypted:
        return decrypt(idp.secret_encrypted)
    return ""
