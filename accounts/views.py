from allauth.account.internal.flows.login import record_authentication
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import submissions
from core.http import INVALID, attachment, bound, form_view
from core.listing import ListFilterForm, list_page

from . import exports, services
from .forms import (
    AssociationInvitationForm,
    AuditLogFilterForm,
    ConfidentialForm,
    ConfirmForm,
    ElectionWorkersDeactivateForm,
    InvitationAcceptForm,
    InvitationForm,
    MembershipForm,
    OfficeAddForm,
    OfficeCreateForm,
    OfficeRemoveForm,
    OfficeSearchForm,
    RosterConfirmForm,
    RosterUploadForm,
)
from .models import Membership, User
from .permissions import (
    administered_association,
    invitation_for_sender,
    managed_office,
    office_membership_for_manager,
    roster_upload_for,
)
from .reauth import recent_authentication_required
from .selectors import (
    ROSTER_SKIPS,
    association_member_offices,
    association_people,
    audit_entries,
    current_election_workers,
    invitation_by_token,
    offices_to_add,
    pending_association_invitations,
    pending_invitations,
    people_listed,
    roster_plan,
)

CONTACT_FILTERS = (("email", _lazy("Email on file")), ("no_email", _lazy("No email on file")))


def people_filters(request) -> ListFilterForm:
    return ListFilterForm(
        request.GET,
        roles=Membership.Role.choices,
        states=CONTACT_FILTERS,
        state_label=_lazy("Email"),
    )


@require_GET
def people_list(request):
    office = managed_office(request.user)
    filters = people_filters(request)
    if filters.is_valid():
        memberships = people_listed(
            office, q=filters.value("q"), role=filters.value("role"), contact=filters.value("state")
        )
    else:
        memberships = Membership.objects.none()
    return render(
        request,
        "accounts/people_list.html",
        {
            "office": office,
            "filters": filters,
            "listing": list_page(request, memberships),
            "pending_count": pending_invitations(office).count(),
            "workers": current_election_workers(office).exists(),
        },
        status=200 if filters.is_valid() else 400,
    )


@require_http_methods(["GET", "POST"])
def invitation_create(request):
    form = InvitationForm(*bound(request), user=request.user)

    def done(invitation):
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
        return redirect("accounts:invitation-list")

    return form_view(
        request,
        form,
        save=lambda: services.invitation_create(
            office=form.office,
            email=form.cleaned_data["email"],
            full_name=form.cleaned_data["full_name"],
            role=form.cleaned_data["role"],
            reports_to=form.cleaned_data["reports_to"],
            invited_by=request.user,
            request=request,
        ),
        done=done,
        template="accounts/invitation_create.html",
        context={"office": form.office, "days": settings.INVITATION_DAYS},
    )


def invitation_list(request):
    office = managed_office(request.user)
    return render(
        request,
        "accounts/invitation_list.html",
        {"office": office, "invitations": pending_invitations(office)},
    )


def _invitation_action(request, pk, service, success: str):
    """Resend or revoke a pending invitation, then go back to where it is listed."""
    invitation = invitation_for_sender(request.user, pk)
    if ConfirmForm(request.POST, user=request.user).is_valid():
        try:
            service(invitation=invitation, by=request.user, request=request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, success % {"email": invitation.email})
    if invitation.association_id:
        return redirect("accounts:association-detail", invitation.association_id)
    return redirect("accounts:invitation-list")


@require_POST
def invitation_resend(request, pk):
    return _invitation_action(
        request,
        pk,
        services.invitation_resend,
        _("A new link has been sent to %(email)s; the old link no longer works."),
    )


@require_POST
def invitation_revoke(request, pk):
    return _invitation_action(
        request,
        pk,
        services.invitation_revoke,
        _("The invitation to %(email)s has been revoked."),
    )


def _invitation_gone(request, invitation, state: str):
    return render(
        request,
        "accounts/invitation_gone.html",
        {"invitation": invitation, "state": state},
        status=410,
    )


