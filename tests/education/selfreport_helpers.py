"""What the self-report tests share: real evidence files (a PDF, PNG and JPEG made here),
the private folder under the test's own temporary directory, and a report made through
the services."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from education import services
from education.evidence import check_evidence
from pledges.models import Standard

# A small PDF as a word processor would save it: the header, one empty page, the trailer.
PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n"
    b"%%EOF\n"
)


def image_bytes(kind: str = "PNG", size=(40, 30)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 60, 120)).save(buffer, kind)
    return buffer.getvalue()


def upload(content: bytes = PDF, name: str = "certificate.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Evidence goes to a folder of this test's own, never to the working copy."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.PRIVATE_MEDIA_ROOT


def standards(edition, *numbers):
    return list(Standard.objects.filter(edition=edition, number__in=numbers).order_by("number"))


def report_for(user, *, hours="3.5", title="Election security workshop", edition=None, **extra):
    """A report submitted through the service, with a PDF as evidence."""
    fields = {
        "title": title,
        "provider": "State Association of Election Officials",
        "completed_on": datetime.date.today() - datetime.timedelta(days=20),
        "hours": Decimal(hours),
        "standards": standards(edition, 2, 5) if edition is not None else (),
    }
    fields.update(extra)
    return services.self_report_submit(user=user, evidence=check_evidence(upload()), **fields)


def form_data(**overrides) -> dict:
    data = {
        "title": "Voter registration law update",
        "provider": "Secretary of State",
        "completed_on": (datetime.date.today() - datetime.timedelta(days=3)).isoformat(),
        "hours": "2.5",
    }
    data.update(overrides)
    return data
