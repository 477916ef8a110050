"""Exports of reports and personal data, and every admin-site change, are audited."""

import pytest
from django.urls import reverse

from accounts.models import AuditEntry, Office
from pledges.services import RequestMeta, pledge_sign
from reports.models import ReportFile

from ..reports.conftest import staff_with_answers

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.77"


def last(action):
    return AuditEntry.objects.filter(action=action).latest("pk")


def download(client, url):
    response = client.get(url, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200, url
    b"".join(response.streaming_content) if response.streaming else response.content
    return response


@pytest.mark.parametrize(
    ("name", "format"), [("office-report-csv", "csv"), ("office-report-pdf", "pdf")]
)
def test_office_report_exports_are_recorded(client, world, cycle, name, format):
    staff_with_answers(world.office, cycle, [3] * 5)
    client.force_login(world.manager)
    download(client, reverse(f"reports:{name}", args=[world.office.pk]))
    entry = last("report.exported")
    assert entry.actor == world.manager
    assert entry.office == world.office
    assert entry.ip_address == ADDRESS
    assert entry.details == {"report": "office", "format": format, "cycle": str(cycle)}


@pytest.mark.parametrize(
    ("name", "format"), [("association-report-csv", "csv"), ("association-report-pdf", "pdf")]
)
def test_association_report_exports_are_recorded(client, world, cycle, name, format):
    staff_with_answers(world.office, cycle, [3] * 5)
    client.force_login(world.analyst)
    download(client, reverse(f"reports:{name}", args=[world.association.pk]))
    entry = last("report.exported")
    assert (entry.actor, entry.office, entry.ip_address) == (world.analyst, None, ADDRESS)
    assert entry.object_id == str(world.association.pk)
    assert entry.details["report"] == "association" and entry.details["format"] == format


def test_a_prepared_report_pdf_download_is_recorded(client, world, cycle):
    report_file = ReportFile.objects.create(
        kind=ReportFile.Kind.OFFICE,
        office=world.office,
        cycle=cycle,
        requested_by=world.manager,
        status=ReportFile.Status.READY,
        filename="report.pdf",
        content=b"%PDF-1.7",
    )
    client.force_login(world.manager)
    download(client, reverse("reports:report-file", args=[report_file.pk]))
    entry = last("report.exported")
    assert (entry.actor, entry.office) == (world.manager, world.office)
    assert entry.details["format"] == "pdf"


def test_a_refused_export_records_nothing(client, world, cycle):
    client.force_login(world.other_manager)
    response = client.get(reverse("reports:office-report-csv", args=[world.office.pk]))
    assert response.status_code in (403, 404)
    assert not AuditEntry.objects.filter(action="report.exported").exists()


def test_audit_log_csv_is_recorded(client, world):
    client.force_login(world.manager)
    download(client, reverse("accounts:audit-log-csv"))
    entry = last("audit.exported")
    assert (entry.actor, entry.office, entry.ip_address) == (world.manager, world.office, ADDRESS)


@pytest.mark.parametrize("kind", ["json", "pdf"])
def test_my_data_download_is_recorded(client, world, kind):
    client.force_login(world.official)
    download(client, reverse("accounts:my-data-download", args=[kind]))
    entry = last("personal_data.exported")
    assert (entry.actor, entry.ip_address) == (world.official, ADDRESS)


def test_certificate_download_is_recorded(client, world, cycle):
    pledge, _ = pledge_sign(
        user=world.official,
        cycle=cycle,
        typed_name=world.official.full_name,
        consent=True,
        request_meta=RequestMeta(ip_address=None, user_agent="", auth_method="password"),
    )
    client.force_login(world.official)
    download(client, reverse("pledges:pledge-certificate", args=[pledge.pk]))
    entry = last("pledge.certificate_downloaded")
    assert (entry.actor, entry.ip_address) == (world.official, ADDRESS)


# The admin site

OFFICE_FORM = {
    "state": "CO",
    "kind": "county",
    "created_at_0": "2026-01-05",
    "created_at_1": "09:00:00",
}


def test_admin_add_change_and_delete_are_recorded_with_the_address(client, world):
    client.force_login(world.site_admin)
    add = client.post(
        reverse("admin:accounts_office_add"),
        {**OFFICE_FORM, "name": "Brookside Elections"},
        REMOTE_ADDR=ADDRESS,
    )
    assert add.status_code == 302, add.content.decode()[:2000]
    office = Office.objects.get(name="Brookside Elections")
    added = last("admin.added")
    assert (added.actor, added.ip_address) == (world.site_admin, ADDRESS)
    assert added.object_id == str(office.pk)

    change = client.post(
        reverse("admin:accounts_office_change", args=[office.pk]),
        {**OFFICE_FORM, "name": "Brookside County Elections"},
        REMOTE_ADDR=ADDRESS,
    )
    assert change.status_code == 302
    changed = last("admin.changed")
    assert changed.details["model"] == "accounts.office"
    assert "Name" in str(changed.details["changes"])

    delete = client.post(
        reverse("admin:accounts_office_delete", args=[office.pk]),
        {"post": "yes"},
        REMOTE_ADDR=ADDRESS,
    )
    assert delete.status_code == 302
    deleted = last("admin.deleted")
    assert (deleted.object_label, deleted.ip_address) == (
        "Brookside County Elections (CO)",
        ADDRESS,
    )
    assert not Office.objects.filter(pk=office.pk).exists()


def test_admin_bulk_delete_records_each_object(client, world):
    offices = [Office.objects.create(name=f"Spare {n}", state="CO") for n in range(3)]
    client.force_login(world.site_admin)
    response = client.post(
        reverse("admin:accounts_office_changelist"),
        {"action": "delete_selected", "_selected_action": [o.pk for o in offices], "post": "yes"},
    )
    assert response.status_code == 302
    deleted = AuditEntry.objects.filter(action="admin.deleted")
    assert sorted(deleted.values_list("object_id", flat=True)) == sorted(str(o.pk) for o in offices)


def test_every_admin_page_model_is_audited():
    from django.contrib import admin

    from accounts.admin_site import AuditedModelAdmin

    assert admin.site._registry
    for model_admin in admin.site._registry.values():
        assert isinstance(model_admin, AuditedModelAdmin), type(model_admin)


def test_admin_change_inside_an_office_shows_in_that_office_log(client, world):
    from accounts.models import Membership

    membership = Membership.objects.get(user=world.official)
    client.force_login(world.site_admin)
    response = client.post(
        reverse("admin:accounts_membership_delete", args=[membership.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    entry = last("admin.deleted")
    assert (entry.office, entry.object_id) == (world.office, str(membership.pk))
