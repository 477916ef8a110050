"""Every list of people a page at a time, searched and filtered, in a number of queries
that does not grow with the office: the people list, the office's pledges, a team and the
office's assessments (core.listing)."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from accounts.services import person_create

from ..assessments.conftest import make_assessment
from ..factories import MembershipFactory
from ..pledges.conftest import sign

LISTS = {
    # route: (who looks, literal queries at any size)
    "accounts:people-list": ("manager", 6),
    "pledges:pledge-office": ("manager", 9),
    "assessments:team-list": ("supervisor", 8),
    "assessments:office-list": ("manager", 7),
}


def grow(world, cycle, people: int, start: int = 0) -> None:
    """`people` more in the office, all reporting to the supervisor: half election
    workers known by phone only, half officials who signed and started an assessment."""
    for n in range(start, start + people):
        if n % 2:
            user = person_create(full_name=f"Worker {n:03d}", phone=f"+1303555{n:04d}")
            Membership.objects.create(
                user=user,
                office=world.office,
                role=Membership.Role.ELECTION_WORKER,
                reports_to=world.supervisor,
            )
        else:
            user = MembershipFactory(
                office=world.office, reports_to=world.supervisor, user__full_name=f"Staff {n:03d}"
            ).user
            sign(user, cycle)
            make_assessment(user, cycle, state="draft")


def queries(client, url, django_assert_max_num_queries) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize("route", sorted(LISTS))
def test_a_list_takes_the_same_queries_for_10_or_60_people(
    client, world, cycle, route, django_assert_max_num_queries
):
    who, expected = LISTS[route]
    client.force_login(getattr(world, who))
    url = reverse(route)
    grow(world, cycle, 10)
    client.get(url)  # warm: the chain check and the edition are read once per process
    small = queries(client, url, django_assert_max_num_queries)
    grow(world, cycle, 50, start=10)
    client.get(url)  # the pledge chain grew: its check is read again once
    large = queries(client, url, django_assert_max_num_queries)
    large_page_2 = queries(client, url + "?page=2&q=worker", django_assert_max_num_queries)
    assert (small, large, large_page_2) == (expected, expected, expected)


@pytest.mark.parametrize("route", sorted(LISTS))
def test_a_list_shows_fifty_a_page_and_keeps_the_search_on_its_page_links(
    client, world, cycle, route
):
    who, _expected = LISTS[route]
    grow(world, cycle, 120)
    client.force_login(getattr(world, who))
    first = client.get(reverse(route), {"q": "worker"}).content.decode()
    assert first.count("Worker ") >= 50
    assert 'aria-label="Pages' in first
    assert 'aria-current="page"' in first
    assert "?q=worker&amp;page=2" in first
    second = client.get(reverse(route), {"q": "worker", "page": "2"}).content.decode()
    assert "Worker 001" not in second and "Worker " in second
    assert "Staff 000" not in second  # the search is kept from page to page


@pytest.mark.parametrize("route", sorted(LISTS))
@pytest.mark.parametrize(
    ("page", "shows"),
    # Not a number: the first page; out of range (below or past the end): the last.
    [("abc", "Worker 001"), ("1e9", "Worker 001"), ("", "Worker 001"), ("0", "Worker 119"),
     ("-3", "Worker 119"), ("99999999999999999999999", "Worker 119"), ("2", "Worker 101")],
)  # fmt: skip
def test_a_bad_page_shows_the_first_or_the_last_page(client, world, cycle, route, page, shows):
    who, _expected = LISTS[route]
    grow(world, cycle, 120)
    client.force_login(getattr(world, who))
    response = client.get(reverse(route), {"q": "worker", "page": page})
    assert response.status_code == 200
    assert shows in response.content.decode()


@pytest.mark.parametrize("route", sorted(LISTS))
def test_a_search_too_long_or_a_role_that_is_none_is_refused_with_a_message(
    client, world, cycle, route
):
    who, _expected = LISTS[route]
    client.force_login(getattr(world, who))
    too_long = client.get(reverse(route), {"q": "x" * 5000})
    assert too_long.status_code == 400
    assert "at most 100 characters" in too_long.content.decode()
    bad_role = client.get(reverse(route), {"role": "emperor"})
    assert bad_role.status_code == 400
    assert "Select a valid choice" in bad_role.content.decode()


def test_the_people_list_searches_by_phone_and_filters_by_role_and_email(client, world, cycle):
    grow(world, cycle, 6)
    client.force_login(world.manager)
    url = reverse("accounts:people-list")
    by_phone = client.get(url, {"q": "(303) 555-0003"}).content.decode()
    assert "Worker 003" in by_phone and "Worker 001" not in by_phone
    assert "+1 303-555-0003" in by_phone
    workers = client.get(url, {"role": "election_worker"}).content.decode()
    assert "Worker 001" in workers and "Staff 000" not in workers
    no_email = client.get(url, {"state": "no_email"}).content.decode()
    assert "No email on file" in no_email and world.official.full_name not in no_email


def test_the_pledge_list_filters_by_signed_and_not_signed(client, world, cycle):
    grow(world, cycle, 6)
    client.force_login(world.manager)
    url = reverse("pledges:pledge-office")
    signed = client.get(url, {"state": "signed"}).content.decode()
    assert "Staff 000" in signed and "Worker 001" not in signed
    unsigned = client.get(url, {"state": "unsigned"}).content.decode()
    assert "Worker 001" in unsigned and "Staff 000" not in unsigned
    assert "3 of 3 have signed" not in unsigned  # workers are counted apart, none signed
    assert "Election workers, counted apart: 0 of 3 have signed." in unsigned


def test_the_office_assessments_filter_by_state_and_say_workers_are_not_asked(client, world, cycle):
    grow(world, cycle, 6)
    client.force_login(world.manager)
    url = reverse("assessments:office-list")
    drafts = client.get(url, {"state": "draft"}).content.decode()
    assert "Staff 000" in drafts and "Worker 001" not in drafts
    not_asked = client.get(url, {"state": "not_asked"}).content.decode()
    assert "Worker 001" in not_asked and "Not asked (election worker)" in not_asked
    not_started = client.get(url, {"state": "not_started"}).content.decode()
    assert "Worker 001" not in not_started and world.colleague.full_name in not_started


def test_a_supervisor_cannot_find_a_confidential_team_member_by_name(client, world, cycle):
    world.official.is_confidential = True
    world.official.save(update_fields=["is_confidential"])
    client.force_login(world.supervisor)
    found = client.get(reverse("assessments:team-list"), {"q": world.official.full_name})
    assert found.status_code == 200
    assert "Nobody in your team matches" in found.content.decode()
    client.force_login(world.manager)
    found = client.get(reverse("assessments:office-list"), {"q": world.official.full_name})
    assert world.official.full_name in found.content.decode()
