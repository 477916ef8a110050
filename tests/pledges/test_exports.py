import io
import time

from pypdf import PdfReader

from core.documents import static_file as _static_path
from pledges.exports import pledge_certificate_pdf, verification_url

from .conftest import sign


def test_the_certificate_is_a_tagged_letter_pdf_with_the_signed_text(world, cycle, settings):
    pledge = sign(world.official, cycle, typed_name="Olivia Q. Chen")
    started = time.perf_counter()
    filename, content_type, data = pledge_certificate_pdf(pledge)
    elapsed = time.perf_counter() - started
    assert content_type == "application/pdf"
    assert filename.startswith("pledge-certificate-2026-") and filename.endswith(".pdf")
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Olivia Q. Chen" in text
    assert pledge.verification_code in text
    assert world.office.name in text
    assert "2026" in text
    assert "I uphold the Constitution of the United States" in text
    assert "I strive to maintain the highest level of integrity in performing all duties" in text
    assert pledge.text_sha256 in text.replace(" ", "")
    assert "Olivia Q. Chen" in reader.metadata.title
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "en"
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(width), round(height)) == (612, 792)
    assert len(reader.pages) == 1
    assert elapsed < 5


def test_the_qr_code_points_at_the_public_verification_page(world, cycle, settings):
    settings.SITE_URL = "https://portal.example.org"
    pledge = sign(world.official, cycle)
    assert verification_url(pledge) == f"https://portal.example.org/v/{pledge.verification_code}"
    _, _, data = pledge_certificate_pdf(pledge)
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "portal.example.org" in " ".join(text.split()).replace(" ", "")


def test_the_fetcher_only_reads_static_files_from_disk(settings):
    assert _static_path("/static/css/certificate.css").name == "certificate.css"
    assert _static_path("https://example.org/evil.css") is None
    assert _static_path("file:///etc/passwd") is None
    assert _static_path("/static/../../etc/passwd") is None
