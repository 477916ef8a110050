"""Election workers in accounts: a roster with phone numbers, people without email, and
deactivating the season's workers in one confirmed step."""

import pytest
from allauth.usersessions.models import UserSession
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import services
from accounts.models import AuditEntry, Invitation, Membership, RosterUpload, User
from accounts.roster import RosterError, phone_parse, roster_parse
from accounts.selectors import personal_data, roster_plan

from ..factories import MembershipFactory
from ..pledges.conftest import fresh_login

WORKER = Membership.Role.ELECTION_WORKER
HEADER = "name,email,phone,role,reports_to_email\n"


def stored(world, text: str) -> RosterUpload:
    parsed = roster_parse(text.encode())
    return services.roster_upload_create(
        office=world.office,
        uploaded_by=world.manager,
        filename="workers.csv",
        sha256=parsed.sha256,
        rows=parsed.rows,
    )


def worker(world, name="Ada Brooks", phone="+13035550142", email=None) -> Membership:
    person = services.person_create(full_name=name, phone=phone, email=email)
    return services.membership_start(user=person, office=world.office, role=WORKER)


# Phone numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [("(303) 555-0142", "+13035550142"), ("303.555.0142", "+13035550142"),
     ("+44 20 7946 0958", "+442079460958"), ("", "")],
)  # fmt: skip
def test_a_phone_number_is_kept_in_e164(text, expected):
    assert phone_parse(text) == (expected, "")


@pytest.mark.parametrize("text", ["555-555-0123", "12", "call me", "+1 303", "9" * 60])
def test_a_number_that_is_no_phone_number_carries_a_clear_problem(text):
    number, problem = phone_parse(text)
    assert number == "" and "is not a phone number we can use" in problem


def test_the_phone_column_is_optional_and_a_repeated_phone_is_refused_whole():
    assert roster_parse(b"name,email,role\nA,a@example.org,official\n").rows[0]["phone"] == ""
    with pytest.raises(RosterError, match="appears on line 2 and again on line 3"):
        roster_parse((HEADER + "A,,303-555-0142,election_worker,\n"
                      "B,,(303) 555-0142,election_worker,\n").encode())  # fmt: skip
    with pytest.raises(RosterError, match="may add reports_to_email, phone"):
        roster_parse(b"name,email,role,fax\nA,a@example.org,official,1\n")


# Planning


def test_the_preview_says_what_happens_to_each_worker(world):
    existing = worker(world, "Old Hand", "+13035550100")
    gone = worker(world, "Last Year", "+13035550101")
    worker(world, "Phone Owner", "+13035550102")
    services.membership_deactivate(membership=gone, by=world.manager)
    text = (
        HEADER
        + "New Worker,,303-555-0142,election_worker,\n"
        + "Old Hand,,303-555-0100,Election Worker,\n"
        + "Last Year,,(303) 555-0101,poll worker,\n"
        + f"Elsewhere,{world.other_official.email},,election_worker,\n"
        + "Bad Phone,,555-555-0123,election_worker,\n"
        + "No Contact,,,election_worker,\n"
        + "Staff No Email,,303-555-0199,official,\n"
        + f"Clash,{world.colleague.email},303-555-0102,election_worker,\n"
    )
    plan = {row["name"]: row for row in roster_plan(world.office, stored(world, text).rows)}
    assert plan["New Worker"]["action"] == "add"
    assert plan["New Worker"]["phone"] == "+13035550142"
    assert plan["Old Hand"]["action"] == "member"
    assert "Already on file" in plan["Old Hand"]["message"]
    assert plan["Last Year"]["action"] == "rejoin"
    assert plan["Elsewhere"]["action"] == "elsewhere"
    assert plan["Bad Phone"]["action"] == "error"
    assert "“555-555-0123” is not a phone number" in plan["Bad Phone"]["message"]
    assert plan["No Contact"]["action"] == "error"
    assert "email address or a phone number" in plan["No Contact"]["message"]
    assert plan["Staff No Email"]["action"] == "error"
    assert "email address is missing" in plan["Staff No Email"]["message"]
    assert plan["Clash"]["action"] == "error"
    assert "two different people" in plan["Clash"]["message"]
    assert existing.pk


