import datetime

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.forms import InvitationAcceptForm, InvitationForm
from accounts.models import (
    AssociationRole,
    AuditEntry,
    Invitation,
    Membership,
    User,
)

from ..factories import PASSWORD, MembershipFactory, UserFactory

NEW_PASSWORD = "a-long-and-unusual-passphrase"


def invite_url():
    return reverse("accounts:invitation-create")


def accept_url(invitation):
    return reverse("accounts:invitation-accept", args=[invitation.token])


# Services


def test_a_confidential_inviter_is_not_named_to_the_invitee(
    world, django_capture_on_commit_callbacks
):
    """The invitee is not yet of the office: they may not read a confidential name."""
    world.manager.is_confidential = True
    world.manager.save(update_fields=["is_confidential"])
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(
            office=world.office,
            email="jordan.lee@example.org",
            full_name="Jordan Lee",
            role=Membership.Role.OFFICIAL,
            reports_to=world.supervisor,
            invited_by=world.manager,
        )
    (message,) = mail.outbox
    text = message.subject + message.body + "".join(c for c, _t in message.alternatives)
    assert world.manager.full_name not in text and world.manager.email not in text
    assert "A confidential participant has invited you" in message.body


def test_invitation_create_sends_the_link_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            office=world.office,
            email=" Jordan.Lee@Example.org ",
            full_name="Jordan Lee",
            role=Membership.Role.OFFICIAL,
            reports_to=world.supervisor,
            invited_by=world.manager,
        )
    assert invitation.email == "jordan.lee@example.org"
    assert invitation.expires_at > timezone.now() + datetime.timedelta(days=13)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["jordan.lee@example.org"]
    assert world.office.name in message.subject
    assert f"/people/invitations/{invitation.token}/" in message.body
    assert "&#x27;" not in message.body and "&amp;" not in message.body
    assert AuditEntry.objects.filter(
        action="invitation.sent", object_id=str(invitation.pk)
    ).exists()


def test_no_email_leaves_when_the_invitation_is_rolled_back(world):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        services.invitation_create(
            office=world.office,
            email="x@example.org",
            full_name="X",
            role="official",
            invited_by=world.manager,
        )
        raise RuntimeError
    assert mail.outbox == []
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"role": "mayor"}, "role"),
        ({"email": "OFFICIAL"}, "email"),  # replaced by the member's address below
    ],
)
def test_invitation_create_refuses_bad_input(world, overrides, field):
    values = {
        "office": world.office,
        "email": "someone@example.org",
        "full_name": "Someone",
        "role": "official",
        "invited_by": world.manager,
    }
    values.update(overrides)
    if values["email"] == "OFFICIAL":
        values["email"] = world.official.email.upper()
    with pytest.raises(ValidationError) as caught:
        services.invitation_create(**values)
    assert field in caught.value.message_dict
    assert not Invitation.objects.exists()


def test_invitation_create_refuses_a_second_pending_invitation(world, make_invitation):
    make_invitation(email="twice@example.org")
    with pytest.raises(ValidationError, match="pending invitation"):
        services.invitation_create(
            office=world.office,
            email="Twice@example.org",
            full_name="Twice",
            role="official",
            invited_by=world.manager,
        )
    assert Invitation.objects.count() == 1


def test_invitation_create_refuses_a_supervisor_from_another_office(world):
    with pytest.raises(ValidationError) as caught:
        services.invitation_create(
            office=world.office,
            email="someone@example.org",
            full_name="Someone",
            role="official",
            reports_to=world.other_manager,
            invited_by=world.manager,
        )
    assert "reports_to" in caught.value.message_dict


def test_resend_replaces_the_link_and_restarts_the_clock(
    world, make_invitation, django_capture_on_commit_callbacks
):
    invitation = make_invitation(expires_at=timezone.now() - datetime.timedelta(days=1))
    old_token = invitation.token
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_resend(invitation=invitation, by=world.manager)
    invitation.refresh_from_db()
    assert invitation.token != old_token
    assert not invitation.is_expired()
    assert invitation.token in mail.outbox[0].body
    assert AuditEntry.objects.filter(action="invitation.resent").count() == 1


