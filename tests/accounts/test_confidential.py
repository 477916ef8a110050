"""Confidential participants: who marks them, the audit trail, and who reads the name."""

import pytest
from django.urls import reverse

from accounts.models import CONFIDENTIAL_NAME, AuditEntry, Membership
from accounts.permissions import shown_name

from ..factories import MembershipFactory
from ..pledges.conftest import fresh_login


def _reload(user):
    user.refresh_from_db()
    return user


def test_a_person_marks_themselves_confidential_on_their_account_page(client, world):
    client.force_login(world.official)
    page = client.get(reverse("accounts:my-account")).content.decode()
    assert 'name="is_confidential"' in page
    response = client.post(reverse("accounts:my-confidential"), {"is_confidential": "on"})
    assert response.status_code == 302
    assert _reload(world.official).is_confidential
    entry = AuditEntry.objects.get(action="account.confidential_changed")
    assert (entry.actor, entry.object_id, entry.office) == (
        world.official,
        str(world.official.pk),
        world.office,
    )
    assert entry.details == {"confidential": True, "by_self": True}
    # Unticking is a change too, and audited.
    client.post(reverse("accounts:my-confidential"), {})
    assert not _reload(world.official).is_confidential
    assert AuditEntry.objects.filter(action="account.confidential_changed").count() == 2


def test_saving_the_same_setting_again_records_nothing(client, world):
    client.force_login(world.official)
    client.post(reverse("accounts:my-confidential"), {})
    assert not AuditEntry.objects.filter(action="account.confidential_changed").exists()


def test_the_office_manager_marks_a_person_confidential(client, world):
    fresh_login(client, world.manager)
    membership = world.official.active_membership
    url = reverse("accounts:membership-update", args=[membership.pk])
    assert 'name="is_confidential"' in client.get(url).content.decode()
    response = client.post(
        url,
        {"role": "official", "reports_to": world.supervisor.pk, "is_confidential": "on"},
    )
    assert response.status_code == 302
    assert _reload(world.official).is_confidential
    entry = AuditEntry.objects.get(action="account.confidential_changed")
    assert (entry.actor, entry.office, entry.details["by_self"]) == (
        world.manager,
        world.office,
        False,
    )


def test_another_offices_manager_cannot_mark_the_person(client, world):
    fresh_login(client, world.other_manager)
    url = reverse("accounts:membership-update", args=[world.official.active_membership.pk])
    response = client.post(url, {"role": "official", "is_confidential": "on"})
    assert response.status_code == 404
    assert not _reload(world.official).is_confidential


@pytest.fixture
def records_officer(world):
    return MembershipFactory(office=world.office, role=Membership.Role.RECORDS_OFFICER).user


def test_only_the_person_their_manager_and_records_officer_read_the_name(world, records_officer):
    person = world.official
    person.is_confidential = True
    readers = {
        "person": person,
        "manager": world.manager,
        "records_officer": records_officer,
        "supervisor": world.supervisor,
        "colleague": world.colleague,
        "other_manager": world.other_manager,
        "analyst": world.analyst,
        "site_admin": world.site_admin,
    }
    shown = {
        role: shown_name(person, viewer, office_id=world.office.pk)
        for role, viewer in readers.items()
    }
    hidden = str(CONFIDENTIAL_NAME)
    assert shown == {
        "person": "Olivia Chen",
        "manager": "Olivia Chen",
        "records_officer": "Olivia Chen",
        "supervisor": hidden,
        "colleague": hidden,
        "other_manager": hidden,
        "analyst": hidden,
        "site_admin": hidden,
    }
    assert shown_name(person) == hidden  # the public
    person.is_confidential = False
    assert shown_name(person) == "Olivia Chen"


def test_the_supervisor_reads_a_confidential_report_unnamed_in_the_team_list(client, world, cycle):
    world.official.is_confidential = True
    world.official.save(update_fields=["is_confidential"])
    client.force_login(world.supervisor)
    page = client.get(reverse("assessments:team-list")).content.decode()
    assert str(CONFIDENTIAL_NAME) in page
    assert "Olivia Chen" not in page
    client.force_login(world.manager)
    page = client.get(reverse("assessments:office-list")).content.decode()
    assert "Olivia Chen" in page
