"""Reports count election workers apart: never in the assessment figures, their pledges
beside the staff's (office report page, PDF and CSV; association report)."""

import csv
import io

import pytest
from django.urls import reverse

from accounts.models import Membership
from reports.exports import office_report_csv
from reports.selectors import association_report, office_report

from ..factories import MembershipFactory
from ..pledges.conftest import sign
from .conftest import staff_with_answers

WORKER = Membership.Role.ELECTION_WORKER


def workers(office, n, cycle=None, signed=0):
    people = [MembershipFactory(office=office, role=WORKER).user for _ in range(n)]
    for person in people[:signed]:
        sign(person, cycle)
    return people


def test_the_office_funnel_counts_staff_and_workers_apart(world, cycle):
    staff_with_answers(world.office, cycle, [3, 3, 4, 2, 3])
    workers(world.office, 7, cycle, signed=4)
    report = office_report(world.office, cycle, identified=True)
    staff = Membership.objects.filter(office=world.office, ended_at__isnull=True).exclude(
        role=WORKER
    )
    assert report.funnel.staff == staff.count()
    assert report.funnel.pledged == 0
    assert (report.funnel.workers, report.funnel.workers_pledged) == (7, 4)
    assert report.funnel.workers_percent == 57
    assert report.respondents == 5
    assert all(p.membership.role != WORKER for p in report.people)


def test_the_office_page_and_csv_show_workers_apart(client, world, cycle):
    staff_with_answers(world.office, cycle, [3, 3, 4, 2, 3])
    workers(world.office, 6, cycle, signed=6)
    client.force_login(world.manager)
    page = client.get(reverse("reports:office-report", args=[world.office.pk])).content.decode()
    assert "Election workers in figures" in page and "100 %" in page
    _name, _type, chunks = office_report_csv(office_report(world.office, cycle, identified=True))
    rows = list(csv.reader(io.StringIO("".join(chunks).lstrip("\ufeff"))))
    assert ["election_workers", "6", "6", "", "", "no self-assessment"] in rows


def test_the_pdf_shows_workers_apart(client, world, cycle):
    from pypdf import PdfReader

    staff_with_answers(world.office, cycle, [3, 3, 4, 2, 3])
    workers(world.office, 3, cycle, signed=1)
    client.force_login(world.manager)
    response = client.get(reverse("reports:office-report-pdf", args=[world.office.pk]))
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Election workers in figures" in text


def test_a_team_hides_a_small_number_of_workers(world, cycle):
    staff_with_answers(world.office, cycle, [3] * 6, reports_to=world.supervisor)
    staff_with_answers(world.office, cycle, [3] * 6, reports_to=world.other_supervisor)
    MembershipFactory(office=world.office, role=WORKER, reports_to=world.supervisor)
    report = office_report(world.office, cycle, team_lead=world.supervisor)
    assert report.funnel.workers == 1 and report.funnel.workers_hidden
    assert report.funnel.workers_pledged is None


@pytest.mark.parametrize(("count", "hidden"), [(3, True), (8, False)])
def test_the_association_report_suppresses_few_workers(world, cycle, count, hidden):
    staff_with_answers(world.office, cycle, [3] * 6)
    workers(world.office, count, cycle, signed=2)
    report = association_report(world.association, cycle)
    line = next(line for line in report.offices if line.office == world.office)
    assert line.workers == count and line.workers_hidden == hidden
    assert (
        line.staff
        == Membership.objects.filter(office=world.office, ended_at__isnull=True)
        .exclude(role=WORKER)
        .count()
    )
    assert line.workers_pledged_rate == (None if hidden else 25)
