import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import AuditEntry, Membership, User
from pledges.chain import record_content, record_hash
from pledges.models import Pledge
from pledges.selectors import verify_chain
from signing import services
from signing.models import Attendance, RosterEntry, SigningSession

from ..factories import MembershipFactory, UserFactory
from ..pledges.conftest import META, sign
from .conftest import make_session

CODE = Pledge.IdentifiedBy.TRAINER_CODE


def join_entry(session, entry, identified_by=CODE):
    person = services.roster_person(session=session, entry=entry)
    return services.attendance_join(
        session=session, user=person, identified_by=identified_by, entry=entry
    )


def test_a_session_must_end_after_it_starts_and_not_in_the_past(world, cycle):
    now = timezone.now()
    with pytest.raises(ValidationError):
        make_session(world, cycle, starts_at=now, ends_at=now - datetime.timedelta(hours=1))
    with pytest.raises(ValidationError):
        make_session(
            world,
            cycle,
            starts_at=now - datetime.timedelta(hours=3),
            ends_at=now - datetime.timedelta(hours=1),
        )
    assert SigningSession.objects.count() == 0


def test_the_database_refuses_a_conference_audience_for_an_office(session):
    with pytest.raises(IntegrityError), transaction.atomic():
        SigningSession.objects.filter(pk=session.pk).update(audience="members")


def test_creating_a_session_is_audited(session, world):
    entry = AuditEntry.objects.get(action="signing.session_created")
    assert entry.actor == world.manager and entry.office == world.office


def test_roster_keeps_one_entry_per_address_and_phone(session, roster, world):
    result = services.roster_add(
        session=session,
        by=world.manager,
        rows=[
            services.RosterRow(full_name="Ana R.", email="ANA.RUIZ@example.org"),
            services.RosterRow(full_name="Benjamin Okafor", phone="+17205550101"),
            services.RosterRow(full_name="Dev Shah", email="dev@example.org"),
        ],
    )
    assert (result.added, result.already) == (1, 2)
    assert session.roster.count() == 4


def test_a_roster_person_becomes_one_election_worker_account(session, roster):
    ana = roster["Ana Ruiz"]
    first = services.roster_person(session=session, entry=ana)
    again = services.roster_person(session=session, entry=ana)
    assert first == again
    assert User.objects.filter(email="ana.ruiz@example.org").count() == 1
    assert not first.has_usable_password()
    membership = Membership.objects.get(user=first, ended_at__isnull=True)
    assert membership.office == session.office
    assert membership.role == Membership.Role.ELECTION_WORKER


def test_a_roster_entry_is_linked_to_the_existing_person_by_email_or_phone(world, session):
    by_email = UserFactory(email="known@example.org", full_name="Kim Known")
    by_phone = UserFactory(phone="+17205550177", full_name="Pat Phone")
    services.roster_add(
        session=session,
        by=world.manager,
        rows=[
            services.RosterRow(full_name="Kim Known", email="KNOWN@Example.org"),
            services.RosterRow(full_name="Pat Phone", phone="+17205550177"),
        ],
    )
    count = User.objects.count()
    for entry in session.roster.all():
        person = services.roster_person(session=session, entry=entry)
        assert person in (by_email, by_phone)
    assert User.objects.count() == count


def test_the_same_person_on_two_sessions_rosters_is_one_account(world, cycle, session, roster):
    other = make_session(world, cycle, title="Second training")
    services.roster_add(
        session=other,
        by=world.manager,
        rows=[services.RosterRow(full_name="Ana Ruiz", email="ana.ruiz@example.org")],
    )
    first = services.roster_person(session=session, entry=roster["Ana Ruiz"])
    second = services.roster_person(session=other, entry=other.roster.get())
    assert first == second


def test_joining_twice_in_a_row_records_one_attendance_and_one_person(session, roster):
    """The SQLite-friendly double join: the same roster person, twice, one after the other."""
    first = join_entry(session, roster["Ben Okafor"])
    second = join_entry(session, RosterEntry.objects.get(pk=roster["Ben Okafor"].pk))
    assert first == second
    assert Attendance.objects.filter(session=session).count() == 1
    assert User.objects.filter(phone="+17205550101").count() == 1


