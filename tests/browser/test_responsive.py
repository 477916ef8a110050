"""The main pages of each role at 320 px wide and at 200 % zoom, with reduced motion and
forced colours.

200 % zoom is emulated by its CSS equivalent: zooming a 1280 px window to 200 % leaves a
layout viewport of 640 CSS pixels, which is what media queries, wrapping and overflow
respond to. So the "zoomed" context is 640 x 360 CSS pixels drawn at a device scale factor
of 2, which also makes its screenshots look like the zoomed window. (The device scale
factor alone is not zoom: it changes the pixel density, not the CSS width.)
"""

import pytest
from django.urls import reverse

from ..factories import PASSWORD
from ..test_url_matrix import _no_throttle, matrix  # noqa: F401
from .conftest import SCREENSHOTS, sign_in

SIZES = {
    "320": {"viewport": {"width": 320, "height": 640}, "device_scale_factor": 1},
    "zoom200": {"viewport": {"width": 640, "height": 360}, "device_scale_factor": 2},
}

# The pages each role comes for, by route name (their kwargs come from the matrix fixture).
MAIN_PAGES = {
    "anonymous": [
        "home",
        "standards",
        "pledges:registry-list",
        "pledges:registry-detail",
        "pledges:pledge-verify",
        "pledge-verify-code",
        "/accounts/login/",
    ],
    "official": [
        "home",
        "pledges:pledge-detail",
        "pledges:pledge-list",
        "assessments:assessment-detail",
        "assessments:assessment-results",
        "accounts:my-account",
        "accounts:my-data",
    ],
    "supervisor": [
        "assessments:team-list",
        "assessments:assessment-review",
        "reports:office-report",
    ],
    "manager": [
        "home",
        "accounts:people-list",
        "accounts:invitation-create",
        "accounts:invitation-list",
        "accounts:membership-update",
        "accounts:audit-log",
        "pledges:pledge-office",
        "assessments:office-list",
        "reports:office-report",
    ],
    "analyst": ["reports:association-report"],
    "association_admin": ["accounts:association-detail"],
    "site_admin": ["accounts:audit-log"],
}

