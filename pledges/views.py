import functools
import time

from allauth.account.authentication import get_authentication_records
from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.audit import client_ip
from core import submissions
from core.http import attachment, bound, form_view
from core.mail import render_email

from . import selectors, transparency
from .chain import CONSENT_TEXT
from .codes import format_code, normalize_code
from .exports import pledge_certificate_pdf
from .forms import (
    LogConsistencyForm,
    LogLeavesForm,
    LogProofForm,
    PledgeSignForm,
    PledgeWithdrawForm,
    RegistryForm,
    ReminderSendForm,
    VerifyForm,
)
from .models import Pledge
from .permissions import (
    office_for_pledge_management,
    pledge_for_viewer,
    pledge_for_withdrawal,
)
from .services import (
    RequestMeta,
    SigningClosed,
    certificate_downloaded,
    pledge_sign,
    pledge_text,
    pledge_withdraw,
    registry_set,
    reminder_context,
    reminders_send,
)
from .throttle import log_allowed, verification_allowed


def auth_method(request) -> str:
    """How this session's person proved who they are, from allauth's records."""
    records = get_authentication_records(request, request.user)
    if any(r.get("method") == "mfa" and r.get("passwordless") for r in records):
        return Pledge.AuthMethod.PASSKEY
    if any(r.get("method") == "mfa" for r in records):
        return Pledge.AuthMethod.MFA
    return Pledge.AuthMethod.PASSWORD


def _valid_ip(value: str | None) -> str | None:
    # A proxy misconfiguration must not stop anyone signing; the address is then unknown.
    if not value:
        return None
    try:
        validate_ipv46_address(value)
    except ValidationError:
        return None
    return value


def request_meta(request) -> RequestMeta:
    return RequestMeta(
        ip_address=_valid_ip(client_ip(request)),
        # Control characters (NUL above all) cannot be stored in PostgreSQL text.
        user_agent="".join(
            ch for ch in request.META.get("HTTP_USER_AGENT", "") if ch.isprintable()
        ),
        auth_method=auth_method(request),
    )


def sign_in_is_stale(request) -> bool:
    """True when the person last proved who they are more than a few minutes ago."""
    records = get_authentication_records(request, request.user)
    if not records:
        return True
    last = max(r.get("at", 0) for r in records)
    return time.time() - last > settings.ACCOUNT_REAUTHENTICATION_TIMEOUT


@login_not_required
@require_GET
def standards(request):
    """The published edition's standards, for anyone to read."""
    edition = selectors.published_edition()
    return render(
        request,
        "pledges/standards_detail.html",
        {
            "edition": edition,
            "standards": selectors.edition_standards(edition) if edition else [],
        },
    )


@require_GET
def pledge_list(request):
    """The person's pledge in the current cycle and their history across cycles."""
    cycle, upcoming = selectors.current_and_next_cycle()
    return render(
        request,
        "pledges/pledge_list.html",
        {
            "cycle": cycle,
            "cycle_is_open": bool(cycle and cycle.is_open()),
            "next_cycle": upcoming,
            "active": selectors.active_pledge(request.user, cycle),
            "history": selectors.pledge_history(request.user),
            "membership": request.user.active_membership,
        },
    )


def _signing_unavailable(request, membership):
    """No office to sign for, or no cycle open: say so (refusing a POST outright)."""
    status = 403 if membership is None else 409
    cycle, upcoming = selectors.current_and_next_cycle()
    return render(
        request,
        "pledges/pledge_closed.html",
        {"membership": membership, "cycle": cycle, "next_cycle": upcoming},
        status=status if request.method == "POST" else 200,
    )


def _already_signed(request, cycle, pledge):
    messages.info(request, _("You have already signed the %(cycle)s pledge.") % {"cycle": cycle})
    return redirect("pledges:pledge-detail", pk=pledge.pk)


def _signed(request, cycle, pledge, created: bool):
    if not created:
        return _already_signed(request, cycle, pledge)
    messages.success(
        request,
        _("Thank you. Your pledge is signed; your verification code is %(code)s.")
        % {"code": pledge.code_display},
    )
    return redirect("pledges:pledge-detail", pk=pledge.pk)


