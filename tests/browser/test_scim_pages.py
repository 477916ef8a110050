"""An office manager's SCIM pages in the browser: the token shown once, the setting, and
the people waiting for a decision, each checked with axe."""

from sso.models import ScimClient, ScimUser

from ..factories import PASSWORD


def test_a_manager_issues_a_token_chooses_officials_and_confirms_a_person(page, world, axe):
    ScimUser.objects.create(
        office=world.office,
        user_name="jordan.lee@example.org",
        email="jordan.lee@example.org",
        full_name="Jordan Lee",
        state=ScimUser.State.PENDING,
    )
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(world.manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto("/sso/scim/")
    axe(page, "scim-settings-empty")

    page.get_by_role("button", name="Create a token").click()
    page.wait_for_selector("#scim-token")
    axe(page, "scim-token-shown")
    token = page.get_by_label("Secret token").input_value()
    assert token.startswith("scim_")
    page.goto("/sso/scim/")
    assert token not in page.content()

    page.get_by_label("Officials, at once").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/sso/scim/")
    assert ScimClient.objects.get(office=world.office).creates == "official"
    axe(page, "scim-settings")

    page.get_by_role("link", name="1 person waits for your decision").click()
    page.wait_for_url("**/sso/scim/pending/")
    axe(page, "scim-pending")
    page.get_by_role("button", name="Confirm jordan.lee@example.org").click()
    page.wait_for_url("**/sso/scim/pending/")
    axe(page, "scim-pending-invited")
    assert "Confirmed, invitation not yet accepted" in page.content()
