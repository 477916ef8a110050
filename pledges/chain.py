"""The canonical forms that are hashed: the pledge text and each chained record.

Changing anything here changes every hash; existing chains would stop verifying. A new
rule gets a new `ChainVersion`; each record keeps the rule it was chained under.
"""

import datetime
import hashlib
import hmac
import json
import secrets
import unicodedata

from django.utils.translation import gettext_lazy as _

from .models import (
    ChainVersion,
    Edition,
    OathAddendum,
    Pledge,
    PledgeEvidence,
    PledgeWithdrawal,
    Standard,
)

# The rule new records are chained under.
CURRENT_CHAIN_VERSION = ChainVersion.SALTED
SALT_BYTES = 32

# Personal values a rule-2 record commits to by salted digest. The names only when the
# signer is confidential: everyone else's typed name is public on their certificate.
PERSONAL_FIELDS = ("ip_address", "user_agent")
CONFIDENTIAL_FIELDS = ("typed_name", "account_name")

GENESIS_HASH = "0" * 64

# Stored verbatim with each pledge; a new wording applies to new pledges only.
CONSENT_TEXT = _(
    "I agree to sign this pledge electronically. I understand that typing my full name "
    "below is my signature and has the same effect as signing on paper, and that the "
    "portal records the date and time, my IP address, my browser and how I signed in."
)


# The consent of a pledge signed together with an oath addendum: one act for both texts.
CONSENT_TEXT_WITH_ADDENDUM = _(
    "I have read the pledge and the oath addendum, and I agree to sign both electronically. "
    "I understand that typing my full name below is my signature on both and has the same "
    "effect as signing on paper, and that the portal records the date and time, my IP "
    "address, my browser and how I signed in."
)


def canonical_pledge_text(edition: Edition, standards: list[Standard]) -> str:
    """The complete pledge as one normalized text: heading, preamble, statements, items."""
    lines = [edition.title, edition.publisher, f"Edition {edition.code} ({edition.year})", ""]
    lines += [para.strip() for para in edition.preamble.split("\n\n") if para.strip()]
    lines += ["", edition.pledge_heading, ""]
    for standard in standards:
        lines.append(f"{standard.number}. {standard.statement.strip()}")
        for item in standard.items.all():
            lines.append(f"{standard.number}.{item.number} {item.title}: {item.text.strip()}")
    return "\n".join(" ".join(line.split()) if line else "" for line in lines) + "\n"


