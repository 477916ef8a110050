"""Layout where people meet it: the header at 1280 px, every page at 320 px, the focus
indicator, the sticky save bar, and an action that must not look disabled.

Styles are read only once transitions have ended: Bootstrap animates its focus ring, so a
style read at once is a frame of the animation, not what the person finally sees.
"""

import pytest
from django.urls import reverse

from assessments.models import Assessment

from ..factories import PASSWORD, OfficeFactory
from ..reports.conftest import answered, staff_with_answers
from ..test_url_matrix import _no_throttle, matrix  # noqa: F401
from .conftest import SCREENSHOTS, sign_in
from .test_responsive import MAIN_PAGES, _label, _url

WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 640}

# Distinct line boxes of each visible navigation entry (a wrapped entry has two or more).
NAV_LINES = """() => Array.from(document.querySelectorAll(
  ".navbar-brand, #main-nav .nav-link, #main-nav .language-current"
)).filter((el) => el.offsetParent).map((el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const tops = Array.from(range.getClientRects()).filter((r) => r.width > 0)
    .map((r) => r.top).sort((a, b) => a - b);
  let lines = 0, last = -100;
  for (const top of tops) { if (top - last > 4) { lines += 1; last = top; } }
  return {text: el.innerText.trim(), lines};
})"""

# Sideways scrolling: the page's own, and every box that scrolls sideways with what makes
# it a labelled, focusable region.
SIDEWAYS = """() => {
  const name = (el) => {
    const ids = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean);
    const text = ids.map((id) => document.getElementById(id)?.textContent || "").join(" ");
    return (el.getAttribute("aria-label") || text).trim();
  };
  const boxes = Array.from(document.querySelectorAll("main *")).filter((el) => {
    const overflow = getComputedStyle(el).overflowX;
    return (overflow === "auto" || overflow === "scroll") && el.scrollWidth > el.clientWidth + 1;
  }).map((el) => ({
    box: `${el.tagName.toLowerCase()}.${el.className}`,
    tabindex: el.getAttribute("tabindex"),
    role: el.getAttribute("role"),
    name: name(el),
  }));
  return {page: document.scrollingElement.scrollWidth, viewport: innerWidth, boxes};
}"""

# The focused element's outline once its transitions have ended, and the colour behind it.
FOCUS_STYLE = """async () => {
  const el = document.activeElement;
  await Promise.all(el.getAnimations().map((a) => a.finished.catch(() => null)));
  let previous = "";
  for (let frame = 0; frame < 30; frame++) {
    const s = getComputedStyle(el);
    const now = [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join("|");
    if (now === previous) break;
    previous = now;
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
  const s = getComputedStyle(el);
  let background = "rgb(255, 255, 255)";
  for (let node = el.parentElement; node; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    if (colour !== "transparent" && !/, 0\\)$/.test(colour)) { background = colour; break; }
  }
  return {
    element: `${el.tagName.toLowerCase()}#${el.id}.${el.className}`,
    text: (el.innerText || el.name || "").trim().slice(0, 30),
    style: s.outlineStyle, width: parseFloat(s.outlineWidth), colour: s.outlineColor, background,
  };
}"""

# The focused field's box against the sticky save bar's, once any smooth scroll has come to rest
# (Bootstrap scrolls smoothly; a frame mid-way would measure where the page is passing through).
UNDER_BAR = """async () => {
  let still = 0, last = null;
  for (let frame = 0; frame < 120 && still < 3; frame++) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const now = window.scrollY;
    still = now === last ? still + 1 : 0;
    last = now;
  }
  const field = document.activeElement.getBoundingClientRect();
  const bar = document.querySelector(".form-actions");
  if (!bar || getComputedStyle(bar).position !== "sticky") return null;
  const box = bar.getBoundingClientRect();
  return {
    name: document.activeElement.name,
    overlap: Math.max(0, Math.min(field.bottom, box.bottom) - Math.max(field.top, box.top)),
    field: [field.top, field.bottom], bar: [box.top, box.bottom],
  };
}"""