# Elements that stick out of the viewport without a scrolling container to hold them
# are cut off (or make the page scroll sideways): either way content is lost.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const held = (el) => {
    for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
      const overflow = getComputedStyle(node).overflowX;
      if (overflow === "auto" || overflow === "scroll") return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const rect = el.getBoundingClientRect();
    if (!rect.width || !rect.height) continue;
    if (el.closest(".visually-hidden, .visually-hidden-focusable")) continue;
    if ((rect.right > width + 1 || rect.left < -1) && !held(el)) {
      const where = `${Math.round(rect.left)}..${Math.round(rect.right)}`;
      out.push(`${el.tagName.toLowerCase()}.${el.className} ${where}`);
    }
  }
  return {
    scrollWidth: document.scrollingElement.scrollWidth,
    clientWidth: document.scrollingElement.clientWidth,
    outside: out.slice(0, 10),
  };
}"""


def _url(route, kwargs):
    return route if route.startswith("/") else reverse(route, kwargs=kwargs.get(route, {}))


def _label(route):
    return route.strip("/").replace("/", "-").replace(":", "-") or "home"


@pytest.fixture
def sized_page(browser, live_server):
    contexts = []

    def open_page(size, **options):
        context = browser.new_context(
            base_url=live_server.url, locale="en-US", **SIZES[size], **options
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def _check_menu(page, failures, label):
    """At these widths the navigation is behind its toggle; opened, every link fits."""
    toggle = page.locator(".navbar-toggler")
    if not toggle.is_visible():
        failures.append(f"{label}: the menu toggle is not shown")
        return
    toggle.focus()
    page.keyboard.press("Enter")
    menu = page.locator("#main-nav")
    menu.wait_for(state="visible")
    page.locator("#main-nav.collapsing").wait_for(state="detached")
    width = page.evaluate("document.documentElement.clientWidth")
    for box in menu.locator("a, button").evaluate_all(
        "(els) => els.filter((el) => el.offsetParent).map((el) => el.getBoundingClientRect().right)"
    ):
        if box > width + 1:
            failures.append(f"{label}: a menu entry ends at {box}px, past {width}px")
    toggle.focus()
    page.keyboard.press("Enter")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("role", MAIN_PAGES)
def test_main_pages_reflow_without_loss(role, size, matrix, sized_page):  # noqa: F811
    world, kwargs = matrix
    page = sized_page(size)
    if role != "anonymous":
        sign_in(page, getattr(world, role).email, PASSWORD)
    failures = []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for index, route in enumerate(MAIN_PAGES[role]):
        label = f"responsive-{size}-{role}-{_label(route)}"
        response = page.goto(_url(route, kwargs))
        assert response.status == 200, f"{label}: {response.status}"
        result = page.evaluate(OVERFLOW)
        if result["scrollWidth"] > result["clientWidth"] + 1:
            failures.append(f"{label}: scrolls sideways {result}")
        elif result["outside"]:
            failures.append(f"{label}: cut off {result['outside']}")
        page.screenshot(path=str(SCREENSHOTS / f"{label}.png"), full_page=True)
        if index == 0:
            _check_menu(page, failures, label)
    assert not failures, "\n".join(failures)


TRANSITIONS = """() => Array.from(document.querySelectorAll("*")).filter((el) => {
  const style = getComputedStyle(el);
  const moving = (value) => value.split(",").some((part) => parseFloat(part) > 0);
  const animated = style.animationName !== "none" && moving(style.animationDuration);
  return moving(style.transitionDuration) || animated;
}).map((el) => `${el.tagName.toLowerCase()}.${el.className}`)"""


def test_reduced_motion_turns_off_transitions_and_animations(world, sized_page):
    page = sized_page("320", reduced_motion="reduce")
    sign_in(page, world.manager.email, PASSWORD)
    for url in ("/", "/people/", "/people/invite/"):
        page.goto(url)
        page.locator(".navbar-toggler").focus()
        page.keyboard.press("Enter")
        assert page.evaluate(TRANSITIONS) == [], url
    # Without the preference Bootstrap's transitions are there: the check can see them.
    plain = sized_page("320")
    plain.goto("/accounts/login/")
    assert plain.evaluate(TRANSITIONS) != []


def _dark_share(png: bytes) -> float:
    """The share of an image's pixels that stand out from a light ground."""
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(png)).convert("L")
    histogram = image.histogram()  # 256 counts, one per grey level
    return sum(histogram[:128]) / sum(histogram)


def test_forced_colours_keep_focus_rings_and_chart_marks(matrix, sized_page):  # noqa: F811
    world, kwargs = matrix
    page = sized_page("zoom200", forced_colors="active")
    sign_in(page, world.manager.email, PASSWORD)
    page.goto("/people/invite/")
    for selector in ("#id_full_name", "#id_role", "a.navbar-brand"):
        page.locator(selector).focus()
        style = page.locator(selector).evaluate(
            "(el) => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth]; }"
        )
        assert style[0] != "none" and float(style[1].rstrip("px")) >= 2, (selector, style)
    page.screenshot(path=str(SCREENSHOTS / "forced-colors-invite.png"), full_page=True)
    # The menu icon (white lines on the navy bar) must still show on the forced ground.
    assert _dark_share(page.locator(".navbar-toggler-icon").screenshot()) > 0.15

    for route in ("reports:office-report", "assessments:assessment-results"):
        page.goto(_url(route, kwargs))
        chart = page.locator("svg[role=img]").first
        colours = chart.evaluate(
            """(svg) => ({
              background: getComputedStyle(svg).backgroundColor,
              marks: Array.from(svg.querySelectorAll("rect")).map((r) => getComputedStyle(r).fill),
            })"""
        )
        assert colours["marks"], route
        assert all(mark != colours["background"] for mark in colours["marks"]), colours
        assert colours["background"] == "rgb(255, 255, 255)", colours
        name = f"forced-colors-{_label(route)}.png"
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
