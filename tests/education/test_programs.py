"""Defining, changing and closing programs (association administrators); enrolling and
leaving (people of member offices); the office's and the association's pages."""

import csv
import io
from decimal import Decimal

import pytest

from accounts.models import AuditEntry
from education import services
from education.models import Enrollment, Program, ProgramOfficeSummary

from ..factories import AssociationRoleFactory, MembershipFactory, OfficeFactory
from .program_helpers import course, days_ago, earn, program, standards_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.association_admin)
    return client


def form_data(**extra):
    data = {
        "name": "Certified Elections Administrator",
        "description": "Forty hours every two years.",
        "hours_required": "40",
        "period_months": "24",
    }
    data.update(extra)
    return data


# --- defining ----------------------------------------------------------------------------


def test_an_administrator_defines_a_program_with_required_courses_and_standards(
    admin_client, world, edition
):
    required = course(world.association, by=world.association_admin)
    data = form_data(
        association=world.association.pk,
        required_courses=[required.pk],
        required_standards=[s.pk for s in standards_of(edition, 2, 5)],
    )
    response = admin_client.post("/education/programs/new/", data)
    made = Program.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/education/programs/{made.pk}/"
    assert (made.hours_required, made.period_months) == (Decimal(40), 24)
    assert list(made.required_courses.all()) == [required]
    assert sorted(s.number for s in made.required_standards.all()) == [2, 5]
    entry = AuditEntry.objects.get(action="education.program_created")
    assert entry.actor == world.association_admin
    page = admin_client.get(response["Location"])
    assert "Forty hours every two years." in page.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hours_required", "0", "greater than or equal to 0.5"),
        ("hours_required", "abc", "Enter a number."),
        ("hours_required", "1001", "less than or equal to 1000"),
        ("period_months", "0", "greater than or equal to 1"),
        ("period_months", "121", "less than or equal to 120"),
        ("name", "", "This field is required."),
        ("name", "A\u202ename", ""),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(
    admin_client, world, field, value, message
):
    data = form_data(association=world.association.pk, **{field: value})
    response = admin_client.post("/education/programs/new/", data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Program.objects.exists()


def test_a_course_of_another_association_cannot_be_required(admin_client, world):
    foreign = course(world.other_association, by=world.other_analyst, title="Elsewhere")
    data = form_data(association=world.association.pk, required_courses=[foreign.pk])
    response = admin_client.post("/education/programs/new/", data)
    assert response.status_code == 422
    assert not Program.objects.exists()


def test_a_second_program_of_the_same_name_is_refused(admin_client, world):
    program(world.association, by=world.association_admin, name="CERA")
    data = form_data(association=world.association.pk, name="cera")
    response = admin_client.post("/education/programs/new/", data)
    assert response.status_code == 422
    assert "already has a program by this name" in response.content.decode()
    assert Program.objects.count() == 1


def test_the_same_form_sent_twice_defines_one_program(admin_client, world):
    data = form_data(
        association=world.association.pk, submission="6a1e2f5c-0d2b-4c3e-9f00-1b2c3d4e5f60"
    )
    first = admin_client.post("/education/programs/new/", data)
    second = admin_client.post("/education/programs/new/", data)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Program.objects.count() == 1


def test_an_analyst_may_read_but_not_define_or_change(client, world):
    made = program(world.association, by=world.association_admin)
    client.force_login(world.analyst)
    assert client.get(f"/education/programs/{made.pk}/").status_code == 200
    assert client.get("/education/programs/new/").status_code == 403
    assert client.get(f"/education/programs/{made.pk}/edit/").status_code == 403
    assert client.post(f"/education/programs/{made.pk}/close/").status_code == 403
    assert Program.objects.get().is_active


def test_changing_a_program_from_a_stale_page_is_refused_and_shows_it_as_it_is(admin_client, world):
    made = program(world.association, by=world.association_admin, hours="16")
    url = f"/education/programs/{made.pk}/edit/"
    first = admin_client.post(url, form_data(version=made.version, hours_required="20"))
    assert first.status_code == 302
    stale = admin_client.post(url, form_data(version=made.version, hours_required="30"))
    assert stale.status_code == 409
    assert "Someone changed this program" in stale.content.decode()
    made.refresh_from_db()
    assert made.hours_required == Decimal(20)
    assert made.version == 2
    assert AuditEntry.objects.filter(action="education.program_changed").count() == 1


def test_new_rules_measure_everyone_again(admin_client, world, django_capture_on_commit_callbacks):
    made = program(world.association, by=world.association_admin, hours="10")
    taken = course(world.association, by=world.association_admin, title="Canvass", hours="8")
    services.enrol(user=world.official, program=made)
    earn(world.official, taken, on=days_ago(0))
    assert not Enrollment.objects.get().met
    url = f"/education/programs/{made.pk}/edit/"
    # The background task is queued after the commit (and runs at once under tests).
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, form_data(version=made.version, hours_required="8"))
    assert response.status_code == 302
    assert Enrollment.objects.get().met
    assert ProgramOfficeSummary.objects.get().completed == 1


