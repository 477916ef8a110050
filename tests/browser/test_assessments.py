"""An official assesses with the keyboard; the supervisor returns, then accepts."""

import pytest

from assessments.models import Assessment, ItemResponse
from pledges.models import ApplicationItem

from ..factories import PASSWORD
from .conftest import office_menu, sign_in


def _items(cycle):
    return list(
        ApplicationItem.objects.filter(standard__edition=cycle.edition)
        .select_related("standard")
        .order_by("position")
    )


def _choose(page, item, value):
    """Pick a rating the way a keyboard user does: focus the option and press Space."""
    radio = page.locator(f"#id_item_{item.pk}_rating_{value}")
    radio.focus()
    page.keyboard.press("Space")
    assert radio.is_checked()


def _press(page, name):
    button = page.get_by_role("button", name=name, exact=True).last
    button.focus()
    page.keyboard.press("Enter")


@pytest.fixture
def second_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_an_official_assesses_and_a_supervisor_returns_then_accepts(
    page, second_page, world, cycle, axe
):
    items = _items(cycle)
    sign_in(page, world.official.email, PASSWORD)
    page.get_by_role("link", name="My assessment").click()
    axe(page, "assessment-start")
    _press(page, "Start a new assessment")
    page.wait_for_url("**/edit/")
    axe(page, "assessment-edit-empty")

    # Part of the form, then save.
    for item, value in zip(items[:4], ["3", "2", "4", "1"], strict=True):
        _choose(page, item, value)
    page.locator(f"#id_item_{items[4].pk}_rating_na").focus()
    page.keyboard.press("Space")
    page.locator(f"#id_item_{items[4].pk}_na_reason").focus()
    page.keyboard.type("I do not handle ballots")
    page.locator(f"#id_item_{items[0].pk}_comment").focus()
    page.keyboard.type("I keep a checklist.")
    assert "5 of 5 answered" in page.locator("nav.progress-nav").inner_text()
    _press(page, "Save draft")
    page.get_by_text("Your answers are saved").wait_for()

    # Leave and come back: the answers are kept.
    page.reload()
    assert page.locator(f"#id_item_{items[1].pk}_rating_2").is_checked()
    assert page.locator(f"#id_item_{items[4].pk}_rating_na").is_checked()
    assert page.locator(f"#id_item_{items[0].pk}_comment").input_value() == "I keep a checklist."
    assert "5 of 38 items answered" in page.content()
    axe(page, "assessment-edit-partial")

    # A failed save moves focus to the error summary.
    page.locator(f"#id_item_{items[5].pk}_rating_na").focus()
    page.keyboard.press("Space")
    _press(page, "Save draft")
    page.wait_for_selector("#error-summary")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    axe(page, "assessment-edit-error")
    page.locator(f"#id_item_{items[5].pk}_na_reason").focus()
    page.keyboard.type("Handled by the state")

    # Complete the rest with the keyboard and submit.
    for index, item in enumerate(items[6:]):
        _choose(page, item, str(1 + index % 4))
    _press(page, "Save and review before submitting")
    page.wait_for_url("**/submit/")
    axe(page, "assessment-submit")
    page.get_by_label("Note to your reviewer (optional)").focus()
    page.keyboard.type("Ready for your review.")
    _press(page, "Submit for review")
    page.get_by_text("Your assessment is submitted for review.").wait_for()
    axe(page, "assessment-detail-submitted")
    assert ItemResponse.objects.filter(assessment__user=world.official).count() == 38

    # The supervisor returns it with a note and an item note.
    sign_in(second_page, world.supervisor.email, PASSWORD)
    second_page.get_by_role("link", name="Team", exact=True).click()
    axe(second_page, "assessment-team")
    second_page.get_by_role("link", name=f"Review {world.official.full_name}").click()
    second_page.wait_for_url("**/review/")
    axe(second_page, "assessment-review")
    second_page.locator(f"#id_review_{items[0].pk}_rating").select_option("1")
    assert "Gap of -2 points" in second_page.locator(f"#review-item-{items[0].pk}").inner_text()
    second_page.locator(f"#id_review_{items[0].pk}_comment").fill("Show me the checklist.")
    second_page.get_by_label("Return for revision").check()
    second_page.get_by_label("Note to the official").fill("Please add examples to standard 1.")
    _press(second_page, "Record the decision")
    second_page.get_by_text("The assessment is returned for revision.").wait_for()

    # The official sees the feedback, revises and resubmits.
    page.goto(f"/assessments/{_pk(world)}/edit/")
    assert "Please add examples to standard 1." in page.content()
    assert "Show me the checklist." in page.content()
    axe(page, "assessment-edit-returned")
    page.locator(f"#id_item_{items[1].pk}_comment").fill("I read the statutes every quarter.")
    _press(page, "Save and review before submitting")
    page.wait_for_url("**/submit/")
    _press(page, "Submit for review")
    page.get_by_text("Your assessment is submitted for review.").wait_for()

    # The supervisor accepts.
    second_page.goto(f"/assessments/{_pk(world)}/review/")
    second_page.get_by_label("Accept", exact=True).check()
    _press(second_page, "Record the decision")
    second_page.get_by_text("The assessment is accepted.").wait_for()
    assert Assessment.objects.get(user=world.official).state == "accepted"

    page.goto(f"/assessments/{_pk(world)}/")
    assert "Accepted" in page.content()
    axe(page, "assessment-detail-accepted")
    page.get_by_role("link", name="Results", exact=True).click()
    axe(page, "assessment-results")


def _pk(world):
    return Assessment.objects.get(user=world.official).pk


def test_the_form_works_on_a_narrow_screen(page, world, cycle, axe):
    page.set_viewport_size({"width": 320, "height": 800})
    sign_in(page, world.official.email, PASSWORD)
    page.goto("/assessments/")
    page.get_by_role("button", name="Start a new assessment").click()
    page.wait_for_url("**/edit/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the page scrolls sideways ({width}px)"
    axe(page, "assessment-edit-320")


def test_a_manager_reads_the_office_list(page, world, cycle, axe):
    from tests.assessments.conftest import make_assessment

    make_assessment(world.official, cycle, state="accepted")
    sign_in(page, world.manager.email, PASSWORD)
    office_menu(page, "Office assessments")
    axe(page, "assessment-office")
    page.get_by_role("link", name=f"View the assessment of {world.official.full_name}").click()
    axe(page, "assessment-detail-manager")


def test_two_tabs_the_second_save_shows_what_changed(page, world, cycle, axe):
    items = _items(cycle)
    sign_in(page, world.official.email, PASSWORD)
    page.goto("/assessments/")
    page.get_by_role("button", name="Start a new assessment").click()
    page.wait_for_url("**/edit/")
    other = page.context.new_page()
    other.goto(page.url)

    _choose(page, items[0], "4")
    _press(page, "Save draft")
    page.get_by_text("Your answers are saved").wait_for()

    _choose(other, items[0], "1")
    _press(other, "Save draft")
    other.wait_for_selector("#error-summary")
    assert other.evaluate("document.activeElement.id") == "error-summary"
    summary = other.locator("#error-summary").inner_text()
    assert "changed elsewhere" in summary
    assert items[0].title in summary
    assert other.locator(f"#id_item_{items[0].pk}_rating_1").is_checked()  # their input is kept
    axe(other, "assessment-edit-conflict")
    assert ItemResponse.objects.get(item=items[0]).rating == 4
