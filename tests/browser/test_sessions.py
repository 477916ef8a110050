"""A whole training-room session in a real browser: the manager's pages and projector, two
phones joining, a kiosk with three signers in a row, the lock, and the attendance export."""

import datetime
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.utils import timezone

from pledges.models import Pledge
from signing.models import SigningSession

from ..factories import PASSWORD
from .conftest import office_menu, sign_in

PHONE = {"width": 390, "height": 844}
ROSTER = """name,email,phone
Ana Ruiz,ana.ruiz@example.org,
Ben Whitaker,,720-555-0101
Dev Shah,dev.shah@example.org,
Eve Adams,eve.adams@example.org,
"""


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def new_page(browser, live_server, viewport=None):
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport=viewport or {"width": 1280, "height": 900},
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def sign_pledge(page, name):
    page.get_by_label(re.compile("I agree to sign this pledge electronically")).check()
    page.get_by_label("Your full name (your signature)").fill(name)
    page.get_by_role("button", name="Sign the pledge").click()


def test_a_whole_training_room_session(page, browser, live_server, world, cycle, axe):
    # The manager creates the session and its roster.
    sign_in(page, world.manager.email, PASSWORD)
    page.wait_for_url("**/")
    office_menu(page, "Signing sessions")
    axe(page, "sessions-list-empty")
    page.get_by_role("link", name="New session").click()
    axe(page, "session-form")
    now = timezone.now()
    page.get_by_label("Title").fill("Poll worker training")
    page.get_by_label("Place").fill("Room B, County Building")
    page.get_by_label("Starts at").fill(local(now - datetime.timedelta(minutes=10)))
    page.get_by_label("Ends at").fill(local(now + datetime.timedelta(hours=2)))
    page.get_by_label("Capacity").fill("30")
    page.get_by_role("button", name="Create the session").click()
    page.get_by_role("heading", name="Poll worker training", level=1).wait_for()
    session = SigningSession.objects.get()
    axe(page, "session-detail-empty")
    page.get_by_role("link", name=re.compile("Roster: 0 people expected")).click()
    page.get_by_label("Paste the list").fill(ROSTER)
    page.get_by_role("button", name="Add to the roster").click()
    page.get_by_text("Added 4 to the roster").wait_for()
    axe(page, "session-roster")
    page.goto(f"/sessions/{session.pk}/projector/")
    assert page.locator("svg.qr-code").is_visible()
    # The link names SITE_URL; the test server runs elsewhere, so the phones follow its path.
    join_url = urlparse(page.locator(".projector-link a").get_attribute("href")).path
    assert session.join_token in join_url
    axe(page, "session-projector")
    page.evaluate("window.notReloaded = true")

    # Phone 1: Ana has no account; she finds her name and types the code sent by email.
    ana = new_page(browser, live_server, PHONE)
    ana.goto(join_url)
    axe(ana, "join-anonymous")
    ana.get_by_role("link", name="Find my name").click()
    axe(ana, "join-identify")
    form = ana.locator("form").filter(has=ana.get_by_role("button", name="Send me a code"))
    form.get_by_label("Your full name, as on the list").fill("Ana Ruiz")
    form.get_by_label("Your email address or mobile number").fill("ana.ruiz@example.org")
    form.get_by_role("button", name="Send me a code").click()
    ana.get_by_role("heading", name="Type your code").wait_for()
    axe(ana, "join-code")
    code = re.search(r"^\s+(\d{6})$", mail.outbox[-1].body, re.MULTILINE).group(1)
    ana.get_by_label("Code").fill(code)
    ana.get_by_role("button", name="Confirm").click()
    ana.get_by_role("heading", name=re.compile("Sign the .* pledge")).wait_for()
    axe(ana, "join-sign")
    sign_pledge(ana, "Ana Ruiz")
    ana.get_by_text("Your pledge is signed").wait_for()
    assert "Signed at session" in ana.content()

    # Phone 2: the official signs in as usual and joins.
    olivia = new_page(browser, live_server, PHONE)
    sign_in(olivia, world.official.email, PASSWORD)
    olivia.goto(join_url)
    axe(olivia, "join-signed-in")
    olivia.get_by_role("button", name="Join as Olivia Chen").click()
    sign_pledge(olivia, "Olivia Chen")
    olivia.get_by_text("Your pledge is signed").wait_for()

    # The projector's count follows without a reload.
    page.locator("#session-count").filter(has_text="2 of 2 joined have signed").wait_for(
        timeout=15_000
    )
    assert page.evaluate("window.notReloaded") is True

    # The kiosk: the manager unlocks a tablet, then three people sign in a row.
    tablet = new_page(browser, live_server, {"width": 1024, "height": 768})
    sign_in(tablet, world.manager.email, PASSWORD)
    tablet.goto(f"/sessions/{session.pk}/")
    tablet.get_by_role("button", name="Make this device the kiosk").click()
    tablet.get_by_role("heading", name="Poll worker training").wait_for()
    axe(tablet, "kiosk-start")
    signers = ["Ben Whitaker", "Dev Shah", "Eve Adams"]
    for number, name in enumerate(signers):
        earlier = signers[:number]
        tablet.get_by_label("Your full name, as on the list").fill(name)
        tablet.get_by_label("The trainer's code").fill(session.trainer_code)
        tablet.get_by_role("button", name="Continue").click()
        tablet.get_by_role("heading", name=re.compile("Sign the .* pledge")).wait_for()
        if number == 0:
            axe(tablet, "kiosk-sign")
        content = tablet.content()
        assert all(other not in content for other in earlier)
        assert tablet.get_by_label("Your full name (your signature)").input_value() == ""
        sign_pledge(tablet, name)
        tablet.get_by_text("Thank you. Your pledge is signed. Next person, please.").wait_for()
        assert name not in tablet.content()
        # Back goes nowhere near the last signer's page.
        tablet.go_back()
        tablet.wait_for_load_state()
        assert name not in tablet.content()
        assert "Sign in with my account" in tablet.content()
        tablet.goto("/sessions/kiosk/")
    assert Pledge.objects.filter(session_shared_device=True).count() == 3

    # The manager locks the kiosk; the tablet refuses the next person.
    page.goto(f"/sessions/{session.pk}/")
    page.get_by_role("button", name="Lock every kiosk").click()
    page.get_by_text("Locked 1 kiosk(s)").wait_for()
    tablet.reload()
    tablet.get_by_role("heading", name="This kiosk is locked").wait_for()
    axe(tablet, "kiosk-locked")

    # The attendance: CSV for payroll and the numbered, sealed sign-in sheet.
    page.goto(f"/sessions/{session.pk}/")
    axe(page, "session-detail-attendance")
    with page.expect_download() as download:
        page.get_by_role("link", name="Attendance (CSV)").click()
    rows = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == ["1", "2", "3", "4", "5"]
    assert rows[1].split(",")[1] == "Ana Ruiz"
    with page.expect_download() as download:
        page.get_by_role("link", name="Sign-in sheet (sealed PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")
    for other in (ana, olivia, tablet):
        other.context.close()