def test_closing_stops_new_enrolments_and_keeps_those_enrolled(admin_client, client, world):
    made = program(world.association, by=world.association_admin)
    services.enrol(user=world.colleague, program=made)
    assert admin_client.post(f"/education/programs/{made.pk}/close/").status_code == 302
    made.refresh_from_db()
    assert not made.is_active
    assert AuditEntry.objects.filter(action="education.program_closed").count() == 1
    client.force_login(world.official)
    response = client.post(f"/education/programs/{made.pk}/enrol/", {})
    assert response.status_code == 400
    assert "not open to you" in response.content.decode()
    assert Enrollment.objects.filter(ended_at__isnull=True).count() == 1


# --- enrolling ---------------------------------------------------------------------------


def test_a_person_enrols_sees_progress_and_leaves(client, world):
    made = program(world.association, by=world.association_admin, hours="10", months=24)
    client.force_login(world.official)
    listing = client.get("/education/programs/")
    assert made.name in listing.content.decode()
    response = client.post(f"/education/programs/{made.pk}/enrol/", {"started_on": ""})
    assert response.status_code == 302
    page = client.get(f"/education/programs/{made.pk}/").content.decode()
    assert "My progress" in page and "Lapses on" in page
    assert "0 of 10.00" in page
    assert AuditEntry.objects.filter(action="education.enrolled", actor=world.official).exists()
    assert client.post(f"/education/programs/{made.pk}/leave/").status_code == 302
    assert Enrollment.objects.get().ended_at is not None
    assert AuditEntry.objects.filter(action="education.enrolment_left").exists()


def test_a_start_in_the_future_is_refused_on_the_form(client, world):
    made = program(world.association, by=world.association_admin)
    client.force_login(world.official)
    response = client.post(
        f"/education/programs/{made.pk}/enrol/", {"started_on": str(days_ago(-5))}
    )
    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_another_association_s_program_is_unknown_to_outsiders(client, world):
    made = program(world.association, by=world.association_admin)
    client.force_login(world.other_official)
    assert client.get(f"/education/programs/{made.pk}/").status_code == 404
    assert client.post(f"/education/programs/{made.pk}/enrol/", {}).status_code == 404
    assert not Enrollment.objects.exists()


# --- the office's page -------------------------------------------------------------------


def test_the_manager_sees_each_person_s_standing_and_downloads_it(client, world):
    made = program(world.association, by=world.association_admin, hours="8")
    taken = course(world.association, by=world.association_admin, title="Canvass", hours="8")
    services.enrol(user=world.official, program=made)
    services.enrol(user=world.colleague, program=made, started_on=days_ago(400))
    earn(world.official, taken, on=days_ago(0))
    client.force_login(world.manager)
    index = client.get("/education/office/programs/").content.decode()
    assert made.name in index
    page = client.get(f"/education/office/programs/{made.pk}/").content.decode()
    assert "Complete for this period" in page and "Lapsed" in page
    assert world.official.full_name in page
    response = client.get(f"/education/office/programs/{made.pk}/people.csv")
    assert response["Cache-Control"] == "private, no-store"
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][0] == "Name"
    assert {row[0]: row[-1] for row in rows[1:]} == {
        world.official.full_name: "Complete for this period",
        world.colleague.full_name: "Lapsed",
    }
    assert AuditEntry.objects.filter(action="report.exported", office=world.office).exists()


