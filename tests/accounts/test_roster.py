import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from accounts import services
from accounts.models import Invitation, Membership, RosterUpload, User
from accounts.roster import RosterError, roster_parse
from accounts.selectors import roster_plan

HEADER = "name,email,role,reports_to_email\n"
NEW_PASSWORD = "a-long-and-unusual-passphrase"


def csv_file(text: str | bytes, name="roster.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


def upload(client, text, name="roster.csv"):
    return client.post(reverse("accounts:roster-upload"), {"file": csv_file(text, name)})


# Parsing


def test_parse_reads_rows_with_line_numbers_and_a_bom():
    data = ("\ufeff" + HEADER + "Jordan Lee,Jordan@Example.org,official,\n\n"
            "Sam Oak,sam@example.org,supervisor,\n").encode()  # fmt: skip
    parsed = roster_parse(data)
    assert [(r["line"], r["email"]) for r in parsed.rows] == [
        (2, "jordan@example.org"),
        (4, "sam@example.org"),
    ]
    assert len(parsed.sha256) == 64


def test_parse_accepts_columns_in_any_order():
    parsed = roster_parse(b"email,role,name,reports_to_email\na@example.org,official,A,\n")
    assert parsed.rows[0]["name"] == "A"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (HEADER.encode(), "nobody"),
        (b"name,email\nA,a@example.org\n", "must name the columns"),
        (b"Jordan,jordan@example.org,official,\n", "must name the columns"),
        ("name,email,role,reports_to_email\nJosé,j@example.org,official,\n".encode("latin-1"),
         "not UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV"),
        ((HEADER + "A,a@example.org,official,\nB,A@example.org,official,\n").encode(),
         "appears on line 2 and again on line 3"),
        ((HEADER + 'A,"a@example.org,official,\n').encode(), "could not be read"),
    ],
)  # fmt: skip
def test_parse_rejects_malformed_files(data, message):
    with pytest.raises(RosterError, match=message):
        roster_parse(data)


def test_parse_rejects_too_many_rows():
    rows = "".join(f"P{n},p{n}@example.org,official,\n" for n in range(10_000))
    with pytest.raises(RosterError, match="more than 2000 people"):
        roster_parse((HEADER + rows).encode())


@override_settings(ROSTER_MAX_BYTES=1024)
def test_parse_rejects_too_large_files():
    rows = "".join(f"P{n},p{n}@example.org,official,\n" for n in range(100))
    with pytest.raises(RosterError, match="larger than 1 KB"):
        roster_parse((HEADER + rows).encode())


# Planning


def test_plan_says_what_happens_to_each_row(world, make_invitation):
    make_invitation(email="invited@example.org")
    rows = roster_parse(
        (
            HEADER + f"Known,{world.official.email},official,\n"
            "Invited,invited@example.org,official,\n"
            f"New,new@example.org,official,{world.supervisor.email}\n"
            "Boss,boss@example.org,Supervisor,\n"
            "Staff,staff@example.org,official,boss@example.org\n"
            "Bad,not-an-email,official,\n"
            "Role,role@example.org,mayor,\n"
            f"Outside,outside@example.org,official,{world.other_manager.email}\n"
            "Self,self@example.org,supervisor,self@example.org\n"
            ",noname@example.org,official,\n"
            "Short,short@example.org\n"
        ).encode()
    ).rows
    plan = {row["line"]: row for row in roster_plan(world.office, rows)}
    assert plan[2]["action"] == "member"
    assert plan[3]["action"] == "invited"
    assert plan[4]["action"] == "invite" and plan[4]["reports_to_user"] == world.supervisor
    assert plan[5]["action"] == "invite" and plan[5]["role_value"] == "supervisor"
    assert plan[6]["action"] == "invite" and plan[6]["reports_to_user"] is None
    assert plan[7]["action"] == "error" and "not a valid email" in plan[7]["message"]
    assert plan[8]["action"] == "error" and "not a role" in plan[8]["message"]
    assert plan[9]["action"] == "error" and "not a supervisor" in plan[9]["message"]
    assert plan[10]["action"] == "error" and "themselves" in plan[10]["message"]
    assert plan[11]["action"] == "error" and "name is missing" in plan[11]["message"]
    assert plan[12]["action"] == "error" and "2 cells instead of 4" in plan[12]["message"]


# Confirming


