"""Thin views of continuing education: check the object, parse with a form, call a
service, redirect. Each topic has its own section below."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.audit import report_exported
from accounts.models import AssociationRole, Membership
from accounts.permissions import managed_office, reads_office_records, shown_name
from core import submissions, suppression
from core.http import INVALID, add_errors, attachment, bound
from core.listing import ListFilterForm, list_page
from pledges.codes import code_candidates, format_code, normalize_code
from pledges.throttle import verification_allowed

from . import exports, permissions, selectors, services
from .evidence import EXTENSIONS as EVIDENCE_EXTENSIONS
from .forms import (
    AttendanceAddForm,
    AttendanceForm,
    AttendanceSearchForm,
    CatalogueFilterForm,
    ConfirmForm,
    CourseArchiveForm,
    CourseForm,
    CourseImportForm,
    EnrolForm,
    OfferingForm,
    ProgramForm,
    SelfReportDecisionForm,
    SelfReportForm,
    SelfReportReverseForm,
    SelfReportVersionForm,
)
from .models import Completion, Course, Enrollment, Program, ProgramOfficeSummary, SelfReport
from .permissions import (
    approvals_office,
    self_report_for_author,
    self_report_for_decider,
    self_report_for_viewer,
    self_report_reporter,
)

# --- self-reported training, approvals, my training, office hours (D2) ---

SELFREPORT_STATES = SelfReport.State


def _template_exists(name: str) -> bool:
    """Whether another part of the app provides this partial (by agreed file name)."""
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


def _selfreport_refused(request, error: services.SelfReportRefused, report=None):
    """A refusal, with the report as it is now (a second tab, a stale page)."""
    return render(
        request,
        "education/selfreport_refused.html",
        {"message": error.message, "report": error.report or report},
        status=error.status,
    )


@require_GET
def my_training(request):
    """The person's hours, registrations, reported training and programs."""
    user = request.user
    upcoming, past = selectors.my_registrations(user)
    programs_template = "education/_my_programs.html"
    feed_template = "education/_calendar_feed.html"
    context = {
        "hours": selectors.my_hours(user),
        "ledger_rows": selectors.MY_TRAINING_ROWS,
        "upcoming": upcoming,
        "past": past,
        "reports": selectors.my_self_reports(user),
        "may_report": user.active_membership is not None,
        "feed_template": feed_template if _template_exists(feed_template) else "",
        "programs_template": programs_template if _template_exists(programs_template) else "",
    }
    if context["programs_template"]:
        context["my_programs"] = selectors.my_programs(user)
    if context["feed_template"]:
        context["feed"] = selectors.calendar_feed_of(user)
    return render(request, "education/training_mine.html", context)


def _submit_or_resubmit(request, form, report):
    data = form.cleaned_data
    fields = {
        "title": data["title"],
        "provider": data["provider"],
        "completed_on": data["completed_on"],
        "hours": data["hours"],
        "standards": data["standards"],
        "request": request,
    }
    if report is None:
        return services.self_report_submit(user=request.user, evidence=form.checked, **fields)
    return services.self_report_resubmit(
        report=report, by=request.user, version=data["version"], evidence=form.checked, **fields
    )


