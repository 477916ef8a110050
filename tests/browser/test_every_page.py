"""Every page of every role through axe-core, with its error, empty and confirmation states.

The pages come from the URL configuration through the table of tests/test_url_matrix.py:
each route is visited by every role that gets a 200 there, so a new route is checked here
as soon as it has its row in that table. One browser context per role, signed in once.
"""

from dataclasses import dataclass, field

import pytest
from django.template import loader
from django.urls import reverse

from accounts.models import Membership
from pledges.models import Cycle

from ..factories import PASSWORD, MembershipFactory, OfficeFactory
from ..test_url_matrix import EXPECTED, ROLES, _no_throttle, _row, matrix  # noqa: F401
from .conftest import SCREENSHOTS, sign_in

# WCAG A and AA, and axe's best practices: one main landmark, all content in landmarks,
# one h1, headings in order.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

# Every error message shown beside a field is named by that field (or its fieldset).
UNLINKED_ERRORS = r"""() => {
  const named = new Set();
  for (const el of document.querySelectorAll("[aria-describedby]")) {
    for (const id of el.getAttribute("aria-describedby").split(/\s+/)) named.add(id);
  }
  return Array.from(document.querySelectorAll("main .field-error, main .invalid-feedback"))
    .filter((el) => el.offsetParent && !(el.id && named.has(el.id)))
    .map((el) => el.id || el.textContent.trim());
}"""

ALLAUTH_ANONYMOUS = [
    "/accounts/login/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/signup/",
]
ALLAUTH_SIGNED_IN = [
    "/accounts/logout/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/accounts/2fa/totp/activate/",
    "/accounts/2fa/recovery-codes/generate/",
    "/accounts/sessions/",
]


@dataclass
class Checker:
    """Runs axe on each page and keeps every failure, so one bad page does not hide others."""

    failures: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def __post_init__(self):
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()

    def check(self, page, label: str, *, screenshot: bool = False):
        results = self.axe.run(
            page,
            options={
                "runOnly": {"type": "tag", "values": AXE_TAGS},
                "resultTypes": ["violations"],
            },
        )
        self.checked.append(label)
        if screenshot:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"every-{label}.png"), full_page=True)
        if results.violations_count:
            self.failures.append(f"{label} ({page.url}):\n{results.generate_report()}")

    def check_errors_linked(self, page, label: str):
        """Errors beside fields are named by them, and the page opens on its summary."""
        self.check(page, label, screenshot=True)
        unlinked = page.evaluate(UNLINKED_ERRORS)
        if unlinked:
            self.failures.append(f"{label}: errors no field points at: {unlinked}")
        if not page.locator("[data-error-summary]:focus").count():
            self.failures.append(f"{label}: the error summary does not have the focus")

    def visit(self, page, url: str, label: str, *, status: int = 200) -> bool:
        """Check the page at `url` if it is HTML; False for downloads (PDF, CSV, JSON)."""
        answer = page.request.get(url, max_redirects=0)
        kind = answer.headers.get("content-type", "")
        if not kind.startswith("text/html"):
            assert answer.status == status, f"{label}: {answer.status}"
            return False
        response = page.goto(url)
        if response.status != status:
            self.failures.append(f"{label}: answered {response.status}, expected {status}")
            return False
        self.check(page, label)
        return True

    def assert_clean(self):
        assert not self.failures, "\n\n".join(self.failures)


@pytest.fixture
def checker():
    return Checker()


@pytest.fixture
def role_page(browser, live_server):
    contexts = []

    def open_page():
        context = browser.new_context(base_url=live_server.url, locale="en-US")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def _pages_for(role: str, wanted: str) -> list[str]:
    return sorted(route for route, line in EXPECTED.items() if _row(line)[role] == wanted)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_may_open_passes_axe(role, matrix, role_page, checker):  # noqa: F811
    world, kwargs = matrix
    page = role_page()
    if role != "anonymous":
        sign_in(page, getattr(world, role).email, PASSWORD)
    for route in _pages_for(role, "200"):
        checker.visit(page, reverse(route, kwargs=kwargs.get(route, {})), f"{role}-{route}")
    # The refusal pages as this role sees them, once each.
    for status in (403, 404):
        routes = _pages_for(role, str(status))
        if routes:
            url = reverse(routes[0], kwargs=kwargs.get(routes[0], {}))
            checker.visit(page, url, f"{role}-{status}", status=status)
    checker.visit(page, "/no-such-page/", f"{role}-404-unknown", status=404)
    for url in ALLAUTH_SIGNED_IN if role != "anonymous" else ALLAUTH_ANONYMOUS:
        checker.visit(page, url, f"{role}-{url.strip('/').replace('/', '-')}")
    assert len(checker.checked) >= 3
    checker.assert_clean()


