"""Signing in with one's organisation in Chromium, through the demo identity provider.

The provider is the one `make run` starts (demo/idp.py: oidc-provider-mock with
Riverside's demo people), served from a thread on a free port of 127.0.0.1; the
portal's IdentityProvider row points to it, as seed_demo's does. Every page on the way
is checked with axe at 1280 and 320 px: the sign-in page with its organisation section,
the organisation chooser (/sso/), allauth's "Continue to" page and the refusal page.
"""

import requests
from allauth.socialaccount.models import SocialAccount

from accounts.models import AuditEntry, Membership, User
from demo.idp import (
    DEMO_IDP_NAME,
    DEMO_IDP_SLUG,
)
from sso.models import RoleSuggestion

from ..factories import MembershipFactory

WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 320, "height": 800}
CONTINUE = f"Continue to {DEMO_IDP_NAME}"


def axe_both_widths(page, axe, name: str):
    page.set_viewport_size(WIDE)
    axe(page, f"{name}-1280")
    page.set_viewport_size(NARROW)
    axe(page, f"{name}-320")
    page.set_viewport_size(WIDE)


def pick_at_the_provider(page, demo_idp: str, subject: str, console: list[str]):
    """On the demo provider's page: click a predefined person, or type a subject."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_url(f"{demo_idp}/oauth2/authorize**")
    except PlaywrightTimeout:
        raise AssertionError(
            f"The browser never reached the identity provider (still at {page.url}); "
            f"the browser's console said: {console}"
        ) from None
    button = page.get_by_role("button", name=f"Authorize as {subject}")
    if button.count():
        button.first.click()
    else:
        page.get_by_label("Subject").fill(subject)
        page.get_by_role("button", name="Authorize", exact=True).click()


def test_a_riverside_official_signs_in_with_her_work_email(page, axe, riverside, demo_idp, console):
    provider, people = riverside
    page.goto("/accounts/login/")
    section = page.get_by_role("region", name="Sign in with your organisation")
    section.wait_for()
    axe_both_widths(page, axe, "sso-login")

    section.get_by_label("Work email address").fill("official@demo.test")
    section.get_by_role("button", name="Continue with your organisation").click()
    page.get_by_role("heading", name=CONTINUE).wait_for()
    axe_both_widths(page, axe, "sso-continue")
    page.get_by_role("button", name=CONTINUE).click()

    pick_at_the_provider(page, demo_idp, "official@demo.test", console)
    page.wait_for_url(lambda url: not url.startswith(demo_idp))
    page.get_by_role("button", name="Sign out").wait_for()
    assert "/accounts/login/" not in page.url

    official = people["official"]
    link = SocialAccount.objects.get(user=official)
    assert (link.provider, link.uid) == (DEMO_IDP_SLUG, "official@demo.test")
    assert AuditEntry.objects.filter(action="sso.linked", office=provider.office).exists()
    # The provider's team-lead group suggests a role; it changes nothing by itself.
    suggestion = RoleSuggestion.objects.get(membership__user=official)
    assert suggestion.role == Membership.Role.SUPERVISOR and suggestion.decided_at is None
    assert User.objects.get(pk=official.pk).active_membership.role == Membership.Role.OFFICIAL


def test_the_manager_picks_riverside_from_the_list_and_its_mfa_is_trusted(
    page, axe, riverside, demo_idp, settings, console
):
    settings.MFA_REQUIRED = True  # a manager must have a second step
    page.goto("/sso/")
    page.get_by_role("heading", level=1, name="Sign in with your organisation").wait_for()
    axe_both_widths(page, axe, "sso-chooser")

    page.get_by_role("button", name=f"Sign in with {DEMO_IDP_NAME}").click()
    pick_at_the_provider(page, demo_idp, "manager@demo.test", console)
    page.get_by_role("button", name="Sign out").wait_for()
    # The provider proved MFA (amr "mfa") and is trusted: no code, no set-up demanded.
    assert "/accounts/2fa/" not in page.url
    page.goto("/people/")
    page.wait_for_url("**/people/")
    assert SocialAccount.objects.filter(user=riverside[1]["manager"]).exists()


def test_a_person_of_another_office_is_refused_and_nothing_is_created(
    page, axe, riverside, demo_idp, world, console
):
    lakeside = MembershipFactory(
        office=world.other_office, user__email="lakeside.official@demo.test"
    ).user
    # The provider vouches for the address: verified, in the listed domain.
    response = requests.put(
        f"{demo_idp}/users/lakeside.official@demo.test",
        json={
            "email": "lakeside.official@demo.test",
            "email_verified": True,
            "name": "Lee Side",
            "amr": ["pwd", "mfa"],
        },
        timeout=5,
    )
    assert response.status_code == 204
    users = User.objects.count()

    page.goto("/sso/")
    page.get_by_label("Work email address").fill("lakeside.official@demo.test")
    page.get_by_role("button", name="Continue", exact=True).click()
    page.get_by_role("button", name=CONTINUE).click()
    pick_at_the_provider(page, demo_idp, "lakeside.official@demo.test", console)

    page.get_by_role("heading", level=1, name="You need an invitation").wait_for()
    axe_both_widths(page, axe, "sso-refused")
    assert page.get_by_role("button", name="Sign out").count() == 0
    assert not SocialAccount.objects.exists()
    assert User.objects.count() == users
    assert lakeside.active_membership.office == world.other_office
    assert AuditEntry.objects.filter(action="sso.refused").exists()


def test_a_subject_typed_at_the_provider_without_a_verified_email_is_refused(
    page, riverside, demo_idp, console
):
    page.goto("/sso/")
    page.get_by_role("button", name=f"Sign in with {DEMO_IDP_NAME}").click()
    pick_at_the_provider(page, demo_idp, "stranger@demo.test", console)
    page.get_by_role("heading", level=1, name="You need an invitation").wait_for()
    page.get_by_text("did not confirm a verified email address").wait_for()
    assert not User.objects.filter(email="stranger@demo.test").exists()
    assert not SocialAccount.objects.exists()
