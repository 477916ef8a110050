import pytest
from django.urls import reverse

from standards_portal.accounts.models import Membership

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


@pytest.mark.parametrize(("people", "queries"), [(1, 10), (50, 10)])
def test_the_office_pledge_page_does_not_grow_with_staff(
    client, world, cycle, django_assert_num_queries, people, queries
):
    manager = _office_with(cycle, people)
    fresh_login(client, manager)
    client.get(reverse("pledges:pledge-office"))  # warms the chain check's cache
    with django_assert_num_queries(queries):
        response = client.get(reverse("pledges:pledge-office"))
    assert response.status_code == 200
    assert len(response.context["rows"]) == people


@pytest.mark.parametrize("people", [1, 50])
def test_the_reminder_preview_does_not_grow_with_staff(
    client, world, cycle, django_assert_num_queries, people
):
    manager = _office_with(cycle, people)
    fresh_login(client, manager)
    with django_assert_num_queries(6):
        assert client.get(reverse("pledges:pledge-remind")).status_code == 200


def test_the_chain_check_reads_a_fixed_number_of_queries(world, cycle, django_assert_num_queries):
    from pledges.selectors import verify_chain

    for person in (world.official, world.colleague, world.supervisor):
        sign(person, cycle)
    with django_assert_num_queries(4):
        assert verify_chain().intact
