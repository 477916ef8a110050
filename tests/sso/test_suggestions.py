"""Roles suggested by a provider's group claims: a manager accepts or dismisses them."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, Membership
from sso.models import IdentityProvider, RoleSuggestion

from ..factories import MembershipFactory
from ..pledges.conftest import fresh_login


@pytest.fixture
def provider(world):
    return IdentityProvider.objects.create(
        name="Riverside Entra ID",
        slug="riverside-entra",
        protocol="oidc",
        office=world.office,
        server_url="https://login.example.gov",
        client_id="portal",
        role_claim="groups",
        role_map={"Elections-Supervisors": "supervisor"},
    )


def suggest(person, provider, role="supervisor", claim="Elections-Supervisors"):
    return RoleSuggestion.objects.create(
        membership=person.active_membership, provider=provider, role=role, claim_value=claim
    )


def decide(client, suggestion, decision):
    return client.post(
        reverse("sso:suggestion-decide", args=[suggestion.pk]), {"decision": decision}
    )


def test_manager_accepts_a_suggestion_and_the_role_changes(client, world, provider):
    suggestion = suggest(world.colleague, provider)
    fresh_login(client, world.manager)
    page = client.get(reverse("sso:suggestions")).content.decode()
    assert world.colleague.full_name in page and "Elections-Supervisors" in page
    response = decide(client, suggestion, "accept")
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.outcome == "accepted" and suggestion.decided_by == world.manager
    assert world.colleague.memberships.get(ended_at__isnull=True).role == "supervisor"
    decided = AuditEntry.objects.get(action="sso.role_suggestion_decided")
    assert decided.office == world.office
    assert decided.details["outcome"] == "accepted" and decided.details["old"] == "official"
    assert AuditEntry.objects.filter(action="membership.role_changed").count() == 1


def test_manager_dismisses_a_suggestion_and_nothing_changes(client, world, provider):
    suggestion = suggest(world.colleague, provider)
    fresh_login(client, world.manager)
    assert decide(client, suggestion, "dismiss").status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.outcome == "dismissed"
    assert world.colleague.memberships.get(ended_at__isnull=True).role == "official"
    assert not AuditEntry.objects.filter(action="membership.role_changed").exists()
    # Decided: no longer waiting, listed among the decisions.
    page = client.get(reverse("sso:suggestions")).content.decode()
    assert "No suggestions are waiting." in page and "Dismissed" in page


def test_a_decided_suggestion_cannot_be_decided_again(client, world, provider):
    suggestion = suggest(world.colleague, provider)
    fresh_login(client, world.manager)
    decide(client, suggestion, "dismiss")
    assert decide(client, suggestion, "accept").status_code == 404
    assert world.colleague.memberships.get(ended_at__isnull=True).role == "official"


def test_the_offices_rules_still_hold(client, world, provider):
    # The office's only manager, suggested as an official: the office needs a manager.
    suggestion = suggest(world.manager, provider, role="official", claim="Staff")
    fresh_login(client, world.manager)
    response = decide(client, suggestion, "accept")
    assert response.status_code == 422
    assert "at least one manager" in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.decided_at is None
    assert world.manager.memberships.get(ended_at__isnull=True).role == "manager"


def test_a_bad_decision_is_a_400(client, world, provider):
    suggestion = suggest(world.colleague, provider)
    fresh_login(client, world.manager)
    for decision in ("promote", ""):
        assert decide(client, suggestion, decision).status_code == 400
    assert client.post(reverse("sso:suggestion-decide", args=["999999"])).status_code == 404
    suggestion.refresh_from_db()
    assert suggestion.decided_at is None


def test_only_the_offices_manager_or_a_site_admin_decides(client, world, provider):
    suggestion = suggest(world.colleague, provider)
    for person, status in (
        (world.official, 403),
        (world.supervisor, 403),
        (world.analyst, 403),
        (world.association_admin, 403),
        (world.other_manager, 404),
    ):
        fresh_login(client, person)
        assert decide(client, suggestion, "accept").status_code == status
    suggestion.refresh_from_db()
    assert suggestion.decided_at is None
    # Another office's manager does not see it listed either.
    fresh_login(client, world.other_manager)
    assert world.colleague.full_name not in client.get(reverse("sso:suggestions")).content.decode()
    fresh_login(client, world.site_admin)
    assert decide(client, suggestion, "accept").status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.outcome == "accepted"


def test_suggestions_for_people_who_left_are_not_listed(client, world, provider):
    suggest(world.colleague, provider)
    Membership.objects.filter(user=world.colleague).update(ended_at=timezone.now())
    fresh_login(client, world.manager)
    assert world.colleague.full_name not in client.get(reverse("sso:suggestions")).content.decode()


@pytest.mark.parametrize("count", [1, 6])
def test_the_suggestions_page_reads_in_a_fixed_number_of_queries(
    client, world, provider, django_assert_num_queries, count
):
    for _n in range(count):
        suggest(MembershipFactory(office=world.office).user, provider)
    fresh_login(client, world.manager)
    client.get(reverse("sso:suggestions"))
    with django_assert_num_queries(4):
        response = client.get(reverse("sso:suggestions"))
    assert response.content.decode().count('value="accept"') == count
