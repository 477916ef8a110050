"""The audit trail: what is recorded on sign-in and account changes, and the audit log pages."""

import csv
import datetime
import io
import json
import time

import pytest
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.db import DatabaseError, connection, transaction
from django.http import StreamingHttpResponse
from django.urls import reverse

from accounts import services
from accounts.models import AuditEntry
from core.documents import csv_safe

from ..factories import PASSWORD

LOG = reverse("accounts:audit-log")
CSV = reverse("accounts:audit-log-csv")


def sign_in(client, user, password=PASSWORD, **extra):
    return client.post(
        reverse("account_login"), {"login": user.email, "password": password}, **extra
    )


def entry(office=None, **values):
    values.setdefault("action", "invitation.sent")
    values.setdefault("actor_label", "someone@example.org")
    return AuditEntry.objects.create(office=office, **values)


# What is recorded


def test_sign_in_is_recorded_with_who_office_and_address(client, world):
    response = sign_in(client, world.official, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302
    recorded = AuditEntry.objects.get(action="auth.signed_in")
    assert recorded.actor == world.official
    assert recorded.office == world.office
    assert recorded.ip_address == "203.0.113.7"


def test_failed_sign_in_keeps_the_attempted_email_and_never_the_password(client, world):
    wrong = "not-the-password-zz9"
    response = sign_in(client, world.official, password=wrong)
    assert response.status_code == 200
    failed = AuditEntry.objects.get(action="auth.sign_in_failed")
    assert failed.actor is None
    assert failed.details["email"] == world.official.email
    assert failed.office == world.office  # the manager sees attempts on their staff
    stored = json.dumps(list(AuditEntry.objects.values()), default=str)
    assert wrong not in stored
    assert "*****" not in stored


def test_failed_sign_in_for_an_unknown_address_belongs_to_no_office(client, world):
    client.post(
        reverse("account_login"), {"login": "nobody@example.org", "password": "whatever-123"}
    )
    failed = AuditEntry.objects.get(action="auth.sign_in_failed")
    assert (failed.office, failed.details["email"], failed.object_id) == (
        None,
        "nobody@example.org",
        "",
    )


def test_sign_out_is_recorded(client, world):
    sign_in(client, world.official)
    client.post(reverse("account_logout"))
    out = AuditEntry.objects.get(action="auth.signed_out")
    assert (out.actor, out.office) == (world.official, world.office)


def test_password_change_is_recorded(client, world):
    sign_in(client, world.official)
    new = "a-brand-new-passphrase-42"
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="auth.password_changed", actor=world.official).exists()
    assert new not in json.dumps(list(AuditEntry.objects.values()), default=str)


