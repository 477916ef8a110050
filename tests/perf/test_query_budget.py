"""Every page within 10 database queries, whatever the size of what it shows.

Every GET route of the URL matrix (tests/test_url_matrix.py) is visited as each of its
ten roles, once in the matrix's small world and once after the world has grown (more
people with pledges and answers, more offices in the association, earlier cycles, more
invitations and audit entries). Each page is visited once before it is counted: the
edition's standards, items and rating scale are read once per server process.

Not covered: Django's admin and allauth's own pages (sign-in, password, MFA, sessions),
as in the URL matrix. One known exception: "download my data" reads every kind of
record the person has, one query each (a fixed 11 to 15, pinned in
tests/accounts/test_my_data.py); it is held to that here. So is the office's retention
page, which reads what the next retention run would erase, one query per kind of record
(a fixed 15 or 16, pinned in tests/records/test_retention_page.py).

The counts are taken with the test settings' memory cache. With the default database
cache, the office report's cached benchmarks cost one query more (10 at most); the
first view after a submission in one of its associations computes them (two queries).
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import Invitation, Membership
from assessments.models import Assessment
from assessments.selectors import rating_scale, standards_with_items
from assessments.summaries import summaries_rebuild
from education.models import Program
from education.services import enrol as program_enrol

from ..assessments.conftest import all_answers, form_data, make_assessment
from ..factories import CycleFactory, MembershipFactory, OfficeFactory
from ..pledges.conftest import sign
from ..reports.conftest import answered
from ..test_url_matrix import EXPECTED, ROLES, _no_throttle, matrix, sign_in, visit

__all__ = ["_no_throttle", "matrix"]  # fixtures used by name

BUDGET = 10
# Certification programs: the list (with the person's progress), the program page, the
# office's list of people and the association's view over its member offices.
PROGRAMS_LIST, PROGRAM_PAGE, OFFICE_PROGRAM, ASSOCIATION_PROGRAM = 8, 8, 7, 6
EXCEPTIONS = {"accounts:my-data-download": 15, "records:retention": 16}

# Literal counts of the main pages (small world, large world): home per role, the rest as
# the person who uses the page. They differ where the small world has figures hidden
# (too few people) or no earlier cycle to compare with; growing further adds nothing.
PINNED = {
    ("home", "anonymous"): (1, 1),
    ("home", "official"): (6, 6),
    ("home", "supervisor"): (7, 7),
    ("home", "manager"): (8, 8),
    ("home", "analyst"): (4, 4),
    ("home", "site_admin"): (4, 4),
    # Lists of people: a page at a time, the page's count and rows (core.listing).
    ("assessments:team-list", "supervisor"): (8, 8),
    ("assessments:office-list", "manager"): (7, 7),
    # Last cycle's assessment comes with its answers, in one query. The official's results
    # also suggest courses for their goal and show the training since last cycle
    # (docs/education.md): one query each.
    ("assessments:assessment-detail", "manager"): (9, 9),
    ("assessments:assessment-results", "official"): (9, 9),
    ("assessments:assessment-review", "supervisor"): (8, 8),
    # The large world's low ratings make training needs: one query for their courses.
    ("reports:office-report", "manager"): (7, 10),
    ("reports:office-report", "supervisor"): (7, 10),
    # The association's results and its trend are read in one query.
    ("reports:association-report", "analyst"): (9, 9),
    ("pledges:pledge-list", "official"): (5, 5),
    ("pledges:pledge-detail", "official"): (3, 3),
    ("pledges:pledge-office", "manager"): (9, 9),
    ("accounts:people-list", "manager"): (6, 6),
    ("accounts:audit-log", "manager"): (3, 3),
    ("accounts:audit-log", "site_admin"): (3, 3),
    # The course catalogue and a course (education), pinned in tests/education/test_courses.py
    # too: the large world has many courses, dates and registrations.
    ("education:home", "official"): (9, 9),
    ("education:home", "manager"): (9, 9),
    ("education:course-detail", "official"): (6, 6),
    ("education:course-detail", "manager"): (6, 6),
    ("education:offering-attendance", "supervisor"): (4, 4),
    ("education:program-list", "official"): (PROGRAMS_LIST, PROGRAMS_LIST),
    ("education:program-detail", "official"): (PROGRAM_PAGE, PROGRAM_PAGE),
    ("education:office-program", "manager"): (OFFICE_PROGRAM, OFFICE_PROGRAM),
    ("education:association-program", "analyst"): (ASSOCIATION_PROGRAM, ASSOCIATION_PROGRAM),
    # My training: 7 of its own (the ledger with its standards in one query), and the
    # programs' progress of someone enrolled.
    ("education:my-training", "official"): (10, 10),
    ("education:selfreport-detail", "official"): (5, 5),
    ("education:selfreport-detail", "manager"): (4, 4),
    ("education:selfreport-queue", "manager"): (5, 5),
    ("education:office-hours", "manager"): (4, 4),
}


def grow(world, cycle):
    """Make everything the pages list bigger: people, answers, offices, cycles, history."""
    today = datetime.date.today()
    earlier = [
        CycleFactory(
            name=f"Earlier {n}",
            edition=cycle.edition,
            opens_on=today - datetime.timedelta(days=400 * n),
            closes_on=today - datetime.timedelta(days=400 * n - 300),
        )
        for n in (1, 2, 3)
    ]
    for n in range(12):
        person = MembershipFactory(office=world.office, reports_to=world.supervisor).user
        sign(person, cycle)
        answered(person, world.office, cycle, rating=1 + n % 4, rebuild=False)
        answered(person, world.office, earlier[0], rating=2, rebuild=False)
        Assessment.objects.filter(user=person, cycle=cycle).update(
            reviewer=world.supervisor, submitted_at=timezone.now()
        )
    # The matrix world's program, when the test has one (the form test does not).
    program = Program.objects.filter(association=world.association).first()
    for n in range(6):
        office = OfficeFactory(name=f"Grown office {n}")
        world.association.offices.add(office)
        for _ in range(5):
            person = MembershipFactory(office=office).user
            answered(person, office, cycle, rating=1 + n % 4, rebuild=False)
            if program is not None:
                program_enrol(user=person, program=program)
    for membership in Membership.objects.filter(office=world.office, ended_at__isnull=True):
        if program is not None:
            program_enrol(user=membership.user, program=program)
    answered(world.official, world.office, earlier[0], rebuild=False)
    for n in range(10):
        Invitation.objects.create(
            email=f"grown{n}@example.org",
            full_name=f"Grown {n}",
            office=world.office,
            role=Membership.Role.OFFICIAL,
            invited_by=world.manager,
            expires_at=timezone.now() + timezone.timedelta(days=14),
        )
        audit_record(action="invitation.sent", actor=world.manager, office=world.office, number=n)
    grow_training(world)
    grow_courses(world)
    summaries_rebuild()


def grow_training(world):
    """Reported training: the official's, approved and waiting, and the office's people's."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from education import services as education
    from education.evidence import check_evidence

    pdf = b"%PDF-1.4\ntrailer <<>>\n%%EOF\n"
    people = [world.official] + [
        m.user for m in Membership.objects.filter(office=world.office, role="official")[:8]
    ]
    for n, person in enumerate(people):
        for k in range(2):
            report = education.self_report_submit(
                user=person,
                title=f"Workshop {n}.{k}",
                provider="State association",
                completed_on=datetime.date.today() - datetime.timedelta(days=10 + k),
                hours=2,
                evidence=check_evidence(SimpleUploadedFile("c.pdf", pdf)),
            )
            if k == 0:
                education.self_report_approve(report=report, by=world.manager, version=1)


