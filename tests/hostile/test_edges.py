"""Boundary values that random examples reach only by luck, tried every time."""

import pytest
from django.urls import reverse

from .conftest import changed, dump, signed_in_clients

EDGES = [
    ("accounts:audit-log", "manager", {"end": "9999-12-31"}),
    ("accounts:audit-log", "manager", {"start": "0001-01-01"}),
    ("accounts:audit-log", "manager", {"start": "0001-01-01", "end": "9999-12-31"}),
    ("accounts:audit-log", "manager", {"page": "1000000"}),
    ("accounts:audit-log", "manager", {"page": str(10**30)}),
    ("accounts:audit-log-csv", "site_admin", {"end": "9999-12-31"}),
    ("accounts:audit-log-csv", "site_admin", {"start": "0001-01-01"}),
    ("reports:office-report", "manager", {"cycle": str(10**30)}),
    ("reports:office-report", "manager", {"team": str(2**63)}),
    ("reports:office-report", "manager", {"cycle": "-1", "team": "0"}),
    ("reports:office-report-csv", "manager", {"team": "²"}),
    ("reports:association-report", "analyst", {"cycle": "١"}),
    ("pledges:pledge-verify", "anonymous", {"code": "\x00" * 16}),
    ("pledges:pledge-verify", "anonymous", {"code": "A" * 100_000}),
]


@pytest.mark.parametrize(("name", "role", "query"), EDGES)
def test_edge_query_is_answered_without_error(hostile_world, name, role, query):
    world, kwargs = hostile_world
    client = signed_in_clients(world)[role]
    before = dump()
    response = client.get(reverse(name, kwargs=kwargs.get(name, {})), query)
    assert response.status_code < 500
    if response.status_code >= 400:
        after = dump()
        assert after == before, changed(before, after)


def test_the_last_date_there_is_is_refused_with_a_message(hostile_world):
    world, _kwargs = hostile_world
    client = signed_in_clients(world)["manager"]
    response = client.get(reverse("accounts:audit-log"), {"end": "9999-12-31"})
    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode()
