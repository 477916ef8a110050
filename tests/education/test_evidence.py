"""Evidence files: accepted only as a PDF, PNG or JPEG by what they contain, within the
size limit, stored privately under a random name, downloaded only by the person and
their office's managers, always as an attachment."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEntry
from education.evidence import check_evidence, private_storage

from ..factories import MembershipFactory
from ..pledges.conftest import fresh_login
from .selfreport_helpers import PDF, image_bytes, private_media, report_for, upload

__all__ = ["private_media"]  # fixture used by every test here (autouse)


def test_a_pdf_is_recognised_by_its_content():
    checked = check_evidence(upload(PDF, "Certificate (final).PDF"))
    assert checked.content_type == "application/pdf"
    assert checked.extension == ".pdf"
    assert checked.size == len(PDF)
    assert checked.original_name == "Certificate (final).PDF"


@pytest.mark.parametrize(("kind", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_an_image_is_decoded_and_typed_by_its_content(kind, content_type):
    # Named .pdf and sent as a PDF: the content decides, and it is kept as the image it is.
    checked = check_evidence(upload(image_bytes(kind), "scan.pdf", "application/pdf"))
    assert checked.content_type == content_type


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.pdf", "The file is empty."),
        (b"<html><script>alert(1)</script></html>", "certificate.pdf", "Only a PDF, PNG or JPEG"),
        (b"MZ\x90\x00\x03" + b"\x00" * 200, "certificate.pdf", "Only a PDF, PNG or JPEG"),
        (b"GIF89a" + b"\x00" * 50, "certificate.gif", "Only a PDF, PNG or JPEG"),
        (b"%PDF-1.7\n1 0 obj <<>> endobj\n", "cut-off.pdf", "This PDF is incomplete"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "broken.png", "This image could not be read"),
        (b"\xff\xd8\xff\xe0" + b"garbage" * 10, "broken.jpg", "This image could not be read"),
    ],
)
def test_anything_else_is_refused_with_a_plain_reason(content, name, message):
    with pytest.raises(ValidationError) as refused:
        check_evidence(upload(content, name))
    assert message in refused.value.messages[0]


def test_a_truncated_image_is_refused():
    whole = image_bytes("PNG", (200, 200))
    with pytest.raises(ValidationError, match="could not be read"):
        check_evidence(upload(whole[: len(whole) // 2], "half.png", "image/png"))


def test_a_file_over_the_limit_is_refused(settings):
    settings.EVIDENCE_MAX_BYTES = 65_536
    big = PDF[:-6] + b"%" + b"x" * 70_000 + b"\n%%EOF\n"
    with pytest.raises(ValidationError, match=r"larger than 0\.0625 MB"):
        check_evidence(upload(big))
    # A file that says it is small but holds more is measured by what it holds.
    lying = upload(big)
    lying.size = 10
    with pytest.raises(ValidationError, match="larger than"):
        check_evidence(lying)


def test_an_image_asking_for_huge_memory_is_refused_before_decoding():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (8000, 6000)).save(buffer, "PNG")  # 48 million pixels, a few KB
    with pytest.raises(ValidationError, match="too large"):
        check_evidence(upload(buffer.getvalue(), "bomb.png", "image/png"))


def test_the_original_name_is_kept_only_as_plain_text():
    checked = check_evidence(upload(PDF, "..\\..\\etc/pass\u202ewd.pdf"))
    assert checked.original_name == "passwd.pdf"


def test_the_file_is_stored_privately_under_a_random_name(world, private_media):
    report = report_for(world.official)
    stored = Path(private_storage().path(report.evidence.name))
    assert stored.is_file() and stored.read_bytes() == PDF
    assert stored.is_relative_to(Path(private_media).resolve())
    assert not stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert "certificate" not in report.evidence.name
    assert report.evidence.name.startswith("education/evidence/")
    assert report.evidence.name.endswith(".pdf")
    assert report.evidence_name == "certificate.pdf"
    assert report.evidence_type == "application/pdf"
    assert stored.stat().st_mode & 0o077 == 0  # readable by the portal's user alone
    with pytest.raises(ValueError, match="no address"):
        report.evidence.url


def test_the_private_folder_is_outside_the_served_media_and_not_committed():
    from standards_portal import settings as configured

    private = Path(configured.PRIVATE_MEDIA_DEFAULT).resolve()
    assert not private.is_relative_to(Path(configured.MEDIA_ROOT).resolve())
    assert not private.is_relative_to(Path(configured.STATIC_ROOT).resolve())
    relative = private.relative_to(Path(configured.BASE_DIR).resolve())
    ignored = (Path(configured.BASE_DIR) / ".gitignore").read_text().splitlines()
    assert f"/{relative.parts[0]}/" in ignored


def test_the_person_downloads_their_evidence_as_an_attachment(client, world):
    report = report_for(world.official)
    fresh_login(client, world.official)
    response = client.get(reverse("education:selfreport-evidence", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="training-evidence-{report.pk}.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response) == PDF
    entry = AuditEntry.objects.get(action="education.evidence_downloaded")
    assert entry.actor == world.official and entry.office == world.office


def test_an_image_downloads_with_its_own_type_never_as_a_page(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from education import services

    report = report_for(world.official)
    png = image_bytes("PNG")
    report.state = "returned"
    report.decided_at = report.created_at
    report.save()
    services.self_report_resubmit(
        report=report,
        by=world.official,
        version=report.version,
        title=report.title,
        provider=report.provider,
        completed_on=report.completed_on,
        hours=report.hours,
        evidence=check_evidence(SimpleUploadedFile("photo.html", png, "text/html")),
    )
    fresh_login(client, world.manager)
    response = client.get(reverse("education:selfreport-evidence", args=[report.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"].endswith('.png"')


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("official", 200),
        ("manager", 200),
        ("supervisor", 404),
        ("colleague", 404),
        ("other_manager", 404),
        ("analyst", 404),
        ("site_admin", 404),
    ],
)
def test_only_the_person_and_the_office_managers_download_the_evidence(client, world, who, status):
    report = report_for(world.official)
    fresh_login(client, getattr(world, who))
    response = client.get(reverse("education:selfreport-evidence", args=[report.pk]))
    assert response.status_code == status
    downloads = AuditEntry.objects.filter(action="education.evidence_downloaded").count()
    assert downloads == (1 if status == 200 else 0)


def test_a_manager_who_left_the_office_no_longer_downloads(client, world):
    from django.utils import timezone

    report = report_for(world.official)
    world.manager.memberships.update(ended_at=timezone.now())
    MembershipFactory(user=world.manager, office=world.other_office, role="manager")
    fresh_login(client, world.manager)
    response = client.get(reverse("education:selfreport-evidence", args=[report.pk]))
    assert response.status_code == 404


def test_a_missing_file_is_a_404_not_an_error(client, world):
    report = report_for(world.official)
    private_storage().delete(report.evidence.name)
    fresh_login(client, world.official)
    response = client.get(reverse("education:selfreport-evidence", args=[report.pk]))
    assert response.status_code == 404
