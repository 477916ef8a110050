import datetime
import io
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import AuditEntry, Membership, User
from core import sms
from core.seal import read_seal
from pledges.models import Pledge
from pledges.services import pledge_text
from signing import services
from signing.models import Attendance, Kiosk, SigningSession
from signing.views import KIOSK_COOKIE

from ..factories import MembershipFactory
from ..pledges.conftest import fresh_login


def code_in(body: str) -> str:
    return re.search(r"^\s+(\d{6})$", body, re.MULTILINE).group(1)


def sign_data(cycle, name, **extra):
    return {
        "consent": "on",
        "typed_name": name,
        "text_sha256": pledge_text(cycle)[1],
        **extra,
    }


def url(name, *args):
    return reverse(f"signing:{name}", args=args)


# ----------------------------------------------------------------------------- manager


def test_a_manager_creates_a_session_and_sees_its_link_qr_and_trainer_code(client, world, cycle):
    fresh_login(client, world.manager)
    start = timezone.localtime() + datetime.timedelta(hours=1)
    response = client.post(
        url("session-create"),
        {
            "title": "Poll worker training",
            "place": "Room B",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "cycle": cycle.pk,
            "audience": "staff",
            "capacity": "30",
        },
    )
    session = SigningSession.objects.get()
    assert response.status_code == 302 and response["Location"] == url("session-detail", session.pk)
    assert session.office == world.office and session.edition == cycle.edition
    page = client.get(url("session-detail", session.pk)).content.decode()
    assert session.join_token in page
    assert '<svg role="img"' in page and "QR code to join" in page
    assert session.trainer_code in page
    projector = client.get(url("session-projector", session.pk)).content.decode()
    assert '<svg role="img"' in projector and 'aria-live="polite"' in projector


def test_a_session_form_with_an_end_before_the_start_changes_nothing(client, world, cycle):
    fresh_login(client, world.manager)
    response = client.post(
        url("session-create"),
        {
            "title": "Training",
            "place": "Room B",
            "starts_at": "2030-05-01T10:00",
            "ends_at": "2030-05-01T09:00",
            "cycle": cycle.pk,
            "audience": "staff",
            "capacity": "30",
        },
    )
    assert response.status_code == 422
    assert "must end after it starts" in response.content.decode()
    assert not SigningSession.objects.exists()


def test_the_live_count_answers_json_to_the_manager_only(client, session, world):
    fresh_login(client, world.manager)
    services.attendance_join(
        session=session, user=world.official, identified_by=Pledge.IdentifiedBy.OWN_SIGN_IN
    )
    data = client.get(url("session-count", session.pk)).json()
    assert (data["joined"], data["signed"], data["capacity"]) == (1, 0, 40)
    fresh_login(client, world.other_manager)
    assert client.get(url("session-count", session.pk)).status_code == 404


@pytest.mark.parametrize(
    ("role", "detail", "export"),
    [
        ("manager", 200, 200),
        ("records_officer", 403, 200),
        ("official", 404, 404),
        ("other_manager", 404, 404),
        ("analyst", 404, 404),
    ],
)
def test_who_runs_and_who_reads_a_session(client, session, world, role, detail, export):
    world.records_officer = MembershipFactory(
        office=world.office, role=Membership.Role.RECORDS_OFFICER
    ).user
    fresh_login(client, getattr(world, role))
    assert client.get(url("session-detail", session.pk)).status_code == detail
    assert client.get(url("attendance-csv", session.pk)).status_code == export


def test_the_roster_takes_a_pasted_list_and_reports_bad_lines_without_saving(
    client, session, world
):
    fresh_login(client, world.manager)
    bad = client.post(url("roster", session.pk), {"rows": "Ana Ruiz, not-an-email\nBen Okafor"})
    assert bad.status_code == 422
    text = bad.content.decode()
    assert "Line 1" in text and "Line 2" in text
    assert session.roster.count() == 0
    good = client.post(
        url("roster", session.pk),
        {"rows": "name,email,phone\nAna Ruiz, ana@example.org,\nBen Okafor,,720-555-0101"},
    )
    assert good.status_code == 302
    assert set(session.roster.values_list("full_name", "email", "phone")) == {
        ("Ana Ruiz", "ana@example.org", ""),
        ("Ben Okafor", None, "+17205550101"),
    }


def test_the_roster_adds_people_of_the_office(client, session, world):
    fresh_login(client, world.manager)
    response = client.post(url("roster-people", session.pk), {"people": [world.official.pk]})
    assert response.status_code == 302
    entry = session.roster.get()
    assert entry.user == world.official
    outsider = client.post(url("roster-people", session.pk), {"people": [world.other_official.pk]})
    assert outsider.status_code == 422
    assert session.roster.count() == 1


