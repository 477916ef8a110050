"""Signing a pledge with the keyboard alone; every pledge page checked with axe-core."""

import re

from pledges.models import Pledge
from pledges.services import RequestMeta, pledge_sign

from ..factories import PASSWORD
from .conftest import office_menu, sign_in


def tab_to(page, name: str, limit: int = 80):
    """Press Tab until the focused element's accessible text contains `name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        text = page.evaluate(
            "() => { const e = document.activeElement;"
            " const label = e.labels && e.labels[0] ? e.labels[0].innerText : '';"
            " return (e.innerText || e.value || '') + ' ' + label"
            " + ' ' + (e.getAttribute('aria-label') || ''); }"
        )
        if name in text:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_an_official_signs_the_pledge_with_the_keyboard(page, world, cycle, axe):
    sign_in(page, world.official.email, PASSWORD)
    axe(page, "pledge-home-unsigned")
    tab_to(page, "Read and sign the pledge")
    page.keyboard.press("Enter")
    page.wait_for_url("**/pledges/sign/")
    assert "Sign the 2026 pledge" in page.get_by_role("heading", level=1).inner_text()
    axe(page, "pledge-sign")

    # The application items open from the keyboard.
    tab_to(page, "What this means in practice")
    page.keyboard.press("Enter")
    assert page.locator("details").first.evaluate("d => d.open")

    # Submitting without consent or a name shows the errors, linked to the fields.
    tab_to(page, "Sign the pledge")
    while page.evaluate("document.activeElement.tagName") != "BUTTON":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("#form-errors")
    assert page.evaluate("document.activeElement.id") == "form-errors"
    assert "Tick the box to agree" in page.content()
    axe(page, "pledge-sign-errors")

    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # past the summary links to the consent box
    tab_to(page, "I agree to sign this pledge electronically")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.type("Olivia Chen")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # be named on the public registry
    tab_to(page, "Sign the pledge")
    while page.evaluate("document.activeElement.tagName") != "BUTTON":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/pledges/\d+/$"))

    pledge = Pledge.objects.get(user=world.official)
    assert pledge.typed_name == "Olivia Chen" and pledge.listed_publicly
    assert pledge.code_display in page.content()
    axe(page, "pledge-detail")

    page.goto("/pledges/")
    axe(page, "pledge-list")
    page.goto(f"/pledges/{pledge.pk}/withdraw/")
    axe(page, "pledge-withdraw")
    page.goto("/")
    axe(page, "pledge-home-signed")


def test_the_public_verifies_a_pledge_and_reads_a_registry(page, world, cycle, axe):
    pledge, _ = pledge_sign(
        user=world.official,
        cycle=cycle,
        typed_name="Olivia Chen",
        consent=True,
        list_publicly=True,
        request_meta=RequestMeta(ip_address="203.0.113.1"),
    )
    world.office.publishes_registry = True
    world.office.save()
    page.goto("/pledges/verify/")
    axe(page, "pledge-verify-form")
    page.get_by_label("Verification code").focus()
    page.keyboard.type(pledge.verification_code.lower())
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/pledges/verify/\?code=\w+$"))
    assert "This pledge is valid and active." in page.content()
    axe(page, "pledge-verify-result")
    page.goto("/v/ABCDEFGHJKLMNPQR")
    assert "Not found" in page.content()
    axe(page, "pledge-verify-not-found")
    page.goto("/v/nonsense")
    axe(page, "pledge-verify-malformed")
    page.goto(f"/pledges/registry/{world.office.pk}/")
    assert "Olivia Chen" in page.content()
    axe(page, "pledge-registry")


def test_a_manager_follows_pledges_and_previews_a_reminder(page, world, cycle, axe):
    pledge_sign(
        user=world.official,
        cycle=cycle,
        typed_name="Olivia Chen",
        consent=True,
        request_meta=RequestMeta(),
    )
    sign_in(page, world.manager.email, PASSWORD)
    office_menu(page, "Office pledges")
    page.wait_for_url("**/pledges/office/")
    assert "Chain intact" in page.content()
    axe(page, "pledge-office")
    page.get_by_role("link", name=re.compile("Remind the")).click()
    page.wait_for_url("**/pledges/office/remind/")
    axe(page, "pledge-remind")
    page.get_by_role("button", name="Send the reminder").click()
    page.wait_for_url("**/pledges/office/")
    assert "Reminder sent to 4 people" in page.content()
    axe(page, "pledge-office-reminded")


def test_pledge_pages_work_on_a_small_screen(page, world, cycle, axe):
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, world.manager.email, PASSWORD)
    page.goto("/pledges/sign/")
    axe(page, "pledge-sign-320")
    page.goto("/pledges/office/")
    axe(page, "pledge-office-320")
    page.goto("/pledges/office/remind/")
    axe(page, "pledge-remind-320")
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow


def test_a_differing_name_is_confirmed_with_the_keyboard_and_shown(page, world, cycle, axe):
    sign_in(page, world.official.email, PASSWORD)
    page.goto("/pledges/sign/")
    page.locator("#id_consent").check()
    page.locator("#id_typed_name").fill("Olivia Official")
    page.locator("#id_typed_name").press("Enter")
    page.wait_for_selector("#form-errors")
    assert page.evaluate("document.activeElement.id") == "form-errors"
    assert "differs from the name on your account, “Olivia Chen”" in page.content()
    axe(page, "pledge-sign-name-differs")

    # The summary links to the confirmation box, which the person ticks and submits.
    page.keyboard.press("Tab")
    while page.evaluate("document.activeElement.getAttribute('href')") != "#id_name_confirmed":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "id_name_confirmed"
    page.keyboard.press("Space")
    tab_to(page, "Sign the pledge")
    while page.evaluate("document.activeElement.tagName") != "BUTTON":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/pledges/\d+/$"))

    pledge = Pledge.objects.get(user=world.official)
    assert (pledge.typed_name, pledge.account_name, pledge.name_mismatch) == (
        "Olivia Official",
        "Olivia Chen",
        True,
    )
    assert "name on the account: Olivia Chen" in page.content()
    axe(page, "pledge-detail-name-differs")
    page.goto(f"/v/{pledge.code_display}")
    assert "name on the account: Olivia Chen" in page.content()
    assert pledge.code_display in page.content()
    axe(page, "pledge-verify-name-differs")
