"""A manager must set up an authenticator app before using the portal; then signs in with it."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from ..factories import PASSWORD
from .conftest import MFA_CODE_PATH, fresh_code, sign_in

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def mfa_required(settings):
    settings.MFA_REQUIRED = True


def test_a_manager_is_made_to_set_up_an_authenticator_app(page, world, axe, mfa_required):
    sign_in(page, world.manager.email, PASSWORD)
    page.wait_for_url("**/accounts/2fa/")
    why = "Your role as office manager requires a second step at sign-in"
    page.locator(".messages").get_by_text(why).wait_for()
    axe(page, "mfa-required")

    page.goto("/people/")  # anything else sends them back
    page.wait_for_url("**/accounts/2fa/")

    page.get_by_role("link", name="Activate").first.click()
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    axe(page, "mfa-activate-totp")
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(fresh_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    axe(page, "mfa-recovery-codes")
    assert Authenticator.objects.filter(user=world.manager, type="recovery_codes").exists()

    page.goto("/people/")
    page.wait_for_url("**/people/")
    assert page.get_by_role("heading", level=1).count() == 1
    axe(page, "mfa-done-people")


def test_a_supervisor_with_an_app_types_its_code_at_sign_in(page, world, axe, mfa_required):
    TOTP.activate(world.supervisor, SECRET)
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(world.supervisor.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(f"**{MFA_CODE_PATH}")
    axe(page, "mfa-code-at-sign-in")
    page.locator("input[name=code]").fill("000000")
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url(f"**{MFA_CODE_PATH}")
    page.get_by_text("Incorrect code.", exact=True).wait_for()
    axe(page, "mfa-code-wrong")
    page.context.clear_cookies()
    sign_in(page, world.supervisor.email, PASSWORD)  # the shared helper types the code
    page.goto("/assessments/team/")
    page.wait_for_url("**/assessments/team/")
