"""Records-request bundles: what goes in, the redactions, the background build, expiry.

A bundle is a ZIP of an office's records in a scope (the office, a person, a date
range): the certificates, the pledges and withdrawals (CSV), the audit entries (CSV),
the log's checkpoint and inclusion proofs (JSON), a sealed cover letter (PDF) and a
manifest with the SHA-256 of every other file and the redactions applied.
"""

import datetime
import hashlib
import io
import json
import logging
import re
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import CONFIDENTIAL_NAME, AuditEntry, Office, User
from core.documents import csv_stream, pdf_from_html
from pledges.exports import pledge_certificate_pdf
from pledges.models import Pledge, PledgeWithdrawal
from pledges.transparency import inclusion_proof_for, latest_checkpoint

from .models import RecordsBundle

logger = logging.getLogger(__name__)

REDACTED = "[redacted]"
ERASED = "[erased]"
_EMAIL = re.compile(r"[^\s@<>\"',;]+@[^\s@<>\"',;]+\.[A-Za-z]{2,}")
# Keys of an audit entry's details that hold a browser's user agent.
_BROWSER_KEYS = {"user_agent", "browser"}


def _utc(moment: datetime.datetime | None) -> str:
    return moment.astimezone(datetime.UTC).isoformat() if moment else ""


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


def _in_range(field_name: str, bundle: RecordsBundle) -> Q:
    """Records whose moment falls on the bundle's days (UTC), both ends included."""
    where = Q()
    if bundle.starts_on:
        where &= Q(**{f"{field_name}__gte": _day_start(bundle.starts_on)})
    if bundle.ends_on:
        end = _day_start(bundle.ends_on) + datetime.timedelta(days=1)
        where &= Q(**{f"{field_name}__lt": end})
    return where


# --- what is in scope -------------------------------------------------------------------


def bundle_pledges(bundle: RecordsBundle) -> QuerySet[Pledge]:
    pledges = Pledge.objects.filter(office_id=bundle.office_id).filter(
        _in_range("signed_at", bundle)
    )
    if bundle.person_id:
        pledges = pledges.filter(user_id=bundle.person_id)
    return pledges.select_related("user", "office", "cycle", "edition", "evidence").order_by(
        "sequence"
    )


def bundle_withdrawals(bundle: RecordsBundle) -> QuerySet[PledgeWithdrawal]:
    withdrawals = PledgeWithdrawal.objects.filter(pledge__office_id=bundle.office_id).filter(
        _in_range("withdrawn_at", bundle)
    )
    if bundle.person_id:
        withdrawals = withdrawals.filter(pledge__user_id=bundle.person_id)
    return withdrawals.select_related(
        "pledge__user", "pledge__cycle", "pledge__evidence", "evidence"
    ).order_by("sequence")


def bundle_audit_entries(bundle: RecordsBundle) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.filter(office_id=bundle.office_id).filter(_in_range("at", bundle))
    if bundle.person_id:
        entries = entries.filter(
            Q(actor_id=bundle.person_id)
            | Q(object_type="accounts.user", object_id=str(bundle.person_id))
        )
    return entries.select_related("actor").order_by("at", "id")


# --- redactions -------------------------------------------------------------------------