def test_revoked_invitation_cannot_be_revoked_or_resent_again(world, make_invitation):
    invitation = make_invitation()
    services.invitation_revoke(invitation=invitation, by=world.manager)
    with pytest.raises(ValidationError):
        services.invitation_revoke(invitation=invitation, by=world.manager)
    with pytest.raises(ValidationError):
        services.invitation_resend(invitation=invitation, by=world.manager)
    assert AuditEntry.objects.filter(action="invitation.revoked").count() == 1


def test_accepting_creates_a_verified_person_in_the_office(world, make_invitation):
    invitation = make_invitation(role=Membership.Role.SUPERVISOR, reports_to=world.manager)
    user = services.invitation_accept(
        invitation=invitation, full_name="New P. Person", password=NEW_PASSWORD
    )
    assert user.full_name == "New P. Person"
    assert user.check_password(NEW_PASSWORD)
    assert EmailAddress.objects.get(user=user).verified
    membership = user.active_membership
    assert (membership.office, membership.role, membership.reports_to) == (
        world.office,
        Membership.Role.SUPERVISOR,
        world.manager,
    )
    invitation.refresh_from_db()
    assert invitation.accepted_by == user and invitation.accepted_at is not None
    assert AuditEntry.objects.filter(action="invitation.accepted", actor=user).exists()


def test_an_existing_person_moves_office_and_keeps_their_history(world, make_invitation):
    invitation = make_invitation(email=world.other_official.email)
    services.invitation_accept(invitation=invitation, user=world.other_official)
    memberships = world.other_official.memberships.order_by("started_at")
    assert [m.office for m in memberships] == [world.other_office, world.office]
    assert memberships[0].ended_at is not None


def test_an_invitation_cannot_be_used_twice(world, make_invitation):
    invitation = make_invitation()
    services.invitation_accept(invitation=invitation, full_name="A", password=NEW_PASSWORD)
    with pytest.raises(services.InvitationUnusable):
        services.invitation_accept(invitation=invitation, full_name="B", password=NEW_PASSWORD)
    assert User.objects.filter(email=invitation.email).count() == 1


def test_another_signed_in_person_cannot_take_an_invitation(world, make_invitation):
    invitation = make_invitation()
    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=invitation, user=world.colleague)
    assert world.colleague.memberships.count() == 1


def test_an_association_invitation_creates_the_role(world):
    invitation = services.association_invitation_create(
        association=world.association,
        email="new.analyst@example.org",
        full_name="New Analyst",
        role=AssociationRole.Role.ANALYST,
        invited_by=world.association_admin,
    )
    user = services.invitation_accept(invitation=invitation, password=NEW_PASSWORD)
    assert AssociationRole.objects.get(user=user).association == world.association
    assert user.active_membership is None


def test_an_association_invitation_refuses_someone_who_has_a_role(world):
    with pytest.raises(ValidationError):
        services.association_invitation_create(
            association=world.association,
            email=world.analyst.email,
            full_name="Again",
            role="analyst",
            invited_by=world.association_admin,
        )


def test_a_deactivated_person_invited_back_sets_a_new_password(world, make_invitation):
    services.membership_deactivate(membership=world.colleague.active_membership, by=world.manager)
    world.colleague.refresh_from_db()
    assert not world.colleague.is_active
    invitation = make_invitation(email=world.colleague.email)
    user = services.invitation_accept(invitation=invitation, password=NEW_PASSWORD)
    assert user.pk == world.colleague.pk
    user.refresh_from_db()
    assert user.is_active and user.check_password(NEW_PASSWORD)


# Forms


def test_invitation_form_offers_only_this_offices_supervisors(world):
    form = InvitationForm(user=world.manager)
    offered = set(form.fields["reports_to"].queryset)
    assert offered == {world.manager, world.supervisor, world.other_supervisor}


