"""Signing sessions: the manager's pages, joining by phone, and the shared kiosk."""

import time

import segno
from allauth.account.decorators import reauthentication_required
from allauth.account.internal.flows.login import record_authentication
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_not_required
from django.core import signing as django_signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import mfa
from core import submissions
from core.http import INVALID, add_errors, attachment, bound
from pledges import selectors as pledge_selectors
from pledges.chain import CONSENT_TEXT
from pledges.models import Pledge
from pledges.services import RequestMeta, pledge_text
from pledges.views import request_meta, sign_in_is_stale

from . import selectors, services, throttle
from .exports import attendance_csv, attendance_pdf
from .forms import (
    ConfirmForm,
    ContactCodeForm,
    JoinCodeForm,
    KioskSignInForm,
    RosterPasteForm,
    RosterPeopleForm,
    RosterRemoveForm,
    SessionForm,
    SessionSignForm,
    TrainerCodeForm,
)
from .models import Attendance, Kiosk, SigningSession
from .permissions import (
    association_for_new_session,
    may_list_sessions,
    office_for_new_session,
    session_to_read,
    session_to_run,
)

BACKEND = "accounts.backends.PortalModelBackend"
# In the browser's session: the code challenge of a person joining by roster, the session
# a person joined by code (their short sign-in stands for a recent one), and the kiosk a
# signer is using with when they began.
CHALLENGE = "signing_challenge"
TRAINER_TRIES = "signing_trainer_tries"
CODE_USER = "signing_code_session"
KIOSK_SIGNER = "signing_kiosk"
KIOSK_SIGNER_AT = "signing_kiosk_at"
KIOSK_COOKIE = "portal_kiosk"
KIOSK_COOKIE_SALT = "signing.kiosk"
TRAINER_TRIES_MAX = 10
PAGE_SIZE = 50


def join_url(session: SigningSession) -> str:
    return settings.SITE_URL + reverse("signing:join", args=[session.join_token])


def qr_code(url: str) -> str:
    """An SVG QR code that scales to its box (no fixed size), with its text alternative."""
    svg = segno.make(url, error="m").svg_inline(
        scale=1, border=2, omitsize=True, svgclass="qr-code", title=_("QR code to join")
    )
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308 — segno's SVG


def _too_many(request, template="signing/join_limited.html"):
    response = render(request, template, status=429)
    response["Retry-After"] = str(settings.SIGNING_RATE_WINDOW)
    return response


# ----------------------------------------------------------------------------- manager


