"""The demo's shared authenticator app: privileged demo accounts sign in with a code.

Supervisors, managers, association roles and the site administrator must use a second
step (`accounts.mfa`); in the demo they all share one TOTP secret, so that a visitor can
sign in as each of them: `manage.py demo_mfa_code <email>` prints the current code, or
add the secret to any authenticator app.
"""

import time

from allauth.mfa.models import Authenticator

from accounts.mfa import required_role

from .base import DEMO_DOMAIN

# Base32; used by `seed_demo` and `demo_mfa_code` only.
DEMO_TOTP_SECRET = "DEMOSTANDARDSPORTALTWOZEROTWOSIX"
DEMO_EMAIL_SUFFIX = f"@{DEMO_DOMAIN}"


def totp_secret(user) -> str | None:
    """The secret of the person's authenticator app, or None (demo and tests only)."""
    from allauth.mfa.utils import decrypt

    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return None
    return decrypt(authenticator.data["secret"])


def demo_secret_for(user) -> str | None:
    """The TOTP secret of a demo account's authenticator app, or None."""
    if not (user.email or "").lower().endswith(DEMO_EMAIL_SUFFIX):
        return None
    return totp_secret(user)


def current_code(secret: str, *, at: float | None = None) -> str:
    """The 6-digit TOTP code an authenticator app shows for `secret` now (or at `at`)."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    counter = int(at if at is not None else time.time()) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def seed_demo_authenticators(people) -> None:
    """Give each privileged demo account the demo authenticator app and recovery codes."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    for user in people:
        if (
            not (user.email or "").lower().endswith(DEMO_EMAIL_SUFFIX)
            or required_role(user) is None
        ):
            continue
        if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            continue
        TOTP.activate(user, DEMO_TOTP_SECRET)
        RecoveryCodes.activate(user)
