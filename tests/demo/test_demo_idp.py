"""The demo identity provider `make run` starts, and the provider seed_demo registers.

The provider (oidc-provider-mock, demo/idp.py) runs for real on a free port of
127.0.0.1: its discovery document, its page listing Riverside's demo people and the
whole authorization-code exchange with the claims the portal reads.
"""

import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.management import CommandError, call_command
from werkzeug.serving import make_server

from accounts.models import AuditEntry, Membership
from demo.base import DEMO_DOMAIN
from demo.idp import (
    DEMO_IDP_CLIENT_ID,
    DEMO_IDP_CLIENT_SECRET,
    DEMO_IDP_NAME,
    DEMO_IDP_ROLE_MAP,
    DEMO_IDP_SLUG,
    demo_idp_address,
    demo_idp_app,
    demo_idp_claims,
    seed_demo_idp,
)
from demo.seed import seed
from sso.models import IdentityProvider, ProviderDomain
from sso.secrets import SecretUnavailable, decrypt

ROOT = Path(__file__).resolve().parents[2]
CALLBACK = f"http://127.0.0.1:8000/accounts/oidc/{DEMO_IDP_SLUG}/login/callback/"


@contextmanager
def running_demo_idp():
    """The demo provider's app served from a thread on a free port; yields its URL."""
    server = make_server("127.0.0.1", 0, demo_idp_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


@pytest.fixture
def idp_url(monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    with running_demo_idp() as url:
        yield url


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _jwt_payload(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _sign_in_as(idp_url: str, subject: str) -> dict:
    """What the portal does with the provider, as the person picks `subject`: the
    authorization request, the person's choice, the code exchanged for tokens."""
    discovery = requests.get(f"{idp_url}/.well-known/openid-configuration", timeout=5).json()
    browser = requests.Session()
    params = {
        "response_type": "code",
        "client_id": DEMO_IDP_CLIENT_ID,
        "redirect_uri": CALLBACK,
        "scope": "openid profile email",
        "state": "demo-state",
        "nonce": "demo-nonce",
    }
    page = browser.get(discovery["authorization_endpoint"], params=params, timeout=5)
    assert page.status_code == 200
    chosen = browser.post(page.url, data={"sub": subject}, allow_redirects=False, timeout=5)
    assert chosen.status_code == 302
    location = chosen.headers["Location"]
    assert location.startswith(CALLBACK)
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["demo-state"]
    tokens = requests.post(
        discovery["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": CALLBACK,
        },
        auth=(DEMO_IDP_CLIENT_ID, DEMO_IDP_CLIENT_SECRET),
        timeout=5,
    )
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    userinfo = requests.get(
        discovery["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=5,
    ).json()
    return {"id_token": _jwt_payload(body["id_token"]), "userinfo": userinfo}


def test_the_demo_idp_publishes_its_discovery_document(idp_url):
    response = requests.get(f"{idp_url}/.well-known/openid-configuration", timeout=5)
    assert response.status_code == 200
    document = response.json()
    assert document["issuer"] == idp_url
    for endpoint in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint"):
        assert document[endpoint].startswith(f"{idp_url}/")
    assert document["end_session_endpoint"].startswith(f"{idp_url}/")
    keys = requests.get(document["jwks_uri"], timeout=5).json()["keys"]
    assert keys and keys[0]["kty"] == "RSA"


def test_the_demo_idp_lists_riversides_manager_supervisor_and_official(idp_url):
    response = requests.get(
        f"{idp_url}/oauth2/authorize",
        params={
            "response_type": "code",
            "client_id": DEMO_IDP_CLIENT_ID,
            "redirect_uri": CALLBACK,
            "scope": "openid email profile",
        },
        timeout=5,
    )
    assert response.status_code == 200
    for address in ("manager@demo.test", "supervisor@demo.test", "official@demo.test"):
        assert f'value="{address}"' in response.text
    assert "maple.manager@demo.test" not in response.text


def test_the_demo_manager_signs_in_with_a_verified_email_mfa_and_groups(idp_url):
    claims = _sign_in_as(idp_url, "manager@demo.test")
    token = claims["id_token"]
    assert token["iss"] == idp_url
    assert token["sub"] == "manager@demo.test"
    assert DEMO_IDP_CLIENT_ID in (
        token["aud"] if isinstance(token["aud"], list) else [token["aud"]]
    )
    assert token["nonce"] == "demo-nonce"
    assert token["email"] == "manager@demo.test"
    assert token["email_verified"] is True
    assert token["name"] == "Maria Alvarez"
    assert token["amr"] == ["pwd", "mfa"]
    assert token["groups"] == ["Elections-Managers"]
    assert claims["userinfo"]["email_verified"] is True
    assert claims["userinfo"]["groups"] == ["Elections-Managers"]


def test_the_demo_supervisor_proves_no_second_factor(idp_url):
    token = _sign_in_as(idp_url, "supervisor@demo.test")["id_token"]
    assert token["name"] == "Sam Okafor"
    assert token["amr"] == ["pwd"]
    assert DEMO_IDP_ROLE_MAP[token["groups"][0]] == Membership.Role.SUPERVISOR


def test_a_subject_typed_into_the_demo_idp_has_no_verified_email(idp_url):
    """The mock lets anyone type a subject: it asserts no verified email, so the portal
    refuses it."""
    token = _sign_in_as(idp_url, "maple.manager@demo.test")["id_token"]
    assert token["email"] == "maple.manager@demo.test"
    assert "email_verified" not in token


def test_the_demo_idp_people_are_riverside_accounts_of_the_demo(edition, settings):
    settings.DEBUG = True  # as under `make run`
    demo = seed(edition)
    riverside = demo.offices["riverside"]
    for address, claims in demo_idp_claims().items():
        person = demo.people[address.split("@")[0]]
        assert person.email == address == claims["email"]
        assert person.full_name == claims["name"]
        assert person.active_membership.office == riverside
        role = DEMO_IDP_ROLE_MAP[claims["groups"][0]]
        assert person.active_membership.role == role

    provider = IdentityProvider.objects.get(slug=DEMO_IDP_SLUG)
    assert provider.name == DEMO_IDP_NAME
    assert provider.protocol == IdentityProvider.Protocol.OIDC
    assert provider.office == riverside and provider.association is None
    assert provider.server_url == settings.DEMO_IDP_URL.rstrip("/")
    assert provider.client_id == DEMO_IDP_CLIENT_ID
    assert provider.secret_env == ""
    assert DEMO_IDP_CLIENT_SECRET not in provider.secret_encrypted
    assert decrypt(provider.secret_encrypted) == DEMO_IDP_CLIENT_SECRET
    assert provider.trust_mfa and provider.enabled
    assert "mfa" in provider.mfa_values
    assert provider.role_claim == "groups"
    assert provider.role_map == DEMO_IDP_ROLE_MAP
    assert list(provider.domains.values_list("domain", flat=True)) == [DEMO_DOMAIN]
    audited = AuditEntry.objects.filter(
        object_type="sso.identityprovider", object_id=str(provider.pk), office=riverside
    )
    assert sorted(audited.values_list("action", flat=True)) == [
        "sso.provider_created",
        "sso.provider_secret_set",
    ]
    assert set(audited.values_list("actor", flat=True)) == {demo.people["admin"].pk}
    assert all(DEMO_IDP_CLIENT_SECRET not in json.dumps(entry.details) for entry in audited)

    # Idempotent: a second run finds it and adds nothing.
    entries = AuditEntry.objects.count()
    again = seed_demo_idp(demo)
    assert again.pk == provider.pk
    assert IdentityProvider.objects.count() == 1
    assert ProviderDomain.objects.count() == 1
    assert AuditEntry.objects.count() == entries


def test_seeding_again_follows_a_new_demo_idp_url_and_encryption_key(edition, settings):
    settings.DEBUG = True
    demo = seed(edition)
    settings.DEMO_IDP_URL = "http://127.0.0.1:8002/"
    settings.SSO_ENCRYPTION_KEYS = "bm90LWEtcmVhbC1rZXktanVzdC1mb3ItdGhlLXRlc3Q="
    with pytest.raises(SecretUnavailable):
        decrypt(IdentityProvider.objects.get(slug=DEMO_IDP_SLUG).secret_encrypted)
    seed_demo_idp(demo)
    provider = IdentityProvider.objects.get(slug=DEMO_IDP_SLUG)
    assert provider.server_url == "http://127.0.0.1:8002"
    assert decrypt(provider.secret_encrypted) == DEMO_IDP_CLIENT_SECRET
    assert IdentityProvider.objects.count() == 1


def test_no_demo_idp_is_registered_without_debug_or_a_demo_idp_url(edition, settings):
    settings.DEBUG = False  # a demo server in production mode: the provider never runs
    demo = seed(edition)
    assert not IdentityProvider.objects.exists()
    settings.DEBUG = True
    settings.DEMO_IDP_URL = ""
    assert seed_demo_idp(demo) is None
    assert not IdentityProvider.objects.exists()


def test_the_demo_idp_leaves_demo_test_to_a_provider_registered_before_it(edition, settings, world):
    """A visitor who listed demo.test for another provider keeps it; the demo provider is
    registered without a domain rather than failing the seed."""
    from sso.services import provider_create

    settings.DEBUG = True
    other = provider_create(
        owner=world.other_office,
        values={
            "name": "Lakeside Okta",
            "slug": "lakeside-okta",
            "protocol": "oidc",
            "server_url": "https://lakeside.okta.example",
            "client_id": "portal",
        },
        domains=[DEMO_DOMAIN],
        by=world.site_admin,
    )
    demo = seed(edition)
    provider = IdentityProvider.objects.get(slug=DEMO_IDP_SLUG)
    assert not provider.domains.exists()
    assert other.domains.get().domain == DEMO_DOMAIN
    assert seed_demo_idp(demo).pk == provider.pk


def test_run_demo_idp_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=true"):
        call_command("run_demo_idp")


def test_run_demo_idp_says_clearly_when_its_port_is_taken(settings):
    settings.DEBUG = True
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings.DEMO_IDP_URL = f"http://127.0.0.1:{port}"
        with pytest.raises(CommandError, match=f"Port {port} is taken") as refusal:
            call_command("run_demo_idp")
    assert "password sign-in does" in str(refusal.value)
    assert f"DEMO_IDP_URL=http://127.0.0.1:{port + 1} make run" in str(refusal.value)


@pytest.mark.parametrize(
    "url", ["https://127.0.0.1:8001", "http://0.0.0.0:8001", "http://idp.example.org", "x"]
)
def test_the_demo_idp_listens_on_this_machine_over_plain_http_only(url):
    with pytest.raises(ValueError, match=r"DEMO_IDP_URL|127\.0\.0\.1 only"):
        demo_idp_address(url)


def test_run_demo_idp_serves_the_demo_people_as_make_run_starts_it():
    """The command itself, as `make run` starts it: a process of its own."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("AUTHLIB_INSECURE_TRANSPORT", "DJANGO_SETTINGS_MODULE")
    }
    env.update(DEBUG="true", DEMO_IDP_URL=url)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_demo_idp"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                discovery = requests.get(f"{url}/.well-known/openid-configuration", timeout=1)
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "the demo identity provider did not start"
                time.sleep(0.2)
        assert discovery.json()["issuer"] == url
        # Plain HTTP works although this test process never told authlib so.
        claims = _sign_in_as(url, "official@demo.test")
        assert claims["id_token"]["name"] == "Olivia Chen"
        assert claims["id_token"]["email_verified"] is True
    finally:
        process.terminate()
        out, _err = process.communicate(timeout=10)
    assert f"Demo identity provider at {url}" in out
