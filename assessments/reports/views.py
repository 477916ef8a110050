"""Thin views: check who asks, parse the filters with a form, read, render or export."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from standards_portal.accounts.selectors import associations_for

from . import exports, selectors
from .forms import ReportFilterForm
from .permissions import (
    MANAGER,
    association_for_report,
    office_for_report,
    office_report_scope,
)


class BadFilter(Exception):
    def __init__(self, form):
        super().__init__("bad filter")
        self.form = form


def _bad_filter(request, form):
    messages = [str(e) for errors in form.errors.values() for e in errors]
    return render(request, "reports/report_refused.html", {"messages_list": messages}, status=400)


def _filters(request, *, office=None, scope=""):
    """The cycle and team asked for; 404 for ids naming nothing visible, 400 if malformed."""
    form = ReportFilterForm(request.GET, user=request.user, office=office, scope=scope)
    if not form.is_valid():
        if form.unknown():
            raise Http404(_("No such cycle or team."))
        raise BadFilter(form)
    return form, form.cleaned_data["cycle"], form.cleaned_data.get("team")


def _office_report(request, office_id):
    office, scope = office_for_report(request.user, office_id)
    form, cycle, team = _filters(request, office=office, scope=scope)
    if scope != MANAGER:
        team = request.user
    report = (
        selectors.office_report(office, cycle, team_lead=team, identified=scope == MANAGER)
        if cycle is not None
        else None
    )
    return form, office, scope, report


def _download(filename: str, content_type: str, content) -> HttpResponse:
    if isinstance(content, bytes | str):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


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


@require_GET
def office_report_pdf(request, office_id):
    try:
        _form, office, scope, report = _office_report(request, office_id)
    except BadFilter as error:
        return _bad_filter(request, error.form)
    if report is None:
        raise Http404(_("No cycle has opened yet."))
    benchmarks = []
    if scope == MANAGER and report.team_lead is None:
        benchmarks = selectors.office_benchmarks(office, report.cycle, report)
    return _download(*exports.office_report_pdf(report, benchmarks=benchmarks))


@require_GET
def office_report_csv(request, office_id):
    try:
        _form, _office, _scope, report = _office_report(request, office_id)
    except BadFilter as error:
        return _bad_filter(request, error.form)
    if report is None:
        raise Http404(_("No cycle has opened yet."))
    return _download(*exports.office_report_csv(report))


@require_GET
def association_list(request):
    associations = list(associations_for(request.user))
    if len(associations) == 1:
        return redirect("reports:association-report", association_id=associations[0].pk)
    return render(request, "reports/association_list.html", {"associations": associations})


def _association_report(request, association_id):
    association = association_for_report(request.user, association_id)
    form, cycle, _team = _filters(request)
    report = selectors.association_report(association, cycle) if cycle is not None else None
    return form, association, report


@require_GET
def association_report(request, association_id):
    try:
        form, association, report = _association_report(request, association_id)
    except BadFilter as error:
        return _bad_filter(request, error.form)
    context = exports.association_context(report) if report else {}
    return render(
        request,
        "reports/association_report.html",
        {**context, "form": form, "association": association, "query": request.GET.urlencode()},
    )


@require_GET
def association_report_pdf(request, association_id):
    try:
        _form, _association, report = _association_report(request, association_id)
    except BadFilter as error:
        return _bad_filter(request, error.form)
    if report is None:
        raise Http404(_("No cycle has opened yet."))
    return _download(*exports.association_report_pdf(report))


@require_GET
def association_report_csv(request, association_id):
    try:
        _form, _association, report = _association_report(request, association_id)
    except BadFilter as error:
        return _bad_filter(request, error.form)
    if report is None:
        raise Http404(_("No cycle has opened yet."))
    return _download(*exports.association_report_csv(report))
