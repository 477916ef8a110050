"""Audit-trail receivers for sign-in, sign-out, passwords, email addresses and MFA.

These events happen inside Django and django-allauth rather than in our services, so
signals are the one place to hear about them. Receivers only record and tidy up
sessions; they never decide anything. Passwords are never stored: Django has already
replaced them in `credentials`, and only the attempted email address is kept.
"""

import time

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals

from . import mfa
from .audit import audit_own, audit_record, client_ip
from .models import User
from .reauth import AUTHENTICATED_AT

# Session keys the timeout middleware reads (seconds since the epoch).
SIGNED_IN_AT = "_portal_signed_in_at"
SEEN_AT = "_portal_seen_at"

ATTEMPT_MAX = 254


def _user_agent(request) -> str | None:
    if request is None:
        return None
    agent = request.META.get("HTTP_USER_AGENT", "")
    return "".join(c for c in agent if c.isprintable())[:300] or None


def on_logged_in(sender, request, user, **kwargs):
    now = int(time.time())
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = now
        request.session[SEEN_AT] = now
        request.session[AUTHENTICATED_AT] = now
        if client_ip(request):
            # allauth lists sessions it saw begin; a sign-in through an invitation
            # link uses Django's login() directly, so it is listed here too.
            from allauth.usersessions.models import UserSession

            UserSession.objects.create_from_request(request)
        mfa.decide(request, user)
    audit_own(action="auth.signed_in", user=user, request=request, user_agent=_user_agent(request))


def on_login_failed(sender, credentials, request=None, **kwargs):
    attempted = str(credentials.get("email") or credentials.get("username") or "")
    attempted = "".join(c for c in attempted if c.isprintable())[:ATTEMPT_MAX]
    known = User.objects.filter(email__iexact=attempted).first() if attempted else None
    membership = known.active_membership if known is not None else None
    audit_record(
        action="auth.sign_in_failed",
        obj=known,
        office=membership.office if membership is not None else None,
        request=request,
        email=attempted,
        user_agent=_user_agent(request),
    )


def on_logged_out(sender, request, user, **kwargs):
    if user is None:
        return
    audit_own(
        action="auth.signed_out",
        user=user,
        request=request,
        reason=getattr(request, "signout_reason", None),
    )


def _record_self(action: str, request, user, **details):
    audit_own(action=action, user=user, request=request, **details)


def _record_and_end_other_sessions(action: str, request, user) -> None:
    from .services import user_sessions_end

    _record_self(action, request, user)
    # Keep the session that changed the password, end every other one.
    keep = request.session.session_key if request is not None else None
    user_sessions_end(user=user, keep_session_key=keep)


def on_password_changed(sender, request, user, **kwargs):
    _record_and_end_other_sessions("auth.password_changed", request, user)


def on_password_set(sender, request, user, **kwargs):
    _record_and_end_other_sessions("auth.password_set", request, user)


def on_password_reset(sender, request, user, **kwargs):
    from .services import user_sessions_end

    _record_self("auth.password_reset", request, user)
    user_sessions_end(user=user)


def on_email_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    _record_self(
        "auth.email_changed",
        request,
        user,
        old=from_email_address.email if from_email_address else None,
        new=to_email_address.email if to_email_address else None,
    )


def on_email_added(sender, request, user, email_address, **kwargs):
    _record_self("auth.email_added", request, user, email=email_address.email)


def on_email_removed(sender, request, user, email_address, **kwargs):
    _record_self("auth.email_removed", request, user, email=email_address.email)


def _redecide_mfa(request, user):
    if request is not None and hasattr(request, "session"):
        mfa.decide(request, user)


def on_authenticator_added(sender, request, user, authenticator, **kwargs):
    _record_self("mfa.authenticator_added", request, user, type=authenticator.type)
    _redecide_mfa(request, user)


def on_authenticator_removed(sender, request, user, authenticator, **kwargs):
    _record_self("mfa.authenticator_removed", request, user, type=authenticator.type)
    _redecide_mfa(request, user)


def on_authenticator_reset(sender, request, user, authenticator, **kwargs):
    _record_self("mfa.authenticator_reset", request, user, type=authenticator.type)


def on_mfa_failed(sender, request, user, authenticator=None, **kwargs):
    _record_self(
        "mfa.authentication_failed",
        request,
        user,
        type=authenticator.type if authenticator is not None else None,
    )


def connect() -> None:
    """Called once from AccountsConfig.ready()."""
    uid = "accounts.audit"
    auth_signals.user_logged_in.connect(on_logged_in, dispatch_uid=f"{uid}.in")
    auth_signals.user_login_failed.connect(on_login_failed, dispatch_uid=f"{uid}.failed")
    auth_signals.user_logged_out.connect(on_logged_out, dispatch_uid=f"{uid}.out")
    account_signals.password_changed.connect(on_password_changed, dispatch_uid=f"{uid}.pw")
    account_signals.password_set.connect(on_password_set, dispatch_uid=f"{uid}.pwset")
    account_signals.password_reset.connect(on_password_reset, dispatch_uid=f"{uid}.reset")
    account_signals.email_changed.connect(on_email_changed, dispatch_uid=f"{uid}.email")
    account_signals.email_added.connect(on_email_added, dispatch_uid=f"{uid}.email_add")
    account_signals.email_removed.connect(on_email_removed, dispatch_uid=f"{uid}.email_rm")
    mfa_signals.authenticator_added.connect(on_authenticator_added, dispatch_uid=f"{uid}.mfa+")
    mfa_signals.authenticator_removed.connect(on_authenticator_removed, dispatch_uid=f"{uid}.mfa-")
    mfa_signals.authenticator_reset.connect(on_authenticator_reset, dispatch_uid=f"{uid}.mfa0")
    mfa_signals.authentication_failed.connect(on_mfa_failed, dispatch_uid=f"{uid}.mfa!")
