"""Boundary values that random examples reach only by luck, tried every time."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from assessments.models import Assessment

from .conftest import changed, dump, set_state, signed_in_clients

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


@pytest.fixture
def other_edition_item(hostile_world):
    """An item of another (unpublished) edition: a real id the assessment does not have."""
    from pledges.models import ApplicationItem, Edition, Standard

    edition = Edition.objects.create(
        code="other",
        title="Other",
        publisher="Other",
        year=2030,
        preamble="Other",
        pledge_heading="Other",
        source_sha256="0" * 64,
    )
    standard = Standard.objects.create(
        edition=edition, number=1, short_title="Other", statement="Other"
    )
    return ApplicationItem.objects.create(
        standard=standard, number=1, position=1, title="Other", text="Other"
    )


# Versions that never were: the conflict check cannot protect answers against them.
VERSIONS = ["-1", "0", "2", str(2**31), str(2**63), str(10**30), "1.5", "NaN", "", "x"]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", ["assessment-edit", "assessment-copy-previous"])
def test_absurd_versions_are_refused_and_change_nothing(hostile_world, name, version):
    world, _kwargs = hostile_world
    set_state(world.official, "draft")
    assessment = Assessment.objects.get(user=world.official)
    item = assessment.responses.first().item_id
    client = signed_in_clients(world)["official"]
    before = dump()
    response = client.post(
        reverse(f"assessments:{name}", args=[assessment.pk]),
        {"version": version, f"item_{item}_rating": "1"},
    )
    assert 400 <= response.status_code < 500
    after = dump()
    assert after == before, changed(before, after)


@pytest.mark.parametrize(("name", "role", "state", "field"), [
    ("assessment-edit", "official", "draft", "item_{}_rating"),
    ("assessment-edit", "official", "draft", "item_{}_comment"),
    ("assessment-review", "supervisor", "submitted", "review_{}_rating"),
    ("assessment-review", "supervisor", "submitted", "review_{}_comment"),
])  # fmt: skip
def test_an_item_of_another_edition_is_refused_and_changes_nothing(
    hostile_world, other_edition_item, name, role, state, field
):
    world, _kwargs = hostile_world
    set_state(world.official, state)
    assessment = Assessment.objects.get(user=world.official)
    client = signed_in_clients(world)[role]
    before = dump()
    response = client.post(
        reverse(f"assessments:{name}", args=[assessment.pk]),
        {
            "version": assessment.version,
            "decision": "accept",
            field.format(other_edition_item.pk): "1",
        },
    )
    assert response.status_code == 400
    assert "not part of this assessment" in response.content.decode()
    after = dump()
    assert after == before, changed(before, after)


@pytest.mark.parametrize("token", ["\x00", "a\x00b", "%00", "é" * 10, "A" * 65, " "])
def test_an_invitation_token_that_cannot_be_one_is_not_found(hostile_world, token):
    world, _kwargs = hostile_world
    url = reverse("accounts:invitation-accept", kwargs={"token": "placeholder"})
    response = signed_in_clients(world)["anonymous"].get(url.replace("placeholder", quote(token)))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("account_login", {"login": "a\x00@example.org", "password": "x\x00"}),
        ("account_login", {"login": "\x00", "password": "\x00"}),
        ("account_reset_password", {"email": "a\x00@example.org"}),
        ("account_signup", {"email": "a\x00@example.org", "password1": "\x00"}),
        ("accounts:association-office-add", {"q": "\x00"}),
    ],
)
def test_a_nul_in_any_field_is_refused_without_error(hostile_world, name, data):
    world, kwargs = hostile_world
    client = signed_in_clients(world)[
        "anonymous" if name.startswith("account_") else "association_admin"
    ]
    url = reverse(name, kwargs=kwargs.get(name, {}))
    before = dump()
    assert client.post(url, data).status_code < 500
    assert client.get(url, data).status_code < 500
    assert dump() == before
