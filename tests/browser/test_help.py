from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import User

from ..factories import PASSWORD
from .conftest import sign_in


def test_an_official_reads_the_introduction_and_dismisses_it_with_the_keyboard(
    page, world, cycle, axe
):
    sign_in(page, world.official.email, PASSWORD)
    page.goto("/")
    panel = page.get_by_role("region", name="Getting started")
    assert panel.get_by_role("link", name="Sign this cycle's pledge.").is_visible()
    axe(page, "home-introduction")
    panel.get_by_role("button", name="Got it").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/#main")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.get_by_role("region", name="Getting started").count() == 0
    expect(page.get_by_role("status")).to_contain_text("Help has a link to show it again.")
    assert User.objects.get(pk=world.official.pk).welcomed_at is not None

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Help").click()
    page.wait_for_url("**" + reverse("help:help-index"))
    axe(page, "help-index")
    page.get_by_role("link", name="Show the introduction again").click()
    assert page.get_by_role("region", name="Getting started").is_visible()


def test_the_public_reads_every_help_page(page, edition, axe):
    page.goto(reverse("help:help-index"))
    for name in [
        "The pledge",
        "The rating scale",
        "Self-assessment and review",
        "Who sees what",
        "Accessibility and language",
    ]:
        page.get_by_role("main").get_by_role("list").first.get_by_role(
            "link", name=name, exact=True
        ).click()
        assert page.get_by_role("heading", level=1).inner_text() == name
        axe(page)
        page.goto(reverse("help:help-index"))
    page.goto(reverse("help:help-rating-scale"))
    assert page.locator(".rating-levels dt").count() == 4
