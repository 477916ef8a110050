import functools
import time

from allauth.account.authentication import get_authentication_records
from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.validators import validate_ipv46_address
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.audit import client_ip
from accounts.models import Membership
from accounts.selectors import staff_filtered, staff_listed
from core import submissions
from core.http import add_errors, attachment, bound, form_view
from core.listing import ListFilterForm, list_page
from core.mail import render_email
from sso import evidence as sso_evidence

from . import selectors, transparency
from .chain import CONSENT_TEXT, canonical_addendum_text, sha256_text
from .codes import format_code, normalize_code
from .exports import pledge_certificate_pdf
from .forms import (
    AddendumForm,
    AddendumPublishForm,
    AddendumRequirementForm,
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
    addendum_association_for,
    addendum_for_editor,
    addendum_office_for,
    office_for_pledge_management,
    pledge_for_viewer,
    pledge_for_withdrawal,
)
from .services import (
    RequestMeta,
    SigningClosed,
    addendum_create,
    addendum_publish,
    addendum_requirement_set,
    addendum_update,
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
    """How this session's person proved who they are, from allauth's records and, for a
    sign-in through an identity provider, the evidence the session keeps of it."""
    records = get_authentication_records(request, request.user)
    sso = sso_evidence.from_session(request)
    if sso is not None:
        # "With MFA" only when the portal stands behind it: the provider's proof of a second
        # factor was trusted, or the person took the portal's own second step as well. The
        # factor the provider merely claimed is recorded beside it either way.
        if sso["trusted_mfa"] or any(r.get("method") == "mfa" for r in records):
            return Pledge.AuthMethod.SSO_MFA
        return Pledge.AuthMethod.SSO
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


def _printable(value) -> str:
    # Control characters (NUL above all) cannot be stored in PostgreSQL text.
    return "".join(ch for ch in str(value or "") if ch.isprintable())


def request_meta(request) -> RequestMeta:
    sso = sso_evidence.from_session(request) or {}
    return RequestMeta(
        ip_address=_valid_ip(client_ip(request)),
        user_agent=_printable(request.META.get("HTTP_USER_AGENT", "")),
        auth_method=auth_method(request),
        sso_provider=_printable(sso.get("provider")),
        sso_issuer=_printable(sso.get("issuer")),
        sso_subject=_printable(sso.get("subject")),
        sso_mfa=_printable(sso.get("mfa")),
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
    due = selectors.addendum_due(membership.office)
    if due.missing:
        return _addendum_unavailable(request, membership, cycle)
    form = PledgeSignForm(
        *bound(request), user=request.user, text_sha256=digest, addendum=due.addendum
    )
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
                    seen_addendum_sha256=form.cleaned_data["addendum_sha256"],
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
            "addendum": due.addendum,
        },
        status=400 if form.is_bound else 200,
    )


