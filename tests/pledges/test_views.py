import datetime
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from pledges.models import Pledge, PledgeWithdrawal
from pledges.services import pledge_text, pledge_withdraw

from ..factories import CycleFactory
from .conftest import META, fresh_login, sign

ROLES = [
    "official",
    "colleague",
    "supervisor",
    "manager",
    "other_manager",
    "analyst",
    "anonymous",
]


def login_as(client, world, who):
    if who != "anonymous":
        fresh_login(client, getattr(world, who))


def sign_form(cycle, **overrides):
    data = {
        "consent": "on",
        "typed_name": "Olivia Chen",
        "text_sha256": pledge_text(cycle)[1],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- signing ---------------------------------------------------------------------------


def test_the_signing_page_shows_the_whole_pledge(client, world, cycle):
    fresh_login(client, world.official)
    response = client.get(reverse("pledges:pledge-sign"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "guardians of our democratic process" in body
    assert body.count("<details") == 10
    assert body.count('class="item-title"') == 38
    assert "I agree to sign this pledge electronically" in body
    assert 'name="user' not in body


def test_an_official_signs_and_is_taken_to_the_pledge(client, world, cycle):
    fresh_login(client, world.official)
    response = client.post(
        reverse("pledges:pledge-sign"),
        sign_form(cycle, list_publicly="on"),
        HTTP_USER_AGENT="Mozilla/5.0 Test",
        REMOTE_ADDR="198.51.100.23",
    )
    pledge = Pledge.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("pledges:pledge-detail", args=[pledge.pk])
    assert pledge.user == world.official
    assert pledge.personal_value("ip_address") == "198.51.100.23"
    assert pledge.personal_value("user_agent") == "Mozilla/5.0 Test"
    assert pledge.auth_method == "password"
    assert pledge.listed_publicly


def test_signing_after_mfa_records_mfa(client, world, cycle):
    now = time.time()
    fresh_login(
        client,
        world.official,
        {"method": "password", "at": now - 5},
        {"method": "mfa", "at": now, "type": "totp", "id": 1},
    )
    client.post(reverse("pledges:pledge-sign"), sign_form(cycle))
    assert Pledge.objects.get().auth_method == "mfa"


def test_signing_with_a_passkey_records_passkey(client, world, cycle):
    fresh_login(
        client,
        world.official,
        {"method": "mfa", "at": time.time(), "type": "webauthn", "passwordless": True},
    )
    client.post(reverse("pledges:pledge-sign"), sign_form(cycle))
    assert Pledge.objects.get().auth_method == "passkey"


def test_an_old_sign_in_must_reauthenticate_first(client, world, cycle):
    fresh_login(client, world.official, {"method": "password", "at": time.time() - 3600})
    response = client.get(reverse("pledges:pledge-sign"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(reverse("pledges:pledge-sign"), sign_form(cycle))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not Pledge.objects.exists()


def test_reauthenticating_resumes_the_signature(client, world, cycle):
    from ..factories import PASSWORD

    fresh_login(client, world.official, {"method": "password", "at": time.time() - 3600})
    client.post(reverse("pledges:pledge-sign"), sign_form(cycle))
    response = client.post(
        reverse("account_reauthenticate") + "?next=" + reverse("pledges:pledge-sign"),
        {"password": PASSWORD},
    )
    assert response.status_code == 302
    assert Pledge.objects.filter(user=world.official).count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"consent": None}, "Tick the box to agree"),
        ({"typed_name": ""}, "Type your full name"),
        ({"typed_name": "   "}, "Type your full name"),
        ({"typed_name": "A" * 5000}, "at most"),
        ({"typed_name": "Olivia\x07Chen"}, "control characters"),
        ({"text_sha256": "0" * 64}, "changed while you were reading"),
        ({"consent": None, "typed_name": None, "text_sha256": None}, "Tick the box to agree"),
    ],
)
def test_bad_signing_input_is_refused_with_a_message(client, world, cycle, overrides, message):
    fresh_login(client, world.official)
    response = client.post(reverse("pledges:pledge-sign"), sign_form(cycle, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'id="form-errors"' in response.content.decode()
    assert not Pledge.objects.exists()
    assert not AuditEntry.objects.filter(action="pledge.signed").exists()


def test_a_tampered_user_field_is_ignored(client, world, cycle):
    fresh_login(client, world.official)
    client.post(
        reverse("pledges:pledge-sign"),
        sign_form(cycle, user=world.colleague.pk, user_id=world.colleague.pk),
    )
    assert Pledge.objects.get().user == world.official
    assert not Pledge.objects.filter(user=world.colleague).exists()


def test_a_second_post_returns_the_existing_pledge(client, world, cycle):
    fresh_login(client, world.official)
    first = client.post(reverse("pledges:pledge-sign"), sign_form(cycle))
    second = client.post(reverse("pledges:pledge-sign"), sign_form(cycle))
    pledge = Pledge.objects.get()
    assert first["Location"] == second["Location"]
    assert second["Location"] == reverse("pledges:pledge-detail", args=[pledge.pk])


def test_signing_outside_an_open_cycle_is_refused(client, world, edition):
    today = timezone.localdate()
    CycleFactory(
        opens_on=today - datetime.timedelta(days=300), closes_on=today - datetime.timedelta(days=5)
    )
    CycleFactory(name="Next", opens_on=today + datetime.timedelta(days=20))
    fresh_login(client, world.official)
    page = client.get(reverse("pledges:pledge-sign"))
    assert page.status_code == 200
    assert "opens on" in page.content.decode()
    response = client.post(reverse("pledges:pledge-sign"), {"consent": "on", "typed_name": "X"})
    assert response.status_code == 409
    assert not Pledge.objects.exists()


def test_analysts_without_an_office_cannot_sign(client, world, cycle):
    fresh_login(client, world.analyst)
    response = client.post(reverse("pledges:pledge-sign"), sign_form(cycle))
    assert response.status_code == 403
    assert not Pledge.objects.exists()


def test_anonymous_people_are_sent_to_sign_in(client, world, cycle):
    response = client.get(reverse("pledges:pledge-sign"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


# --- seeing a pledge and its certificate -------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("official", 200),
        ("colleague", 404),
        ("supervisor", 404),
        ("manager", 200),
        ("other_manager", 404),
        ("analyst", 404),
        ("anonymous", 302),
    ],
)
def test_who_may_see_a_pledge(client, world, cycle, who, status):
    pledge = sign(world.official, cycle)
    login_as(client, world, who)
    response = client.get(reverse("pledges:pledge-detail", args=[pledge.pk]))
    assert response.status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("official", 200),
        ("colleague", 404),
        ("supervisor", 404),
        ("manager", 200),
        ("other_manager", 404),
        ("analyst", 404),
        ("anonymous", 302),
    ],
)
def test_who_may_download_the_certificate(client, world, cycle, who, status):
    pledge = sign(world.official, cycle)
    login_as(client, world, who)
    response = client.get(reverse("pledges:pledge-certificate", args=[pledge.pk]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response.content.startswith(b"%PDF")
        assert AuditEntry.objects.filter(action="pledge.certificate_downloaded").count() == 1


def test_a_withdrawn_pledge_has_no_certificate(client, world, cycle):
    pledge = sign(world.official, cycle)
    pledge_withdraw(pledge=pledge, by=world.official, reason="Left", request_meta=META)
    fresh_login(client, world.official)
    response = client.get(reverse("pledges:pledge-certificate", args=[pledge.pk]))
    assert response.status_code == 410
    assert "A withdrawn pledge has no certificate" in response.content.decode()
    fresh_login(client, world.colleague)
    response = client.get(reverse("pledges:pledge-certificate", args=[pledge.pk]))
    assert response.status_code == 404
    fresh_login(client, world.official)
    detail = client.get(reverse("pledges:pledge-detail", args=[pledge.pk]))
    assert "This pledge was withdrawn" in detail.content.decode()


def test_an_unknown_pledge_is_not_found(client, world, cycle):
    fresh_login(client, world.official)
    assert client.get(reverse("pledges:pledge-certificate", args=[999])).status_code == 404
    assert client.get(reverse("pledges:pledge-detail", args=[999])).status_code == 404


@pytest.mark.parametrize("who", ROLES)
def test_my_pledge_page_for_every_role(client, world, cycle, who):
    pledge = sign(world.official, cycle)
    login_as(client, world, who)
    response = client.get(reverse("pledges:pledge-list"))
    if who == "anonymous":
        assert response.status_code == 302
        return
    assert response.status_code == 200
    body = response.content.decode()
    assert (pledge.code_display in body) == (who == "official")


def test_the_history_shows_every_cycle(client, world, cycle, edition):
    today = timezone.localdate()
    old = CycleFactory(
        name="2025",
        opens_on=today - datetime.timedelta(days=400),
        closes_on=today - datetime.timedelta(days=45),
    )
    Pledge.objects.none()  # the old cycle is closed: record its pledge as the demo does
    from pledges.services import pledges_import

    pledges_import(
        pledges=[
            Pledge(
                user=world.official,
                office=world.office,
                cycle=old,
                edition=edition,
                typed_name="Olivia",
                consent_text="x",
                signed_at=timezone.now() - datetime.timedelta(days=380),
                auth_method="password",
                text_sha256=pledge_text(old)[1],
            )
        ]
    )
    sign(world.official, cycle)
    fresh_login(client, world.official)
    body = client.get(reverse("pledges:pledge-list")).content.decode()
    assert "2025" in body and "2026" in body


# --- withdrawing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("official", 200),
        ("colleague", 404),
        ("supervisor", 404),
        ("manager", 403),
        ("other_manager", 404),
        ("analyst", 404),
        ("anonymous", 302),
    ],
)
def test_who_may_withdraw(client, world, cycle, who, status):
    pledge = sign(world.official, cycle)
    login_as(client, world, who)
    url = reverse("pledges:pledge-withdraw", args=[pledge.pk])
    assert client.get(url).status_code == status
    response = client.post(url, {"reason": "Because"})
    assert response.status_code == (302 if who in ("official", "anonymous") else status)
    assert PledgeWithdrawal.objects.exists() == (who == "official")


def test_withdrawing_without_a_reason_is_refused(client, world, cycle):
    pledge = sign(world.official, cycle)
    fresh_login(client, world.official)
    response = client.post(reverse("pledges:pledge-withdraw", args=[pledge.pk]), {"reason": " "})
    assert response.status_code == 400
    assert not PledgeWithdrawal.objects.exists()


# --- the manager's page ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("official", 403),
        ("colleague", 403),
        ("supervisor", 403),
        ("manager", 200),
        ("other_manager", 200),
        ("analyst", 403),
        ("anonymous", 302),
    ],
)
def test_who_may_see_the_office_pledge_page(client, world, cycle, who, status):
    sign(world.official, cycle)
    login_as(client, world, who)
    response = client.get(reverse("pledges:pledge-office"))
    assert response.status_code == status
    if who == "manager":
        body = response.content.decode()
        assert world.official.full_name in body and world.colleague.full_name in body
        assert "Chain intact" in body
    if who == "other_manager":
        assert world.official.full_name not in response.content.decode()