def test_the_preview_page_shows_every_line_and_the_phone_problem(client, world):
    client.force_login(world.manager)
    data = (HEADER + "New Worker,,303-555-0142,election_worker,\n"
            "Bad Phone,,555-555-0123,election_worker,\n").encode()  # fmt: skip
    response = client.post(
        reverse("accounts:roster-upload"),
        {"file": SimpleUploadedFile("w.csv", data, content_type="text/csv")},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "1 line needs fixing" in page and "is not a phone number we can use" in page
    assert "+13035550142" in page


# Confirming


def test_confirming_adds_workers_without_email_and_sends_nothing(world):
    text = (HEADER + "Ada Brooks,,303-555-0142,election_worker,\n"
            f"Lee Park,lee.park@example.org,720-555-0188,election_worker,{world.supervisor.email}\n"
            "Sam Staff,sam.staff@example.org,,official,\n")  # fmt: skip
    result = services.roster_confirm(upload=stored(world, text), by=world.manager)
    assert len(result.added) == 2 and len(result.invitations) == 1
    ada = User.objects.get(phone="+13035550142")
    assert ada.email is None and not ada.has_usable_password()
    assert ada.active_membership.role == WORKER and ada.active_membership.office == world.office
    lee = User.objects.get(email="lee.park@example.org")
    assert lee.active_membership.reports_to == world.supervisor
    assert Invitation.objects.filter(email__in=["lee.park@example.org", ""]).count() == 0
    assert [m.to for m in mail.outbox] in ([], [["sam.staff@example.org"]])
    entries = AuditEntry.objects.filter(
        action="roster.confirmed", object_type="accounts.membership"
    )
    assert sorted(e.details["outcome"] for e in entries) == ["added", "added"]


def test_uploading_the_same_roster_again_adds_nobody_twice(world):
    text = HEADER + "Ada Brooks,,303-555-0142,election_worker,\n"
    services.roster_confirm(upload=stored(world, text), by=world.manager)
    again = services.roster_confirm(upload=stored(world, text), by=world.manager)
    assert again.added == [] and again.invitations == []
    assert User.objects.filter(phone="+13035550142").count() == 1


def test_a_worker_from_last_season_is_added_back_not_duplicated(world):
    gone = worker(world)
    services.membership_deactivate(membership=gone, by=world.manager)
    assert not User.objects.get(pk=gone.user_id).is_active
    result = services.roster_confirm(
        upload=stored(world, HEADER + "Ada B.,,303-555-0142,election_worker,\n"), by=world.manager
    )
    assert [m.user_id for m in result.added] == [gone.user_id]
    person = User.objects.get(pk=gone.user_id)
    assert person.is_active and person.active_membership.role == WORKER
    assert User.objects.filter(phone="+13035550142").count() == 1


def test_a_roster_confirmed_twice_at_once_is_done_once(client, world):
    upload = stored(world, HEADER + "Ada Brooks,,303-555-0142,election_worker,\n")
    fresh_login(client, world.manager)
    url = reverse("accounts:roster-preview", args=[upload.pk])
    token = "3f1c2a86-3c59-4a59-9a8f-1f0b0c0d0e0f"
    first = client.post(url, {"submission": token})
    second = client.post(url, {"submission": token})
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Membership.objects.filter(role=WORKER).count() == 1


# People without email


def test_a_person_without_email_is_listed_with_their_phone(client, world):
    worker(world)
    client.force_login(world.manager)
    page = client.get(reverse("accounts:people-list")).content.decode()
    assert "Ada Brooks" in page and "No email on file" in page and "+1 303-555-0142" in page


def test_a_worker_without_email_gets_no_mail_and_no_crash(
    world, cycle, django_capture_on_commit_callbacks
):
    from pledges.services import reminders_send

    ada = worker(world).user
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send(cycle=cycle, office=world.office, key="test")
    from pledges.models import PledgeReminder

    assert mail.outbox and all(None not in m.to for m in mail.outbox)
    assert PledgeReminder.objects.filter(cycle=cycle).exists()
    assert not PledgeReminder.objects.filter(user=ada).exists()


def test_the_personal_data_of_a_person_without_email_exports(world):
    ada = worker(world).user
    data = personal_data(ada)
    assert data["profile"]["email"] is None and data["invitations"] == []
    assert data["memberships"][0]["role"] == "Election worker"


def test_the_audit_trail_names_an_actor_without_email(world):
    from accounts.audit import audit_record

    ada = worker(world).user
    entry = audit_record(action="auth.signed_in", actor=ada, obj=ada)
    assert entry.actor_label == "Ada Brooks"


# Deactivating after the election


def test_the_bulk_page_previews_the_count_and_ends_every_worker(client, world):
    workers = [worker(world, f"Worker {n}", f"+1303555{n:04d}") for n in range(3)]
    MembershipFactory(office=world.other_office, role=WORKER)  # another office's
    fresh_login(client, world.manager)
    url = reverse("accounts:election-workers-deactivate")
    page = client.get(url).content.decode()
    assert "3 election workers will be deactivated." in page
    response = client.post(url, {"expected": "3"})
    assert response.status_code == 302
    assert not Membership.objects.filter(office=world.office, role=WORKER, ended_at__isnull=True)
    assert Membership.objects.filter(role=WORKER, ended_at__isnull=True).count() == 1
    assert not User.objects.filter(pk__in=[m.user_id for m in workers], is_active=True).exists()
    entries = AuditEntry.objects.filter(action="membership.deactivated", office=world.office)
    assert entries.count() == 3 and all(e.details["bulk"] for e in entries)
    assert Membership.objects.filter(pk__in=[m.pk for m in workers]).count() == 3  # kept


def test_a_stale_count_changes_nothing(client, world):
    worker(world)
    fresh_login(client, world.manager)
    response = client.post(reverse("accounts:election-workers-deactivate"), {"expected": "5"})
    assert response.status_code == 409
    assert "changed since you looked at it" in response.content.decode()
    assert Membership.objects.filter(role=WORKER, ended_at__isnull=True).count() == 1


def test_only_the_ticked_or_searched_workers_are_ended(client, world):
    a = worker(world, "Alpha Worker", "+13035550001")
    b = worker(world, "Beta Worker", "+13035550002")
    c = worker(world, "Gamma Worker", "+13035550003")
    fresh_login(client, world.manager)
    url = reverse("accounts:election-workers-deactivate")
    assert client.post(url, {"expected": "0", "chosen": [a.pk]}).status_code == 302
    assert client.post(url + "?q=gamma", {"expected": "1"}).status_code == 302
    ended = set(Membership.objects.filter(ended_at__isnull=False).values_list("pk", flat=True))
    assert ended == {a.pk, c.pk} and b.pk not in ended


def test_a_staff_member_or_another_office_worker_cannot_be_ticked(client, world):
    other = MembershipFactory(office=world.other_office, role=WORKER)
    fresh_login(client, world.manager)
    url = reverse("accounts:election-workers-deactivate")
    official = world.official.active_membership
    for chosen in (other.pk, official.pk, "x"):
        response = client.post(url, {"expected": "0", "chosen": [chosen]})
        assert response.status_code == 422
    assert not Membership.objects.filter(ended_at__isnull=False).exists()


def test_a_deactivated_worker_is_signed_out_everywhere(world):
    ada = worker(world, email="ada@example.org")
    UserSession.objects.create(
        user=ada.user, session_key="s" * 32, ip="127.0.0.1", user_agent="test"
    )
    count = services.election_workers_deactivate(office=world.office, by=world.manager, expected=1)
    assert count == 1 and not UserSession.objects.filter(user=ada.user).exists()


def test_nothing_to_deactivate_is_refused(world):
    with pytest.raises(ValidationError, match="nothing to deactivate"):
        services.election_workers_deactivate(office=world.office, by=world.manager, expected=0)


def test_role_forms_offer_the_election_worker_with_help(client, world):
    fresh_login(client, world.manager)
    page = client.get(reverse("accounts:invitation-create")).content.decode()
    assert 'value="election_worker"' in page and "never asked for the self-assessment" in page
    membership = world.official.active_membership
    page = client.get(reverse("accounts:membership-update", args=[membership.pk])).content.decode()
    assert 'value="election_worker"' in page


def test_an_election_worker_cannot_keep_people_reporting_to_them(world):
    membership = world.supervisor.active_membership
    with pytest.raises(ValidationError, match="People report to this person"):
        services.membership_update(
            membership=membership, role=WORKER, reports_to=None, by=world.manager
        )