@dataclass
class Redactor:
    """Applies the bundle's redaction choices to every value that goes into a file."""

    bundle: RecordsBundle
    # The office's confidential participants: id -> (name, email).
    confidential: dict[int, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def for_bundle(cls, bundle: RecordsBundle) -> "Redactor":
        confidential = {}
        if bundle.redact_confidential:
            people = User.objects.filter(
                Q(memberships__office_id=bundle.office_id) | Q(pledges__office_id=bundle.office_id),
                is_confidential=True,
            ).distinct()
            confidential = {p.pk: (p.full_name, (p.email or "").lower()) for p in people}
        return cls(bundle, confidential)

    def is_hidden(self, user_id: int | None) -> bool:
        return user_id in self.confidential

    def name(self, user_id: int | None, name: str) -> str:
        return str(CONFIDENTIAL_NAME) if self.is_hidden(user_id) and name else name

    def email(self, user_id: int | None, email: str) -> str:
        if email and (self.bundle.redact_email or self.is_hidden(user_id)):
            return REDACTED
        return email

    def ip_address(self, value) -> str:
        if value and value != ERASED and self.bundle.redact_ip_address:
            return REDACTED
        return value or ""

    def browser(self, value: str) -> str:
        if value and value != ERASED and self.bundle.redact_browser:
            return REDACTED
        return value or ""

    def text(self, value: str) -> str:
        """Free text (an audit entry's object, its details): names and addresses inside."""
        if not value:
            return value
        for name, email in self.confidential.values():
            if name:
                value = value.replace(name, str(CONFIDENTIAL_NAME))
            value = re.sub(re.escape(email), REDACTED, value, flags=re.IGNORECASE)
        if self.bundle.redact_email:
            value = _EMAIL.sub(REDACTED, value)
        return value

    def details(self, details: dict) -> dict:
        hidden = set()
        if self.bundle.redact_browser:
            hidden |= _BROWSER_KEYS
        if self.bundle.redact_ip_address:
            hidden |= {"ip", "ip_address"}
        return {key: REDACTED if key in hidden else value for key, value in details.items()}


def _personal(record, field_name: str) -> str:
    """A chained record's personal value wherever its rule keeps it; "[erased]" once the
    retention schedule erased it."""
    if record.personal_erased(field_name):
        return ERASED
    return record.personal_value(field_name)


# --- the files --------------------------------------------------------------------------


def _csv_bytes(rows) -> bytes:
    return "".join(csv_stream(rows)).encode("utf-8")


def _pledges_csv(pledges: list[Pledge], withdrawals: list[PledgeWithdrawal], r: Redactor):
    def rows():
        yield [
            "record", "sequence", "verification_code", "name", "email", "cycle",
            "at_utc", "ip_address", "browser", "authentication", "text_sha256",
            "record_hash", "withdrawal_reason",
            "sso_provider", "sso_issuer", "sso_subject", "sso_mfa",
        ]  # fmt: skip
        for p in pledges:
            # The subject names the person at their identity provider (often their email
            # address): redacted as an email address is.
            yield [
                "pledge", p.sequence, p.code_display,
                r.name(p.user_id, _personal(p, "typed_name") or p.typed_name),
                r.email(p.user_id, p.user.email), p.cycle.name, _utc(p.signed_at),
                r.ip_address(_personal(p, "ip_address")),
                r.browser(_personal(p, "user_agent")), p.auth_method,
                p.text_sha256, p.record_hash, "",
                p.sso_provider, p.sso_issuer, r.email(p.user_id, p.sso_subject), p.sso_mfa,
            ]  # fmt: skip
        for w in withdrawals:
            pledge = w.pledge
            yield [
                "withdrawal", w.sequence, pledge.code_display,
                r.name(pledge.user_id, _personal(pledge, "typed_name") or pledge.typed_name),
                r.email(pledge.user_id, pledge.user.email), pledge.cycle.name,
                _utc(w.withdrawn_at), r.ip_address(_personal(w, "ip_address")),
                r.browser(_personal(w, "user_agent")),
                w.auth_method, "", w.record_hash, w.reason, "", "", "", "",
            ]  # fmt: skip

    return _csv_bytes(rows())


def _audit_csv(entries: QuerySet[AuditEntry], r: Redactor) -> bytes:
    def rows():
        yield ["at_utc", "who", "action", "object_type", "object_id", "object", "ip_address",
               "details"]  # fmt: skip
        for e in entries.iterator(chunk_size=2000):
            who = e.actor_label
            if r.is_hidden(e.actor_id):
                who = str(CONFIDENTIAL_NAME)
            elif who:
                who = r.text(who)
            yield [
                _utc(e.at),
                who,
                e.action,
                e.object_type,
                e.object_id,
                r.text(e.object_label),
                r.ip_address(e.ip_address),
                r.text(json.dumps(r.details(e.details), ensure_ascii=False, sort_keys=True)),
            ]

    return _csv_bytes(rows())


def _json_bytes(data) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def _log_files(pledges: list[Pledge]) -> tuple[bytes, bytes]:
    """The latest checkpoint and each pledge's inclusion proof in the tree it signs."""
    checkpoint = latest_checkpoint()
    size = checkpoint["tree_size"] if checkpoint else None
    proofs = {}
    for pledge in pledges:
        proof = inclusion_proof_for(pledge, tree_size=size) if size else None
        proofs[pledge.code_display] = proof
    return _json_bytes(checkpoint), _json_bytes(proofs)


def _certificates(pledges: list[Pledge], r: Redactor) -> tuple[dict[str, bytes], list[dict]]:
    """The certificate of every active pledge; a confidential participant's is withheld
    (it carries their name) when that redaction is chosen."""
    files, withheld = {}, []
    for pledge in pledges:
        if pledge.withdrawn_at is not None:
            withheld.append({"pledge": pledge.code_display, "reason": "withdrawn"})
        elif r.is_hidden(pledge.user_id):
            withheld.append({"pledge": pledge.code_display, "reason": "confidential_participant"})
        else:
            _name, _type, data = pledge_certificate_pdf(pledge)
            files[f"certificates/{pledge.verification_code}.pdf"] = data
    return files, withheld


def _cover_letter(
    bundle: RecordsBundle,
    *,
    counts: dict,
    paths: list[str],
    prepared_at: datetime.datetime,
    prepared_by: str,
) -> bytes:
    # The letter says its times are in UTC: render them in UTC, not the site's zone.
    with translation.override(bundle.language), timezone.override(datetime.UTC):
        html = render_to_string(
            "records/bundle_cover_letter.html",
            {
                "bundle": bundle,
                "counts": counts,
                "paths": paths,
                "language": bundle.language,
                "prepared_at": prepared_at,
                "prepared_by": prepared_by,
            },
        )
        reason = _("Records-request bundle of %(office)s") % {"office": bundle.office.name}
    return pdf_from_html(html, seal_reason=reason)


def bundle_files(bundle: RecordsBundle) -> dict[str, bytes]:
    """Every file of the bundle by its path in the ZIP, the manifest last."""
    redactor = Redactor.for_bundle(bundle)
    pledges = list(bundle_pledges(bundle))
    withdrawals = list(bundle_withdrawals(bundle))
    certificates, withheld = _certificates(pledges, redactor)
    checkpoint, proofs = _log_files(pledges)
    files = {
        **certificates,
        "pledges.csv": _pledges_csv(pledges, withdrawals, redactor),
        "audit-entries.csv": _audit_csv(bundle_audit_entries(bundle), redactor),
        "log/checkpoint.json": checkpoint,
        "log/inclusion-proofs.json": proofs,
    }
    counts = {
        "pledges": len(pledges),
        "withdrawals": len(withdrawals),
        "certificates": len(certificates),
        "withheld": len(withheld),
    }
    paths = sorted([*files, "cover-letter.pdf", "manifest.json"])
    now = timezone.now()
    # Who prepared it goes to the requester too: redacted like everyone in the files.
    preparer = bundle.requested_by
    prepared_by = {
        "name": redactor.name(preparer.pk, preparer.full_name),
        "email": redactor.email(preparer.pk, preparer.email),
    }
    files["cover-letter.pdf"] = _cover_letter(
        bundle, counts=counts, paths=paths, prepared_at=now, prepared_by=prepared_by["name"]
    )
    files["manifest.json"] = _json_bytes(
        _manifest(bundle, files, counts, withheld, now, prepared_by)
    )
    return files


def _manifest(
    bundle: RecordsBundle, files: dict[str, bytes], counts, withheld, prepared_at, prepared_by
) -> dict:
    return {
        "office": {"id": bundle.office_id, "name": bundle.office.name},
        "scope": {
            "person": bundle.person_id,
            "starts_on": bundle.starts_on.isoformat() if bundle.starts_on else None,
            "ends_on": bundle.ends_on.isoformat() if bundle.ends_on else None,
        },
        "request_reference": bundle.request_reference,
        "prepared_by": prepared_by,
        "prepared_at": _utc(prepared_at),
        "redactions": bundle.redactions,
        "counts": counts,
        "withheld": withheld,
        "hash_algorithm": "sha256",
        "files": [
            {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for path, data in sorted(files.items())
        ],
    }


def bundle_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return buffer.getvalue()


def bundle_filename(bundle: RecordsBundle) -> str:
    stamp = (bundle.created_at or timezone.now()).astimezone(datetime.UTC)
    return f"records-{slugify(bundle.office.name)}-{stamp:%Y%m%d-%H%M%S}.zip"


# --- background build -------------------------------------------------------------------


@task()
def build_records_bundle(bundle_id: int) -> None:
    """Build one requested bundle and store it; record the failure if it fails."""
    bundle = (
        RecordsBundle.objects.select_related("office", "person", "requested_by")
        .filter(pk=bundle_id, status=RecordsBundle.Status.PENDING)
        .first()
    )
    if bundle is None:
        return
    try:
        content = bundle_zip(bundle_files(bundle))
    except Exception:
        logger.exception("Records bundle %s failed", bundle_id)
        RecordsBundle.objects.filter(pk=bundle_id, status=RecordsBundle.Status.PENDING).update(
            status=RecordsBundle.Status.FAILED,
            error=_(
                "The bundle could not be prepared. Prepare it again; if it fails again, tell us."
            ),
            finished_at=timezone.now(),
        )
        return
    now = timezone.now()
    RecordsBundle.objects.filter(pk=bundle_id, status=RecordsBundle.Status.PENDING).update(
        status=RecordsBundle.Status.READY,
        filename=bundle_filename(bundle),
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        finished_at=now,
        expires_at=now + datetime.timedelta(days=settings.RECORDS_BUNDLE_DAYS),
    )
    bundles_expire(now=now)


# --- writes and reads -------------------------------------------------------------------


@transaction.atomic
def bundle_request(
    *,
    office: Office,
    by: User,
    person: User | None = None,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    redact_email: bool = True,
    redact_ip_address: bool = True,
    redact_browser: bool = True,
    redact_confidential: bool = True,
    request_reference: str = "",
    language: str = "en",
    request=None,
) -> RecordsBundle:
    """Record a bundle to prepare, audit it, and queue its build once the request commits."""
    bundle = RecordsBundle(
        office=office,
        person=person,
        starts_on=starts_on,
        ends_on=ends_on,
        redact_email=redact_email,
        redact_ip_address=redact_ip_address,
        redact_browser=redact_browser,
        redact_confidential=redact_confidential,
        request_reference=request_reference,
        language=language,
        requested_by=by,
    )
    bundle.full_clean()
    bundle.save()
    audit_record(
        action="records.bundle_prepared",
        actor=by,
        obj=bundle,
        office=office,
        request=request,
        person=person.pk if person else None,
        starts_on=starts_on.isoformat() if starts_on else None,
        ends_on=ends_on.isoformat() if ends_on else None,
        redactions=bundle.redactions,
        reference=request_reference or None,
    )
    transaction.on_commit(lambda: build_records_bundle.enqueue(bundle.pk))
    return bundle


def bundle_downloaded(*, bundle: RecordsBundle, by: User, request=None) -> AuditEntry:
    """Record that someone downloaded a bundle (it holds other people's records)."""
    return audit_record(
        action="records.bundle_downloaded",
        actor=by,
        obj=bundle,
        office=bundle.office,
        request=request,
        sha256=bundle.sha256,
    )


def bundles_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of bundles past their expiry; the rows stay, marked expired."""
    return RecordsBundle.objects.filter(
        status=RecordsBundle.Status.READY, expires_at__lte=now or timezone.now()
    ).update(status=RecordsBundle.Status.EXPIRED, content=b"")


def office_bundles(office: Office) -> QuerySet[RecordsBundle]:
    """The office's bundles, newest first, without their files."""
    return (
        RecordsBundle.objects.filter(office=office)
        .select_related("person", "requested_by")
        .defer("content")
    )


def bundle_people(office: Office) -> QuerySet[User]:
    """Whom a bundle may be for: the office's current staff and anyone who pledged in it."""
    return (
        User.objects.filter(
            Q(memberships__office=office, memberships__ended_at__isnull=True)
            | Q(pledges__office=office)
        )
        .distinct()
        .order_by("full_name", "email")
    )
