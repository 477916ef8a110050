"""Thin views: check the object, parse with a form, call a service, redirect."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Membership
from accounts.permissions import managed_office, reads_office_records
from accounts.selectors import direct_reports, staff_filtered, staff_listed
from core import submissions
from core.http import attachment, bound, form_view
from core.listing import ListFilterForm, list_page
from pledges.selectors import current_cycle, previous_cycle

from . import exports, grid, selectors, services
from .forms import (
    AssessmentForm,
    GoalRegistrationForm,
    ReopenForm,
    ReviewerForm,
    ReviewForm,
    StartForm,
    SubmitForm,
    VersionForm,
)
from .models import Assessment
from .permissions import (
    assessment_for_manager,
    assessment_for_owner,
    assessment_for_reviewer,
    assessment_for_viewer,
    relation,
)
from .services import AssessmentRefused, InvalidAnswers, SaveConflict


def _refused(request, error: AssessmentRefused, assessment: Assessment | None = None):
    return render(
        request,
        "assessments/assessment_refused.html",
        {"message": error.message, "assessment": assessment},
        status=error.status,
    )


@require_GET
def assessment_mine(request):
    """This cycle's assessment: resume it, or start one."""
    cycle = current_cycle()
    membership = request.user.active_membership
    worker = membership is not None and membership.role == Membership.Role.ELECTION_WORKER
    assessment = selectors.assessment_for_user(request.user, cycle) if cycle else None
    if assessment is not None:
        if assessment.is_editable and cycle.is_open() and not worker:
            return redirect("assessments:assessment-edit", pk=assessment.pk)
        return redirect("assessments:assessment-detail", pk=assessment.pk)
    earlier = None
    if cycle is not None:
        earlier_cycle = previous_cycle(cycle)
        if earlier_cycle is not None:
            earlier = selectors.assessment_for_user(request.user, earlier_cycle)
    past = selectors.assessments_visible_to(request.user).filter(user=request.user)
    return render(
        request,
        "assessments/assessment_start.html",
        {
            "cycle": cycle,
            "can_start": bool(cycle and cycle.is_open() and membership and not worker),
            "not_asked": worker,
            "membership": membership,
            "earlier": earlier,
            "past": past.order_by("-cycle__opens_on"),
        },
    )


@require_POST
def assessment_start(request):
    form = StartForm(request.POST, user=request.user)
    cycle = current_cycle()
    if cycle is None or not form.is_valid():
        raise Http404(_("No cycle is open."))
    try:
        assessment = services.assessment_start(
            user=request.user, cycle=cycle, copy_previous=form.cleaned_data["copy_previous"]
        )
    except AssessmentRefused as error:
        return _refused(request, error)
    if form.cleaned_data["copy_previous"]:
        messages.success(request, _("Last cycle's answers were copied in. Nothing is submitted."))
    return redirect("assessments:assessment-edit", pk=assessment.pk)


def _form(assessment: Assessment, request) -> AssessmentForm:
    """The grid's form, bound to what was posted (only a POST needs one)."""
    edition_id = assessment.cycle.edition_id
    return AssessmentForm(
        request.POST,
        user=request.user,
        assessment=assessment,
        standards=selectors.standards_with_items(edition_id),
        scale=selectors.rating_scale(edition_id),
    )


