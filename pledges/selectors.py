import datetime
import heapq
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import CONFIDENTIAL_NAME, Membership, Office
from accounts.selectors import iso, staff_listed

from .chain import GENESIS_HASH, EvidenceStatus, evidence_status, personal_fields, record_hash
from .codes import code_candidates
from .models import (
    AddendumRequirement,
    ApplicationItem,
    ChainHead,
    ChainVersion,
    Cycle,
    Edition,
    OathAddendum,
    Pledge,
    PledgeEvidence,
    PledgeReminder,
    PledgeWithdrawal,
    Standard,
)

# Built once; about one cycle a year, so reading them all costs less than two queries.
_CYCLES = Cycle.objects.select_related("edition").order_by("-opens_on")


def current_and_next_cycle(day=None) -> tuple[Cycle | None, Cycle | None]:
    """As `current_cycle` and `next_cycle`, in one query."""
    day = day or timezone.localdate()
    cycles = list(_CYCLES.all())
    started = [c for c in cycles if c.opens_on <= day]
    current = next(
        (c for c in started if c.closes_on >= day and c.closed_early_at is None),
        started[0] if started else None,
    )
    upcoming = [c for c in cycles if c.opens_on > day]
    return current, (upcoming[-1] if upcoming else None)


def current_cycle(day=None) -> Cycle | None:
    """The open cycle today; otherwise the most recent one that has opened."""
    return current_and_next_cycle(day)[0]


def next_cycle(day=None) -> Cycle | None:
    day = day or timezone.localdate()
    return Cycle.objects.filter(opens_on__gt=day).order_by("opens_on").first()


def previous_cycle(cycle: Cycle) -> Cycle | None:
    return Cycle.objects.filter(opens_on__lt=cycle.opens_on).order_by("-opens_on").first()


def published_edition() -> Edition | None:
    """The newest published edition (the one the public reads)."""
    return (
        Edition.objects.filter(published_at__isnull=False)
        .order_by("-year", "-published_at")
        .first()
    )


def edition_standards(edition: Edition) -> list[Standard]:
    """The edition's standards with their items and no further queries."""
    return list(
        Standard.objects.filter(edition=edition)
        .order_by("number")
        .prefetch_related(Prefetch("items", queryset=ApplicationItem.objects.order_by("number")))
    )


# What lists of people show of each one's pledge.
_LISTED = Pledge.objects.only("id", "user_id", "cycle_id", "signed_at", "withdrawn_at").order_by()


def active_pledges_by_user(user_ids, cycle: Cycle) -> dict[int, Pledge]:
    """Each listed person's active pledge in the cycle (when signed), in one query."""
    pledges = _LISTED.filter(user_id__in=list(user_ids), cycle=cycle, withdrawn_at__isnull=True)
    return {p.user_id: p for p in pledges}


def pledge_history(user) -> QuerySet[Pledge]:
    """The person's pledges in every cycle, newest first, with their withdrawals."""
    return (
        Pledge.objects.filter(user=user)
        .select_related("cycle", "office", "edition", "withdrawal")
        .order_by("-cycle__opens_on", "-signed_at")
    )


def active_pledge(user, cycle: Cycle | None) -> Pledge | None:
    if cycle is None or not user.is_authenticated:
        return None
    return (
        Pledge.objects.filter(user=user, cycle=cycle, withdrawn_at__isnull=True)
        .select_related("cycle", "office")
        .first()
    )


def signable_cycle(day=None) -> Cycle | None:
    """The cycle open for signing today, if any."""
    day = day or timezone.localdate()
    return Cycle.objects.select_related("edition").open_on(day).order_by("-opens_on").first()


def unsigned_members(*, cycle: Cycle, office=None) -> QuerySet[Membership]:
    """Current memberships (in one office, or all) of people without an active pledge whom
    a reminder can reach: people known by name and phone only (election workers without
    an email address) are reminded at their signing session, not by email."""
    signed = Pledge.objects.filter(user=OuterRef("user"), cycle=cycle, withdrawn_at__isnull=True)
    memberships = Membership.objects.filter(
        ended_at__isnull=True, user__is_active=True, user__email__isnull=False
    )
    if office is not None:
        memberships = memberships.filter(office=office)
    return (
        memberships.filter(~Exists(signed))
        .select_related("user", "office")
        .order_by("office_id", "user__full_name", "user__email")
    )


