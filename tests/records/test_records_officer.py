"""The records officer: an office role the manager gives on the people pages."""

from django.urls import reverse

from accounts.models import AuditEntry, Membership

from ..pledges.conftest import fresh_login


def test_the_manager_makes_a_person_records_officer(client, world):
    fresh_login(client, world.manager)
    assert (
        'value="records_officer"'
        in client.get(reverse("accounts:invitation-create")).content.decode()
    )
    membership = world.colleague.active_membership
    url = reverse("accounts:membership-update", args=[membership.pk])
    assert client.post(url, {"role": "records_officer"}).status_code == 302
    membership.refresh_from_db()
    assert membership.role == Membership.Role.RECORDS_OFFICER
    assert AuditEntry.objects.filter(action="membership.role_changed").exists()
    assert "Records officer" in client.get(reverse("accounts:people-list")).content.decode()


def test_a_records_officer_cannot_lead_people(client, world):
    """People who report to a supervisor keep them until moved: no records officer leads."""
    fresh_login(client, world.manager)
    membership = world.supervisor.active_membership
    url = reverse("accounts:membership-update", args=[membership.pk])
    response = client.post(url, {"role": "records_officer", "reports_to": world.manager.pk})
    assert response.status_code == 422
    membership.refresh_from_db()
    assert membership.role == Membership.Role.SUPERVISOR
