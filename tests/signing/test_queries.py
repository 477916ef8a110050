"""Query counts of the session pages and exports: the same with one attendee as with many."""

import pytest
from django.urls import reverse

from pledges.models import Pledge
from signing import services

from ..factories import MembershipFactory
from ..pledges.conftest import META, fresh_login


def attend(session, count):
    for _ in range(count):
        person = MembershipFactory(office=session.office).user
        attendance = services.attendance_join(
            session=session, user=person, identified_by=Pledge.IdentifiedBy.OWN_SIGN_IN
        )
        services.attendance_sign(
            attendance=attendance,
            typed_name=person.full_name,
            consent=True,
            request_meta=META,
            identified_by=Pledge.IdentifiedBy.OWN_SIGN_IN,
        )


@pytest.mark.parametrize("people", [1, 12])
@pytest.mark.parametrize(
    ("route", "queries"),
    [
        ("signing:session-list", 6),
        ("signing:session-detail", 7),
        ("signing:session-projector", 4),
        ("signing:session-count", 4),
        ("signing:attendance-csv", 5),  # with its audit entry
        ("signing:roster", 6),
    ],
)
def test_session_pages_cost_the_same_for_one_attendee_or_many(
    client, session, world, people, route, queries, django_assert_num_queries
):
    attend(session, people)
    fresh_login(client, world.manager)
    kwargs = {} if route == "signing:session-list" else {"pk": session.pk}
    url = reverse(route, kwargs=kwargs)
    client.get(url)  # warm: the session's first page writes "last seen"
    with django_assert_num_queries(queries):
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
