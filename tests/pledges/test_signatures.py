"""The typed signature against the account's name, the record of a difference, and consent."""

import hashlib
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from core.mail import render_email
from pledges.chain import CONSENT_TEXT
from pledges.exports import pledge_certificate_pdf
from pledges.models import Pledge
from pledges.selectors import verify_chain
from pledges.services import pledge_text, pledge_withdraw, reminders_send

from .conftest import META, chain_under_rule_1, fresh_login, sign

SIGN = "pledges:pledge-sign"


def sign_form(cycle, **overrides):
    data = {"consent": "on", "typed_name": "Olivia Chen", "text_sha256": pledge_text(cycle)[1]}
    data.update(overrides)
    return data


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


# --- comparing the names when signing ----------------------------------------------------


def test_a_differing_name_asks_for_confirmation_and_records_nothing(client, world, cycle):
    fresh_login(client, world.official)
    response = client.post(reverse(SIGN), sign_form(cycle, typed_name="Olivia Official"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "differs from the name on your account, “Olivia Chen”" in body
    assert "I confirm that I sign as “Olivia Official”" in body
    # The box confirms this name and no other, and is not ticked for the person.
    assert 'name="name_confirmed" value="Olivia Official"' in body
    assert 'name="name_confirmed" value="Olivia Official" checked' not in body
    assert not Pledge.objects.exists()


def test_the_confirmation_box_is_shown_only_when_the_names_differ(client, world, cycle):
    fresh_login(client, world.official)
    assert 'name="name_confirmed"' not in client.get(reverse(SIGN)).content.decode()
    response = client.post(reverse(SIGN), sign_form(cycle, typed_name="Olivia Chen", consent=""))
    assert response.status_code == 400
    assert 'name="name_confirmed"' not in response.content.decode()


def test_a_confirmed_differing_name_is_signed_and_the_difference_recorded(client, world, cycle):
    fresh_login(client, world.official)
    response = client.post(
        reverse(SIGN),
        sign_form(cycle, typed_name="Olivia  Official", name_confirmed="Olivia Official"),
    )
    assert response.status_code == 302
    pledge = Pledge.objects.get()
    assert pledge.typed_name == "Olivia Official"
    assert pledge.account_name == "Olivia Chen"
    assert pledge.name_mismatch
    # The text signed, and its fingerprint, do not depend on the name.
    assert pledge.text_sha256 == pledge_text(cycle)[1]
    assert verify_chain().intact


def test_a_confirmation_given_for_another_name_does_not_count(client, world, cycle):
    fresh_login(client, world.official)
    response = client.post(
        reverse(SIGN),
        sign_form(cycle, typed_name="Olivia Other", name_confirmed="Olivia Official"),
    )
    assert response.status_code == 400
    assert 'name="name_confirmed" value="Olivia Other"' in response.content.decode()
    assert not Pledge.objects.exists()


@pytest.mark.parametrize("typed", ["olivia chen", "Olivia M. Chen", "O. Chen", "Olívia Chén"])
def test_the_account_name_written_otherwise_signs_without_asking(client, world, cycle, typed):
    fresh_login(client, world.official)
    response = client.post(reverse(SIGN), sign_form(cycle, typed_name=typed))
    assert response.status_code == 302
    pledge = Pledge.objects.get()
    assert (pledge.typed_name, pledge.account_name) == (typed, "Olivia Chen")
    assert not pledge.name_mismatch


def test_the_service_refuses_a_differing_name_without_confirmation(world, cycle):
    with pytest.raises(ValidationError, match="differs from the name on your account"):
        sign(world.official, cycle, typed_name="Olivia Official")
    assert not Pledge.objects.exists()


# --- showing the account's name beside a differing signature -----------------------------


def test_the_certificate_pledge_page_and_verification_show_the_account_name(client, world, cycle):
    pledge = sign(world.official, cycle, typed_name="Olivia Official", name_confirmed=True)
    certificate = pdf_text(pledge_certificate_pdf(pledge)[2])
    assert "Olivia Official" in certificate
    assert "name on the account: Olivia Chen" in certificate

    fresh_login(client, world.official)
    detail = client.get(reverse("pledges:pledge-detail", args=[pledge.pk])).content.decode()
    assert "name on the account: Olivia Chen" in detail

    client.logout()
    public = client.get(reverse("pledge-verify-code", args=[pledge.verification_code]))
    assert public.status_code == 200
    assert "Olivia Official" in public.content.decode()
    assert "name on the account: Olivia Chen" in public.content.decode()


def test_a_signature_that_agrees_shows_no_second_name(client, world, cycle):
    pledge = sign(world.official, cycle, typed_name="Olivia M. Chen")
    assert "name on the account" not in pdf_text(pledge_certificate_pdf(pledge)[2])
    public = client.get(reverse("pledge-verify-code", args=[pledge.verification_code]))
    assert "name on the account" not in public.content.decode()


# --- the chain: earlier pledges keep verifying, the recorded name is covered --------------


def _earlier_pledge(world, cycle, typed_name):
    """A pledge as it was recorded before names were compared: no account name."""
    pledge = Pledge(
        user=world.official,
        office=world.office,
        cycle=cycle,
        edition=cycle.edition,
        typed_name=typed_name,
        consent_text=str(CONSENT_TEXT),
        signed_at=timezone.now(),
        auth_method=Pledge.AuthMethod.PASSWORD,
        text_sha256=pledge_text(cycle)[1],
    )
    return chain_under_rule_1(pledge)


def test_a_pledge_recorded_before_names_were_compared_keeps_its_hash(client, world, cycle):
    pledge = _earlier_pledge(world, cycle, "Olivia Official")
    # The hash as the chain computed it before: the same fields, nothing added.
    old_content = {
        "kind": "pledge",
        "sequence": pledge.sequence,
        "user": pledge.user_id,
        "office": pledge.office_id,
        "cycle": pledge.cycle_id,
        "edition": pledge.edition_id,
        "typed_name": pledge.typed_name,
        "consent_text": pledge.consent_text,
        "signed_at": pledge.signed_at.astimezone(datetime_utc()).isoformat(timespec="microseconds"),
        "ip_address": None,
        "user_agent": "",
        "auth_method": "password",
        "text_sha256": pledge.text_sha256,
        "verification_code": pledge.verification_code,
        "listed_publicly": False,
    }
    payload = json.dumps(old_content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    expected = hashlib.sha256(f"{pledge.previous_hash}\n{payload}".encode()).hexdigest()
    assert Pledge.objects.get().record_hash == expected
    assert verify_chain().intact
    # Its page still shows who holds the account, from the account itself.
    public = client.get(reverse("pledge-verify-code", args=[pledge.verification_code]))
    assert "name on the account: Olivia Chen" in public.content.decode()


def datetime_utc():
    import datetime

    return datetime.UTC


@pytest.mark.parametrize(
    "change", [{"account_name": "Someone Else"}, {"name_mismatch": False}], ids=str
)
def test_changing_the_recorded_account_name_breaks_the_chain(world, cycle, change):
    pledge = sign(world.official, cycle, typed_name="Olivia Official", name_confirmed=True)
    Pledge.objects.filter(pk=pledge.pk).update(**change)
    report = verify_chain()
    assert not report.intact and report.sequence == pledge.sequence


# --- emails greet the person by the account's name -------------------------------------


def test_pledge_emails_greet_by_the_account_name_not_the_typed_one(
    world, cycle, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send(cycle=cycle, office=world.office, key="test")
    reminder = next(m for m in mailoutbox if m.to == [world.official.email])
    assert reminder.body.startswith("Hello Olivia Chen,")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        pledge = sign(world.official, cycle, typed_name="Olivia Official", name_confirmed=True)
        pledge_withdraw(pledge=pledge, by=world.official, reason="Wrong name", request_meta=META)
    signed, withdrawn = mailoutbox
    assert signed.body.startswith("Dear Olivia Chen,")
    assert withdrawn.body.startswith("Dear Olivia Chen,")
    assert pledge.code_display in signed.body and pledge.code_display in withdrawn.body


@pytest.mark.parametrize(
    "template",
    ["accepted", "reopened", "resubmitted", "returned", "reviewer_assigned", "submitted"],
)
def test_assessment_emails_greet_by_the_same_name(world, cycle, template):
    _subject, body = render_email(
        template=f"assessments/email/{template}",
        context={
            "recipient": world.official,
            "by": world.supervisor,
            "official": world.colleague,
            "cycle": cycle,
            "note": "Note",
            "site_url": "https://portal.example.org",
            "path": "/",
            "review_path": "/",
        },
        language="en",
    )
    assert body.startswith("Hello Olivia Chen,")


# --- consent is exactly the ticked box ---------------------------------------------------


@pytest.mark.parametrize("value", [" ", "0", "false", "on ", "yes", "True", "ON", "1", ""])
def test_only_the_ticked_box_counts_as_consent(client, world, cycle, value):
    fresh_login(client, world.official)
    response = client.post(reverse(SIGN), sign_form(cycle, consent=value))
    assert response.status_code == 400
    assert "Tick the box to agree to sign electronically." in response.content.decode()
    assert not Pledge.objects.exists()


def test_the_consent_box_sends_the_value_that_counts(client, world, cycle):
    fresh_login(client, world.official)
    body = client.get(reverse(SIGN)).content.decode()
    assert 'name="consent" value="on"' in body
    assert client.post(reverse(SIGN), sign_form(cycle, consent="on")).status_code == 302
    assert Pledge.objects.get().typed_name == "Olivia Chen"
