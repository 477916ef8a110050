"""Every write to pledges, withdrawals, reminders, cycles and the registry setting."""

import datetime
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import Association, Membership, Office, User
from core.mail import send_templated_email
from core.text import validate_name_text

from .chain import (
    CONFIDENTIAL_FIELDS,
    CONSENT_TEXT,
    CONSENT_TEXT_WITH_ADDENDUM,
    CURRENT_CHAIN_VERSION,
    PERSONAL_FIELDS,
    canonical_addendum_text,
    canonical_pledge_text,
    new_salt,
    normalize_addendum_text,
    normalize_addendum_title,
    personal_fields,
    record_hash,
    salted_digest,
    sha256_text,
)
from .models import (
    AddendumRequirement,
    ChainHead,
    ChainVersion,
    Cycle,
    OathAddendum,
    Pledge,
    PledgeEvidence,
    PledgeReminder,
    PledgeWithdrawal,
)
from .names import names_agree
from .selectors import addendum_due, edition_standards, offices_requiring, unsigned_members
from .tasks import checkpoint_soon
from .transparency import log_append

MAX_USER_AGENT = 500


@dataclass(frozen=True)
class RequestMeta:
    """Where a signature came from: the request's address, browser and sign-in method."""

    ip_address: str | None = None
    user_agent: str = ""
    auth_method: str = Pledge.AuthMethod.PASSWORD
    # Signed in through an identity provider: its name, the issuer and subject it asserted
    # and the MFA method it claimed (see `sso.evidence`). Empty otherwise.
    sso_provider: str = ""
    sso_issuer: str = ""
    sso_subject: str = ""
    sso_mfa: str = ""


@dataclass(frozen=True)
class SessionContext:
    """A pledge signed at a signing session: which one, on what device, identified how."""

    reference: str
    identified_by: str
    shared_device: bool = False


class SigningClosed(ValidationError):
    """The cycle is not open for signing today."""


class NameMismatch(ValidationError):
    """The typed name differs from the account's, and the signer has not confirmed it."""


def _signature_meta(request_meta: RequestMeta) -> dict:
    """Where a pledge or a withdrawal came from, as the chained record stores it."""
    return {
        "ip_address": request_meta.ip_address,
        "user_agent": request_meta.user_agent[:MAX_USER_AGENT],
        "auth_method": request_meta.auth_method,
    }


def _sso_fields(request_meta: RequestMeta) -> dict:
    """How a pledge's signer signed in through an identity provider, as the record keeps it."""
    if not request_meta.sso_provider:
        return {}
    fields = {
        "sso_provider": request_meta.sso_provider,
        "sso_issuer": request_meta.sso_issuer,
        "sso_subject": request_meta.sso_subject,
        "sso_mfa": request_meta.sso_mfa,
    }
    # Cut to the columns' sizes: a provider's long claim must not stop anyone signing.
    return {
        name: value[: Pledge._meta.get_field(name).max_length] for name, value in fields.items()
    }


def pledge_text(cycle: Cycle) -> tuple[str, str]:
    """The canonical text of the cycle's edition and its SHA-256."""
    text = canonical_pledge_text(cycle.edition, edition_standards(cycle.edition))
    return text, sha256_text(text)


def _lock_chain_head() -> ChainHead:
    # Every append locks this one row, so the chain grows one record at a time even
    # across server processes (SQLite's IMMEDIATE transactions already serialize writers).
    head, _created = ChainHead.objects.select_for_update().get_or_create(id=1)
    return head


_RELATIONS = ["user", "office", "cycle", "edition", "pledge"]


def _seal_personal(record: Pledge | PledgeWithdrawal) -> None:
    """Move the record's personal values beside it, leaving their salted digests in it."""
    record.chain_version = CURRENT_CHAIN_VERSION
    fields = PERSONAL_FIELDS
    if isinstance(record, Pledge) and getattr(record.user, "is_confidential", False):
        fields += CONFIDENTIAL_FIELDS
    evidence = PledgeEvidence()
    for field in fields:
        value = getattr(record, field)
        if not value:
            continue  # nothing recorded, nothing to commit to
        salt = new_salt()
        setattr(evidence, field, value)
        setattr(evidence, f"{field}_salt", salt)
        setattr(record, f"{field}_digest", salted_digest(salt, value))
        setattr(record, field, None if field == "ip_address" else "")
    record._unsaved_evidence = evidence


