"""Playwright drives the system's Chromium (no browser download); axe-core checks pages."""

import os
import shutil
import time
from pathlib import Path

import pytest

# The single sign-on tests' fixtures (demo identity provider, Riverside's provider).
from .sso_support import console, demo_idp, riverside  # noqa: F401

# Playwright's sync API runs an event loop in this thread; the ORM calls made by test
# set-up are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_CANDIDATES = [os.environ.get("CHROMIUM_PATH", ""), "/usr/bin/chromium"]
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/standards-portal-screenshots"))


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def chromium_path() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        if candidate and Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI must run the browser tests.")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def axe():
    from axe_playwright_python.sync_playwright import Axe

    checker = Axe()

    def check(page, name: str | None = None):
        results = checker.run(
            page,
            options={
                "runOnly": {
                    "type": "tag",
                    "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
                },
                "resultTypes": ["violations"],
            },
        )
        if name:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        assert results.violations_count == 0, results.generate_report()
        return results

    return check


MFA_CODE_PATH = "/accounts/2fa/authenticate/"


def sign_in(page, email: str, password: str):
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if MFA_CODE_PATH in page.url:
        enter_mfa_code(page, email)


def fresh_code(secret: str) -> str:
    """The current code, waiting for the next one if this one is about to expire."""
    from allauth.mfa import app_settings

    from demo.mfa import current_code

    left = app_settings.TOTP_PERIOD - time.time() % app_settings.TOTP_PERIOD
    if left < 3:
        time.sleep(left + 0.2)
    return current_code(secret)


def enter_mfa_code(page, email: str):
    """Type the code the person's authenticator app shows now, as they would."""
    from allauth.mfa import app_settings

    from accounts.models import User
    from demo.mfa import totp_secret

    secret = totp_secret(User.objects.get(email__iexact=email))
    assert secret, f"{email} is asked for a code but has no authenticator app"
    for _attempt in range(2):
        field = page.locator("input[name=code]")
        field.fill(fresh_code(secret))
        with page.expect_navigation():
            field.press("Enter")
        if MFA_CODE_PATH not in page.url:
            return
        # A code signs in once: after a sign-in moments ago, wait for the next one.
        time.sleep(app_settings.TOTP_PERIOD - time.time() % app_settings.TOTP_PERIOD + 0.5)
    raise AssertionError(f"the authenticator code for {email} was refused")


def office_menu(page, name: str):
    """Open the manager's Office menu in the navigation and follow one of its links."""
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("button", name="Office", exact=True).click()
    nav.get_by_role("link", name=name, exact=True).click()
