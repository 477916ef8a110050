import pytest
from django.urls import reverse

from accounts.models import Membership

from ..factories import MembershipFactory
from .conftest import fresh_login, sign


def _office_with(cycle, count):
    """A new office with a manager and count - 1 further staff, half of them signed."""
    manager = MembershipFactory(role=Membership.Role.MANAGER).user
    office = manager.active_membership.office
    staff = [MembershipFactory(office=office, reports_to=manager).user for _ in range(count - 1)]
    for person in staff[::2]:
        sign(person, cycle)
    return manager


# Nine: the page of people and its count (paginated lists), and election workers counted apart.
@pytest.mark.parametrize(("people", "queries"), [(1, 9), (50, 9)])
def test_the_office_pledge_page_does_not_grow_with_staff(
    client, world, cycle, django_assert_num_queries, people, queries
):
    manager = _office_with(cycle, people)
    fresh_login(client, manager)
    client.get(reverse("pledges:pledge-office"))  # warms the chain check's cache
    with django_assert_num_queries(queries):
        response = client.get(reverse("pledges:pledge-office"))
    assert response.status_code == 200
    assert len(response.context["listing"].rows) == people


@pytest.mark.parametrize("people", [1, 50])
def test_the_reminder_preview_does_not_grow_with_staff(
    client, world, cycle, django_assert_num_queries, people
):
    manager = _office_with(cycle, people)
    fresh_login(client, manager)
    with django_assert_num_queries(4):
        assert client.get(reverse("pledges:pledge-remind")).status_code == 200


def test_the_chain_check_reads_a_fixed_number_of_queries(world, cycle, django_assert_num_queries):
    from pledges.selectors import verify_chain

    for person in (world.official, world.colleague, world.supervisor):
        sign(person, cycle)
    with django_assert_num_queries(4):
        assert verify_chain().intact


def _history(world, edition, cycles):
    """Pledges for the official in `cycles` earlier, closed cycles."""
    import datetime

    from django.utils import timezone

    from pledges.models import Pledge
    from pledges.services import pledge_text, pledges_import

    from ..factories import CycleFactory

    today = timezone.localdate()
    pledges = []
    for n in range(cycles):
        old = CycleFactory(
            opens_on=today - datetime.timedelta(days=400 * (n + 1)),
            closes_on=today - datetime.timedelta(days=400 * (n + 1) - 300),
        )
        pledges.append(
            Pledge(
                user=world.official,
                office=world.office,
                cycle=old,
                edition=edition,
                typed_name=world.official.full_name,
                consent_text="I agree",
                signed_at=timezone.now() - datetime.timedelta(days=400 * (n + 1)),
                auth_method="password",
                text_sha256=pledge_text(old)[1],
            )
        )
    pledges_import(pledges=pledges)


@pytest.mark.parametrize("cycles", [1, 20])
def test_the_pledge_history_does_not_grow_with_cycles(
    client, world, cycle, edition, django_assert_num_queries, cycles
):
    _history(world, edition, cycles)
    sign(world.official, cycle)
    fresh_login(client, world.official)
    # session, user with membership, every cycle (current and next), the active pledge,
    # the history
    with django_assert_num_queries(5):
        response = client.get(reverse("pledges:pledge-list"))
    assert len(response.context["history"]) == cycles + 1


@pytest.mark.parametrize("who", ["official", "manager"])
def test_the_home_page_pledge_card_costs_a_fixed_number_of_queries(
    client, world, cycle, django_assert_num_queries, who
):
    sign(world.official, cycle)
    fresh_login(client, getattr(world, who))
    client.get(reverse("home"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("home"))
    pledge_queries = [q for q in queries.captured_queries if "pledges_pledge" in q["sql"]]
    assert len(pledge_queries) == (2 if who == "manager" else 1)
