"""PDFs read back as text; CSVs escaped, streamed, identified only for managers."""

import csv
import io
import itertools

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from pypdf import PdfReader

from assessments.models import ItemResponse
from core.documents import csv_safe as safe
from reports.selectors import office_report

from .conftest import staff_with_answers

# After the rows of answers: a blank row, the participation header, the staff row.
PARTICIPATION_ROWS = 3


def read_csv(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def pdf_text(content: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_cells_that_a_spreadsheet_would_run_are_neutralised():
    for dangerous in ["=SUM(A1)", "+1", "-2+3", "@cmd", "\tx", "\rx"]:
        assert safe(dangerous) == "'" + dangerous
    assert safe("Plain text") == "Plain text"
    assert safe(-1) == -1  # numbers stay numbers


def test_the_office_pdf_has_a_cover_a_title_and_the_figures(client, world, cycle):
    staff_with_answers(world.office, cycle, [1, 2, 3, 4, 4])
    client.force_login(world.manager)
    response = client.get(reverse("reports:office-report-pdf", args=[world.office.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    reader, text = pdf_text(response.content)
    assert reader.metadata.title == f"Office report: {world.office.name}, {cycle.name}"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged
    cover = reader.pages[0].extract_text()
    assert world.office.name in cover and "2026 cycle" in cover and "Generated" in cover
    assert "2.80" in text  # the hand-computed average of 1, 2, 3, 4, 4
    assert f"2 / {len(reader.pages)}" in reader.pages[1].extract_text()  # page numbers
    assert "Staff by standard" in text


def test_a_suppressed_team_pdf_shows_no_figures(client, world, cycle):
    staff_with_answers(world.office, cycle, [1, 2, 3, 4], reports_to=world.supervisor)
    client.force_login(world.supervisor)
    response = client.get(reverse("reports:office-report-pdf", args=[world.office.pk]))
    _reader, text = pdf_text(response.content)
    assert "The results are suppressed" in " ".join(text.split())
    assert "2.50" not in text


def test_a_manager_gets_one_row_per_person_and_item_escaped(client, world, cycle):
    (user,) = staff_with_answers(world.office, cycle, [3])
    ItemResponse.objects.filter(assessment__user=user).update(comment="=HYPERLINK(evil)")
    user.full_name = "+Mallory"
    user.save()
    client.force_login(world.manager)
    rows = read_csv(client.get(reverse("reports:office-report-csv", args=[world.office.pk])))
    assert rows[0][:3] == ["name", "email", "role"]
    assert len(rows) == 1 + 38 + PARTICIPATION_ROWS
    assert rows[1][0] == "'+Mallory"
    assert rows[1][-1] == "'=HYPERLINK(evil)"
    assert rows[1][7] == "3"


def test_a_supervisor_gets_aggregate_rows_only(client, world, cycle):
    people = staff_with_answers(world.office, cycle, [1, 2, 3, 4, 4], reports_to=world.supervisor)
    client.force_login(world.supervisor)
    rows = read_csv(client.get(reverse("reports:office-report-csv", args=[world.office.pk])))
    assert rows[0][:3] == ["level", "code", "title"]
    needs_at = next(n for n, row in enumerate(rows) if row[:1] == ["training_need"])
    assert rows[:needs_at][-1] == []  # a blank row before the training needs
    assert len(rows[: needs_at - 1]) == 1 + 10 + 38 + PARTICIPATION_ROWS
    # Two of five rated every item 1 or 2 (40 %): each of the 38 items is a training need.
    assert len(rows[needs_at + 1 :]) == 38
    assert rows[2][:9] == ["item", "1.1", rows[2][2], "1", "1", "1", "2", "0", "2.80"]
    flat = str(rows)
    assert all(p.email not in flat and p.full_name not in flat for p in people)


def test_suppressed_rows_in_csv_carry_no_numbers(world, cycle):
    from reports.exports import office_report_csv

    staff_with_answers(world.office, cycle, [1, 2, 3, 4])
    report = office_report(world.office, cycle)
    _name, _type, chunks = office_report_csv(report)
    rows = list(csv.reader(io.StringIO("".join(chunks).lstrip("\ufeff"))))
    items = list(itertools.takewhile(bool, rows[1:]))  # participation follows a blank row
    assert items and all(
        row[3:9] == ["", "", "", "", "", ""] and row[9] == "suppressed" for row in items
    )


def test_the_association_csv_and_pdf(client, world, cycle):
    staff_with_answers(world.office, cycle, [1, 2, 3, 4, 4])
    client.force_login(world.analyst)
    rows = read_csv(
        client.get(reverse("reports:association-report-csv", args=[world.association.pk]))
    )
    assert rows[0][0] == "office"
    assert rows[1][0] == world.office.name and rows[1][6] == "2.80"
    response = client.get(reverse("reports:association-report-pdf", args=[world.association.pk]))
    reader, text = pdf_text(response.content)
    assert world.association.name in reader.pages[0].extract_text()
    assert "Member offices" in text and "2.80" in text


# Each export also writes one audit entry. The manager's report is identified and
# suppresses nothing, so one person costs what thirty do.
@pytest.mark.parametrize(("people", "queries"), [(1, 10), (5, 10), (30, 10)])
def test_the_identified_csv_runs_a_fixed_number_of_queries(
    client, world, cycle, django_assert_num_queries, people, queries
):
    staff_with_answers(world.office, cycle, [3] * people)
    warm_edition(cycle)  # read once per server process
    client.force_login(world.manager)
    url = reverse("reports:office-report-csv", args=[world.office.pk])
    with django_assert_num_queries(queries):
        rows = read_csv(client.get(url))
    assert len(rows) == 1 + 38 * people + PARTICIPATION_ROWS


@pytest.mark.parametrize("offices", [0, 6])
def test_the_association_csv_runs_a_fixed_number_of_queries(
    client, world, cycle, django_assert_num_queries, offices
):
    from ..factories import OfficeFactory

    staff_with_answers(world.office, cycle, [3] * 5)
    for n in range(offices):
        office = OfficeFactory(name=f"Member {n}")
        world.association.offices.add(office)
        staff_with_answers(office, cycle, [2] * 5)
    warm_edition(cycle)  # read once per server process
    client.force_login(world.analyst)
    url = reverse("reports:association-report-csv", args=[world.association.pk])
    # Including the audit entry; the results and the trend are read in one query.
    with django_assert_num_queries(9):
        read_csv(client.get(url))


def warm_edition(cycle):
    from assessments.selectors import rating_scale, standards_with_items

    standards_with_items(cycle.edition_id)
    rating_scale(cycle.edition_id)
