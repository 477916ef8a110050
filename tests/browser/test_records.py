import pytest

from accounts.models import Membership

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