def _save_evidence(records: Iterable[Pledge | PledgeWithdrawal]) -> None:
    """Store the personal values set aside by `_seal_personal`, once the records are saved."""
    rows = []
    for record in records:
        evidence = record.__dict__.pop("_unsaved_evidence", None)
        if evidence is None:
            continue
        if isinstance(record, Pledge):
            evidence.pledge = record
        else:
            evidence.withdrawal = record
        rows.append(evidence)
    PledgeEvidence.objects.bulk_create(rows)


def _chain(
    records: Iterable[Pledge | PledgeWithdrawal], head: ChainHead, *, check_relations=True
) -> None:
    """Give each unsaved record its place and hashes; move the (locked) head past them."""
    exclude = ["record_hash"] if check_relations else ["record_hash", *_RELATIONS]
    for record in records:
        record.sequence = head.sequence + 1
        record.previous_hash = head.record_hash
        # Cleaning first matters: it normalizes values (an IPv6 address) that the hash covers.
        record.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        _seal_personal(record)
        record.record_hash = record_hash(record, record.previous_hash)
        head.sequence = record.sequence
        head.record_hash = record.record_hash


def _join_log(records: list[Pledge | PledgeWithdrawal]) -> None:
    """Add just-chained records to the public log; one checkpoint follows a batch."""
    log_append(records)
    transaction.on_commit(checkpoint_soon)


def _existing_active(user: User, cycle: Cycle) -> Pledge | None:
    return Pledge.objects.filter(user=user, cycle=cycle, withdrawn_at__isnull=True).first()


def clean_typed_name(value: str) -> str:
    """The typed signature, whitespace-normalized; ValidationError when unusable."""
    value = unicodedata.normalize("NFC", value)
    # Control and invisible formatting characters (e.g. right-to-left overrides) could make
    # a signature display as something other than what is stored; the portal's one check.
    try:
        validate_name_text(value)
    except ValidationError:
        raise ValidationError(
            _("Your name cannot contain control characters."), code="control"
        ) from None
    name = " ".join(value.split())
    if not name:
        raise ValidationError(_("Type your full name to sign."), code="required")
    if len(name) > Pledge._meta.get_field("typed_name").max_length:
        raise ValidationError(
            _("That name is too long: use at most 150 characters."), code="max_length"
        )
    return name


def _name_mismatch(*, user: User, name: str, confirmed: bool) -> bool:
    """Whether the typed name differs from the account's; NameMismatch unless confirmed."""
    if names_agree(name, user.full_name):
        return False
    if not confirmed:
        raise NameMismatch(
            _(
                "The name you typed, “%(typed)s”, differs from the name on your account, "
                "“%(account)s”. Correct it, or confirm that you sign as “%(typed)s”."
            )
            % {"typed": name, "account": user.full_name},
            code="name_mismatch",
        )
    return True


def _signing_membership(user: User, *, consent: bool) -> Membership:
    """The membership the pledge is signed in; ValidationError without one or without consent."""
    membership = user.active_membership
    if membership is None:
        raise ValidationError(_("Only a member of an office can sign the pledge."))
    if not consent:
        raise ValidationError(_("You must agree to sign electronically."), code="consent")
    return membership


def _signable_text_sha256(cycle: Cycle, seen_text_sha256: str | None) -> str:
    """The SHA-256 of the text being signed, once the cycle is open and the text unchanged."""
    if not cycle.is_open():
        raise SigningClosed(_("The %(cycle)s cycle is not open for signing.") % {"cycle": cycle})
    _text, digest = pledge_text(cycle)
    if seen_text_sha256 is not None and seen_text_sha256 != digest:
        raise ValidationError(
            _("The pledge text changed while you were reading it. Please read it again."),
            code="stale",
        )
    return digest


