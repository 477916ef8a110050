"""Writes of the reports app: background PDFs requested, failed and retried."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ReportFile
from .tasks import render_report_file


@transaction.atomic
def report_file_request(
    *,
    by,
    cycle,
    office=None,
    association=None,
    team_lead=None,
    identified: bool = False,
    language: str = "en",
) -> ReportFile:
    """Record a PDF to prepare and queue its rendering once the request commits."""
    report_file = ReportFile(
        kind=ReportFile.Kind.OFFICE if office is not None else ReportFile.Kind.ASSOCIATION,
        office=office,
        association=association,
        cycle=cycle,
        team_lead=team_lead,
        identified=identified,
        language=language,
        requested_by=by,
    )
    report_file.full_clean()
    report_file.save()
    transaction.on_commit(lambda: render_report_file.enqueue(report_file.pk))
    return report_file


STALLED_ERROR = _(
    "The PDF was not finished: the background worker stopped. Try again; "
    "if it fails again, tell us."
)


def report_files_fail_stalled(*, files: list[ReportFile]) -> list[ReportFile]:
    """Mark PDFs whose worker stopped mid-way as failed, so the page offers a retry."""
    now = timezone.now()
    stalled = [f.pk for f in files if f.is_stalled(now)]
    if stalled:
        # Only rows still pending: a worker that finished meanwhile keeps its result.
        ReportFile.objects.filter(pk__in=stalled, status=ReportFile.Status.PENDING).update(
            status=ReportFile.Status.FAILED, error=str(STALLED_ERROR), finished_at=now
        )
        for f in files:
            if f.pk in stalled:
                f.status, f.error, f.finished_at = ReportFile.Status.FAILED, str(STALLED_ERROR), now
    return files


@transaction.atomic
def report_file_retry(*, report_file: ReportFile) -> ReportFile:
    """Queue a failed PDF again."""
    report_file = ReportFile.objects.select_for_update().get(pk=report_file.pk)
    if report_file.status != ReportFile.Status.FAILED and not report_file.is_stalled():
        return report_file
    report_file.status = ReportFile.Status.PENDING
    report_file.error = ""
    report_file.finished_at = None
    report_file.queued_at = timezone.now()
    report_file.save(update_fields=["status", "error", "finished_at", "queued_at"])
    transaction.on_commit(lambda: render_report_file.enqueue(report_file.pk))
    return report_file
