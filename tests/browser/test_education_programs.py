"""Certification programs in a real browser: an association administrator defines one, a
person enrols and sees their progress and certificate, the analyst sees the member
offices' progress with small offices suppressed. Every page checked with axe."""

import pytest

from accounts.models import Membership
from education import services
from education.models import Program

from ..education.program_helpers import course, days_ago, earn
from ..factories import PASSWORD, MembershipFactory, OfficeFactory
from .conftest import sign_in


def sign_out(page):
    page.context.clear_cookies()


@pytest.mark.parametrize("width", [1280, 320])
def test_a_program_from_definition_to_certificate_and_the_association_view(
    page, world, edition, axe, width
):
    page.set_viewport_size({"width": width, "height": 900})
    required = course(world.association, by=world.association_admin, title="Ballot security")
    # Two more member offices, of 8 and 6 people enrolled.
    pine = OfficeFactory(name="Pine County Elections")
    maple = OfficeFactory(name="Maple City Clerk")
    world.association.offices.add(pine, maple)

    # The administrator defines the program.
    sign_in(page, world.association_admin.email, PASSWORD)
    page.goto("/education/programs/")
    axe(page, f"education-programs-admin-{width}")
    page.get_by_role("link", name="Define a program").click()
    page.get_by_label("Name").fill("Certified Elections Administrator")
    page.get_by_label("Hours required in each period").fill("0")
    page.get_by_label("Length of a period, in months").fill("24")
    page.get_by_label("Ballot security").check()
    page.get_by_role("button", name="Define the program").click()
    page.get_by_text("Ensure this value is greater than or equal to 0.5.", exact=True).wait_for()
    axe(page, f"education-program-form-error-{width}")
    page.get_by_label("Hours required in each period").fill("8")
    page.get_by_role("button", name="Define the program").click()
    page.get_by_role("heading", name="Certified Elections Administrator", level=1).wait_for()
    axe(page, f"education-program-defined-{width}")
    program = Program.objects.get()
    assert list(program.required_courses.all()) == [required]
    sign_out(page)

    # The official enrols and sees what is missing, then what was met.
    sign_in(page, world.official.email, PASSWORD)
    page.goto(f"/education/programs/{program.pk}/")
    page.get_by_role("button", name="Enrol in this program").click()
    page.get_by_text("You are enrolled.").wait_for()
    assert page.get_by_text("Lapses on").is_visible()
    axe(page, f"education-program-progress-{width}")
    earn(world.official, required, on=days_ago(0))
    page.reload()
    page.get_by_role("link", name="Download the certificate of completion (PDF)").wait_for()
    axe(page, f"education-program-complete-{width}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the certificate of completion (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")
    sign_out(page)

    for office, size in ((pine, 8), (maple, 6)):
        for n in range(size):
            person = MembershipFactory(office=office, role=Membership.Role.OFFICIAL).user
            services.enrol(user=person, program=program)
            if n % 2:
                earn(person, required, on=days_ago(0))

    # The analyst sees Pine's figures. Riverside (one person) is suppressed, and Maple
    # with it: the offices hidden must hold at least five people, or the total minus the
    # offices shown would give Riverside's one person away.
    sign_in(page, world.analyst.email, PASSWORD)
    page.goto(f"/education/associations/{world.association.pk}/programs/{program.pk}/")
    table = page.get_by_role("table", name="Progress per member office")
    row = table.get_by_role("row", name="Pine County Elections")
    assert row.get_by_role("cell").all_inner_texts()[:3] == ["8", "4", "50\u00a0%"]
    for hidden in ("Riverside County Elections", "Maple City Clerk"):
        cells = table.get_by_role("row", name=hidden).get_by_role("cell")
        assert cells.all_inner_texts() == ["Suppressed"]
    assert table.get_by_role("row", name="The 1 office shown above").is_visible()
    axe(page, f"education-program-association-{width}")
