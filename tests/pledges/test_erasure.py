"""Personal data beside the chain: salted digests (rule 2), erasure, and rule-1 records."""

import datetime
import hashlib
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from accounts.models import AuditEntry
from front.exports import my_data_pdf
from pledges.chain import CONSENT_TEXT, record_content, record_hash, salted_digest
from pledges.models import ChainVersion, Pledge, PledgeEvidence, PledgeWithdrawal
from pledges.selectors import personal_pledges, verify_chain
from pledges.services import (
    EvidenceNotErasable,
    evidence_erase,
    evidence_erase_before,
    pledge_text,
    pledge_withdraw,
)

from .conftest import META, chain_under_rule_1, sign

BOTH = ["ip_address", "user_agent"]


def _rule_1_pledge(world, cycle, user=None, **extra):
    user = user or world.official
    return chain_under_rule_1(
        Pledge(
            user=user,
            office=world.office,
            cycle=cycle,
            edition=cycle.edition,
            typed_name=user.full_name,
            consent_text=str(CONSENT_TEXT),
            signed_at=timezone.now(),
            ip_address="198.51.100.9",
            user_agent="Old browser",
            auth_method=Pledge.AuthMethod.PASSWORD,
            text_sha256=pledge_text(cycle)[1],
            **extra,
        )
    )


def _fresh(record):
    return type(record).objects.select_related("evidence").get(pk=record.pk)


# --- rule 1: records chained before this change ----------------------------------------


def test_a_rule_1_pledge_keeps_its_original_hash_and_verifies_beside_rule_2(world, cycle):
    old = _rule_1_pledge(world, cycle)
    # Exactly the content hashed before salted digests existed: raw values inside.
    content = {
        "kind": "pledge",
        "sequence": 1,
        "user": old.user_id,
        "office": old.office_id,
        "cycle": old.cycle_id,
        "edition": old.edition_id,
        "typed_name": old.typed_name,
        "consent_text": old.consent_text,
        "signed_at": old.signed_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        "ip_address": "198.51.100.9",
        "user_agent": "Old browser",
        "auth_method": "password",
        "text_sha256": old.text_sha256,
        "verification_code": old.verification_code,
        "listed_publicly": False,
    }
    payload = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert old.record_hash == hashlib.sha256(f"{'0' * 64}\n{payload}".encode()).hexdigest()
    stored = Pledge.objects.get(pk=old.pk)
    assert stored.chain_version == ChainVersion.RAW and stored.ip_address == "198.51.100.9"
    sign(world.colleague, cycle)
    report = verify_chain()
    assert report.intact and report.checked == 2
    assert report.rules == {1: 1, 2: 1}


def test_a_rule_1_pledge_with_an_account_name_still_covers_it(world, cycle):
    old = _rule_1_pledge(world, cycle, account_name=world.official.full_name)
    assert record_content(old)["account_name"] == world.official.full_name
    assert "rule" not in record_content(old) and verify_chain().intact
    Pledge.objects.filter(pk=old.pk).update(ip_address="203.0.113.99")
    assert not verify_chain().intact


def test_a_rule_1_record_cannot_have_its_values_erased(world, cycle):
    old = _rule_1_pledge(world, cycle)
    with pytest.raises(EvidenceNotErasable):
        evidence_erase(record=old, fields=BOTH, reason="Retention", by=world.site_admin)
    assert Pledge.objects.get(pk=old.pk).ip_address == "198.51.100.9"


# --- rule 2: salted digests -------------------------------------------------------------


def test_a_new_pledge_commits_to_salted_digests_not_raw_values(world, cycle):
    pledge = _fresh(sign(world.official, cycle))
    assert pledge.chain_version == ChainVersion.SALTED
    assert pledge.ip_address is None and pledge.user_agent == ""
    evidence = pledge.evidence
    assert evidence.ip_address == "203.0.113.7" and evidence.user_agent == "pytest-browser/1.0"
    for field in BOTH:
        salt = bytes.fromhex(getattr(evidence, f"{field}_salt"))
        assert 16 <= len(salt) <= 32
        expected = hashlib.sha256(salt + getattr(evidence, field).encode()).hexdigest()
        assert getattr(pledge, f"{field}_digest") == expected
    payload = json.dumps(record_content(pledge))
    assert "203.0.113.7" not in payload and "pytest-browser" not in payload
    assert record_content(pledge)["rule"] == 2
    # A non-confidential signer's name is public on the certificate: it stays in the record.
    assert pledge.typed_name == world.official.full_name and not pledge.typed_name_digest
    report = verify_chain()
    assert report.intact and report.rules == {2: 1} and report.personal == {"matches": 2}


def test_two_records_with_the_same_address_have_different_digests(world, cycle):
    first, second = sign(world.official, cycle), sign(world.colleague, cycle)
    assert first.ip_address_digest != second.ip_address_digest


