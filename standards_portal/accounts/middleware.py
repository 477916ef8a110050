"""Idle and absolute session timeouts.

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
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

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