def stored(world, text):
    parsed = roster_parse(text.encode())
    return services.roster_upload_create(
        office=world.office,
        uploaded_by=world.manager,
        filename="r.csv",
        sha256=parsed.sha256,
        rows=parsed.rows,
    )


def test_confirm_creates_the_invitations_once(world, django_capture_on_commit_callbacks):
    text = (
        HEADER
        + "Boss,boss@example.org,supervisor,\nStaff,staff@example.org,official,boss@example.org\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitations = services.roster_confirm(
            upload=stored(world, text), by=world.manager
        ).invitations
    assert len(invitations) == 2
    assert len(mail.outbox) == 2
    staff = Invitation.objects.get(email="staff@example.org")
    assert staff.reports_to is None and staff.reports_to_email == "boss@example.org"
    # The same file again: everyone is already invited.
    again = stored(world, text)
    assert services.roster_confirm(upload=again, by=world.manager).invitations == []
    assert Invitation.objects.count() == 2
    with pytest.raises(ValidationError, match="already been confirmed"):
        services.roster_confirm(upload=again, by=world.manager)


def test_reports_to_in_the_same_file_resolves_whoever_accepts_first(world):
    text = (
        HEADER + "Boss,boss@example.org,supervisor,\n"
        "Staff,staff@example.org,official,boss@example.org\n"
        "Early,early@example.org,official,boss@example.org\n"
    )
    services.roster_confirm(upload=stored(world, text), by=world.manager)
    invitations = {i.email: i for i in Invitation.objects.all()}
    early = services.invitation_accept(
        invitation=invitations["early@example.org"], password=NEW_PASSWORD
    )
    assert early.active_membership.reports_to is None
    boss = services.invitation_accept(
        invitation=invitations["boss@example.org"], password=NEW_PASSWORD
    )
    staff = services.invitation_accept(
        invitation=invitations["staff@example.org"], password=NEW_PASSWORD
    )
    assert staff.active_membership.reports_to == boss
    assert Membership.objects.get(user=early, ended_at__isnull=True).reports_to == boss


def test_confirm_refuses_rows_that_became_invalid(world):
    upload_ = stored(world, HEADER + f"Staff,staff@example.org,official,{world.supervisor.email}\n")
    Membership.objects.filter(user=world.supervisor).update(role="official")
    Membership.objects.filter(reports_to=world.supervisor).update(reports_to=None)
    with pytest.raises(ValidationError, match="Line 2"):
        services.roster_confirm(upload=upload_, by=world.manager)
    assert not Invitation.objects.exists()


# Views


def test_manager_uploads_previews_and_confirms(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.manager)
    text = HEADER + f"Jordan Lee,jordan@example.org,official,{world.supervisor.email}\n"
    response = upload(client, text)
    assert response.status_code == 302
    roster = RosterUpload.objects.get()
    assert response["Location"] == reverse("accounts:roster-preview", args=[roster.pk])
    assert not Invitation.objects.exists()
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "jordan@example.org" in body and "Will be invited" in body
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(response["Location"])
    assert confirmed.status_code == 302
    assert Invitation.objects.get().email == "jordan@example.org"
    assert len(mail.outbox) == 1
    # A second click (or the back button) creates nothing more.
    assert client.post(response["Location"]).status_code == 302
    assert Invitation.objects.count() == 1