def test_error_and_gone_pages_pass_axe(matrix, role_page, checker, live_server):  # noqa: F811
    world, kwargs = matrix
    page = role_page()
    # The 503 shown while the database is down, served at this site so its styles load.
    body = loader.get_template("errors/503.html").render({"retry_after": 30})
    page.route(
        f"{live_server.url}/unavailable/",
        lambda route: route.fulfill(status=503, body=body, content_type="text/html"),
    )
    page.goto("/unavailable/")
    checker.check(page, "anonymous-503", screenshot=True)
    # A revoked invitation is gone (410).
    world.office.invitations.update(revoked_at=world.office.created_at)
    url = reverse("accounts:invitation-accept", kwargs=kwargs["accounts:invitation-accept"])
    checker.visit(page, url, "anonymous-invitation-gone", status=410)
    checker.assert_clean()


def test_form_errors_and_confirmations_pass_axe(world, cycle, role_page, checker):
    # An official signs the pledge without typing a name, then properly.
    page = role_page()
    sign_in(page, world.official.email, PASSWORD)
    page.goto("/pledges/sign/")
    page.get_by_role("button", name="Sign the pledge").click()
    page.locator("#form-errors").wait_for()
    checker.check_errors_linked(page, "official-pledge-sign-errors")
    page.get_by_label("Your full name (your signature)").fill(world.official.full_name)
    page.locator("#id_consent").check()
    page.get_by_role("button", name="Sign the pledge").click()
    page.wait_for_url("**/pledges/*/")
    checker.check(page, "official-pledge-signed", screenshot=True)

    # The official asks to submit an assessment with nothing answered.
    page.goto("/assessments/")
    page.get_by_role("button", name="Start a new assessment").click()
    page.wait_for_url("**/edit/")
    edit_url = page.url
    page.goto(edit_url.replace("/edit/", "/submit/"))
    checker.check_errors_linked(page, "official-assessment-submit-missing")
    # "Not applicable" without its reason: nothing is saved, the reason field says why.
    page.goto(edit_url)
    page.locator("[data-na-toggle]").first.check()
    page.get_by_role("button", name="Save draft").last.click()
    page.locator("#error-summary").wait_for()
    checker.check_errors_linked(page, "official-assessment-edit-errors")

    # A manager sends an invitation with a bad address, then a good one.
    page = role_page()
    sign_in(page, world.manager.email, PASSWORD)
    page.goto("/people/invite/")
    page.get_by_label("Email address").fill("not-an-address")
    page.get_by_role("button", name="Send invitation").click()
    page.locator(".is-invalid, .invalid-feedback").first.wait_for()
    checker.check_errors_linked(page, "manager-invitation-errors")
    page.get_by_label("Email address").fill("new.person@example.org")
    page.get_by_label("Full name").fill("New Person")
    page.get_by_role("button", name="Send invitation").click()
    page.locator(".messages").wait_for()
    checker.check(page, "manager-invitation-sent", screenshot=True)
    checker.assert_clean()


def test_empty_states_pass_axe(edition, role_page, checker):
    """A new office with only its manager, and no cycle open yet."""
    assert not Cycle.objects.exists()
    office = OfficeFactory(name="Newtown Elections")
    manager = MembershipFactory(office=office, role=Membership.Role.MANAGER).user
    page = role_page()
    sign_in(page, manager.email, PASSWORD)
    for url in (
        "/",
        "/people/",
        "/people/invitations/",
        "/people/audit/",
        "/pledges/",
        "/pledges/sign/",
        "/pledges/office/",
        "/assessments/",
        "/assessments/team/",
        "/assessments/office/",
        "/reports/associations/",
    ):
        checker.visit(page, url, "empty-" + (url.strip("/").replace("/", "-") or "home"))
    checker.assert_clean()
