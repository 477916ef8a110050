import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, Invitation, Office

from ..factories import OfficeFactory


def url(name, world, *args):
    return reverse(f"accounts:{name}", args=[world.association.pk, *args])


def test_administrator_sees_member_offices_and_people(client, world):
    client.force_login(world.association_admin)
    response = client.get(url("association-detail", world))
    assert response.status_code == 200
    body = response.content.decode()
    assert world.office.name in body and world.analyst.email in body
    assert world.other_office.name not in body


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("analyst", 403),  # knows the association, may not manage it
        ("other_analyst", 404),
        ("manager", 404),
        ("official", 404),
    ],
)
def test_only_administrators_manage_the_association(client, world, snapshot, who, status):
    client.force_login(getattr(world, who))
    before = snapshot()
    spare = OfficeFactory()
    posts = [
        (url("association-office-add", world), {"office": spare.pk}),
        (url("association-office-create", world), {"name": "N", "state": "CO", "kind": "city"}),
        (url("association-office-remove", world), {"office": world.office.pk}),
        (
            url("association-invitation-create", world),
            {"full_name": "A", "email": "a@example.org", "role": "analyst"},
        ),
    ]  # fmt: skip
    assert client.get(url("association-detail", world)).status_code == status
    for target, data in posts:
        assert client.post(target, data).status_code == status
    assert snapshot() == before
    assert Office.objects.filter(name="N").count() == 0


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get(url("association-detail", world))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_administrator_finds_and_adds_an_office(client, world):
    spare = OfficeFactory(name="Granite County Elections")
    client.force_login(world.association_admin)
    response = client.get(url("association-office-add", world), {"q": "granite"})
    assert spare.name in response.content.decode()
    response = client.get(url("association-office-add", world), {"q": world.office.name})
    assert "No office that is not already a member matches" in response.content.decode()
    response = client.post(url("association-office-add", world), {"office": spare.pk})
    assert response.status_code == 302
    assert world.association.offices.filter(pk=spare.pk).exists()
    assert AuditEntry.objects.filter(action="association.office_added").exists()


def test_adding_a_member_again_or_nonsense_is_a_4xx(client, world, snapshot):
    client.force_login(world.association_admin)
    before = snapshot()
    for value in [world.office.pk, "nonsense", 999999]:
        response = client.post(url("association-office-add", world), {"office": value})
        assert response.status_code == 422
    assert snapshot() == before


def test_administrator_creates_an_office(client, world):
    client.force_login(world.association_admin)
    response = client.post(
        url("association-office-create", world),
        {"name": "Quartz City Clerk", "state": "CO", "kind": "city"},
    )
    assert response.status_code == 302
    assert world.association.offices.filter(name="Quartz City Clerk").exists()


def test_creating_a_duplicate_office_is_refused(client, world, snapshot):
    client.force_login(world.association_admin)
    before = snapshot()
    response = client.post(
        url("association-office-create", world),
        {"name": world.office.name, "state": world.office.state, "kind": "county"},
    )
    assert response.status_code == 422
    assert "already exists" in response.content.decode()
    assert snapshot() == before


def test_administrator_removes_an_office_but_not_someone_elses(client, world, snapshot):
    client.force_login(world.association_admin)
    before = snapshot()
    response = client.post(
        url("association-office-remove", world), {"office": world.other_office.pk}
    )
    assert response.status_code == 404
    assert snapshot() == before
    response = client.post(url("association-office-remove", world), {"office": world.office.pk})
    assert response.status_code == 302
    assert not world.association.offices.exists()
    assert world.office.memberships.filter(ended_at__isnull=True).count() == 5


def test_administrator_invites_an_analyst(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.association_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("association-invitation-create", world),
            {"full_name": "New Analyst", "email": "new.analyst@example.org", "role": "analyst"},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.association == world.association and invitation.office is None
    assert world.association.name in mail.outbox[0].subject
    detail = client.get(url("association-detail", world)).content.decode()
    assert "new.analyst@example.org" in detail
    # Administrators resend and revoke their association's invitations.
    assert (
        client.post(reverse("accounts:invitation-revoke", args=[invitation.pk])).status_code == 302
    )
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "bad"}, "valid email"),
        ({"role": "emperor"}, "valid choice"),
        ({"email": "ANALYST"}, "already has a role"),
    ],
)
def test_bad_analyst_invitations_get_a_4xx(client, world, snapshot, data, message):
    values = {"full_name": "A", "email": "a@example.org", "role": "analyst", **data}
    if values["email"] == "ANALYST":
        values["email"] = world.analyst.email
    client.force_login(world.association_admin)
    before = snapshot()
    response = client.post(url("association-invitation-create", world), values)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert snapshot() == before


