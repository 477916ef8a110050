"""The client address behind reverse proxies: one helper, spoof-proof by default."""

import pytest
from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from accounts.audit import client_ip
from accounts.models import AuditEntry
from pledges.models import Pledge
from pledges.services import pledge_text

from ..factories import PASSWORD
from ..pledges.conftest import fresh_login

SPOOFED = "6.6.6.6"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def request_from(remote="192.0.2.10", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, None, "192.0.2.10"),
        (0, SPOOFED, "192.0.2.10"),  # no trusted proxy: the header is ignored
        (0, f"{SPOOFED}, 203.0.113.5", "192.0.2.10"),
        (1, None, "192.0.2.10"),  # reached directly: the address that connected
        (1, "203.0.113.5", "203.0.113.5"),
        (1, f"{SPOOFED}, 203.0.113.5", "203.0.113.5"),  # right-most: what our proxy saw
        (1, f"{SPOOFED},203.0.113.5", "203.0.113.5"),
        (2, f"{SPOOFED}, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
        (2, "203.0.113.5", "192.0.2.10"),  # fewer entries than proxies: not trusted
        (1, "not-an-address", "192.0.2.10"),
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "", "192.0.2.10"),
    ],
)
def test_client_ip(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = count
    request = request_from(forwarded=forwarded)
    assert client_ip(request) == expected
    assert get_adapter().get_client_ip(request) == expected  # allauth's rate limits agree


def test_an_invalid_remote_address_gives_none():
    assert client_ip(request_from(remote="bogus")) is None
    assert client_ip(None) is None


def sign_in(client, user, **extra):
    return client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, **extra
    )


def test_audit_trail_ignores_the_header_without_a_trusted_proxy(client, world):
    sign_in(client, world.official, REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR=SPOOFED)
    entry = AuditEntry.objects.get(action="auth.signed_in")
    assert entry.ip_address == "192.0.2.10"


def test_audit_trail_records_the_address_our_proxy_saw(client, world, settings):
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    sign_in(
        client,
        world.official,
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=f"{SPOOFED}, 203.0.113.5",
    )
    entry = AuditEntry.objects.get(action="auth.signed_in")
    assert entry.ip_address == "203.0.113.5"


def test_pledge_records_the_address_our_proxy_saw(client, world, cycle, settings):
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    fresh_login(client, world.official)
    response = client.post(
        reverse("pledges:pledge-sign"),
        {"consent": "on", "typed_name": "Olivia Chen", "text_sha256": pledge_text(cycle)[1]},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=f"{SPOOFED}, 203.0.113.5",
    )
    assert response.status_code == 302
    assert Pledge.objects.get().personal_value("ip_address") == "203.0.113.5"


def test_spoofed_headers_do_not_escape_the_verification_limit(client, db, settings):
    settings.PLEDGE_VERIFY_RATE_LIMIT = 3
    statuses = [
        client.get("/v/ABCDEFGHJKLMNPQR", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(4)
    ]
    assert statuses == [404, 404, 404, 429]


def test_behind_a_proxy_each_client_has_its_own_verification_limit(client, db, settings):
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.PLEDGE_VERIFY_RATE_LIMIT = 3
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    first = [
        client.get("/v/ABCDEFGHJKLMNPQR", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
        for _ in range(4)
    ]
    assert [r.status_code for r in first] == [404, 404, 404, 429]
    spoof = client.get(
        "/v/ABCDEFGHJKLMNPQR", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5", **proxy
    )
    assert spoof.status_code == 429  # the client's own left-hand entry changes nothing
    other = client.get("/v/ABCDEFGHJKLMNPQR", HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy)
    assert other.status_code == 404
