"""The audit log, "My account", sessions and "download my data" in a real browser, with axe."""

import datetime

from django.utils import timezone

from accounts.models import AuditEntry

from ..factories import PASSWORD
from .conftest import sign_in


def test_a_manager_reads_and_filters_the_office_audit_log(page, world, axe):
    for n in range(3):
        AuditEntry.objects.create(
            office=world.office,
            action="invitation.sent",
            actor_label=world.manager.email,
            object_label=f"new.person{n}@example.org → Riverside County Elections (CO)",
            ip_address="203.0.113.5",
            details={"role": "official"},
        )
    AuditEntry.objects.create(
        office=world.other_office, action="pledge.signed", object_label="Lakeside secret"
    )
    sign_in(page, world.manager.email, PASSWORD)
    page.goto("/people/")
    page.get_by_role("link", name="Audit log").click()
    page.wait_for_url("**/people/audit/")
    assert "Lakeside secret" not in page.content()
    axe(page, "audit-log-manager")

    page.get_by_label("What").select_option(label="Invitation sent")
    page.get_by_label("From (UTC date)").fill(timezone.now().date().isoformat())
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/people/audit/?*action=invitation.sent*")
    rows = page.locator("table.audit-table tbody tr")
    assert rows.count() == 3
    with page.expect_download() as download:
        page.get_by_role("link", name="Download these entries (CSV)").click()
    assert download.value.suggested_filename.startswith("audit-log-")

    tomorrow = timezone.now().date() + datetime.timedelta(days=1)
    page.goto(f"/people/audit/?start={tomorrow.isoformat()}&end=2000-01-01")
    assert "must not be after" in page.content()
    axe(page, "audit-log-bad-filter")


def test_a_site_administrator_reads_every_office(page, world, axe):
    AuditEntry.objects.create(
        office=world.other_office, action="pledge.signed", object_label="Lakeside"
    )
    sign_in(page, world.site_admin.email, PASSWORD)
    page.get_by_role("link", name="My account").click()
    page.get_by_role("link", name="Audit log (all offices)").click()
    page.wait_for_url("**/people/audit/")
    assert "Lakeside" in page.content()
    axe(page, "audit-log-administrator")


def test_an_official_finds_their_account_sessions_and_data(page, world, axe):
    sign_in(page, world.official.email, PASSWORD)
    page.get_by_role("link", name="My account").click()
    page.wait_for_url("**/people/me/")
    axe(page, "my-account")

    page.get_by_role("link", name="Where you are signed in").click()
    page.wait_for_url("**/accounts/sessions/")
    axe(page, "sessions")

    page.go_back()
    page.get_by_role("link", name="Download my data").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/people/me/data/")
    axe(page, "my-data")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as JSON").click()
    assert download.value.suggested_filename.endswith(".json")
    assert AuditEntry.objects.filter(action="personal_data.exported").count() == 2
