from ..factories import PASSWORD
from .conftest import office_menu, sign_in


def test_the_public_reads_the_standards(page, edition, axe):
    page.goto("/standards/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Standards of Conduct")
    assert page.locator(".item-title").count() == 38
    axe(page, "standards")


def test_public_home_and_sign_in_page_are_accessible(page, db, axe):
    page.goto("/")
    axe(page, "home-public")
    page.get_by_role("link", name="Sign in").first.click()
    page.wait_for_url("**/accounts/login/")
    axe(page, "sign-in")


def test_an_official_signs_in_with_the_keyboard_and_sees_the_home_page(page, world, cycle, axe):
    page.goto("/accounts/login/")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to main content"
    page.locator("#id_login").focus()
    page.keyboard.type(world.official.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    assert "Welcome" in page.get_by_role("heading", level=1).inner_text()
    axe(page, "home-official")


def test_a_manager_sees_the_people_page(page, world, cycle, axe):
    sign_in(page, world.manager.email, PASSWORD)
    office_menu(page, "People")
    assert world.official.full_name in page.content()
    axe(page, "people-list")


def test_a_wrong_password_is_announced(page, world, axe):
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(world.official.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign In", exact=True).click()
    assert "not correct" in page.content()
    axe(page, "sign-in-error")
