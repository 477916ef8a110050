"""Identity providers and role suggestions in the browser, each page checked with axe."""

from sso.models import IdentityProvider, RoleSuggestion

from ..factories import PASSWORD
from .conftest import MFA_CODE_PATH, enter_mfa_code, office_menu

SECRET = "typed-once-never-shown"


def sign_in(page, email: str):
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if MFA_CODE_PATH in page.url:
        enter_mfa_code(page, email)


def test_an_association_admin_registers_a_provider_and_never_sees_its_secret(page, world, axe):
    sign_in(page, world.association_admin.email)
    page.goto("/")
    page.get_by_role("link", name="Identity providers").first.click()
    page.wait_for_url("**/sso/providers/")
    axe(page, "sso-provider-list-empty")
    page.get_by_role("link", name="Register an identity provider").click()
    page.wait_for_url("**/sso/providers/new/")
    axe(page, "sso-provider-form")

    page.get_by_label("Name shown on the sign-in page").fill("Centennial Okta")
    page.get_by_label("Short name").fill("centennial-okta")
    page.get_by_label("Office or association").select_option(label=world.association.name)
    page.get_by_label("OpenID Connect", exact=True).check()
    page.get_by_label("Discovery URL").fill("https://centennial.okta.example/")
    page.get_by_label("Client ID").fill("portal")
    page.get_by_label("Client secret").fill(SECRET)
    # A domain another provider holds would be refused; a bad one is said so at once.
    page.get_by_label("Email domains").fill("not a domain")
    page.get_by_role("button", name="Register provider").click()
    page.wait_for_selector(".invalid-feedback")
    assert "is not an email domain" in page.content()
    assert SECRET not in page.content()
    axe(page, "sso-provider-form-errors")

    page.get_by_label("Client secret").fill(SECRET)
    page.get_by_label("Email domains").fill("centennial.example.org")
    page.get_by_label("Suggested role for each group").fill("Centennial-Admins = manager")
    page.get_by_role("button", name="Register provider").click()
    page.wait_for_url("**/sso/providers/*/")
    provider = IdentityProvider.objects.get()
    assert provider.association == world.association
    assert "/accounts/oidc/centennial-okta/login/callback/" in page.content()
    assert SECRET not in page.content()
    axe(page, "sso-provider-detail")

    page.get_by_role("link", name="Change").click()
    page.wait_for_url("**/edit/")
    assert SECRET not in page.content()
    assert page.get_by_label("Client secret").input_value() == ""


def test_a_manager_reads_the_offices_provider_and_accepts_a_suggestion(page, world, axe):
    provider = IdentityProvider.objects.create(
        name="Riverside Entra ID",
        slug="riverside-entra",
        protocol="oidc",
        office=world.office,
        server_url="https://login.example.gov",
        client_id="portal",
    )
    RoleSuggestion.objects.create(
        membership=world.colleague.active_membership,
        provider=provider,
        role="supervisor",
        claim_value="Elections-Supervisors",
    )
    sign_in(page, world.manager.email)
    office_menu(page, "Identity providers")
    page.wait_for_url("**/sso/providers/")
    axe(page, "sso-provider-list")
    page.get_by_role("link", name="Riverside Entra ID").click()
    page.wait_for_url(f"**/sso/providers/{provider.pk}/")
    assert page.get_by_role("link", name="Change").count() == 0
    axe(page, "sso-provider-detail-read-only")

    office_menu(page, "Role suggestions")
    page.wait_for_url("**/sso/suggestions/")
    axe(page, "sso-suggestions")
    page.get_by_role("button", name=f"Accept {world.colleague.full_name}").click()
    page.wait_for_url("**/sso/suggestions/")
    assert world.colleague.memberships.get(ended_at__isnull=True).role == "supervisor"
    assert "No suggestions are waiting." in page.content()
    axe(page, "sso-suggestions-decided")
