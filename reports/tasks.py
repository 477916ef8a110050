"""Background work: rendering report PDFs that take more than a moment."""

import logging

from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from . import exports, selectors
from .models import ReportFile

logger = logging.getLogger(__name__)


def render(report_file: ReportFile) -> tuple[str, bytes]:
    """The PDF a ReportFile asks for, built from the data as it is now."""
    if report_file.office_id is not None:
        report = selectors.office_report(
            report_file.office,
            report_file.cycle,
            team_lead=report_file.team_lead,
            identified=report_file.identified,
        )
        benchmarks = (
            selectors.office_benchmarks(report_file.office, report_file.cycle, report)
            if report_file.identified and report_file.team_lead_id is None
            else []
        )
        filename, _type, content = exports.office_report_pdf(
            report, benchmarks=benchmarks, language=report_file.language
        )
    else:
        report = selectors.association_report(report_file.association, report_file.cycle)
        filename, _type, content = exports.association_report_pdf(
            report, language=report_file.language
        )
    return filename, content


@task()
def render_report_file(report_file_id: int) -> None:
    """Render one requested report PDF and store it; record the failure if it fails."""
    report_file = (
        ReportFile.objects.select_related("office", "association", "cycle__edition", "team_lead")
        .filter(pk=report_file_id, status=ReportFile.Status.PENDING)
        .first()
    )
    if report_file is None:
        return
    try:
        filename, content = render(report_file)
    except Exception:
        logger.exception("Report file %s failed", report_file_id)
        ReportFile.objects.filter(pk=report_file_id, status=ReportFile.Status.PENDING).update(
            status=ReportFile.Status.FAILED,
            error=_("The PDF could not be prepared. Try again; if it fails again, tell us."),
            finished_at=timezone.now(),
        )
        return
    # A file marked failed meanwhile (its worker was presumed dead) is retried afresh.
    ReportFile.objects.filter(pk=report_file_id, status=ReportFile.Status.PENDING).update(
        status=ReportFile.Status.READY,
        filename=filename,
        content=content,
        finished_at=timezone.now(),
    )