def test_invitation_form_refuses_a_supervisor_from_elsewhere(world):
    form = InvitationForm(
        {
            "full_name": "X",
            "email": "x@example.org",
            "role": "official",
            "reports_to": world.other_manager.pk,
        },
        user=world.manager,
    )
    assert not form.is_valid()
    assert "reports_to" in form.errors


def test_accept_form_applies_the_password_rules(world, make_invitation):
    invitation = make_invitation()
    short = InvitationAcceptForm(
        {"full_name": "N", "password1": "short", "password2": "short"}, invitation=invitation
    )
    assert not short.is_valid() and "password1" in short.errors
    mismatch = InvitationAcceptForm(
        {"full_name": "N", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"},
        invitation=invitation,
    )
    assert not mismatch.is_valid() and "password2" in mismatch.errors


# Views: inviting


def test_manager_invites_a_person(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            invite_url(),
            {
                "full_name": "Jordan Lee",
                "email": "jordan@example.org",
                "role": "official",
                "reports_to": world.supervisor.pk,
            },
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:invitation-list")
    invitation = Invitation.objects.get()
    assert invitation.reports_to == world.supervisor
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email"}, "valid email"),
        ({"role": "mayor"}, "valid choice"),
        ({"email": "OFFICIAL"}, "already a member"),
        ({"full_name": ""}, "required"),
    ],
)
def test_bad_invitations_get_a_message_and_a_4xx(client, world, snapshot, data, message):
    values = {"full_name": "Jordan Lee", "email": "jordan@example.org", "role": "official"}
    values.update(data)
    if values["email"] == "OFFICIAL":
        values["email"] = world.official.email
    client.force_login(world.manager)
    before = snapshot()
    response = client.post(invite_url(), values)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert snapshot() == before
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("who", "status"),
    [("supervisor", 403), ("official", 403), ("analyst", 403), ("association_admin", 403)],
)
def test_only_managers_may_invite(client, world, snapshot, who, status):
    client.force_login(getattr(world, who))
    before = snapshot()
    assert client.get(invite_url()).status_code == status
    response = client.post(
        invite_url(), {"full_name": "X", "email": "x@example.org", "role": "official"}
    )
    assert response.status_code == status
    assert snapshot() == before


def test_anonymous_is_sent_to_sign_in_for_invitation_pages(client, world, make_invitation):
    invitation = make_invitation()
    for url in [
        invite_url(),
        reverse("accounts:invitation-list"),
        reverse("accounts:invitation-resend", args=[invitation.pk]),
        reverse("accounts:invitation-revoke", args=[invitation.pk]),
    ]:
        response = client.post(url)
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_invitation_list_shows_only_this_offices_pending_invitations(
    client, world, make_invitation
):
    make_invitation(email="mine@example.org")
    make_invitation(email="theirs@example.org", office=world.other_office)
    make_invitation(email="gone@example.org", revoked_at=timezone.now())
    client.force_login(world.manager)
    body = client.get(reverse("accounts:invitation-list")).content.decode()
    assert "mine@example.org" in body
    assert "theirs@example.org" not in body
    assert "gone@example.org" not in body


@pytest.mark.parametrize("count", [1, 30])
def test_invitation_list_queries_do_not_grow(
    client, world, make_invitation, count, django_assert_num_queries
):
    for n in range(count):
        make_invitation(email=f"p{n}@example.org", reports_to=world.supervisor)
    client.force_login(world.manager)
    with django_assert_num_queries(3):
        response = client.get(reverse("accounts:invitation-list"))
    assert response.content.decode().count('<th scope="row">') == count


