"""PDFs of large reports are prepared by a background task and offered when ready."""

import pytest
from django.urls import reverse

from reports.models import ReportFile

from .conftest import staff_with_answers


@pytest.fixture
def large(settings, world, cycle):
    settings.REPORT_PDF_BACKGROUND_PEOPLE = 3
    staff_with_answers(world.office, cycle, [1, 2, 3, 4, 4])


def prepare(client, world, cycle, capture):
    with capture(execute=True):
        return client.post(
            reverse("reports:office-report-pdf-prepare", args=[world.office.pk]),
            {"cycle": cycle.pk},
        )


def test_a_large_report_offers_to_prepare_its_pdf_and_then_the_file(
    client, world, cycle, large, django_capture_on_commit_callbacks
):
    client.force_login(world.manager)
    page = client.get(reverse("reports:office-report", args=[world.office.pk])).content.decode()
    assert "Prepare a PDF" in page and "Download as PDF" not in page

    response = prepare(client, world, cycle, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    report_file = ReportFile.objects.get()
    assert report_file.status == "ready" and report_file.identified
    page = client.get(response["Location"]).content.decode()
    assert "Download the PDF" in page

    status = client.get(reverse("reports:report-file-status", args=[report_file.pk])).json()
    assert status["status"] == "ready" and status["url"]
    download = client.get(status["url"])
    assert download["Content-Type"] == "application/pdf"
    assert bytes(download.content).startswith(b"%PDF")


def test_a_failed_pdf_shows_an_error_and_can_be_retried(
    client, world, cycle, large, django_capture_on_commit_callbacks, monkeypatch
):
    import weasyprint.document

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(weasyprint.document.Document, "write_pdf", broken)
    client.force_login(world.manager)
    prepare(client, world, cycle, django_capture_on_commit_callbacks)
    report_file = ReportFile.objects.get()
    assert report_file.status == "failed"
    url = reverse("reports:office-report", args=[world.office.pk])
    page = client.get(url).content.decode()
    assert "could not be prepared" in page and "Try again" in page
    assert client.get(reverse("reports:report-file", args=[report_file.pk])).status_code == 404

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:report-file-retry", args=[report_file.pk]))
    report_file.refresh_from_db()
    assert report_file.status == "ready" and report_file.error == ""


@pytest.mark.parametrize("who", ["supervisor", "other_manager", "analyst", "official"])
def test_nobody_else_reaches_a_prepared_pdf(
    client, world, cycle, large, django_capture_on_commit_callbacks, who
):
    client.force_login(world.manager)
    prepare(client, world, cycle, django_capture_on_commit_callbacks)
    report_file = ReportFile.objects.get()
    client.force_login(getattr(world, who))
    for name in ("report-file", "report-file-status"):
        assert client.get(reverse(f"reports:{name}", args=[report_file.pk])).status_code == 404
    url = reverse("reports:report-file-retry", args=[report_file.pk])
    assert client.post(url).status_code == 404


def test_preparing_needs_a_post_and_the_right_person(client, world, cycle, large):
    url = reverse("reports:office-report-pdf-prepare", args=[world.office.pk])
    client.force_login(world.manager)
    assert client.get(url).status_code == 405
    client.force_login(world.other_manager)
    assert client.post(url, {"cycle": cycle.pk}).status_code == 404
    client.force_login(world.manager)
    assert client.post(url, {"cycle": "abc"}).status_code == 400
    assert not ReportFile.objects.exists()


def test_an_association_pdf_is_prepared_too(
    client, world, cycle, large, django_capture_on_commit_callbacks
):
    client.force_login(world.analyst)
    url = reverse("reports:association-report-pdf-prepare", args=[world.association.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"cycle": cycle.pk})
    assert response.status_code == 302
    assert ReportFile.objects.get().status == "ready"
    client.force_login(world.other_analyst)
    assert client.post(url, {"cycle": cycle.pk}).status_code == 404


def test_site_administrators_see_prepared_pdfs_without_their_content(
    client, world, cycle, large, django_capture_on_commit_callbacks
):
    client.force_login(world.manager)
    prepare(client, world, cycle, django_capture_on_commit_callbacks)
    client.force_login(world.site_admin)
    response = client.get(reverse("admin:reports_reportfile_changelist"))
    assert response.status_code == 200 and "Ready" in response.content.decode()
    report_file = ReportFile.objects.get()
    detail = client.get(reverse("admin:reports_reportfile_change", args=[report_file.pk]))
    assert detail.status_code == 200 and "%PDF" not in detail.content.decode()


def queue_without_worker(client, world, cycle):
    """Request a PDF whose task never runs, as when the worker dies mid-render."""
    client.force_login(world.manager)
    client.post(
        reverse("reports:office-report-pdf-prepare", args=[world.office.pk]), {"cycle": cycle.pk}
    )
    return ReportFile.objects.get()


def test_a_pdf_whose_worker_died_is_shown_as_failed_and_can_be_retried(
    client, world, cycle, large, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    report_file = queue_without_worker(client, world, cycle)
    status_url = reverse("reports:report-file-status", args=[report_file.pk])
    assert client.get(status_url).json()["status"] == "pending"

    ReportFile.objects.filter(pk=report_file.pk).update(
        queued_at=timezone.now() - timedelta(seconds=settings.REPORT_FILE_TIMEOUT + 1)
    )
    assert client.get(status_url).json()["status"] == "failed"
    page = client.get(reverse("reports:office-report", args=[world.office.pk])).content.decode()
    assert "the background worker stopped" in page and "Try again" in page
    assert client.get(reverse("reports:report-file", args=[report_file.pk])).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:report-file-retry", args=[report_file.pk]))
    report_file.refresh_from_db()
    assert report_file.status == "ready" and bytes(report_file.content).startswith(b"%PDF")


def test_a_late_worker_does_not_overwrite_a_file_marked_failed(client, world, cycle, large):
    from reports.tasks import render_report_file

    report_file = queue_without_worker(client, world, cycle)
    ReportFile.objects.filter(pk=report_file.pk).update(status="failed", error="stopped")
    render_report_file.call(report_file.pk)
    report_file.refresh_from_db()
    assert (report_file.status, report_file.error, bytes(report_file.content)) == (
        "failed",
        "stopped",
        b"",
    )


def test_a_recent_pending_pdf_is_left_to_its_worker(client, world, cycle, large):
    report_file = queue_without_worker(client, world, cycle)
    client.post(reverse("reports:report-file-retry", args=[report_file.pk]))
    report_file.refresh_from_db()
    assert report_file.status == "pending"
