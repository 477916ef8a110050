import datetime
import hashlib
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEntry
from pledges.chain import CONSENT_TEXT, canonical_pledge_text
from pledges.models import Pledge, PledgeWithdrawal
from pledges.selectors import edition_standards
from pledges.services import (
    RequestMeta,
    SigningClosed,
    cycle_close,
    pledge_sign,
    pledge_withdraw,
)

from ..factories import CycleFactory, UserFactory
from .conftest import META, sign


def test_signing_records_everything_the_pledge_needs(world, cycle):
    pledge, created = pledge_sign(
        user=world.official,
        cycle=cycle,
        typed_name="  Olivia   Chen ",
        consent=True,
        list_publicly=True,
        request_meta=RequestMeta(
            ip_address="2001:db8::1", user_agent="Firefox", auth_method=Pledge.AuthMethod.MFA
        ),
    )
    assert created
    pledge.refresh_from_db()
    assert pledge.typed_name == "Olivia Chen"
    assert pledge.office == world.office
    assert pledge.edition == cycle.edition
    assert pledge.consent_text == str(CONSENT_TEXT)
    assert pledge.personal_value("ip_address") == "2001:db8::1"
    assert pledge.personal_value("user_agent") == "Firefox"
    assert pledge.auth_method == "mfa"
    assert pledge.listed_publicly
    text = canonical_pledge_text(cycle.edition, edition_standards(cycle.edition))
    assert pledge.text_sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert len(pledge.verification_code) == 16
    assert pledge.sequence == 1 and pledge.previous_hash == "0" * 64
    assert pledge.signed_at.utcoffset() == datetime.timedelta(0)
    entry = AuditEntry.objects.get(action="pledge.signed")
    assert entry.actor == world.official and entry.object_id == str(pledge.pk)


def test_canonical_text_holds_the_preamble_statements_and_items(edition):
    text = canonical_pledge_text(edition, edition_standards(edition))
    assert "guardians of our democratic process" in text
    assert "I uphold the Constitution of the United States" in text
    assert len(re.findall(r"^\d+\.\d+ ", text, flags=re.MULTILINE)) == 38


def test_signing_twice_returns_the_first_pledge(world, cycle):
    first = sign(world.official, cycle)
    again, created = pledge_sign(
        user=world.official,
        cycle=cycle,
        typed_name="Other",
        consent=True,
        request_meta=META,
        name_confirmed=True,
    )
    assert not created and again == first
    assert Pledge.objects.count() == 1


def test_signing_sends_a_confirmation_with_the_code(
    world, cycle, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pledge = sign(world.official, cycle)
    assert len(mailoutbox) == 1
    assert pledge.verification_code in mailoutbox[0].body


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Type your full name"),
        ("   \t ", "control characters"),
        ("    ", "Type your full name"),
        ("x" * 151, "too long"),
        ("Olivia\x00Chen", "control characters"),
        ("Olivia\u0085Chen", "control characters"),
        ("Olivia \u202enehC", "control characters"),
        ("Olivia\u200bChen", "control characters"),
    ],
)
def test_unusable_names_are_refused_and_nothing_is_recorded(world, cycle, name, message):
    with pytest.raises(ValidationError, match=message):
        sign(world.official, cycle, typed_name=name)
    assert not Pledge.objects.exists()


def test_names_in_any_script_are_accepted(world, cycle):
    pledge = sign(world.official, cycle, typed_name="José Nuñez-Đặng 王小明", name_confirmed=True)
    assert pledge.typed_name == "José Nuñez-Đặng 王小明"


def test_signing_without_consent_is_refused(world, cycle):
    with pytest.raises(ValidationError, match="agree to sign electronically"):
        sign(world.official, cycle, consent=False)
    assert not Pledge.objects.exists()


def test_signing_outside_an_open_cycle_is_refused(world, edition):
    today = timezone.localdate()
    past = CycleFactory(
        opens_on=today - datetime.timedelta(days=400), closes_on=today - datetime.timedelta(days=40)
    )
    with pytest.raises(SigningClosed):
        sign(world.official, past)
    future = CycleFactory(opens_on=today + datetime.timedelta(days=5))
    with pytest.raises(SigningClosed):
        sign(world.official, future)
    assert not Pledge.objects.exists()


def test_a_cycle_closed_early_cannot_be_signed(world, cycle):
    cycle_close(cycle=cycle, by=world.site_admin)
    with pytest.raises(SigningClosed):
        sign(world.official, cycle)


def test_people_without_an_office_cannot_sign(cycle):
    with pytest.raises(ValidationError, match="member of an office"):
        sign(UserFactory(), cycle)


def test_withdrawal_is_its_own_chained_record(
    world, cycle, mailoutbox, django_capture_on_commit_callbacks
):
    pledge = sign(world.official, cycle)
    with django_capture_on_commit_callbacks(execute=True):
        withdrawal = pledge_withdraw(
            pledge=pledge, by=world.official, reason="Changed jobs", request_meta=META
        )
    assert mailoutbox[-1].to == [world.official.email]
    assert "withdrawn" in mailoutbox[-1].body
    pledge.refresh_from_db()
    assert not pledge.is_active
    assert pledge.withdrawn_at == withdrawal.withdrawn_at
    assert withdrawal.sequence == 2
    assert withdrawal.previous_hash == pledge.record_hash
    assert AuditEntry.objects.filter(action="pledge.withdrawn").count() == 1


def test_a_withdrawn_pledge_can_be_signed_again(world, cycle):
    pledge = sign(world.official, cycle)
    pledge_withdraw(pledge=pledge, by=world.official, reason="Typo in name", request_meta=META)
    second = sign(world.official, cycle)
    assert second.pk != pledge.pk and second.sequence == 3


def test_withdrawal_needs_a_reason_and_the_signer(world, cycle):
    pledge = sign(world.official, cycle)
    with pytest.raises(ValidationError):
        pledge_withdraw(pledge=pledge, by=world.official, reason="   ", request_meta=META)
    with pytest.raises(ValidationError):
        pledge_withdraw(pledge=pledge, by=world.manager, reason="Because", request_meta=META)
    assert not PledgeWithdrawal.objects.exists()


def test_a_pledge_cannot_be_withdrawn_twice(world, cycle):
    pledge = sign(world.official, cycle)
    pledge_withdraw(pledge=pledge, by=world.official, reason="One", request_meta=META)
    with pytest.raises(ValidationError, match="already been withdrawn"):
        pledge_withdraw(pledge=pledge, by=world.official, reason="Two", request_meta=META)
    assert PledgeWithdrawal.objects.count() == 1


def test_closing_a_cycle_now_records_when(world, cycle):
    cycle_close(cycle=cycle, by=world.site_admin)
    cycle.refresh_from_db()
    assert cycle.closed_early_at is not None
    assert not cycle.is_open()
