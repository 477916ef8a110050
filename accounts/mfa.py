"""Who must use a second step at sign-in.

Supervisors, office managers, association analysts and administrators, and site
administrators see other people's answers or change who may do what, so with
MFA_REQUIRED on they must have an authenticator app or a security key (passkey)
before they may use the portal. Officials are offered it on their account page.

The decision is taken when a person signs in and again when they add or remove an
authenticator, and kept in the session, so the pages themselves cost no query: the
middleware only reads the session. A role given while someone is signed in takes
effect at their next sign-in.

A person who signed in through their organisation's identity provider, whose MFA the
portal trusts and who proved it at that sign-in, has taken their second step there: the
`sso` app says so in the session under SSO_SESSION_KEY (accounts reads only that key).
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.stages import AuthenticateStage
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

# Written by the sso app after an organisation sign-in; {"trusted_mfa": True, ...} when
# the provider's second factor counts as the portal's own.
SSO_SESSION_KEY = "portal_sso"
# Set by the sso app in allauth's social login state for the same case, before the
# sign-in completes (read by PortalAuthenticateStage).
SSO_TRUSTED_MFA_STATE = "portal_trusted_mfa"

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


def sso_mfa_trusted(request) -> bool:
    """Whether this session began with a trusted provider's proven second factor."""
    evidence = request.session.get(SSO_SESSION_KEY)
    return isinstance(evidence, dict) and evidence.get("trusted_mfa") is True


def decide(request, user) -> str:
    """Decide and remember in the session what this person still has to set up."""
    if not settings.MFA_REQUIRED:
        request.session.pop(SESSION_KEY, None)
        return ""
    role = required_role(user)
    satisfied = sso_mfa_trusted(request) or has_second_step(user)
    pending = role if role is not None and not satisfied else ""
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


class PortalAuthenticateStage(AuthenticateStage):
    """allauth's MFA prompt at sign-in, skipped after a trusted provider's proven MFA.

    Asking for the portal's code after the person has just proven a second factor to
    their organisation's provider would be a double prompt. Same key as allauth's stage,
    so allauth's MFA views find it.
    """

    def handle(self) -> tuple:
        sociallogin = (self.login.signal_kwargs or {}).get("sociallogin")
        state = getattr(sociallogin, "state", None)
        if state is None and isinstance(sociallogin, dict):
            state = sociallogin.get("state")
        if isinstance(state, dict) and state.get(SSO_TRUSTED_MFA_STATE) is True:
            return None, True
        return super().handle()