def _selfreport_form_page(request, report=None):
    if replay := submissions.replayed(request):
        return replay
    form = SelfReportForm(*bound(request, files=True), user=request.user, report=report)
    if request.method == "POST" and form.is_valid():

        def done(saved):
            if report is None:
                messages.success(
                    request,
                    _("Your training is reported. Your manager is asked to approve it."),
                )
            else:
                messages.success(request, _("Your corrected report is sent again."))
            return redirect("education:selfreport-detail", pk=saved.pk)

        try:
            return submissions.save_once(
                request, save=lambda: _submit_or_resubmit(request, form, report), done=done
            )
        except ValidationError as error:
            add_errors(form, error)
        except services.SelfReportRefused as error:
            return _selfreport_refused(request, error, report)
    return render(
        request,
        "education/selfreport_form.html",
        {"form": form, "report": report, "max_age": services.SELF_REPORT_MAX_AGE_YEARS},
        status=INVALID if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
def selfreport_create(request):
    """Report training taken outside the portal, with evidence."""
    self_report_reporter(request.user)
    return _selfreport_form_page(request)


@require_http_methods(["GET", "POST"])
def selfreport_edit(request, pk):
    """Correct a returned report and send it again."""
    report = self_report_for_author(request.user, pk)
    if report.state != SELFREPORT_STATES.RETURNED:
        if request.method == "POST":
            return _selfreport_refused(
                request,
                services.SelfReportRefused(
                    _("Only a returned report can be corrected; this one is %(state)s.")
                    % {"state": report.get_state_display().lower()},
                    report=report,
                ),
            )
        messages.info(request, _("Only a returned report can be corrected."))
        return redirect("education:selfreport-detail", pk=report.pk)
    return _selfreport_form_page(request, report)


def _selfreport_page(request, report, *, decision_form=None, reverse_form=None, status=200):
    user = request.user
    may_decide = services.self_report_may_decide(user, report)
    is_author = report.user_id == user.pk
    State = SELFREPORT_STATES
    context = {
        "report": report,
        "standards": list(report.standards.order_by("number")),
        "is_author": is_author,
        "may_decide": may_decide,
        "person_name": shown_name(report.user, user, office_id=report.office_id),
    }
    if may_decide and report.state == State.SUBMITTED:
        context["decision_form"] = decision_form or SelfReportDecisionForm(user=user, report=report)
    if may_decide and report.state == State.APPROVED:
        context["reverse_form"] = reverse_form or SelfReportReverseForm(user=user, report=report)
    if is_author and report.state in (State.SUBMITTED, State.RETURNED):
        context["withdraw_form"] = SelfReportVersionForm(user=user, report=report)
    if is_author and report.state == State.SUBMITTED:
        context["no_decider"] = not services.self_report_deciders(report).exists()
    return render(request, "education/selfreport_detail.html", context, status=status)


@require_GET
def selfreport_detail(request, pk):
    """A report as its author or a manager of its office reads it, with what they may do."""
    return _selfreport_page(request, self_report_for_viewer(request.user, pk))


@require_GET
def selfreport_evidence(request, pk):
    """The evidence file, as an attachment of its checked type: never shown in the page."""
    report = self_report_for_viewer(request.user, pk)
    if not report.evidence:
        raise Http404(_("This report has no evidence file."))
    try:
        data = services.self_report_evidence_read(report=report, by=request.user, request=request)
    except FileNotFoundError:
        raise Http404(_("The evidence file is missing.")) from None
    extension = EVIDENCE_EXTENSIONS.get(report.evidence_type, ".bin")
    response = attachment(f"training-evidence-{report.pk}{extension}", report.evidence_type, data)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _act(request, report, *, save, message):
    """A button on a report: once per submission, the refusal page on a stale page."""

    def done(_result):
        messages.success(request, message)
        return redirect("education:selfreport-detail", pk=report.pk)

    try:
        return submissions.save_once(request, save=save, done=done)
    except services.SelfReportRefused as error:
        return _selfreport_refused(request, error, report)


@require_POST
def selfreport_withdraw(request, pk):
    report = self_report_for_author(request.user, pk)
    if replay := submissions.replayed(request):
        return replay
    form = SelfReportVersionForm(request.POST, user=request.user, report=report)
    if not form.is_valid():
        return _selfreport_page(request, report, status=INVALID)
    return _act(
        request,
        report,
        save=lambda: services.self_report_withdraw(
            report=report, by=request.user, version=form.cleaned_data["version"], request=request
        ),
        message=_("Your report is withdrawn. Its hours will not count."),
    )


@require_POST
def selfreport_decide(request, pk):
    """Approve a waiting report, or return it with a note."""
    report = self_report_for_decider(request.user, pk)
    if replay := submissions.replayed(request):
        return replay
    form = SelfReportDecisionForm(request.POST, user=request.user, report=report)
    if not form.is_valid():
        return _selfreport_page(request, report, decision_form=form, status=INVALID)
    data = form.cleaned_data
    if data["decision"] == SelfReportDecisionForm.APPROVE:
        save = lambda: services.self_report_approve(  # noqa: E731
            report=report,
            by=request.user,
            version=data["version"],
            note=data["note"],
            request=request,
        )
        message = _("Approved: the hours now count in the person's training record.")
    else:
        save = lambda: services.self_report_return(  # noqa: E731
            report=report,
            by=request.user,
            version=data["version"],
            note=data["note"],
            request=request,
        )
        message = _("Returned with your note. The person is told by email.")
    try:
        return _act(request, report, save=save, message=message)
    except ValidationError as error:
        add_errors(form, error)
        return _selfreport_page(request, report, decision_form=form, status=INVALID)


@require_POST
def selfreport_reverse(request, pk):
    """Withdraw the approval of a report, with a note: its hours stop counting."""
    report = self_report_for_decider(request.user, pk)
    if replay := submissions.replayed(request):
        return replay
    form = SelfReportReverseForm(request.POST, user=request.user, report=report)
    if not form.is_valid():
        return _selfreport_page(request, report, reverse_form=form, status=INVALID)
    try:
        return _act(
            request,
            report,
            save=lambda: services.self_report_reverse(
                report=report,
                by=request.user,
                version=form.cleaned_data["version"],
                note=form.cleaned_data["note"],
                request=request,
            ),
            message=_("The approval is withdrawn: the hours no longer count. The person is told."),
        )
    except ValidationError as error:
        add_errors(form, error)
        return _selfreport_page(request, report, reverse_form=form, status=INVALID)


@require_GET
def selfreport_queue(request):
    """The office's reported training for its manager: waiting ones first by default."""
    office = approvals_office(request.user)
    data = request.GET.copy()
    if "state" not in data:
        data["state"] = SELFREPORT_STATES.SUBMITTED
    filters = ListFilterForm(
        data,
        states=SELFREPORT_STATES.choices,
        search_help=_("A name or email address, or the training's title or provider."),
    )
    if filters.is_valid():
        reports = selectors.approval_queue(
            office, viewer=request.user, q=filters.value("q"), state=filters.value("state")
        )
    else:
        reports = SelfReport.objects.none()
    return render(
        request,
        "education/selfreport_queue.html",
        {
            "office": office,
            "filters": filters,
            "listing": list_page(request, reports),
            "own_waiting": selectors.own_waiting_reports(request.user, office),
            "waiting_only": filters.value("state") == SELFREPORT_STATES.SUBMITTED
            and not filters.value("q"),
        },
        status=200 if filters.is_valid() else 400,
    )


def _hours_filters(request) -> ListFilterForm:
    return ListFilterForm(request.GET, roles=Membership.Role.choices)


@require_GET
def office_hours(request):
    """Hours per person of the manager's office, searchable, a page at a time."""
    office = managed_office(request.user)
    filters = _hours_filters(request)
    if filters.is_valid():
        people = selectors.office_hours(office, q=filters.value("q"), role=filters.value("role"))
    else:
        people = Membership.objects.none()
    return render(
        request,
        "education/training_office.html",
        {
            "office": office,
            "filters": filters,
            "listing": list_page(request, people),
            "recent_days": selectors.RECENT_DAYS,
        },
        status=200 if filters.is_valid() else 400,
    )


@require_GET
def office_hours_csv(request):
    """Hours per person of the manager's office, as CSV (the search and role apply)."""
    office = managed_office(request.user)
    filters = _hours_filters(request)
    if not filters.is_valid():
        return HttpResponseBadRequest(_("The search is not valid."))
    people = selectors.office_hours(office, q=filters.value("q"), role=filters.value("role"))
    filename, content_type, content = exports.office_hours_csv(office, people)
    report_exported(
        by=request.user,
        report="education-hours",
        content_type=content_type,
        office=office,
        request=request,
    )
    return attachment(filename, content_type, content)


# --- certification programs (E) ---


@require_GET
def program_list(request):
    """The person's programs and those open to them; the programs of their associations."""
    user = request.user
    progress = selectors.my_programs(user)
    enrolled = {p.program.pk for p in progress}
    roles = list(AssociationRole.objects.filter(user=user).values_list("association_id", "role"))
    managed = []
    if roles:
        managed = selectors.programs_managed(user).order_by("association__name", "name", "pk")
    return render(
        request,
        "education/program_list.html",
        {
            "my_programs": progress,
            "open_programs": [
                p
                for p in selectors.programs_open_to(user).order_by("name", "pk")
                if p.pk not in enrolled
            ],
            "managed_programs": managed,
            "administered": {a for a, role in roles if role == AssociationRole.Role.ADMINISTRATOR},
            "office": user.active_membership.office if user.active_membership else None,
        },
    )


def _program_saved(request, message):
    def done(program):
        messages.success(request, message)
        return redirect("education:program-detail", pk=program.pk)

    return done


@require_http_methods(["GET", "POST"])
def program_create(request):
    permissions.program_definer(request.user)
    if replay := submissions.replayed(request):
        return replay
    form = ProgramForm(*bound(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            return submissions.save_once(
                request,
                save=lambda: services.program_create(
                    association=form.cleaned_data["association"],
                    by=request.user,
                    request=request,
                    **form.values(),
                ),
                done=_program_saved(request, _("The program is defined.")),
            )
        except ValidationError as error:
            add_errors(form, error)
    status = INVALID if form.is_bound else 200
    return render(request, "education/program_form.html", {"form": form}, status=status)


def _program_initial(program) -> dict:
    return {
        "name": program.name,
        "description": program.description,
        "hours_required": program.hours_required,
        "period_months": program.period_months,
        "required_courses": list(program.required_courses.values_list("pk", flat=True)),
        "required_standards": list(program.required_standards.values_list("pk", flat=True)),
        "version": program.version,
    }


@require_http_methods(["GET", "POST"])
def program_edit(request, pk):
    program = permissions.program_for_administrator(request.user, pk)
    if request.method != "POST":
        form = ProgramForm(user=request.user, program=program, initial=_program_initial(program))
        return render(request, "education/program_form.html", {"form": form, "program": program})
    form = ProgramForm(request.POST, user=request.user, program=program)
    status = INVALID
    if form.is_valid():
        try:
            updated = services.program_update(
                program=program,
                by=request.user,
                version=form.cleaned_data["version"],
                request=request,
                **form.values(),
            )
        except services.ProgramChanged as error:
            # Shown as it is now, with what the person sent set aside: nothing overwritten.
            program.refresh_from_db()
            form = ProgramForm(
                user=request.user, program=program, initial=_program_initial(program)
            )
            form.conflict = error.messages
            status = 409
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The program is saved."))
            return redirect("education:program-detail", pk=updated.pk)
    return render(
        request,
        "education/program_form.html",
        {"form": form, "program": program, "conflict": getattr(form, "conflict", None)},
        status=status,
    )


@require_POST
def program_close(request, pk):
    program = permissions.program_for_administrator(request.user, pk)
    services.program_close(program=program, by=request.user, request=request)
    messages.success(request, _("The program is closed to new enrolments."))
    return redirect("education:program-detail", pk=program.pk)


def _program_page(request, program, *, enrol_form=None, status=200):
    """The program, what the person is to it (`permissions.program_for_reader`), and their
    progress when enrolled."""
    user = request.user
    requirements = selectors.program_requirements([program])
    enrollment = None
    if program.viewer_enrolled:
        enrollment = Enrollment.objects.filter(
            program=program, user=user, ended_at__isnull=True
        ).first()
    progress = None
    completions = []
    if enrollment is not None:
        enrollment.program = program
        progress = selectors.program_progress(enrollment, requirements=requirements)
        completions = list(progress.completions.values())
    elif program.viewer_completed:
        completions = list(Completion.objects.filter(program=program, user=user))
    return render(
        request,
        "education/program_detail.html",
        {
            "program": program,
            "courses": sorted(requirements.courses.values(), key=lambda c: (c.title, c.pk)),
            "standards": sorted(requirements.standards.values(), key=lambda s: s.number),
            "enrollment": enrollment,
            "progress": progress,
            "can_enrol": enrollment is None
            and program.is_active
            and program.viewer_member
            and user.active_membership is not None,
            "enrol_form": enrol_form or EnrolForm(user=user, program=program),
            "completions": sorted(completions, key=lambda c: c.period_start, reverse=True),
            "is_administrator": program.viewer_administers,
            "is_association_reader": program.viewer_reads,
        },
        status=status,
    )


@require_GET
def program_detail(request, pk):
    """The program's requirements and, for someone enrolled, their progress by period."""
    program = permissions.program_for_reader(request.user, pk)
    return _program_page(request, program)


@require_POST
def program_enrol(request, pk):
    program = permissions.program_for_enrolment(request.user, pk)
    if replay := submissions.replayed(request):
        return replay
    form = EnrolForm(request.POST, user=request.user, program=program)
    if form.is_valid():

        def done(_enrollment):
            messages.success(request, _("You are enrolled. Your progress is below."))
            return redirect("education:program-detail", pk=program.pk)

        try:
            return submissions.save_once(
                request,
                save=lambda: services.enrol(
                    user=request.user,
                    program=program,
                    started_on=form.cleaned_data["started_on"],
                    request=request,
                ),
                done=done,
            )
        except ValidationError as error:
            add_errors(form, error)
    return _program_page(request, program, enrol_form=form, status=400)


@require_POST
def program_leave(request, pk):
    program = permissions.program_for_enrolment(request.user, pk)
    enrollment = Enrollment.objects.filter(
        program=program, user=request.user, ended_at__isnull=True
    ).first()
    if enrollment is None:
        messages.info(request, _("You are not enrolled in this program."))
    else:
        services.enrolment_leave(enrollment=enrollment, by=request.user, request=request)
        messages.success(request, _("You have left the program. Your certificates remain."))
    return redirect("education:program-detail", pk=program.pk)


@require_GET
def completion_certificate(request, pk):
    completion = permissions.completion_for_viewer(request.user, pk)
    if completion.withdrawn_at is not None:
        return render(
            request,
            "education/program_certificate_withdrawn.html",
            {"completion": completion},
            status=410,
        )
    export = exports.completion_certificate_pdf(completion)
    services.completion_downloaded(completion=completion, by=request.user, request=request)
    return attachment(*export)


@login_not_required
@never_cache
@require_GET
def completion_verify(request, code):
    """The public check of a certificate of completion by its code."""
    if not verification_allowed(request):
        return render(request, "pledges/pledge_verify_limited.html", status=429)
    normalized = normalize_code(code)
    completion = None
    if normalized is not None:
        found = list(
            Completion.objects.filter(code__in=code_candidates(normalized))
            .select_related("program", "program__association", "user")
            .order_by("pk")[:2]
        )
        completion = found[0] if len(found) == 1 else None
    status = 200 if completion is not None else (400 if normalized is None else 404)
    return render(
        request,
        "education/program_verify.html",
        {
            "completion": completion,
            "name": shown_name(completion.user) if completion else "",
            "code": format_code(normalized) if normalized else "",
            "malformed": normalized is None,
        },
        status=status,
    )


@require_GET
def office_programs(request):
    """The manager's overview: the programs the office's people are in."""
    office = managed_office(request.user)
    rows = selectors.office_programs(office)
    counted = {row.program_id for row in rows}
    others = (
        Program.objects.filter(association__offices=office)
        .exclude(pk__in=counted)
        .select_related("association")
        .order_by("name", "pk")
    )
    return render(
        request,
        "education/program_office_list.html",
        {"office": office, "rows": rows, "others": others},
    )


@require_GET
def office_program(request, program_id):
    """Each person of the office in the program, with their standing, a page at a time."""
    office, program = permissions.program_for_office_manager(request.user, program_id)
    listing = list_page(request, selectors.program_enrollees(program, office))
    today = timezone.localdate()
    rows = [
        (
            enrollment,
            selectors.standing_of(
                met=enrollment.met,
                lapsed=enrollment.lapsed,
                period_end=enrollment.period_end,
                today=today,
            ),
        )
        for enrollment in listing.objects
    ]
    summary = ProgramOfficeSummary.objects.filter(program=program, office=office).first()
    return render(
        request,
        "education/program_office.html",
        {
            "office": office,
            "program": program,
            "listing": listing,
            "rows": rows,
            "summary": summary,
        },
    )


@require_GET
def office_program_csv(request, program_id):
    office, program = permissions.program_for_office_manager(request.user, program_id)
    export = exports.office_program_csv(
        office, program, selectors.program_enrollees(program, office)
    )
    report_exported(
        by=request.user,
        report="education-program-office",
        content_type=export[1],
        office=office,
        request=request,
    )
    return attachment(*export)


@require_GET
def association_program(request, association_id, program_id):
    """Progress in the program across the member offices, suppressed, from summaries."""
    association, program = permissions.program_for_association(
        request.user, association_id, program_id
    )
    view = selectors.program_association_view(program, association)
    return render(
        request,
        "education/program_association.html",
        {
            "view": view,
            "program": program,
            "association": association,
            "minimum": suppression.minimum(),
        },
    )


@require_GET
def association_program_csv(request, association_id, program_id):
    association, program = permissions.program_for_association(
        request.user, association_id, program_id
    )
    export = exports.association_program_csv(
        selectors.program_association_view(program, association)
    )
    report_exported(
        by=request.user,
        report="education-program-association",
        content_type=export[1],
        association=association,
        request=request,
    )
    return attachment(*export)


# --- courses, offerings, registrations, attendance, calendar (D1) ---

CATALOGUE_PAGE = 20


def _saved_once(request, form, *, save, done, template, context, status_invalid=INVALID):
    """A form saved by a service once per submission token (a double click or a reload
    is answered "already saved"); its errors, or the service's, shown on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            return submissions.save_once(request, save=save, done=done)
        except ValidationError as error:
            add_errors(form, error)
    status = status_invalid if form.is_bound else 200
    return render(request, template, {"form": form, **context}, status=status)


@require_GET
def course_catalogue(request):
    """The courses offered to the person, searchable, with each one's next date."""
    user = request.user
    filters = CatalogueFilterForm(request.GET)
    if filters.is_valid():
        courses = selectors.catalogue(
            user,
            q=filters.value("q") or "",
            standard=filters.value("standard"),
            format=filters.value("format") or "",
        )
    else:
        courses = Course.objects.none()
    return render(
        request,
        "education/course_catalogue.html",
        {
            "filters": filters,
            "listing": list_page(request, courses, per_page=CATALOGUE_PAGE),
            "has_office": user.active_membership is not None,
            "publishes": bool(permissions.publishing_owners(user)),
            "trained": selectors.trained_offerings(user),
        },
        status=200 if filters.is_valid() else 400,
    )


@require_GET
def course_published(request):
    """Every course the person publishes, archived ones included."""
    permissions.publishes_for(request.user)
    courses = selectors.published_list(permissions.published_courses(request.user))
    return render(
        request,
        "education/course_published.html",
        {"listing": list_page(request, courses, per_page=CATALOGUE_PAGE)},
    )


def _course_page(request, course, *, refusal: str = "", status: int = 200):
    user = request.user
    publisher = permissions.may_publish(user, course)
    offerings = selectors.course_offerings(course, user, include_past=publisher)
    for offering in offerings:
        # A confidential trainer is "a confidential participant" to the course's readers.
        offering.trainer_name = offering.trainer and shown_name(
            offering.trainer, user, office_id=course.office_id
        )
        offering.seats_left = (
            None if offering.capacity is None else max(offering.capacity - offering.taken, 0)
        )
    return render(
        request,
        "education/course_detail.html",
        {
            "course": course,
            "standards": list(course.standards.select_related("edition").order_by("number")),
            "items": list(course.items.select_related("standard__edition").order_by("position")),
            "offerings": offerings,
            "publisher": publisher,
            "now": timezone.now(),
            "refusal": refusal,
            "may_register": user.active_membership is not None and course.is_active,
        },
        status=status,
    )


@require_GET
def course_detail(request, pk):
    return _course_page(request, permissions.course_for_viewer(request.user, pk))


def _course_saved(request, message):
    def done(course):
        messages.success(request, message % {"title": course.title})
        return redirect("education:course-detail", course.pk)

    return done


@require_http_methods(["GET", "POST"])
def course_create(request):
    permissions.publishes_for(request.user)
    if replay := submissions.replayed(request):
        return replay
    form = CourseForm(*bound(request), user=request.user)

    def save():
        owner = form.chosen_owner
        return services.course_publish(
            by=request.user,
            office=owner.office,
            association=owner.association,
            request=request,
            **form.course_fields(),
        )

    return _saved_once(
        request,
        form,
        save=save,
        done=_course_saved(request, _("“%(title)s” is published.")),
        template="education/course_form.html",
        context={"course": None},
    )


@require_http_methods(["GET", "POST"])
def course_edit(request, pk):
    course = permissions.course_for_publisher(request.user, pk)
    if replay := submissions.replayed(request):
        return replay
    form = CourseForm(*bound(request), user=request.user, course=course)
    return _saved_once(
        request,
        form,
        save=lambda: services.course_update(
            course=course,
            by=request.user,
            version=form.cleaned_data["version"] or 0,
            request=request,
            **form.course_fields(),
        ),
        done=_course_saved(request, _("“%(title)s” is saved.")),
        template="education/course_form.html",
        context={"course": course},
    )


@require_POST
def course_archive(request, pk):
    course = permissions.course_for_publisher(request.user, pk)
    form = CourseArchiveForm(request.POST)
    if not form.is_valid():
        return _course_page(request, course, refusal=_("Nothing was changed."), status=400)
    archived = form.cleaned_data["archive"]
    services.course_archive(course=course, by=request.user, archived=archived, request=request)
    if archived:
        messages.success(
            request,
            _("The course is archived: it is no longer in the catalogue. Hours earned stay."),
        )
    else:
        messages.success(request, _("The course is offered again."))
    return redirect("education:course-detail", course.pk)


@require_http_methods(["GET", "POST"])
def course_import(request):
    permissions.publishes_for(request.user)
    form = CourseImportForm(*bound(request, files=True), user=request.user)
    context = {"form": form, "max_kb": settings.COURSE_IMPORT_MAX_BYTES // 1024}
    if request.method == "POST" and form.is_valid():
        owner = form.chosen_owner
        plan = selectors.course_import_plan(owner.filter, form.parsed.rows)
        errors = sum(row["action"] == "error" for row in plan)
        if errors:
            context.update({"plan": plan, "error_count": errors, "owner": owner})
            return render(request, "education/course_import.html", context, status=INVALID)
        upload = services.course_import_create(
            owner_filter=owner.filter,
            uploaded_by=request.user,
            filename=form.cleaned_data["file"].name,
            sha256=form.parsed.sha256,
            rows=form.parsed.rows,
        )
        return redirect("education:course-import-preview", upload.pk)
    status = INVALID if form.is_bound else 200
    return render(request, "education/course_import.html", context, status=status)


@require_http_methods(["GET", "POST"])
def course_import_preview(request, pk):
    upload = permissions.course_import_for(request.user, pk)
    if replay := submissions.replayed(request):
        return replay
    if upload.confirmed_at is not None:
        messages.info(request, _("This file has already been imported."))
        return redirect("education:course-published")
    owner = permissions.Owner(office=upload.office, association=upload.association)
    if request.method == "POST" and ConfirmForm(request.POST).is_valid():

        def done(created):
            messages.success(
                request,
                ngettext(
                    "%(count)s course published.", "%(count)s courses published.", len(created)
                )
                % {"count": len(created)},
            )
            return redirect("education:course-published")

        try:
            return submissions.save_once(
                request,
                save=lambda: services.course_import_confirm(
                    upload=upload, by=request.user, request=request
                ),
                done=done,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("education:course-import")
    plan = selectors.course_import_plan(owner.filter, upload.rows)
    summary = {
        action: sum(row["action"] == action for row in plan)
        for action in ("create", "exists", "error")
    }
    return render(
        request,
        "education/course_import_preview.html",
        {"upload": upload, "owner": owner, "plan": plan, "summary": summary},
    )


@require_http_methods(["GET", "POST"])
def offering_create(request, pk):
    course = permissions.course_for_publisher(request.user, pk)
    if replay := submissions.replayed(request):
        return replay
    form = OfferingForm(*bound(request), course=course)

    def done(offering):
        messages.success(request, _("The date is added."))
        return redirect("education:course-detail", course.pk)

    return _saved_once(
        request,
        form,
        save=lambda: services.offering_create(
            course=course, by=request.user, request=request, **form.offering_fields()
        ),
        done=done,
        template="education/offering_form.html",
        context={"course": course, "offering": None},
    )


@require_http_methods(["GET", "POST"])
def offering_edit(request, pk):
    offering = permissions.offering_for_publisher(request.user, pk)
    course = offering.course
    if replay := submissions.replayed(request):
        return replay
    if offering.cancelled_at is not None:
        messages.info(request, _("This date was cancelled; it can no longer be changed."))
        return redirect("education:course-detail", course.pk)
    form = OfferingForm(*bound(request), course=course, offering=offering)

    def done(_offering):
        messages.success(request, _("The date is saved."))
        return redirect("education:course-detail", course.pk)

    return _saved_once(
        request,
        form,
        save=lambda: services.offering_update(
            offering=offering,
            by=request.user,
            version=form.cleaned_data["version"] or 0,
            request=request,
            **form.offering_fields(),
        ),
        done=done,
        template="education/offering_form.html",
        context={"course": course, "offering": offering},
    )


@require_POST
def offering_cancel(request, pk):
    offering = permissions.offering_for_publisher(request.user, pk)
    if replay := submissions.replayed(request):
        return replay

    def done(_offering):
        messages.success(
            request, _("The date is cancelled. Everyone registered has been told by email.")
        )
        return redirect("education:course-detail", offering.course_id)

    return submissions.save_once(
        request,
        save=lambda: services.offering_cancel(offering=offering, by=request.user, request=request),
        done=done,
    )


@require_POST
def offering_register(request, pk):
    offering = permissions.offering_for_registrant(request.user, pk)
    if replay := submissions.replayed(request):
        return replay

    def done(result):
        _registration, created = result
        if created:
            messages.success(
                request,
                _(
                    "You are registered. Add the course to your calendar with the link "
                    "beside the date."
                ),
            )
        else:
            messages.info(request, _("You were already registered for this date."))
        return redirect("education:course-detail", offering.course_id)

    try:
        return submissions.save_once(
            request,
            save=lambda: services.registration_create(
                offering=offering, user=request.user, request=request
            ),
            done=done,
        )
    except services.RegistrationRefused as error:
        return _course_page(request, offering.course, refusal=error.messages[0], status=409)


@require_POST
def registration_cancel(request, pk):
    registration = permissions.registration_for_owner(request.user, pk)
    course = registration.offering.course
    if replay := submissions.replayed(request):
        return replay

    def done(_registration):
        messages.success(request, _("Your registration is cancelled."))
        return redirect("education:course-detail", course.pk)

    try:
        return submissions.save_once(
            request,
            save=lambda: services.registration_cancel(
                registration=registration, by=request.user, request=request
            ),
            done=done,
        )
    except ValidationError as error:
        return _course_page(request, course, refusal=error.messages[0], status=409)


@require_GET
def registration_ics(request, pk):
    registration = permissions.registration_for_owner(request.user, pk)
    return attachment(*exports.registration_ics(registration))


def _attendance_page(request, offering, *, form=None, status=200, refusal=""):
    sheet = selectors.attendance_sheet(offering)
    viewer = request.user
    for person in sheet:
        person.shown = shown_name(person, viewer, office_id=offering.course.office_id)
    search = AttendanceSearchForm(request.GET)
    found = []
    if search.is_valid() and search.cleaned_data["q"]:
        office_id = offering.course.office_id
        reveals = office_id is not None and reads_office_records(viewer, office_id)
        on_sheet = {person.pk for person in sheet}
        found = [
            m
            for m in selectors.attendance_candidates(
                offering.course, q=search.cleaned_data["q"], reveals_confidential=reveals
            )
            if m.user_id not in on_sheet
        ]
        for membership in found:
            membership.shown = shown_name(membership.user, viewer, office_id=membership.office_id)
    try:
        services.attendance_open(offering)
    except ValidationError as error:
        refusal = refusal or error.messages[0]
    return render(
        request,
        "education/offering_attendance.html",
        {
            "offering": offering,
            "course": offering.course,
            "sheet": sheet,
            "form": form or AttendanceForm(sheet=sheet),
            "search": search,
            "found": found,
            "refusal": refusal,
            "closed": bool(refusal),
            "checkins": selectors.session_checkins(offering),
        },
        status=status if search.is_valid() else 400,
    )


def _attendance_done(request, offering):
    def done(result):
        added, removed = result
        messages.success(
            request,
            _("Attendance saved: %(added)s marked present, %(removed)s no longer present.")
            % {"added": added, "removed": removed},
        )
        return redirect("education:offering-attendance", offering.pk)

    return done


@require_http_methods(["GET", "POST"])
def offering_attendance(request, pk):
    """The trainer's list: the people registered (and anyone added), ticked present."""
    offering = permissions.offering_for_attendance(request.user, pk)
    if request.method != "POST":
        return _attendance_page(request, offering)
    if replay := submissions.replayed(request):
        return replay
    form = AttendanceForm(request.POST, sheet=selectors.attendance_sheet(offering))
    if not form.is_valid():
        return _attendance_page(request, offering, form=form, status=400)
    return _attendance_save(
        request,
        offering,
        lambda: services.attendance_record(
            offering=offering,
            by=request.user,
            present=form.cleaned_data["present_people"],
            absent=form.cleaned_data["absent_people"],
            request=request,
        ),
    )


def _attendance_save(request, offering, save):
    """Record attendance once per submitted form; a refusal (the date cancelled or not
    yet begun) shows the list again with the reason."""
    try:
        return submissions.save_once(request, save=save, done=_attendance_done(request, offering))
    except ValidationError as error:
        return _attendance_page(request, offering, status=409, refusal=error.messages[0])


@require_POST
def offering_attendance_add(request, pk):
    """Mark present someone of the course's office or association who did not register."""
    offering = permissions.offering_for_attendance(request.user, pk)
    if replay := submissions.replayed(request):
        return replay
    form = AttendanceAddForm(request.POST, course=offering.course)
    if not form.is_valid():
        return _attendance_page(
            request, offering, status=400, refusal=" ".join(form.errors.get("person", []))
        )
    return _attendance_save(
        request,
        offering,
        lambda: services.attendance_record(
            offering=offering,
            by=request.user,
            present=[form.cleaned_data["person"]],
            request=request,
        ),
    )


@require_POST
def offering_attendance_session(request, pk):
    """Mark present everyone who checked in at the date's signing session."""
    offering = permissions.offering_for_attendance(request.user, pk)
    if replay := submissions.replayed(request):
        return replay
    return _attendance_save(
        request,
        offering,
        lambda: services.attendance_from_session(
            offering=offering, by=request.user, request=request
        ),
    )


CALENDAR_TYPE = "text/calendar; charset=utf-8"


@login_not_required
@never_cache
@require_GET
def calendar_feed(request, token):
    """A person's courses for their calendar application, at an unguessable address;
    no sign-in (calendar applications cannot sign in)."""
    feed = selectors.calendar_feed_by_token(token)
    if feed is None:
        raise Http404("No such calendar.")
    response = HttpResponse(
        exports.feed_ics(selectors.feed_registrations(feed.user)), content_type=CALENDAR_TYPE
    )
    response["Content-Disposition"] = 'inline; filename="courses.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_POST
def calendar_feed_reset(request):
    """Make the person's calendar address, or replace it (the old one stops working)."""
    if request.user.active_membership is None:
        raise PermissionDenied("Only office staff register for courses.")
    if replay := submissions.replayed(request):
        return replay

    def done(_feed):
        messages.success(
            request,
            _(
                "Your calendar address is ready. Copy it into your calendar application; "
                "any earlier address no longer works."
            ),
        )
        return redirect(_training_page())

    return submissions.save_once(
        request,
        save=lambda: services.calendar_feed_reset(user=request.user, request=request),
        done=done,
    )


def _training_page() -> str:
    """Where the calendar address is shown: the person's training page."""
    return reverse("education:my-training")