@dataclass
class OfficePledgeRow:
    membership: Membership
    pledge: Pledge | None
    last_reminder: datetime.datetime | None


# When each person was last reminded, by person; each list filters a copy.
_LAST_REMINDED = (
    PledgeReminder.objects.order_by()
    .values("user_id")
    .annotate(last=Max("sent_at"))
    .values_list("user_id", "last")
)


def office_pledge_rows(office, cycle: Cycle, memberships=None) -> list[OfficePledgeRow]:
    """Everyone in the office (or the `memberships` given: one page of a list) with their
    active pledge and last reminder: three queries, two with the memberships given."""
    memberships = list(staff_listed(office) if memberships is None else memberships)
    user_ids = [m.user_id for m in memberships]
    pledges = active_pledges_by_user(user_ids, cycle)
    reminders = dict(_LAST_REMINDED.filter(cycle=cycle, user_id__in=user_ids))
    return [
        OfficePledgeRow(m, pledges.get(m.user_id), reminders.get(m.user_id)) for m in memberships
    ]


def with_pledge_state(memberships: QuerySet[Membership], cycle: Cycle, state: str = ""):
    """Memberships narrowed to those who have signed the cycle's pledge ("signed") or not
    ("unsigned"); any other `state` leaves them as they are."""
    signed = Exists(
        Pledge.objects.filter(user=OuterRef("user_id"), cycle=cycle, withdrawn_at__isnull=True)
    )
    if state == "signed":
        return memberships.filter(signed)
    if state == "unsigned":
        return memberships.filter(~signed)
    return memberships


def office_pledge_counts(office, cycle: Cycle) -> dict:
    """How many of the office's staff, and of its election workers apart, have an active
    pledge in the cycle (one query whatever the size of the office)."""
    signed = Exists(
        Pledge.objects.filter(user=OuterRef("user_id"), cycle=cycle, withdrawn_at__isnull=True)
    )
    worker = Q(role=Membership.Role.ELECTION_WORKER)
    reachable = Q(user__email__isnull=False, user__is_active=True)
    return Membership.objects.filter(office=office, ended_at__isnull=True).aggregate(
        staff=Count("pk", filter=~worker),
        staff_signed=Count("pk", filter=~worker & Q(signed)),
        workers=Count("pk", filter=worker),
        workers_signed=Count("pk", filter=worker & Q(signed)),
        # Who a reminder would reach: the unsigned with an email address (see
        # `unsigned_members`).
        remindable=Count("pk", filter=~Q(signed) & reachable),
    )


def pledge_by_code(code: str) -> Pledge | None:
    """The pledge a normalized typed code names, look-alikes read as what they may stand for.

    None when no pledge, or more than one, matches.
    """
    found = list(
        Pledge.objects.filter(verification_code__in=code_candidates(code))
        .select_related(
            "cycle", "office", "edition", "user", "addendum__office", "addendum__association"
        )
        .order_by("pk")[:2]
    )
    return found[0] if len(found) == 1 else None


@dataclass
class RegistrySummary:
    office: object
    cycle: Cycle | None
    staff: int
    pledged: int
    names: list[str]

    @property
    def percent(self) -> int:
        return round(100 * self.pledged / self.staff) if self.staff else 0


def registry_summary(office, cycle: Cycle | None) -> RegistrySummary:
    """Count and share of current staff with an active pledge; names of those who opted in."""
    staff = Membership.objects.filter(office=office, ended_at__isnull=True, user__is_active=True)
    if cycle is None:
        return RegistrySummary(office, None, staff.count(), 0, [])
    pledges = Pledge.objects.filter(
        cycle=cycle,
        withdrawn_at__isnull=True,
        office=office,
        user__in=staff.values("user_id"),
    )
    listed = (
        pledges.filter(listed_publicly=True)
        .order_by("typed_name")
        .values_list("typed_name", "user__is_confidential")
    )
    # A confidential participant is counted, and listed without their name, last.
    names = sorted(
        (str(CONFIDENTIAL_NAME) if confidential else name for name, confidential in listed),
        key=lambda name: name == str(CONFIDENTIAL_NAME),
    )
    return RegistrySummary(office, cycle, staff.count(), pledges.count(), names)


def publishing_offices():
    return Office.objects.filter(publishes_registry=True).order_by("state", "name")


