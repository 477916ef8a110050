"""Signing in with one's organisation through SAML, in Chromium.

The identity provider is pysaml2 (tests/sso/saml_idp.py) on a free port of 127.0.0.1,
signing its assertions with xmlsec1. Its SSO service answers with its own page: an HTML
form that posts the SAMLResponse to the portal's ACS and submits itself on load (a
"Continue" button when scripts are off). The portal's IdentityProvider row holds the
provider's metadata XML, as an administrator pastes it; the provider trusts the portal's
SP metadata (/accounts/saml/<slug>/metadata/).

Every portal page on the way is checked with axe at 1280 and 320 px: the sign-in page
with its organisation section, the organisation chooser (/sso/), allauth's "Continue
to" page, the refusal page, the authentication error page and the "not available" page.
"""

import socket
import urllib.request
from urllib.parse import urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount

from accounts.models import AuditEntry, Membership
from sso.models import IdentityProvider, ProviderDomain

from ..factories import MembershipFactory
from ..sso.saml_idp import MFA, saml_idp_fixture  # noqa: F401
from .test_keyboard import active, press, tab_to

WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 320, "height": 800}
SLUG = "riverside-saml"
NAME = "Riverside County (test IdP)"
CONTINUE = f"Continue to {NAME}"
EMAIL = "olivia.chen@riverside.example"
OUTSIDER = "lee.park@riverside.example"  # same domain, but a member of another office

# Only 127.0.0.1, never through a proxy from the environment.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def riverside_saml(world, saml_idp, live_server):
    """Riverside's SAML provider, trusted both ways, and its official Olivia Chen."""
    provider = IdentityProvider.objects.create(
        name=NAME,
        slug=SLUG,
        protocol=IdentityProvider.Protocol.SAML,
        office=world.office,
        metadata_xml=saml_idp.metadata,
        trust_mfa=True,
    )
    ProviderDomain.objects.create(provider=provider, domain="riverside.example")
    # The provider's administrator loads the portal's SP metadata, from the address
    # the browser will use (its ACS address is the one in the AuthnRequest).
    with _opener.open(f"{live_server.url}/accounts/saml/{SLUG}/metadata/", timeout=10) as reply:
        saml_idp.trust_sp(reply.read().decode())
    member = MembershipFactory(
        office=world.office,
        role=Membership.Role.OFFICIAL,
        user__email=EMAIL,
        user__full_name="Olivia Chen",
    ).user
    outsider = MembershipFactory(
        office=world.other_office,
        role=Membership.Role.OFFICIAL,
        user__email=OUTSIDER,
        user__full_name="Lee Park",
    ).user
    return provider, member, outsider


def person(email: str, first: str, last: str) -> dict:
    """What the identity provider asserts about the person signing in."""
    return {"mail": email, "givenName": first, "sn": last}


def axe_both_widths(page, axe, name: str):
    page.set_viewport_size(WIDE)
    axe(page, f"{name}-1280")
    page.set_viewport_size(NARROW)
    axe(page, f"{name}-320")
    page.set_viewport_size(WIDE)


def hold_at_the_hand_over(page, saml_idp):
    """Keep the browser on the portal's hand-over page: the provider answers 204 for a
    while, so the page's Refresh goes nowhere."""
    page.route(f"{saml_idp.base}/**", lambda route: route.fulfill(status=204))


def release_and_continue(page, saml_idp, axe, name: str, link_name: str):
    """Check the held hand-over page with axe, then follow its link by hand."""
    page.locator("h1").wait_for()
    axe_both_widths(page, axe, name)
    page.unroute(f"{saml_idp.base}/**")
    page.get_by_role("link", name=link_name).click()


def back_at_the_portal(page, live_server, path: str):
    """Wait until the IdP's self-submitting page has posted back and the portal has
    answered at `path`."""
    page.wait_for_url(f"{live_server.url}{path}")