def _insert_pledge(pledge: Pledge) -> tuple[Pledge, bool]:
    """Save the chained pledge: (pledge, True), or the active one already there and False."""
    try:
        with transaction.atomic():
            pledge.save(force_insert=True)
    except IntegrityError:
        # Only reachable if a write bypassed the chain lock; the constraint still holds.
        existing = _existing_active(pledge.user, pledge.cycle)
        if existing is None:
            raise
        return existing, False
    return pledge, True


def _pledge_signed(pledge: Pledge, *, request_meta: RequestMeta) -> None:
    """Record the signature and send the signer their confirmation."""
    user = pledge.user
    audit_record(
        action="pledge.signed",
        actor=user,
        obj=pledge,
        office=pledge.office,
        ip_address=request_meta.ip_address,
        cycle=pledge.cycle.name,
        auth_method=pledge.auth_method,
        sequence=pledge.sequence,
        session=pledge.session_reference or None,
        shared_device=pledge.session_shared_device or None,
        identity_provider=pledge.sso_provider or None,
    )
    if not user.email:
        return  # a person known only by a roster and a phone number: nowhere to write
    send_templated_email(
        to=user.email,
        template="pledges/email/pledge_signed",
        context={"pledge": pledge, "name": str(user), "cycle": pledge.cycle.name},
        language=user.preferred_language,
    )


def _session_fields(session: SessionContext | None) -> dict:
    if session is None:
        return {}
    return {
        "session_reference": session.reference[:300],
        "session_shared_device": session.shared_device,
        "session_identified_by": session.identified_by,
    }


@transaction.atomic
def pledge_sign(
    *,
    user: User,
    cycle: Cycle,
    typed_name: str,
    consent: bool,
    list_publicly: bool = False,
    request_meta: RequestMeta,
    seen_text_sha256: str | None = None,
    name_confirmed: bool = False,
    session: SessionContext | None = None,
    seen_addendum_sha256: str | None = None,
) -> tuple[Pledge, bool]:
    """Sign the cycle's pledge; return (pledge, created). Signing again returns the first.

    A typed name that differs from the account's is signed only once the signer confirms
    it (`name_confirmed`); the pledge records the account's name and that they differed.
    Signed at a signing session, the pledge records which, on what device and how the
    signer was identified (`session`).
    When the signer's office requires an oath addendum, it is signed in the same act: the
    caller must have shown it and pass its fingerprint (`seen_addendum_sha256`).
    """
    membership = _signing_membership(user, consent=consent)
    name = clean_typed_name(typed_name)
    mismatch = _name_mismatch(user=user, name=name, confirmed=name_confirmed)
    head = _lock_chain_head()
    # Checked after taking the lock: a second tab or a double click waits here and then
    # finds the first signature.
    existing = _existing_active(user, cycle)
    if existing is not None:
        return existing, False
    digest = _signable_text_sha256(cycle, seen_text_sha256)
    addendum = _signable_addendum(membership.office, seen_addendum_sha256)
    pledge = Pledge(
        user=user,
        office=membership.office,
        cycle=cycle,
        edition=cycle.edition,
        typed_name=name,
        account_name=user.full_name,
        name_mismatch=mismatch,
        consent_text=str(CONSENT_TEXT_WITH_ADDENDUM if addendum else CONSENT_TEXT),
        signed_at=timezone.now(),
        text_sha256=digest,
        listed_publicly=list_publicly,
        **_signature_meta(request_meta),
        **_sso_fields(request_meta),
        **_session_fields(session),
        **_addendum_fields(addendum),
    )
    _chain([pledge], head)
    pledge, created = _insert_pledge(pledge)
    if not created:
        return pledge, False
    _save_evidence([pledge])
    head.save(update_fields=["sequence", "record_hash"])
    _join_log([pledge])
    _pledge_signed(pledge, request_meta=request_meta)
    return pledge, True