def test_the_office_page_says_when_the_chain_is_broken(client, world, cycle):
    pledge = sign(world.official, cycle)
    Pledge.objects.filter(pk=pledge.pk).update(typed_name="Forged")
    from django.core.cache import cache

    cache.clear()
    fresh_login(client, world.manager)
    assert "Chain NOT intact" in client.get(reverse("pledges:pledge-office")).content.decode()


def test_a_manager_publishes_the_registry(client, world, cycle):
    fresh_login(client, world.manager)
    client.post(reverse("pledges:pledge-registry-settings"), {"publishes_registry": "on"})
    world.office.refresh_from_db()
    assert world.office.publishes_registry
    client.post(reverse("pledges:pledge-registry-settings"), {})
    world.office.refresh_from_db()
    assert not world.office.publishes_registry


def test_only_a_manager_changes_the_registry_setting(client, world, cycle):
    fresh_login(client, world.official)
    response = client.post(
        reverse("pledges:pledge-registry-settings"), {"publishes_registry": "on"}
    )
    assert response.status_code == 403
    world.office.refresh_from_db()
    assert not world.office.publishes_registry


# --- home page ---------------------------------------------------------------------------


def test_home_invites_an_unsigned_official_to_sign(client, world, cycle):
    fresh_login(client, world.official)
    body = client.get(reverse("home")).content.decode()
    assert "Read and sign the pledge" in body
    assert reverse("pledges:pledge-list") in body


