"""Thin views: check the object, parse with a form, call a service, redirect."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Membership
from accounts.permissions import managed_office
from pledges.selectors import current_cycle, previous_cycle

from . import exports, selectors, services
from .forms import (
    AssessmentForm,
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
    assessment = selectors.assessment_for_user(request.user, cycle) if cycle else None
    if assessment is not None:
        if assessment.is_editable and cycle.is_open():
            return redirect("assessments:assessment-edit", pk=assessment.pk)
        return redirect("assessments:assessment-detail", pk=assessment.pk)
    membership = request.user.active_membership
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
            "can_start": bool(cycle and cycle.is_open() and membership),
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


def _form_kwargs(assessment: Assessment, *, bound: bool = False) -> dict:
    """What the form needs; a posted form shows what was posted, so it skips the answers."""
    return {
        "assessment": assessment,
        "standards": selectors.standards_with_items(assessment.cycle.edition_id),
        "scale": selectors.rating_scale(assessment.cycle.edition_id),
        "responses": {} if bound else selectors.responses_by_item(assessment),
        "goals": {} if bound else selectors.goals_by_standard(assessment),
    }


def _grid(form: AssessmentForm, review, changes_by_item) -> list[dict]:
    """The form's fields grouped by standard, with progress, for the template."""
    levels = _levels(form.scale, language=form.assessment.cycle.edition.language)
    groups = []
    for standard in form.standards:
        rows = []
        answered = 0
        for item in standard.items.all():
            rating = form[f"item_{item.pk}_rating"]
            value = rating.value()
            value = "" if value is None else str(value)
            if value:
                answered += 1
            na_reason = form[f"item_{item.pk}_na_reason"]
            comment = form[f"item_{item.pk}_comment"]
            # Plain strings for the template: 38 items x 5 levels read each many times.
            rating = _field(rating)
            rows.append(
                {
                    "item": item,
                    "value": value,
                    "rating": rating,
                    "options": _rating_options(rating, value, levels),
                    "na_reason": _field(na_reason),
                    "comment": _field(comment),
                    "feedback": review.item_map.get(item.pk) if review else None,
                    "changed": changes_by_item.get(item.pk),
                }
            )
        date_value = form[f"goal_{standard.pk}_date"].value()
        groups.append(
            {
                "standard": standard,
                "goal_date_value": (
                    date_value.isoformat() if hasattr(date_value, "isoformat") else date_value or ""
                ),
                "rows": rows,
                "answered": answered,
                "total": len(rows),
                "goal": form[f"goal_{standard.pk}_text"],
                "goal_date": form[f"goal_{standard.pk}_date"],
            }
        )
    return groups


def _field(bound) -> dict:
    """What the rating grid reads of a field, computed once."""
    value = bound.value()
    return {
        "html_name": bound.html_name,
        "auto_id": bound.auto_id,
        "errors": bound.errors,
        "value": "" if value is None else value,
    }


def _levels(scale, *, language: str) -> list[tuple[str, str]]:
    """Each rating level's value as text and its escaped label, ready for `_rating_options`.

    The labels are the edition's words, marked with its language for screen readers.
    """
    lang = escape(language)
    return [
        (
            str(level.value),
            f'<span class="level-label" lang="{lang}">{level.value} · {escape(level.label)}</span> '
            f'<span class="level-description" lang="{lang}">{escape(level.description)}</span>',
        )
        for level in scale
    ]


def _rating_options(rating: dict, value: str, levels: list[tuple[str, str]]) -> str:
    """One item's rating radio buttons (one per level), as HTML.

    Built here rather than in the template: 38 items x 5 levels of template variables were
    most of the page's server time.
    """
    name, auto_id = escape(rating["html_name"]), escape(rating["auto_id"])
    invalid = f' aria-invalid="true" aria-describedby="{auto_id}-error"' if rating["errors"] else ""
    options = []
    for level_value, label in levels:
        checked = " checked" if value == level_value else ""
        options.append(
            f'<div class="form-check rating-option">\n'
            f'<input class="form-check-input" type="radio" name="{name}" '
            f'id="{auto_id}_{level_value}" value="{level_value}"{checked}{invalid}>\n'
            f'<label class="form-check-label" for="{auto_id}_{level_value}">{label}</label>\n'
            f"</div>\n"
        )
    return mark_safe("".join(options))  # noqa: S308 - every part above is escaped