@transaction.atomic
def pledge_withdraw(
    *, pledge: Pledge, by: User, reason: str, request_meta: RequestMeta
) -> PledgeWithdrawal:
    """Withdraw an active pledge with a reason, as a new chained record."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why you are withdrawing your pledge."), code="required")
    if pledge.user_id != by.pk:
        raise ValidationError(_("Only the person who signed a pledge can withdraw it."))
    head = _lock_chain_head()
    pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
    if pledge.withdrawn_at is not None:
        raise ValidationError(_("This pledge has already been withdrawn."), code="withdrawn")
    withdrawal = PledgeWithdrawal(
        pledge=pledge,
        reason=reason,
        withdrawn_at=timezone.now(),
        **_signature_meta(request_meta),
    )
    _chain([withdrawal], head)
    withdrawal.save(force_insert=True)
    _save_evidence([withdrawal])
    pledge.withdrawn_at = withdrawal.withdrawn_at
    pledge.save(update_fields=["withdrawn_at"])
    head.save(update_fields=["sequence", "record_hash"])
    _join_log([withdrawal])
    audit_record(
        action="pledge.withdrawn",
        actor=by,
        obj=pledge,
        office=pledge.office,
        ip_address=request_meta.ip_address,
        cycle=pledge.cycle.name,
        sequence=withdrawal.sequence,
    )
    send_templated_email(
        to=pledge.user.email,
        template="pledges/email/pledge_withdrawn",
        context={
            "pledge": pledge,
            "name": str(pledge.user),
            "cycle": pledge.cycle.name,
        },
        language=pledge.user.preferred_language,
    )
    return withdrawal


def certificate_downloaded(*, pledge: Pledge, by: User, request_meta: RequestMeta) -> None:
    """Record in the audit trail that someone downloaded a pledge's certificate."""
    audit_record(
        action="pledge.certificate_downloaded",
        actor=by,
        obj=pledge,
        office=pledge.office,
        ip_address=request_meta.ip_address,
        owner=pledge.user_id == by.pk,
    )


class EvidenceNotErasable(ValidationError):
    """The record was chained under rule 1: its personal values are inside its hash."""


ERASABLE_FIELDS = PERSONAL_FIELDS + CONFIDENTIAL_FIELDS
_ERASED = {"ip_address": None}  # every other field erases to ""


def _erased_values(fields: Iterable[str]) -> dict:
    values = {}
    for field in fields:
        values[field] = _ERASED.get(field, "")
        values[f"{field}_salt"] = ""
    return values


@transaction.atomic
def evidence_erase(
    *,
    record: Pledge | PledgeWithdrawal,
    fields: Iterable[str],
    reason: str,
    by: User | None,
) -> list[str]:
    """Erase personal values and their salts kept beside a chained record; the fields erased.

    The record and its hash are untouched: the chain still verifies, and the erased values
    can no longer be confirmed against their digests.
    """
    fields = list(dict.fromkeys(fields))
    unknown = set(fields) - set(personal_fields(record))
    if unknown:
        raise ValueError(f"Not a personal field of this record: {sorted(unknown)}")
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the personal data is erased."), code="required")
    if record.chain_version != ChainVersion.SALTED:
        raise EvidenceNotErasable(
            _(
                "Record #%(n)s was signed before personal data could be erased: its IP "
                "address and browser are part of its hash."
            )
            % {"n": record.sequence},
            code="raw_rule",
        )
    key = "pledge" if isinstance(record, Pledge) else "withdrawal"
    evidence = PledgeEvidence.objects.select_for_update().filter(**{key: record}).first()
    if evidence is None:
        return []
    erased = [f for f in fields if not evidence.is_erased(f)]
    if not erased:
        return []
    for name, value in _erased_values(erased).items():
        setattr(evidence, name, value)
    evidence.erased_at = timezone.now()
    evidence.save(update_fields=[*_erased_values(erased), "erased_at"])
    pledge = record if isinstance(record, Pledge) else record.pledge
    audit_record(
        action="pledge.evidence_erased",
        actor=by,
        obj=pledge,
        office=pledge.office,
        record=key,
        sequence=record.sequence,
        fields=erased,
        reason=reason,
    )
    return erased


