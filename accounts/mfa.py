"""Who must use a second step at sign-in.

Supervisors, office managers, association analysts and administrators, and site
administrators see other people's answers or change who may do what, so with
MFA_REQUIRED on they must have an authenticator app or a security key (passkey)
before they may use the portal. Officials are offered it on their account page.

The decision is taken when a person signs in and again when they add or remove an
authenticator, and kept in the session, so the pages themselves cost no query: the
middleware only reads the session. A role given while someone is signed in takes
effect at their next sign-in.
"""

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
