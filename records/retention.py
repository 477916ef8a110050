"""Retention schedules and legal holds: what has passed its period, and erasing it.

`retention_plan` lists what a run would erase (and what a legal hold keeps); the dry run
prints it. `retention_apply` computes the same plan inside one transaction, erases every
item in it, and writes one audit entry with the counts. docs/records.md explains the
schedule to a records officer.
"""

import datetime
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from allauth.usersessions.models import UserSession
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditEntry, Invitation, Membership, Office, User
from assessments.models import (
    Assessment,
    ItemResponse,
    Review,
    ReviewItem,
    StandardGoal,
    Transition,
)
from pledges.models import ChainVersion, Pledge, PledgeEvidence, PledgeWithdrawal
from pledges.services import evidence_erase
from reports.models import ReportFile

from .models import LegalHold, RetentionPolicy

Type = RetentionPolicy.RecordType

# What replaces free text that a constraint requires to be non-empty (the reason an item
# does not apply, the note of a returned review): language-neutral, plainly not an answer.
ERASED_TEXT = "—"
EVIDENCE_FIELDS = ("ip_address", "user_agent")
# Deleted in batches, so that one statement never carries an unbounded list of ids.
BATCH = 500


@dataclass(frozen=True)
class Item:
    """One record that has passed its period: what it is, and why it goes."""

    record_type: str
    kind: str  # "pledge", "audit entry"…: the table the id belongs to
    pk: int
    date: datetime.datetime  # when the record was made: what a hold's date range covers
    clock: datetime.datetime  # when its retention period started
    action: str  # "erase IP address and browser", "delete"…
    offices: frozenset = frozenset()
    persons: frozenset = frozenset()

    def describe(self, policy: RetentionPolicy) -> str:
        return (
            f"{self.record_type}\t{self.kind} {self.pk}\t{self.date:%Y-%m-%d}\t"
            f"{self.action}: {self.clock:%Y-%m-%d} is more than {policy.period} "
            f"{policy.unit} ago"
        )


@dataclass
class Plan:
    """What a run erases, and what legal holds keep, as of `now`."""

    now: datetime.datetime
    policies: dict[str, RetentionPolicy]
    due: list[Item] = field(default_factory=list)
    held: list[tuple[Item, LegalHold]] = field(default_factory=list)
    # Pledges and withdrawals past the period whose address and browser are inside their
    # hash (chained before salted digests): erasing them would break the chain.
    not_erasable: int = 0

    def counts(self) -> dict[str, int]:
        counted = Counter(item.record_type for item in self.due)
        return {record_type: counted[record_type] for record_type in Type.values}

    def held_counts(self) -> dict[str, int]:
        counted = Counter(item.record_type for item, _hold in self.held)
        return {record_type: counted[record_type] for record_type in Type.values}

    def lines(self) -> list[str]:
        """One line per record, as the dry run prints them: type, id, date, reason."""
        lines = [item.describe(self.policies[item.record_type]) for item in self.due]
        lines += [
            f"{item.record_type}\t{item.kind} {item.pk}\t{item.date:%Y-%m-%d}\t"
            f"kept: under legal hold {hold.pk}"
            for item, hold in self.held
        ]
        return lines


def retention_policies() -> dict[str, RetentionPolicy]:
    """Every record type's policy: the administrator's row, or the documented default."""
    rows = {policy.record_type: policy for policy in RetentionPolicy.objects.all()}
    for record_type, (period, unit) in RetentionPolicy.DEFAULTS.items():
        rows.setdefault(
            record_type, RetentionPolicy(record_type=record_type, period=period, unit=unit)
        )
    return rows


def hold_covering(holds: Iterable[LegalHold], item: Item) -> LegalHold | None:
    """The first active hold whose scope takes in the record: every part it names must match
    (its office, its person, its date range)."""
    day = timezone.localtime(item.date).date()
    for hold in holds:
        if hold.office_id is not None and hold.office_id not in item.offices:
            continue
        if hold.person_id is not None and hold.person_id not in item.persons:
            continue
        if hold.starts_on is not None and day < hold.starts_on:
            continue
        if hold.ends_on is not None and day > hold.ends_on:
            continue
        return hold
    return None


def _ids(*values) -> frozenset:
    return frozenset(value for value in values if value is not None)


# --- What has passed its period, type by type --------------------------------------------