def test_home_shows_a_signed_pledge_and_its_certificate(client, world, cycle):
    pledge = sign(world.official, cycle)
    fresh_login(client, world.official)
    body = client.get(reverse("home")).content.decode()
    assert pledge.code_display in body
    assert reverse("pledges:pledge-certificate", args=[pledge.pk]) in body


def test_home_tells_a_manager_how_many_have_signed(client, world, cycle):
    sign(world.official, cycle)
    fresh_login(client, world.manager)
    body = client.get(reverse("home")).content.decode()
    assert "1 of 5 staff in your office have signed" in body


def test_the_signing_time_is_shown_in_utc(client, world, cycle):
    pledge = sign(world.official, cycle)
    fresh_login(client, world.official)
    body = client.get(reverse("pledges:pledge-detail", args=[pledge.pk])).content.decode()
    utc = pledge.signed_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
    assert f"{utc} UTC" in body


@pytest.mark.parametrize(
    "url",
    [
        "/pledges/99999999999999999999999/",
        "/pledges/99999999999999999999999/certificate.pdf",
        "/pledges/99999999999999999999999/withdraw/",
        "/pledges/registry/99999999999999999999999/",
    ],
)
def test_absurd_ids_are_not_found(client, world, cycle, url):
    fresh_login(client, world.official)
    assert client.get(url).status_code == 404


def test_withdrawing_after_an_old_sign_in_reauthenticates_first(client, world, cycle):
    pledge = sign(world.official, cycle)
    fresh_login(client, world.official, {"method": "password", "at": time.time() - 3600})
    response = client.post(
        reverse("pledges:pledge-withdraw", args=[pledge.pk]), {"reason": "Changed my mind"}
    )
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not PledgeWithdrawal.objects.exists()


def test_a_garbled_client_address_is_recorded_as_unknown(client, world, cycle):
    fresh_login(client, world.official)
    response = client.post(reverse("pledges:pledge-sign"), sign_form(cycle), REMOTE_ADDR="bogus")
    assert response.status_code == 302
    pledge = Pledge.objects.get()
    assert pledge.personal_value("ip_address") == "" and not pledge.ip_address_digest


def test_a_strange_user_agent_is_stored_safely(client, world, cycle):
    fresh_login(client, world.official)
    client.post(
        reverse("pledges:pledge-sign"), sign_form(cycle), HTTP_USER_AGENT="Bot\x00\x1b" + "x" * 900
    )
    pledge = Pledge.objects.get()
    user_agent = pledge.personal_value("user_agent")
    assert user_agent.startswith("Botx") and len(user_agent) == 500