def _error_list(form: AssessmentForm) -> list[dict]:
    """Each field error with a link target and the item or standard it belongs to; the
    item's words are marked with the edition's language, which may not be the page's."""
    items = {i.pk: (s, i) for s in form.standards for i in s.items.all()}
    standards = {s.pk: s for s in form.standards}
    first_value = form.scale[0].value if form.scale else 1
    edition_language = form.assessment.cycle.edition.language
    errors = []
    for name, messages_ in form.errors.items():
        if name == "__all__" or name not in form.fields:
            continue
        field = form[name]
        anchor = field.auto_id
        where = where_lang = label_lang = ""
        kind, _sep, rest = name.partition("_")
        pk_text = rest.split("_", 1)[0]
        if kind == "item" and pk_text.isdigit() and int(pk_text) in items:
            standard, item = items[int(pk_text)]
            where = f"{standard.number}.{item.number} {item.title}"
            where_lang = edition_language
            if name.endswith("_rating"):
                anchor = f"{field.auto_id}_{first_value}"
                label_lang = edition_language  # a rating field is labelled by the item's title
        elif kind == "goal" and pk_text.isdigit() and int(pk_text) in standards:
            where = _("Standard %(number)d goal") % {"number": standards[int(pk_text)].number}
        for message in messages_:
            errors.append(
                {
                    "anchor": anchor,
                    "where": where,
                    "where_lang": where_lang,
                    "label": field.label,
                    "label_lang": label_lang,
                    "message": message,
                }
            )
    return errors


def _read_only_unless(request, assessment: Assessment, *checks):
    """None when every check (a service's rule) passes. Otherwise a GET shows the
    assessment read-only, and a POST gets the refusal and changes nothing."""
    try:
        for check in checks:
            check()
    except AssessmentRefused as error:
        if request.method == "POST":
            return _refused(request, error, assessment)
        return redirect("assessments:assessment-detail", pk=assessment.pk)
    return None


def _editable(request, assessment: Assessment):
    return _read_only_unless(
        request,
        assessment,
        lambda: services.require_open(assessment.cycle),
        lambda: services.require_editable(assessment),
    )