def _sign_in_evidence(cutoff, audit_cutoff) -> Iterator[Item]:
    action = "erase IP address and browser"
    # Pledges and withdrawals chained under rule 2: the values beside the record.
    kept = ~Q(ip_address_salt="") | ~Q(user_agent_salt="")
    salted = ChainVersion.SALTED
    evidence = (
        PledgeEvidence.objects.filter(kept)
        .filter(
            Q(pledge__signed_at__lt=cutoff, pledge__chain_version=salted)
            | Q(withdrawal__withdrawn_at__lt=cutoff, withdrawal__chain_version=salted)
        )
        .values_list(
            "pledge_id",
            "pledge__signed_at",
            "pledge__office_id",
            "pledge__user_id",
            "withdrawal_id",
            "withdrawal__withdrawn_at",
            "withdrawal__pledge__office_id",
            "withdrawal__pledge__user_id",
        )
        .order_by("pk")
    )
    for pledge, signed_at, office, user, withdrawal, withdrawn_at, w_office, w_user in evidence:
        if pledge is not None:
            yield Item(
                record_type=Type.SIGN_IN_EVIDENCE,
                kind="pledge",
                pk=pledge,
                date=signed_at,
                clock=signed_at,
                action=action,
                offices=_ids(office),
                persons=_ids(user),
            )
        else:
            yield Item(
                record_type=Type.SIGN_IN_EVIDENCE,
                kind="pledge withdrawal",
                pk=withdrawal,
                date=withdrawn_at,
                clock=withdrawn_at,
                action=action,
                offices=_ids(w_office),
                persons=_ids(w_user),
            )
    # The audit trail's address and browser, on entries young enough to be kept.
    entries = (
        AuditEntry.objects.filter(at__lt=cutoff, at__gte=audit_cutoff)
        .filter(Q(ip_address__isnull=False) | Q(details__has_key="user_agent"))
        .values_list("pk", "at", "office_id", "actor_id", "object_type", "object_id")
        .order_by("pk")
    )
    for pk, at, office, actor, object_type, object_id in entries:
        yield Item(
            record_type=Type.SIGN_IN_EVIDENCE,
            kind="audit entry",
            pk=pk,
            date=at,
            clock=at,
            action=action,
            offices=_ids(office),
            persons=_audit_persons(actor, object_type, object_id),
        )
    # Sign-in sessions (allauth) long over: their address and browser go with the row.
    sessions = list(
        UserSession.objects.filter(last_seen_at__lt=cutoff)
        .values_list("pk", "created_at", "last_seen_at", "user_id")
        .order_by("pk")
    )
    offices = _offices_by_person({user for *_fields, user in sessions})
    for pk, created_at, last_seen_at, user in sessions:
        yield Item(
            record_type=Type.SIGN_IN_EVIDENCE,
            kind="sign-in session",
            pk=pk,
            date=created_at,
            clock=last_seen_at,
            action="delete",
            offices=offices.get(user, frozenset()),
            persons=_ids(user),
        )


def _evidence_inside_hashes(cutoff) -> int:
    raw = ChainVersion.RAW
    has_evidence = Q(ip_address__isnull=False) | ~Q(user_agent="")
    pledges = Pledge.objects.filter(has_evidence, chain_version=raw, signed_at__lt=cutoff)
    withdrawals = PledgeWithdrawal.objects.filter(
        has_evidence, chain_version=raw, withdrawn_at__lt=cutoff
    )
    return pledges.count() + withdrawals.count()


def _audit_persons(actor, object_type: str, object_id: str) -> frozenset:
    """Who an audit entry is about: who acted, and the person acted on, if one was."""
    subject = int(object_id) if object_type == "accounts.user" and object_id.isdigit() else None
    return _ids(actor, subject)


def _offices_by_person(user_ids: set[int]) -> dict[int, frozenset]:
    """Every office each of these people has belonged to, for holds on records without an
    office (read only for the records due, not for everyone)."""
    offices: dict[int, set] = {}
    if not user_ids:
        return {}
    memberships = Membership.objects.filter(user_id__in=user_ids)
    for user, office in memberships.values_list("user_id", "office_id"):
        offices.setdefault(user, set()).add(office)
    return {user: frozenset(ids) for user, ids in offices.items()}


def _audit_entries(cutoff) -> Iterator[Item]:
    entries = (
        AuditEntry.objects.filter(at__lt=cutoff)
        .values_list("pk", "at", "office_id", "actor_id", "object_type", "object_id")
        .order_by("pk")
    )
    for pk, at, office, actor, object_type, object_id in entries:
        yield Item(
            record_type=Type.AUDIT_ENTRIES,
            kind="audit entry",
            pk=pk,
            date=at,
            clock=at,
            action="delete",
            offices=_ids(office),
            persons=_audit_persons(actor, object_type, object_id),
        )


