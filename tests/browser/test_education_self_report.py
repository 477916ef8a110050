"""Training taken elsewhere, reported with evidence: the official uploads a PDF, the
manager returns it with a note, the official corrects and sends it again, the manager
approves, and the hours appear on the official's training page. Every page is checked
with axe at 1280 and 320 px; the decision is made with the keyboard."""

import datetime

import pytest
from django.core import mail

from education.models import Credit, SelfReport

from ..factories import PASSWORD
from .conftest import office_menu, sign_in
from .test_keyboard import active, press, tab_to

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def evidence(tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    path = tmp_path / "Ethics workshop certificate.pdf"
    path.write_bytes(PDF)
    return path


def manager_page(browser, live_server, width):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.set_viewport_size({"width": width, "height": 900})
    return page


def open_queue(page, width):
    if width >= 1000:
        page.goto("/")
        office_menu(page, "Training to approve")
    else:
        page.goto("/education/approvals/")
    page.wait_for_url("**/education/approvals/")


def decide_by_keyboard(page, decision: str, note: str = ""):
    """Choose the decision, type the note and send it without the mouse."""
    tab_to(page, lambda el: el["type"] == "radio")
    if decision == "return":
        page.keyboard.press("ArrowDown")  # the second choice of the group
    else:
        page.keyboard.press("Space")
    assert active(page)["type"] == "radio"
    if note:
        tab_to(page, lambda el: el["name"] == "note")
        page.keyboard.type(note)
    tab_to(page, lambda el: el["text"] == "Save the decision")
    press(page, "Enter")


@pytest.mark.parametrize("width", [1280, 320])
def test_reported_training_is_returned_corrected_and_approved(
    page, browser, live_server, world, edition, evidence, axe, width
):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, world.official.email, PASSWORD)
    page.goto("/education/mine/")
    axe(page, f"education-my-training-empty-{width}")
    page.get_by_role("link", name="Report training you took elsewhere").click()
    page.wait_for_url("**/education/mine/report/")
    axe(page, f"education-selfreport-form-{width}")

    # A mistake first: hours out of range, and no file. Nothing is kept; the errors say why.
    page.get_by_label("Training*", exact=True).fill("Ethics in election administration")
    page.get_by_label("Provider").fill("State Association of Election Officials")
    page.get_by_label("Completed on").fill(str(datetime.date.today() - datetime.timedelta(days=9)))
    page.get_by_label("Hours").fill("120")
    page.get_by_role("button", name="Send for approval").click()
    page.wait_for_load_state()
    assert page.get_by_text("more than 0 and at most 80").first.is_visible()
    assert SelfReport.objects.count() == 0
    axe(page, f"education-selfreport-form-errors-{width}")

    page.get_by_label("Hours").fill("6")
    page.get_by_label("2. Knowledge and continuing education").check()
    page.get_by_label("Evidence").set_input_files(str(evidence))
    page.get_by_role("button", name="Send for approval").click()
    page.get_by_text("Your training is reported.").wait_for()
    assert page.locator("[data-state=submitted]").is_visible()
    axe(page, f"education-selfreport-waiting-{width}")
    report = SelfReport.objects.get()
    assert report.evidence_name == "Ethics workshop certificate.pdf"
    assert [m.to for m in mail.outbox] == [[world.manager.email]]

    # The manager looks at the evidence and returns it with a note, by keyboard.
    boss = manager_page(browser, live_server, width)
    sign_in(boss, world.manager.email, PASSWORD)
    open_queue(boss, width)
    axe(boss, f"education-approvals-{width}")
    boss.get_by_role("link", name="Ethics in election administration").click()
    boss.wait_for_url(f"**/education/self-reports/{report.pk}/")
    axe(boss, f"education-selfreport-decide-{width}")
    with boss.expect_download() as download:
        boss.get_by_role("link", name="Download the evidence").click()
    assert download.value.suggested_filename == f"training-evidence-{report.pk}.pdf"
    assert download.value.path().read_bytes() == PDF
    decide_by_keyboard(boss, "return", "Please add the agenda showing the six hours.")
    boss.get_by_text("Returned with your note.").wait_for()
    assert SelfReport.objects.get().state == "returned"

    # The official reads the note, corrects the report and sends it again.
    page.goto("/education/mine/")
    assert page.get_by_text("Please add the agenda showing the six hours.").is_visible()
    axe(page, f"education-my-training-returned-{width}")
    page.get_by_role("link", name="Correct and send again").first.click()
    page.wait_for_url(f"**/education/self-reports/{report.pk}/edit/")
    axe(page, f"education-selfreport-correct-{width}")
    page.get_by_label("Hours").fill("5.5")
    page.get_by_label("New evidence (optional)").set_input_files(str(evidence))
    page.get_by_role("button", name="Send it again").click()
    page.get_by_text("Your corrected report is sent again.").wait_for()

    # The manager approves it; the hours appear on the official's page.
    boss.goto(f"/education/self-reports/{report.pk}/")
    decide_by_keyboard(boss, "approve")
    boss.get_by_text("Approved: the hours now count").wait_for()
    axe(boss, f"education-selfreport-approved-{width}")
    assert Credit.objects.get().hours == 5.5

    page.goto("/education/mine/")
    assert page.locator("[data-hours=total]").inner_text() == "5.50"
    assert page.locator("[data-state=approved]").is_visible()
    axe(page, f"education-my-training-approved-{width}")

    boss.goto("/education/office/")
    assert boss.get_by_role("row", name=world.official.full_name).is_visible()
    axe(boss, f"education-office-hours-{width}")
    boss.context.close()