def normalize_addendum_title(title: str) -> str:
    """An addendum's title on one line, its whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", title).split())


def normalize_addendum_text(text: str) -> str:
    """An addendum's text as stored and hashed: NFC, Unix line ends, no trailing spaces,
    at most one blank line between paragraphs, none at either end."""
    lines = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    kept: list[str] = []
    for line in lines.split("\n"):
        line = line.rstrip()
        if line or (kept and kept[-1]):
            kept.append(line)
    while kept and not kept[-1]:
        kept.pop()
    return "\n".join(kept)


def canonical_addendum_text(addendum: OathAddendum) -> str:
    """The addendum as one text: title, its owner's version number, then the text."""
    title = normalize_addendum_title(addendum.title)
    text = normalize_addendum_text(addendum.text)
    return f"{title}\nVersion {addendum.version}\n\n{text}\n"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _utc(moment: datetime.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def new_salt() -> str:
    """A fresh random salt, as hex."""
    return secrets.token_hex(SALT_BYTES)


def salted_digest(salt: str, value: str) -> str:
    """SHA-256 over the salt's bytes followed by the value's UTF-8 bytes, as hex."""
    return hashlib.sha256(bytes.fromhex(salt) + value.encode("utf-8")).hexdigest()


def personal_fields(record: Pledge | PledgeWithdrawal) -> tuple[str, ...]:
    """The personal fields a record may carry as digests under rule 2."""
    if isinstance(record, PledgeWithdrawal):
        return PERSONAL_FIELDS
    return PERSONAL_FIELDS + CONFIDENTIAL_FIELDS


class EvidenceStatus:
    """What the verifier can say of one personal value of a rule-2 record."""

    MATCHES = "matches"
    ERASED = "erased"
    MISMATCH = "mismatch"
    NOT_RECORDED = "not recorded"


def evidence_status(
    record: Pledge | PledgeWithdrawal, evidence: PledgeEvidence | None
) -> dict[str, str]:
    """For a rule-2 record: each digested field, and whether its kept value confirms it."""
    statuses = {}
    for field in personal_fields(record):
        digest = getattr(record, f"{field}_digest")
        if not digest and field in CONFIDENTIAL_FIELDS:
            continue  # a name the record holds itself: the signer was not confidential
        if not digest:
            statuses[field] = EvidenceStatus.NOT_RECORDED
        elif evidence is None or evidence.is_erased(field):
            statuses[field] = EvidenceStatus.ERASED
        else:
            value = getattr(evidence, field) or ""
            computed = salted_digest(getattr(evidence, f"{field}_salt"), value)
            statuses[field] = (
                EvidenceStatus.MATCHES
                if hmac.compare_digest(computed, digest)
                else EvidenceStatus.MISMATCH
            )
    return statuses


def record_content(record: Pledge | PledgeWithdrawal) -> dict:
    """The fields of a chained record that its hash covers, under the record's own rule."""
    if record.chain_version == ChainVersion.SALTED:
        return _salted_content(record)
    return _raw_content(record)


def _salted_content(record: Pledge | PledgeWithdrawal) -> dict:
    """Rule 2: personal values enter only as salted digests; the salts live elsewhere."""
    if isinstance(record, PledgeWithdrawal):
        return {
            "rule": 2,
            "kind": "withdrawal",
            "sequence": record.sequence,
            "pledge": record.pledge_id,
            "reason": record.reason,
            "withdrawn_at": _utc(record.withdrawn_at),
            # Always empty under rule 2 (the values are kept beside the record); covered so
            # that nothing can be slipped into the row unnoticed.
            "ip_address": record.ip_address,
            "user_agent": record.user_agent,
            "ip_address_digest": record.ip_address_digest,
            "user_agent_digest": record.user_agent_digest,
            "auth_method": record.auth_method,
        }
    content = {
        "rule": 2,
        "kind": "pledge",
        "sequence": record.sequence,
        "user": record.user_id,
        "office": record.office_id,
        "cycle": record.cycle_id,
        "edition": record.edition_id,
        # Empty when the signer is confidential: the digest stands for the name.
        "typed_name": record.typed_name,
        "typed_name_digest": record.typed_name_digest,
        "account_name": record.account_name,
        "account_name_digest": record.account_name_digest,
        "name_mismatch": record.name_mismatch,
        "consent_text": record.consent_text,
        "signed_at": _utc(record.signed_at),
        "ip_address": record.ip_address,
        "user_agent": record.user_agent,
        "ip_address_digest": record.ip_address_digest,
        "user_agent_digest": record.user_agent_digest,
        "auth_method": record.auth_method,
        "text_sha256": record.text_sha256,
        "verification_code": record.verification_code,
        "listed_publicly": record.listed_publicly,
    }
    # Pledges signed at a signing session cover where and how; others, signed before these
    # fields existed or outside a session, keep the content (and hash) they always had.
    if record.session_reference:
        content["session_reference"] = record.session_reference
        content["session_shared_device"] = record.session_shared_device
        content["session_identified_by"] = record.session_identified_by
    # Likewise a pledge signed by someone who signed in through their organisation's
    # identity provider covers which provider, the issuer, the subject and the MFA claimed.
    if record.sso_provider:
        content["sso_provider"] = record.sso_provider
        content["sso_issuer"] = record.sso_issuer
        content["sso_subject"] = record.sso_subject
        content["sso_mfa"] = record.sso_mfa
    _cover_addendum(record, content)
    return content


def _raw_content(record: Pledge | PledgeWithdrawal) -> dict:
    """Rule 1, for records chained before salted digests: the raw values are inside."""
    if isinstance(record, PledgeWithdrawal):
        return {
            "kind": "withdrawal",
            "sequence": record.sequence,
            "pledge": record.pledge_id,
            "reason": record.reason,
            "withdrawn_at": _utc(record.withdrawn_at),
            "ip_address": record.ip_address,
            "user_agent": record.user_agent,
            "auth_method": record.auth_method,
        }
    # withdrawn_at is not covered: it mirrors the withdrawal record, which is chained.
    content = {
        "kind": "pledge",
        "sequence": record.sequence,
        "user": record.user_id,
        "office": record.office_id,
        "cycle": record.cycle_id,
        "edition": record.edition_id,
        "typed_name": record.typed_name,
        "consent_text": record.consent_text,
        "signed_at": _utc(record.signed_at),
        "ip_address": record.ip_address,
        "user_agent": record.user_agent,
        "auth_method": record.auth_method,
        "text_sha256": record.text_sha256,
        "verification_code": record.verification_code,
        "listed_publicly": record.listed_publicly,
    }
    # Pledges signed before the account's name was recorded have none: their content, and
    # so their hash, stays what it was. Later ones cover the name and whether it differed.
    if record.account_name or record.name_mismatch:
        content["account_name"] = record.account_name
        content["name_mismatch"] = record.name_mismatch
    _cover_addendum(record, content)
    return content


def _cover_addendum(record: Pledge, content: dict) -> None:
    """A pledge signed with an oath addendum covers which one and its text's fingerprint.

    Pledges without one, all those signed before addenda existed among them, keep the
    content (and so the hash) they always had.
    """
    if record.addendum_id is not None or record.addendum_sha256:
        content["addendum"] = record.addendum_id
        content["addendum_sha256"] = record.addendum_sha256


def record_hash(record: Pledge | PledgeWithdrawal, previous_hash: str) -> str:
    """SHA-256 over the previous hash and the record's canonical JSON."""
    payload = json.dumps(
        record_content(record), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(f"{previous_hash}\n{payload}".encode()).hexdigest()