def _invitations(cutoff, now) -> Iterator[Item]:
    # The clock starts when the invitation stopped being usable: accepted, revoked or expired.
    ended = (
        Invitation.objects.filter(
            Q(accepted_at__isnull=False) | Q(revoked_at__isnull=False) | Q(expires_at__lt=now)
        )
        .annotate(ended_at=Coalesce("accepted_at", "revoked_at", "expires_at"))
        .filter(ended_at__lt=cutoff)
        .values_list("pk", "created_at", "ended_at", "office_id", "invited_by_id", "accepted_by_id")
        .order_by("pk")
    )
    for pk, created_at, ended_at, office, invited_by, accepted_by in ended:
        yield Item(
            record_type=Type.INVITATIONS,
            kind="invitation",
            pk=pk,
            date=created_at,
            clock=ended_at,
            action="delete",
            offices=_ids(office),
            persons=_ids(invited_by, accepted_by),
        )


def _report_files(cutoff) -> Iterator[Item]:
    files = (
        ReportFile.objects.filter(created_at__lt=cutoff)
        .values_list("pk", "created_at", "office_id", "requested_by_id", "team_lead_id")
        .order_by("pk")
    )
    for pk, created_at, office, requested_by, team_lead in files:
        yield Item(
            record_type=Type.REPORT_FILES,
            kind="report file",
            pk=pk,
            date=created_at,
            clock=created_at,
            action="delete",
            offices=_ids(office),
            persons=_ids(requested_by, team_lead),
        )


def _has_free_text() -> Q:
    """An assessment with text written by or about the person still in it."""
    kept = ~Q(na_reason__in=["", ERASED_TEXT])
    return (
        Q(Exists(ItemResponse.objects.filter(~Q(comment="") | kept, assessment=OuterRef("pk"))))
        | Q(Exists(StandardGoal.objects.filter(~Q(goal=""), assessment=OuterRef("pk"))))
        | Q(Exists(Transition.objects.filter(~Q(note=""), assessment=OuterRef("pk"))))
        | Q(
            Exists(Review.objects.filter(~Q(note__in=["", ERASED_TEXT]), assessment=OuterRef("pk")))
        )
        | Q(Exists(ReviewItem.objects.filter(~Q(comment=""), review__assessment=OuterRef("pk"))))
    )


def _leavers_assessments(cutoff) -> Iterator[Item]:
    memberships = Membership.objects.filter(user=OuterRef("user"), office=OuterRef("office"))
    left = (
        Assessment.objects.annotate(
            left_at=memberships.values("user").annotate(last=Max("ended_at")).values("last"),
        )
        .filter(~Exists(memberships.filter(ended_at__isnull=True)), left_at__lt=cutoff)
        .filter(_has_free_text())
        .values_list("pk", "created_at", "left_at", "office_id", "user_id", "reviewer_id")
        .order_by("pk")
    )
    for pk, created_at, left_at, office, user, reviewer in left:
        yield Item(
            record_type=Type.LEAVERS_ASSESSMENTS,
            kind="assessment",
            pk=pk,
            date=created_at,
            clock=left_at,
            action="erase comments, goals and notes",
            offices=_ids(office),
            persons=_ids(user, reviewer),
        )


def retention_plan(*, now: datetime.datetime | None = None) -> Plan:
    """What a run at `now` erases, and what legal holds keep; changes nothing."""
    now = now or timezone.now()
    policies = retention_policies()
    plan = Plan(now=now, policies=policies)
    holds = list(LegalHold.objects.active().order_by("pk"))
    cutoff = {record_type: policy.cutoff(now) for record_type, policy in policies.items()}
    found = [
        _sign_in_evidence(cutoff[Type.SIGN_IN_EVIDENCE], cutoff[Type.AUDIT_ENTRIES]),
        _audit_entries(cutoff[Type.AUDIT_ENTRIES]),
        _invitations(cutoff[Type.INVITATIONS], now),
        _report_files(cutoff[Type.REPORT_FILES]),
        _leavers_assessments(cutoff[Type.LEAVERS_ASSESSMENTS]),
    ]
    plan.not_erasable = _evidence_inside_hashes(cutoff[Type.SIGN_IN_EVIDENCE])
    for items in found:
        for item in items:
            hold = hold_covering(holds, item)
            if hold is None:
                plan.due.append(item)
            else:
                plan.held.append((item, hold))
    return plan


# --- Erasing -----------------------------------------------------------------------------


