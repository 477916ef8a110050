"""A pledge signed after an organisation sign-in records the provider, issuer, subject and
the MFA claimed; the chain covers them, and older pledges keep their hashes."""

import time

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from pledges.chain import record_content, record_hash
from pledges.models import Pledge
from pledges.selectors import personal_pledges, verify_chain

from .conftest import META, chain_under_rule_1, fresh_login, sign
from .test_views import sign_form

ISSUER = "https://login.example.gov/riverside/v2.0"


def sso_login(client, user, *, trusted_mfa=True, mfa="mfa otp", records=()):
    """Signed in as after an organisation sign-in: allauth's record of a social login and
    the evidence sso.evidence keeps in the session."""
    fresh_login(
        client,
        user,
        {"method": "socialaccount", "at": time.time(), "provider": "riverside-entra"},
        *records,
    )
    session = client.session
    session["portal_sso"] = {
        "provider": "Riverside County Entra ID",
        "provider_id": 7,
        "protocol": "oidc",
        "issuer": ISSUER,
        "subject": "00000000-aaaa-bbbb-cccc-1234567890ab",
        "mfa": mfa,
        "trusted_mfa": trusted_mfa,
        "logout_url": "",
    }
    session.save()


def test_a_pledge_signed_through_a_trusted_provider_records_it(client, world, cycle):
    sso_login(client, world.official)
    response = client.post(reverse("pledges:pledge-sign"), sign_form(cycle))
    assert response.status_code == 302
    pledge = Pledge.objects.get()
    assert pledge.auth_method == Pledge.AuthMethod.SSO_MFA
    assert (pledge.sso_provider, pledge.sso_issuer, pledge.sso_subject, pledge.sso_mfa) == (
        "Riverside County Entra ID",
        ISSUER,
        "00000000-aaaa-bbbb-cccc-1234567890ab",
        "mfa otp",
    )
    # Covered by the chain: the verifier recomputes the hash with them.
    content = record_content(pledge)
    assert content["sso_provider"] == "Riverside County Entra ID"
    assert content["sso_subject"] == "00000000-aaaa-bbbb-cccc-1234567890ab"
    assert verify_chain().intact
    page = client.get(reverse("pledges:pledge-detail", args=[pledge.pk])).content.decode()
    assert "Signed in through Riverside County Entra ID, with MFA" in page
    assert ISSUER in page


