import pytest
from django.urls import reverse

from accounts.models import Membership

from ..factories import MembershipFactory


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("manager", 200),
        ("supervisor", 403),
        ("official", 403),
        ("other_manager", 200),  # sees their own office, never this one
        ("analyst", 403),
    ],
)
def test_people_list_is_for_office_managers(client, world, who, status):
    client.force_login(getattr(world, who))
    response = client.get(reverse("accounts:people-list"))
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        own_office = getattr(world, who).active_membership.office
        assert own_office.name in body
        if who == "other_manager":
            assert world.official.email not in body


def test_people_list_asks_anonymous_to_sign_in(client, db):
    response = client.get(reverse("accounts:people-list"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("extra", [1, 30])
def test_people_list_queries_do_not_grow_with_staff(
    client, world, extra, django_assert_num_queries
):
    for _ in range(extra):
        MembershipFactory(office=world.office, reports_to=world.supervisor)
    client.force_login(world.manager)
    # session, user, the page's count and rows, pending invitations, any election workers
    with django_assert_num_queries(6):
        response = client.get(reverse("accounts:people-list"))
    assert response.status_code == 200
    count = Membership.objects.filter(office=world.office, ended_at__isnull=True).count()
    assert response.content.decode().count('<th scope="row">') == count