def _allow_audit_erasure() -> None:
    """On PostgreSQL the audit trail refuses changes; retention may erase an entry's address
    and browser, and delete entries older than the federal floor, within this transaction
    only (records migration `audit_retention_guard`)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL portal.retention = 'on'")


def _erase_pledge_evidence(items: list[Item], *, reason: str) -> None:
    pledges = Pledge.objects.in_bulk([i.pk for i in items if i.kind == "pledge"])
    withdrawals = PledgeWithdrawal.objects.in_bulk(
        [i.pk for i in items if i.kind == "pledge withdrawal"]
    )
    for record in [*pledges.values(), *withdrawals.values()]:
        evidence_erase(record=record, fields=list(EVIDENCE_FIELDS), reason=reason, by=None)


def _erase_audit_evidence(ids: list[int]) -> None:
    for entry in AuditEntry.objects.filter(pk__in=ids).only("pk", "ip_address", "details"):
        entry.ip_address = None
        entry.details.pop("user_agent", None)
        entry.save(update_fields=["ip_address", "details"])


def _delete(model, ids: list[int]) -> None:
    for start in range(0, len(ids), BATCH):
        model.objects.filter(pk__in=ids[start : start + BATCH]).delete()


def _anonymise_assessments(ids: list[int]) -> None:
    """Keep the ratings (the office's figures are built from them), the states and dates;
    erase what the person and their reviewers wrote."""
    ItemResponse.objects.filter(assessment__in=ids).exclude(comment="").update(comment="")
    ItemResponse.objects.filter(assessment__in=ids, not_applicable=True).update(
        na_reason=ERASED_TEXT
    )
    StandardGoal.objects.filter(assessment__in=ids).exclude(goal="").update(goal="")
    Transition.objects.filter(assessment__in=ids).exclude(note="").update(note="")
    Review.objects.filter(assessment__in=ids, decision=Review.Decision.ACCEPT).update(note="")
    Review.objects.filter(assessment__in=ids).exclude(decision=Review.Decision.ACCEPT).update(
        note=ERASED_TEXT
    )
    ReviewItem.objects.filter(review__assessment__in=ids).exclude(comment="").update(comment="")


@transaction.atomic
def retention_apply(*, now: datetime.datetime | None = None) -> Plan:
    """Erase everything past its period that no legal hold covers; audit the run once."""
    plan = retention_plan(now=now)
    by_kind: dict[tuple[str, str], list[int]] = {}
    for item in plan.due:
        by_kind.setdefault((item.record_type, item.kind), []).append(item.pk)
    reason = "retention schedule"
    _allow_audit_erasure()
    evidence = [item for item in plan.due if item.kind in ("pledge", "pledge withdrawal")]
    if evidence:
        _erase_pledge_evidence(evidence, reason=reason)
    _erase_audit_evidence(by_kind.get((Type.SIGN_IN_EVIDENCE, "audit entry"), []))
    _delete(UserSession, by_kind.get((Type.SIGN_IN_EVIDENCE, "sign-in session"), []))
    _delete(AuditEntry, by_kind.get((Type.AUDIT_ENTRIES, "audit entry"), []))
    _delete(Invitation, by_kind.get((Type.INVITATIONS, "invitation"), []))
    _delete(ReportFile, by_kind.get((Type.REPORT_FILES, "report file"), []))
    _anonymise_assessments(by_kind.get((Type.LEAVERS_ASSESSMENTS, "assessment"), []))
    audit_record(
        action=AuditEntry.Action.RECORDS_RETENTION_APPLIED,
        erased=plan.counts(),
        held=plan.held_counts(),
        not_erasable=plan.not_erasable,
        periods={key: f"{p.period} {p.unit}" for key, p in sorted(plan.policies.items())},
    )
    return plan


# --- Legal holds -------------------------------------------------------------------------


@transaction.atomic
def hold_place(
    *,
    by: User,
    reason: str,
    office: Office | None = None,
    person: User | None = None,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    request=None,
) -> LegalHold:
    """Place a legal hold: nothing it covers is erased until it is lifted."""
    hold = LegalHold(
        office=office,
        person=person,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason.strip(),
        placed_by=by,
    )
    hold.full_clean()
    hold.save()
    audit_record(
        action=AuditEntry.Action.RECORDS_HOLD_PLACED,
        actor=by,
        obj=hold,
        office=office,
        request=request,
        reason=hold.reason,
        person=person.pk if person is not None else None,
        starts_on=starts_on.isoformat() if starts_on else None,
        ends_on=ends_on.isoformat() if ends_on else None,
    )
    return hold


@transaction.atomic
def hold_lift(*, hold: LegalHold, by: User, reason: str, request=None) -> LegalHold:
    """Lift a hold: what it kept falls under the schedule again at the next run."""
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if not hold.is_active:
        return hold
    if not reason.strip():
        raise ValidationError({"lift_reason": _("Say why the hold is lifted.")})
    hold.lifted_by = by
    hold.lifted_at = timezone.now()
    hold.lift_reason = reason.strip()
    hold.full_clean()
    hold.save(update_fields=["lifted_by", "lifted_at", "lift_reason"])
    audit_record(
        action=AuditEntry.Action.RECORDS_HOLD_LIFTED,
        actor=by,
        obj=hold,
        office=hold.office,
        request=request,
        reason=hold.lift_reason,
        placed_by=hold.placed_by.email,
        placed_at=hold.placed_at.isoformat(),
    )
    return hold