def _edit_page(request, assessment: Assessment, *, form=None, conflict=None, error=None):
    """The form page: the saved answers, or (after a refused save) what was sent."""
    edition = assessment.cycle.edition
    standards = selectors.standards_with_items(edition.pk)
    scale = selectors.rating_scale(edition.pk)
    review = selectors.latest_review(assessment) if assessment.state == "returned" else None
    if form is None:
        values, errors = grid.values_from_answers(*selectors.saved_answers(assessment)), {}
    else:
        values, errors = form.data, form.errors
    # The training since the last self-assessment, beside each standard: when there is any.
    training = selectors.training_beside(assessment, selectors.training_since(assessment))
    groups = grid.groups(
        edition,
        standards,
        scale,
        values,
        errors,
        training=training,
        feedback=review.item_map if review else None,
        changed={c["item"].pk: c["response"] for c in conflict.changes if "item" in c}
        if conflict
        else None,
    )
    if conflict is not None:
        version = conflict.current_version
    elif form is not None:
        version = form.data.get("version", assessment.version)
    else:
        version = assessment.version
    answered = sum(g["answered"] for g in groups)
    status = 409 if conflict else 400 if form is not None else 200
    return render(
        request,
        "assessments/assessment_edit.html",
        {
            "assessment": assessment,
            "form": form,
            "groups": groups,
            "version": version,
            "conflict": conflict,
            "error_message": error,
            "error_list": _error_list(form) if form is not None else [],
            "review": review,
            "training_shown": bool(training),
            "answered": answered,
            "total": sum(g["total"] for g in groups),
            # Offered only before the first answer: then it costs a query.
            "can_copy_previous": not answered and selectors.previous_assessment(assessment),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def assessment_edit(request, pk):
    """The 38-item form: save a draft at any point, or save and go on to submit."""
    assessment = assessment_for_owner(request.user, pk)
    if replay := submissions.replayed(request):
        return replay
    if refused := _editable(request, assessment):
        return refused
    if request.method != "POST":
        return _edit_page(request, assessment)
    form = _form(assessment, request)
    if not form.is_valid():
        return _edit_page(request, assessment, form=form)

    def saved(_result):
        if form.cleaned_data.get("action") == "submit":
            return redirect("assessments:assessment-submit", pk=assessment.pk)
        messages.success(request, _("Your answers are saved. You can come back at any time."))
        return redirect("assessments:assessment-edit", pk=assessment.pk)

    try:
        return submissions.save_once(
            request,
            save=lambda: services.assessment_save(
                assessment=assessment,
                by=request.user,
                version=form.cleaned_data["version"],
                answers=form.answers(),
                goals=form.goals(),
            ),
            done=saved,
        )
    except SaveConflict as conflict:
        return _edit_page(request, assessment, form=form, conflict=conflict)
    except InvalidAnswers as error:
        return _edit_page(request, assessment, form=form, error=error.message)
    except AssessmentRefused as error:
        return _refused(request, error, assessment)


@require_POST
def assessment_copy_previous(request, pk):
    assessment = assessment_for_owner(request.user, pk)
    form = VersionForm(request.POST, user=request.user)
    if not form.is_valid():
        return _refused(request, InvalidAnswers(_("The form was incomplete. Reload the page.")))
    try:
        services.assessment_copy_previous(
            assessment=assessment, by=request.user, version=form.cleaned_data["version"]
        )
    except AssessmentRefused as error:
        return _refused(request, error, assessment)
    messages.success(
        request, _("Last cycle's answers were copied into the items you had not answered.")
    )
    return redirect("assessments:assessment-edit", pk=assessment.pk)


@require_http_methods(["GET", "POST"])
def assessment_submit(request, pk):
    """Check every item is answered, then submit for review."""
    assessment = assessment_for_owner(request.user, pk)
    if replay := submissions.replayed(request):
        return replay
    if refused := _read_only_unless(
        request, assessment, lambda: services.require_submittable(assessment)
    ):
        return refused
    form = SubmitForm(*bound(request), user=request.user)
    if request.method == "POST" and form.is_valid():

        def submitted(_result):
            messages.success(request, _("Your assessment is submitted for review."))
            return redirect("assessments:assessment-detail", pk=assessment.pk)

        try:
            return submissions.save_once(
                request,
                save=lambda: services.assessment_submit(
                    assessment=assessment, by=request.user, note=form.cleaned_data["note"]
                ),
                done=submitted,
            )
        except AssessmentRefused as error:
            if error.status != 400:
                return _refused(request, error, assessment)
    return render(
        request,
        "assessments/assessment_submit.html",
        {
            "assessment": assessment,
            "form": form,
            "missing": services.missing_items(assessment),
            "cycle_open": assessment.cycle.is_open(),
        },
        status=400 if form.is_bound else 200,
    )


@require_GET
def assessment_detail(request, pk):
    """The assessment read-only, with the feedback, the timeline and the actions allowed."""
    assessment = assessment_for_viewer(request.user, pk)
    how = relation(request.user, assessment)
    data = selectors.results(assessment)
    context = {
        "assessment": assessment,
        "results": data,
        "how": how,
        "timeline": selectors.timeline(assessment),
        "cycle_open": assessment.cycle.is_open(),
        "is_manager": _manages(request.user, assessment),
    }
    if context["is_manager"]:
        context["reopen_form"] = ReopenForm(user=request.user)
        context["reviewer_form"] = ReviewerForm(user=request.user, assessment=assessment)
    return render(request, "assessments/assessment_detail.html", context)


def _manages(user, assessment) -> bool:
    membership = user.active_membership
    return (
        membership is not None
        and membership.role == Membership.Role.MANAGER
        and membership.office_id == assessment.office_id
    )


@require_GET
def assessment_results(request, pk):
    assessment = assessment_for_viewer(request.user, pk)
    # Suggested courses are those the reader may see: the person, or someone of the
    # assessment's office (`relation`), who sees the same office and association courses.
    data = selectors.with_training(selectors.results(assessment), viewer=request.user)
    return render(
        request,
        "assessments/assessment_results.html",
        {
            "assessment": assessment,
            "results": data,
            "chart": exports.chart(data),
            "is_owner": assessment.user_id == request.user.pk,
        },
    )


@require_http_methods(["GET", "POST"])
def assessment_goal_registration(request, pk, standard):
    """Link one of the person's own course registrations to an improvement goal."""
    assessment = assessment_for_owner(request.user, pk)
    goal = selectors.goal_of(assessment, standard)
    if goal is None:
        raise Http404(_("No improvement goal for this standard."))
    form = GoalRegistrationForm(
        *bound(request), user=request.user, initial={"registration": goal.registration_id}
    )

    def linked(_goal):
        if form.cleaned_data["registration"] is None:
            messages.success(request, _("The goal is no longer linked to a course."))
        else:
            messages.success(request, _("The course is linked to your goal."))
        url = reverse("assessments:assessment-results", args=[assessment.pk])
        return redirect(f"{url}#goal-{goal.standard.number}")

    try:
        return form_view(
            request,
            form,
            save=lambda: services.goal_registration_link(
                goal=goal, by=request.user, registration=form.cleaned_data["registration"]
            ),
            done=linked,
            template="assessments/goal_registration.html",
            context={
                "assessment": assessment,
                "goal": goal,
                "suggestions": selectors.course_suggestions(
                    request.user,
                    items=[
                        item.pk
                        for standard in selectors.standards_with_items(assessment.cycle.edition_id)
                        if standard.pk == goal.standard_id
                        for item in standard.items.all()
                    ],
                    standards=[goal.standard_id],
                ),
            },
        )
    except AssessmentRefused as error:
        return _refused(request, error, assessment)


@require_GET
def assessment_results_pdf(request, pk):
    assessment = assessment_for_viewer(request.user, pk)
    return attachment(*exports.results_pdf(assessment, viewer=request.user))


def _review_groups(data: selectors.Results, form: ReviewForm) -> list[dict]:
    """Each standard's items with the official's rating, the reviewer's fields, and the
    gap between the two ratings as the form now holds them."""
    groups = []
    for standard_result in data.standards:
        rows = []
        for row in standard_result.items:
            rating_field = form[f"review_{row.item.pk}_rating"]
            value = rating_field.value()
            try:
                mine = int(value) if value not in (None, "") else None
            except (TypeError, ValueError):
                mine = None
            gap = mine - row.rating if mine is not None and row.rating is not None else None
            rows.append(
                {
                    "result": row,
                    "rating": rating_field,
                    "comment": form[f"review_{row.item.pk}_comment"],
                    "gap": gap,
                    "big_gap": gap is not None and abs(gap) >= selectors.GAP_THRESHOLD,
                }
            )
        groups.append({"standard": standard_result.standard, "rows": rows})
    return groups


@require_http_methods(["GET", "POST"])
def assessment_review(request, pk):
    """The reviewer rates each item beside the official's answer, then accepts or returns."""
    assessment = assessment_for_reviewer(request.user, pk)
    if replay := submissions.replayed(request):
        return replay
    if refused := _read_only_unless(
        request,
        assessment,
        lambda: services.require_open(assessment.cycle),
        lambda: services.require_submitted(assessment),
    ):
        return refused
    data = selectors.results(assessment)
    form = ReviewForm(
        *bound(request),
        user=request.user,
        assessment=assessment,
        standards=[s.standard for s in data.standards],
        scale=data.scale,
        previous=data.review.item_map if data.review else None,
    )
    error_message = None
    if request.method == "POST" and form.is_valid():

        def decided(_result):
            if form.cleaned_data["decision"] == "accept":
                messages.success(request, _("The assessment is accepted."))
            else:
                messages.success(request, _("The assessment is returned for revision."))
            return redirect("assessments:team-list")

        try:
            return submissions.save_once(
                request,
                save=lambda: services.assessment_review(
                    assessment=assessment,
                    by=request.user,
                    decision=form.cleaned_data["decision"],
                    note=form.cleaned_data["note"].strip(),
                    items=form.items(),
                ),
                done=decided,
            )
        except InvalidAnswers as error:
            error_message = error.message
        except AssessmentRefused as error:
            return _refused(request, error, assessment)
    return render(
        request,
        "assessments/assessment_review.html",
        {
            "assessment": assessment,
            "results": data,
            "form": form,
            "groups": _review_groups(data, form),
            "error_message": error_message,
            "timeline": selectors.timeline(assessment),
        },
        status=400 if form.is_bound else 200,
    )


@require_POST
def assessment_reopen(request, pk):
    assessment = assessment_for_manager(request.user, pk)
    form = ReopenForm(request.POST, user=request.user)
    if not form.is_valid():
        # The note's own error: missing, too long, or holding a hidden character.
        message = form.errors.get("note", [_("Say why the assessment is reopened.")])[0]
        return _refused(request, InvalidAnswers(message), assessment)
    try:
        services.assessment_reopen(
            assessment=assessment, by=request.user, note=form.cleaned_data["note"].strip()
        )
    except AssessmentRefused as error:
        return _refused(request, error, assessment)
    messages.success(request, _("The assessment is reopened; the official can revise it."))
    return redirect("assessments:assessment-detail", pk=assessment.pk)


@require_POST
def assessment_reassign(request, pk):
    assessment = assessment_for_manager(request.user, pk)
    form = ReviewerForm(request.POST, user=request.user, assessment=assessment)
    if not form.is_valid():
        return _refused(
            request,
            InvalidAnswers(_("Choose a supervisor or manager of this office.")),
            assessment,
        )
    try:
        services.assessment_reassign_reviewer(
            assessment=assessment, by=request.user, reviewer=form.cleaned_data["reviewer"]
        )
    except AssessmentRefused as error:
        return _refused(request, error, assessment)
    messages.success(
        request,
        _("%(name)s now reviews this assessment.") % {"name": form.cleaned_data["reviewer"]},
    )
    return redirect("assessments:assessment-detail", pk=assessment.pk)


def status_filters(request) -> ListFilterForm:
    """Search and filters of the team and office lists: role, and the assessment's state
    (with "not started" and, for election workers, "not asked")."""
    return ListFilterForm(
        request.GET,
        roles=Membership.Role.choices,
        states=(
            (selectors.NOT_STARTED, _lazy("Not started")),
            *Assessment.State.choices,
            (selectors.NOT_ASKED, _lazy("Not asked (election workers)")),
        ),
        state_label=_lazy("Assessment"),
    )


def _status_page(request, memberships, cycle, *, office=None, reveals_confidential: bool):
    """The filters and one page of a status list, with each row's pledge and assessment."""
    filters = status_filters(request)
    if filters.is_valid():
        memberships = staff_filtered(
            memberships,
            q=filters.value("q"),
            role=filters.value("role"),
            reveals_confidential=reveals_confidential,
        )
        if cycle is not None:
            memberships = selectors.with_assessment_state(
                memberships, cycle, filters.value("state"), office=office
            )
    else:
        memberships = memberships.none()
    listing = list_page(request, memberships)
    listing.rows = selectors.status_rows(listing.objects, cycle, office=office)
    return filters, listing


@require_GET
def team_list(request):
    """The user's direct reports, their pledge and their assessment this cycle: searched,
    filtered, a page at a time."""
    cycle = current_cycle()
    membership = request.user.active_membership
    filters, listing = _status_page(
        request,
        direct_reports(request.user),
        cycle,
        reveals_confidential=membership is not None
        and reads_office_records(request.user, membership.office_id),
    )
    return render(
        request,
        "assessments/team_list.html",
        {
            "cycle": cycle,
            "filters": filters,
            "listing": listing,
            "rows": listing.rows,
            "to_review": selectors.team_awaiting_review(request.user, cycle),
        },
        status=200 if filters.is_valid() else 400,
    )


@require_GET
def office_list(request):
    """Every assessment in the manager's office this cycle, read-only: searched, filtered,
    a page at a time."""
    office = managed_office(request.user)
    cycle = current_cycle()
    filters, listing = _status_page(
        request, staff_listed(office), cycle, office=office, reveals_confidential=True
    )
    return render(
        request,
        "assessments/office_list.html",
        {
            "cycle": cycle,
            "filters": filters,
            "listing": listing,
            "rows": listing.rows,
            "office": office,
        },
        status=200 if filters.is_valid() else 400,
    )