# ----------------------------------------------------------------------------- joining


def test_a_signed_in_official_joins_by_the_link_and_signs(client, session, world, cycle):
    fresh_login(client, world.official)
    join = url("join", session.join_token)
    assert "Join as Olivia Chen" in client.get(join).content.decode()
    assert client.post(join).status_code == 302
    sign = url("join-sign", session.join_token)
    page = client.get(sign)
    assert page.status_code == 200 and "Sign the 2026 pledge" in page.content.decode()
    response = client.post(sign, sign_data(cycle, "Olivia Chen"))
    pledge = Pledge.objects.get()
    assert response["Location"] == reverse("pledges:pledge-detail", args=[pledge.pk])
    assert pledge.session_reference == session.reference
    assert pledge.session_identified_by == Pledge.IdentifiedBy.OWN_SIGN_IN
    assert not pledge.session_shared_device
    detail = client.get(response["Location"]).content.decode()
    assert f"Signed at session {session.reference}" in detail.replace("&#x27;", "'")
    verify = client.get(reverse("pledge-verify-code", args=[pledge.verification_code]))
    assert "Signed at session" in verify.content.decode()
    attendance = Attendance.objects.get()
    assert attendance.pledge == pledge


def test_an_anonymous_visitor_is_offered_sign_in_and_the_roster(client, session):
    page = client.get(url("join", session.join_token)).content.decode()
    assert "Sign in to join" in page and "Find my name" in page


def test_an_unknown_link_is_404_and_an_ended_one_410(client, session):
    assert client.get(url("join", "no-such-token")).status_code == 404
    SigningSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=3),
        ends_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    for name in ("join", "join-identify", "join-code"):
        assert client.get(url(name, session.join_token)).status_code == 410


def test_an_emailed_code_joins_a_roster_person_without_an_account(
    client, session, roster, cycle, django_capture_on_commit_callbacks
):
    identify = url("join-identify", session.join_token)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            identify,
            {"way": "code", "code-full_name": "ana ruiz", "code-contact": "Ana.Ruiz@example.org"},
        )
    assert response["Location"] == url("join-code", session.join_token)
    assert mail.outbox[-1].to == ["ana.ruiz@example.org"]
    code = code_in(mail.outbox[-1].body)
    response = client.post(url("join-code", session.join_token), {"code": code})
    assert response["Location"] == url("join-sign", session.join_token)
    person = User.objects.get(email="ana.ruiz@example.org")
    assert client.session["_auth_user_id"] == str(person.pk)
    assert client.session.get_expiry_age() <= 1800
    # The code stands for a recent sign-in: the pledge page asks for no password.
    response = client.post(url("join-sign", session.join_token), sign_data(cycle, "Ana Ruiz"))
    pledge = Pledge.objects.get(user=person)
    assert response.status_code == 302
    assert pledge.auth_method == Pledge.AuthMethod.ONE_TIME_CODE
    assert pledge.session_identified_by == Pledge.IdentifiedBy.EMAIL_CODE


def test_a_texted_code_joins_a_roster_person_known_by_phone(
    client, session, roster, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url("join-identify", session.join_token),
            {"way": "code", "code-full_name": "Ben Okafor", "code-contact": "(720) 555-0101"},
        )
    assert [m.to for m in sms.outbox] == ["+17205550101"]
    code = re.search(r"\b(\d{6})\b", sms.outbox[0].body).group(1)
    client.post(url("join-code", session.join_token), {"code": code})
    attendance = Attendance.objects.get()
    assert attendance.user.phone == "+17205550101" and attendance.user.email is None
    assert attendance.identified_by == Pledge.IdentifiedBy.SMS_CODE


def test_a_roster_probe_gets_the_same_answer_and_sends_nothing(
    client, session, roster, django_capture_on_commit_callbacks
):
    identify = url("join-identify", session.join_token)
    answers = []
    for name, contact in (("Ana Ruiz", "ana.ruiz@example.org"), ("Zed Nobody", "zed@example.org")):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                identify, {"way": "code", "code-full_name": name, "code-contact": contact}
            )
        page = client.get(response["Location"]).content.decode()
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
        answers.append((response.status_code, response["Location"], page))
    assert answers[0] == answers[1]
    assert [m.to for m in mail.outbox] == [["ana.ruiz@example.org"]]
    # The wrong contact for a real name sends nothing either.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            identify, {"way": "code", "code-full_name": "Ana Ruiz", "code-contact": "x@example.org"}
        )
    assert len(mail.outbox) == 1


