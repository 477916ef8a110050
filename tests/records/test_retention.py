"""Retention schedules and legal holds: `apply_retention`, its dry run, holds and the admin."""

import calendar
import datetime
import io

import pytest
from allauth.usersessions.models import UserSession
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEntry, Invitation, Membership
from assessments import services as assessment_services
from assessments.models import ItemResponse, Review, ReviewItem, StandardGoal, Transition
from pledges.models import PledgeEvidence
from pledges.services import RequestMeta, pledge_sign, pledge_withdraw
from records.models import LegalHold, RetentionPolicy, months_before
from records.retention import (
    ERASED_TEXT,
    hold_lift,
    hold_place,
    retention_apply,
    retention_plan,
)
from reports.models import ReportFile
from tests.assessments.conftest import all_answers, edition_items

Type = RetentionPolicy.RecordType
DAY = datetime.timedelta(days=1)
META = RequestMeta(ip_address="203.0.113.7", user_agent="pytest-browser/1.0")
APPLIED = AuditEntry.Action.RECORDS_RETENTION_APPLIED


def months_after(moment, months):
    """The moment `months` calendar months later (the 31st becomes the 30th…)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 + months, 12)
    month += 1
    return moment.replace(
        year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1])
    )


def due(plan, kind):
    return sorted(item.pk for item in plan.due if item.kind == kind)


def held(plan, kind):
    return sorted(item.pk for item, _hold in plan.held if item.kind == kind)


def sign(user, cycle):
    return pledge_sign(
        user=user, cycle=cycle, typed_name=user.full_name, consent=True, request_meta=META
    )[0]


def old_entry(at, **details):
    entry = audit_record(action="auth.signed_in", ip_address="198.51.100.4", **details)
    AuditEntry.objects.filter(pk=entry.pk).update(at=at)
    entry.refresh_from_db()
    return entry


def invitation(world, *, created_at, accepted_at=None, expires_at=None):
    return Invitation.objects.create(
        email=f"invitee{Invitation.objects.count()}@example.org",
        full_name="Ada Invitee",
        office=world.office,
        role=Membership.Role.OFFICIAL,
        invited_by=world.manager,
        created_at=created_at,
        expires_at=expires_at or created_at + 14 * DAY,
        accepted_at=accepted_at,
    )


def report_file(world, cycle, created_at):
    return ReportFile.objects.create(
        kind=ReportFile.Kind.OFFICE,
        office=world.office,
        cycle=cycle,
        requested_by=world.manager,
        status=ReportFile.Status.READY,
        content=b"%PDF-1.7 report",
        created_at=created_at,
    )


def leaver_assessment(world, cycle, *, left_at):
    """Olivia's returned assessment, with a comment, an N/A reason, a goal, a review comment
    and a note; then she leaves the office at `left_at`."""
    user = world.official
    assessment = assessment_services.assessment_start(user=user, cycle=cycle)
    first, second = edition_items(cycle)[:2]
    answers = all_answers(cycle)
    answers[first.pk] = assessment_services.Answer(rating=2, comment="I froze at the count.")
    answers[second.pk] = assessment_services.Answer(
        not_applicable=True, na_reason="My sister runs the canvass."
    )
    assessment_services.assessment_save(
        assessment=assessment,
        by=user,
        version=assessment.version,
        answers=answers,
        goals={first.standard_id: assessment_services.Goal(goal="Ask for help sooner.")},
    )
    assessment_services.assessment_submit(assessment=assessment, by=user)
    assessment.refresh_from_db()
    assessment_services.assessment_review(
        assessment=assessment,
        by=assessment.reviewer,
        decision="return",
        note="Talk to me about the count.",
        items={first.pk: assessment_services.ReviewAnswer(rating=2, comment="Seen it too.")},
    )
    Membership.objects.filter(user=user, ended_at__isnull=True).update(
        started_at=left_at - 400 * DAY, ended_at=left_at
    )
    return assessment


# --- The schedule and its floor -----------------------------------------------------------


def test_defaults_apply_when_the_administrator_set_nothing(db):
    plan = retention_plan()
    assert {key: (p.period, p.unit) for key, p in plan.policies.items()} == {
        Type.SIGN_IN_EVIDENCE: (36, "months"),
        Type.AUDIT_ENTRIES: (84, "months"),
        Type.INVITATIONS: (90, "days"),
        Type.REPORT_FILES: (30, "days"),
        Type.LEAVERS_ASSESSMENTS: (24, "months"),
    }


@pytest.mark.parametrize(
    ("record_type", "period", "unit", "allowed"),
    [
        (Type.SIGN_IN_EVIDENCE, 21, "months", False),
        (Type.SIGN_IN_EVIDENCE, 22, "months", True),
        (Type.AUDIT_ENTRIES, 671, "days", False),
        (Type.AUDIT_ENTRIES, 672, "days", True),
        (Type.INVITATIONS, 1, "days", True),
        (Type.REPORT_FILES, 1, "days", True),
        (Type.LEAVERS_ASSESSMENTS, 1, "months", True),
    ],
)
def test_no_period_below_the_federal_floor_where_it_applies(db, record_type, period, unit, allowed):
    policy = RetentionPolicy(record_type=record_type, period=period, unit=unit)
    if allowed:
        policy.full_clean()
    else:
        with pytest.raises(ValidationError, match="22"):
            policy.full_clean()


def test_the_site_administrator_edits_a_period_in_the_admin_but_not_below_the_floor(client, world):
    policy = RetentionPolicy.objects.create(
        record_type=Type.SIGN_IN_EVIDENCE, period=36, unit="months"
    )
    url = reverse("admin:records_retentionpolicy_change", args=[policy.pk])
    client.force_login(world.site_admin)
    refused = client.post(url, {"period": "12", "unit": "months"})
    assert refused.status_code == 200
    assert "52 U.S.C. 20701" in refused.content.decode()
    assert client.post(url, {"period": "48", "unit": "months"}).status_code == 302
    policy.refresh_from_db()
    assert (policy.period, policy.unit) == (48, "months")
    assert retention_plan().policies[Type.SIGN_IN_EVIDENCE].period == 48
    assert AuditEntry.objects.filter(action="admin.changed").count() == 1


def test_only_superusers_reach_retention_and_holds_in_the_admin(client, world):
    world.manager.is_staff = True
    world.manager.save(update_fields=["is_staff"])
    client.force_login(world.manager)
    for name in ("records_retentionpolicy_changelist", "records_legalhold_changelist"):
        assert client.get(reverse(f"admin:{name}")).status_code == 403
    assert client.get(reverse("admin:records_legalhold_add")).status_code == 403


# --- Boundaries: a day before and after each period ----------------------------------------


def test_pledge_and_withdrawal_evidence_go_the_day_after_the_period(world, cycle):
    pledge = sign(world.official, cycle)
    withdrawal = pledge_withdraw(
        pledge=pledge, by=world.official, reason="Moved", request_meta=META
    )
    kept = sign(world.colleague, cycle)
    at_period = months_after(pledge.signed_at, 36)
    before = retention_plan(now=at_period - DAY)
    assert due(before, "pledge") == [] and due(before, "pledge withdrawal") == []
    after = retention_plan(now=at_period + DAY)
    assert due(after, "pledge") == [pledge.pk, kept.pk]
    assert due(after, "pledge withdrawal") == [withdrawal.pk]


def test_audit_entries_are_deleted_after_84_months_and_their_evidence_erased_after_36(db):
    now = timezone.now()
    deleted = old_entry(months_before(now, 84) - DAY)
    kept_whole = old_entry(months_before(now, 84) + DAY, user_agent="Firefox")
    erased = old_entry(months_before(now, 36) - DAY, user_agent="Firefox")
    untouched = old_entry(months_before(now, 36) + DAY, user_agent="Firefox")
    plan = retention_apply(now=now)
    assert due(plan, "audit entry") == sorted([deleted.pk, kept_whole.pk, erased.pk])
    assert not AuditEntry.objects.filter(pk=deleted.pk).exists()
    for entry in (kept_whole, erased):
        entry.refresh_from_db()
        assert entry.ip_address is None and "user_agent" not in entry.details
    untouched.refresh_from_db()
    assert untouched.ip_address == "198.51.100.4"
    assert untouched.details["user_agent"] == "Firefox"


def test_invitations_go_90_days_after_they_were_accepted_or_expired(world):
    now = timezone.now()
    accepted_old = invitation(world, created_at=now - 120 * DAY, accepted_at=now - 90 * DAY - DAY)
    accepted_recent = invitation(
        world, created_at=now - 120 * DAY, accepted_at=now - 90 * DAY + DAY
    )
    expired_old = invitation(world, created_at=now - 200 * DAY, expires_at=now - 91 * DAY)
    expired_recent = invitation(world, created_at=now - 200 * DAY, expires_at=now - 89 * DAY)
    pending = invitation(world, created_at=now - 400 * DAY, expires_at=now + DAY)
    retention_apply(now=now)
    left = set(Invitation.objects.values_list("pk", flat=True))
    assert left == {accepted_recent.pk, expired_recent.pk, pending.pk}
    assert accepted_old.pk not in left and expired_old.pk not in left


def test_report_files_go_after_30_days(world, cycle):
    now = timezone.now()
    old = report_file(world, cycle, now - 30 * DAY - DAY)
    recent = report_file(world, cycle, now - 30 * DAY + DAY)
    plan = retention_apply(now=now)
    assert due(plan, "report file") == [old.pk]
    assert list(ReportFile.objects.values_list("pk", flat=True)) == [recent.pk]


def test_assessments_of_people_who_left_lose_their_words_but_keep_their_ratings(world, cycle):
    left_at = timezone.now()
    assessment = leaver_assessment(world, cycle, left_at=left_at)
    ratings = list(ItemResponse.objects.filter(assessment=assessment).values_list("item", "rating"))
    at_period = months_after(left_at, 24)
    assert due(retention_plan(now=at_period - DAY), "assessment") == []
    plan = retention_apply(now=at_period + DAY)
    assert due(plan, "assessment") == [assessment.pk]
    responses = ItemResponse.objects.filter(assessment=assessment)
    assert list(responses.values_list("item", "rating")) == ratings
    assert not responses.exclude(comment="").exists()
    assert list(responses.filter(not_applicable=True).values_list("na_reason", flat=True)) == [
        ERASED_TEXT
    ]
    assert not StandardGoal.objects.filter(assessment=assessment).exclude(goal="").exists()
    assert not Transition.objects.filter(assessment=assessment).exclude(note="").exists()
    assert list(Review.objects.filter(assessment=assessment).values_list("note", flat=True)) == [
        ERASED_TEXT
    ]
    assert list(ReviewItem.objects.filter(review__assessment=assessment).values("comment")) == [
        {"comment": ""}
    ]
    # Nothing left to erase: the next run finds nothing.
    assert due(retention_plan(now=at_period + DAY), "assessment") == []


def test_the_assessment_of_someone_still_in_the_office_is_kept(world, cycle):
    assessment = leaver_assessment(world, cycle, left_at=timezone.now() - 1000 * DAY)
    Membership.objects.create(user=world.official, office=world.office)  # came back
    assert due(retention_plan(), "assessment") == []
    assert ItemResponse.objects.filter(assessment=assessment).exclude(comment="").exists()


def test_sign_in_sessions_long_over_are_deleted(world):
    now = timezone.now()
    old = UserSession.objects.create(
        user=world.official, ip="203.0.113.9", user_agent="Firefox", session_key="old",
        last_seen_at=months_before(now, 36) - DAY,
    )  # fmt: skip
    recent = UserSession.objects.create(
        user=world.official, ip="203.0.113.9", user_agent="Firefox", session_key="recent",
        last_seen_at=months_before(now, 36) + DAY,
    )  # fmt: skip
    retention_apply(now=now)
    assert list(UserSession.objects.values_list("pk", flat=True)) == [recent.pk]
    assert old.pk not in held(retention_plan(now=now), "sign-in session")


# --- Legal holds ----------------------------------------------------------------------------


def test_a_hold_on_the_office_the_person_or_the_date_keeps_the_record(world, cycle):
    now = timezone.now()
    old_day = now - 40 * DAY
    olivia = report_file(world, cycle, old_day)
    ReportFile.objects.filter(pk=olivia.pk).update(team_lead=world.official)
    other = ReportFile.objects.create(
        kind=ReportFile.Kind.OFFICE, office=world.other_office, cycle=cycle,
        requested_by=world.other_manager, created_at=old_day,
    )  # fmt: skip
    assert due(retention_plan(now=now), "report file") == [olivia.pk, other.pk]

    day = timezone.localtime(old_day).date()
    holds = [
        hold_place(by=world.site_admin, reason="Litigation", office=world.office),
        hold_place(by=world.site_admin, reason="Complaint", person=world.official),
        hold_place(by=world.site_admin, reason="Recount", starts_on=day, ends_on=day),
    ]
    for hold in holds:
        others = [h for h in holds if h.pk != hold.pk]
        LegalHold.objects.filter(pk__in=[h.pk for h in others]).update(
            lifted_at=now, lifted_by=world.site_admin, lift_reason="test"
        )
        LegalHold.objects.filter(pk=hold.pk).update(lifted_at=None, lifted_by=None, lift_reason="")
        plan = retention_plan(now=now)
        assert held(plan, "report file") == (
            [olivia.pk, other.pk] if hold.starts_on else [olivia.pk]
        ), hold.reason
        assert [h.pk for item, h in plan.held] == [hold.pk] * len(plan.held)


def test_every_part_of_a_hold_must_match(world, cycle):
    now = timezone.now()
    record = report_file(world, cycle, now - 40 * DAY)
    day = timezone.localtime(record.created_at).date()
    hold_place(by=world.site_admin, reason="Other range", office=world.office,
               starts_on=day + DAY, ends_on=day + 10 * DAY)  # fmt: skip
    hold_place(by=world.site_admin, reason="Other office", office=world.other_office)
    hold_place(by=world.site_admin, reason="Other person", person=world.colleague)
    assert due(retention_plan(now=now), "report file") == [record.pk]
    hold_place(by=world.site_admin, reason="Open-ended", office=world.office, starts_on=day)
    assert held(retention_plan(now=now), "report file") == [record.pk]


def test_a_lifted_hold_no_longer_keeps_anything(world, cycle):
    now = timezone.now()
    record = report_file(world, cycle, now - 40 * DAY)
    hold = hold_place(by=world.site_admin, reason="Litigation", office=world.office)
    plan = retention_apply(now=now)
    assert held(plan, "report file") == [record.pk]
    assert ReportFile.objects.filter(pk=record.pk).exists()
    hold_lift(hold=hold, by=world.site_admin, reason="Case settled")
    retention_apply(now=now)
    assert not ReportFile.objects.filter(pk=record.pk).exists()


def test_a_hold_keeps_pledge_evidence_and_the_chain_still_verifies(world, cycle):
    pledge = sign(world.official, cycle)
    other = sign(world.other_official, cycle)
    hold_place(by=world.site_admin, reason="Election contest", office=world.office)
    plan = retention_apply(now=months_after(pledge.signed_at, 36) + DAY)
    assert held(plan, "pledge") == [pledge.pk] and due(plan, "pledge") == [other.pk]
    assert PledgeEvidence.objects.get(pledge=pledge).ip_address == "203.0.113.7"
    assert PledgeEvidence.objects.get(pledge=other).ip_address is None


def test_placing_and_lifting_a_hold_are_audited(world):
    hold = hold_place(by=world.site_admin, reason="Records request 24-117", office=world.office)
    placed = AuditEntry.objects.get(action=AuditEntry.Action.RECORDS_HOLD_PLACED)
    assert (placed.actor, placed.office, placed.object_id) == (
        world.site_admin,
        world.office,
        str(hold.pk),
    )
    assert placed.details["reason"] == "Records request 24-117"
    with pytest.raises(ValidationError):
        hold_lift(hold=hold, by=world.site_admin, reason="  ")
    hold_lift(hold=hold, by=world.site_admin, reason="Request answered")
    hold.refresh_from_db()
    assert (hold.lifted_by, hold.lift_reason) == (world.site_admin, "Request answered")
    lifted = AuditEntry.objects.get(action=AuditEntry.Action.RECORDS_HOLD_LIFTED)
    assert lifted.details["reason"] == "Request answered"


def test_a_hold_needs_a_scope_and_a_reason(world):
    with pytest.raises(ValidationError, match="scope"):
        hold_place(by=world.site_admin, reason="Nothing named")
    with pytest.raises(ValidationError):
        hold_place(by=world.site_admin, reason=" ", office=world.office)
    assert not LegalHold.objects.exists()


def test_the_site_administrator_places_and_lifts_a_hold_in_the_admin(client, world):
    client.force_login(world.site_admin)
    assert client.get(reverse("admin:records_legalhold_add")).status_code == 200
    response = client.post(
        reverse("admin:records_legalhold_add"),
        {"office": world.office.pk, "reason": "Litigation hold, case 24-CV-88"},
    )
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.office, hold.placed_by, hold.is_active) == (world.office, world.site_admin, True)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.RECORDS_HOLD_PLACED).count() == 1
    url = reverse("admin:records_legalhold_change", args=[hold.pk])
    assert 'name="lift_reason"' in client.get(url).content.decode()
    assert client.post(url, {"lift_reason": "Case closed"}).status_code == 302
    hold.refresh_from_db()
    assert (hold.is_active, hold.lifted_by, hold.lift_reason) == (
        False,
        world.site_admin,
        "Case closed",
    )
    assert AuditEntry.objects.filter(action=AuditEntry.Action.RECORDS_HOLD_LIFTED).count() == 1
    # Lifted, it is history: no more changes, and never deleted.
    page = client.get(url)
    assert page.status_code == 200 and 'name="lift_reason"' not in page.content.decode()
    assert client.post(url, {"lift_reason": "Again"}).status_code == 403
    delete = reverse("admin:records_legalhold_delete", args=[hold.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403


# --- The command: dry run, the real run, its audit entry --------------------------------


def _run(*args) -> list[str]:
    out = io.StringIO()
    call_command("apply_retention", *args, stdout=out)
    return out.getvalue().splitlines()


def _snapshot():
    return {
        "audit": sorted(AuditEntry.objects.values_list("pk", "ip_address")),
        "invitations": sorted(Invitation.objects.values_list("pk", flat=True)),
        "files": sorted(ReportFile.objects.values_list("pk", flat=True)),
        "comments": sorted(ItemResponse.objects.values_list("pk", "comment", "na_reason")),
    }


def test_the_dry_run_lists_exactly_what_the_run_erases_and_changes_nothing(world, cycle):
    now = timezone.now()
    entry = old_entry(now - 8 * 365 * DAY)
    evidence = old_entry(now - 4 * 365 * DAY, user_agent="Firefox")
    invited = invitation(world, created_at=now - 200 * DAY, expires_at=now - 100 * DAY)
    old_file = report_file(world, cycle, now - 45 * DAY)
    kept_file = report_file(world, cycle, now - 45 * DAY)
    ReportFile.objects.filter(pk=kept_file.pk).update(office=world.other_office)
    hold = hold_place(by=world.site_admin, reason="Subpoena", office=world.other_office)
    assessment = leaver_assessment(world, cycle, left_at=now - 800 * DAY)
    before = _snapshot()
    audit_count = AuditEntry.objects.count()

    dry = _run("--dry-run")

    assert _snapshot() == before
    assert AuditEntry.objects.count() == audit_count
    listed = [line.split("\t")[:3] for line in dry if "\t" in line]
    assert sorted(listed) == sorted(
        [
            ["sign_in_evidence", f"audit entry {evidence.pk}", f"{evidence.at:%Y-%m-%d}"],
            ["audit_entries", f"audit entry {entry.pk}", f"{entry.at:%Y-%m-%d}"],
            ["invitations", f"invitation {invited.pk}", f"{invited.created_at:%Y-%m-%d}"],
            ["report_files", f"report file {old_file.pk}", f"{old_file.created_at:%Y-%m-%d}"],
            ["report_files", f"report file {kept_file.pk}", f"{kept_file.created_at:%Y-%m-%d}"],
            ["leavers_assessments", f"assessment {assessment.pk}",
             f"{assessment.created_at:%Y-%m-%d}"],
        ]
    )  # fmt: skip
    assert f"kept: under legal hold {hold.pk}" in next(
        line for line in dry if f"report file {kept_file.pk}\t" in line
    )
    assert dry[-1].startswith("Would erase: sign_in_evidence 1, audit_entries 1, invitations 1")

    real = _run()

    assert real[:-1] == dry[:-1]
    assert real[-1].startswith("Erased: ")
    assert not AuditEntry.objects.filter(pk=entry.pk).exists()
    assert AuditEntry.objects.get(pk=evidence.pk).ip_address is None
    assert not Invitation.objects.filter(pk=invited.pk).exists()
    assert list(ReportFile.objects.values_list("pk", flat=True)) == [kept_file.pk]
    assert not ItemResponse.objects.filter(assessment=assessment).exclude(comment="").exists()


def test_each_run_writes_one_audit_entry_with_the_counts(world, cycle):
    now = timezone.now()
    report_file(world, cycle, now - 45 * DAY)
    report_file(world, cycle, now - 45 * DAY)
    held_file = report_file(world, cycle, now - 45 * DAY)
    hold_place(by=world.site_admin, reason="Complaint", person=world.colleague)
    ReportFile.objects.filter(pk=held_file.pk).update(team_lead=world.colleague)
    _run()
    entry = AuditEntry.objects.get(action=APPLIED)
    assert entry.actor is None
    assert entry.details["erased"] == {
        "sign_in_evidence": 0, "audit_entries": 0, "invitations": 0, "report_files": 2,
        "leavers_assessments": 0,
    }  # fmt: skip
    assert entry.details["held"]["report_files"] == 1
    assert entry.details["periods"]["report_files"] == "30 days"
    _run()
    assert AuditEntry.objects.filter(action=APPLIED).count() == 2
    latest = AuditEntry.objects.filter(action=APPLIED).order_by("-pk").first()
    assert sum(latest.details["erased"].values()) == 0


def test_verify_pledges_passes_after_the_evidence_is_erased(world, cycle):
    pledge = sign(world.official, cycle)
    pledge_withdraw(pledge=pledge, by=world.official, reason="Left the office", request_meta=META)
    sign(world.official, cycle)
    sign(world.colleague, cycle)
    plan = retention_apply(now=months_after(pledge.signed_at, 36) + DAY)
    chained = [item for item in plan.due if item.kind in ("pledge", "pledge withdrawal")]
    assert len(chained) == 4
    assert not PledgeEvidence.objects.exclude(ip_address_salt="", user_agent_salt="").exists()
    out = io.StringIO()
    call_command("verify_pledges", stdout=out)
    assert "Pledge chain intact: 4 records verified" in out.getvalue()
    assert "erased: 8" in out.getvalue()


# --- PostgreSQL: the audit trail opens only for the retention run --------------------------


@pytest.mark.postgres
def test_postgresql_lets_only_the_retention_run_erase_audit_entries(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    import importlib

    now = timezone.now()
    old = old_entry(now - 8 * 365 * DAY)
    evidence = old_entry(now - 4 * 365 * DAY, user_agent="Firefox")
    young = old_entry(now - 400 * DAY)
    # Tests run without migrations: install both migrations' functions (rolled back after).
    base = importlib.import_module("accounts.migrations.0005_audit_append_only")
    guard = importlib.import_module("records.migrations.0003_audit_retention_guard")
    with connection.cursor() as cursor:
        cursor.execute(base.INSTALL)
        cursor.execute(guard.INSTALL)
    # Outside the run, nothing changes.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=old.pk).delete()
    retention_apply(now=now)
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.get(pk=evidence.pk).ip_address is None
    # Even inside a run, the database allows nothing else: no other change, and nothing
    # younger than the federal floor deleted.
    for change in (
        lambda: AuditEntry.objects.filter(pk=young.pk).update(action="forged"),
        lambda: AuditEntry.objects.filter(pk=young.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL portal.retention = 'on'")
            change()
