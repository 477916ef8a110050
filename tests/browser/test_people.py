import re

from django.core import mail

from accounts.models import Invitation, User

from ..factories import PASSWORD
from .conftest import office_menu, sign_in

NEW_PASSWORD = "a-long-and-unusual-passphrase"


def test_a_manager_invites_with_the_keyboard_and_the_person_accepts(page, world, cycle, axe):
    page.goto("/accounts/login/")
    axe(page, "sign-in-manager")
    sign_in(page, world.manager.email, PASSWORD)
    axe(page, "home-manager")
    office_menu(page, "People")
    page.wait_for_url("**/people/")
    axe(page, "people-list-actions")
    page.get_by_role("link", name="Invite a person").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/people/invite/")
    axe(page, "invitation-create")

    page.get_by_label("Full name").focus()
    page.keyboard.type("Jordan Lee")
    page.keyboard.press("Tab")
    page.keyboard.type("jordan.lee@example.org")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # official → supervisor
    page.keyboard.press("Tab")
    page.keyboard.type(world.manager.full_name)  # type-ahead picks the option
    assert page.get_by_label("Reports to").input_value() == str(world.manager.pk)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/people/invitations/")
    assert "Invitation sent to jordan.lee@example.org" in page.content()
    axe(page, "invitation-list")

    invitation = Invitation.objects.get(email="jordan.lee@example.org")
    assert invitation.role == "supervisor"
    assert invitation.reports_to == world.manager
    message = mail.outbox[-1]
    link = re.search(r"https?://\S+/people/invitations/\S+/", message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(lambda url: "/people/" not in url)
    axe(page, "signed-out")
    page.goto("/" + path)
    assert world.office.name in page.content()
    axe(page, "invitation-accept")

    page.locator("#id_password1").fill("short")
    page.locator("#id_password2").fill("short")
    page.get_by_role("button", name="Accept and sign in").click()
    assert "too short" in page.content()
    axe(page, "invitation-accept-errors")

    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    page.locator("#id_password2").press("Enter")
    page.wait_for_url(lambda url: "/people/invitations/" not in url)
    assert "Welcome, Jordan" in page.get_by_role("heading", level=1).inner_text()
    axe(page, "home-after-accepting")
    user = User.objects.get(email="jordan.lee@example.org")
    assert user.active_membership.office == world.office

    page.goto("/" + path)
    axe(page, "invitation-used")


def test_roster_preview_and_people_pages_are_accessible(page, world, cycle, axe, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "name,email,role,reports_to_email\n"
        f"Kim Park,kim.park@example.org,official,{world.supervisor.email}\n"
        f"Known Person,{world.official.email},official,\n"
        "Bad Line,not-an-email,official,\n",
        encoding="utf-8",
    )
    sign_in(page, world.manager.email, PASSWORD)
    page.goto("/people/roster/")
    axe(page, "roster-upload")
    page.get_by_label("Roster file (CSV)").set_input_files(str(roster))
    page.get_by_role("button", name="Preview").click()
    assert "not a valid email" in page.content()
    axe(page, "roster-upload-errors")

    roster.write_text(
        "name,email,role,reports_to_email\n"
        f"Kim Park,kim.park@example.org,official,{world.supervisor.email}\n"
        f"Known Person,{world.official.email},official,\n",
        encoding="utf-8",
    )
    page.get_by_label("Roster file (CSV)").set_input_files(str(roster))
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url(re.compile(r".*/people/roster/\d+/$"))
    axe(page, "roster-preview")
    page.get_by_role("button", name="Send 1 invitation").click()
    page.wait_for_url("**/people/invitations/")
    assert "kim.park@example.org" in page.content()
    axe(page, "invitation-list-after-roster")

    page.goto("/people/")
    axe(page, "people-list-after-roster")
    page.get_by_role("link", name=f"Change {world.official.full_name}").click()
    axe(page, "membership-update")
    page.goto("/people/")
    page.get_by_role("link", name=f"Deactivate {world.colleague.full_name}").click()
    axe(page, "membership-deactivate")
    page.get_by_role("button", name="Deactivate").click()
    page.wait_for_url("**/people/")
    assert "has been deactivated" in page.content()
    assert world.colleague.email not in page.content()
    axe(page, "people-list-after-deactivation")


def test_association_pages_are_accessible(page, world, cycle, axe):
    sign_in(page, world.association_admin.email, PASSWORD)
    axe(page, "home-association-admin")
    page.get_by_role("link", name="Manage member offices and analysts").click()
    axe(page, "association-detail")
    page.get_by_role("link", name="Add an existing office").click()
    page.get_by_label("Office name").fill("County")
    page.get_by_label("Office name").press("Enter")
    page.wait_for_url("**q=County**")
    axe(page, "association-office-add")
    page.goto(f"/people/associations/{world.association.pk}/offices/new/")
    axe(page, "association-office-create")
    page.goto(f"/people/associations/{world.association.pk}/invite/")
    axe(page, "association-invitation-create")


def test_sign_in_page_offers_no_sign_up(page, db, axe):
    page.goto("/accounts/login/")
    assert "sign up" not in page.content().lower()
    assert page.get_by_role("link", name="Forgot your password?").count() == 1
    axe(page, "sign-in-no-sign-up")