def test_a_wrong_code_is_refused_and_five_wrong_codes_spend_it(
    client, session, roster, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url("join-identify", session.join_token),
            {"way": "code", "code-full_name": "Ana Ruiz", "code-contact": "ana.ruiz@example.org"},
        )
    code = code_in(mail.outbox[-1].body)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(services.CODE_TRIES):
        response = client.post(url("join-code", session.join_token), {"code": wrong})
        assert response.status_code == 400
        assert "not right" in response.content.decode()
    response = client.post(url("join-code", session.join_token), {"code": code})
    assert response.status_code == 400
    assert not Attendance.objects.exists()
    assert not User.objects.filter(email="ana.ruiz@example.org").exists()


def test_the_trainers_code_joins_a_roster_person_and_a_wrong_one_says_nothing_more(
    client, session, roster
):
    identify = url("join-identify", session.join_token)
    wrong = "000000" if session.trainer_code != "000000" else "111111"
    on_roster = client.post(
        identify, {"way": "trainer", "trainer-full_name": "Ana Ruiz", "trainer-trainer_code": wrong}
    )
    not_on = client.post(
        identify,
        {"way": "trainer", "trainer-full_name": "Zed Nobody", "trainer-trainer_code": wrong},
    )
    assert on_roster.status_code == not_on.status_code == 400
    message = "We could not confirm you with this name and code"
    assert message in on_roster.content.decode() and message in not_on.content.decode()
    response = client.post(
        identify,
        {
            "way": "trainer",
            "trainer-full_name": "Ana Ruiz",
            "trainer-trainer_code": session.trainer_code,
        },
    )
    assert response["Location"] == url("join-sign", session.join_token)
    assert Attendance.objects.get().identified_by == Pledge.IdentifiedBy.TRAINER_CODE


def test_the_join_pages_are_rate_limited(client, session, roster, settings):
    settings.SIGNING_RATE_LIMIT = 3
    identify = url("join-identify", session.join_token)
    data = {"way": "trainer", "trainer-full_name": "Ana Ruiz", "trainer-trainer_code": "1"}
    statuses = [client.post(identify, data).status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]


# ----------------------------------------------------------------------------- exports


@pytest.fixture
def signed_session(session, roster, world):
    """Two people signed: the official by their own sign-in, Ana by the trainer's code."""
    from ..pledges.conftest import META

    attendance = services.attendance_join(
        session=session, user=world.official, identified_by=Pledge.IdentifiedBy.OWN_SIGN_IN
    )
    services.attendance_sign(
        attendance=attendance,
        typed_name="Olivia Chen",
        consent=True,
        request_meta=META,
        identified_by=Pledge.IdentifiedBy.OWN_SIGN_IN,
    )
    person = services.roster_person(session=session, entry=roster["Ana Ruiz"])
    attendance = services.attendance_join(
        session=session,
        user=person,
        identified_by=Pledge.IdentifiedBy.TRAINER_CODE,
        entry=roster["Ana Ruiz"],
    )
    services.attendance_sign(
        attendance=attendance,
        typed_name="Ana Ruiz",
        consent=True,
        request_meta=META,
        identified_by=Pledge.IdentifiedBy.TRAINER_CODE,
    )
    return session


def test_the_attendance_csv_has_numbered_lines_and_is_audited(client, signed_session, world):
    fresh_login(client, world.manager)
    response = client.get(url("attendance-csv", signed_session.pk))
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    rows = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert rows[0].startswith("Line,Name,Office")
    assert rows[1].startswith("1,Olivia Chen,Riverside County Elections")
    assert rows[2].startswith("2,Ana Ruiz,Riverside County Elections")
    codes = list(Pledge.objects.order_by("signed_at").values_list("verification_code", flat=True))
    assert all(any(code[:4] in row for row in rows) for code in codes)
    assert AuditEntry.objects.filter(action="signing.attendance_exported").count() == 1


def test_the_sign_in_sheet_is_a_sealed_pdf_with_numbered_lines(client, signed_session, world):
    fresh_login(client, world.manager)
    response = client.get(url("attendance-pdf", signed_session.pk))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Sign-in sheet" in text and "Poll worker training" in text
    assert "Riverside County Elections" in text and "Room B, County Building" in text
    assert re.search(r"1\s*Olivia Chen", text) and re.search(r"2\s*Ana Ruiz", text)
    for pledge in Pledge.objects.all():
        assert pledge.code_display in text
    assert read_seal(response.content).intact


# ----------------------------------------------------------------------------- kiosk


def unlock(client, world, session):
    fresh_login(client, world.manager)
    response = client.post(url("kiosk-unlock", session.pk))
    assert response["Location"] == url("kiosk-start")
    return response