def _error_list(form: AssessmentForm) -> list[dict]:
    """Each field error with a link target and the item or standard it belongs to."""
    items = {i.pk: (s, i) for s in form.standards for i in s.items.all()}
    standards = {s.pk: s for s in form.standards}
    first_value = form.scale[0].value if form.scale else 1
    errors = []
    for name, messages_ in form.errors.items():
        if name == "__all__" or name not in form.fields:
            continue
        field = form[name]
        anchor = field.auto_id
        where = ""
        kind, _sep, rest = name.partition("_")
        pk_text = rest.split("_", 1)[0]
        if kind == "item" and pk_text.isdigit() and int(pk_text) in items:
            standard, item = items[int(pk_text)]
            where = f"{standard.number}.{item.number} {item.title}"
            if name.endswith("_rating"):
                anchor = f"{field.auto_id}_{first_value}"
        elif kind == "goal" and pk_text.isdigit() and int(pk_text) in standards:
            where = _("Standard %(number)d goal") % {"number": standards[int(pk_text)].number}
        for message in messages_:
            errors.append(
                {"anchor": anchor, "where": where, "label": field.label, "message": message}
            )
    return errors


@require_http_methods(["GET", "POST"])
def assessment_edit(request, pk):
    """The 38-item form: save a draft at any point, or save and go on to submit."""
    assessment = assessment_for_owner(request.user, pk)
    if not assessment.cycle.is_open() or not assessment.is_editable:
        if request.method == "POST":
            message = (
                _("The %(cycle)s cycle is closed; assessments can no longer be changed.")
                % {"cycle": assessment.cycle.name}
                if not assessment.cycle.is_open()
                else _("This assessment is %(state)s and can no longer be edited.")
                % {"state": assessment.get_state_display().lower()}
            )
            status = 403 if not assessment.cycle.is_open() else 409
            return _refused(request, AssessmentRefused(message, status=status), assessment)
        return redirect("assessments:assessment-detail", pk=assessment.pk)

    kwargs = _form_kwargs(assessment, bound=request.method == "POST")
    conflict = None
    error_message = None
    status = 200
    if request.method == "POST":
        form = AssessmentForm(request.POST, user=request.user, **kwargs)
        if form.is_valid():
            try:
                services.assessment_save(
                    assessment=assessment,
                    by=request.user,
                    version=form.cleaned_data["version"],
                    answers=form.answers(),
                    goals=form.goals(),
                )
            except SaveConflict as error:
                conflict = error
                status = 409
            except InvalidAnswers as error:
                error_message = error.message
                status = 400
            except AssessmentRefused as error:
                return _refused(request, error, assessment)
            else:
                if form.cleaned_data.get("action") == "submit":
                    return redirect("assessments:assessment-submit", pk=assessment.pk)
                messages.success(
                    request, _("Your answers are saved. You can come back at any time.")
                )
                return redirect("assessments:assessment-edit", pk=assessment.pk)
        else:
            status = 400
    else:
        form = AssessmentForm(user=request.user, **kwargs)

    review = selectors.latest_review(assessment) if assessment.state == "returned" else None
    changes_by_item = (
        {c["item"].pk: c["response"] for c in conflict.changes if "item" in c} if conflict else {}
    )
    groups = _grid(form, review, changes_by_item)
    if conflict is not None:
        version = conflict.current_version
    elif form.is_bound:
        version = form.data.get("version", assessment.version)
    else:
        version = assessment.version
    has_answers = any(g["answered"] for g in groups)
    earlier = selectors.previous_assessment(assessment)
    return render(
        request,
        "assessments/assessment_edit.html",
        {
            "assessment": assessment,
            "form": form,
            "groups": groups,
            "scale": kwargs["scale"],
            "version": version,
            "conflict": conflict,
            "error_message": error_message,
            "error_list": _error_list(form) if form.is_bound else [],
            "review": review,
            "answered": sum(g["answered"] for g in groups),
            "total": sum(g["total"] for g in groups),
            "can_copy_previous": earlier is not None,
            "has_answers": has_answers,
        },
        status=status,
    )


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
    if not assessment.is_editable:
        if request.method == "POST":
            return _refused(
                request,
                AssessmentRefused(
                    _("This assessment is already %(state)s.")
                    % {"state": assessment.get_state_display().lower()}
                ),
                assessment,
            )
        return redirect("assessments:assessment-detail", pk=assessment.pk)
    missing = services.missing_items(assessment)
    status = 200
    if request.method == "POST":
        form = SubmitForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                services.assessment_submit(
                    assessment=assessment, by=request.user, note=form.cleaned_data["note"]
                )
            except AssessmentRefused as error:
                if error.status != 400:
                    return _refused(request, error, assessment)
                status = 400
            else:
                messages.success(request, _("Your assessment is submitted for review."))
                return redirect("assessments:assessment-detail", pk=assessment.pk)
        else:
            status = 400
    else:
        form = SubmitForm(user=request.user)
    return render(
        request,
        "assessments/assessment_submit.html",
        {
            "assessment": assessment,
            "form": form,
            "missing": missing,
            "cycle_open": assessment.cycle.is_open(),
        },
        status=status,
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
    data = selectors.results(assessment)
    return render(
        request,
        "assessments/assessment_results.html",
        {"assessment": assessment, "results": data, "chart": exports.chart(data)},
    )


@require_GET
def assessment_results_pdf(request, pk):
    assessment = assessment_for_viewer(request.user, pk)
    filename, content_type, content = exports.results_pdf(assessment)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET", "POST"])
def assessment_review(request, pk):
    """The reviewer rates each item beside the official's answer, then accepts or returns."""
    assessment = assessment_for_reviewer(request.user, pk)
    if not assessment.cycle.is_open():
        if request.method == "POST":
            return _refused(
                request,
                AssessmentRefused(
                    _("The %(cycle)s cycle is closed; assessments can no longer be changed.")
                    % {"cycle": assessment.cycle.name},
                    status=403,
                ),
                assessment,
            )
        return redirect("assessments:assessment-detail", pk=assessment.pk)
    if assessment.state != Assessment.State.SUBMITTED:
        if request.method == "POST":
            return _refused(
                request,
                AssessmentRefused(
                    _("Only a submitted assessment can be reviewed; this one is %(state)s.")
                    % {"state": assessment.get_state_display().lower()}
                ),
                assessment,
            )
        return redirect("assessments:assessment-detail", pk=assessment.pk)
    data = selectors.results(assessment)
    previous = data.review.item_map if data.review else None
    form_kwargs = {
        "user": request.user,
        "assessment": assessment,
        "standards": [s.standard for s in data.standards],
        "scale": data.scale,
        "previous": previous,
    }
    status = 200
    error_message = None
    if request.method == "POST":
        form = ReviewForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                services.assessment_review(
                    assessment=assessment,
                    by=request.user,
                    decision=form.cleaned_data["decision"],
                    note=form.cleaned_data["note"].strip(),
                    items=form.items(),
                )
            except InvalidAnswers as error:
                error_message = error.message
                status = 400
            except AssessmentRefused as error:
                return _refused(request, error, assessment)
            else:
                if form.cleaned_data["decision"] == "accept":
                    messages.success(request, _("The assessment is accepted."))
                else:
                    messages.success(request, _("The assessment is returned for revision."))
                return redirect("assessments:team-list")
        else:
            status = 400
    else:
        form = ReviewForm(**form_kwargs)
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
    return render(
        request,
        "assessments/assessment_review.html",
        {
            "assessment": assessment,
            "results": data,
            "form": form,
            "groups": groups,
            "error_message": error_message,
            "timeline": selectors.timeline(assessment),
        },
        status=status,
    )


@require_POST
def assessment_reopen(request, pk):
    assessment = assessment_for_manager(request.user, pk)
    form = ReopenForm(request.POST, user=request.user)
    if not form.is_valid():
        return _refused(
            request, InvalidAnswers(_("Say why the assessment is reopened.")), assessment
        )
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


@require_GET
def team_list(request):
    """The user's direct reports, their pledge and their assessment this cycle."""
    cycle = current_cycle()
    rows = selectors.team_status(request.user, cycle)
    return render(
        request,
        "assessments/team_list.html",
        {"cycle": cycle, "rows": rows, "to_review": sum(1 for r in rows if r.needs_review)},
    )


@require_GET
def office_list(request):
    """Every assessment in the manager's office this cycle, read-only."""
    office = managed_office(request.user)
    cycle = current_cycle()
    rows = selectors.office_assessments(office, cycle) if cycle else []
    return render(
        request,
        "assessments/office_list.html",
        {"cycle": cycle, "rows": rows, "office": office},
    )
