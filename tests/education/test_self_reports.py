"""Self-reported training: reported with evidence, approved (hours enter the ledger once)
or returned with a note, corrected and sent again, withdrawn; an approval withdrawn.
Every step locked, version-checked, audited and emailed to whom it concerns."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, Membership, User
from education import services
from education.evidence import check_evidence, private_storage
from education.models import Credit, SelfReport
from education.services import SelfReportRefused

from ..factories import MembershipFactory
from ..pledges.conftest import fresh_login
from .selfreport_helpers import (
    PDF,
    form_data,
    image_bytes,
    private_media,
    report_for,
    standards,
    upload,
)

__all__ = ["private_media"]


def actions() -> list[str]:
    return list(
        AuditEntry.objects.filter(action__startswith="education.self_report")
        .order_by("at", "pk")
        .values_list("action", flat=True)
    )


def approve(report, by, **extra):
    report.refresh_from_db()
    return services.self_report_approve(report=report, by=by, version=report.version, **extra)


def send_back(report, by, note="Add the agenda with your name on it."):
    report.refresh_from_db()
    return services.self_report_return(report=report, by=by, version=report.version, note=note)


# ----------------------------------------------------------------------------- services


def test_a_report_goes_to_the_office_managers(world, edition, django_capture_on_commit_callbacks):
    second_manager = MembershipFactory(office=world.office, role="manager").user
    with django_capture_on_commit_callbacks(execute=True):
        report = report_for(world.official, edition=edition)
    assert report.state == "submitted" and report.version == 1
    assert report.office == world.office
    assert [s.number for s in report.standards.all()] == [2, 5]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.manager.email, second_manager.email]
    )
    assert "Olivia Chen" in mail.outbox[0].subject
    assert f"/education/self-reports/{report.pk}/" in mail.outbox[0].body
    assert actions() == ["education.self_report_submitted"]
    assert not Credit.objects.exists()


def test_approval_adds_the_hours_once(world, edition, django_capture_on_commit_callbacks):
    report = report_for(world.official, edition=edition, hours="3.5")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approve(report, world.manager, note="Thanks.")
    report.refresh_from_db()
    assert (report.state, report.version, report.decided_by) == ("approved", 2, world.manager)
    credit = Credit.objects.get()
    assert credit.self_report == report and credit.hours == Decimal("3.5")
    assert credit.earned_on == report.completed_on and credit.office == world.office
    assert [s.number for s in credit.standards.all()] == [2, 5]
    assert [m.to for m in mail.outbox] == [[world.official.email]]
    assert "approved" in mail.outbox[0].subject and "Thanks." in mail.outbox[0].body
    # The same page sent again (another tab): refused, nothing counted twice.
    with pytest.raises(SelfReportRefused) as refused:
        services.self_report_approve(report=report, by=world.manager, version=1)
    assert refused.value.status == 409 and "approved" in refused.value.message
    assert Credit.objects.count() == 1


def test_return_needs_a_note_and_emails_it(world, django_capture_on_commit_callbacks):
    report = report_for(world.official)
    with pytest.raises(Exception) as refused:
        services.self_report_return(report=report, by=world.manager, version=1, note="  ")
    assert "note is required" in str(refused.value)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        send_back(report, world.manager)
    report.refresh_from_db()
    assert report.state == "returned" and report.note == "Add the agenda with your name on it."
    assert [m.to for m in mail.outbox] == [[world.official.email]]
    assert "Add the agenda" in mail.outbox[0].body
    assert not Credit.objects.exists()


def test_a_person_without_email_is_not_emailed(world, django_capture_on_commit_callbacks):
    worker = User.objects.create(full_name="Pat Poll Worker", email=None)
    MembershipFactory(user=worker, office=world.office, role=Membership.Role.ELECTION_WORKER)
    report = report_for(worker)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        send_back(report, world.manager)
    assert mail.outbox == []
    assert SelfReport.objects.get().state == "returned"


def test_resubmission_is_a_new_version_and_may_replace_the_evidence(
    world, django_capture_on_commit_callbacks
):
    report = report_for(world.official)
    send_back(report, world.manager)
    old_file = report.evidence.name
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.self_report_resubmit(
            report=report,
            by=world.official,
            version=2,
            title="Election security workshop (day 2)",
            provider=report.provider,
            completed_on=report.completed_on,
            hours=Decimal("4"),
            evidence=check_evidence(upload(image_bytes("JPEG"), "agenda.jpg", "image/jpeg")),
        )
    report.refresh_from_db()
    assert (report.state, report.version, report.hours) == ("submitted", 3, Decimal("4"))
    assert report.evidence_type == "image/jpeg" and report.evidence_name == "agenda.jpg"
    assert not private_storage().exists(old_file)
    assert private_storage().exists(report.evidence.name)
    assert [m.to for m in mail.outbox] == [[world.manager.email]]
    assert "corrected" in mail.outbox[0].subject
    approve(report, world.manager)
    assert Credit.objects.get().hours == Decimal("4")
    assert actions() == [
        "education.self_report_submitted",
        "education.self_report_returned",
        "education.self_report_resubmitted",
        "education.self_report_approved",
    ]


def test_only_a_returned_report_is_corrected_and_only_by_its_author(world):
    report = report_for(world.official)
    fields = {
        "title": "x",
        "provider": "y",
        "completed_on": report.completed_on,
        "hours": Decimal(1),
    }
    with pytest.raises(SelfReportRefused) as refused:
        services.self_report_resubmit(report=report, by=world.official, version=1, **fields)
    assert refused.value.status == 409
    send_back(report, world.manager)
    with pytest.raises(SelfReportRefused) as refused:
        services.self_report_resubmit(report=report, by=world.colleague, version=2, **fields)
    assert refused.value.status == 403
    with pytest.raises(SelfReportRefused) as refused:  # a stale page
        services.self_report_resubmit(report=report, by=world.official, version=1, **fields)
    assert refused.value.status == 409
    assert SelfReport.objects.get().title == "Election security workshop"


def test_the_person_withdraws_a_waiting_report(world):
    report = report_for(world.official)
    services.self_report_withdraw(report=report, by=world.official, version=1)
    report.refresh_from_db()
    assert report.state == "withdrawn" and report.version == 2
    with pytest.raises(SelfReportRefused):
        approve(report, world.manager)
    assert not Credit.objects.exists()


def test_withdrawing_the_approval_removes_the_hours(world, django_capture_on_commit_callbacks):
    report = report_for(world.official)
    approve(report, world.manager)
    assert Credit.objects.count() == 1
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.self_report_reverse(
            report=report, by=world.manager, version=2, note="The certificate is for 2014."
        )
    report.refresh_from_db()
    assert (report.state, report.version) == ("returned", 3)
    assert report.note == "The certificate is for 2014."
    assert not Credit.objects.exists()
    assert "withdrew the approval" in mail.outbox[0].body
    entry = AuditEntry.objects.get(action="education.self_report_reversed")
    assert entry.details["note"] == "The certificate is for 2014."
    # Corrected and approved again: counted once again.
    services.self_report_resubmit(
        report=report,
        by=world.official,
        version=3,
        title=report.title,
        provider=report.provider,
        completed_on=datetime.date.today() - datetime.timedelta(days=100),
        hours=report.hours,
    )
    approve(report, world.manager)
    assert Credit.objects.count() == 1


def test_a_manager_never_decides_their_own_report(world):
    report = report_for(world.manager)
    with pytest.raises(SelfReportRefused) as refused:
        approve(report, world.manager)
    assert refused.value.status == 403
    assert list(services.self_report_deciders(report)) == []
    other = MembershipFactory(office=world.office, role="manager").user
    assert list(services.self_report_deciders(report)) == [other]
    approve(report, other)
    assert Credit.objects.get().user == world.manager


@pytest.mark.parametrize("who", ["supervisor", "colleague", "other_manager", "analyst"])
def test_nobody_but_a_manager_of_the_office_decides(world, who):
    report = report_for(world.official)
    with pytest.raises(SelfReportRefused) as refused:
        approve(report, getattr(world, who))
    assert refused.value.status == 403
    assert SelfReport.objects.get().state == "submitted"


def test_the_manager_of_the_office_reported_from_decides_after_a_move(world):
    report = report_for(world.official)
    Membership.objects.filter(user=world.official).update(ended_at=timezone.now())
    MembershipFactory(user=world.official, office=world.other_office)
    with pytest.raises(SelfReportRefused):
        approve(report, world.other_manager)
    approve(report, world.manager)
    # The hours go with the person: recorded under their office now.
    assert Credit.objects.get().office == world.other_office


@pytest.mark.parametrize(
    ("completed_on", "hours", "field"),
    [
        (datetime.date.today() + datetime.timedelta(days=1), "2", "completed_on"),
        (datetime.date.today() - datetime.timedelta(days=366 * 10 + 3), "2", "completed_on"),
        (datetime.date.today(), "0", "hours"),
        (datetime.date.today(), "-3", "hours"),
        (datetime.date.today(), "80.01", "hours"),
    ],
)
def test_bad_dates_and_hours_are_refused_and_nothing_is_kept(
    world, private_media, completed_on, hours, field
):
    with pytest.raises(Exception) as refused:
        report_for(world.official, completed_on=completed_on, hours=hours)
    assert field in refused.value.message_dict
    assert not SelfReport.objects.exists()


def test_someone_without_an_office_cannot_report(world):
    with pytest.raises(SelfReportRefused) as refused:
        report_for(world.analyst)
    assert refused.value.status == 403


# ----------------------------------------------------------------------------- pages


def post_report(client, **overrides):
    data = form_data(**overrides)
    data.setdefault("evidence", upload())
    return client.post(reverse("education:selfreport-create"), data)


def test_the_report_form_sends_a_report(client, world, edition):
    fresh_login(client, world.official)
    page = client.get(reverse("education:selfreport-create"))
    assert page.status_code == 200
    assert b'type="file"' in page.content and b'accept=".pdf' in page.content
    response = post_report(client, standards=[s.pk for s in standards(edition, 2)], submission="")
    report = SelfReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("education:selfreport-detail", args=[report.pk])
    assert report.title == "Voter registration law update" and report.hours == Decimal("2.5")
    detail = client.get(response["Location"])
    assert b"Waiting for approval" in detail.content


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"evidence": ""}, b"This field is required"),
        ({"hours": "-1"}, b"more than 0 and at most 80"),
        ({"hours": "0"}, b"more than 0 and at most 80"),
        ({"hours": "81"}, b"more than 0 and at most 80"),
        ({"hours": "lots"}, b"Enter a number"),
        ({"completed_on": "2999-01-01"}, b"The date is in the future"),
        ({"completed_on": "1999-01-01"}, b"more than 10 years ago"),
        ({"completed_on": "31/31/2026"}, b"Enter a valid date"),
        ({"title": ""}, b"This field is required"),
        ({"evidence": "upload:empty"}, b"file is empty"),
        ({"evidence": "upload:html"}, b"Only a PDF, PNG or JPEG"),
        ({"evidence": "upload:big"}, b"larger than"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(
    client, world, settings, overrides, message
):
    settings.EVIDENCE_MAX_BYTES = 65_536
    files = {
        "upload:empty": upload(b"", "empty.pdf"),
        "upload:html": upload(b"<html><body onload=alert(1)>", "certificate.pdf"),
        "upload:big": upload(PDF + b"%" + b"x" * 70_000 + b"\n%%EOF\n"),
    }
    overrides = {k: files.get(v, v) if isinstance(v, str) else v for k, v in overrides.items()}
    fresh_login(client, world.official)
    before = AuditEntry.objects.count()
    response = post_report(client, **overrides)
    assert response.status_code == 422
    assert message in response.content
    assert not SelfReport.objects.exists()
    assert AuditEntry.objects.count() == before
    assert not list((private_media_root(settings)).rglob("*.*"))


def private_media_root(settings):
    from pathlib import Path

    root = Path(settings.PRIVATE_MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    return root


def test_the_same_form_sent_twice_saves_once(client, world):
    fresh_login(client, world.official)
    token = "6f0c1b0e-3d5e-4b8a-9d3c-2f1e0a9b8c7d"
    first = post_report(client, submission=token)
    second = post_report(client, submission=token)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert SelfReport.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [("official", 200), ("manager", 200), ("supervisor", 200), ("analyst", 403)],
)
def test_anyone_with_an_office_may_report(client, world, who, status):
    fresh_login(client, getattr(world, who))
    assert client.get(reverse("education:selfreport-create")).status_code == status


def test_the_manager_approves_from_the_page(client, world, django_capture_on_commit_callbacks):
    report = report_for(world.official)
    fresh_login(client, world.manager)
    page = client.get(reverse("education:selfreport-detail", args=[report.pk]))
    assert b"Save the decision" in page.content and b"Download the evidence" in page.content
    url = reverse("education:selfreport-decide", args=[report.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"decision": "approve", "note": "", "version": "1"})
    assert response.status_code == 302
    assert SelfReport.objects.get().state == "approved"
    assert Credit.objects.count() == 1


def test_two_tabs_the_second_decision_gets_a_clear_409(client, world):
    report = report_for(world.official)
    fresh_login(client, world.manager)
    url = reverse("education:selfreport-decide", args=[report.pk])
    first = client.post(url, {"decision": "approve", "version": "1", "submission": ""})
    assert first.status_code == 302
    second = client.post(
        url, {"decision": "return", "note": "Missing page 2.", "version": "1", "submission": ""}
    )
    assert second.status_code == 409
    assert b"this one is approved" in second.content
    assert b'data-state="approved"' in second.content
    assert b"Nothing was changed" in second.content
    report.refresh_from_db()
    assert report.state == "approved" and report.note == ""
    assert Credit.objects.count() == 1


def test_a_decision_on_a_page_older_than_a_resubmission_is_refused(client, world):
    report = report_for(world.official)
    send_back(report, world.manager)
    services.self_report_resubmit(
        report=report,
        by=world.official,
        version=2,
        title=report.title,
        provider=report.provider,
        completed_on=report.completed_on,
        hours=Decimal(9),
    )
    fresh_login(client, world.manager)
    url = reverse("education:selfreport-decide", args=[report.pk])
    response = client.post(url, {"decision": "approve", "version": "1"})
    assert response.status_code == 409
    assert b"changed after your page was loaded" in response.content
    assert not Credit.objects.exists()


def test_returning_without_a_note_shows_the_form_again(client, world):
    report = report_for(world.official)
    fresh_login(client, world.manager)
    url = reverse("education:selfreport-decide", args=[report.pk])
    response = client.post(url, {"decision": "return", "note": " ", "version": "1"})
    assert response.status_code == 422
    assert b"the note is required" in response.content
    assert SelfReport.objects.get().state == "submitted"


def test_the_person_corrects_a_returned_report_from_the_page(client, world):
    report = report_for(world.official)
    send_back(report, world.manager)
    fresh_login(client, world.official)
    url = reverse("education:selfreport-edit", args=[report.pk])
    page = client.get(url)
    assert b"Add the agenda with your name on it." in page.content
    response = client.post(url, {**form_data(hours="3"), "version": "2"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.version, report.hours) == ("submitted", 3, Decimal(3))
    assert report.evidence_name == "certificate.pdf"  # the evidence already sent is kept
    # The same correction from a second tab: the report is no longer returned.
    again = client.post(url, {**form_data(hours="5"), "version": "2"})
    assert again.status_code == 409
    assert SelfReport.objects.get().hours == Decimal(3)


def test_the_person_withdraws_from_the_page(client, world):
    report = report_for(world.official)
    fresh_login(client, world.official)
    url = reverse("education:selfreport-withdraw", args=[report.pk])
    assert client.post(url, {"version": "1"}).status_code == 302
    assert SelfReport.objects.get().state == "withdrawn"
    assert client.post(url, {"version": "2"}).status_code == 409


def test_the_manager_withdraws_an_approval_from_the_page(client, world):
    report = report_for(world.official)
    approve(report, world.manager)
    fresh_login(client, world.manager)
    url = reverse("education:selfreport-reverse", args=[report.pk])
    refused = client.post(url, {"note": "", "version": "2"})
    assert refused.status_code == 422 and b"the note is required" in refused.content
    assert Credit.objects.count() == 1
    done = client.post(url, {"note": "Wrong year.", "version": "2"})
    assert done.status_code == 302
    assert not Credit.objects.exists()


@pytest.mark.parametrize(
    ("who", "detail", "decide"),
    [
        ("official", 200, 403),
        ("manager", 200, 302),
        ("supervisor", 404, 404),
        ("colleague", 404, 404),
        ("other_manager", 404, 404),
        ("analyst", 404, 404),
    ],
)
def test_who_sees_and_decides_a_report(client, world, who, detail, decide):
    report = report_for(world.official)
    fresh_login(client, getattr(world, who))
    assert client.get(reverse("education:selfreport-detail", args=[report.pk])).status_code == (
        detail
    )
    response = client.post(
        reverse("education:selfreport-decide", args=[report.pk]),
        {"decision": "approve", "version": "1"},
    )
    assert response.status_code == decide
    assert Credit.objects.count() == (1 if decide == 302 else 0)


def test_the_queue_lists_waiting_reports_but_not_the_managers_own(client, world):
    waiting = report_for(world.official, title="Ballot design course")
    own = report_for(world.manager, title="Managers' own course")
    decided = report_for(world.colleague, title="Poll worker training")
    approve(decided, world.manager)
    report_for(world.other_official, title="Another office's course")
    fresh_login(client, world.manager)
    page = client.get(reverse("education:selfreport-queue"))
    assert page.status_code == 200
    body = page.content.decode()
    assert waiting.title in body
    assert own.title not in body and "another manager of the office decides it" in body
    assert decided.title not in body and "Another office" not in body
    approved = client.get(reverse("education:selfreport-queue"), {"state": "approved"})
    assert decided.title in approved.content.decode()
    searched = client.get(reverse("education:selfreport-queue"), {"state": "", "q": "ballot"})
    assert waiting.title in searched.content.decode()
    assert decided.title not in searched.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("manager", 200), ("other_manager", 200), ("official", 403), ("supervisor", 403)],
)
def test_only_managers_open_the_queue(client, world, who, status):
    fresh_login(client, getattr(world, who))
    assert client.get(reverse("education:selfreport-queue")).status_code == status