def _welcome(request, invitation, user, *, signed_in: bool):
    if not signed_in:
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        # The password was just set: count it as a sign-in, so the first pledge
        # does not ask for it again.
        record_authentication(request, user, method="password", email=user.email)
    messages.success(request, _("Welcome to %(place)s.") % {"place": invitation.target})
    return redirect("home")


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    invitation = invitation_by_token(token)
    if invitation is None:
        raise Http404("No such invitation.")
    state = services.invitation_state(invitation)
    if state != "pending":
        return _invitation_gone(request, invitation, state)
    existing = User.objects.filter(email__iexact=invitation.email, is_active=True).first()
    signed_in = request.user.is_authenticated
    context = {"invitation": invitation, "existing": existing}
    if signed_in and (existing is None or existing.pk != request.user.pk):
        return render(request, "accounts/invitation_wrong_person.html", context, status=403)
    if existing is not None and not signed_in:
        context["login_url"] = f"{reverse('account_login')}?next={request.path}"
        return render(request, "accounts/invitation_sign_in.html", context)

    if signed_in:
        form = ConfirmForm(*bound(request), user=request.user)
    else:
        form = InvitationAcceptForm(*bound(request), invitation=invitation)
    try:
        return form_view(
            request,
            form,
            save=lambda: services.invitation_accept(
                invitation=invitation,
                user=request.user if signed_in else None,
                full_name=form.cleaned_data.get("full_name", ""),
                password=form.cleaned_data.get("password1", ""),
                request=request,
            ),
            done=lambda user: _welcome(request, invitation, user, signed_in=signed_in),
            template="accounts/invitation_accept.html",
            context=context,
        )
    except services.InvitationUnusable as error:
        # Used, revoked or expired since the check above (another tab, a form left open).
        return _invitation_gone(request, invitation, str(error))


@require_http_methods(["GET", "POST"])
def roster_upload(request):
    form = RosterUploadForm(*bound(request, files=True), user=request.user)
    context = {"form": form, "office": form.office}
    if request.method == "POST" and form.is_valid():
        plan = roster_plan(form.office, form.parsed.rows)
        if any(row["action"] == "error" for row in plan):
            context["plan"] = plan
            context["error_count"] = sum(row["action"] == "error" for row in plan)
            return render(request, "accounts/roster_upload.html", context, status=INVALID)
        upload = services.roster_upload_create(
            office=form.office,
            uploaded_by=request.user,
            filename=form.cleaned_data["file"].name,
            sha256=form.parsed.sha256,
            rows=form.parsed.rows,
        )
        return redirect("accounts:roster-preview", upload.pk)
    status = INVALID if form.is_bound else 200
    return render(request, "accounts/roster_upload.html", context, status=status)


def _summary(plan):
    return {
        "invite": sum(r["action"] == "invite" for r in plan),
        "add": sum(r["action"] in ("add", "rejoin") for r in plan),
        "skip": sum(r["action"] in ROSTER_SKIPS for r in plan),
        "error": sum(r["action"] == "error" for r in plan),
    }


def _roster_done(request, result):
    invited, added = len(result.invitations), len(result.added)
    if invited:
        messages.success(
            request,
            ngettext("%(count)s invitation sent.", "%(count)s invitations sent.", invited)
            % {"count": invited},
        )
    if added:
        messages.success(
            request,
            ngettext("%(count)s election worker added.", "%(count)s election workers added.", added)
            % {"count": added},
        )
    if added and not invited:
        return redirect(f"{reverse('accounts:people-list')}?role=election_worker")
    return redirect("accounts:invitation-list")


