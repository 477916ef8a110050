"""A deactivated person's records stay; their details are shown only to those entitled."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services
from assessments.models import Assessment
from pledges.models import Pledge
from pledges.services import RequestMeta, pledge_sign

from ..reports.conftest import staff_with_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def departed(world, cycle):
    """An official with a public pledge and a submitted assessment, then deactivated."""
    world.office.publishes_registry = True
    world.office.save(update_fields=["publishes_registry"])
    (person,) = staff_with_answers(world.office, cycle, [3], reports_to=world.supervisor)
    person.full_name = "Dana Departed"
    person.email = "dana.departed@example.org"
    person.save(update_fields=["full_name", "email"])
    pledge, _ = pledge_sign(
        user=person,
        cycle=cycle,
        typed_name="Dana Departed",
        consent=True,
        list_publicly=True,
        request_meta=RequestMeta(ip_address=None, user_agent="", auth_method="password"),
    )
    assessment = Assessment.objects.get(user=person)
    assessment.submitted_at = timezone.now()
    assessment.save(update_fields=["submitted_at"])
    services.membership_deactivate(membership=person.active_membership, by=world.manager)
    person.refresh_from_db()
    return person, pledge, assessment


def body(response):
    return response.content.decode()


def test_records_stay_after_deactivation(departed):
    person, pledge, assessment = departed
    assert not person.is_active
    assert Pledge.objects.get(pk=pledge.pk).is_active
    assert Assessment.objects.get(pk=assessment.pk).state == assessment.state


def test_public_registry_no_longer_names_them(client, world, departed):
    response = client.get(reverse("pledges:registry-detail", args=[world.office.pk]))
    assert response.status_code == 200
    assert "Dana Departed" not in body(response)
    assert "dana.departed" not in body(response)


def test_verification_shows_the_record_but_never_the_email(client, departed):
    _person, pledge, _assessment = departed
    response = client.get(reverse("pledge-verify-code", args=[pledge.verification_code]))
    assert response.status_code == 200
    assert "Dana Departed" in body(response)  # the name signed: what the record needs
    assert "dana.departed" not in body(response)


def test_their_office_manager_still_sees_their_records(client, world, departed):
    _person, pledge, assessment = departed
    client.force_login(world.manager)
    assert client.get(reverse("pledges:pledge-detail", args=[pledge.pk])).status_code == 200
    detail = client.get(reverse("assessments:assessment-detail", args=[assessment.pk]))
    assert detail.status_code == 200
    assert "Dana Departed" in body(detail)


def test_site_admin_sees_them_in_the_admin(client, world, departed):
    person, _pledge, _assessment = departed
    client.force_login(world.site_admin)
    response = client.get(reverse("admin:accounts_user_change", args=[person.pk]))
    assert response.status_code == 200
    assert "dana.departed@example.org" in body(response)


@pytest.mark.parametrize("viewer", ["colleague", "other_manager", "other_official", "analyst"])
def test_others_cannot_reach_their_records(client, world, departed, viewer):
    _person, pledge, assessment = departed
    client.force_login(getattr(world, viewer))
    assert client.get(reverse("pledges:pledge-detail", args=[pledge.pk])).status_code == 404
    response = client.get(reverse("assessments:assessment-detail", args=[assessment.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("viewer", "url"),
    [
        ("supervisor", "assessments:team-list"),
        ("manager", "accounts:people-list"),
        ("other_supervisor", "assessments:team-list"),
    ],
)
def test_team_and_people_pages_do_not_list_them(client, world, departed, viewer, url):
    client.force_login(getattr(world, viewer))
    response = client.get(reverse(url))
    assert response.status_code == 200
    assert "dana.departed" not in body(response)
    assert "Dana Departed" not in body(response)


def test_association_report_never_names_them(client, world, cycle, departed):
    client.force_login(world.analyst)
    for name in ["association-report", "association-report-csv"]:
        response = client.get(reverse(f"reports:{name}", args=[world.association.pk]))
        assert response.status_code == 200
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"Dana Departed" not in content
        assert b"dana.departed" not in content