# --- the hash chain -------------------------------------------------------------------


@dataclass
class RecordCheck:
    """What the verifier found of one record: its rule and, under rule 2, each personal value."""

    sequence: int
    label: str
    rule: int
    personal: dict[str, str]


@dataclass
class ChainReport:
    intact: bool
    checked: int
    problem: str = ""
    sequence: int | None = None
    # Records per rule (1, 2), and rule-2 personal values per EvidenceStatus.
    rules: dict[int, int] = field(default_factory=dict)
    personal: dict[str, int] = field(default_factory=dict)


_PLEDGE_FIELDS = [
    "id", "sequence", "previous_hash", "record_hash", "user_id", "office_id", "cycle_id",
    "edition_id", "typed_name", "consent_text", "signed_at", "ip_address", "user_agent",
    "auth_method", "text_sha256", "verification_code", "listed_publicly", "withdrawn_at",
    "account_name", "name_mismatch", "chain_version", "ip_address_digest",
    "user_agent_digest", "typed_name_digest", "account_name_digest",
    "addendum_id", "addendum_sha256",
    "session_reference", "session_shared_device", "session_identified_by",
    "sso_provider", "sso_issuer", "sso_subject", "sso_mfa",
]  # fmt: skip
_EVIDENCE_FIELDS = [f"evidence__{f.attname}" for f in PledgeEvidence._meta.concrete_fields]


def _chained_records(chunk_size: int):
    """Pledges and withdrawals merged into one stream, in chain order, with their evidence."""
    pledges = (
        Pledge.objects.select_related("evidence")
        .only(*_PLEDGE_FIELDS, *_EVIDENCE_FIELDS)
        .order_by("sequence")
        .iterator(chunk_size)
    )
    withdrawals = (
        PledgeWithdrawal.objects.select_related("pledge", "evidence")
        .only(
            "pledge__withdrawn_at",
            *[f.attname for f in PledgeWithdrawal._meta.concrete_fields],
            *_EVIDENCE_FIELDS,
        )
        .order_by("sequence")
        .iterator(chunk_size)
    )
    return heapq.merge(pledges, withdrawals, key=lambda r: r.sequence)


def _personal_label(name: str) -> str:
    return {
        "ip_address": _("IP address"),
        "user_agent": _("browser"),
        "typed_name": _("typed name"),
        "account_name": _("name on the account"),
    }[name]


def _record_label(record: Pledge | PledgeWithdrawal) -> str:
    if isinstance(record, PledgeWithdrawal):
        return _("withdrawal of pledge %(id)s") % {"id": record.pledge_id}
    return _("pledge %(id)s") % {"id": record.pk}


def _record_problem(
    record: Pledge | PledgeWithdrawal, *, expected: int, previous: str
) -> tuple[str, int] | None:
    """What is wrong with the record at this place in the chain, and the sequence it concerns."""
    label = _record_label(record)
    if record.sequence != expected:
        return (
            _("Record #%(n)s is missing (the next record found is #%(found)s, %(label)s).")
            % {"n": expected, "found": record.sequence, "label": label},
            expected,
        )
    if record.previous_hash != previous:
        problem = _("Record #%(n)s (%(label)s) does not link to the record before it.")
    elif record_hash(record, previous) != record.record_hash:
        problem = _("Record #%(n)s (%(label)s) was changed after it was recorded.")
    elif isinstance(record, PledgeWithdrawal) and record.pledge.withdrawn_at != record.withdrawn_at:
        problem = _("Record #%(n)s (%(label)s) does not match the pledge it withdraws.")
    else:
        return None
    return problem % {"n": record.sequence, "label": label}, record.sequence


def _evidence_problem(record: Pledge | PledgeWithdrawal, personal: dict[str, str]) -> str | None:
    """A kept personal value that no longer matches the digest the record committed to."""
    changed = [name for name, status in personal.items() if status == EvidenceStatus.MISMATCH]
    if not changed:
        return None
    return _(
        "Record #%(n)s (%(label)s): the kept %(field)s does not match the digest in the "
        "record; it was changed after it was recorded."
    ) % {
        "n": record.sequence,
        "label": _record_label(record),
        "field": _personal_label(changed[0]),
    }


