"""Who must use a second step at sign-in, and the demo's authenticator codes.

Supervisors, office managers, association analysts and administrators, and site
administrators see other people's answers or change who may do what, so with
MFA_REQUIRED on they must have an authenticator app or a security key (passkey)
before they may use the portal. Officials are offered it on their account page.

The decision is taken when a person signs in and again when they add or remove an
authenticator, and kept in the session, so the pages themselves cost no query: the
middleware only reads the session. A role given while someone is signed in takes
effect at their next sign-in.
"""

import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import AssociationRole, Membership

# In the session: "" when nothing is required or the second step is set up, otherwise
# the role (a key of ROLE_LABELS) that requires it. No key: not decided yet.
SESSION_KEY = "portal_mfa_pending"

ROLE_LABELS = {
    "site_administrator": _("site administrator"),
    Membership.Role.MANAGER: _("office manager"),
    Membership.Role.SUPERVISOR: _("supervisor"),
    "association_administrator": _("association administrator"),
    "association_analyst": _("association analyst"),
}

# Authenticators that are a second step on their own; recovery codes are a fallback.
SECOND_STEPS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]

# The demo's privileged accounts share this TOTP secret (base32), so that a reviewer can
# sign in as each of them: `manage.py demo_mfa_code <email>` prints the current code,
# or add the secret to any authenticator app. Never used outside `seed_demo`.
DEMO_TOTP_SECRET = "DEMOSTANDARDSPORTALTWOZEROTWOSIX"
DEMO_EMAIL_SUFFIX = "@demo.test"


def required_role(user) -> str | None:
    """The role that makes a second step compulsory for this person, or None."""
    if user.is_staff or user.is_superuser:
        return "site_administrator"
    role = (
        Membership.objects.filter(user=user, ended_at__isnull=True)
        .values_list("role", flat=True)
        .first()
    )
    if role in (Membership.Role.MANAGER, Membership.Role.SUPERVISOR):
        return role
    association_roles = set(
        AssociationRole.objects.filter(user=user).values_list("role", flat=True)
    )
    if AssociationRole.Role.ADMINISTRATOR in association_roles:
        return "association_administrator"
    if association_roles:
        return "association_analyst"
    return None


def has_second_step(user) -> bool:
    return Authenticator.objects.filter(user=user, type__in=SECOND_STEPS).exists()


def decide(request, user) -> str:
    """Decide and remember in the session what this person still has to set up."""
    if not settings.MFA_REQUIRED:
        request.session.pop(SESSION_KEY, None)
        return ""
    role = required_role(user)
    pending = role if role is not None and not has_second_step(user) else ""
    request.session[SESSION_KEY] = pending
    return pending


def pending_role(request) -> str:
    """The role still waiting for a second step ("" when none), deciding at most once."""
    pending = request.session.get(SESSION_KEY)
    if pending is None:
        pending = decide(request, request.user)
    return pending


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def totp_secret(user) -> str | None:
    """The secret of the person's authenticator app, or None (demo and tests only)."""
    from allauth.mfa.utils import decrypt

    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return None
    return decrypt(authenticator.data["secret"])


def demo_secret_for(user) -> str | None:
    """The TOTP secret of a demo account's authenticator app, or None."""
    if not user.email.lower().endswith(DEMO_EMAIL_SUFFIX):
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
        if not user.email.lower().endswith(DEMO_EMAIL_SUFFIX) or required_role(user) is None:
            continue
        if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            continue
        TOTP.activate(user, DEMO_TOTP_SECRET)
        RecoveryCodes.activate(user)