def _rgb(colour: str) -> tuple[float, ...]:
    parts = colour[colour.index("(") + 1 : colour.index(")")].split(",")
    return tuple(float(p) for p in parts[:3])


def contrast(first: str, second: str) -> float:
    def luminance(colour):
        channels = [c / 255 for c in _rgb(colour)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted([luminance(first), luminance(second)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.fixture
def benchmarked(matrix, cycle):  # noqa: F811
    """The matrix, with enough member offices that the office report shows its benchmark."""
    world, kwargs = matrix
    staff_with_answers(world.office, cycle, [1, 2, 3, 4, 3], reports_to=world.supervisor)
    for index in range(5):
        office = OfficeFactory(name=f"Member office with a long name {index}")
        world.association.offices.add(office)
        staff_with_answers(office, cycle, [2, 3, 3, 4, 2])
    return world, kwargs


@pytest.fixture
def context_for(browser, live_server):
    contexts = []

    def open_context(viewport, **options):
        context = browser.new_context(base_url=live_server.url, locale="en-US", viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_context
    for context in contexts:
        context.close()


NAV_ROLES = ["anonymous", "official", "supervisor", "manager", "analyst", "association_admin"]


@pytest.mark.parametrize("role", NAV_ROLES)
def test_each_navigation_entry_is_one_line_at_1280_px(role, world, cycle, context_for):
    page = context_for(WIDE)
    if role != "anonymous":
        sign_in(page, getattr(world, role).email, PASSWORD)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for language, other in (("English", "Español"), ("Español", "English")):
        page.goto("/")
        if language == "Español":
            with page.expect_navigation():
                page.get_by_role("button", name="Español").click()
        entries = page.evaluate(NAV_LINES)
        assert len(entries) >= 4, entries
        wrapped = [entry for entry in entries if entry["lines"] != 1]
        assert not wrapped, f"{role}, {language}: {wrapped}"
        assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
        page.locator(".portal-header").screenshot(
            path=str(SCREENSHOTS / f"nav-1280-{role}-{language[:2].lower()}.png")
        )
    if role != "anonymous":  # the next test signs in with English again
        with page.expect_navigation():
            page.get_by_role("button", name="English").click()


@pytest.mark.parametrize("role", list(MAIN_PAGES))
def test_at_320_px_pages_scroll_sideways_only_inside_labelled_regions(
    role, benchmarked, context_for
):
    from axe_playwright_python.sync_playwright import Axe

    world, kwargs = benchmarked
    page = context_for(NARROW)
    if role != "anonymous":
        sign_in(page, getattr(world, role).email, PASSWORD)
    axe = Axe()
    failures = []
    for route in MAIN_PAGES[role]:
        label = f"layout-320-{role}-{_label(route)}"
        assert page.goto(_url(route, kwargs)).status == 200, label
        found = page.evaluate(SIDEWAYS)
        if found["page"] > found["viewport"]:
            failures.append(f"{label}: the page is {found['page']} px wide")
        for box in found["boxes"]:
            if box["tabindex"] != "0" or box["role"] != "region" or not box["name"]:
                failures.append(f"{label}: {box}")
        results = axe.run(
            page,
            options={"runOnly": {"type": "rule", "values": ["scrollable-region-focusable"]}},
        )
        if results.violations_count:
            failures.append(f"{label}: {results.generate_report()}")
        page.screenshot(path=str(SCREENSHOTS / f"{label}.png"), full_page=True)
    assert not failures, "\n".join(failures)


def _tab_stops(page, count: int, name: str) -> list[dict]:
    stops = []
    page.locator("body").focus()
    for _ in range(count):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            break
        stops.append(page.evaluate(FOCUS_STYLE))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"focus-{name}.png"))
    return stops


def _faint(stops: list[dict]) -> list[dict]:
    return [
        stop
        for stop in stops
        if stop["style"] == "none"
        or stop["width"] < 2
        or contrast(stop["colour"], stop["background"]) < 3
    ]


def test_every_focus_stop_shows_the_portals_indicator_at_3_to_1(benchmarked, context_for):
    world, _kwargs = benchmarked
    page = context_for(WIDE)
    sign_in(page, world.manager.email, PASSWORD)
    stops = []
    for url in ("/", reverse("accounts:invitation-create"), reverse("reports:office-report-home")):
        page.goto(url)
        stops += _tab_stops(page, 60, _label(url))
    assert len(stops) > 60
    assert not _faint(stops), _faint(stops)


def _start_assessment(page):
    page.goto(reverse("assessments:assessment-mine"))
    page.get_by_text("Start a new assessment").click()
    page.wait_for_url("**/edit/")


def test_a_rating_radio_shows_focus_apart_from_being_checked(world, cycle, context_for):
    page = context_for(WIDE)
    sign_in(page, world.official.email, PASSWORD)
    _start_assessment(page)
    radios = page.locator(".rating-option input[type=radio]")
    first_name = radios.first.get_attribute("name")
    radios.first.focus()
    page.keyboard.press("Space")  # checks the first level
    page.keyboard.press("ArrowRight")  # checks the second, focus moves with it
    page.keyboard.press("Tab")  # on to the comment: the radio is checked, not focused
    checked = page.locator(f"[name={first_name}]:checked")
    unfocused = checked.evaluate("(el) => getComputedStyle(el).outlineStyle")
    assert unfocused == "none"
    page.keyboard.press("Shift+Tab")  # back: the checked radio takes focus
    focused = page.evaluate(FOCUS_STYLE)
    assert focused["style"] == "solid" and focused["width"] >= 3, focused
    assert contrast(focused["colour"], focused["background"]) >= 3, focused
    page.locator(".rating-options").first.screenshot(
        path=str(SCREENSHOTS / "focus-rating-radio.png")
    )


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 720}, {"width": 640, "height": 360}], ids=["1280", "640"]
)
def test_a_focused_comment_field_is_never_under_the_save_bar(viewport, world, cycle, context_for):
    page = context_for(viewport)
    sign_in(page, world.official.email, PASSWORD)
    _start_assessment(page)
    fields = 0
    for _ in range(160):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") != "TEXTAREA":
            continue
        place = page.evaluate(UNDER_BAR)
        assert place is not None, "the save bar is not sticky at this size"
        assert place["overlap"] == 0, place
        fields += 1
        if fields == 1:
            page.screenshot(path=str(SCREENSHOTS / f"save-bar-{viewport['width']}.png"))
    assert fields >= 8


def test_download_results_is_a_clear_button_not_a_grey_one(world, cycle, context_for):
    assessment = answered(world.official, world.office, cycle, 3)
    Assessment.objects.filter(pk=assessment.pk).update(state=Assessment.State.SUBMITTED)
    page = context_for(WIDE)
    sign_in(page, world.official.email, PASSWORD)
    page.goto(reverse("assessments:assessment-detail", args=[assessment.pk]))
    colours = "(el) => { const s = getComputedStyle(el); return [s.color, s.borderTopColor]; }"
    download = page.get_by_role("link", name="Download results (PDF)")
    results = page.get_by_role("link", name="Results", exact=True)
    assert download.evaluate(colours) == results.evaluate(colours)
    text, border = download.evaluate(colours)
    red, green, blue = _rgb(border)
    assert max(red, green, blue) - min(red, green, blue) > 60, "a grey border reads as disabled"
    assert contrast(text, "rgb(255, 255, 255)") >= 4.5
    page.locator(".action-row, main").first.screenshot(
        path=str(SCREENSHOTS / "assessment-detail-download.png")
    )
