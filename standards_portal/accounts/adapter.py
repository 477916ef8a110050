from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.usersessions.adapter import DefaultUserSessionsAdapter


class PortalAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by accepting an invitation, never by open sign-up."""

    def is_open_for_signup(self, request):
        return False

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