def test_a_withdrawal_keeps_its_values_beside_it_too(world, cycle):
    pledge = sign(world.official, cycle)
    withdrawal = _fresh(
        pledge_withdraw(pledge=pledge, by=world.official, reason="Left", request_meta=META)
    )
    assert withdrawal.chain_version == ChainVersion.SALTED and withdrawal.ip_address is None
    assert withdrawal.personal_value("ip_address") == "203.0.113.7"
    assert verify_chain().personal == {"matches": 4}


@settings(max_examples=50, deadline=None)
@given(
    salt=st.binary(min_size=16, max_size=32),
    value=st.text(max_size=60),
    other=st.text(max_size=60),
)
def test_a_digest_confirms_only_the_value_it_was_made_from(salt, value, other):
    digest = salted_digest(salt.hex(), value)
    assert digest == hashlib.sha256(salt + value.encode()).hexdigest()
    assert (salted_digest(salt.hex(), other) == digest) == (other == value)


# --- erasure ----------------------------------------------------------------------------


@pytest.fixture
def signed_and_withdrawn(world, cycle):
    pledge = sign(world.official, cycle)
    withdrawal = pledge_withdraw(pledge=pledge, by=world.official, reason="Left", request_meta=META)
    sign(world.colleague, cycle)
    return Pledge.objects.get(pk=pledge.pk), withdrawal


def test_erasing_the_address_and_browser_keeps_the_chain_and_the_hash(world, signed_and_withdrawn):
    pledge, withdrawal = signed_and_withdrawn
    hashes = (pledge.record_hash, withdrawal.record_hash)
    for record in (pledge, withdrawal):
        erased = evidence_erase(record=record, fields=BOTH, reason="Retention", by=world.manager)
        assert erased == BOTH
    pledge, withdrawal = _fresh(pledge), _fresh(withdrawal)
    assert (pledge.record_hash, withdrawal.record_hash) == hashes
    assert record_hash(pledge, pledge.previous_hash) == pledge.record_hash
    for record in (pledge, withdrawal):
        evidence = record.evidence
        assert evidence.ip_address is None and evidence.user_agent == ""
        assert evidence.ip_address_salt == "" and evidence.user_agent_salt == ""
        assert record.shown_ip_address == "erased" and record.personal_value("ip_address") == ""
    report = verify_chain()
    assert report.intact and report.checked == 3
    assert report.personal == {"erased": 4, "matches": 2}
    entry = AuditEntry.objects.filter(action="pledge.evidence_erased").first()
    assert entry.actor == world.manager and entry.details["fields"] == BOTH
    assert entry.details["reason"] == "Retention"
    # Erasing again erases nothing and records nothing.
    assert evidence_erase(record=pledge, fields=BOTH, reason="Again", by=None) == []
    assert AuditEntry.objects.filter(action="pledge.evidence_erased").count() == 2


def test_erasure_needs_a_reason_and_a_personal_field(world, signed_and_withdrawn):
    pledge, _withdrawal = signed_and_withdrawn
    with pytest.raises(ValidationError):
        evidence_erase(record=pledge, fields=BOTH, reason="  ", by=world.manager)
    with pytest.raises(ValueError):
        evidence_erase(record=pledge, fields=["typed_name_x"], reason="x", by=world.manager)
    assert _fresh(pledge).evidence.ip_address == "203.0.113.7"


@pytest.mark.parametrize(
    ("change", "field"),
    [({"ip_address": "192.0.2.66"}, "IP address"), ({"user_agent": "Forged"}, "browser")],
    ids=["ip", "browser"],
)
def test_a_changed_kept_value_is_caught_as_a_mismatch(signed_and_withdrawn, change, field):
    pledge, _withdrawal = signed_and_withdrawn
    PledgeEvidence.objects.filter(pledge=pledge).update(**change)
    report = verify_chain()
    assert not report.intact and report.sequence == pledge.sequence
    assert f"kept {field} does not match" in report.problem
    with pytest.raises(CommandError, match=r"NOT intact.*#1"):
        call_command("verify_pledges")


def test_a_changed_digest_or_rule_breaks_the_hash(signed_and_withdrawn):
    pledge, withdrawal = signed_and_withdrawn
    Pledge.objects.filter(pk=pledge.pk).update(ip_address_digest="0" * 64)
    assert "changed" in verify_chain().problem
    Pledge.objects.filter(pk=pledge.pk).update(ip_address_digest=pledge.ip_address_digest)
    assert verify_chain().intact
    PledgeWithdrawal.objects.filter(pk=withdrawal.pk).update(chain_version=ChainVersion.RAW)
    report = verify_chain()
    assert not report.intact and report.sequence == withdrawal.sequence


def test_a_raw_value_slipped_into_a_rule_2_row_is_caught(signed_and_withdrawn):
    pledge, _withdrawal = signed_and_withdrawn
    Pledge.objects.filter(pk=pledge.pk).update(user_agent="Injected")
    assert not verify_chain().intact