def test_password_reset_is_recorded(client, world, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": world.official.email})
    body = mailoutbox[-1].body
    link = next(word for word in body.split() if "/accounts/password/reset/key/" in word)
    path = link.split("://", 1)[-1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    new = "a-brand-new-passphrase-42"
    response = client.post(response.redirect_chain[-1][0], {"password1": new, "password2": new})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="auth.password_reset", office=world.office).exists()


def test_email_change_is_recorded(client, world):
    from allauth.account.models import EmailAddress

    sign_in(client, world.official)
    new = EmailAddress.objects.create(
        user=world.official, email="new.address@example.org", verified=True
    )
    response = client.post(reverse("account_email"), {"action_primary": "", "email": new.email})
    assert response.status_code == 302
    changed = AuditEntry.objects.get(action="auth.email_changed")
    assert changed.details["new"] == "new.address@example.org"
    assert changed.office == world.office


def test_adding_and_removing_an_authenticator_app_is_recorded(
    client, world, django_capture_on_commit_callbacks
):
    sign_in(client, world.official)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    activate = reverse("mfa_activate_totp")
    assert client.get(activate).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(activate, {"code": code})
    assert response.status_code == 302
    added = AuditEntry.objects.get(action="mfa.authenticator_added", details__type="totp")
    assert (added.actor, added.office) == (world.official, world.office)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mfa_deactivate_totp"))
    assert AuditEntry.objects.filter(
        action="mfa.authenticator_removed", details__type="totp"
    ).exists()


# The log pages: who sees what


@pytest.fixture
def two_offices(world):
    mine = entry(world.office, object_label="Riverside thing")
    theirs = entry(world.other_office, object_label="Lakeside thing")
    global_entry = entry(None, action="auth.sign_in_failed", object_label="")
    return mine, theirs, global_entry


def shown(response) -> list:
    """The entries on the page, leaving out the viewer's own sign-in."""
    return [e for e in response.context["entries"] if e.action != "auth.signed_in"]


def test_manager_sees_only_their_office_log(client, world, two_offices):
    client.force_login(world.manager)
    response = client.get(LOG)
    assert response.status_code == 200
    assert shown(response) == [two_offices[0]]
    assert b"Lakeside thing" not in response.content


def test_manager_of_another_office_sees_none_of_this_office(client, world, two_offices):
    client.force_login(world.other_manager)
    response = client.get(LOG)
    assert shown(response) == [two_offices[1]]
    assert b"Riverside thing" not in response.content


def test_site_administrator_sees_every_entry(client, world, two_offices):
    client.force_login(world.site_admin)
    response = client.get(LOG)
    assert len(response.context["entries"]) == 3 + 1  # and their own sign-in
    assert b"Lakeside thing" in response.content and b"Riverside thing" in response.content


@pytest.mark.parametrize(
    "who", ["official", "supervisor", "colleague", "analyst", "association_admin"]
)
def test_people_who_do_not_run_an_office_may_not_read_the_log(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(LOG).status_code == 403
    assert client.get(CSV).status_code == 403
    assert not AuditEntry.objects.filter(action="audit.exported").exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for url in (LOG, CSV):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_the_log_is_read_only(client, world):
    client.force_login(world.manager)
    assert client.post(LOG).status_code == 405
    assert client.post(CSV).status_code == 405


# Filters


def test_filter_by_action_and_dates(client, world):
    old = entry(world.office, action="pledge.signed")
    AuditEntry.objects.filter(pk=old.pk).update(
        at=datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC)
    )
    recent = entry(world.office, action="pledge.signed")
    entry(world.office, action="invitation.sent")
    client.force_login(world.manager)
    response = client.get(LOG, {"action": "pledge.signed"})
    assert {e.pk for e in response.context["entries"]} == {old.pk, recent.pk}
    response = client.get(
        LOG, {"action": "pledge.signed", "start": "2026-01-05", "end": "2026-01-05"}
    )
    assert [e.pk for e in response.context["entries"]] == [old.pk]
    response = client.get(LOG, {"start": "2026-01-06"})
    assert old.pk not in {e.pk for e in response.context["entries"]}


@pytest.mark.parametrize(
    "query, message",
    [
        ({"start": "yesterday"}, "Enter a valid date"),
        ({"end": "2026-13-45"}, "Enter a valid date"),
        ({"start": "2026-02-01", "end": "2026-01-01"}, "must not be after"),
        ({"action": "<script>alert(1)</script>"}, "Select a valid choice"),
        ({"page": "0"}, "page number is not valid"),
        ({"page": "abc"}, "page number is not valid"),
        ({"page": "9" * 40}, "page number is not valid"),
        ({"start": "\x00"}, "Enter a valid date"),
    ],
)
def test_malformed_filters_get_a_clear_message_and_400(client, world, query, message):
    client.force_login(world.manager)
    response = client.get(LOG, query)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert b"<script>alert(1)</script>" not in response.content
    assert client.get(CSV, query).status_code == 400
    assert not AuditEntry.objects.filter(action="audit.exported").exists()


def test_pages_of_fifty_newest_first(client, world):
    AuditEntry.objects.bulk_create(
        AuditEntry(office=world.office, action="pledge.signed", object_label=f"n{i}")
        for i in range(60)
    )
    client.force_login(world.manager)
    first = client.get(LOG, {"action": "pledge.signed"})
    assert len(first.context["entries"]) == 50 and first.context["has_next"]
    assert "action=pledge.signed&amp;page=2" in first.content.decode()
    second = client.get(LOG, {"action": "pledge.signed", "page": 2})
    assert len(second.context["entries"]) == 10 and not second.context["has_next"]
    shown = [e.pk for e in first.context["entries"]] + [e.pk for e in second.context["entries"]]
    assert shown == sorted(shown, reverse=True)
    beyond = client.get(LOG, {"page": 7})
    assert beyond.status_code == 200 and list(beyond.context["entries"]) == []


def test_stored_text_is_shown_escaped(client, world):
    entry(world.office, object_label="<b>bold</b>", details={"note": "<img src=x onerror=1>"})
    client.force_login(world.manager)
    body = client.get(LOG).content.decode()
    assert "<b>bold</b>" not in body and "&lt;b&gt;bold&lt;/b&gt;" in body
    assert "<img src=x" not in body


# Query counts: the same with 1 entry and with 100


@pytest.mark.parametrize("entries", [1, 100])
def test_manager_log_reads_a_fixed_number_of_queries(
    client, world, django_assert_num_queries, entries
):
    AuditEntry.objects.bulk_create(
        AuditEntry(office=world.office, action="pledge.signed") for _ in range(entries)
    )
    client.force_login(world.manager)
    # session, user with membership (and whether they have a team), entries
    with django_assert_num_queries(3):
        assert client.get(LOG).status_code == 200


@pytest.mark.parametrize("entries", [1, 100])
def test_administrator_log_reads_a_fixed_number_of_queries(
    client, world, django_assert_num_queries, entries
):
    AuditEntry.objects.bulk_create(
        AuditEntry(office=world.other_office, action="pledge.signed") for _ in range(entries)
    )
    client.force_login(world.site_admin)
    # session, user with membership (navigation), entries
    with django_assert_num_queries(3):
        assert client.get(LOG).status_code == 200


@pytest.mark.parametrize("entries", [1, 100])
def test_csv_export_reads_a_fixed_number_of_queries(
    client, world, django_assert_num_queries, entries
):
    AuditEntry.objects.bulk_create(
        AuditEntry(office=world.office, action="pledge.signed") for _ in range(entries)
    )
    client.force_login(world.manager)
    # session, user with membership, the export's own entry, entries (one streamed query)
    with django_assert_num_queries(4):
        response = client.get(CSV)
        b"".join(response.streaming_content)


# CSV


def read_csv(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_csv_holds_the_office_entries_and_the_export_is_audited(client, world, two_offices):
    client.force_login(world.manager)
    response = client.get(CSV, {"action": "invitation.sent"})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    rows = read_csv(response)
    assert rows[0][:3] == ["When (UTC)", "Who", "Action"]
    assert [r[6] for r in rows[1:]] == ["Riverside thing"]
    exported = AuditEntry.objects.get(action="audit.exported")
    assert (exported.actor, exported.office) == (world.manager, world.office)
    assert exported.details == {"scope": "office", "filter_action": "invitation.sent"}


def test_csv_for_the_administrator_covers_every_office(client, world, two_offices):
    client.force_login(world.site_admin)
    rows = read_csv(client.get(CSV))
    labels = {r[6] for r in rows[1:]}
    assert {"Riverside thing", "Lakeside thing"} <= labels
    assert AuditEntry.objects.get(action="audit.exported").details["scope"] == "all"


@pytest.mark.parametrize("dangerous", ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"])
def test_csv_cells_a_spreadsheet_would_run_are_neutralised(client, world, dangerous):
    entry(world.office, object_label=dangerous, actor_label=dangerous)
    client.force_login(world.manager)
    rows = read_csv(client.get(CSV))
    row = next(r for r in rows[1:] if r[2] == "invitation.sent")
    assert row[1] == "'" + dangerous and row[6] == "'" + dangerous
    assert csv_safe("plain") == "plain" and csv_safe(3) == 3


# Append-only


@pytest.mark.postgres
def test_postgresql_refuses_to_change_or_delete_an_audit_entry(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    import importlib

    # Tests run without migrations: install the migration's trigger (rolled back after).
    guard = importlib.import_module("accounts.migrations.0005_audit_append_only")
    with connection.cursor() as cursor:
        cursor.execute(guard.INSTALL)
    recorded = entry(None, action="auth.signed_in")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=recorded.pk).update(action="something.else")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=recorded.pk).delete()
    assert AuditEntry.objects.get(pk=recorded.pk).action == "auth.signed_in"


def test_the_admin_cannot_add_change_or_delete_entries(client, world):
    recorded = entry(world.office)
    client.force_login(world.site_admin)
    change = reverse("admin:accounts_auditentry_change", args=[recorded.pk])
    assert client.get(reverse("admin:accounts_auditentry_add")).status_code == 403
    assert client.post(change, {"action": "x"}).status_code == 403
    delete = reverse("admin:accounts_auditentry_delete", args=[recorded.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.get(pk=recorded.pk).action == "invitation.sent"


def test_deactivating_a_person_is_in_their_office_log(client, world):
    services.membership_deactivate(membership=world.official.active_membership, by=world.manager)
    client.force_login(world.manager)
    actions = [e.action for e in client.get(LOG).context["entries"]]
    assert "membership.deactivated" in actions
