"""The canonical forms that are hashed: the pledge text and each chained record.

Changing anything here changes every hash; existing chains would stop verifying.
"""

import datetime
import hashlib
import json

from django.utils.translation import gettext_lazy as _

from .models import Edition, Pledge, PledgeWithdrawal, Standard

GENESIS_HASH = "0" * 64

# Stored verbatim with each pledge; a new wording applies to new pledges only.
CONSENT_TEXT = _(
    "I agree to sign this pledge electronically. I understand that typing my full name "
    "below is my signature and has the same effect as signing on paper, and that the "
    "portal records the date and time, my IP address, my browser and how I signed in."
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


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _utc(moment: datetime.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def record_content(record: Pledge | PledgeWithdrawal) -> dict:
    """The fields of a chained record that its hash covers."""
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
    return content


def record_hash(record: Pledge | PledgeWithdrawal, previous_hash: str) -> str:
    """SHA-256 over the previous hash and the record's canonical JSON."""
    payload = json.dumps(
        record_content(record), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(f"{previous_hash}\n{payload}".encode()).hexdigest()
