"""Idle and absolute session timeouts, and holding people to their MFA set-up.

Django's session expiry slides forward every time the session is saved, so on its
own it is neither an idle nor an absolute limit. The sign-in time and the time last
seen are kept in the session (see `signals.on_logged_in`); this middleware ends a
session that has been idle for SESSION_IDLE_TIMEOUT seconds or signed in for longer
than SESSION_COOKIE_AGE seconds, and sends the person to sign in again.
"""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .mfa import decide, pending_role, role_label
from .signals import SEEN_AT, SIGNED_IN_AT

# "Last seen" is written at most once a minute so that pages do not each save the session.
SEEN_RESOLUTION = 60


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._check(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request):
        session = request.session
        now = int(time.time())
        signed_in_at = session.get(SIGNED_IN_AT)
        seen_at = session.get(SEEN_AT)
        if signed_in_at is None or seen_at is None:
            # A session from before these keys existed: start counting now.
            session[SIGNED_IN_AT] = signed_in_at or now
            session[SEEN_AT] = now
            return None
        if now - seen_at > settings.SESSION_IDLE_TIMEOUT:
            reason = "idle"
            message = _(
                "You were signed out after %(minutes)s minutes without activity. "
                "Sign in again to continue."
            ) % {"minutes": settings.SESSION_IDLE_TIMEOUT // 60}
        elif now - signed_in_at > settings.SESSION_COOKIE_AGE:
            reason = "expired"
            message = _(
                "You were signed out because you signed in more than %(hours)s hours ago. "
                "Sign in again to continue."
            ) % {"hours": f"{settings.SESSION_COOKIE_AGE / 3600:g}"}
        else:
            if now - seen_at >= SEEN_RESOLUTION:
                session[SEEN_AT] = now
            return None
        request.signout_reason = reason
        logout(request)
        messages.info(request, message)
        login_url = reverse(settings.LOGIN_URL)
        if request.method == "GET":
            login_url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(login_url)


class MfaRequiredMiddleware:
    """Keep people whose role requires a second step on its set-up pages until they add one.

    Reads only the session (see `mfa.pending_role`), so it costs no query once decided;
    a person still held is checked again on each page they are kept from.
    Pages a person needs meanwhile stay reachable: signing out, the MFA and
    re-authentication pages, email confirmation, static files, the health check,
    language switching and help.
    """

    ALLOWED_PREFIXES = ("/healthz", "/i18n/", "/help/")
    ALLOWED_URL_NAMES = ("account_logout", "mfa_index", "account_reauthenticate", "account_email")

    def __init__(self, get_response):
        self.get_response = get_response
        self._allowed = None

    def allowed_prefixes(self) -> tuple[str, ...]:
        if self._allowed is None:
            names = tuple(reverse(name) for name in self.ALLOWED_URL_NAMES)
            self._allowed = (
                settings.STATIC_URL,
                reverse("account_confirm_email", args=["-"]).removesuffix("-/"),
                *self.ALLOWED_PREFIXES,
                *names,
            )
        return self._allowed

    def __call__(self, request):
        if settings.MFA_REQUIRED and request.user.is_authenticated:
            role = pending_role(request)
            if role:
                response = self._hold(request, role)
                if response is not None:
                    return response
        return self.get_response(request)

    def _hold(self, request, role):
        path = request.path_info
        if path.startswith(self.allowed_prefixes()):
            if path.startswith(reverse("mfa_index")) and request.method == "GET":
                messages.warning(
                    request,
                    _(
                        "Your role as %(role)s requires a second step at sign-in, because "
                        "it gives access to other people's records. Set up an authenticator "
                        "app or a security key (passkey) to continue."
                    )
                    % {"role": role_label(role)},
                )
            return None
        # Set up meanwhile (in another tab or session)? Only people held here pay for this.
        if not decide(request, request.user):
            return None
        if request.method in ("GET", "HEAD"):
            return redirect("mfa_index")
        raise PermissionDenied(_("Set up a second step at sign-in before you make any change."))
