"""A newcomer in development opens their invitation from the development outbox."""

import pytest

from accounts.models import Membership
from accounts.services import invitation_create

pytestmark = pytest.mark.browser


def test_a_newcomer_follows_the_invitation_link_from_the_outbox(
    page, axe, live_server, world, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.DEBUG = True
    settings.SITE_URL = live_server.url
    settings.DEV_OUTBOX_DIR = tmp_path / "dev-outbox"
    settings.MAILERS = {"default": {"BACKEND": "core.outbox.OutboxBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            invited_by=world.manager,
            office=world.office,
            email="ana@example.org",
            full_name="Ana Núñez",
            role=Membership.Role.OFFICIAL,
        )

    page.goto("/dev/outbox/")
    axe(page, "dev-outbox")
    page.get_by_role("link", name="You are invited to join", exact=False).first.click()
    axe(page, "dev-outbox-message")
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    axe(page, "dev-outbox-message-320")

    page.locator(".outbox-body a").first.click()
    page.wait_for_url("**/invitations/**")
    assert "Ana Núñez" in page.content()