def test_unlocking_a_kiosk_signs_the_manager_out_and_sets_its_cookie(client, session, world):
    response = unlock(client, world, session)
    cookie = response.cookies[KIOSK_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert cookie["path"] == url("kiosk-start")
    assert "_auth_user_id" not in client.session
    assert Kiosk.objects.get().unlocked_by == world.manager
    page = client.get(url("kiosk-start"))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert 'autocomplete="off"' in page.content.decode()
    assert AuditEntry.objects.filter(action="signing.kiosk_unlocked").count() == 1


def test_three_kiosk_signers_in_a_row_leave_nothing_for_the_next(client, session, roster, world):
    unlock(client, world, session)
    names = ["Ana Ruiz", "Ben Okafor", "Chloe Park"]
    for name in names:
        response = client.post(
            url("kiosk-identify"),
            {"trainer-full_name": name, "trainer-trainer_code": session.trainer_code},
        )
        assert response.status_code == 303 and response["Location"] == url("kiosk-sign")
        page = client.get(url("kiosk-sign")).content.decode()
        assert 'autocomplete="off"' in page
        for other in names:
            if other != name:
                assert other not in page
        done = client.post(url("kiosk-sign"), sign_data(session.cycle, name))
        assert done.status_code == 303 and done["Location"] == url("kiosk-start")
        assert done["Clear-Site-Data"] == '"cache", "storage"'
        assert "_auth_user_id" not in client.session
        # Going back to the signing page shows nothing: the signer is gone.
        back = client.get(url("kiosk-sign"))
        assert back.status_code == 303 and name not in back.content.decode()
        start = client.get(url("kiosk-start")).content.decode()
        assert name not in start
    pledges = Pledge.objects.filter(session_shared_device=True)
    assert pledges.count() == 3
    assert {p.session_identified_by for p in pledges} == {Pledge.IdentifiedBy.TRAINER_CODE}


def test_a_kiosk_signer_with_an_account_signs_in_and_a_manager_may_not(client, session, world):
    unlock(client, world, session)
    from ..factories import PASSWORD

    response = client.post(
        url("kiosk-sign-in"),
        {"account-email": world.official.email, "account-password": PASSWORD},
    )
    assert response["Location"] == url("kiosk-sign")
    client.post(url("kiosk-reset"))
    refused = client.post(
        url("kiosk-sign-in"),
        {"account-email": world.manager.email, "account-password": PASSWORD},
    )
    assert refused.status_code == 403
    assert "second step" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    wrong = client.post(
        url("kiosk-sign-in"),
        {"account-email": world.official.email, "account-password": "wrong password"},
    )
    assert wrong.status_code == 400


def test_a_locked_kiosk_refuses_everyone_until_a_manager_unlocks_again(
    client, session, roster, world
):
    unlock(client, world, session)
    kiosk = Kiosk.objects.get()
    services.kiosk_lock(kiosk=kiosk, reason=Kiosk.LockReason.MANAGER, by=world.manager)
    assert client.get(url("kiosk-start")).status_code == 403
    response = client.post(
        url("kiosk-identify"),
        {"trainer-full_name": "Ana Ruiz", "trainer-trainer_code": session.trainer_code},
    )
    assert response.status_code == 403
    assert not Attendance.objects.exists()
    unlock(client, world, session)
    assert client.get(url("kiosk-start")).status_code == 200


def test_a_kiosk_left_idle_locks_itself(client, session, world, settings):
    unlock(client, world, session)
    Kiosk.objects.update(last_used_at=timezone.now() - datetime.timedelta(hours=1))
    response = client.get(url("kiosk-start"))
    assert response.status_code == 403
    assert Kiosk.objects.get().lock_reason == Kiosk.LockReason.IDLE


def test_a_device_without_the_kiosk_cookie_is_no_kiosk(client, session, world):
    assert client.get(url("kiosk-start")).status_code == 403
    client.cookies[KIOSK_COOKIE] = "forged"
    assert client.get(url("kiosk-start")).status_code == 403


def test_the_sign_in_sheet_is_a_tagged_pdf_with_a_real_table(client, signed_session, world):
    from pypdf.generic import IndirectObject

    fresh_login(client, world.manager)
    reader = PdfReader(io.BytesIO(client.get(url("attendance-pdf", signed_session.pk)).content))
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en" and bool(catalog["/MarkInfo"]["/Marked"])
    assert "Sign-in sheet" in reader.metadata.title
    roles = []

    def walk(node):
        if isinstance(node, IndirectObject):
            node = node.get_object()
        if isinstance(node, list):
            for kid in node:
                walk(kid)
        elif hasattr(node, "get"):
            if node.get("/S") is not None:
                roles.append(str(node["/S"]))
            if node.get("/K") is not None:
                walk(node["/K"])

    walk(catalog["/StructTreeRoot"])
    assert roles.count("/H1") == 1
    assert "/Table" in roles and roles.count("/TH") >= 6
