"""SAML sign-in through allauth's `saml` provider against a real pysaml2 identity provider
(tests/sso/saml_idp.py) with assertions signed by xmlsec1."""

import urllib.error
import urllib.request
from urllib.parse import urlsplit

import lxml.etree
import pytest
import xmlsec
from allauth.socialaccount.models import SocialAccount
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory

from accounts.models import AuditEntry, Membership
from sso import saml
from sso.models import IdentityProvider, ProviderDomain
from tests.factories import MembershipFactory, OfficeFactory

from .saml_idp import MFA, PASSWORD, AutoPostForm, saml_idp_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

SLUG = "riverside-saml"
EMAIL = "olivia.chen@riverside.example"
ENTRA_MFA = "http://schemas.microsoft.com/claims/multipleauthn"

# Only 127.0.0.1, never through a proxy from the environment.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_no_redirect_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


@pytest.fixture
def client():
    # allauth's SAML views read the Host header, which every browser sends.
    return Client(HTTP_HOST="testserver")


@pytest.fixture
def office(db):
    return OfficeFactory(name="Riverside County Elections")


@pytest.fixture
def member(office):
    return MembershipFactory(office=office, role=Membership.Role.OFFICIAL, user__email=EMAIL).user


@pytest.fixture
def provider(saml_idp, office, client):
    idp = IdentityProvider.objects.create(
        name="Riverside County (test IdP)",
        slug=SLUG,
        protocol=IdentityProvider.Protocol.SAML,
        office=office,
        metadata_xml=saml_idp.metadata,
        trust_mfa=True,
    )
    ProviderDomain.objects.create(provider=idp, domain="riverside.example")
    # The identity provider's administrator loads the portal's SP metadata.
    response = client.get(f"/accounts/saml/{SLUG}/metadata/")
    assert response.status_code == 200
    saml_idp.trust_sp(response.content.decode())
    saml_idp.user = {
        "mail": EMAIL,
        "givenName": "Olivia",
        "sn": "Chen",
    }
    return idp


def handed_over_to(response) -> str:
    """Where the portal's hand-over page sends the browser (its Refresh header).

    Not a 302: that would follow a form submission, and the portal's CSP form-action
    'self' would block it (sso.handover.hand_over)."""
    assert response.status_code == 200, response.content[:500]
    assert "sso/hand_over.html" in [t.name for t in response.templates]
    delay, _, url = response["Refresh"].partition(";url=")
    assert delay == "0"
    assert f'href="{url.replace("&", "&amp;")}"'.encode() in response.content
    return url


def start_sign_in(client, idp_server) -> AutoPostForm:
    """Portal -> IdP: returns the IdP's auto-submitting form (the SAMLResponse)."""
    response = client.post(f"/accounts/saml/{SLUG}/login/")
    location = handed_over_to(response)
    assert location.startswith(f"{idp_server.base}/sso?SAMLRequest=")
    with _opener.open(location, timeout=10) as reply:
        form = AutoPostForm.parse(reply.read().decode())
    assert form.action == f"http://testserver/accounts/saml/{SLUG}/acs/"
    assert form.fields["SAMLResponse"]
    return form


def post_to_acs(client, form_fields: dict):
    """IdP -> portal: POST to allauth's ACS, which hands over to its finish view."""
    response = client.post(f"/accounts/saml/{SLUG}/acs/", form_fields)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/saml/{SLUG}/acs/finish/"
    return client.get(response["Location"])


def sign_in(client, idp_server):
    form = start_sign_in(client, idp_server)
    return post_to_acs(client, form.fields)


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def assert_refused(client, response, reason=None):
    assert 400 <= response.status_code < 500
    if reason is not None:
        # allauth's error page, with python3-saml's (or our) reason.
        assert reason in response.context["saml_last_error_reason"]
        assert AuditEntry.objects.filter(action="sso.refused").exists()
    assert signed_in_user_id(client) is None
    assert "portal_sso" not in client.session
    assert not SocialAccount.objects.exists()


# --- the round trip -----------------------------------------------------------------


def test_signed_assertion_links_the_office_member_by_email(client, saml_idp, provider, member):
    response = sign_in(client, saml_idp)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(member.pk)
    account = SocialAccount.objects.get(user=member)
    assert account.provider == SLUG
    facts = account.extra_data["_portal"]
    assert facts["issuer"] == saml_idp.entity_id
    assert facts["subject"] == EMAIL
    assert facts["authn_context"] == [PASSWORD]
    assert facts["assertion_id"]
    sso = client.session["portal_sso"]
    assert sso["issuer"] == saml_idp.entity_id
    assert sso["subject"] == EMAIL
    assert sso["trusted_mfa"] is False