@dataclass(frozen=True)
class ErasureCount:
    """What a bulk erasure erased (or, in a dry run, would erase)."""

    records: int
    values: dict[str, int]


def _evidence_before(
    cutoff: datetime.datetime,
    *,
    exclude_user_ids: Iterable[int],
    exclude_office_ids: Iterable[int],
    exclude_periods: Iterable[tuple[datetime.datetime, datetime.datetime]],
):
    """Evidence of records signed or withdrawn before the cutoff, less what is excluded."""
    evidence = PledgeEvidence.objects.filter(
        Q(pledge__signed_at__lt=cutoff) | Q(withdrawal__withdrawn_at__lt=cutoff)
    )
    user_ids, office_ids = list(exclude_user_ids), list(exclude_office_ids)
    if user_ids:
        evidence = evidence.exclude(pledge__user_id__in=user_ids).exclude(
            withdrawal__pledge__user_id__in=user_ids
        )
    if office_ids:
        evidence = evidence.exclude(pledge__office_id__in=office_ids).exclude(
            withdrawal__pledge__office_id__in=office_ids
        )
    for start, end in exclude_periods:
        evidence = evidence.exclude(pledge__signed_at__range=(start, end)).exclude(
            withdrawal__withdrawn_at__range=(start, end)
        )
    return evidence


@transaction.atomic
def evidence_erase_before(
    *,
    cutoff: datetime.datetime,
    fields: Iterable[str] = PERSONAL_FIELDS,
    exclude_user_ids: Iterable[int] = (),
    exclude_office_ids: Iterable[int] = (),
    exclude_periods: Iterable[tuple[datetime.datetime, datetime.datetime]] = (),
    dry_run: bool = False,
    reason: str = "",
    by: User | None = None,
) -> ErasureCount:
    """Erase the named personal values of every record chained before the cutoff.

    Records under rule 1 hold their values inside their hash and are left alone. One
    audit entry per run that erased something, with the counts.
    """
    fields = list(dict.fromkeys(fields))
    if set(fields) - set(ERASABLE_FIELDS):
        raise ValueError(f"Not a personal field: {sorted(set(fields) - set(ERASABLE_FIELDS))}")
    evidence = _evidence_before(
        cutoff,
        exclude_user_ids=exclude_user_ids,
        exclude_office_ids=exclude_office_ids,
        exclude_periods=exclude_periods,
    )
    holding = Q()
    for field in fields:
        holding |= ~Q(**{f"{field}_salt": ""})
    evidence = evidence.filter(holding)
    values = {f: evidence.exclude(**{f"{f}_salt": ""}).count() for f in fields}
    if dry_run:
        return ErasureCount(evidence.count(), values)
    records = evidence.update(**_erased_values(fields), erased_at=timezone.now())
    if records:
        audit_record(
            action="pledge.evidence_erased",
            actor=by,
            cutoff=cutoff.isoformat(),
            records=records,
            values=values,
            reason=reason or None,
        )
    return ErasureCount(records, values)


@transaction.atomic
def pledges_import(
    *, pledges: list[Pledge], withdrawals: list[tuple[int, PledgeWithdrawal]] = ()
) -> list[Pledge]:
    """Append many prepared pledges (and withdrawals of some, by index) to the chain in bulk."""
    head = _lock_chain_head()
    _chain(pledges, head, check_relations=False)
    created = Pledge.objects.bulk_create(pledges)
    _save_evidence(created)
    chained = []
    for index, withdrawal in withdrawals:
        withdrawal.pledge = created[index]
        chained.append(withdrawal)
    _chain(chained, head, check_relations=False)
    PledgeWithdrawal.objects.bulk_create(chained)
    _save_evidence(chained)
    for withdrawal in chained:
        withdrawal.pledge.withdrawn_at = withdrawal.withdrawn_at
    Pledge.objects.bulk_update([w.pledge for w in chained], ["withdrawn_at"])
    head.save(update_fields=["sequence", "record_hash"])
    _join_log([*created, *chained])
    return created


