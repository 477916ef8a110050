"""Sign-in, password reset, email confirmation, MFA codes and re-authentication are limited."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from demo import mfa as demo_mfa

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def sign_in(client, email, password, address="198.51.100.1"):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=address
    )


def test_failed_sign_ins_lock_the_account_even_from_many_addresses(client, world):
    for n in range(5):
        response = sign_in(client, world.official.email, "wrong-password", f"198.51.100.{n}")
        assert response.status_code == 200
    response = sign_in(client, world.official.email, PASSWORD, "198.51.100.99")
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account at the same address is not affected.
    assert sign_in(client, world.colleague.email, PASSWORD, "198.51.100.99").status_code == 302


def test_a_large_office_behind_one_address_can_all_sign_in(client, db):
    people = UserFactory.create_batch(40)  # allauth alone allows 30 a minute
    for person in people:
        client.logout()
        response = sign_in(client, person.email, PASSWORD, "203.0.113.50")
        assert response.status_code == 302, person.email
    # ... including a few typing their password wrong first.
    for person in people[:20]:
        client.logout()
        assert sign_in(client, person.email, "typo", "203.0.113.50").status_code == 200
        client.logout()
        assert sign_in(client, person.email, PASSWORD, "203.0.113.50").status_code == 302


def test_sign_in_attempts_per_address_are_limited(client, db, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    responses = [sign_in(client, "nobody@example.org", "x" * 12) for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert "Too many attempts" in responses[-1].content.decode()
    assert sign_in(client, "nobody@example.org", "x" * 12, "198.51.100.2").status_code == 200


def test_the_sign_in_limits_are_generous_per_address_and_tight_per_account(settings):
    from allauth.core.internal.ratelimit import parse_rates

    rates = {r.per: r for r in parse_rates(settings.ACCOUNT_RATE_LIMITS["login_failed"])}
    assert rates["ip"].amount >= 100 and rates["ip"].duration == 60
    assert rates["key"].amount <= 5 and rates["key"].duration >= 300
    (login,) = parse_rates(settings.ACCOUNT_RATE_LIMITS["login"])
    assert login.per == "ip" and login.amount >= 300


def test_password_reset_requests_are_limited_per_email(client, world):
    url = reverse("account_reset_password")
    statuses = [client.post(url, {"email": world.official.email}).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert len(mail.outbox) == 3
    assert client.post(url, {"email": world.colleague.email}).status_code == 302


def test_email_confirmations_are_not_resent_within_the_cooldown(client, world):
    EmailAddress.objects.create(user=world.official, email="second@example.org")
    client.force_login(world.official)
    for _ in range(3):
        client.post(reverse("account_email"), {"action_send": "", "email": "second@example.org"})
    sent = [m for m in mail.outbox if "second@example.org" in m.to]
    assert len(sent) == 1


def test_mfa_codes_are_limited_per_person(client, world):
    TOTP.activate(world.supervisor, SECRET)
    assert sign_in(client, world.supervisor.email, PASSWORD).status_code == 302
    for _ in range(5):
        response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
        assert response.status_code == 200
    response = client.post(reverse("mfa_authenticate"), {"code": demo_mfa.current_code(SECRET)})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_reauthentication_attempts_are_limited(client, world):
    client.force_login(world.manager)
    url = reverse("account_reauthenticate")
    statuses = [client.post(url, {"password": "wrong"}).status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429


def test_verification_page_is_limited(client, db, settings):
    settings.PLEDGE_VERIFY_RATE_LIMIT = 2
    statuses = [client.get("/v/ABCDEFGHJKLMNPQR").status_code for _ in range(3)]
    assert statuses == [404, 404, 429]