def test_reuploading_the_same_file_creates_no_duplicates(client, world):
    client.force_login(world.manager)
    text = HEADER + "A,a@example.org,official,\nB,b@example.org,official,\n"
    client.post(upload(client, text)["Location"])
    response = upload(client, text)
    preview = client.get(response["Location"]).content.decode()
    assert preview.count("Already invited") == 2
    client.post(response["Location"])
    assert Invitation.objects.count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"name,mail\nA,a@example.org\n", "must name the columns"),
        ("name,email,role,reports_to_email\nJosé,j@example.org,official,\n".encode("latin-1"),
         "not UTF-8"),
        (b"\x00\x01\x02binary", "not a CSV"),
        (b"", "empty"),
        ((HEADER + "A,a@example.org,official,\nB,a@example.org,official,\n").encode(),
         "appears on line 2 and again on line 3"),
        ((HEADER + "".join(f"P{n},p{n}@example.org,official,\n" for n in range(10_000))).encode(),
         "more than 2000 people"),
        ((HEADER + "Bad,not-an-email,official,\nGood,good@example.org,official,\n").encode(),
         "not a valid email"),
        ((HEADER + "Role,role@example.org,mayor,\n").encode(), "not a role"),
        ((HEADER + "Member,OFFICIAL,official,\n").encode(), "Already a member"),
    ],
)  # fmt: skip
def test_malformed_rosters_get_a_message_and_a_4xx(client, world, snapshot, data, message):
    if b"OFFICIAL" in data:
        data = data.replace(b"OFFICIAL", world.official.email.encode())
        # Skipped rows are not errors: the only row is skipped, so the preview shows it.
        client.force_login(world.manager)
        response = upload(client, data)
        assert response.status_code == 302
        assert message in client.get(response["Location"]).content.decode()
        return
    client.force_login(world.manager)
    before = snapshot()
    response = upload(client, data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert snapshot() == before
    assert mail.outbox == []


@override_settings(ROSTER_MAX_BYTES=1024)
def test_an_oversized_roster_is_refused(client, world, snapshot):
    client.force_login(world.manager)
    before = snapshot()
    rows = "".join(f"P{n},p{n}@example.org,official,\n" for n in range(100))
    response = upload(client, HEADER + rows)
    assert response.status_code == 422
    assert "larger than 1 KB" in response.content.decode()
    assert snapshot() == before


def test_missing_file_is_a_4xx(client, world):
    client.force_login(world.manager)
    response = client.post(reverse("accounts:roster-upload"), {})
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("who", "status"),
    [("other_manager", 404), ("supervisor", 403), ("official", 403), ("analyst", 403)],
)
def test_only_the_uploader_sees_or_confirms_a_roster(client, world, snapshot, who, status):
    roster = stored(world, HEADER + "A,a@example.org,official,\n")
    client.force_login(getattr(world, who))
    before = snapshot()
    url = reverse("accounts:roster-preview", args=[roster.pk])
    assert client.get(url).status_code == status
    assert client.post(url).status_code == status
    assert snapshot() == before


def test_roster_pages_ask_anonymous_to_sign_in(client, world):
    roster = stored(world, HEADER + "A,a@example.org,official,\n")
    for url in [
        reverse("accounts:roster-upload"),
        reverse("accounts:roster-preview", args=[roster.pk]),
    ]:
        response = client.post(url)
        assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("count", [1, 30])
def test_roster_preview_queries_do_not_grow(client, world, count, django_assert_num_queries):
    rows = "".join(
        f"P{n},p{n}@example.org,official,{world.supervisor.email}\n" for n in range(count)
    )
    roster = stored(world, HEADER + rows)
    client.force_login(world.manager)
    # session, user, upload; members, invited, leaders, invited leaders, people on file
    with django_assert_num_queries(8):
        response = client.get(reverse("accounts:roster-preview", args=[roster.pk]))
    assert response.content.decode().count("Will be invited") == count


def test_a_roster_row_can_invite_an_existing_person_from_another_office(world):
    roster = stored(world, HEADER + f"Mover,{world.other_official.email},official,\n")
    services.roster_confirm(upload=roster, by=world.manager)
    invitation = Invitation.objects.get()
    services.invitation_accept(invitation=invitation, user=world.other_official)
    assert User.objects.get(pk=world.other_official.pk).active_membership.office == world.office


def test_only_the_latest_unconfirmed_preview_is_kept(world):
    first = stored(world, HEADER + "A,a@example.org,official,\n")
    second = stored(world, HEADER + "B,b@example.org,official,\n")
    assert list(RosterUpload.objects.all()) == [second]
    assert not RosterUpload.objects.filter(pk=first.pk).exists()


def test_confirm_ignores_anything_the_browser_sends(client, world):
    roster = stored(world, HEADER + "A,a@example.org,official,\n")
    client.force_login(world.manager)
    client.post(
        reverse("accounts:roster-preview", args=[roster.pk]),
        {"email": "intruder@example.org", "rows": "[]"},
    )
    assert list(Invitation.objects.values_list("email", flat=True)) == ["a@example.org"]


def test_an_overlong_email_is_a_line_error(world):
    long_email = "a" * 250 + "@example.org"
    rows = roster_parse((HEADER + f"Long,{long_email},official,\n").encode()).rows
    plan = roster_plan(world.office, rows)
    assert plan[0]["action"] == "error" and "longer than 254" in plan[0]["message"]