@pytest.mark.parametrize("width", [320, 1280])
def test_the_session_pages_read_well_on_a_small_phone(
    page, world, cycle, axe, width, django_capture_on_commit_callbacks
):
    from signing import services

    from ..signing.conftest import make_session

    session = make_session(world, cycle)
    services.roster_add(
        session=session,
        by=world.manager,
        rows=[services.RosterRow(full_name="Ana Ruiz", email="ana.ruiz@example.org")],
    )
    page.set_viewport_size({"width": width, "height": 800})
    for path, name in [
        (f"/sessions/join/{session.join_token}/", "join"),
        (f"/sessions/join/{session.join_token}/identify/", "identify"),
    ]:
        page.goto(path)
        axe(page, f"session-{name}-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    # A refused trainer's code: the error is announced and the page still fits.
    form = page.locator("form").filter(has=page.get_by_role("button", name="Continue"))
    form.get_by_label("Your full name, as on the list").fill("Nobody Known")
    form.get_by_label("The trainer's code").fill("000000")
    form.get_by_role("button", name="Continue").click()
    page.get_by_text("We could not confirm you").first.wait_for()
    axe(page, f"session-identify-error-{width}")
    sign_in(page, world.manager.email, PASSWORD)
    for path, name in [
        (f"/sessions/{session.pk}/", "detail"),
        (f"/sessions/{session.pk}/projector/", "projector"),
        (f"/sessions/{session.pk}/roster/", "roster"),
        ("/sessions/", "list"),
        ("/sessions/new/", "form"),
    ]:
        page.goto(path)
        axe(page, f"session-{name}-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name


def test_the_kiosk_works_by_keyboard_alone(page, world, cycle, axe):
    from ..signing.conftest import make_session

    session = make_session(world, cycle)
    sign_in(page, world.manager.email, PASSWORD)
    page.goto(f"/sessions/{session.pk}/")
    page.get_by_role("button", name="Make this device the kiosk").focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Poll worker training").wait_for()
    page.get_by_label("Email").focus()
    page.keyboard.type(world.official.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=re.compile("Sign the .* pledge")).wait_for()
    page.get_by_label(re.compile("I agree to sign this pledge electronically")).focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.type("Olivia Chen")
    page.keyboard.press("Enter")
    page.get_by_text("Next person, please.").wait_for()
    pledge = Pledge.objects.get(user=world.official)
    assert pledge.session_shared_device
    assert pledge.session_identified_by == Pledge.IdentifiedBy.OWN_SIGN_IN