def test_verify_pledges_names_the_rule_of_each_record(world, cycle, capsys):
    _rule_1_pledge(world, cycle)
    second = sign(world.colleague, cycle)
    evidence_erase(record=second, fields=["user_agent"], reason="Asked", by=world.colleague)
    call_command("verify_pledges", each=True)
    out = capsys.readouterr().out
    assert "#1 pledge" in out and "rule 1 (personal values inside the hash)" in out
    assert "#2 pledge" in out and "rule 2 (ip_address matches; user_agent erased)" in out
    assert "Records by rule: rule 1: 1, rule 2: 1." in out
    assert "Personal values under rule 2: erased: 1, matches: 1." in out


# --- confidential signers: the typed name too -------------------------------------------


def test_a_confidential_signers_name_is_kept_beside_the_record_and_can_be_erased(world, cycle):
    world.official.is_confidential = True
    world.official.save(update_fields=["is_confidential"])
    pledge = _fresh(sign(world.official, cycle))
    assert pledge.typed_name == "" and pledge.account_name == ""
    assert pledge.typed_name_digest and pledge.account_name_digest
    assert world.official.full_name not in json.dumps(record_content(pledge))
    assert pledge.signed_name == world.official.full_name
    report = verify_chain()
    assert report.intact and report.personal == {"matches": 4}
    evidence_erase(
        record=pledge, fields=["typed_name", "account_name"], reason="Asked", by=world.manager
    )
    pledge = _fresh(pledge)
    assert pledge.signed_name == "a confidential participant"
    assert verify_chain().personal == {"matches": 2, "erased": 2}


# --- bulk erasure (retention) -----------------------------------------------------------


def test_bulk_erasure_before_a_cutoff_leaves_excluded_and_recent_records(world, cycle):
    old, held = sign(world.official, cycle), sign(world.colleague, cycle)
    cutoff = timezone.now()
    recent = sign(world.supervisor, cycle)
    _rule_1_pledge(world, cycle, user=world.manager)
    kwargs = {"cutoff": cutoff, "exclude_user_ids": [world.colleague.pk], "reason": "Retention"}
    dry = evidence_erase_before(**kwargs, dry_run=True)
    assert dry.records == 1 and dry.values == {"ip_address": 1, "user_agent": 1}
    assert _fresh(old).evidence.ip_address == "203.0.113.7"
    assert not AuditEntry.objects.filter(action="pledge.evidence_erased").exists()
    done = evidence_erase_before(**kwargs)
    assert done == dry
    assert _fresh(old).shown_user_agent == "erased"
    assert _fresh(held).evidence.ip_address == _fresh(recent).evidence.ip_address
    assert _fresh(held).evidence.ip_address == "203.0.113.7"
    entry = AuditEntry.objects.get(action="pledge.evidence_erased")
    assert entry.details["records"] == 1
    period = (cutoff - datetime.timedelta(days=1), cutoff)
    assert evidence_erase_before(cutoff=cutoff, exclude_periods=[period]).records == 0
    assert evidence_erase_before(cutoff=timezone.now()).records == 2
    assert verify_chain().intact


# --- where the values are shown ---------------------------------------------------------


def test_my_data_shows_the_kept_values_and_says_when_they_were_erased(world, cycle):
    pledge = sign(world.official, cycle)
    assert personal_pledges(world.official)[0]["ip_address"] == "203.0.113.7"
    evidence_erase(record=pledge, fields=["ip_address"], reason="Asked", by=world.official)
    held = personal_pledges(world.official)[0]
    assert held["ip_address"] is None and held["erased"] == ["ip_address"]
    assert held["user_agent"] == "pytest-browser/1.0"
    reader = PdfReader(io.BytesIO(my_data_pdf(world.official)[2]))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "From (IP)" in text and "erased" in text and "pytest-browser/1.0" in text


def test_the_admin_shows_the_kept_values_or_that_they_were_erased(client, world, cycle):
    pledge = sign(world.official, cycle)
    client.force_login(world.site_admin)
    url = reverse("admin:pledges_pledge_change", args=[pledge.pk])
    assert "203.0.113.7" in client.get(url).content.decode()
    evidence_erase(record=pledge, fields=BOTH, reason="Asked", by=world.site_admin)
    page = client.get(url).content.decode()
    assert "203.0.113.7" not in page and "erased" in page


# --- PostgreSQL: the chained row stays append-only; the evidence can be erased ------------


@pytest.mark.postgres
def test_postgresql_refuses_to_change_a_rule_2_row_but_allows_erasure(world, cycle):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    import importlib

    guard = importlib.import_module("pledges.migrations.0004_append_only_guard")
    with connection.cursor() as cursor:
        cursor.execute(guard.INSTALL)
    pledge = sign(world.official, cycle)
    for change in (
        {"ip_address_digest": "0" * 64},
        {"chain_version": ChainVersion.RAW},
        {"user_agent": "Injected"},
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            Pledge.objects.filter(pk=pledge.pk).update(**change)
    evidence_erase(record=pledge, fields=BOTH, reason="Retention", by=None)
    assert _fresh(pledge).shown_ip_address == "erased"
    assert verify_chain().intact
