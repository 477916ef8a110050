import pytest

from accounts.models import Membership
from records.bundles import build_records_bundle
from records.models import RecordsBundle

from ..factories import PASSWORD, MembershipFactory
from ..pledges.conftest import sign
from .conftest import office_menu, sign_in


@pytest.mark.parametrize("width", [1280, 320])
def test_a_records_officer_prepares_and_downloads_a_bundle(page, world, cycle, axe, width):
    officer = MembershipFactory(office=world.office, role=Membership.Role.RECORDS_OFFICER).user
    sign(world.official, cycle)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, officer.email, PASSWORD)
    page.goto(f"/records/offices/{world.office.pk}/bundles/")
    axe(page, f"records-bundles-empty-{width}")
    page.get_by_label("Person").select_option(str(world.official.pk))
    page.get_by_label("Records until").fill("2001-01-01")
    page.get_by_label("Records from").fill("2001-01-02")
    page.get_by_role("button", name="Prepare the bundle").click()
    page.wait_for_load_state()
    assert "The range ends before it starts." in page.content()
    axe(page, f"records-bundles-error-{width}")
    page.get_by_label("Records until").fill("")
    page.get_by_label("Records from").fill("")
    page.get_by_role("button", name="Prepare the bundle").click()
    page.get_by_text("The bundle is being prepared.").wait_for()
    # The test server runs tasks at once: the bundle is listed ready on the next visit.
    page.get_by_role("link", name="Reload").click()
    link = page.get_by_role("link", name="Download (ZIP)")
    link.wait_for()
    axe(page, f"records-bundles-ready-{width}")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".zip")


def test_the_manager_finds_records_requests_in_the_office_menu(page, world, cycle, axe):
    sign_in(page, world.manager.email, PASSWORD)
    page.wait_for_url("**/")
    office_menu(page, "Records requests")
    page.wait_for_url(f"**/records/offices/{world.office.pk}/bundles/")


@pytest.mark.parametrize("width", [1280, 320])
def test_the_bundle_list_offers_a_bundle_when_the_worker_has_built_it(
    page, world, cycle, axe, width
):
    sign(world.official, cycle)
    bundle = RecordsBundle.objects.create(office=world.office, requested_by=world.manager)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, world.manager.email, PASSWORD)
    page.goto(f"/records/offices/{world.office.pk}/bundles/")
    assert page.get_by_role("cell", name="Being prepared").is_visible()
    axe(page, f"records-bundles-pending-{width}")
    page.evaluate("window.notReloaded = true")
    build_records_bundle.call(bundle.pk)  # the worker, in another process in real life
    page.get_by_role("status").filter(has_text="Bundle ready").wait_for()
    link = page.get_by_role("link", name="Download (ZIP)")
    link.wait_for()
    assert page.evaluate("window.notReloaded") is True
    assert page.get_by_role("link", name="Reload").is_visible()
    axe(page, f"records-bundles-offered-{width}")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == RecordsBundle.objects.get().filename


@pytest.mark.parametrize("width", [1280, 320])
def test_a_records_officer_places_and_lifts_a_legal_hold(page, world, axe, width):
    from records.models import LegalHold

    officer = MembershipFactory(office=world.office, role=Membership.Role.RECORDS_OFFICER).user
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, officer.email, PASSWORD)
    page.wait_for_url("**/")
    nav = page.get_by_role("navigation", name="Main")
    if width < 992:
        page.get_by_role("button", name="Show menu").click()
    nav.get_by_role("link", name="Retention and legal holds").click()
    page.wait_for_url(f"**/records/offices/{world.office.pk}/retention/")
    page.get_by_text("No legal hold touches this office.").wait_for()
    axe(page, f"records-retention-empty-{width}")
    # No reason: refused, with the message beside the field.
    page.get_by_role("button", name="Place the hold").click()
    page.wait_for_load_state()
    page.get_by_text("This field is required.", exact=True).wait_for()
    axe(page, f"records-retention-error-{width}")
    page.get_by_label("Person").select_option(str(world.official.pk))
    page.get_by_label("Reason").fill("Public records request 2026-114")
    page.get_by_role("button", name="Place the hold").click()
    page.get_by_text("The legal hold is placed").wait_for()
    axe(page, f"records-retention-held-{width}")
    hold = LegalHold.objects.get()
    assert (hold.office, hold.person, hold.placed_by) == (world.office, world.official, officer)
    # Lifted with the keyboard: open the disclosure, write why, send.
    page.get_by_text("Lift this hold").focus()
    page.keyboard.press("Enter")
    page.get_by_label("Why it is lifted").fill("Request answered")
    page.get_by_role("button", name="Lift the hold").press("Enter")
    page.get_by_text("The legal hold is lifted").wait_for()
    page.get_by_text("Request answered").wait_for()
    axe(page, f"records-retention-lifted-{width}")
    hold.refresh_from_db()
    assert (hold.lifted_by, hold.lift_reason) == (officer, "Request answered")


def test_the_manager_finds_retention_in_the_office_menu(page, world):
    sign_in(page, world.manager.email, PASSWORD)
    page.wait_for_url("**/")
    office_menu(page, "Retention and legal holds")
    page.wait_for_url(f"**/records/offices/{world.office.pk}/retention/")
