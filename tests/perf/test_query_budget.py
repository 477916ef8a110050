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

from ..assessments.conftest import all_answers, form_data, make_assessment
from ..factories import CycleFactory, MembershipFactory, OfficeFactory
from ..pledges.conftest import sign
from ..reports.conftest import answered
from ..test_url_matrix import EXPECTED, ROLES, _no_throttle, matrix, sign_in, visit

__all__ = ["_no_throttle", "matrix"]  # fixtures used by name

BUDGET = 10
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
    ("assessments:team-list", "supervisor"): (6, 6),
    ("assessments:office-list", "manager"): (6, 6),
    ("assessments:assessment-detail", "manager"): (9, 10),
    ("assessments:assessment-results", "official"): (7, 8),
    ("assessments:assessment-review", "supervisor"): (8, 9),
    ("reports:office-report", "manager"): (7, 9),
    ("reports:office-report", "supervisor"): (7, 9),
    # The association's results and its trend are read in one query.
    ("reports:association-report", "analyst"): (9, 9),
    ("pledges:pledge-list", "official"): (5, 5),
    ("pledges:pledge-detail", "official"): (3, 3),
    ("pledges:pledge-office", "manager"): (7, 7),
    ("accounts:people-list", "manager"): (4, 4),
    ("accounts:audit-log", "manager"): (3, 3),
    ("accounts:audit-log", "site_admin"): (3, 3),
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
    for n in range(6):
        office = OfficeFactory(name=f"Grown office {n}")
        world.association.offices.add(office)
        for _ in range(5):
            person = MembershipFactory(office=office).user
            answered(person, office, cycle, rating=1 + n % 4, rebuild=False)
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
    summaries_rebuild()


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


@pytest.mark.parametrize(("size", "form_queries"), [("small", 6), ("large", 6)])
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
    # and nothing per item
    assert count(client, url) == (form_queries, 200)
    data = form_data(assessment, dict.fromkeys(all_answers(cycle), ("3", "An example")))
    # session, user, assessment; savepoint, lock, answers, goals, one upsert of all 38
    # answers, the new version, release
    assert count(client, url, "post", data) == (10, 302)
    assessment.refresh_from_db()
    assert assessment.version == 2
    assert assessment.responses.filter(rating=3).count() == 38
