"""Every main flow done with the keyboard alone: Tab, Shift+Tab, Enter, Space and arrows.

No test here clicks. Each Tab stop is checked for a visible focus indicator; a failed
submission must put focus on an error summary whose links lead to the fields; a save
must leave its message in a live region.
"""

import pytest
from django.utils import timezone

from accounts.models import Invitation
from assessments.models import Assessment, ItemResponse
from assessments.summaries import summaries_rebuild
from pledges.models import Pledge

from ..factories import PASSWORD, MembershipFactory
from ..reports.conftest import answered, items_of
from .conftest import sign_in

ACTIVE = r"""() => {
  const el = document.activeElement;
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    name: el.getAttribute("name") || "",
    type: el.getAttribute("type") || "",
    href: el.getAttribute("href") || "",
    text: (el.innerText || el.value || "").replace(/\s+/g, " ").trim(),
  };
}"""

# A focus indicator is an outline or a box shadow that is actually drawn.
FOCUS_VISIBLE = """() => {
  const style = getComputedStyle(document.activeElement);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return outline || style.boxShadow !== "none";
}"""

FOCUS_STYLE = """() => {
  const style = getComputedStyle(document.activeElement);
  return `outline ${style.outline}, box-shadow ${style.boxShadow}`;
}"""

# The summary's links each lead to a field that says it is invalid and names its error.
SUMMARY_LINKS = """(summary) => Array.from(summary.querySelectorAll("a[href^='#']")).map((a) => {
  const target = document.getElementById(a.getAttribute("href").slice(1));
  const described = target && (target.getAttribute("aria-describedby") || "").split(/\\s+/)
    .filter((id) => id && document.getElementById(id));
  return {href: a.getAttribute("href"), found: !!target, described: described || []};
})"""


def active(page) -> dict:
    return page.evaluate(ACTIVE)


def tab_to(page, wanted, *, limit=300, key="Tab") -> dict:
    """Press Tab until `wanted(element)` holds, checking the focus is visible at each stop."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        element = active(page)
        if element["tag"] != "body" and not page.evaluate(FOCUS_VISIBLE):
            raise AssertionError(f"no visible focus on {element}: {page.evaluate(FOCUS_STYLE)}")
        if wanted(element):
            return element
        seen.append(element["text"][:30] or element["name"] or element["id"])
    raise AssertionError(f"never reached the element; stops: {seen}")


def press(page, key: str):
    """Press a key that submits a form or follows a link, and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def text_is(text):
    return lambda element: element["text"] == text


def assert_error_summary_has_focus(page):
    element = active(page)
    summary = page.locator("[data-error-summary]")
    assert summary.count() == 1, "no error summary"
    assert element["id"] == summary.get_attribute("id") and element["id"], element
    assert summary.get_attribute("role") == "alert"
    return summary


def assert_announced(page, text):
    """The message is shown, and put into a polite live region after the page loaded."""
    page.locator(".messages").filter(has_text=text).wait_for()
    announcer = page.locator("#announcer[role=status][aria-live=polite]")
    announcer.filter(has_text=text).wait_for(state="attached")
    assert page.locator("[role=status]").count() == 1, "the message would be read twice"


@pytest.fixture
def open_cycle(cycle):
    return cycle


def test_signing_in_starts_with_the_skip_link_and_reports_a_wrong_password(page, world):
    page.goto("/accounts/login/")
    page.keyboard.press("Tab")
    first = active(page)
    assert first["href"] == "#main" and first["text"] == "Skip to main content"
    assert page.evaluate(FOCUS_VISIBLE)
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert active(page)["id"] == "main"

    tab_to(page, lambda e: e["name"] == "login")
    page.keyboard.type(world.official.email)
    page.keyboard.press("Tab")
    assert active(page)["name"] == "password"
    page.keyboard.type("not the password")
    press(page, "Enter")
    summary = assert_error_summary_has_focus(page)
    assert "not correct" in summary.inner_text()

    tab_to(page, lambda e: e["name"] == "password")
    page.keyboard.type(PASSWORD)
    press(page, "Enter")
    assert "/accounts/login/" not in page.url
    tab_to(page, text_is("Sign out"))