def test_the_office_page_pages_and_its_queries_do_not_grow(
    client, world, django_assert_num_queries
):
    made = program(world.association, by=world.association_admin)
    for _ in range(3):
        services.enrol(user=MembershipFactory(office=world.office).user, program=made)
    client.force_login(world.manager)
    url = f"/education/office/programs/{made.pk}/"
    client.get(url)
    with django_assert_num_queries(QUERIES_OFFICE) as few:
        client.get(url)
    for _ in range(60):
        services.enrol(user=MembershipFactory(office=world.office).user, program=made)
    with django_assert_num_queries(len(few)):
        response = client.get(url)
    assert "Showing 1–50 of 63." in response.content.decode()
    assert "Showing 51–63 of 63." in client.get(url + "?page=2").content.decode()


QUERIES_OFFICE = 7


def test_staff_who_do_not_manage_get_403(client, world):
    made = program(world.association, by=world.association_admin)
    client.force_login(world.supervisor)
    assert client.get("/education/office/programs/").status_code == 403
    assert client.get(f"/education/office/programs/{made.pk}/").status_code == 403


# --- what the association sees -------------------------------------------------------------


@pytest.fixture
def member_offices(world):
    """Five more member offices: three of 6 people, one of 3, one unnamed of 7."""
    sizes = [("Pine", 6, True), ("Maple", 6, True), ("Cedar", 6, True), ("Birch", 3, True)]
    sizes.append(("Aspen", 7, False))
    made = program(world.association, by=world.association_admin, hours="8")
    taken = course(world.association, by=world.association_admin, title="Canvass", hours="8")
    offices = {}
    for name, size, named in sizes:
        office = OfficeFactory(name=f"{name} County Elections", named_in_benchmarks=named)
        world.association.offices.add(office)
        offices[name] = office
        for n in range(size):
            person = MembershipFactory(office=office).user
            services.enrol(user=person, program=made)
            if n % 2 == 0:
                earn(person, taken, on=days_ago(0))
    return made, offices


def test_the_association_sees_offices_of_enough_people_and_nothing_smaller(
    client, world, member_offices
):
    made, _offices = member_offices
    client.force_login(world.analyst)
    url = f"/education/associations/{world.association.pk}/programs/{made.pk}/"
    page = client.get(url).content.decode()
    # Birch (3) is small; the hidden offices (Birch 3, Riverside 0) hold fewer than 5, so
    # the smallest shown office is hidden with them; Aspen is unnamed.
    assert "Unnamed office 1" in page and "Aspen" not in page
    assert page.count("Suppressed") == 3  # Riverside (none enrolled), Birch, and one of 6
    assert "The 2 offices shown above" in page
    response = client.get(url.rstrip("/") + "/offices.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    by_office = {row[0]: row[1:] for row in rows[1:]}
    assert by_office["Birch County Elections"] == ["not shown"] * 4
    assert by_office["Unnamed office 1"] == ["not shown"] * 4
    shown = [v for k, v in by_office.items() if v[0] != "not shown" and "offices" not in k]
    assert len(shown) == 2 and all(v[:2] == ["6", "3"] for v in shown)
    assert by_office["The 2 offices shown above"][:2] == ["12", "6"]


def test_the_association_view_reads_summaries_in_constant_queries(
    client, world, member_offices, django_assert_num_queries
):
    made, _offices = member_offices
    client.force_login(world.analyst)
    url = f"/education/associations/{world.association.pk}/programs/{made.pk}/"
    client.get(url)
    with django_assert_num_queries(QUERIES_ASSOCIATION):
        client.get(url)
    for n in range(10):
        office = OfficeFactory(name=f"More {n}")
        world.association.offices.add(office)
        services.enrol(user=MembershipFactory(office=office).user, program=made)
    with django_assert_num_queries(QUERIES_ASSOCIATION):
        client.get(url)


QUERIES_ASSOCIATION = 6


def test_the_association_view_is_for_its_analysts_and_administrators_only(client, world):
    made = program(world.association, by=world.association_admin)
    url = f"/education/associations/{world.association.pk}/programs/{made.pk}/"
    for person, status in [
        (world.other_analyst, 404),
        (world.manager, 404),
        (world.official, 404),
        (world.analyst, 200),
        (world.association_admin, 200),
    ]:
        client.force_login(person)
        assert client.get(url).status_code == status
    other = AssociationRoleFactory(association=world.other_association).user
    client.force_login(other)
    url = f"/education/associations/{world.other_association.pk}/programs/{made.pk}/"
    assert client.get(url).status_code == 404
