"""How the person in this session signed in, when it was through their organisation.

After a sign-in through an identity provider the session holds, under SESSION_KEY:

    {"provider": "Riverside County Entra ID", "provider_id": 3, "protocol": "oidc",
     "issuer": "https://login.microsoftonline.com/…/v2.0", "subject": "…",
     "mfa": "mfa otp",          # the claimed methods that prove a second factor, or ""
     "trusted_mfa": True,       # the provider's MFA stands for the portal's own
     "logout_url": "https://…"} # the provider's single logout address, or ""

`sso.linking` works it out while allauth checks the sign-in and keeps it in the
login's state; it enters the session here, on allauth's `user_logged_in`, once the
person is signed in (signing in starts a fresh session, so it cannot be written
earlier). accounts.mfa and accounts.adapter read the key by name; pledges read it
through `from_session`.
"""

from allauth.account import signals as account_signals

from accounts import mfa

from .linking import STATE_EVIDENCE

# The key accounts.mfa reads for the trusted-MFA proof: one key, named there.
SESSION_KEY = mfa.SSO_SESSION_KEY

_FIELDS = ("provider", "provider_id", "protocol", "issuer", "subject", "mfa", "trusted_mfa")


def from_session(request) -> dict | None:
    """The evidence of an organisation sign-in in this session, or None."""
    session = getattr(request, "session", None)
    value = session.get(SESSION_KEY) if session is not None else None
    if not isinstance(value, dict) or not value.get("provider"):
        return None
    return {name: value.get(name) for name in _FIELDS}


def on_user_logged_in(sender, request, user, sociallogin=None, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    evidence = sociallogin.state.get(STATE_EVIDENCE) if sociallogin is not None else None
    if isinstance(evidence, dict):
        request.session[SESSION_KEY] = evidence
    elif request.session.pop(SESSION_KEY, None) is None:
        return
    # accounts decided on the second step when Django signed the person in, before the
    # evidence was here; decide again now that a trusted provider's MFA may count.
    mfa.decide(request, user)


def connect() -> None:
    """Called once from SsoConfig.ready()."""
    account_signals.user_logged_in.connect(on_user_logged_in, dispatch_uid="sso.evidence")