def _addendum_unavailable(request, membership, cycle):
    """The office requires an oath addendum that is not published: nothing can be signed."""
    return render(
        request,
        "pledges/addendum_unavailable.html",
        {"membership": membership, "cycle": cycle},
        status=409 if request.method == "POST" else 200,
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
    """The manager's page: who has and has not signed (searched, filtered, a page at a
    time), staff and election workers counted apart, the registry, the chain."""
    office = office_for_pledge_management(request.user)
    cycle, upcoming = selectors.current_and_next_cycle()
    filters = ListFilterForm(
        request.GET,
        roles=Membership.Role.choices,
        states=(("signed", _lazy("Signed")), ("unsigned", _lazy("Not signed"))),
        state_label=_lazy("Pledge"),
    )
    listing, counts = None, {}
    if cycle is not None:
        memberships = Membership.objects.none()
        if filters.is_valid():
            memberships = selectors.with_pledge_state(
                staff_filtered(
                    staff_listed(office),
                    q=filters.value("q"),
                    role=filters.value("role"),
                    reveals_confidential=True,
                ),
                cycle,
                filters.value("state"),
            )
        listing = list_page(request, memberships)
        listing.rows = selectors.office_pledge_rows(office, cycle, listing.objects)
        counts = selectors.office_pledge_counts(office, cycle)
    return render(
        request,
        "pledges/pledge_office.html",
        {
            "office": office,
            "cycle": cycle,
            "cycle_is_open": bool(cycle and cycle.is_open()),
            "next_cycle": upcoming,
            "filters": filters,
            "listing": listing,
            "counts": counts,
            "unsigned": counts.get("remindable", 0),
            "chain": selectors.chain_status(),
            "registry_form": RegistryForm(
                user=request.user, initial={"publishes_registry": office.publishes_registry}
            ),
        },
        status=200 if filters.is_valid() else 400,
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


# --- oath addenda ------------------------------------------------------------------------

ADDENDA_PAGE_SIZE = 20
# Refusals that are about the state of things, not the data sent: 409.
_CONFLICTS = {"draft_exists", "immutable", "stale"}


def _addenda_page(request, queryset) -> dict:
    """One page of an owner's versions, and its draft (always the newest, so on page 1)."""
    # A page that is not a number shows the first, one past the end the last: never a 404.
    page = Paginator(queryset, ADDENDA_PAGE_SIZE).get_page(request.GET.get("page"))
    return {"page": page, "draft": next((a for a in page if a.is_draft), None)}


def _save_once_or_errors(request, form, *, save, done, template, context):
    """A valid POST is saved once (`core.submissions`); a refusal shows the form again,
    with 409 when the refusal is about the addendum's state, 400 for bad data."""
    status = 400 if form.is_bound else 200
    if request.method == "POST" and form.is_valid():
        try:
            return submissions.save_once(request, save=save, done=done)
        except ValidationError as error:
            add_errors(form, error)
            codes = {e.code for e in getattr(error, "error_list", [error])}
            status = 409 if codes & _CONFLICTS else 400
    return render(request, template, {"form": form, **context}, status=status)


@never_cache
@require_GET
def addendum_office(request):
    """The office manager's page: the office's own addendum, its versions, and which
    addendum the office's people sign."""
    office = addendum_office_for(request.user)
    requirement = selectors.addendum_requirement(office)
    return render(
        request,
        "pledges/addendum_list.html",
        {
            "office": office,
            "owner": office,
            "requirement": requirement,
            "due": selectors.addendum_due(office, requirement),
            "current": selectors.current_addendum(office=office),
            "create_url": reverse("pledges:addendum-create-office"),
            **_addenda_page(request, selectors.owner_addenda(office=office)),
        },
    )


@never_cache
@require_GET
def addendum_association(request, association_id):
    """An association administrator's page: the association's addendum and its versions."""
    association = addendum_association_for(request.user, association_id)
    current = selectors.current_addendum(association=association)
    return render(
        request,
        "pledges/addendum_list.html",
        {
            "association": association,
            "owner": association,
            "current": current,
            "requiring": list(selectors.offices_requiring(current)) if current else [],
            "create_url": reverse("pledges:addendum-create-association", args=[association.pk]),
            **_addenda_page(request, selectors.owner_addenda(association=association)),
        },
    )


def _addendum_created(request, addendum):
    messages.success(
        request,
        _("Draft version %(version)s saved. Read it over, then publish it when it is final.")
        % {"version": addendum.version},
    )
    return redirect("pledges:addendum-detail", pk=addendum.pk)


def _addendum_create(request, *, office=None, association=None):
    if replay := submissions.replayed(request):
        return replay
    form = AddendumForm(*bound(request), user=request.user)
    return _save_once_or_errors(
        request,
        form,
        save=lambda: addendum_create(
            by=request.user,
            office=office,
            association=association,
            title=form.cleaned_data["title"],
            text=form.cleaned_data["text"],
            language=form.cleaned_data["language"],
        ),
        done=lambda addendum: _addendum_created(request, addendum),
        template="pledges/addendum_form.html",
        context={"owner": office or association, "office": office, "association": association},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def addendum_create_office(request):
    return _addendum_create(request, office=addendum_office_for(request.user))


@never_cache
@require_http_methods(["GET", "POST"])
def addendum_create_association(request, association_id):
    association = addendum_association_for(request.user, association_id)
    return _addendum_create(request, association=association)


def _addendum_context(addendum) -> dict:
    return {
        "addendum": addendum,
        "owner": addendum.owner,
        "office": addendum.office,
        "association": addendum.association,
        "requiring": list(selectors.offices_requiring(addendum)) if addendum.is_published else [],
        "signed": addendum.pledges.count() if not addendum.is_draft else 0,
    }


def _addendum_fixed(request, addendum):
    """An edit or a publication asked of a version that can no longer change: 409."""
    messages.error(
        request,
        _("Version %(version)s is %(state)s: its text can no longer change.")
        % {"version": addendum.version, "state": addendum.get_state_display().lower()},
    )
    return render(request, "pledges/addendum_detail.html", _addendum_context(addendum), status=409)


@never_cache
@require_GET
def addendum_detail(request, pk):
    """One version: its text as people sign it, its state and fingerprint."""
    addendum = addendum_for_editor(request.user, pk)
    return render(request, "pledges/addendum_detail.html", _addendum_context(addendum))


@never_cache
@require_http_methods(["GET", "POST"])
def addendum_edit(request, pk):
    if replay := submissions.replayed(request):
        return replay
    addendum = addendum_for_editor(request.user, pk)
    if not addendum.is_draft:
        return _addendum_fixed(request, addendum)
    form = AddendumForm(*bound(request), user=request.user, addendum=addendum)

    def done(saved):
        messages.success(request, _("Draft saved."))
        return redirect("pledges:addendum-detail", pk=saved.pk)

    return _save_once_or_errors(
        request,
        form,
        save=lambda: addendum_update(
            addendum=addendum,
            by=request.user,
            title=form.cleaned_data["title"],
            text=form.cleaned_data["text"],
            language=form.cleaned_data["language"],
            seen_revision=form.cleaned_data["revision"],
        ),
        done=done,
        template="pledges/addendum_form.html",
        context={
            "addendum": addendum,
            "owner": addendum.owner,
            "office": addendum.office,
            "association": addendum.association,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def addendum_publish_view(request, pk):
    """Read the draft once more, see what publishing does, confirm."""
    if replay := submissions.replayed(request):
        return replay
    addendum = addendum_for_editor(request.user, pk)
    if addendum.is_published and request.method == "GET":
        messages.info(request, _("This version is already published."))
        return redirect("pledges:addendum-detail", pk=addendum.pk)
    if not addendum.is_draft and not addendum.is_published:
        return _addendum_fixed(request, addendum)
    form = AddendumPublishForm(*bound(request), user=request.user, addendum=addendum)
    current = selectors.current_addendum(office=addendum.office, association=addendum.association)

    def done(published):
        messages.success(
            request,
            _("Version %(version)s is published. From now on, people sign this text.")
            % {"version": published.version},
        )
        return redirect("pledges:addendum-detail", pk=published.pk)

    return _save_once_or_errors(
        request,
        form,
        save=lambda: addendum_publish(
            addendum=addendum, by=request.user, seen_revision=form.cleaned_data["revision"]
        ),
        done=done,
        template="pledges/addendum_publish.html",
        context={
            "addendum": addendum,
            "owner": addendum.owner,
            "office": addendum.office,
            "association": addendum.association,
            "current": current if current != addendum else None,
            "requiring": list(selectors.offices_requiring(addendum)),
            "preview_sha256": sha256_text(canonical_addendum_text(addendum)),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def addendum_requirement_view(request):
    """The office manager chooses which addendum the office's people sign with the pledge."""
    if replay := submissions.replayed(request):
        return replay
    office = addendum_office_for(request.user)
    requirement = selectors.addendum_requirement(office)
    associations = selectors.association_addenda_choices(office)
    own = selectors.current_addendum(office=office)
    form = AddendumRequirementForm(
        *bound(request),
        user=request.user,
        office=office,
        associations=associations,
        current=requirement,
        own=own,
    )

    def done(_requirement):
        messages.success(request, _("Saved. People who sign from now on sign what you chose."))
        return redirect("pledges:addendum-office")

    return _save_once_or_errors(
        request,
        form,
        save=lambda: addendum_requirement_set(
            office=office,
            by=request.user,
            source=form.cleaned_data["requirement"][0],
            association=form.cleaned_data["requirement"][1],
        ),
        done=done,
        template="pledges/addendum_requirement.html",
        context={
            "office": office,
            "own": own,
            "associations": associations,
            "due": selectors.addendum_due(office, requirement),
        },
    )