@pytest.mark.parametrize("context", [MFA, ENTRA_MFA])
def test_mfa_authn_context_is_trusted_and_recorded(client, saml_idp, provider, member, context):
    saml_idp.authn_context = context

    sign_in(client, saml_idp)

    assert signed_in_user_id(client) == str(member.pk)
    sso = client.session["portal_sso"]
    assert sso["trusted_mfa"] is True
    assert context in sso["mfa"]


def test_entra_authn_methods_attribute_proves_mfa(client, saml_idp, provider, member):
    """Microsoft Entra ID names the methods in a signed attribute, not in the context."""
    saml_idp.user = {
        **saml_idp.user,
        "http://schemas.microsoft.com/claims/authnmethodsreferences": ENTRA_MFA,
    }

    sign_in(client, saml_idp)

    assert signed_in_user_id(client) == str(member.pk)
    sso = client.session["portal_sso"]
    assert sso["trusted_mfa"] is True
    assert ENTRA_MFA in sso["mfa"]


def test_mfa_is_not_trusted_when_the_provider_setting_is_off(client, saml_idp, provider, member):
    IdentityProvider.objects.filter(pk=provider.pk).update(trust_mfa=False)
    saml_idp.authn_context = MFA

    sign_in(client, saml_idp)

    assert signed_in_user_id(client) == str(member.pk)
    assert client.session["portal_sso"]["trusted_mfa"] is False


# --- refusals -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("unsigned", "The Assertion of the Response is not signed"),
        ("other_key", "Signature validation failed"),
        ("wrong_audience", "is not a valid audience"),
        ("expired", "Could not validate timestamp: expired"),
    ],
)
def test_bad_assertions_are_refused(client, saml_idp, provider, member, mode, reason):
    saml_idp.mode = mode

    response = sign_in(client, saml_idp)

    assert_refused(client, response, reason)


def test_a_replayed_response_is_refused(client, saml_idp, provider, member):
    form = start_sign_in(client, saml_idp)
    post_to_acs(client, form.fields)
    assert signed_in_user_id(client) == str(member.pk)
    # Forget the link, so that a replay could only be refused by the replay check.
    SocialAccount.objects.all().delete()

    # The same response, captured and posted again from another browser...
    thief = Client(HTTP_HOST="testserver")
    response = post_to_acs(thief, form.fields)
    assert_refused(thief, response, "used before")

    # ...and again from the first one, which has signed out.
    client.logout()
    response = post_to_acs(client, form.fields)
    assert_refused(client, response, "used before")


def test_replay_store_refuses_a_second_use_of_the_same_assertion(db):
    first = saml.remember_assertion(
        issuer="https://idp.example/", assertion_id="_a1", not_on_or_after=None
    )
    again = saml.remember_assertion(
        issuer="https://idp.example/", assertion_id="_a1", not_on_or_after=None
    )
    other_issuer = saml.remember_assertion(
        issuer="https://other.example/", assertion_id="_a1", not_on_or_after=None
    )
    no_id = saml.remember_assertion(
        issuer="https://idp.example/", assertion_id="", not_on_or_after=None
    )

    assert (first, again, other_issuer, no_id) == (True, False, True, False)


def test_a_person_who_is_not_a_member_is_refused(client, saml_idp, provider):
    saml_idp.user = {"mail": "stranger@riverside.example", "givenName": "S", "sn": "T"}

    response = sign_in(client, saml_idp)

    assert_refused(client, response)


# --- single logout ------------------------------------------------------------------


def follow_single_logout(client, idp_server, start_url):
    """Portal's SLO page -> IdP's SLO service -> allauth's SLS; returns the last answer."""
    parts = urlsplit(start_url)
    response = client.get(f"{parts.path}?{parts.query}")
    location = handed_over_to(response)
    assert location.startswith(f"{idp_server.base}/slo?SAMLRequest=")
    with pytest.raises(urllib.error.HTTPError) as answer:
        _no_redirect_opener.open(location, timeout=10)
    assert answer.value.code == 302
    parts = urlsplit(answer.value.headers["Location"])
    assert parts.path == f"/accounts/saml/{SLUG}/sls/"
    return client.get(f"{parts.path}?{parts.query}")