@transaction.atomic
def registry_set(*, office: Office, publishes: bool, by: User) -> Office:
    """Publish or unpublish the office's public pledge registry."""
    if office.publishes_registry != publishes:
        office.publishes_registry = publishes
        office.full_clean()
        office.save(update_fields=["publishes_registry"])
        audit_record(
            action="pledge.registry_changed",
            actor=by,
            obj=office,
            office=office,
            publishes=publishes,
        )
    return office


@transaction.atomic
def reminders_send(
    *, cycle: Cycle, office: Office | None = None, key: str, sent_by: User | None = None
) -> int:
    """Remind everyone without an active pledge (in one office or all); once per key."""
    members = list(unsigned_members(cycle=cycle, office=office))
    if not members:
        return 0
    batch = uuid.uuid4()
    now = timezone.now()
    PledgeReminder.objects.bulk_create(
        [
            PledgeReminder(
                user=m.user,
                cycle=cycle,
                office_id=m.office_id,
                key=key,
                sent_at=now,
                sent_by=sent_by,
                batch=batch,
            )
            for m in members
        ],
        ignore_conflicts=True,
    )
    # Only the rows this call inserted carry its batch id: anyone already reminded for
    # this key (earlier, or by a concurrent run) is skipped.
    sent_ids = set(PledgeReminder.objects.filter(batch=batch).values_list("user_id", flat=True))
    sent = [m for m in members if m.user_id in sent_ids]
    for membership in sent:
        person = membership.user
        send_templated_email(
            to=person.email,
            template="pledges/email/pledge_reminder",
            context=reminder_context(person=person, office=membership.office, cycle=cycle),
            language=person.preferred_language,
        )
        audit_record(
            action="pledge.reminder_sent",
            actor=sent_by,
            obj=person,
            office=membership.office,
            cycle=cycle.name,
            key=key,
        )
    return len(sent)


def reminder_context(*, person: User, office: Office, cycle: Cycle) -> dict:
    return {
        "name": str(person),
        "office": office.name,
        "cycle": cycle.name,
        "closes_on": cycle.closes_on,
        "sign_url": settings.SITE_URL + reverse("pledges:pledge-sign"),
    }


@transaction.atomic
def cycle_close(*, cycle: Cycle, by: User | None, now: datetime.datetime | None = None) -> Cycle:
    """Close a cycle before its closing date; nobody can sign in it afterwards."""
    if cycle.closed_early_at is None:
        cycle.closed_early_at = now or timezone.now()
        cycle.full_clean()
        cycle.save(update_fields=["closed_early_at"])
        audit_record(action="pledge.cycle_closed", actor=by, obj=cycle, cycle=cycle.name)
    return cycle


# --- oath addenda ------------------------------------------------------------------------


class AddendumNotSignable(ValidationError):
    """The oath addendum the signer's office requires cannot be signed as shown."""


def _signable_addendum(office: Office, seen_addendum_sha256: str | None) -> OathAddendum | None:
    """The addendum signed with the pledge, once it is the one in force and the one shown."""
    due = addendum_due(office)
    seen = seen_addendum_sha256 or ""
    if not due.required:
        if seen:
            raise AddendumNotSignable(
                _(
                    "Your office no longer asks for an oath addendum with the pledge. "
                    "Please read the page again."
                ),
                code="addendum_stale",
            )
        return None
    if due.missing:
        raise AddendumNotSignable(
            _(
                "Your office requires an oath addendum with the pledge, but none is published "
                "at the moment, so the pledge cannot be signed yet. Please tell your office "
                "manager."
            ),
            code="addendum_missing",
        )
    if seen != due.addendum.text_sha256:
        raise AddendumNotSignable(
            _(
                "The oath addendum changed while you were reading it. Please read it again "
                "before signing."
            ),
            code="addendum_stale",
        )
    return due.addendum