def test_an_official_signs_in_with_her_work_email_through_saml(
    page, axe, live_server, saml_idp, riverside_saml
):
    provider, member, _outsider = riverside_saml
    saml_idp.user = person(EMAIL, "Olivia", "Chen")
    saml_idp.authn_context = MFA
    page.set_viewport_size(WIDE)

    page.goto("/accounts/login/")
    section = page.get_by_role("region", name="Sign in with your organisation")
    section.wait_for()
    axe_both_widths(page, axe, "saml-login")
    section.get_by_label("Work email address").fill(EMAIL)
    section.get_by_role("button", name="Continue with your organisation").click()

    page.get_by_role("heading", level=1, name=CONTINUE).wait_for()
    assert urlsplit(page.url).path == f"/accounts/saml/{SLUG}/login/"
    axe_both_widths(page, axe, "saml-continue")
    hold_at_the_hand_over(page, saml_idp)
    page.get_by_role("button", name=CONTINUE).click()
    # The portal hands over with a Refresh header, not a redirect after the form
    # (CSP form-action 'self' would block that).
    page.get_by_role("heading", level=1, name=f"Taking you to {NAME}").wait_for()
    release_and_continue(page, saml_idp, axe, "saml-hand-over", CONTINUE)

    # The IdP's own page posts the signed assertion back to the portal's ACS.
    back_at_the_portal(page, live_server, "/")
    page.get_by_role("button", name="Sign out").wait_for()
    assert saml_idp.last_response

    link = SocialAccount.objects.get(user=member)
    assert link.provider == SLUG
    assert link.extra_data["_portal"]["issuer"] == saml_idp.entity_id
    assert link.extra_data["_portal"]["authn_context"] == [MFA]
    assert AuditEntry.objects.filter(action="sso.linked", office=provider.office).exists()

    # Signing out of the portal goes on to the provider's single logout, and back.
    hold_at_the_hand_over(page, saml_idp)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", level=1, name="You have signed out of the portal").wait_for()
    release_and_continue(page, saml_idp, axe, "saml-signed-out", CONTINUE)
    page.wait_for_url(lambda url: url.startswith(live_server.url) and "/sso/" not in url)
    page.locator("h1").wait_for()
    assert saml_idp.logouts == [EMAIL]
    assert page.get_by_role("button", name="Sign out").count() == 0


def test_a_person_of_another_office_picks_riverside_and_is_refused(
    page, axe, live_server, saml_idp, riverside_saml
):
    _provider, _member, outsider = riverside_saml
    saml_idp.user = person(OUTSIDER, "Lee", "Park")
    page.set_viewport_size(WIDE)

    page.goto("/sso/")
    page.get_by_role("heading", level=1, name="Sign in with your organisation").wait_for()
    axe_both_widths(page, axe, "saml-chooser")
    page.get_by_role("button", name=f"Sign in with {NAME}").click()

    page.get_by_role("heading", level=1, name="You need an invitation").wait_for()
    assert page.url.startswith(live_server.url)
    axe_both_widths(page, axe, "saml-refused")
    assert page.get_by_role("button", name="Sign out").count() == 0
    assert not SocialAccount.objects.exists()
    assert AuditEntry.objects.filter(action="sso.refused").exists()
    assert outsider.socialaccount_set.count() == 0


def test_an_expired_assertion_ends_on_the_authentication_error_page(
    page, axe, live_server, saml_idp, riverside_saml
):
    saml_idp.user = person(EMAIL, "Olivia", "Chen")
    saml_idp.mode = "expired"
    page.set_viewport_size(WIDE)

    page.goto("/sso/")
    page.get_by_role("button", name=f"Sign in with {NAME}").click()

    page.get_by_role("heading", level=1, name="Sign-in through your organisation failed").wait_for()
    assert page.url.startswith(live_server.url)
    axe_both_widths(page, axe, "saml-auth-error")
    assert page.get_by_role("button", name="Sign out").count() == 0
    assert not SocialAccount.objects.exists()


def test_a_provider_whose_metadata_cannot_be_fetched_shows_a_clear_page(
    page, axe, live_server, world
):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    IdentityProvider.objects.create(
        name=NAME,
        slug=SLUG,
        protocol=IdentityProvider.Protocol.SAML,
        office=world.office,
        metadata_url=f"http://127.0.0.1:{closed}/metadata",
    )
    page.set_viewport_size(WIDE)

    page.goto("/sso/")
    page.get_by_role("button", name=f"Sign in with {NAME}").click()

    heading = "Sign-in through your organisation is not available"
    page.get_by_role("heading", level=1, name=heading).wait_for()
    axe_both_widths(page, axe, "saml-unavailable")
    response = page.request.get(f"/accounts/saml/{SLUG}/metadata/")
    assert response.status == 502


def test_signing_in_through_saml_with_the_keyboard_alone(
    page, live_server, saml_idp, riverside_saml
):
    _provider, member, _outsider = riverside_saml
    saml_idp.user = person(EMAIL, "Olivia", "Chen")
    page.set_viewport_size(WIDE)
    page.goto("/accounts/login/")

    tab_to(page, lambda element: element["id"] == "id_sso_email")
    page.keyboard.type(EMAIL)
    tab_to(page, lambda element: element["text"] == "Continue with your organisation")
    press(page, "Enter")

    page.get_by_role("heading", level=1, name=CONTINUE).wait_for()
    tab_to(page, lambda element: element["text"] == CONTINUE)
    page.keyboard.press("Enter")

    back_at_the_portal(page, live_server, "/")
    page.get_by_role("button", name="Sign out").wait_for()
    assert SocialAccount.objects.filter(user=member, provider=SLUG).exists()
    tab_to(page, lambda element: element["text"] == "Sign out")
    assert active(page)["tag"] == "button"