def test_staff_may_join_a_staff_session_and_others_may_not(session, world):
    attendance = services.attendance_join(
        session=session, user=world.official, identified_by=Pledge.IdentifiedBy.OWN_SIGN_IN
    )
    assert attendance.roster_entry is None
    with pytest.raises(services.NotInvited):
        services.attendance_join(
            session=session,
            user=world.other_official,
            identified_by=Pledge.IdentifiedBy.OWN_SIGN_IN,
        )


def test_a_roster_only_session_refuses_staff_not_on_it(world, cycle):
    session = make_session(world, cycle, audience=SigningSession.Audience.ROSTER)
    with pytest.raises(services.NotInvited):
        services.attendance_join(
            session=session, user=world.official, identified_by=Pledge.IdentifiedBy.OWN_SIGN_IN
        )
    services.roster_add(
        session=session,
        by=world.manager,
        rows=[services.RosterRow(full_name="Olivia Chen", user=world.official)],
    )
    attendance = services.attendance_join(
        session=session, user=world.official, identified_by=Pledge.IdentifiedBy.OWN_SIGN_IN
    )
    assert attendance.roster_entry.user == world.official


def test_a_conference_admits_people_of_member_offices_only(world, cycle):
    conference = make_session(
        world,
        cycle,
        office=None,
        association=world.association,
        by=world.association_admin,
        audience=SigningSession.Audience.MEMBERS,
    )
    services.attendance_join(
        session=conference, user=world.official, identified_by=Pledge.IdentifiedBy.OWN_SIGN_IN
    )
    with pytest.raises(services.NotInvited):
        services.attendance_join(
            session=conference,
            user=world.other_official,
            identified_by=Pledge.IdentifiedBy.OWN_SIGN_IN,
        )


def test_a_full_session_refuses_the_next_person(world, cycle):
    session = make_session(world, cycle, capacity=1)
    services.attendance_join(
        session=session, user=world.official, identified_by=Pledge.IdentifiedBy.OWN_SIGN_IN
    )
    with pytest.raises(services.SessionFull):
        services.attendance_join(
            session=session, user=world.colleague, identified_by=Pledge.IdentifiedBy.OWN_SIGN_IN
        )


def test_an_ended_session_refuses_joining_and_signing(session, world):
    attendance = services.attendance_join(
        session=session, user=world.official, identified_by=Pledge.IdentifiedBy.OWN_SIGN_IN
    )
    SigningSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=3),
        ends_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    session.refresh_from_db()
    with pytest.raises(services.SessionClosed):
        services.attendance_join(
            session=session, user=world.colleague, identified_by=Pledge.IdentifiedBy.OWN_SIGN_IN
        )
    with pytest.raises(services.SessionClosed):
        services.attendance_sign(
            attendance=attendance,
            typed_name="Olivia Chen",
            consent=True,
            request_meta=META,
            identified_by=Pledge.IdentifiedBy.OWN_SIGN_IN,
        )
    assert not Pledge.objects.exists()


def test_signing_at_a_session_records_it_in_the_chained_pledge(session, roster, world):
    attendance = join_entry(session, roster["Chloe Park"])
    kiosk, _secret = services.kiosk_unlock(session=session, by=world.manager)
    pledge, created = services.attendance_sign(
        attendance=attendance,
        typed_name="Chloe Park",
        consent=True,
        request_meta=META,
        identified_by=CODE,
        kiosk=kiosk,
    )
    assert created
    assert pledge.session_reference == session.reference
    assert session.title in pledge.session_reference
    assert pledge.session_shared_device is True
    assert pledge.session_identified_by == CODE
    content = record_content(pledge)
    assert content["session_reference"] == session.reference
    assert content["session_shared_device"] is True
    assert pledge.record_hash == record_hash(pledge, pledge.previous_hash)
    attendance.refresh_from_db()
    assert attendance.pledge == pledge and attendance.kiosk == kiosk
    assert verify_chain().intact


def test_a_pledge_signed_elsewhere_keeps_its_hash_without_session_fields(world, cycle):
    pledge = sign(world.official, cycle)
    assert "session_reference" not in record_content(pledge)
    assert verify_chain().intact


def test_changing_the_recorded_session_breaks_the_chain(session, world):
    attendance = services.attendance_join(
        session=session, user=world.official, identified_by=Pledge.IdentifiedBy.OWN_SIGN_IN
    )
    pledge, _created = services.attendance_sign(
        attendance=attendance,
        typed_name="Olivia Chen",
        consent=True,
        request_meta=META,
        identified_by=Pledge.IdentifiedBy.OWN_SIGN_IN,
    )
    Pledge.objects.filter(pk=pledge.pk).update(session_shared_device=True)
    assert not verify_chain().intact


