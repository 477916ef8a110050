"""Printing a page gives its content alone, whole: read back from the PDF Chromium prints."""

import subprocess

import pytest

from pledges.models import ApplicationItem

from ..factories import PASSWORD
from ..test_url_matrix import _no_throttle, matrix  # noqa: F401
from .conftest import SCREENSHOTS, sign_in

HIDDEN_IN_PRINT = ["Skip to main content", "Sign out", "My account", "Download as PDF"]


def _printed_text(page, name: str) -> str:
    """Print the page as Chromium does and read its text back with pdftotext."""
    page.emulate_media(media="print")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"print-{name}.pdf"
    page.pdf(path=str(path), format="A4", print_background=False)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return result.stdout


def _lines_with(text: str, needle: str) -> list[str]:
    return [line for line in text.splitlines() if needle in line]


@pytest.fixture
def printing(matrix):  # noqa: F811
    return matrix


def test_printed_results_hold_the_content_and_no_page_furniture(printing, page):
    world, kwargs = printing
    sign_in(page, world.official.email, PASSWORD)
    page.goto(f"/assessments/{kwargs['assessments:assessment-results']['pk']}/results/")
    page.emulate_media(media="print")
    for selector in (".portal-header", ".portal-footer", ".skip-link", "main .btn"):
        assert not page.locator(selector).first.is_visible(), selector
    text = _printed_text(page, "assessment-results")
    assert f"Results of {world.official.full_name}" in text
    for phrase in HIDDEN_IN_PRINT:
        assert phrase not in text, phrase
    # Every standard's row of the figures table is printed.
    for number in range(1, 11):
        assert _lines_with(text, f"{number}. "), number
    # The lowest-rated items are all listed (38 items, all rated 3).
    assert len(_lines_with(text, "rated 3")) == ApplicationItem.objects.count() == 38


def test_a_printed_office_report_keeps_its_wide_table_whole(printing, page):
    world, _ = printing
    sign_in(page, world.manager.email, PASSWORD)
    page.goto(f"/reports/offices/{world.office.pk}/")
    # On screen the table scrolls inside its box at this width.
    page.set_viewport_size({"width": 640, "height": 800})
    text = _printed_text(page, "office-report")
    assert "Report: Riverside County Elections" in text
    for phrase in [*HIDDEN_IN_PRINT, "Download answers as CSV"]:
        assert phrase not in text, phrase
    # The official's row carries an average for each of the ten standards.
    (row,) = _lines_with(text, world.official.full_name)
    assert row.split().count("3.00") == 10, row


def test_printing_the_pledge_opens_what_is_folded_on_screen(printing, page):
    world, _ = printing
    item = ApplicationItem.objects.order_by("position").first()
    sign_in(page, world.supervisor.email, PASSWORD)
    page.goto("/pledges/sign/")
    assert not page.get_by_text(item.text[:40]).is_visible()
    text = " ".join(_printed_text(page, "pledge-sign").split())
    assert item.text[:40] in text
    assert "Sign the 2026 pledge" in text