def test_home_links_administrators_to_their_association(client, world):
    client.force_login(world.association_admin)
    assert url("association-detail", world) in client.get(reverse("home")).content.decode()
    client.force_login(world.analyst)
    assert url("association-detail", world) not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("count", [1, 30])
def test_association_page_queries_do_not_grow(client, world, count, django_assert_num_queries):
    from accounts.services import association_invitation_create

    from ..factories import AssociationRoleFactory

    for n in range(count - 1):
        world.association.offices.add(OfficeFactory())
        AssociationRoleFactory(association=world.association)
    for n in range(count):
        association_invitation_create(
            association=world.association,
            email=f"analyst{n}@example.org",
            full_name=f"Analyst {n}",
            role="analyst",
            invited_by=world.association_admin,
        )
    client.force_login(world.association_admin)
    with django_assert_num_queries(7):
        response = client.get(url("association-detail", world))
    body = response.content.decode()
    # offices + people (analyst, administrator, extra roles) + invitations
    assert body.count('<th scope="row">') == count + (count + 1) + count


def test_a_new_office_can_get_its_first_manager_invited(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.association_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("association-office-create", world),
            {
                "name": "Onyx Town Clerk",
                "state": "CO",
                "kind": "town",
                "manager_name": "Olive Onyx",
                "manager_email": "Olive@Example.org",
            },
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.office.name, invitation.role, invitation.email) == (
        "Onyx Town Clerk",
        "manager",
        "olive@example.org",
    )
    assert mail.outbox[0].to == ["olive@example.org"]
    assert "None yet" in client.get(url("association-detail", world)).content.decode()


def test_a_half_filled_first_manager_is_refused(client, world, snapshot):
    client.force_login(world.association_admin)
    before = snapshot()
    response = client.post(
        url("association-office-create", world),
        {"name": "Onyx Town Clerk", "state": "CO", "kind": "town", "manager_email": "o@x.org"},
    )
    assert response.status_code == 422
    assert "Enter the manager" in response.content.decode()
    assert snapshot() == before


def test_every_change_of_member_offices_raises_the_association_version(client, world):
    """Cached figures over the member offices key on this version (see docs/reports.md):
    the people pages and the admin site both raise it, and nothing else does."""
    from accounts import services
    from accounts.models import Association

    def version():
        return Association.objects.get(pk=world.association.pk).members_version

    start = version()
    newcomer = OfficeFactory(name="Newcomer County Elections")
    services.association_office_add(
        association=world.association, office=newcomer, by=world.association_admin
    )
    assert version() == start + 1
    services.association_office_remove(
        association=world.association, office=newcomer, by=world.association_admin
    )
    assert version() == start + 2
    client.force_login(world.site_admin)
    url = reverse("admin:accounts_association_change", args=[world.association.pk])

    def when(moment, prefix=""):  # the admin's date and time inputs, in local time
        local = timezone.localtime(moment)
        return {
            f"{prefix}created_at_0": f"{local:%Y-%m-%d}",
            f"{prefix}created_at_1": f"{local:%H:%M:%S}",
        }

    roles = list(world.association.roles.order_by("pk"))
    form = {
        "name": world.association.name,
        "state": world.association.state,
        "offices": [world.office.pk, newcomer.pk],
        **when(world.association.created_at),
        "roles-TOTAL_FORMS": str(len(roles)),
        "roles-INITIAL_FORMS": str(len(roles)),
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for n, role in enumerate(roles):  # the association's people, unchanged
        form.update(
            {
                f"roles-{n}-id": role.pk,
                f"roles-{n}-association": world.association.pk,
                f"roles-{n}-user": role.user_id,
                f"roles-{n}-role": role.role,
                **when(role.created_at, f"roles-{n}-"),
            }
        )
    assert client.post(url, form).status_code == 302
    assert version() == start + 3
    form["name"] = "Renamed Association"  # the same offices: no change to the figures
    assert client.post(url, form).status_code == 302
    assert version() == start + 3