@require_http_methods(["GET", "POST"])
def roster_preview(request, pk):
    upload = roster_upload_for(request.user, pk)
    if replay := submissions.replayed(request):
        return replay
    form = RosterConfirmForm(*bound(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            return submissions.save_once(
                request,
                save=lambda: services.roster_confirm(
                    upload=upload, by=request.user, request=request
                ),
                done=lambda result: _roster_done(request, result),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("accounts:roster-upload")
    if upload.confirmed_at is not None:
        messages.info(request, _("This roster has already been confirmed."))
        return redirect("accounts:invitation-list")
    plan = roster_plan(upload.office, upload.rows)
    return render(
        request,
        "accounts/roster_preview.html",
        {"upload": upload, "office": upload.office, "plan": plan, "summary": _summary(plan)},
    )


ELECTION_WORKERS_SHOWN = 50


@require_http_methods(["GET", "POST"])
@recent_authentication_required
def election_workers_deactivate(request):
    """After an election: end the office's election-worker memberships in one confirmed
    action, all of them or those a search finds or the manager ticks."""
    office = managed_office(request.user)
    if replay := submissions.replayed(request):
        return replay
    search = ListFilterForm(
        request.GET, search_help=_lazy("A name, email address or phone number.")
    )
    q = search.value("q")
    form = ElectionWorkersDeactivateForm(*bound(request), user=request.user, office=office, q=q)
    status = 200 if search.is_valid() else 400
    if request.method == "POST":
        status = INVALID
    if request.method == "POST" and form.is_valid():

        def done(count):
            messages.success(
                request,
                ngettext(
                    "%(count)s election worker has been deactivated. Their records are kept.",
                    "%(count)s election workers have been deactivated. Their records are kept.",
                    count,
                )
                % {"count": count},
            )
            return redirect("accounts:people-list")

        try:
            return submissions.save_once(
                request,
                save=lambda: services.election_workers_deactivate(
                    office=office,
                    by=request.user,
                    expected=form.cleaned_data["expected"],
                    ids=form.cleaned_data["chosen"] or None,
                    q=q,
                    request=request,
                ),
                done=done,
            )
        except ValidationError as error:
            form.add_error(None, error)
            status = 409  # the list changed since it was shown: nothing was done
    workers = current_election_workers(office, q=q) if search.is_valid() else []
    listing = list_page(request, workers, per_page=ELECTION_WORKERS_SHOWN)
    return render(
        request,
        "accounts/election_workers_deactivate.html",
        {"office": office, "filters": search, "form": form, "listing": listing},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@recent_authentication_required
def membership_update(request, pk):
    membership = office_membership_for_manager(request.user, pk)
    form = MembershipForm(*bound(request), user=request.user, membership=membership)

    def done(_membership):
        messages.success(
            request, _("%(name)s has been updated.") % {"name": membership.user.full_name}
        )
        if membership.user_id == request.user.pk and form.cleaned_data["role"] != "manager":
            return redirect("home")  # they no longer manage the office
        return redirect("accounts:people-list")

    return form_view(
        request,
        form,
        save=lambda: services.membership_update(
            membership=membership,
            role=form.cleaned_data["role"],
            reports_to=form.cleaned_data["reports_to"],
            is_confidential=form.cleaned_data["is_confidential"],
            by=request.user,
            request=request,
        ),
        done=done,
        template="accounts/membership_update.html",
        context={"membership": membership},
    )


@require_http_methods(["GET", "POST"])
@recent_authentication_required
def membership_deactivate(request, pk):
    membership = office_membership_for_manager(request.user, pk)

    def done(_membership):
        messages.success(
            request,
            _("%(name)s has been deactivated. Their records are kept.")
            % {"name": membership.user.full_name},
        )
        if membership.user_id == request.user.pk:
            return redirect("home")
        return redirect("accounts:people-list")

    return form_view(
        request,
        ConfirmForm(*bound(request), user=request.user),
        save=lambda: services.membership_deactivate(
            membership=membership, by=request.user, request=request
        ),
        done=done,
        template="accounts/membership_deactivate.html",
        context={"membership": membership},
    )


def association_detail(request, pk):
    association = administered_association(request.user, pk)
    return render(
        request,
        "accounts/association_detail.html",
        {
            "association": association,
            "offices": association_member_offices(association),
            "people": association_people(association),
            "invitations": pending_association_invitations(association),
        },
    )


@require_http_methods(["GET", "POST"])
@recent_authentication_required
def association_office_add(request, pk):
    association = administered_association(request.user, pk)
    search = OfficeSearchForm(request.GET or None, user=request.user, association=association)
    results = []
    if search.is_valid():
        results = offices_to_add(association, search.cleaned_data["q"])
    form = OfficeAddForm(*bound(request), user=request.user, association=association)
    if request.method == "POST":
        if form.is_valid():
            office = form.cleaned_data["office"]
            try:
                services.association_office_add(
                    association=association, office=office, by=request.user, request=request
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("%(office)s is now a member.") % {"office": office})
            return redirect("accounts:association-detail", association.pk)
        messages.error(request, _("Choose an office from the search results."))
    return render(
        request,
        "accounts/association_office_add.html",
        {"association": association, "search": search, "results": results, "form": form},
        status=INVALID if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@recent_authentication_required
def association_office_create(request, pk):
    association = administered_association(request.user, pk)
    form = OfficeCreateForm(*bound(request), user=request.user, association=association)

    def done(office):
        messages.success(
            request, _("%(office)s has been created as a member.") % {"office": office}
        )
        return redirect("accounts:association-detail", association.pk)

    return form_view(
        request,
        form,
        save=lambda: services.association_office_create(
            association=association,
            name=form.cleaned_data["name"],
            state=form.cleaned_data["state"],
            kind=form.cleaned_data["kind"],
            manager_name=form.cleaned_data["manager_name"],
            manager_email=form.cleaned_data["manager_email"],
            by=request.user,
            request=request,
        ),
        done=done,
        template="accounts/association_office_create.html",
        context={"association": association},
    )


@require_POST
@recent_authentication_required
def association_office_remove(request, pk):
    association = administered_association(request.user, pk)
    form = OfficeRemoveForm(request.POST, user=request.user, association=association)
    if not form.is_valid():
        raise Http404("No such member office.")
    office = form.cleaned_data["office"]
    services.association_office_remove(
        association=association, office=office, by=request.user, request=request
    )
    messages.success(request, _("%(office)s is no longer a member.") % {"office": office})
    return redirect("accounts:association-detail", association.pk)


@require_http_methods(["GET", "POST"])
@recent_authentication_required
def association_invitation_create(request, pk):
    association = administered_association(request.user, pk)
    form = AssociationInvitationForm(*bound(request), user=request.user, association=association)

    def done(invitation):
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
        return redirect("accounts:association-detail", association.pk)

    return form_view(
        request,
        form,
        save=lambda: services.association_invitation_create(
            association=association,
            email=form.cleaned_data["email"],
            full_name=form.cleaned_data["full_name"],
            role=form.cleaned_data["role"],
            invited_by=request.user,
            request=request,
        ),
        done=done,
        template="accounts/association_invitation_create.html",
        context={"association": association},
    )


AUDIT_PAGE_SIZE = 50


def _audit_filters(request):
    form = AuditLogFilterForm(request.GET, user=request.user)
    if form.is_valid():
        return form, None
    return form, render(
        request, "accounts/audit_log.html", {"form": form, "office": form.office}, status=400
    )


@require_GET
def audit_log(request):
    """Office managers read their office's log; site administrators read every entry."""
    form, refused = _audit_filters(request)
    if refused is not None:
        return refused
    page = form.cleaned_data["page"] or 1
    offset = (page - 1) * AUDIT_PAGE_SIZE
    # One query per page: no COUNT over a log that may hold millions of entries.
    rows = list(
        audit_entries(office=form.office, **form.filters)[offset : offset + AUDIT_PAGE_SIZE + 1]
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_log.html",
        {
            "form": form,
            "office": form.office,
            "entries": rows[:AUDIT_PAGE_SIZE],
            "page": page,
            "has_next": len(rows) > AUDIT_PAGE_SIZE,
            "query": query.urlencode(),
        },
    )


@require_GET
def audit_log_csv(request):
    form, refused = _audit_filters(request)
    if refused is not None:
        return refused
    services.audit_log_exported(
        by=request.user, office=form.office, filters=form.filters, request=request
    )
    entries = audit_entries(office=form.office, **form.filters)
    return attachment(*exports.audit_log_csv(entries))


def _my_account_context(request) -> dict:
    membership = request.user.active_membership
    return {
        "membership": membership,
        "sees_audit_log": request.user.is_superuser
        or (membership is not None and (membership.is_manager or membership.is_records_officer)),
    }


@require_GET
def my_account(request):
    return render(
        request,
        "accounts/my_account.html",
        {"confidential_form": ConfidentialForm(user=request.user), **_my_account_context(request)},
    )


@require_POST
def my_confidential(request):
    """The person marks themselves as a confidential participant, or no longer."""
    form = ConfidentialForm(request.POST, user=request.user)

    def done(person):
        if person.is_confidential:
            messages.success(
                request, _("You are a confidential participant: your name is no longer public.")
            )
        else:
            messages.success(request, _("You are no longer a confidential participant."))
        return redirect("accounts:my-account")

    return form_view(
        request,
        form,
        save=lambda: services.user_confidential_set(
            person=request.user,
            confidential=form.cleaned_data["is_confidential"],
            by=request.user,
            request=request,
        ),
        done=done,
        template="accounts/my_account.html",
        context={"confidential_form": form, **_my_account_context(request)},
    )