@require_GET
def session_list(request):
    if not may_list_sessions(request.user):
        raise PermissionDenied(_("Only an office manager or records officer can do this."))
    membership = request.user.active_membership
    page = Paginator(selectors.session_list(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "signing/session_list.html",
        {
            "page": page,
            "sessions": page.object_list,
            "is_manager": membership is not None and membership.is_manager,
            "associations": selectors.administered_associations(request.user),
        },
    )


def _create(request, *, office=None, association=None):
    if replay := submissions.replayed(request):
        return replay
    form = SessionForm(*bound(request), user=request.user, conference=association is not None)

    def done(session):
        messages.success(
            request, _("The session is ready. Show its page on the projector when it starts.")
        )
        return redirect("signing:session-detail", pk=session.pk)

    if request.method == "POST" and form.is_valid():
        try:
            # A second click or a reload of the same form makes no second session.
            return submissions.save_once(
                request,
                save=lambda: services.session_create(
                    by=request.user, office=office, association=association, **form.cleaned_data
                ),
                done=done,
            )
        except ValidationError as error:
            add_errors(form, error)
    return render(
        request,
        "signing/session_form.html",
        {"form": form, "host": office or association},
        status=INVALID if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
def session_create(request):
    return _create(request, office=office_for_new_session(request.user))


@require_http_methods(["GET", "POST"])
def conference_create(request, association_id):
    return _create(request, association=association_for_new_session(request.user, association_id))


@require_GET
def session_detail(request, pk):
    session = session_to_run(request.user, pk)
    lines = selectors.attendance_lines(session, request.user)
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "signing/session_detail.html",
        {
            "session": session,
            "join_url": join_url(session),
            "qr": qr_code(join_url(session)),
            "counts": selectors.session_counts(session),
            "page": page,
            "lines": page.object_list,
            "roster_size": session.roster.count() if session.uses_roster else None,
            "kiosks": list(session.kiosks.select_related("unlocked_by")[:20]),
            "is_open": session.is_open(now),
            "has_ended": session.has_ended(now),
        },
    )


@require_GET
def session_projector(request, pk):
    session = session_to_run(request.user, pk)
    return render(
        request,
        "signing/session_projector.html",
        {
            "session": session,
            "join_url": join_url(session),
            "qr": qr_code(join_url(session)),
            "counts": selectors.session_counts(session),
        },
    )


def _count_text(counts) -> str:
    return _("%(signed)s of %(joined)s joined have signed (capacity %(capacity)s)") % {
        "signed": counts.signed,
        "joined": counts.joined,
        "capacity": counts.capacity,
    }


@require_GET
def session_count(request, pk):
    """The live count on the session's pages: who joined and signed."""
    session = session_to_run(request.user, pk)
    counts = selectors.session_counts(session)
    return JsonResponse(
        {
            "joined": counts.joined,
            "signed": counts.signed,
            "capacity": counts.capacity,
            "text": _count_text(counts),
            "ended": session.has_ended(),
        }
    )


def _roster_session(request, pk) -> SigningSession:
    session = session_to_run(request.user, pk)
    if not session.uses_roster:
        raise Http404(_("A conference session has no roster."))
    return session


def _roster_page(request, session, *, paste=None, people=None, status=200):
    entries = list(selectors.roster_entries(session))
    return render(
        request,
        "signing/roster.html",
        {
            "session": session,
            "entries": entries,
            "paste_form": paste or RosterPasteForm(user=request.user),
            "people_form": people or RosterPeopleForm(user=request.user, session=session),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def roster(request, pk):
    """The session's roster; a POST adds the people pasted or uploaded."""
    session = _roster_session(request, pk)
    if request.method != "POST":
        return _roster_page(request, session)
    form = RosterPasteForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        try:
            result = services.roster_add(
                session=session, by=request.user, rows=form.cleaned_data["parsed"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            _roster_added(request, result)
            return redirect("signing:roster", pk=session.pk)
    return _roster_page(request, session, paste=form, status=INVALID)


def _roster_added(request, result):
    messages.success(
        request,
        _("Added %(added)s to the roster; %(already)s were already on it.")
        % {"added": result.added, "already": result.already},
    )


@require_POST
def roster_people(request, pk):
    session = _roster_session(request, pk)
    form = RosterPeopleForm(request.POST, user=request.user, session=session)
    if form.is_valid():
        rows = [
            services.RosterRow(
                full_name=person.full_name, email=person.email, phone=person.phone, user=person
            )
            for person in form.cleaned_data["people"]
        ]
        try:
            result = services.roster_add(session=session, by=request.user, rows=rows)
        except ValidationError as error:
            add_errors(form, error)
        else:
            _roster_added(request, result)
            return redirect("signing:roster", pk=session.pk)
    return _roster_page(request, session, people=form, status=INVALID)


@require_POST
def roster_remove(request, pk):
    session = _roster_session(request, pk)
    form = RosterRemoveForm(request.POST, user=request.user, session=session)
    if form.is_valid():
        try:
            services.roster_remove(
                session=session, entry=form.cleaned_data["entry"], by=request.user
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("signing:roster", pk=session.pk)
        messages.success(request, _("Removed from the roster."))
        return redirect("signing:roster", pk=session.pk)
    return _roster_page(request, session, status=INVALID)


@require_GET
def attendance_csv_view(request, pk):
    session = session_to_read(request.user, pk)
    export = attendance_csv(session, selectors.attendance_lines(session, request.user))
    services.attendance_exported(session=session, by=request.user, format="csv", request=request)
    return attachment(*export)


@require_GET
def attendance_pdf_view(request, pk):
    session = session_to_read(request.user, pk)
    export = attendance_pdf(
        session,
        selectors.attendance_lines(session, request.user),
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    services.attendance_exported(session=session, by=request.user, format="pdf", request=request)
    return attachment(*export)


@require_POST
def kiosk_unlock(request, pk):
    """Make this device the session's kiosk: the manager is signed out on it, and the
    device keeps a cookie of its own naming the kiosk."""
    session = session_to_run(request.user, pk)
    try:
        kiosk, secret = services.kiosk_unlock(
            session=session,
            by=request.user,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            request=request,
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("signing:session-detail", pk=session.pk)
    logout(request)
    response = redirect("signing:kiosk-start")
    response.set_signed_cookie(
        KIOSK_COOKIE,
        f"{kiosk.pk}:{secret}",
        salt=KIOSK_COOKIE_SALT,
        max_age=max(60, int((session.ends_at - timezone.now()).total_seconds())),
        path=reverse("signing:kiosk-start"),
        secure=not settings.DEBUG,
        httponly=True,
        samesite="Strict",
    )
    return response


@require_POST
def kiosk_lock(request, pk):
    session = session_to_run(request.user, pk)
    count = services.kiosks_lock(session=session, by=request.user)
    messages.success(
        request,
        _("Locked %(count)s kiosk(s). Only a manager can unlock a device again.")
        % {"count": count},
    )
    return redirect("signing:session-detail", pk=session.pk)


# ----------------------------------------------------------------------------- joining


def _session_or_404(token) -> SigningSession:
    session = selectors.session_by_token(token)
    if session is None:
        raise Http404(_("This link does not lead to a session."))
    return session


def _closed(request, session, template="signing/join_closed.html"):
    ended = session.has_ended()
    return render(
        request,
        template,
        {"session": session, "ended": ended},
        status=410 if ended else 403,
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def join(request, token):
    """Where the QR code leads: join as oneself, or find one's name on the roster."""
    session = _session_or_404(token)
    if not session.is_open():
        return _closed(request, session)
    error = None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
        if not throttle.join_allowed(request):
            return _too_many(request)
        try:
            services.attendance_join(
                session=session,
                user=request.user,
                identified_by=Pledge.IdentifiedBy.OWN_SIGN_IN,
            )
        except ValidationError as refusal:
            error = refusal.messages[0]
        else:
            return redirect("signing:join-sign", token=token)
    joined = (
        request.user.is_authenticated
        and Attendance.objects.filter(session=session, user=request.user).exists()
    )
    return render(
        request,
        "signing/join.html",
        {
            "session": session,
            "error": error,
            "joined": joined,
            "form": ConfirmForm(user=request.user),
            "login_url": f"{reverse(settings.LOGIN_URL)}?next={request.path}",
        },
        status=403 if error else 200,
    )


def _join_as_roster_person(request, session, entry, identified_by, *, kiosk=None):
    """Sign the roster entry's person in (a real session of their own) and join them."""
    person = services.roster_person(session=session, entry=entry)
    refusal = services.code_sign_in_refusal(person, identified_by)
    if refusal:
        raise ValidationError(refusal, code="own_sign_in")
    attendance = services.attendance_join(
        session=session, user=person, identified_by=identified_by, entry=entry, kiosk=kiosk
    )
    login(request, person, backend=BACKEND)
    record_authentication(request, person, method="code", channel=identified_by)
    request.session[CODE_USER] = session.pk
    if kiosk is None:
        request.session.set_expiry(settings.SIGNING_CODE_SESSION_SECONDS)
    return attendance


def _identify_page(request, session, *, code_form=None, trainer_form=None, status=200):
    return render(
        request,
        "signing/join_identify.html",
        {
            "session": session,
            "code_form": code_form or ContactCodeForm(prefix="code"),
            "trainer_form": trainer_form or TrainerCodeForm(prefix="trainer"),
        },
        status=status,
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def join_identify(request, token):
    """No account, or no password: find one's name on the roster and confirm with a code.

    The answer is the same whether or not the name is on the roster: a code goes only to
    the roster's own address or phone, and a wrong trainer's code says nothing of the name.
    """
    session = _session_or_404(token)
    if not session.uses_roster:
        raise Http404(_("This session has no roster."))
    if not session.is_open():
        return _closed(request, session)
    if request.user.is_authenticated:
        return redirect("signing:join", token=token)
    if request.method != "POST":
        return _identify_page(request, session)
    if not throttle.join_allowed(request):
        return _too_many(request)
    if request.POST.get("way") == "trainer":
        return _identify_by_trainer_code(request, session)
    form = ContactCodeForm(request.POST, prefix="code")
    if not form.is_valid():
        return _identify_page(request, session, code_form=form, status=400)
    entry = services.roster_entry_by_contact(
        session, form.cleaned_data["full_name"], form.cleaned_data["contact"]
    )
    if entry is not None and not throttle.code_send_allowed(entry.pk):
        entry = None  # enough codes for now; the page says the same
    request.session[CHALLENGE] = services.join_code_send(
        session=session, entry=entry, language=translation.get_language()
    )
    messages.info(
        request,
        _(
            "If your name and this email address or number are on the session's list, a "
            "code is on its way to them. It works for %(minutes)s minutes."
        )
        % {"minutes": settings.SIGNING_CODE_MINUTES},
    )
    return redirect("signing:join-code", token=token)


def _trainer_code_refused(form) -> None:
    form.add_error(
        None,
        _(
            "We could not confirm you with this name and code. Check both, or ask the "
            "trainer for help."
        ),
    )


def _identify_by_trainer_code(request, session, *, kiosk=None):
    """Roster name plus the code the trainer reads out: joined and signed in, or refused."""
    form = TrainerCodeForm(request.POST, prefix="trainer", kiosk=kiosk is not None)
    refused_page = (
        (lambda: _kiosk_page(request, kiosk, trainer_form=form, status=400))
        if kiosk is not None
        else (lambda: _identify_page(request, session, trainer_form=form, status=400))
    )
    if not form.is_valid():
        return refused_page()
    tries = request.session.get(TRAINER_TRIES, 0)
    if tries >= TRAINER_TRIES_MAX:
        return _too_many(request)
    entry = services.roster_entry_by_name(session, form.cleaned_data["full_name"])
    if entry is None or not services.trainer_code_matches(
        session, form.cleaned_data["trainer_code"]
    ):
        request.session[TRAINER_TRIES] = tries + 1
        _trainer_code_refused(form)
        return refused_page()
    try:
        _join_as_roster_person(
            request, session, entry, Pledge.IdentifiedBy.TRAINER_CODE, kiosk=kiosk
        )
    except ValidationError as error:
        form.add_error(None, error)
        return refused_page()
    if kiosk is not None:
        return _kiosk_signer_started(request, kiosk)
    return redirect("signing:join-sign", token=session.join_token)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def join_code(request, token):
    """Type the code sent by email or text message."""
    session = _session_or_404(token)
    if not session.uses_roster:
        raise Http404(_("This session has no roster."))
    if not session.is_open():
        return _closed(request, session)
    if request.user.is_authenticated:
        return redirect("signing:join", token=token)
    challenge = request.session.get(CHALLENGE)
    if not isinstance(challenge, dict) or challenge.get("session") != session.pk:
        return redirect("signing:join-identify", token=token)
    form = JoinCodeForm(*bound(request))
    if request.method == "POST":
        if not throttle.join_allowed(request):
            return _too_many(request)
        if form.is_valid():
            entry = services.join_code_check(
                challenge=challenge, session=session, code=form.cleaned_data["code"]
            )
            if entry is not None:
                del request.session[CHALLENGE]
                try:
                    _join_as_roster_person(request, session, entry, challenge["channel"])
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    return redirect("signing:join-sign", token=token)
            else:
                challenge["tries"] = challenge.get("tries", 0) + 1
                request.session[CHALLENGE] = challenge
                form.add_error(
                    "code",
                    _("This code is not right, or it has expired. Check it, or ask for a new one."),
                )
    return render(
        request,
        "signing/join_code.html",
        {"session": session, "form": form},
        status=400 if form.is_bound else 200,
    )


def _join_sign_is_stale(request) -> bool:
    # A person who joined by a one-time code signed in for this purpose moments ago, in a
    # short session: the code stands for a recent sign-in (they have no password to give).
    if request.session.get(CODE_USER):
        return False
    return sign_in_is_stale(request)


def _request_meta(request, identified_by: str) -> RequestMeta:
    meta = request_meta(request)
    if identified_by != Pledge.IdentifiedBy.OWN_SIGN_IN:
        return RequestMeta(
            ip_address=meta.ip_address,
            user_agent=meta.user_agent,
            auth_method=Pledge.AuthMethod.ONE_TIME_CODE,
        )
    return meta


def _sign_context(session, form, digest, addendum):
    return {
        "addendum": addendum,
        "form": form,
        "session": session,
        "cycle": session.cycle,
        "edition": session.cycle.edition,
        "standards": pledge_selectors.edition_standards(session.cycle.edition),
        "consent_text": CONSENT_TEXT,
        "text_sha256": digest,
    }


@never_cache
@require_http_methods(["GET", "POST"])
@reauthentication_required(enabled=_join_sign_is_stale)
def join_sign(request, token):
    """Read the pledge and sign it as the session's attendee."""
    if replay := submissions.replayed(request):
        return replay
    session = _session_or_404(token)
    if not session.is_open():
        return _closed(request, session)
    attendance = Attendance.objects.filter(session=session, user=request.user).first()
    if attendance is None:
        return redirect("signing:join", token=token)
    existing = pledge_selectors.active_pledge(request.user, session.cycle)
    if existing is not None:
        services.attendance_link_existing(attendance=attendance, pledge=existing)
        messages.info(
            request,
            _("You have signed the %(cycle)s pledge; your attendance is recorded.")
            % {"cycle": session.cycle},
        )
        return redirect("pledges:pledge-detail", pk=existing.pk)
    membership = request.user.active_membership
    if membership is None:
        raise PermissionDenied(_("Only a member of an office can sign the pledge."))
    due = pledge_selectors.addendum_due(membership.office)
    if due.missing:
        return render(
            request,
            "pledges/addendum_unavailable.html",
            {"membership": membership, "cycle": session.cycle},
            status=409 if request.method == "POST" else 200,
        )
    _text, digest = pledge_text(session.cycle)
    form = SessionSignForm(
        *bound(request), user=request.user, text_sha256=digest, addendum=due.addendum
    )
    if request.method == "POST" and form.is_valid():

        def done(signed):
            pledge, _created = signed
            messages.success(
                request,
                _("Thank you. Your pledge is signed; your verification code is %(code)s.")
                % {"code": pledge.code_display},
            )
            return redirect("pledges:pledge-detail", pk=pledge.pk)

        try:
            return submissions.save_once(
                request,
                save=lambda: services.attendance_sign(
                    attendance=attendance,
                    typed_name=form.cleaned_data["typed_name"],
                    consent=form.cleaned_data["consent"],
                    list_publicly=form.cleaned_data["list_publicly"],
                    request_meta=_request_meta(request, attendance.identified_by),
                    identified_by=attendance.identified_by,
                    seen_text_sha256=form.cleaned_data["text_sha256"],
                    name_confirmed=form.cleaned_data["name_confirmed"],
                    seen_addendum_sha256=form.cleaned_data["addendum_sha256"],
                ),
                done=done,
            )
        except ValidationError as error:
            form.add_error(None, error)
    return render(
        request,
        "signing/session_sign.html",
        _sign_context(session, form, digest, due.addendum),
        status=400 if form.is_bound else 200,
    )


# ----------------------------------------------------------------------------- kiosk


def _kiosk(request) -> Kiosk | None:
    """The kiosk this device was unlocked as, brought up to date (it may lock now)."""
    try:
        value = request.get_signed_cookie(KIOSK_COOKIE, salt=KIOSK_COOKIE_SALT)
    except (KeyError, django_signing.BadSignature):
        return None
    kiosk_id, _sep, secret = value.partition(":")
    if not kiosk_id.isdigit() or not secret:
        return None
    kiosk = (
        Kiosk.objects.select_related(
            "session__office", "session__association", "session__cycle__edition"
        )
        .filter(pk=int(kiosk_id))
        .first()
    )
    if kiosk is None or services.kiosk_secret_digest(secret) != kiosk.secret_sha256:
        return None
    return services.kiosk_in_use(kiosk)


def _no_store(response):
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
    return response


def _kiosk_locked(request, kiosk):
    # A signer caught by the lock is signed out; anyone else who merely opened a kiosk
    # address on their own device is left as they are.
    if request.user.is_authenticated and KIOSK_SIGNER in request.session:
        logout(request)
    return _no_store(render(request, "signing/kiosk_locked.html", {"kiosk": kiosk}, status=403))


def _kiosk_page(request, kiosk, *, trainer_form=None, sign_in_form=None, status=200):
    session = kiosk.session
    return _no_store(
        render(
            request,
            "signing/kiosk_start.html",
            {
                "kiosk": kiosk,
                "session": session,
                "trainer_form": (
                    trainer_form or TrainerCodeForm(prefix="trainer", kiosk=True)
                    if session.uses_roster
                    else None
                ),
                "sign_in_form": sign_in_form or KioskSignInForm(prefix="account"),
                "signer_seconds": settings.KIOSK_SIGNER_SECONDS,
                "idle_seconds": settings.KIOSK_IDLE_LOCK_SECONDS,
                # Read by static/js/kiosk.js from the page's body (kiosk_base.html).
                "body_idle": settings.KIOSK_IDLE_LOCK_SECONDS,
            },
            status=status,
        )
    )


def _kiosk_signer_started(request, kiosk):
    request.session[KIOSK_SIGNER] = kiosk.pk
    request.session[KIOSK_SIGNER_AT] = int(time.time())
    response = redirect("signing:kiosk-sign")
    response.status_code = 303
    return _no_store(response)


def _kiosk_reset_response(request):
    """Back to the kiosk's start, with nothing of the last signer left in the browser."""
    if request.user.is_authenticated or request.session.session_key:
        logout(request)
    response = _no_store(redirect("signing:kiosk-start"))
    response.status_code = 303
    # Cookies stay (the kiosk's own cookie is needed); cache and storage are emptied.
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response


@login_not_required
@never_cache
@require_GET
def kiosk_start(request):
    """The kiosk's welcome: each signer identifies here. Nobody is signed in on it."""
    kiosk = _kiosk(request)
    if kiosk is None or kiosk.is_locked:
        return _kiosk_locked(request, kiosk)
    if request.user.is_authenticated:
        logout(request)  # a signer who walked away: their sign-in ends here
    return _kiosk_page(request, kiosk)


@login_not_required
@never_cache
@require_POST
def kiosk_identify(request):
    kiosk = _kiosk(request)
    if kiosk is None or kiosk.is_locked:
        return _kiosk_locked(request, kiosk)
    if not kiosk.session.uses_roster:
        raise Http404(_("This session has no roster."))
    if request.user.is_authenticated:
        logout(request)
    if not throttle.join_allowed(request):
        return _too_many(request, "signing/kiosk_limited.html")
    return _identify_by_trainer_code(request, kiosk.session, kiosk=kiosk)


@login_not_required
@never_cache
@require_POST
def kiosk_sign_in(request):
    """A signer's own account, at the shared device: email and password, nothing kept."""
    kiosk = _kiosk(request)
    if kiosk is None or kiosk.is_locked:
        return _kiosk_locked(request, kiosk)
    if request.user.is_authenticated:
        logout(request)
    if not throttle.join_allowed(request):
        return _too_many(request, "signing/kiosk_limited.html")
    form = KioskSignInForm(request.POST, prefix="account")
    if not form.is_valid():
        return _kiosk_page(request, kiosk, sign_in_form=form, status=400)
    email = form.cleaned_data["email"].lower()
    if not throttle.kiosk_sign_in_allowed(email):
        return _too_many(request, "signing/kiosk_limited.html")
    person = authenticate(request, email=email, password=form.cleaned_data["password"])
    if person is None:
        throttle.kiosk_sign_in_failed(email)
        form.add_error(None, _("The email address or the password is not right."))
        return _kiosk_page(request, kiosk, sign_in_form=form, status=400)
    if mfa.required_role(person) or mfa.has_second_step(person):
        # A second step is not asked on a shared device: such accounts sign on their own.
        form.add_error(
            None,
            _(
                "Your account signs in with a second step. Please sign on your own phone or "
                "computer: scan the code on the screen."
            ),
        )
        return _kiosk_page(request, kiosk, sign_in_form=form, status=403)
    try:
        services.attendance_join(
            session=kiosk.session,
            user=person,
            identified_by=Pledge.IdentifiedBy.OWN_SIGN_IN,
            kiosk=kiosk,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _kiosk_page(request, kiosk, sign_in_form=form, status=403)
    login(request, person, backend=BACKEND)
    record_authentication(request, person, method="password", email=email)
    return _kiosk_signer_started(request, kiosk)


def _kiosk_signer(request, kiosk) -> bool:
    """Whether the person signed in began at this kiosk, moments ago."""
    started = request.session.get(KIOSK_SIGNER_AT, 0)
    return (
        request.user.is_authenticated
        and request.session.get(KIOSK_SIGNER) == kiosk.pk
        # The page's own timer clears the screen after KIOSK_SIGNER_SECONDS without a
        # touch; the server gives up on a signer when the device would lock.
        and time.time() - started <= settings.KIOSK_IDLE_LOCK_SECONDS
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def kiosk_sign(request):
    """The pledge, for the signer at the kiosk; then the screen resets for the next one."""
    kiosk = _kiosk(request)
    if kiosk is None or kiosk.is_locked:
        return _kiosk_locked(request, kiosk)
    if not _kiosk_signer(request, kiosk):
        return _kiosk_reset_response(request)
    session = kiosk.session
    attendance = Attendance.objects.filter(session=session, user=request.user).first()
    if attendance is None:
        return _kiosk_reset_response(request)
    existing = pledge_selectors.active_pledge(request.user, session.cycle)
    if existing is not None:
        services.attendance_link_existing(attendance=attendance, pledge=existing)
        response = _kiosk_reset_response(request)
        messages.info(
            request,
            _("You had already signed this cycle's pledge; your attendance is recorded."),
        )
        return response
    membership = request.user.active_membership
    due = pledge_selectors.addendum_due(membership.office) if membership else None
    if due is None or due.missing:
        response = _kiosk_reset_response(request)
        messages.error(
            request,
            _(
                "Your office requires an oath addendum that is not published yet, so the "
                "pledge cannot be signed today. Please tell your office manager."
            ),
        )
        return response
    _text, digest = pledge_text(session.cycle)
    form = SessionSignForm(
        *bound(request),
        user=request.user,
        text_sha256=digest,
        addendum=due.addendum,
        kiosk=True,
    )
    if request.method == "POST" and form.is_valid():
        identified_by = attendance.identified_by
        try:
            services.attendance_sign(
                attendance=attendance,
                typed_name=form.cleaned_data["typed_name"],
                consent=form.cleaned_data["consent"],
                list_publicly=form.cleaned_data["list_publicly"],
                request_meta=_request_meta(request, identified_by),
                identified_by=identified_by,
                kiosk=kiosk,
                seen_text_sha256=form.cleaned_data["text_sha256"],
                name_confirmed=form.cleaned_data["name_confirmed"],
                seen_addendum_sha256=form.cleaned_data["addendum_sha256"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            response = _kiosk_reset_response(request)
            messages.success(request, _("Thank you. Your pledge is signed. Next person, please."))
            return response
    request.session[KIOSK_SIGNER_AT] = int(time.time())
    context = _sign_context(session, form, digest, due.addendum)
    context.update(
        kiosk=kiosk,
        signer_seconds=settings.KIOSK_SIGNER_SECONDS,
        body_signer=settings.KIOSK_SIGNER_SECONDS,
    )
    return _no_store(
        render(request, "signing/kiosk_sign.html", context, status=400 if form.is_bound else 200)
    )


@login_not_required
@never_cache
@require_POST
def kiosk_reset(request):
    """Cancel, or the screen's timer ran out: sign the signer out and start again."""
    kiosk = _kiosk(request)
    if kiosk is None:
        return _kiosk_locked(request, kiosk)
    return _kiosk_reset_response(request)