def test_an_official_signs_the_pledge_with_the_keyboard(page, world, open_cycle):
    sign_in(page, world.official.email, PASSWORD)
    tab_to(page, lambda e: e["href"].endswith("/pledges/sign/"))
    press(page, "Enter")
    tab_to(page, text_is("Sign the pledge"))
    press(page, "Enter")

    summary = assert_error_summary_has_focus(page)
    links = summary.evaluate(SUMMARY_LINKS)
    assert {link["href"] for link in links} >= {"#id_typed_name", "#id_consent"}
    assert all(link["found"] and link["described"] for link in links), links
    # The summary's first link leads to its field.
    page.keyboard.press("Tab")
    href = active(page)["href"]
    page.keyboard.press("Enter")
    assert "#" + active(page)["id"] == href == links[0]["href"]
    tab_to(page, lambda e: e["id"] == "id_typed_name")
    page.keyboard.type(world.official.full_name)
    tab_to(page, lambda e: e["id"] == "id_consent", key="Shift+Tab")
    page.keyboard.press("Space")
    tab_to(page, text_is("Sign the pledge"))
    press(page, "Enter")

    assert_announced(page, "Your pledge is signed")
    assert Pledge.objects.filter(user=world.official).count() == 1


def _rate(page, item, value: int):
    """Tab into the item's radio group, Space picks the first level, arrows move on."""
    tab_to(page, lambda e: e["name"] == f"item_{item.pk}_rating", limit=40)
    page.keyboard.press("Space")
    for _ in range(value - 1):
        page.keyboard.press("ArrowRight")


def test_an_official_fills_and_submits_an_assessment_with_the_keyboard(page, world, open_cycle):
    items = items_of(open_cycle)
    sign_in(page, world.official.email, PASSWORD)
    tab_to(page, text_is("My assessment"))
    press(page, "Enter")
    tab_to(page, text_is("Start a new assessment"))
    press(page, "Enter")

    # The first item, then on to its comment and Shift+Tab back to change the answer.
    _rate(page, items[0], 1)
    page.keyboard.press("Tab")
    assert active(page)["name"] == f"item_{items[0].pk}_comment"
    page.keyboard.press("Shift+Tab")
    assert active(page)["id"] == f"id_item_{items[0].pk}_rating_1"
    page.keyboard.press("ArrowRight")
    assert page.locator(f"#id_item_{items[0].pk}_rating_2").is_checked()
    # Every other item but the last two.
    for index, item in enumerate(items[1:-2], start=1):
        _rate(page, item, 1 + index % 4)

    tab_to(page, text_is("Save draft"))
    press(page, "Enter")
    assert_announced(page, "Your answers are saved")

    # Asking to submit with two items missing: focus on the summary, linked to the items.
    tab_to(page, text_is("Save and review before submitting"))
    press(page, "Enter")
    summary = assert_error_summary_has_focus(page)
    assert "2 items are not answered yet" in summary.inner_text()
    page.keyboard.press("Tab")
    assert active(page)["href"].endswith(f"#item-{items[-2].pk}")
    press(page, "Enter")
    # The page puts the focus there once the browser has scrolled to the item.
    page.locator(f"[name=item_{items[-2].pk}_rating]:focus").wait_for()
    page.keyboard.press("Space")
    _rate(page, items[-1], 4)

    tab_to(page, text_is("Save and review before submitting"))
    press(page, "Enter")
    tab_to(page, text_is("Submit for review"))
    press(page, "Enter")
    assert_announced(page, "Your assessment is submitted for review.")
    assessment = Assessment.objects.get(user=world.official)
    assert assessment.state == Assessment.State.SUBMITTED
    answers = dict(
        ItemResponse.objects.filter(assessment=assessment).values_list("item__position", "rating")
    )
    assert answers[items[0].position] == 2
    assert answers[items[1].position] == 2
    assert answers[items[-1].position] == 4


def _submitted(world, cycle, user):
    assessment = answered(user, world.office, cycle, 3, rebuild=False)
    Assessment.objects.filter(pk=assessment.pk).update(
        reviewer=world.supervisor, submitted_at=timezone.now()
    )
    summaries_rebuild()
    return assessment