def _addendum_fields(addendum: OathAddendum | None) -> dict:
    if addendum is None:
        return {}
    return {"addendum": addendum, "addendum_sha256": addendum.text_sha256}


def _owner(*, office: Office | None, association: Association | None) -> dict:
    if (office is None) == (association is None):
        raise ValueError("An oath addendum belongs to exactly one office or association.")
    return {"office": office} if office is not None else {"association": association}


def _audit_addendum(action: str, addendum: OathAddendum, *, by: User, **details) -> None:
    audit_record(
        action=action,
        actor=by,
        obj=addendum,
        office=addendum.office,
        association=addendum.association_id,
        version=addendum.version,
        **details,
    )


def _lock_owner(owner: dict) -> None:
    # Numbering versions and publishing are serialized per owner by locking its row.
    obj = next(iter(owner.values()))
    type(obj).objects.select_for_update().filter(pk=obj.pk).first()


@transaction.atomic
def addendum_create(
    *,
    by: User,
    office: Office | None = None,
    association: Association | None = None,
    title: str,
    text: str,
    language: str,
) -> OathAddendum:
    """Start the next version of an office's or an association's oath addendum, as a draft."""
    owner = _owner(office=office, association=association)
    _lock_owner(owner)
    versions = OathAddendum.objects.filter(**owner)
    draft = versions.filter(state=OathAddendum.State.DRAFT).first()
    if draft is not None:
        raise ValidationError(
            _(
                "Version %(version)s is still a draft. Change or publish it before starting "
                "another version."
            )
            % {"version": draft.version},
            code="draft_exists",
        )
    last = versions.order_by("-version").values_list("version", flat=True).first()
    now = timezone.now()
    addendum = OathAddendum(
        **owner,
        version=(last or 0) + 1,
        title=normalize_addendum_title(title),
        text=normalize_addendum_text(text),
        language=language,
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    addendum.full_clean()
    addendum.save(force_insert=True)
    _audit_addendum("pledge.addendum_created", addendum, by=by)
    return addendum


def _refuse_unless_draft(addendum: OathAddendum) -> None:
    if not addendum.is_draft:
        raise ValidationError(
            _(
                "Version %(version)s is %(state)s: its text can no longer change. Start a new "
                "version instead."
            )
            % {"version": addendum.version, "state": addendum.get_state_display().lower()},
            code="immutable",
        )


def _refuse_stale(addendum: OathAddendum, seen_revision: int) -> None:
    if addendum.revision != seen_revision:
        raise ValidationError(
            _(
                "Someone changed this draft after you opened it. Your changes were not saved: "
                "read the draft as it is now and make them again."
            ),
            code="stale",
        )


@transaction.atomic
def addendum_update(
    *,
    addendum: OathAddendum,
    by: User,
    title: str,
    text: str,
    language: str,
    seen_revision: int,
) -> OathAddendum:
    """Change a draft's title, text or language; refused once published or from a stale form."""
    addendum = OathAddendum.objects.select_for_update().get(pk=addendum.pk)
    _refuse_unless_draft(addendum)
    _refuse_stale(addendum, seen_revision)
    changes = {
        "title": normalize_addendum_title(title),
        "text": normalize_addendum_text(text),
        "language": language,
    }
    changed = [field for field, value in changes.items() if getattr(addendum, field) != value]
    if not changed:
        return addendum
    for field in changed:
        setattr(addendum, field, changes[field])
    addendum.revision += 1
    addendum.updated_at = timezone.now()
    addendum.full_clean()
    addendum.save(update_fields=[*changed, "revision", "updated_at"])
    _audit_addendum("pledge.addendum_edited", addendum, by=by, fields=changed)
    return addendum


@transaction.atomic
def addendum_publish(*, addendum: OathAddendum, by: User, seen_revision: int) -> OathAddendum:
    """Publish a draft: fix its text's fingerprint and retire the owner's version in force.

    Publishing an already published version again changes nothing. Pledges signed with the
    retired version keep pointing at it.
    """
    owner = _owner(office=addendum.office, association=addendum.association)
    _lock_owner(owner)
    addendum = OathAddendum.objects.select_for_update().get(pk=addendum.pk)
    if addendum.is_published:
        return addendum
    _refuse_unless_draft(addendum)
    _refuse_stale(addendum, seen_revision)
    now = timezone.now()
    previous = (
        OathAddendum.objects.select_for_update()
        .filter(**owner, state=OathAddendum.State.PUBLISHED)
        .first()
    )
    if previous is not None:
        previous.state = OathAddendum.State.RETIRED
        previous.retired_at = now
        previous.full_clean()
        previous.save(update_fields=["state", "retired_at"])
    addendum.state = OathAddendum.State.PUBLISHED
    addendum.published_at = now
    addendum.published_by = by
    addendum.text_sha256 = sha256_text(canonical_addendum_text(addendum))
    addendum.full_clean()
    addendum.save(update_fields=["state", "published_at", "published_by", "text_sha256"])
    _audit_addendum(
        "pledge.addendum_published",
        addendum,
        by=by,
        sha256=addendum.text_sha256,
        retired_version=previous.version if previous is not None else None,
    )
    _tell_requiring_offices(addendum, by=by)
    return addendum


def _tell_requiring_offices(addendum: OathAddendum, *, by: User) -> None:
    """Tell the managers of the offices that require it: their people now sign this version."""
    managers = (
        Membership.objects.filter(
            office__in=offices_requiring(addendum),
            role=Membership.Role.MANAGER,
            ended_at__isnull=True,
            user__is_active=True,
        )
        .exclude(user=by)
        .exclude(user__email=None)
        .select_related("user", "office")
    )
    for membership in managers:
        person = membership.user
        send_templated_email(
            to=person.email,
            template="pledges/email/addendum_published",
            context={
                "name": str(person),
                "office": membership.office.name,
                "owner": str(addendum.owner),
                "title": addendum.title,
                "version": addendum.version,
                "sha256": addendum.text_sha256,
                "addenda_url": settings.SITE_URL + reverse("pledges:addendum-office"),
            },
            language=person.preferred_language,
        )


@transaction.atomic
def addendum_requirement_set(
    *,
    office: Office,
    by: User,
    source: str,
    association: Association | None = None,
) -> AddendumRequirement:
    """Choose which oath addendum the office's people sign with the pledge from now on."""
    sources = AddendumRequirement.Source
    if source not in sources.values:
        raise ValidationError(_("Choose one of the options."), code="invalid")
    if source != sources.ASSOCIATION:
        association = None
    elif association is None or not association.offices.filter(pk=office.pk).exists():
        raise ValidationError(
            _("Choose an association your office is a member of."), code="not_member"
        )
    if source != sources.NONE:
        owner = office if source == sources.OFFICE else association
        published = OathAddendum.objects.filter(state=OathAddendum.State.PUBLISHED)
        if not published.filter(**{source: owner}).exists():
            raise ValidationError(
                _(
                    "%(owner)s has not published an oath addendum yet: your staff would have "
                    "nothing to sign. Publish one first, or choose another option."
                )
                % {"owner": owner.name},
                code="nothing_published",
            )
    requirement = AddendumRequirement.objects.select_for_update().filter(
        office=office
    ).first() or AddendumRequirement(office=office)
    if (
        requirement.pk is not None
        and requirement.source == source
        and requirement.association_id == (association.pk if association else None)
    ):
        return requirement
    requirement.source = source
    requirement.association = association
    requirement.changed_at = timezone.now()
    requirement.changed_by = by
    requirement.full_clean(validate_unique=False)
    requirement.save()
    audit_record(
        action="pledge.addendum_requirement_changed",
        actor=by,
        obj=office,
        office=office,
        source=source,
        association=association.pk if association else None,
    )
    return requirement