def test_manager_resends_and_revokes(
    client, world, make_invitation, django_capture_on_commit_callbacks
):
    invitation = make_invitation()
    client.force_login(world.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:invitation-resend", args=[invitation.pk]))
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    response = client.post(reverse("accounts:invitation-revoke", args=[invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    # A second click finds nothing left to revoke.
    response = client.post(reverse("accounts:invitation-revoke", args=[invitation.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["other_manager", "supervisor", "analyst", "association_admin"])
def test_others_cannot_resend_or_revoke(client, world, make_invitation, snapshot, who):
    invitation = make_invitation()
    client.force_login(getattr(world, who))
    before = snapshot()
    for name in ["accounts:invitation-resend", "accounts:invitation-revoke"]:
        assert client.post(reverse(name, args=[invitation.pk])).status_code == 404
    assert snapshot() == before


def test_resend_and_revoke_refuse_get(client, world, make_invitation):
    invitation = make_invitation()
    client.force_login(world.manager)
    response = client.get(reverse("accounts:invitation-revoke", args=[invitation.pk]))
    assert response.status_code == 405


# Views: accepting


def test_the_invitation_page_shows_office_and_role_to_anyone(client, world, make_invitation):
    invitation = make_invitation(role=Membership.Role.SUPERVISOR)
    response = client.get(accept_url(invitation))
    assert response.status_code == 200
    body = response.content.decode()
    assert world.office.name in body and "Supervisor" in body


def test_a_new_person_accepts_and_is_signed_in(client, world, make_invitation):
    invitation = make_invitation(reports_to=world.supervisor)
    response = client.post(
        accept_url(invitation),
        {"full_name": "Jordan Lee", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert "Welcome, Jordan" in home.content.decode()
    user = User.objects.get(email=invitation.email)
    assert user.active_membership.reports_to == world.supervisor


@pytest.mark.parametrize(
    ("state", "fields"),
    [
        ("expired", {"expires_at": timezone.now() - datetime.timedelta(minutes=1)}),
        ("revoked", {"revoked_at": timezone.now()}),
    ],
)
def test_expired_or_revoked_links_answer_410(
    client, world, make_invitation, snapshot, state, fields
):
    invitation = make_invitation(**fields)
    before = snapshot()
    assert client.get(accept_url(invitation)).status_code == 410
    response = client.post(
        accept_url(invitation),
        {"full_name": "Jordan", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 410
    assert "can no longer be used" in response.content.decode()
    assert snapshot() == before


def test_a_used_link_answers_410(client, world, make_invitation, snapshot):
    invitation = make_invitation()
    data = {"full_name": "Jordan", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    client.post(accept_url(invitation), data)
    client.logout()
    before = snapshot()
    response = client.post(accept_url(invitation), data)
    assert response.status_code == 410
    assert "already been accepted" in response.content.decode()
    assert snapshot() == before


def test_an_unknown_token_answers_404(client, db):
    response = client.get(reverse("accounts:invitation-accept", args=["no-such-token"]))
    assert response.status_code == 404


def test_a_weak_password_is_refused_and_nothing_is_created(
    client, world, make_invitation, snapshot
):
    invitation = make_invitation()
    before = snapshot()
    response = client.post(
        accept_url(invitation),
        {"full_name": "Jordan", "password1": "12345678", "password2": "12345678"},
    )
    assert response.status_code == 422
    assert "too short" in response.content.decode()
    assert snapshot() == before
    assert "_auth_user_id" not in client.session


def test_an_existing_person_is_asked_to_sign_in_first(client, world, make_invitation, snapshot):
    invitation = make_invitation(email=world.other_official.email)
    before = snapshot()
    response = client.get(accept_url(invitation))
    assert response.status_code == 200
    assert "Sign in to accept" in response.content.decode()
    response = client.post(
        accept_url(invitation),
        {"full_name": "Taken", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert snapshot() == before
    world.other_official.refresh_from_db()
    assert world.other_official.check_password(PASSWORD)


def test_an_existing_person_signs_in_and_accepts(client, world, make_invitation):
    invitation = make_invitation(email=world.other_official.email.upper())
    client.force_login(world.other_official)
    assert client.get(accept_url(invitation)).status_code == 200
    response = client.post(accept_url(invitation))
    assert response.status_code == 302
    world.other_official.__dict__.pop("active_membership", None)
    assert world.other_official.active_membership.office == world.office


def test_someone_else_signed_in_gets_403(client, world, make_invitation, snapshot):
    invitation = make_invitation()
    client.force_login(world.colleague)
    before = snapshot()
    assert client.get(accept_url(invitation)).status_code == 403
    assert client.post(accept_url(invitation)).status_code == 403
    assert snapshot() == before


def test_an_analyst_accepts_an_association_invitation(client, world):
    invitation = services.association_invitation_create(
        association=world.association,
        email="analyst.two@example.org",
        full_name="Analyst Two",
        role="analyst",
        invited_by=world.association_admin,
    )
    response = client.post(
        accept_url(invitation),
        {"full_name": "Analyst Two", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user = User.objects.get(email="analyst.two@example.org")
    assert user.association_roles.get().role == "analyst"


def test_a_member_of_another_office_may_be_invited(world):
    invitation = services.invitation_create(
        office=world.office,
        email=world.other_official.email,
        full_name="Mover",
        role="official",
        invited_by=world.manager,
    )
    assert invitation.is_pending


def test_the_invitation_email_tells_existing_people_to_sign_in(
    world, django_capture_on_commit_callbacks
):
    existing = UserFactory()
    MembershipFactory(user=existing, office=world.other_office)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(
            office=world.office,
            email=existing.email,
            full_name="Existing",
            role="official",
            invited_by=world.manager,
        )
    assert "sign in" in mail.outbox[0].body


def test_moving_office_hands_the_old_team_to_the_next_supervisor_up(world, make_invitation):
    MembershipFactory(office=world.other_office, role="manager")  # the office keeps a manager
    invitation = make_invitation(email=world.other_manager.email, role="manager")
    services.invitation_accept(invitation=invitation, user=world.other_manager)
    left_behind = Membership.objects.get(user=world.other_official, ended_at__isnull=True)
    assert left_behind.office == world.other_office
    assert left_behind.reports_to is None  # their manager reported to nobody


def test_the_database_refuses_a_second_pending_invitation_raced_past_the_check(
    world, make_invitation
):
    make_invitation(email="race@example.org")
    duplicate = Invitation(
        email="RACE@example.org",
        full_name="Race",
        office=world.office,
        role="official",
        invited_by=world.manager,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    with pytest.raises(ValidationError, match="pending invitation"):
        services._invitation_save(duplicate)
    assert Invitation.objects.count() == 1


def test_the_only_manager_of_an_office_cannot_move_away_and_leave_it_unmanaged(
    world, make_invitation
):
    invitation = make_invitation(email=world.other_manager.email, role="official")
    with pytest.raises(ValidationError, match="only manager of Lakeside County Elections"):
        services.invitation_accept(invitation=invitation, user=world.other_manager)
    membership = Membership.objects.get(user=world.other_manager, ended_at__isnull=True)
    assert membership.office == world.other_office and membership.role == "manager"
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_the_accept_page_explains_why_the_only_manager_cannot_move(client, world, make_invitation):
    invitation = make_invitation(email=world.other_manager.email)
    client.force_login(world.other_manager)
    response = client.post(accept_url(invitation), {})
    assert response.status_code == 422
    assert "only manager of Lakeside County Elections" in response.text
    assert Membership.objects.get(user=world.other_manager, ended_at__isnull=True).office == (
        world.other_office
    )


def test_a_new_person_can_sign_the_pledge_without_typing_the_password_again(
    client, world, make_invitation
):
    invitation = make_invitation()
    client.post(
        accept_url(invitation),
        {"full_name": "Jordan Lee", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    response = client.get(reverse("pledges:pledge-sign"))
    assert response.status_code == 200
    assert "reauthenticate" not in response.get("Location", "")
