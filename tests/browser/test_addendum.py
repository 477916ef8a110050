"""A manager publishes the office's oath addendum and requires it; an official signs the
pledge and the addendum in one act and finds both fingerprints on the public page. Every
page checked with axe-core at 1280 and 320 pixels wide."""

import re

from django.urls import reverse

from pledges.models import OathAddendum, Pledge

from ..factories import PASSWORD
from .conftest import office_menu, sign_in

TEXT = (
    "Fictional State of Example — demonstration oath addendum, not legal text.\n\n"
    "I affirm that I will keep the fictional ballot room locked."
)


def check_widths(page, axe, name: str):
    """axe at a desktop width and at 320 px (400 % zoom of 1280), with no sideways scroll."""
    page.set_viewport_size({"width": 1280, "height": 900})
    axe(page, f"{name}-1280")
    page.set_viewport_size({"width": 320, "height": 800})
    axe(page, f"{name}-320")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"{name} scrolls sideways by {overflow}px at 320px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_manager_publishes_and_an_official_signs_both_in_one_act(
    page, browser, live_server, world, cycle, axe
):
    sign_in(page, world.manager.email, PASSWORD)
    office_menu(page, "Oath addendum")
    page.wait_for_url("**/pledges/addenda/office/")
    assert "The pledge alone" in page.content()
    check_widths(page, axe, "addendum-list-empty")

    page.get_by_role("link", name="Write the oath addendum").click()
    page.wait_for_url("**/pledges/addenda/office/new/")
    check_widths(page, axe, "addendum-create")
    page.get_by_role("button", name="Save the draft").click()  # empty: refused, explained
    page.wait_for_selector("#form-errors")
    check_widths(page, axe, "addendum-create-errors")
    page.get_by_label("Title").fill("Example oath of office")
    page.get_by_label("Text of the oath addendum").fill(TEXT)
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_url(re.compile(r".*/pledges/addenda/\d+/$"))
    assert "This is a draft" in page.content()
    check_widths(page, axe, "addendum-draft")

    page.get_by_role("link", name="Change the draft").click()
    check_widths(page, axe, "addendum-edit")
    page.get_by_role("link", name="Cancel").click()
    page.get_by_role("link", name="Publish this version").click()
    page.wait_for_url(re.compile(r".*/publish/$"))
    check_widths(page, axe, "addendum-publish")
    page.get_by_role("button", name="Publish version 1").click()
    page.wait_for_url(re.compile(r".*/pledges/addenda/\d+/$"))
    addendum = OathAddendum.objects.get()
    assert addendum.is_published and addendum.text_sha256 in page.content()
    check_widths(page, axe, "addendum-published")

    page.goto("/pledges/addenda/office/")
    page.get_by_role("link", name="Choose what your people sign").click()
    page.wait_for_url("**/pledges/addenda/office/requirement/")
    check_widths(page, axe, "addendum-requirement")
    page.get_by_label(re.compile("Our office's own oath addendum")).check()
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/pledges/addenda/office/")
    assert "Example oath of office" in page.content()
    check_widths(page, axe, "addendum-list")

    # The official, in a browser of their own.
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    official = context.new_page()
    official.set_default_timeout(10_000)
    sign_in(official, world.official.email, PASSWORD)
    official.goto("/pledges/sign/")
    body = official.content()
    assert body.index("I uphold the Constitution") < body.index("fictional ballot room")
    assert addendum.text_sha256 in body
    check_widths(official, axe, "addendum-sign")
    official.get_by_label(re.compile("I have read the pledge and the oath addendum")).check()
    official.get_by_label("Your full name (your signature)").fill("Olivia Chen")
    official.get_by_role("button", name="Sign the pledge and the oath addendum").click()
    official.wait_for_url(re.compile(r".*/pledges/\d+/$"))
    pledge = Pledge.objects.get(user=world.official)
    assert pledge.addendum == addendum and pledge.addendum_sha256 == addendum.text_sha256
    assert addendum.text_sha256 in official.content()
    check_widths(official, axe, "addendum-pledge-detail")

    # Anyone holding the code sees both fingerprints.
    public = browser.new_context(base_url=live_server.url, locale="en-US").new_page()
    public.goto(f"/v/{pledge.verification_code}")
    content = public.content()
    assert pledge.text_sha256 in content and addendum.text_sha256 in content
    assert "Example oath of office" in content and "version 1" in content
    check_widths(public, axe, "addendum-verify")
    public.context.close()
    context.close()


def test_the_associations_addendum_pages_pass_axe(page, world, axe):
    sign_in(page, world.association_admin.email, PASSWORD)
    page.goto(reverse("accounts:association-detail", args=[world.association.pk]))
    page.get_by_role(
        "link", name="Write, publish and see the versions of the oath addendum"
    ).click()
    page.wait_for_url(f"**/pledges/addenda/association/{world.association.pk}/")
    check_widths(page, axe, "addendum-association")
    page.get_by_role("link", name="Write the oath addendum").click()
    page.get_by_label("Title").fill("State oath")
    page.get_by_label("Text of the oath addendum").fill(TEXT)
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_url(re.compile(r".*/pledges/addenda/\d+/$"))
    check_widths(page, axe, "addendum-association-draft")