def _review_decision(page, decision_text, note=None):
    """Choose a decision among the radios with the arrows, optionally write a note, save."""
    tab_to(page, lambda e: e["name"] == "decision")
    # Focus lands on the first radio; arrows move through the group until the label matches.
    for _ in range(3):
        label = page.evaluate("document.activeElement.labels[0].innerText")
        if label == decision_text:
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    if note:
        tab_to(page, lambda e: e["id"] == "id_note", limit=5)
        page.keyboard.type(note)
    tab_to(page, text_is("Record the decision"))
    press(page, "Enter")


def test_a_supervisor_returns_and_accepts_with_the_keyboard(page, world, open_cycle):
    first = _submitted(world, open_cycle, world.official)
    second_person = MembershipFactory(office=world.office, reports_to=world.supervisor).user
    second = _submitted(world, open_cycle, second_person)
    item = items_of(open_cycle)[0]
    sign_in(page, world.supervisor.email, PASSWORD)
    tab_to(page, text_is("Team"))
    press(page, "Enter")
    tab_to(page, text_is(f"Review {world.official.full_name}"))
    press(page, "Enter")

    # No decision chosen: the summary takes focus and links to the decision.
    tab_to(page, text_is("Record the decision"))
    press(page, "Enter")
    summary = assert_error_summary_has_focus(page)
    assert summary.evaluate(SUMMARY_LINKS)[0]["href"] == "#id_decision_0"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert active(page)["id"] == "id_decision_0"

    # Rate the first item 1 with the arrow keys on the select, then return with a note.
    page.keyboard.press("Shift+Tab")
    tab_to(page, lambda e: e["id"] == f"id_review_{item.pk}_rating")
    page.keyboard.press("ArrowDown")
    assert page.locator(f"#id_review_{item.pk}_rating").input_value() == "1"
    _review_decision(page, "Return for revision", "Please add examples.")
    assert_announced(page, "The assessment is returned for revision.")
    first.refresh_from_db()
    assert first.state == Assessment.State.RETURNED

    page.goto(f"/assessments/{second.pk}/review/")
    _review_decision(page, "Accept")
    assert_announced(page, "The assessment is accepted.")
    second.refresh_from_db()
    assert second.state == Assessment.State.ACCEPTED


def test_a_manager_invites_a_person_with_the_keyboard(page, world):
    sign_in(page, world.manager.email, PASSWORD)
    tab_to(page, text_is("Office"))
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    assert active(page)["text"] == "People"
    press(page, "Enter")
    tab_to(page, text_is("Invite a person"))
    press(page, "Enter")

    tab_to(page, lambda e: e["name"] == "full_name")
    page.keyboard.type("New Person")
    page.keyboard.press("Tab")
    page.keyboard.type("not-an-address")
    tab_to(page, lambda e: e["text"] == "Send invitation")
    press(page, "Enter")

    summary = assert_error_summary_has_focus(page)
    links = summary.evaluate(SUMMARY_LINKS)
    assert [link["href"] for link in links] == ["#id_email"]
    assert links[0]["described"], "the field does not point at its error"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert active(page)["id"] == "id_email"
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type("new.person@example.org")
    tab_to(page, lambda e: e["text"] == "Send invitation")
    press(page, "Enter")
    assert_announced(page, "new.person@example.org")
    assert Invitation.objects.filter(email="new.person@example.org").exists()
    assert not Invitation.objects.filter(email="not-an-address").exists()


def test_reports_download_with_the_keyboard(page, world, open_cycle):
    assessment = answered(world.official, world.office, open_cycle, 3)
    Assessment.objects.filter(pk=assessment.pk).update(state=Assessment.State.ACCEPTED)

    sign_in(page, world.manager.email, PASSWORD)
    page.goto(f"/reports/offices/{world.office.pk}/")
    tab_to(page, lambda e: "CSV" in e["text"])
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".csv")

    page.context.clear_cookies()
    sign_in(page, world.official.email, PASSWORD)
    page.goto(f"/assessments/{assessment.pk}/results/")
    tab_to(page, text_is("Download as PDF"))
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".pdf")