def test_single_logout_sends_a_logout_request_and_accepts_the_answer(
    client,
    saml_idp,
    provider,
    member,
):
    sign_in(client, saml_idp)
    facts = SocialAccount.objects.get(user=member).extra_data["_portal"]
    request = RequestFactory(HTTP_HOST="testserver").post("/accounts/logout/")
    start_url = saml.logout_start_url(request, slug=SLUG, facts=facts)
    assert start_url.startswith(f"http://testserver/sso/saml/{SLUG}/logout/?token=")
    assert EMAIL not in start_url
    client.logout()

    response = follow_single_logout(client, saml_idp, start_url)

    assert response.status_code == 302
    assert saml_idp.logouts == [EMAIL]
    # The token is used once.
    parts = urlsplit(start_url)
    again = client.get(f"{parts.path}?{parts.query}")
    assert again.status_code == 302
    assert not again["Location"].startswith(saml_idp.base)


def test_portal_sign_out_goes_on_to_the_providers_single_logout(
    client,
    saml_idp,
    provider,
    member,
):
    sign_in(client, saml_idp)
    assert client.session["portal_sso"]["logout_url"]

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert signed_in_user_id(client) is None
    assert response["Location"].startswith(f"http://testserver/sso/saml/{SLUG}/logout/")
    follow_single_logout(client, saml_idp, response["Location"])
    assert saml_idp.logouts == [EMAIL]


def test_a_forged_logout_token_goes_nowhere(client, saml_idp, provider):
    response = client.get(f"/sso/saml/{SLUG}/logout/?token=made-up")

    assert response.status_code == 302
    assert not response["Location"].startswith(saml_idp.base)
    assert saml_idp.logouts == []


def test_no_logout_url_without_an_slo_service(saml_idp, provider):
    IdentityProvider.objects.filter(pk=provider.pk).update(
        metadata_xml=saml_idp.metadata.replace(
            f'<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
            f'Location="{saml_idp.base}/slo"/>',
            "",
        )
    )
    request = RequestFactory(HTTP_HOST="testserver").post("/accounts/logout/")

    assert saml.logout_url(request, slug=SLUG, name_id=EMAIL) is None
    assert saml.logout_url(request, slug="no-such-provider", name_id=EMAIL) is None


# --- settings and metadata ----------------------------------------------------------


def test_app_settings_from_metadata_xml(saml_idp, provider, settings):
    config = saml.app_settings(provider)

    assert config["idp"] == {
        "entity_id": saml_idp.entity_id,
        "sso_url": f"{saml_idp.base}/sso",
        "x509cert": saml_idp.cert,
        "slo_url": f"{saml_idp.base}/slo",
    }
    assert config["sp"]["entity_id"] == f"{settings.SITE_URL}/accounts/saml/{SLUG}/metadata/"
    advanced = config["advanced"]
    assert advanced["strict"] is True
    assert advanced["want_assertion_signed"] is True
    assert advanced["reject_idp_initiated_sso"] is True
    assert advanced["digest_algorithm"].endswith("sha256")
    assert (
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
        in (config["attribute_mapping"]["email"])
    )


def test_app_settings_from_a_metadata_url(office):
    idp = IdentityProvider(
        slug="okta",
        protocol="saml",
        office=office,
        entity_id="http://www.okta.com/exk1",
        metadata_url="https://example.okta.com/app/exk1/sso/saml/metadata",
    )

    config = saml.app_settings(idp)

    assert config["idp"]["entity_id"] == "http://www.okta.com/exk1"
    assert config["idp"]["metadata_url"] == idp.metadata_url


def test_parse_metadata_reads_the_identity_provider(saml_idp):
    parsed = saml.parse_metadata(saml_idp.metadata)

    assert parsed["entity_id"] == saml_idp.entity_id
    assert parsed["slo_url"] == f"{saml_idp.base}/slo"
    with pytest.raises(ValidationError, match="no identity provider with the entity ID"):
        saml.parse_metadata(saml_idp.metadata, entity_id="https://someone.else/")


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("", "Paste the identity provider"),
        ("<not xml", "not valid metadata XML"),
        (
            '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
            "not valid metadata XML",
        ),
        (
            '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
            'entityID="https://sp.example/"><md:SPSSODescriptor/></md:EntityDescriptor>',
            "describes no identity provider",
        ),
    ],
)
def test_parse_metadata_refuses_with_clear_messages(xml, message):
    with pytest.raises(ValidationError, match=message):
        saml.parse_metadata(xml)


def test_parse_metadata_needs_a_signing_certificate(saml_idp):
    without_cert = saml_idp.metadata.replace(saml_idp.cert, "not-base64!")
    with pytest.raises(ValidationError, match="certificate in the metadata cannot be read"):
        saml.parse_metadata(without_cert)