@never_cache
@require_http_methods(["GET", "POST"])
@reauthentication_required(enabled=sign_in_is_stale)
def pledge_sign_view(request):
    if replay := submissions.replayed(request):
        return replay
    membership = request.user.active_membership
    cycle = selectors.signable_cycle()
    if membership is None or cycle is None:
        return _signing_unavailable(request, membership)
    existing = selectors.active_pledge(request.user, cycle)
    if existing is not None:
        return _already_signed(request, cycle, existing)

    _text, digest = pledge_text(cycle)
    form = PledgeSignForm(*bound(request), user=request.user, text_sha256=digest)
    # Not form_view, which takes its context before the service runs: the standards (two
    # queries) are read only to show the page, never for a signature that goes through.
    if request.method == "POST" and form.is_valid():
        try:
            return submissions.save_once(
                request,
                save=lambda: pledge_sign(
                    user=request.user,
                    cycle=cycle,
                    typed_name=form.cleaned_data["typed_name"],
                    consent=form.cleaned_data["consent"],
                    list_publicly=form.cleaned_data["list_publicly"],
                    request_meta=request_meta(request),
                    seen_text_sha256=form.cleaned_data["text_sha256"],
                    name_confirmed=form.cleaned_data["name_confirmed"],
                ),
                done=lambda signed: _signed(request, cycle, *signed),
            )
        except SigningClosed as error:
            messages.error(request, error.messages[0])
            return redirect("pledges:pledge-list")
        except ValidationError as error:
            form.add_error(None, error)
    return render(
        request,
        "pledges/pledge_sign.html",
        {
            "form": form,
            "cycle": cycle,
            "edition": cycle.edition,
            "standards": selectors.edition_standards(cycle.edition),
            "membership": membership,
            "consent_text": CONSENT_TEXT,
            "text_sha256": digest,
        },
        status=400 if form.is_bound else 200,
    )


