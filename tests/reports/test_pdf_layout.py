"""The layout of the report PDFs and the certificate, read back from the files.

pdftotext gives each word with its box: labels and headings must come out whole, page 1
must carry the report and not only its title, and no page but the last may stand mostly
empty. The charts' own geometry is checked where the PDF cannot tell it apart: where a
bar's value is written, and what lies under the "no data" note.
"""

import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse

from pledges.models import Pledge
from reports import charts

from ..test_pdf_accessibility import _pdf
from ..test_url_matrix import _no_throttle, matrix  # noqa: F401
from .conftest import staff_with_answers

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")

REPORTS = [
    ("manager", "reports:office-report-pdf"),
    ("analyst", "reports:association-report-pdf"),
]
WORD = re.compile(
    r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>'
)
PAGE = re.compile(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', re.S)
# The page number sits in the bottom margin (18 mm and more): it is not content.
FOOTER = 18 / 25.4 * 72


def text(data: bytes) -> str:
    result = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return result.stdout.decode()


def pages(data: bytes) -> list[tuple[float, list[tuple[float, str]]]]:
    """Per page: its height and its words as (bottom, word)."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    return [
        (float(height), [(float(bottom), word) for _top, bottom, word in WORD.findall(body)])
        for height, body in PAGE.findall(html)
    ]


def filled(height: float, words: list[tuple[float, str]]) -> float:
    """How far down the page its content reaches, as a share of the page."""
    content = [bottom for bottom, _word in words if bottom < height - FOOTER]
    return max(content, default=0) / height


@pytest.fixture
def with_results(matrix, cycle):  # noqa: F811
    """Enough people with answers that every table and chart of the reports is shown."""
    world, kwargs = matrix
    staff_with_answers(world.office, cycle, [1, 2, 3, 4, 3, 2], reports_to=world.supervisor)
    return world, kwargs


@pytest.mark.parametrize(("role", "route"), REPORTS, ids=["office", "association"])
def test_report_pdfs_keep_labels_whole_and_pages_filled(client, with_results, role, route):
    world, kwargs = with_results
    data = _pdf(client, world, kwargs, role, route)
    words = text(data)

    # Chart labels are wrapped, not cut short.
    assert "…" not in words
    assert "Ratings per item" in words
    # The "N/A" column heading stays whole.
    assert "N/A" in words and not re.search(r"N/\s*\n\s*A\b", words)

    layout = pages(data)
    first = " ".join(word for _bottom, word in layout[0][1])
    heading = "Participation" if role == "manager" else "Member offices"
    assert heading in first, "page 1 holds only the title"
    # No page but the last stops before half of it is used (no cover, no forced break).
    short = [
        (number, round(filled(height, words), 2))
        for number, (height, words) in enumerate(layout[:-1], start=1)
        if filled(height, words) < 0.5
    ]
    assert not short, f"pages mostly empty: {short}"


def test_the_certificate_heading_extracts_as_words(client, matrix):  # noqa: F811
    world, kwargs = matrix
    data = _pdf(client, world, kwargs, "official", "pledges:pledge-certificate")
    assert "CERTIFICATE OF PLEDGE" in text(data)


BOX = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>'
)
QR_COLUMN = 1.45 * 72  # certificate.css: .qr { width: 1.45in }
COLUMN_GAP = 12


@pytest.fixture
def demo_certificates(edition):
    """Every certificate of the demo: real names, offices and dates of every length."""
    from demo.seed import seed

    cache.clear()
    seed(edition)
    yield Pledge.objects.filter(withdrawn_at__isnull=True).select_related("user")
    cache.clear()


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_certificates_fingerprint_stops_before_the_qr_code(client, demo_certificates, language):
    """The record's facts and the QR code sit side by side: the long SHA-256 fingerprint
    wraps inside its column instead of running into the QR code's."""
    pledge = demo_certificates.filter(user__email="supervisor@demo.test").latest("signed_at")
    type(pledge.user).objects.filter(pk=pledge.user_id).update(preferred_language=language)
    client.force_login(pledge.user)
    response = client.get(reverse("pledges:pledge-certificate", kwargs={"pk": pledge.pk}))
    data = b"".join(response.streaming_content) if response.streaming else response.content
    boxes = subprocess.run(
        ["pdftotext", "-bbox", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    words = [(float(x0), float(y0), float(x1), word) for x0, y0, x1, word in BOX.findall(boxes)]
    (fingerprint,) = [w for w in words if re.fullmatch(r"[0-9a-f]{64}", w[3])]
    (verify,) = [w for w in words if w[3] in ("Verify", "Verif\u00edquelo")]
    # The caption's first line is centred in the QR column: its middle is the column's.
    line = [w for w in words if abs(w[1] - verify[1]) < 0.5 and w[0] >= verify[0]]
    middle = (verify[0] + max(w[2] for w in line)) / 2
    column_left = middle - QR_COLUMN / 2
    assert fingerprint[2] <= column_left - COLUMN_GAP + 0.5


def test_a_bars_value_is_written_at_its_point_not_past_last_cycles_mark():
    chart = charts.bars(
        [
            {"label": "Wide", "value": Decimal("2.12"), "marker": Decimal("2.95")},
            {"label": "Marked", "value": Decimal("2.46"), "marker": Decimal("2.40")},
            {"label": "Short", "value": Decimal("0.10"), "marker": None},
        ],
        top=4,
    )
    wide, marked, short = chart["rows"]
    end = charts.LABEL + float(wide["width"])
    # Inside its bar, ending at the bar's end: far before last cycle's mark at 2.95.
    assert wide["value_anchor"] == "end" and float(wide["value_x"]) <= end
    assert float(wide["value_x"]) < float(wide["marker_x"])
    # A mark under the value's place moves the value aside, still inside the bar.
    assert float(marked["value_x"]) <= float(marked["marker_x"]) - 4
    assert marked["value_anchor"] == "end"
    # Too short to hold it: just past the bar's end.
    assert short["value_anchor"] == "start"
    assert float(short["value_x"]) == pytest.approx(charts.LABEL + float(short["width"]) + 4)


def test_long_labels_wrap_onto_lines_and_rows_grow_to_hold_them():
    title = "3. Fair, efficient and accurate elections held with care"
    chart = charts.stacked(
        [{"label": title, "percents": [10, 20, 30, 40, 0]}, {"label": "2. Short", "percents": None}]
    )
    long, short = chart["rows"]
    assert " ".join(line["text"] for line in long["lines"]) == title
    assert len(long["lines"]) == 2
    assert all(len(line["text"]) <= charts.LABEL_CHARS for line in long["lines"])
    # The next row starts below the wrapped label's last line.
    assert float(short["lines"][0]["y"]) - float(long["lines"][-1]["y"]) >= charts.LINE


def test_no_data_note_sits_on_a_band_that_covers_the_grid_lines():
    chart = charts.bars([{"label": "Unnamed office 1", "value": None}], top=4)
    svg = render_to_string(
        "reports/_bars.html", {"chart": chart, "chart_id": "c", "title": "t", "desc": "d"}
    )
    band = re.search(r'<rect class="chart-band" x="(\d+)" y="[\d.]+" width="(\d+)"', svg)
    assert band, svg
    assert int(band[1]) == charts.LABEL and int(band[2]) == charts.BAR
    # Drawn after the grid lines, so they do not show through the note.
    assert svg.rindex("<line") < band.start() < svg.index("suppressed or no data")
