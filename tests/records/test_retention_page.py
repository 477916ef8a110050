"""The office's retention page: the periods in force, its legal holds, what the next run
would erase in it; and holds placed and lifted there by its manager or records officer."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, Membership
from records.models import LegalHold, RetentionPolicy
from records.retention import hold_lift, hold_place, retention_plan
from reports.models import ReportFile

from ..factories import MembershipFactory
from ..pledges.conftest import fresh_login

Type = RetentionPolicy.RecordType
DAY = datetime.timedelta(days=1)


@pytest.fixture
def records_officer(world):
    return MembershipFactory(office=world.office, role=Membership.Role.RECORDS_OFFICER).user


def page_url(office):
    return reverse("records:retention", args=[office.pk])


def old_report(world, office, *, requested_by, days=40):
    return ReportFile.objects.create(
        kind=ReportFile.Kind.OFFICE,
        office=office,
        cycle=world.cycle,
        requested_by=requested_by,
        status=ReportFile.Status.READY,
        content=b"%PDF-1.7 report",
        created_at=timezone.now() - days * DAY,
    )


@pytest.fixture
def reports(world, cycle):
    """Two of this office's report PDFs past their 30 days, one still young, and one of
    the other office past its days."""
    world.cycle = cycle
    return {
        "mine": [old_report(world, world.office, requested_by=world.manager) for _ in range(2)],
        "young": old_report(world, world.office, requested_by=world.manager, days=2),
        "theirs": old_report(world, world.other_office, requested_by=world.other_manager),
    }


def cell(response, kind, record_type):
    """The count shown in the schedule table (the `data-due` or `data-held` cell)."""
    html = response.content.decode()
    marker = f'data-{kind}="{record_type}">'
    start = html.index(marker) + len(marker)
    return int(html[start : html.index("<", start)])


# --- The page -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "records_officer"])
def test_the_page_lists_the_periods_and_counts_only_this_offices_records(
    client, world, reports, records_officer, role
):
    RetentionPolicy.objects.update_or_create(
        record_type=Type.INVITATIONS, defaults={"period": 45, "unit": "days"}
    )
    fresh_login(client, records_officer if role == "records_officer" else world.manager)
    response = client.get(page_url(world.office))
    assert response.status_code == 200
    page = response.content.decode()
    assert "45 days" in page  # the administrator's period, not the default
    assert "36 months" in page and "30 days" in page  # the defaults elsewhere
    assert page.count("at least 22 months") == 2  # sign-in evidence and audit entries
    # The same plan as the dry run: three report PDFs are due across the site…
    assert len([i for i in retention_plan().due if i.kind == "report file"]) == 3
    # …two of them in this office.
    assert cell(response, "due", Type.REPORT_FILES) == 2
    assert cell(response, "held", Type.REPORT_FILES) == 0


def test_the_counts_respect_holds(client, world, reports, records_officer):
    hold_place(by=world.site_admin, reason="Litigation", office=world.office, person=world.manager)
    fresh_login(client, records_officer)
    response = client.get(page_url(world.office))
    assert cell(response, "due", Type.REPORT_FILES) == 0
    assert cell(response, "held", Type.REPORT_FILES) == 2


def test_holds_touching_the_office_are_listed_active_first(client, world, records_officer):
    lifted = hold_place(by=world.site_admin, reason="Old recount", office=world.office)
    hold_lift(hold=lifted, by=world.site_admin, reason="Recount certified")
    on_person = hold_place(by=world.site_admin, reason="Complaint about Olivia",
                           person=world.official)  # fmt: skip
    everywhere = hold_place(by=world.site_admin, reason="Statewide contest",
                            starts_on=datetime.date(2026, 1, 1))  # fmt: skip
    hold_place(by=world.site_admin, reason="Lakeside lawsuit", office=world.other_office)
    hold_place(by=world.site_admin, reason="Lakeside person", person=world.other_official)
    fresh_login(client, records_officer)
    response = client.get(page_url(world.office))
    page = response.content.decode()
    shown = [hold.pk for hold, _form in response.context["holds"]]
    assert shown == [everywhere.pk, on_person.pk, lifted.pk]
    assert "Lakeside" not in page
    assert "Recount certified" in page and "Old recount" in page
    # Only a hold on the office itself can be lifted here (and only while active).
    assert [form is not None for _hold, form in response.context["holds"]] == [False] * 3


@pytest.mark.parametrize(
    ("role", "status"),
    [("official", 403), ("supervisor", 403), ("other_manager", 404), ("site_admin", 404)],
)
def test_other_people_cannot_open_the_page(client, world, role, status):
    fresh_login(client, getattr(world, role))
    assert client.get(page_url(world.office)).status_code == status


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get(page_url(world.office))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("extra", [0, 6])
def test_the_page_reads_a_fixed_number_of_queries(
    client, world, cycle, records_officer, django_assert_num_queries, extra
):
    world.cycle = cycle
    old_report(world, world.office, requested_by=world.manager)
    hold_place(by=world.manager, reason="First", office=world.office)
    for n in range(extra):
        old_report(world, world.office, requested_by=world.manager)
        hold = hold_place(by=world.manager, reason=f"Hold {n}", office=world.office,
                          person=world.official)  # fmt: skip
        if n % 2:
            hold_lift(hold=hold, by=records_officer, reason="Done")
    fresh_login(client, records_officer)
    # The session and the user with their membership; the office's holds; the plan (its
    # periods, the active holds, the two counts of evidence inside hashes, pledge evidence,
    # audit entries twice, sign-in sessions, invitations, report PDFs and leavers'
    # assessments; the memberships of the people whose sessions are due, none here); the
    # people the hold form may name.
    with django_assert_num_queries(15):
        response = client.get(page_url(world.office))
    assert response.status_code == 200


# --- Placing a hold -----------------------------------------------------------------------


def place(client, office, **data):
    data.setdefault("submission", str(uuid.uuid4()))
    return client.post(page_url(office), {"person": "", "starts_on": "", "ends_on": "", **data})


@pytest.mark.parametrize("role", ["manager", "records_officer"])
def test_a_hold_on_the_office_is_placed_audited_and_kept(
    client, world, reports, records_officer, role
):
    actor = records_officer if role == "records_officer" else world.manager
    fresh_login(client, actor)
    response = place(client, world.office, reason="  Public records request 2026-114  ")
    assert response.status_code == 302
    assert response["Location"] == page_url(world.office)
    hold = LegalHold.objects.get()
    assert (hold.office, hold.person, hold.placed_by, hold.reason) == (
        world.office, None, actor, "Public records request 2026-114"
    )  # fmt: skip
    entry = AuditEntry.objects.get(action=AuditEntry.Action.RECORDS_HOLD_PLACED)
    assert (entry.actor, entry.office, entry.details["reason"]) == (
        actor, world.office, "Public records request 2026-114"
    )  # fmt: skip
    page = client.get(page_url(world.office))
    assert "The legal hold is placed" in page.content.decode()
    assert cell(page, "held", Type.REPORT_FILES) == 2
    # And the run keeps this office's reports, and erases the other office's.
    plan = retention_plan()
    assert [i.pk for i in plan.due if i.kind == "report file"] == [reports["theirs"].pk]


def test_a_hold_on_a_person_of_the_office_names_the_office_too(client, world, records_officer):
    fresh_login(client, records_officer)
    response = place(client, world.office, person=world.official.pk, reason="Complaint",
                     starts_on="2026-01-01", ends_on="2026-06-30")  # fmt: skip
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.office, hold.person) == (world.office, world.official)
    assert (hold.starts_on, hold.ends_on) == (datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"reason": ""}, "reason", "This field is required."),
        ({"reason": "   "}, "reason", "This field is required."),
        ({"reason": "R", "starts_on": "2026-05-02", "ends_on": "2026-05-01"}, "ends_on",
         "The range ends before it starts."),
        ({"reason": "R", "starts_on": "2026-13-01"}, "starts_on", "Enter a valid date."),
        ({"reason": "R", "person": "other_official"}, "person", "Select a valid choice."),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_400_and_a_message(client, world, data, field, message):
    if data.get("person") == "other_official":
        data = {**data, "person": world.other_official.pk}
    fresh_login(client, world.manager)
    response = place(client, world.office, **data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert message in response.content.decode()
    assert not LegalHold.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.RECORDS_HOLD_PLACED).exists()


def test_a_hold_sent_twice_is_placed_once(client, world, records_officer):
    fresh_login(client, records_officer)
    token = str(uuid.uuid4())
    first = place(client, world.office, reason="Lawsuit", submission=token)
    again = place(client, world.office, reason="Lawsuit", submission=token)
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert LegalHold.objects.count() == 1
    assert AuditEntry.objects.filter(action=AuditEntry.Action.RECORDS_HOLD_PLACED).count() == 1
    followed = client.get(again["Location"]).content.decode()
    assert "Nothing was saved twice." in followed


@pytest.mark.parametrize(("role", "status"), [("manager", 404), ("records_officer", 404)])
def test_office_a_cannot_place_a_hold_on_office_b(client, world, records_officer, role, status):
    fresh_login(client, records_officer if role == "records_officer" else world.manager)
    assert place(client, world.other_office, reason="Not mine").status_code == status
    assert not LegalHold.objects.exists()


def test_staff_without_the_role_cannot_place_a_hold(client, world):
    fresh_login(client, world.supervisor)
    assert place(client, world.office, reason="Not allowed").status_code == 403
    assert not LegalHold.objects.exists()


# --- Lifting a hold -----------------------------------------------------------------------


def lift(client, hold, reason, *, token=None):
    return client.post(
        reverse("records:hold-lift", args=[hold.pk]),
        {"lift_reason": reason, "submission": token or str(uuid.uuid4())},
    )


def test_a_hold_of_the_office_is_lifted_with_a_reason_and_audited(client, world, records_officer):
    hold = hold_place(by=world.manager, reason="Lawsuit", office=world.office)
    fresh_login(client, records_officer)
    token = str(uuid.uuid4())
    response = lift(client, hold, " Case settled ", token=token)
    assert response.status_code == 302
    assert response["Location"] == page_url(world.office)
    hold.refresh_from_db()
    assert (hold.lifted_by, hold.lift_reason) == (records_officer, "Case settled")
    assert hold.lifted_at is not None
    entry = AuditEntry.objects.get(action=AuditEntry.Action.RECORDS_HOLD_LIFTED)
    assert (entry.actor, entry.office, entry.details["reason"]) == (
        records_officer, world.office, "Case settled"
    )  # fmt: skip
    # Sent again: nothing changes, one audit entry.
    again = lift(client, hold, "Case settled", token=token)
    assert again.status_code == 302
    assert AuditEntry.objects.filter(action=AuditEntry.Action.RECORDS_HOLD_LIFTED).count() == 1
    page = client.get(page_url(world.office)).content.decode()
    assert "Case settled" in page


def test_lifting_without_a_reason_is_refused_with_400(client, world):
    hold = hold_place(by=world.manager, reason="Lawsuit", office=world.office)
    fresh_login(client, world.manager)
    response = lift(client, hold, "   ")
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    hold.refresh_from_db()
    assert hold.is_active


def test_holds_of_another_office_or_of_the_administrator_cannot_be_lifted_here(
    client, world, records_officer
):
    theirs = hold_place(by=world.other_manager, reason="Lakeside", office=world.other_office)
    on_person = hold_place(by=world.site_admin, reason="Olivia", person=world.official)
    everywhere = hold_place(by=world.site_admin, reason="State", starts_on=datetime.date.today())
    for person in (records_officer, world.manager):
        fresh_login(client, person)
        for hold in (theirs, on_person, everywhere):
            assert lift(client, hold, "Mine now").status_code == 404
    fresh_login(client, world.supervisor)
    mine = hold_place(by=world.manager, reason="Lawsuit", office=world.office)
    assert lift(client, mine, "Not allowed").status_code == 403
    assert LegalHold.objects.active().count() == 4
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.RECORDS_HOLD_LIFTED).exists()
