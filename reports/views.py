"""Thin views: check who asks, parse the filters with a form, read, render or export."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import report_exported
from accounts.selectors import associations_for
from core.http import attachment

from . import exports, selectors, services
from .forms import ReportFilterForm
from .models import ReportFile
from .permissions import (
    MANAGER,
    association_for_report,
    office_for_report,
    office_report_scope,
    report_file_for,
)


def background_threshold() -> int:
    """Reports covering more people than this render their PDF in the background."""
    return getattr(settings, "REPORT_PDF_BACKGROUND_PEOPLE", 100)


class BadFilter(Exception):
    def __init__(self, form):
        super().__init__("bad filter")
        self.form = form


def _bad_filter(request, form):
    messages = [str(e) for errors in form.errors.values() for e in errors]
    return render(request, "reports/report_refused.html", {"messages_list": messages}, status=400)


def _filters(request, *, office=None, scope="", staff=None):
    """The cycle and team asked for; 404 for ids naming nothing visible, 400 if malformed."""
    data = request.POST if request.method == "POST" else request.GET
    form = ReportFilterForm(data, user=request.user, office=office, scope=scope, staff=staff)
    if not form.is_valid():
        if form.unknown():
            raise Http404(_("No such cycle or team."))
        raise BadFilter(form)
    return form, form.cleaned_data["cycle"], form.cleaned_data.get("team")


def _office_report(request, office_id):
    office, scope = office_for_report(request.user, office_id)
    staff = selectors.office_staff(office)  # for the team filter and the report
    form, cycle, team = _filters(request, office=office, scope=scope, staff=staff)
    if scope != MANAGER:
        team = request.user
    report = (
        selectors.office_report(
            office,
            cycle,
            team_lead=team,
            identified=scope == MANAGER,
            cycles=form.cycles,
            staff=staff,
        )
        if cycle is not None
        else None
    )
    return form, office, scope, report


@require_GET
def office_report_home(request):
    """The report of the office the user manages or supervises in."""
    scope = office_report_scope(request.user)
    if scope is None:
        if request.user.active_membership is None:
            raise Http404(_("You do not belong to an office."))
        raise PermissionDenied(_("Office reports are for office managers and supervisors."))
    return redirect("reports:office-report", office_id=scope[0].pk)


@require_GET
def office_report(request, office_id):
    try:
        form, office, scope, report = _office_report(request, office_id)
    except BadFilter as error:
        return _bad_filter(request, error.form)
    benchmarks = []
    if report is not None and scope == MANAGER and report.team_lead is None:
        benchmarks = selectors.office_benchmarks(office, report.cycle, report)
    context = exports.office_context(report, benchmarks=benchmarks) if report else {}
    if report is not None:
        context["background"] = report.funnel.staff > background_threshold()
        context["files"] = services.report_files_fail_stalled(
            files=selectors.report_files(
                request.user, cycle=report.cycle, office=office, team_lead=report.team_lead
            )
        )
    return render(
        request,
        "reports/office_report.html",
        {
            **context,
            "form": form,
            "office": office,
            "scope": scope,
            "query": request.GET.urlencode(),
        },
    )


def _exported(request, export, *, report, cycle, **where):
    """Record a report download in the audit trail, then send the file."""
    report_exported(
        by=request.user,
        report=report,
        content_type=export[1],
        cycle=cycle,
        request=request,
        **where,
    )
    return attachment(*export)


def _office_export(request, office_id, exporter):
    try:
        _form, office, scope, report = _office_report(request, office_id)
    except BadFilter as error:
        return _bad_filter(request, error.form)
    if report is None:
        raise Http404(_("No cycle has opened yet."))
    export = exporter(report, office=office, scope=scope)
    return _exported(request, export, report="office", cycle=report.cycle, office=office)


def _office_pdf(report, *, office, scope):
    benchmarks = []
    if scope == MANAGER and report.team_lead is None:
        benchmarks = selectors.office_benchmarks(office, report.cycle, report)
    return exports.office_report_pdf(report, benchmarks=benchmarks)


@require_GET
def office_report_pdf(request, office_id):
    return _office_export(request, office_id, _office_pdf)


@require_GET
def office_report_csv(request, office_id):
    return _office_export(
        request, office_id, lambda report, **_scope: exports.office_report_csv(report)
    )


@require_GET
def association_list(request):
    associations = list(associations_for(request.user))
    if len(associations) == 1:
        return redirect("reports:association-report", association_id=associations[0].pk)
    return render(request, "reports/association_list.html", {"associations": associations})


def _association_report(request, association_id):
    association = association_for_report(request.user, association_id)
    form, cycle, _team = _filters(request)
    report = (
        selectors.association_report(association, cycle, cycles=form.cycles)
        if cycle is not None
        else None
    )
    return form, association, report


@require_GET
def association_report(request, association_id):
    try:
        form, association, report = _association_report(request, association_id)
    except BadFilter as error:
        return _bad_filter(request, error.form)
    context = exports.association_context(report) if report else {}
    if report is not None:
        context["background"] = report.totals.staff > background_threshold()
        context["files"] = services.report_files_fail_stalled(
            files=selectors.report_files(request.user, cycle=report.cycle, association=association)
        )
    return render(
        request,
        "reports/association_report.html",
        {**context, "form": form, "association": association, "query": request.GET.urlencode()},
    )


def _association_export(request, association_id, exporter):
    try:
        _form, association, report = _association_report(request, association_id)
    except BadFilter as error:
        return _bad_filter(request, error.form)
    if report is None:
        raise Http404(_("No cycle has opened yet."))
    export = exporter(report)
    return _exported(
        request, export, report="association", cycle=report.cycle, association=association
    )


@require_GET
def association_report_pdf(request, association_id):
    return _association_export(request, association_id, exports.association_report_pdf)


@require_GET
def association_report_csv(request, association_id):
    return _association_export(request, association_id, exports.association_report_csv)


# ----------------------------------------------------------------------------- background PDFs


@require_POST
def office_report_pdf_prepare(request, office_id):
    office, scope = office_for_report(request.user, office_id)
    try:
        _form, cycle, team = _filters(request, office=office, scope=scope)
    except BadFilter as error:
        return _bad_filter(request, error.form)
    if cycle is None:
        raise Http404(_("No cycle has opened yet."))
    if scope != MANAGER:
        team = request.user
    services.report_file_request(
        by=request.user,
        cycle=cycle,
        office=office,
        team_lead=team,
        identified=scope == MANAGER,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    messages.info(request, _("The PDF is being prepared. It will be offered here when ready."))
    query = {"cycle": cycle.pk, **({"team": team.pk} if scope == MANAGER and team else {})}
    return redirect(_with_query(reverse("reports:office-report", args=[office.pk]), query))


@require_POST
def association_report_pdf_prepare(request, association_id):
    association = association_for_report(request.user, association_id)
    try:
        _form, cycle, _team = _filters(request)
    except BadFilter as error:
        return _bad_filter(request, error.form)
    if cycle is None:
        raise Http404(_("No cycle has opened yet."))
    services.report_file_request(
        by=request.user,
        cycle=cycle,
        association=association,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    messages.info(request, _("The PDF is being prepared. It will be offered here when ready."))
    url = reverse("reports:association-report", args=[association.pk])
    return redirect(_with_query(url, {"cycle": cycle.pk}))


def _with_query(url: str, query: dict) -> str:
    from urllib.parse import urlencode

    return f"{url}?{urlencode(query)}"


@require_GET
def report_file_download(request, pk):
    report_file = report_file_for(request.user, pk)
    if report_file.status != ReportFile.Status.READY:
        raise Http404(_("This file is not ready."))
    report_exported(
        by=request.user,
        report=report_file.kind,
        content_type="application/pdf",
        cycle=report_file.cycle,
        office=report_file.office,
        association=report_file.association,
        request=request,
    )
    return attachment(report_file.filename, "application/pdf", bytes(report_file.content))


@require_GET
def report_file_status(request, pk):
    report_file = services.report_files_fail_stalled(files=[report_file_for(request.user, pk)])[0]
    ready = report_file.status == ReportFile.Status.READY
    return JsonResponse(
        {
            "status": report_file.status,
            "label": str(report_file.get_status_display()),
            "url": reverse("reports:report-file", args=[report_file.pk]) if ready else "",
        }
    )


@require_POST
def report_file_retry(request, pk):
    report_file = report_file_for(request.user, pk)
    services.report_file_retry(report_file=report_file)
    messages.info(request, _("The PDF is being prepared again."))
    if report_file.office_id is not None:
        query = {"cycle": report_file.cycle_id}
        if report_file.identified and report_file.team_lead_id:
            query["team"] = report_file.team_lead_id
        url = reverse("reports:office-report", args=[report_file.office_id])
    else:
        query = {"cycle": report_file.cycle_id}
        url = reverse("reports:association-report", args=[report_file.association_id])
    return redirect(_with_query(url, query))