# --- the install ------------------------------------------------------------------


def test_xmlsec_imports_and_shares_libxml2_with_lxml():
    assert xmlsec.get_libxml_version() == lxml.etree.LIBXML_VERSION
    assert xmlsec.get_libxml_compiled_version() == lxml.etree.LIBXML_COMPILED_VERSION


# --- no 500s on allauth's SAML addresses ----------------------------------------------

ALLAUTH_SAML_REQUESTS = [
    ("get", "login/"),
    ("post", "login/"),
    ("get", "metadata/"),
    ("post", "acs/"),
    ("get", "acs/finish/"),
    ("get", "sls/"),
]


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def by_metadata_url(office, url: str, entity_id: str = "") -> IdentityProvider:
    idp = IdentityProvider.objects.create(
        name="Riverside County (metadata URL)",
        slug=SLUG,
        protocol=IdentityProvider.Protocol.SAML,
        office=office,
        metadata_url=url,
        entity_id=entity_id,
    )
    ProviderDomain.objects.create(provider=idp, domain="riverside.example")
    return idp


@pytest.mark.parametrize(("method", "tail"), ALLAUTH_SAML_REQUESTS)
def test_no_host_header_is_answered_for_the_servers_own_name(saml_idp, provider, method, tail):
    no_host = Client()  # like an HTTP/1.0 client: SERVER_NAME only, no Host header

    response = getattr(no_host, method)(f"/accounts/saml/{SLUG}/{tail}")

    # python3-saml reads the Host header itself; the portal fills it from get_host().
    assert response.status_code < 500


@pytest.mark.parametrize(("method", "tail"), ALLAUTH_SAML_REQUESTS)
def test_an_unknown_provider_is_not_found(client, method, tail):
    response = getattr(client, method)(f"/accounts/saml/no-such-provider/{tail}")

    assert response.status_code == 404


@pytest.mark.parametrize(
    "where",
    [
        "closed port",  # connection refused
        "not found",  # an HTTP error
        "not metadata",  # an answer that is no IdP metadata
        "other entity",  # metadata, but not of the configured entity ID
    ],
)
def test_metadata_that_cannot_be_fetched_gives_a_clear_502_page(client, saml_idp, office, where):
    url, entity_id = {
        "closed port": (f"http://127.0.0.1:{closed_port()}/metadata", ""),
        "not found": (f"{saml_idp.base}/nothing-here", ""),
        "not metadata": (f"{saml_idp.base}/sso", ""),
        "other entity": (saml_idp.entity_id, "https://someone.else/"),
    }[where]
    by_metadata_url(office, url, entity_id)

    for method, tail in [("get", "login/"), ("post", "login/"), ("get", "metadata/")]:
        response = getattr(client, method)(f"/accounts/saml/{SLUG}/{tail}")

        assert response.status_code == 502, (method, tail)
        assert "sso/unavailable.html" in [t.name for t in response.templates]
        assert b"Riverside County (metadata URL)" in response.content
    assert signed_in_user_id(client) is None
    # Single logout through such a provider is skipped, not an error.
    request = RequestFactory(HTTP_HOST="testserver").get("/")
    assert saml.logout_url(request, slug=SLUG, name_id=EMAIL) is None


def test_metadata_fixed_at_its_url_is_used_at_once(client, saml_idp, office):
    idp = by_metadata_url(office, saml_idp.entity_id, "https://someone.else/")
    assert client.get(f"/accounts/saml/{SLUG}/metadata/").status_code == 502

    IdentityProvider.objects.filter(pk=idp.pk).update(entity_id=saml_idp.entity_id)

    response = client.get(f"/accounts/saml/{SLUG}/metadata/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    saml_idp.trust_sp(response.content.decode())
    response = client.post(f"/accounts/saml/{SLUG}/login/")
    assert handed_over_to(response).startswith(f"{saml_idp.base}/sso?SAMLRequest=")


def test_sign_in_through_a_metadata_url(client, saml_idp, office, member):
    by_metadata_url(office, saml_idp.entity_id)
    response = client.get(f"/accounts/saml/{SLUG}/metadata/")
    assert response.status_code == 200
    saml_idp.trust_sp(response.content.decode())
    saml_idp.user = {"mail": EMAIL, "givenName": "Olivia", "sn": "Chen"}

    sign_in(client, saml_idp)

    assert signed_in_user_id(client) == str(member.pk)