def test_the_public_verification_page_says_how_the_signer_signed_in(client, world, cycle):
    sso_login(client, world.official, trusted_mfa=False, mfa="")
    client.post(reverse("pledges:pledge-sign"), sign_form(cycle))
    pledge = Pledge.objects.get()
    assert pledge.auth_method == Pledge.AuthMethod.SSO
    client.logout()
    page = client.get(reverse("pledge-verify-code", args=[pledge.verification_code]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Signed in through Riverside County Entra ID, without MFA" in body
    # The subject and issuer name the person at their provider: not for the public.
    assert pledge.sso_subject not in body and ISSUER not in body


def test_an_untrusted_providers_claim_is_recorded_but_not_vouched_for(client, world, cycle):
    sso_login(client, world.official, trusted_mfa=False, mfa="mfa")
    client.post(reverse("pledges:pledge-sign"), sign_form(cycle))
    pledge = Pledge.objects.get()
    assert pledge.auth_method == Pledge.AuthMethod.SSO and pledge.sso_mfa == "mfa"


def test_the_portals_own_second_step_counts_as_mfa(client, world, cycle):
    sso_login(
        client,
        world.official,
        trusted_mfa=False,
        mfa="",
        records=[{"method": "mfa", "at": time.time(), "type": "totp", "id": 1}],
    )
    client.post(reverse("pledges:pledge-sign"), sign_form(cycle))
    assert Pledge.objects.get().auth_method == Pledge.AuthMethod.SSO_MFA


def test_a_password_sign_in_records_no_provider(client, world, cycle):
    fresh_login(client, world.official)
    client.post(reverse("pledges:pledge-sign"), sign_form(cycle))
    pledge = Pledge.objects.get()
    assert pledge.auth_method == "password"
    assert (pledge.sso_provider, pledge.sso_issuer, pledge.sso_subject, pledge.sso_mfa) == (
        "",
        "",
        "",
        "",
    )
    assert not any(key.startswith("sso_") for key in record_content(pledge))
    page = client.get(reverse("pledges:pledge-detail", args=[pledge.pk])).content.decode()
    assert "Signed in through" not in page


def test_older_pledges_keep_their_hashes(world, cycle):
    """Records from before these fields (both rules) hash as they always did."""
    from pledges.models import Pledge as PledgeModel

    rule_1 = chain_under_rule_1(
        PledgeModel(
            user=world.colleague,
            office=world.office,
            cycle=cycle,
            edition=cycle.edition,
            typed_name=world.colleague.full_name,
            consent_text="I agree.",
            auth_method="password",
            text_sha256="0" * 64,
        )
    )
    rule_2 = sign(world.official, cycle)
    for pledge in (rule_1, rule_2):
        pledge.refresh_from_db()
        assert record_hash(pledge, pledge.previous_hash) == pledge.record_hash
        assert not any(key.startswith("sso_") for key in record_content(pledge))
    assert verify_chain().intact


def test_an_edited_provider_field_is_caught(client, world, cycle):
    sso_login(client, world.official)
    client.post(reverse("pledges:pledge-sign"), sign_form(cycle))
    call_command("verify_pledges")
    Pledge.objects.update(sso_subject="someone-else")
    report = verify_chain()
    assert not report.intact
    with pytest.raises(CommandError, match="was changed after it was recorded"):
        call_command("verify_pledges")


def test_a_providers_long_or_odd_claims_cannot_stop_a_signature(client, world, cycle):
    sso_login(client, world.official)
    session = client.session
    session["portal_sso"]["subject"] = "x\x00" * 400
    session["portal_sso"]["mfa"] = "m" * 1000
    session.save()
    assert client.post(reverse("pledges:pledge-sign"), sign_form(cycle)).status_code == 302
    pledge = Pledge.objects.get()
    assert pledge.sso_subject == "x" * 255 and len(pledge.sso_mfa) == 300
    assert verify_chain().intact


def test_the_persons_data_export_includes_the_sign_in(client, world, cycle):
    sso_login(client, world.official)
    client.post(reverse("pledges:pledge-sign"), sign_form(cycle))
    exported = personal_pledges(world.official)[0]
    assert exported["identity_provider"] == {
        "provider": "Riverside County Entra ID",
        "issuer": ISSUER,
        "subject": "00000000-aaaa-bbbb-cccc-1234567890ab",
        "mfa_claimed": "mfa otp",
    }
    assert exported["authentication"] == "Organisation sign-in with MFA"


def test_a_withdrawal_in_an_sso_session_is_chained(client, world, cycle):
    pledge = sign(world.official, cycle, request_meta=META)
    sso_login(client, world.official)
    response = client.post(
        reverse("pledges:pledge-withdraw", args=[pledge.pk]), {"reason": "I left the office."}
    )
    assert response.status_code == 302
    assert pledge.withdrawal.auth_method == Pledge.AuthMethod.SSO_MFA
    assert verify_chain().intact


def test_a_records_bundle_lists_the_sign_in_and_redacts_the_subject_with_emails(
    client, world, cycle, django_capture_on_commit_callbacks
):
    from pledges.services import RequestMeta
    from pledges.transparency import checkpoint_publish
    from records.models import RecordsBundle

    from ..records.test_bundles import ALL_REDACTED, NONE_REDACTED, _csv, _download, _prepare

    sign(
        world.official,
        cycle,
        request_meta=RequestMeta(
            ip_address="203.0.113.7",
            auth_method=Pledge.AuthMethod.SSO_MFA,
            sso_provider="Riverside County Entra ID",
            sso_issuer=ISSUER,
            sso_subject="olivia@riverside.example.gov",
            sso_mfa="mfa",
        ),
    )
    checkpoint_publish()
    fresh_login(client, world.manager)
    for data, subject in (
        (NONE_REDACTED, "olivia@riverside.example.gov"),
        (ALL_REDACTED, "[redacted]"),
    ):
        _prepare(client, world, data, django_capture_on_commit_callbacks)
        bundle = RecordsBundle.objects.order_by("-pk").first()
        (row,) = _csv(_download(client, bundle), "pledges.csv")
        assert (row["authentication"], row["sso_provider"], row["sso_issuer"]) == (
            "sso_mfa",
            "Riverside County Entra ID",
            ISSUER,
        )
        assert (row["sso_subject"], row["sso_mfa"]) == (subject, "mfa")