def grow_courses(world):
    """More courses of the office and the association, each with dates and people
    registered, and more people registered for the matrix's date."""
    from education import services as education
    from education.models import Offering
    from pledges.models import Standard

    standard = Standard.objects.get(edition__code="2024-en", number=2)
    starts = timezone.now() + datetime.timedelta(days=3)
    people = [m.user for m in Membership.objects.filter(office=world.office, role="official")]
    for n in range(12):
        owner = {"office": world.office} if n % 2 else {"association": world.association}
        course = education.course_publish(
            by=world.manager if n % 2 else world.association_admin,
            title=f"Grown course {n}",
            provider="Grown provider",
            format="online",
            hours=2,
            standards=[standard],
            **owner,
        )
        for days in (0, 30):
            offering = education.offering_create(
                course=course,
                by=world.manager,
                starts_at=starts + datetime.timedelta(days=days + n),
                ends_at=starts + datetime.timedelta(days=days + n, hours=2),
            )
            for person in people[:4]:
                education.registration_create(offering=offering, user=person)
    # The matrix world's date, when the test has one (the form test does not).
    offering = Offering.objects.filter(course__title="Chain of custody").first()
    for person in people[:8] if offering is not None else ():
        education.registration_create(offering=offering, user=person)


def count(client, url, method="get", data=None) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
    return len(ctx.captured_queries), response.status_code


