from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from django.utils.translation import gettext_lazy as _


class PortalAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by accepting an invitation, never by open sign-up."""

    def is_open_for_signup(self, request):
        return False

    def is_reauthentication_required(self, *, app, **kwargs):
        """For MFA pages, a sign-in less than ACCOUNT_REAUTHENTICATION_TIMEOUT ago counts.

        Otherwise a person sent to set up a second step right after signing in would be
        asked for their password again at once, and again for their recovery codes.
        Later, MFA changes ask again, as the portal's other sensitive changes do.
        """
        from . import reauth

        required = super().is_reauthentication_required(app=app, **kwargs)
        request = context.request
        if (
            required
            and app == "allauth.mfa"
            and request is not None
            and request.user.is_authenticated
            and not reauth.is_stale(request)
        ):
            return False
        return required

    def get_login_stages(self):
        """allauth's stages, with an MFA prompt that a trusted provider's MFA satisfies."""
        return [
            "accounts.mfa.PortalAuthenticateStage"
            if path == "allauth.mfa.stages.AuthenticateStage"
            else path
            for path in super().get_login_stages()
        ]

    def get_logout_redirect_url(self, request):
        """After an organisation sign-in, on to the provider's own sign-out (single logout).

        The sso app put the address in the session at sign-in; it is read before the
        session ends.
        """
        from . import mfa

        evidence = request.session.get(mfa.SSO_SESSION_KEY) if hasattr(request, "session") else None
        logout_url = evidence.get("logout_url") if isinstance(evidence, dict) else None
        if isinstance(logout_url, str) and logout_url.startswith(("https://", "http://")):
            return logout_url
        return super().get_logout_redirect_url(request)

    def get_client_ip(self, request):
        """The same address the audit trail records, so rate limits agree with it."""
        from .audit import client_ip

        return client_ip(request) or super().get_client_ip(request)


class PortalUserSessionsAdapter(DefaultUserSessionsAdapter):
    """ "Sign out other sessions" is recorded in the audit trail."""

    def end_sessions(self, sessions):
        from .services import user_sessions_ended_record

        sessions = list(sessions)
        super().end_sessions(sessions)
        request = context.request
        if sessions and request is not None and request.user.is_authenticated:
            user_sessions_ended_record(user=request.user, count=len(sessions), request=request)


class PortalMFAAdapter(DefaultMFAAdapter):
    """A person whose role requires a second step may not remove their last one."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Your role requires a second step at sign-in. Add another authenticator app "
            "or security key before you remove this one."
        ),
    }

    def can_delete_authenticator(self, authenticator):
        from django.conf import settings

        from . import mfa

        if not super().can_delete_authenticator(authenticator):
            return False
        if not settings.MFA_REQUIRED or authenticator.type not in mfa.SECOND_STEPS:
            return True
        if mfa.required_role(authenticator.user) is None:
            return True
        others = authenticator.__class__.objects.filter(
            user_id=authenticator.user_id, type__in=mfa.SECOND_STEPS
        ).exclude(pk=authenticator.pk)
        return others.exists()
