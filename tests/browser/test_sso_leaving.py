"""Leaving, in Chromium: the identity provider deactivates a person through SCIM while
their browser is signed in through that provider, and the next page finds them signed
out; signing out of the portal goes on to the provider's own sign-out."""

import requests
from django.urls import reverse

from accounts.models import AuditEntry
from sso.models import ScimClient, ScimUser
from sso.provisioning import scim_client_rotate

from .test_sso import pick_at_the_provider

SCIM = "application/scim+json"


def sign_in_through_the_provider(page, demo_idp, subject, console):
    page.goto("/sso/")
    page.get_by_label("Work email address").fill(subject)
    page.get_by_role("button", name="Continue", exact=True).click()
    page.get_by_role("button", name="Continue to").click()
    pick_at_the_provider(page, demo_idp, subject, console)
    page.get_by_role("button", name="Sign out").wait_for()


def test_scim_deactivation_signs_out_the_live_browser_session(
    page, riverside, demo_idp, live_server, world, console
):
    _provider, people = riverside
    official = people["official"]
    sign_in_through_the_provider(page, demo_idp, official.email, console)
    page.goto(reverse("accounts:my-account"))
    page.get_by_role("heading", level=1).wait_for()
    assert "/accounts/login/" not in page.url

    # The office's identity provider, as Entra ID does: create (userName is the address;
    # the demo's .test addresses are refused in "emails" by the SCIM schema), then patch.
    _client, token = scim_client_rotate(office=world.office, by=people["manager"])
    ScimClient.objects.filter(office=world.office).update(creates="official")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": SCIM, "Accept": SCIM}
    base = f"{live_server.url}/scim/v2"
    created = requests.post(
        f"{base}/Users",
        json={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": official.email,
            "name": {"givenName": "Olivia", "familyName": "Chen"},
            "active": True,
        },
        headers=headers,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    scim_id = created.json()["id"]
    assert ScimUser.objects.get(pk=scim_id).user_id == official.pk
    patched = requests.patch(
        f"{base}/Users/{scim_id}",
        json={
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
        },
        headers=headers,
        timeout=10,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["active"] is False

    # Mid-use: the very next page the browser asks for finds the session gone.
    page.reload()
    page.wait_for_url("**/accounts/login/**")
    assert page.get_by_role("button", name="Sign out").count() == 0
    assert AuditEntry.objects.filter(action="scim.user_deactivated").exists()
    official.refresh_from_db()
    assert official.active_membership is None


def test_signing_out_goes_on_to_the_providers_sign_out(page, riverside, demo_idp, console):
    _provider, people = riverside
    sign_in_through_the_provider(page, demo_idp, people["official"].email, console)

    page.get_by_role("button", name="Sign out").click()
    # The portal's hand-over page, then the demo provider's own end-session page.
    page.wait_for_url(f"{demo_idp}/oauth2/end_session**")
    assert "client_id=" in page.url
    page.goto("/")
    assert page.get_by_role("button", name="Sign out").count() == 0