def _end_problem(*, checked: int, last_hash: str, withdrawn_pledges: int) -> ChainReport | None:
    """What is wrong once every record has been read: a lost tail, an unrecorded withdrawal."""
    head = ChainHead.objects.filter(id=1).first()
    if head is not None and (head.sequence, head.record_hash) != (checked, last_hash):
        return ChainReport(
            False,
            checked,
            _("The chain ends at #%(n)s but its last record was #%(head)s: records are missing.")
            % {"n": checked, "head": head.sequence},
            checked + 1,
        )
    if withdrawn_pledges != PledgeWithdrawal.objects.count():
        return ChainReport(
            False,
            checked,
            _("A pledge is marked withdrawn without a withdrawal record."),
            None,
        )
    return None


def verify_chain(
    *, chunk_size: int = 2000, on_record: Callable[[RecordCheck], None] | None = None
) -> ChainReport:
    """Walk every chained record in order; report the first whose content or link is wrong.

    Each record is checked under its own rule; under rule 2 each kept personal value is
    checked against its digest (or found erased). `on_record` hears of every record checked.
    """
    previous = GENESIS_HASH
    checked = 0
    withdrawn_pledges = 0
    rules, personal = Counter(), Counter()
    for record in _chained_records(chunk_size):
        problem = _record_problem(record, expected=checked + 1, previous=previous)
        if problem is not None:
            message, sequence = problem
            return ChainReport(False, checked, message, sequence, dict(rules), dict(personal))
        statuses = {}
        if record.chain_version != ChainVersion.RAW:
            statuses = evidence_status(record, record.evidence_or_none)
            message = _evidence_problem(record, statuses)
            if message is not None:
                return ChainReport(
                    False, checked, message, record.sequence, dict(rules), dict(personal)
                )
        if on_record is not None:
            on_record(
                RecordCheck(record.sequence, _record_label(record), record.chain_version, statuses)
            )
        rules[record.chain_version] += 1
        personal.update(statuses.values())
        if isinstance(record, Pledge) and record.withdrawn_at is not None:
            withdrawn_pledges += 1
        previous = record.record_hash
        checked += 1
    ending = _end_problem(checked=checked, last_hash=previous, withdrawn_pledges=withdrawn_pledges)
    if ending is not None:
        ending.rules, ending.personal = dict(rules), dict(personal)
        return ending
    return ChainReport(True, checked, rules=dict(rules), personal=dict(personal))


def chain_status() -> ChainReport:
    """verify_chain(), remembered until the chain grows (the walk reads every record)."""
    head = ChainHead.objects.filter(id=1).values_list("sequence", "record_hash").first()
    key = f"pledges:chain:{head[0]}:{head[1]}" if head else "pledges:chain:empty"
    report = cache.get(key)
    if report is None:
        report = verify_chain()
        cache.set(key, report, 10 * 60)
    return report


def personal_pledges(user) -> list[dict]:
    """The person's pledges and withdrawals, everything recorded with them (one query)."""
    return [
        {
            "cycle": p.cycle.name,
            "edition": p.edition.title,
            "edition_language": p.edition.language,
            "office": str(p.office),
            "typed_name": p.personal_value("typed_name"),
            "account_name": p.personal_value("account_name"),
            "name_mismatch": p.name_mismatch,
            "consent_text": p.consent_text,
            "signed_at": iso(p.signed_at),
            "ip_address": p.personal_value("ip_address") or None,
            "user_agent": p.personal_value("user_agent"),
            "erased": _erased(p),
            "authentication": p.get_auth_method_display(),
            "identity_provider": _personal_sso(p),
            "text_sha256": p.text_sha256,
            "addendum": _personal_addendum(p),
            "verification_code": p.code_display,
            "record_hash": p.record_hash,
            "listed_publicly": p.listed_publicly,
            "withdrawal": _personal_withdrawal(p),
        }
        for p in Pledge.objects.filter(user=user)
        .select_related(
            "office", "cycle", "edition", "addendum", "evidence", "withdrawal__evidence"
        )
        .order_by("signed_at", "pk")
    ]


def _personal_sso(pledge: Pledge) -> dict | None:
    """How the person signed in through their organisation's identity provider, if so."""
    if not pledge.sso_provider:
        return None
    return {
        "provider": pledge.sso_provider,
        "issuer": pledge.sso_issuer,
        "subject": pledge.sso_subject,
        "mfa_claimed": pledge.sso_mfa,
    }