def measure(client, world, kwargs, cycle) -> dict[tuple[str, str], tuple[int, int]]:
    # The edition is read once per process, and the pledge chain's check is cached: a
    # server has done both after its first pages.
    standards_with_items(cycle.edition_id)
    rating_scale(cycle.edition_id)
    sign_in(client, world, "manager")
    visit(client, kwargs, "pledges:pledge-office")
    # The office report's benchmarks are computed once (two more queries), then cached.
    visit(client, kwargs, "reports:office-report")
    counts = {}
    for role in ROLES:
        client.logout()
        sign_in(client, world, role)
        for route, line in sorted(EXPECTED.items()):
            with CaptureQueriesContext(connection) as ctx:
                status = visit(client, kwargs, route).status_code
            counts[(route, role)] = (len(ctx.captured_queries), status)
    return counts


@pytest.fixture(params=["small", "large"])
def sized(request, matrix, cycle):
    world, kwargs = matrix
    if request.param == "large":
        grow(world, cycle)
    return world, kwargs, request.param


def test_every_page_stays_within_the_query_budget(client, sized, cycle):
    world, kwargs, size = sized
    counts = measure(client, world, kwargs, cycle)
    assert len(counts) == len(EXPECTED) * len(ROLES)
    over = {key: n for key, (n, _status) in counts.items() if n > EXCEPTIONS.get(key[0], BUDGET)}
    assert over == {}, f"pages over {BUDGET} queries: {sorted(over.items())}"
    pinned = {key: counts[key][0] for key in PINNED}
    assert pinned == {key: n[size == "large"] for key, n in PINNED.items()}
    assert all(counts[key][1] == 200 for key in PINNED)


@pytest.mark.parametrize(("size", "form_queries"), [("small", 7), ("large", 7)])
def test_the_assessment_form_loads_and_saves_in_a_fixed_number_of_queries(
    client, world, cycle, size, form_queries, _no_throttle
):
    if size == "large":
        grow(world, cycle)
    assessment = make_assessment(world.official, cycle, answered=False)
    url = reverse("assessments:assessment-edit", kwargs={"pk": assessment.pk})
    client.force_login(world.official)
    client.get(url)  # warm
    # session, user with membership, assessment, answers, goals, last cycle's assessment,
    # the training since the last self-assessment, and nothing per item
    assert count(client, url) == (form_queries, 200)
    data = form_data(assessment, dict.fromkeys(all_answers(cycle), ("3", "An example")))
    # session, user, assessment; savepoint, lock, answers, goals, one upsert of all 38
    # answers, the new version, release
    assert count(client, url, "post", data) == (10, 302)
    assessment.refresh_from_db()
    assert assessment.version == 2
    assert assessment.responses.filter(rating=3).count() == 38