def test_signing_twice_returns_the_first_pledge(session, world):
    attendance = services.attendance_join(
        session=session, user=world.official, identified_by=Pledge.IdentifiedBy.OWN_SIGN_IN
    )
    options = {
        "attendance": attendance,
        "typed_name": "Olivia Chen",
        "consent": True,
        "request_meta": META,
        "identified_by": Pledge.IdentifiedBy.OWN_SIGN_IN,
    }
    first, created = services.attendance_sign(**options)
    second, again = services.attendance_sign(**options)
    assert created and not again and first == second
    assert Pledge.objects.count() == 1


def sent_code(body: str) -> str:
    return re.search(r"^\s+(\d{6})$", body, re.MULTILINE).group(1)


def test_one_time_codes_confirm_only_the_entry_they_were_sent_to(
    session, roster, django_capture_on_commit_callbacks
):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        challenge = services.join_code_send(
            session=session, entry=roster["Ana Ruiz"], language="en"
        )
    assert mail.outbox[-1].to == ["ana.ruiz@example.org"]
    code = sent_code(mail.outbox[-1].body)
    assert len(code) == 6 and code.isdigit()
    wrong = "000000" if code != "000000" else "111111"
    assert services.join_code_check(challenge=challenge, session=session, code=wrong) is None
    assert (
        services.join_code_check(challenge=challenge, session=session, code=code)
        == roster["Ana Ruiz"]
    )
    spent = {**challenge, "tries": services.CODE_TRIES}
    assert services.join_code_check(challenge=spent, session=session, code=code) is None
    expired = {**challenge, "expires": 0}
    assert services.join_code_check(challenge=expired, session=session, code=code) is None


def test_a_name_not_on_the_roster_gets_a_challenge_that_never_matches(
    session, roster, django_capture_on_commit_callbacks
):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        challenge = services.join_code_send(session=session, entry=None, language="en")
    assert mail.outbox == []
    for code in ("000000", "123456"):
        assert services.join_code_check(challenge=challenge, session=session, code=code) is None


def test_a_code_never_signs_in_an_account_with_a_second_step_or_a_password(session, world):
    manager_refusal = services.code_sign_in_refusal(world.manager, Pledge.IdentifiedBy.EMAIL_CODE)
    assert manager_refusal
    assert services.code_sign_in_refusal(world.official, CODE)  # has a password
    assert services.code_sign_in_refusal(world.official, Pledge.IdentifiedBy.EMAIL_CODE) == ""


def test_a_kiosk_locks_when_idle_or_when_the_session_ends(session, world, settings):
    kiosk, _secret = services.kiosk_unlock(session=session, by=world.manager)
    later = timezone.now() + datetime.timedelta(seconds=settings.KIOSK_IDLE_LOCK_SECONDS + 1)
    assert services.kiosk_in_use(kiosk, now=later).lock_reason == "idle"
    kiosk, _secret = services.kiosk_unlock(session=session, by=world.manager)
    assert services.kiosk_in_use(kiosk, now=session.ends_at).lock_reason == "ended"
    assert AuditEntry.objects.filter(action="signing.kiosk_locked").count() == 2


def test_another_offices_member_on_the_roster_keeps_their_own_office(world, session):
    services.roster_add(
        session=session,
        by=world.manager,
        rows=[services.RosterRow(full_name="Guest", user=world.other_official)],
    )
    services.attendance_join(
        session=session,
        user=world.other_official,
        identified_by=Pledge.IdentifiedBy.OWN_SIGN_IN,
    )
    assert world.other_official.memberships.get(ended_at__isnull=True).office == world.other_office


def test_an_election_worker_made_by_the_roster_can_sign_without_an_email(session, roster):
    attendance = join_entry(session, roster["Ben Okafor"])
    pledge, created = services.attendance_sign(
        attendance=attendance,
        typed_name="Ben Okafor",
        consent=True,
        request_meta=META,
        identified_by=Pledge.IdentifiedBy.SMS_CODE,
    )
    assert created and pledge.user.email is None
    assert pledge.office == session.office


def test_membership_factory_is_unaffected(world):
    assert MembershipFactory().role == Membership.Role.OFFICIAL