def _personal_addendum(pledge: Pledge) -> dict | None:
    """The oath addendum signed with the pledge, as the person's data export shows it."""
    if pledge.addendum is None:
        return None
    return {
        "title": pledge.addendum.title,
        "version": pledge.addendum.version,
        "language": pledge.addendum.language,
        "text": pledge.addendum.text,
        "text_sha256": pledge.addendum_sha256,
    }


def _erased(record: Pledge | PledgeWithdrawal) -> list[str]:
    """The personal fields of a record whose kept value was erased."""
    return [name for name in personal_fields(record) if record.personal_erased(name)]


def _personal_withdrawal(pledge: Pledge) -> dict | None:
    try:
        withdrawal = pledge.withdrawal
    except PledgeWithdrawal.DoesNotExist:
        return None
    return {
        "withdrawn_at": iso(withdrawal.withdrawn_at),
        "reason": withdrawal.reason,
        "ip_address": withdrawal.personal_value("ip_address") or None,
        "user_agent": withdrawal.personal_value("user_agent"),
        "erased": _erased(withdrawal),
        "authentication": withdrawal.get_auth_method_display(),
    }


# --- oath addenda ------------------------------------------------------------------------


@dataclass(frozen=True)
class AddendumDue:
    """What an office's people sign beside the pledge: the requirement and, when one is
    required, the version in force (None when the chosen owner has none published)."""

    source: str
    addendum: OathAddendum | None = None
    association: object = None

    @property
    def required(self) -> bool:
        return self.source != AddendumRequirement.Source.NONE

    @property
    def missing(self) -> bool:
        """Required, yet nothing to sign: signing is refused until it is put right."""
        return self.required and self.addendum is None


# With their owner: the pages that show an addendum name whose it is.
_PUBLISHED_ADDENDA = (
    OathAddendum.objects.filter(state=OathAddendum.State.PUBLISHED)
    .select_related("office", "association")
    .order_by()
)


def addendum_requirement(office) -> AddendumRequirement | None:
    return AddendumRequirement.objects.filter(office=office).select_related("association").first()


def addendum_due(office, requirement: AddendumRequirement | None = None) -> AddendumDue:
    """The addendum the office's people must sign now: at most two queries.

    An association's addendum counts only while the office is one of its members.
    """
    if requirement is None:
        requirement = addendum_requirement(office)
    if requirement is None or requirement.source == AddendumRequirement.Source.NONE:
        return AddendumDue(AddendumRequirement.Source.NONE)
    if requirement.source == AddendumRequirement.Source.OFFICE:
        addendum = _PUBLISHED_ADDENDA.filter(office=office).first()
    else:
        addendum = _PUBLISHED_ADDENDA.filter(
            association_id=requirement.association_id, association__offices=office
        ).first()
    return AddendumDue(requirement.source, addendum, requirement.association)


def owner_addenda(*, office=None, association=None) -> QuerySet[OathAddendum]:
    """Every version of one owner's addendum, newest first."""
    owner = {"office": office} if office is not None else {"association": association}
    return (
        OathAddendum.objects.filter(**owner)
        .select_related("created_by", "published_by")
        .order_by("-version")
    )


def current_addendum(*, office=None, association=None) -> OathAddendum | None:
    """The owner's published version in force, if any (the office's when both are given)."""
    owner = {"office": office} if office is not None else {"association": association}
    return _PUBLISHED_ADDENDA.filter(**owner).first()


def offices_requiring(addendum: OathAddendum) -> QuerySet[Office]:
    """The offices whose people sign this addendum's owner's current version."""
    if addendum.office_id is not None:
        return Office.objects.filter(
            pk=addendum.office_id,
            addendum_requirement__source=AddendumRequirement.Source.OFFICE,
        )
    return Office.objects.filter(
        associations=addendum.association_id,
        addendum_requirement__source=AddendumRequirement.Source.ASSOCIATION,
        addendum_requirement__association=addendum.association_id,
    ).order_by("state", "name")


def association_addenda_choices(office) -> list[tuple[object, OathAddendum | None]]:
    """The office's associations, each with its published addendum (or None): two queries."""
    associations = list(office.associations.order_by("name"))
    published = {
        a.association_id: a
        for a in _PUBLISHED_ADDENDA.filter(association__in=[x.pk for x in associations])
    }
    return [(association, published.get(association.pk)) for association in associations]
