"""The language switcher in a real browser: keyboard, screen-reader names, axe-core."""

from ..factories import PASSWORD
from .conftest import sign_in


def test_a_visitor_switches_to_spanish_with_the_keyboard(page, edition, axe):
    page.goto("/standards/")
    switcher = page.get_by_role("group", name="Language")
    assert switcher.locator("[aria-current=true]").inner_text() == "English"
    spanish = switcher.get_by_role("button", name="Español")
    assert spanish.get_attribute("lang") == "es"
    spanish.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.documentElement.lang === 'es'")
    assert page.url.endswith("/standards/")
    assert page.get_by_role("link", name="Leer las normas").is_visible()
    statement = page.locator("p.statement").first
    assert statement.get_attribute("lang") == "en"
    axe(page, "standards-es")


def test_a_signed_in_choice_follows_the_person_to_a_new_browser(
    browser,
    live_server,
    world,
    cycle,
    axe,
):
    first = browser.new_context(base_url=live_server.url, locale="en-US").new_page()
    sign_in(first, world.official.email, PASSWORD)
    first.get_by_role("group", name="Language").get_by_role("button", name="Español").click()
    first.wait_for_function("document.documentElement.lang === 'es'")
    axe(first, "home-official-es")
    first.context.close()

    second = browser.new_context(base_url=live_server.url, locale="en-US").new_page()
    sign_in(second, world.official.email, PASSWORD)
    assert second.evaluate("document.documentElement.lang") == "es"
    assert second.get_by_role("group", name="Idioma").locator(
        "[aria-current=true]"
    ).inner_text() == ("Español")
    second.context.close()