@require_GET
def pledge_detail(request, pk):
    pledge = pledge_for_viewer(request.user, pk)
    return render(
        request,
        "pledges/pledge_detail.html",
        {
            "pledge": pledge,
            "is_owner": pledge.user_id == request.user.pk,
            "verify_url": settings.SITE_URL + pledge_verify_path(pledge.verification_code),
            "withdrawal": getattr(pledge, "withdrawal", None) if not pledge.is_active else None,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@reauthentication_required(enabled=sign_in_is_stale)
def pledge_withdraw_view(request, pk):
    pledge = pledge_for_withdrawal(request.user, pk)
    if not pledge.is_active:
        messages.info(request, _("This pledge has already been withdrawn."))
        return redirect("pledges:pledge-detail", pk=pledge.pk)
    form = PledgeWithdrawForm(*bound(request), user=request.user)

    def done(_withdrawal):
        messages.success(request, _("Your pledge has been withdrawn."))
        return redirect("pledges:pledge-detail", pk=pledge.pk)

    return form_view(
        request,
        form,
        save=lambda: pledge_withdraw(
            pledge=pledge,
            by=request.user,
            reason=form.cleaned_data["reason"],
            request_meta=request_meta(request),
        ),
        done=done,
        template="pledges/pledge_withdraw.html",
        context={"pledge": pledge},
        invalid=400,
    )


@require_GET
def pledge_certificate(request, pk):
    pledge = pledge_for_viewer(request.user, pk)
    if not pledge.is_active:
        # Those who may see the pledge learn why there is no certificate; others get 404.
        return render(
            request, "pledges/pledge_certificate_withdrawn.html", {"pledge": pledge}, status=410
        )
    export = pledge_certificate_pdf(pledge)
    certificate_downloaded(pledge=pledge, by=request.user, request_meta=request_meta(request))
    return attachment(*export)


@require_GET
def pledge_office(request):
    """The manager's page: who has and has not signed, the registry, the chain."""
    office = office_for_pledge_management(request.user)
    cycle, upcoming = selectors.current_and_next_cycle()
    rows = selectors.office_pledge_rows(office, cycle) if cycle else []
    signed = sum(1 for row in rows if row.pledge)
    return render(
        request,
        "pledges/pledge_office.html",
        {
            "office": office,
            "cycle": cycle,
            "cycle_is_open": bool(cycle and cycle.is_open()),
            "next_cycle": upcoming,
            "rows": rows,
            "signed": signed,
            "unsigned": len(rows) - signed,
            "chain": selectors.chain_status(),
            "registry_form": RegistryForm(
                user=request.user, initial={"publishes_registry": office.publishes_registry}
            ),
        },
    )


@require_POST
def pledge_registry(request):
    office = office_for_pledge_management(request.user)
    form = RegistryForm(request.POST, user=request.user)
    if form.is_valid():
        registry_set(
            office=office, publishes=form.cleaned_data["publishes_registry"], by=request.user
        )
        if office.publishes_registry:
            messages.success(request, _("Your office's pledge registry is now public."))
        else:
            messages.success(request, _("Your office's pledge registry is no longer public."))
    return redirect("pledges:pledge-office")


@require_http_methods(["GET", "POST"])
def pledge_remind(request):
    """Preview the reminder (GET); send it to everyone who has not signed (POST)."""
    office = office_for_pledge_management(request.user)
    cycle = selectors.signable_cycle()
    if cycle is None:
        messages.error(request, _("No cycle is open, so there is nothing to sign yet."))
        return redirect("pledges:pledge-office")
    form = ReminderSendForm(*bound(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        # One manual reminder per manager and day: a second click or tab sends nothing.
        key = f"manual-{request.user.pk}-{timezone.localdate():%Y%m%d}"
        count = reminders_send(cycle=cycle, office=office, key=key, sent_by=request.user)
        if count:
            messages.success(
                request,
                _("Reminder sent to %(count)s people.") % {"count": count}
                if count != 1
                else _("Reminder sent to 1 person."),
            )
        else:
            messages.info(
                request,
                _("Nobody needed a reminder: everyone has signed or was already reminded today."),
            )
        return redirect("pledges:pledge-office")
    unsigned = list(selectors.unsigned_members(cycle=cycle, office=office))
    sample = unsigned[0].user if unsigned else request.user
    subject, body = render_email(
        template="pledges/email/pledge_reminder",
        context=reminder_context(person=sample, office=office, cycle=cycle),
        language=request.LANGUAGE_CODE,
    )
    return render(
        request,
        "pledges/pledge_remind.html",
        {
            "office": office,
            "cycle": cycle,
            "unsigned": unsigned,
            "subject": subject,
            "body": body,
            "form": form,
        },
    )


def pledge_verify_path(code: str) -> str:
    return reverse("pledge-verify-code", args=[code])


def _too_many(request):
    return render(request, "pledges/pledge_verify_limited.html", status=429)


@login_not_required
@never_cache
@require_GET
def pledge_verify(request):
    """The public form: type a code, see the pledge's public facts."""
    if "code" not in request.GET:
        return render(request, "pledges/pledge_verify.html", {"form": VerifyForm()})
    if not verification_allowed(request):
        return _too_many(request)
    form = VerifyForm(request.GET)
    if not form.is_valid():
        return render(request, "pledges/pledge_verify.html", {"form": form}, status=400)
    return _verification_result(request, form.cleaned_data["code"], form)


@login_not_required
@never_cache
@require_GET
def pledge_verify_code(request, code):
    """The short link printed on certificates: /v/<code>."""
    if not verification_allowed(request):
        return _too_many(request)
    normalized = normalize_code(code)
    if normalized is None:
        form = VerifyForm({"code": code[:64]})
        form.is_valid()
        return render(request, "pledges/pledge_verify.html", {"form": form}, status=400)
    return _verification_result(
        request, normalized, VerifyForm(initial={"code": format_code(normalized)})
    )


def _verification_result(request, code, form):
    pledge = selectors.pledge_by_code(code)
    if pledge is None:
        return render(
            request,
            "pledges/pledge_verify.html",
            {"form": form, "not_found": True, "code": format_code(code)},
            status=404,
        )
    return render(
        request,
        "pledges/pledge_verify.html",
        {"form": form, "pledge": pledge, "code": pledge.code_display},
    )


@login_not_required
@require_GET
def registry_list(request):
    """Offices that publish their pledge registry."""
    return render(
        request, "pledges/registry_list.html", {"offices": selectors.publishing_offices()}
    )


@login_not_required
@require_GET
def registry_detail(request, office_id):
    office = selectors.publishing_offices().filter(pk=office_id).first()
    if office is None:
        raise Http404(_("This office does not publish a pledge registry."))
    cycle = selectors.current_cycle()
    return render(
        request,
        "pledges/registry_detail.html",
        {"summary": selectors.registry_summary(office, cycle)},
    )


# --- the public log (pledges.transparency) ---------------------------------------------

_LATEST_MAX_AGE = 60
# A range of leaves, or a proof between fixed tree sizes, never changes.
_FIXED_MAX_AGE = 365 * 24 * 60 * 60


def _log_json(data: dict, *, max_age: int = 0, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status)
    if status == 200:
        patch_cache_control(response, public=True, max_age=max_age)
        if max_age == _FIXED_MAX_AGE:
            patch_cache_control(response, immutable=True)
    else:
        add_never_cache_headers(response)
    return response


def _log_error(message: str, status: int, **extra) -> JsonResponse:
    return _log_json({"error": str(message), **extra}, status=status)


def _log_invalid(form) -> JsonResponse:
    return _log_error(_("Invalid request."), 400, fields=form.errors.get_json_data())


def _public_log(view):
    """A public, rate-limited, read-only JSON endpoint of the log."""

    @login_not_required
    @require_GET
    @functools.wraps(view)
    def limited(request, *args, **kwargs):
        if not log_allowed(request):
            response = _log_error(_("Too many requests. Try again later."), 429)
            response["Retry-After"] = str(settings.LOG_RATE_WINDOW)
            return response
        return view(request, *args, **kwargs)

    return limited


@login_not_required
@require_GET
def log_home(request):
    """What the log is, its public key and its latest checkpoint."""
    return render(
        request,
        "pledges/log_home.html",
        {
            "checkpoint": transparency.latest_checkpoint(),
            "key": transparency.public_key_info(),
            "origin": transparency.origin(),
            "max_leaves": transparency.MAX_LEAVES,
        },
    )


@_public_log
def log_checkpoint(request):
    checkpoint = transparency.latest_checkpoint()
    if checkpoint is None:
        return _log_error(_("The log has no checkpoint yet."), 404)
    return _log_json(checkpoint, max_age=_LATEST_MAX_AGE)


@_public_log
def log_leaves(request):
    form = LogLeavesForm(request.GET)
    if not form.is_valid():
        return _log_invalid(form)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    size = transparency.log_size()
    if start >= size:
        return _log_error(
            _("start is beyond the end of the log (%(size)s leaves).") % {"size": size}, 400
        )
    served = min(end, start + transparency.MAX_LEAVES, size)
    return _log_json(
        {"start": start, "end": served, "leaves": transparency.leaves_range(start, served)},
        max_age=_FIXED_MAX_AGE if served == end else _LATEST_MAX_AGE,
    )


@_public_log
def log_inclusion_proof(request, code):
    form = LogProofForm(request.GET)
    if not form.is_valid():
        return _log_invalid(form)
    normalized = normalize_code(code[:64])
    if normalized is None:
        return _log_error(_("This is not a verification code."), 400)
    pledge = selectors.pledge_by_code(normalized)
    if pledge is None:
        return _log_error(_("No pledge in the log has this code."), 404)
    tree_size = form.cleaned_data["tree_size"]
    if tree_size is not None:
        latest = transparency.latest_checkpoint()
        if latest is None or tree_size > latest["tree_size"]:
            return _log_error(
                _("tree_size is beyond the latest checkpoint (%(size)s).")
                % {"size": latest["tree_size"] if latest else 0},
                400,
            )
    proof = transparency.inclusion_proof_for(pledge, tree_size)
    if proof is None:
        return _log_error(
            _("This pledge is not in that checkpoint yet; a new one is signed within minutes."),
            404,
        )
    return _log_json(proof, max_age=_FIXED_MAX_AGE if tree_size else _LATEST_MAX_AGE)


@_public_log
def log_consistency_proof(request):
    form = LogConsistencyForm(request.GET)
    if not form.is_valid():
        return _log_invalid(form)
    latest = transparency.latest_checkpoint()
    if latest is None:
        return _log_error(_("The log has no checkpoint yet."), 404)
    first, second = form.cleaned_data["first"], form.cleaned_data["second"]
    fixed = second is not None
    second = second or latest["tree_size"]
    if second > latest["tree_size"] or first > second:
        return _log_error(
            _("Sizes must satisfy 1 ≤ first ≤ second ≤ %(size)s, the latest checkpoint's.")
            % {"size": latest["tree_size"]},
            400,
        )
    return _log_json(
        transparency.consistency_proof(first, second),
        max_age=_FIXED_MAX_AGE if fixed else _LATEST_MAX_AGE,
    )
