import csv
import io
from pathlib import Path

from pypdf import PdfReader

from ..factories import PASSWORD, OfficeFactory
from ..reports.conftest import staff_with_answers
from .conftest import SCREENSHOTS, office_menu, sign_in


def test_a_manager_reads_the_office_report_and_downloads_the_pdf(page, world, cycle, axe):
    staff_with_answers(world.office, cycle, [1, 2, 3, 4, 4, 3], reports_to=world.supervisor)
    staff_with_answers(world.office, cycle, [2, 3, 3, 4, 3], reports_to=world.other_supervisor)
    page.set_default_timeout(30_000)  # PDFs take a second or more on a loaded machine
    sign_in(page, world.manager.email, PASSWORD)
    office_menu(page, "Office report")
    page.wait_for_url(f"**/reports/offices/{world.office.pk}/")
    assert "Average and distribution per standard" in page.content()
    axe(page, "reports-office")

    page.get_by_label("Team").select_option(label=f"Team of {world.supervisor.full_name}")
    page.get_by_role("button", name="Show").press("Enter")
    page.wait_for_url("**/reports/offices/*/?*team=*")
    assert f"Team of {world.supervisor.full_name}" in page.content()
    axe(page, "reports-office-team")

    page.goto(f"/reports/offices/{world.office.pk}/")
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("link", name="Download as PDF").click()
    download = info.value
    path = Path(download.path())
    assert download.suggested_filename.endswith(".pdf")
    reader = PdfReader(path)
    assert world.office.name in reader.pages[0].extract_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "office-report.pdf").write_bytes(path.read_bytes())


def test_an_analyst_reads_the_association_report_and_downloads_the_csv(page, world, cycle, axe):
    staff_with_answers(world.office, cycle, [1, 2, 3, 4, 4, 3])
    quiet = OfficeFactory(name="Quiet County", named_in_benchmarks=False)
    world.association.offices.add(quiet)
    staff_with_answers(quiet, cycle, [2, 2, 3])
    sign_in(page, world.analyst.email, PASSWORD)
    page.get_by_role("link", name="Association report").click()
    page.wait_for_url(f"**/reports/associations/{world.association.pk}/")
    assert "Unnamed office 1" in page.content() and "Quiet County" not in page.content()
    axe(page, "reports-association")

    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("link", name="Download as CSV").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "office"
    assert "Quiet County" not in text


def test_a_supervisor_sees_a_suppressed_team_report_and_a_clear_400(page, world, cycle, axe):
    staff_with_answers(world.office, cycle, [1, 2, 3], reports_to=world.supervisor)
    sign_in(page, world.supervisor.email, PASSWORD)
    page.get_by_role("link", name="Office report").click()
    page.wait_for_url(f"**/reports/offices/{world.office.pk}/")
    assert "The results are suppressed" in page.content()
    axe(page, "reports-office-suppressed")
    response = page.goto(f"/reports/offices/{world.office.pk}/?cycle=abc")
    assert response.status == 400
    assert "Choose a cycle from the list." in page.content()
    axe(page, "reports-bad-filter")
