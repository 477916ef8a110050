"""Reads of the records app: an office's retention schedule, its legal holds, and what the
next retention run would erase in it."""

from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Office

from .models import FEDERAL_FLOOR_MONTHS, LegalHold, RetentionPolicy
from .retention import retention_plan

Type = RetentionPolicy.RecordType

# What a run does to a record of each kind once its period has passed (docs/records.md).
AT_THE_END = {
    Type.SIGN_IN_EVIDENCE: _(
        "The IP address and browser are erased; the pledge or entry itself stays. "
        "Old sign-in sessions are deleted."
    ),
    Type.AUDIT_ENTRIES: _("Deleted."),
    Type.INVITATIONS: _("Deleted."),
    Type.REPORT_FILES: _("Deleted; the report can be prepared again."),
    Type.LEAVERS_ASSESSMENTS: _(
        "Comments, goals, notes and reasons are erased; ratings, states and dates stay."
    ),
}


@dataclass(frozen=True)
class ScheduleRow:
    """One kind of record: its period in force, what happens at its end, and what the
    next run would erase in the office (and what a hold keeps)."""

    policy: RetentionPolicy
    at_the_end: str
    floor_months: int | None
    due: int
    held: int


def office_holds(office: Office) -> QuerySet[LegalHold]:
    """The holds that touch the office: on it, on someone who belongs or belonged to it,
    or on a date range alone (those cover every office). Active first, newest first."""
    people = Membership.objects.filter(office=office).values("user_id")
    return (
        LegalHold.objects.filter(
            Q(office=office)
            | Q(office__isnull=True, person__in=people)
            | Q(office__isnull=True, person__isnull=True)
        )
        .select_related("office", "person", "placed_by", "lifted_by")
        .order_by(F("lifted_at").desc(nulls_first=True), "-placed_at", "-pk")
    )


def office_schedule(office: Office) -> list[ScheduleRow]:
    """Every kind of record with its period in force, and the counts of the same plan
    `apply_retention --dry-run` prints, narrowed to the records of this office."""
    plan = retention_plan()
    due = dict.fromkeys(Type.values, 0)
    held = dict(due)
    for item in plan.due:
        if office.pk in item.offices:
            due[item.record_type] += 1
    for item, _hold in plan.held:
        if office.pk in item.offices:
            held[item.record_type] += 1
    policies = plan.policies
    return [
        ScheduleRow(
            policy=policies[record_type],
            at_the_end=AT_THE_END[record_type],
            floor_months=(
                FEDERAL_FLOOR_MONTHS if policies[record_type].federal_floor_applies else None
            ),
            due=due[record_type],
            held=held[record_type],
        )
        for record_type in Type.values
    ]
