"""My training (hours, registrations, reported training) and the manager's hours per
person of the office, with its CSV: what each shows, to whom, in a fixed number of queries."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from education import services
from education.models import Attendance, Course, Offering, Registration

from ..factories import MembershipFactory
from ..pledges.conftest import fresh_login
from .selfreport_helpers import private_media, report_for, standards

__all__ = ["private_media"]


def course(world, edition, title="Chain of custody for ballots", hours="6", numbers=(3,)):
    made = Course.objects.create(
        office=world.office,
        title=title,
        provider="Riverside County Elections",
        format=Course.Format.IN_PERSON,
        hours=Decimal(hours),
        created_by=world.manager,
    )
    made.standards.set(standards(edition, *numbers))
    return made


def offering(made, days: int) -> Offering:
    starts = timezone.now() + datetime.timedelta(days=days)
    return Offering.objects.create(
        course=made, starts_at=starts, ends_at=starts + datetime.timedelta(hours=6), place="Room 2"
    )


def attended(world, person, made, days_ago=40):
    """A past offering the person attended, its hours on the ledger."""
    held = offering(made, -days_ago)
    Registration.objects.create(offering=held, user=person)
    attendance = Attendance.objects.create(
        offering=held, user=person, source=Attendance.Source.LIST, recorded_by=world.manager
    )
    return services.credit_add(
        user=person,
        hours=made.hours,
        earned_on=held.starts_at.date(),
        course=made,
        attendance=attendance,
        standards=made.standards.all(),
    )


def approved(world, person, edition, hours="2.5", by=None, **extra):
    report = report_for(person, hours=hours, edition=edition, **extra)
    return services.self_report_approve(report=report, by=by or world.manager, version=1)


def queries(client, url, **params) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    return len(ctx.captured_queries), response


# ----------------------------------------------------------------------------- my training


def test_my_training_shows_hours_registrations_and_reports(client, world, edition):
    made = course(world, edition)
    attended(world, world.official, made)
    approved(world, world.official, edition, hours="2.5")  # standards 2 and 5
    old = report_for(world.official, title="Ethics refresher", edition=edition)
    services.self_report_return(
        report=old, by=world.manager, version=1, note="The certificate names someone else."
    )
    Registration.objects.create(offering=offering(made, 10), user=world.official)
    fresh_login(client, world.official)
    response = client.get(reverse("education:my-training"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert '<dd class="col-sm-7 col-lg-9" data-hours="total">8.50</dd>' in page
    assert '<dd class="col-sm-7 col-lg-9" data-hours="recent">8.50</dd>' in page
    hours = response.context["hours"]
    assert [(row.number, row.hours) for row in hours.by_standard] == [
        (2, Decimal("2.5")),
        (3, Decimal("6")),
        (5, Decimal("2.5")),
    ]
    assert "Room 2" in page and "1 past course" in page
    assert "Ethics refresher" in page and "The certificate names someone else." in page
    assert 'data-state="returned"' in page and "Correct and send again" in page
    assert "Report training you took elsewhere" in page


def test_my_training_shows_only_my_own(client, world, edition):
    approved(world, world.colleague, edition, title="Colleague's course")
    fresh_login(client, world.official)
    page = client.get(reverse("education:my-training")).content.decode()
    assert "Colleague's course" not in page
    assert "No hours yet." in page


def test_someone_without_an_office_sees_the_page_without_the_report_button(client, world):
    fresh_login(client, world.analyst)
    response = client.get(reverse("education:my-training"))
    assert response.status_code == 200
    assert b"Report training you took elsewhere" not in response.content


def grow_personal(world, edition, n):
    made = course(world, edition)
    for k in range(n):
        attended(world, world.official, made, days_ago=30 + k)
        report_for(world.official, title=f"Workshop {k}", edition=edition)
        Registration.objects.create(offering=offering(made, 5 + k), user=world.official)


@pytest.mark.parametrize("n", [1, 8])
def test_my_training_reads_a_fixed_number_of_queries(client, world, edition, n):
    grow_personal(world, edition, n)
    fresh_login(client, world.official)
    url = reverse("education:my-training")
    client.get(url)
    # session, user with membership; registrations; the ledger with its standards;
    # programs (enrolments); calendar feed; reports
    count, response = queries(client, url)
    assert response.status_code == 200
    assert count == 7


# ----------------------------------------------------------------------------- office hours


def test_the_office_hours_list_everyone_with_their_hours(client, world, edition):
    attended(world, world.official, course(world, edition))
    approved(world, world.colleague, edition, hours="1.25")
    report_for(world.supervisor, title="Waiting one")
    approved(world, world.other_official, edition, hours="7", by=world.other_manager)
    fresh_login(client, world.manager)
    response = client.get(reverse("education:office-hours"))
    assert response.status_code == 200
    rows = {m.user.pk: m for m in response.context["listing"].objects}
    assert set(rows) == {
        world.manager.pk,
        world.supervisor.pk,
        world.official.pk,
        world.other_supervisor.pk,
        world.colleague.pk,
    }
    assert rows[world.official.pk].hours_total == Decimal(6)
    assert rows[world.colleague.pk].hours_total == Decimal("1.25")
    assert rows[world.supervisor.pk].reports_waiting == 1
    assert rows[world.manager.pk].hours_total == 0


def test_the_office_hours_are_searchable(client, world, edition):
    fresh_login(client, world.manager)
    response = client.get(reverse("education:office-hours"), {"q": "olivia"})
    assert [m.user for m in response.context["listing"].objects] == [world.official]
    bad = client.get(reverse("education:office-hours"), {"q": "x" * 500})
    assert bad.status_code == 400


def test_the_office_hours_csv_has_a_row_per_person_and_is_audited(client, world, edition):
    world.colleague.full_name = "=HYPERLINK(1)"
    world.colleague.save()
    approved(world, world.colleague, edition, hours="3")
    attended(world, world.official, course(world, edition, hours="6"), days_ago=500)
    fresh_login(client, world.manager)
    response = client.get(reverse("education:office-hours-csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="training-hours-')
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["Name", "Email", "Role", "Hours in all", "Hours in the last 12 months"]
    by_email = {row[1]: row for row in rows[1:]}
    assert len(by_email) == 5
    assert by_email[world.official.email][3:5] == ["6.00", "0.00"]
    assert by_email[world.colleague.email][0] == "'=HYPERLINK(1)"
    assert by_email[world.colleague.email][3:5] == ["3.00", "3.00"]
    entry = AuditEntry.objects.get(action="report.exported")
    assert entry.details["report"] == "education-hours" and entry.office == world.office


@pytest.mark.parametrize("route", ["education:office-hours", "education:office-hours-csv"])
@pytest.mark.parametrize(
    ("who", "status"),
    [("manager", 200), ("other_manager", 200), ("supervisor", 403), ("official", 403),
     ("analyst", 403), ("site_admin", 403)],
)  # fmt: skip
def test_only_a_manager_reads_hours_and_only_their_own_office(client, world, route, who, status):
    approved(world, world.official, None, hours="4")
    fresh_login(client, getattr(world, who))
    response = client.get(reverse(route))
    assert response.status_code == status
    if status == 200:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert (world.official.email.encode() in body) == (who == "manager")


@pytest.mark.parametrize("n", [1, 12])
def test_office_hours_and_the_queue_read_a_fixed_number_of_queries(client, world, edition, n):
    for k in range(n):
        person = MembershipFactory(office=world.office).user
        approved(world, person, edition, hours="1.5")
        report_for(person, title=f"Waiting {k}")
    fresh_login(client, world.manager)
    hours_url = reverse("education:office-hours")
    queue_url = reverse("education:selfreport-queue")
    client.get(hours_url)
    # session, user with membership; count, page (hours and waiting reports in subqueries)
    count, response = queries(client, hours_url)
    assert (count, response.status_code) == (4, 200)
    assert len(response.context["listing"].objects) == n + 5
    # session, user with membership; count, page; own waiting
    count, response = queries(client, queue_url)
    assert (count, response.status_code) == (5, 200)
    assert len(response.context["listing"].objects) == n
