"""Records-request bundles: built by the worker, hashes that match, redactions applied,
who may prepare and download them, bad input, expiry."""

import csv
import hashlib
import io
import json
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import CONFIDENTIAL_NAME, AuditEntry, Membership
from pledges.services import pledge_withdraw
from pledges.transparency import checkpoint_publish
from records.bundles import bundles_expire
from records.models import RecordsBundle

from ..factories import MembershipFactory
from ..pledges.conftest import META, fresh_login, sign

NONE_REDACTED = {"starts_on": "", "ends_on": "", "person": ""}
ALL_REDACTED = {
    **NONE_REDACTED,
    "redact_email": "on",
    "redact_ip_address": "on",
    "redact_browser": "on",
    "redact_confidential": "on",
}


@pytest.fixture
def office_records(world, cycle):
    """The official's active pledge, the colleague's withdrawn one, and a checkpoint."""
    pledge = sign(world.official, cycle)
    withdrawn = sign(world.colleague, cycle)
    pledge_withdraw(pledge=withdrawn, by=world.colleague, reason="Moved away", request_meta=META)
    checkpoint_publish()
    return pledge, withdrawn


@pytest.fixture
def records_officer(world):
    return MembershipFactory(office=world.office, role=Membership.Role.RECORDS_OFFICER).user


def _prepare(client, world, data, capture, *, office=None):
    url = reverse("records:bundle-list", args=[(office or world.office).pk])
    with capture(execute=True):
        return client.post(url, data)


def _download(client, bundle) -> zipfile.ZipFile:
    response = client.get(reverse("records:bundle-download", args=[bundle.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def _csv(archive, path) -> list[dict]:
    text = archive.read(path).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_a_bundle_is_built_by_the_worker_and_its_manifest_hashes_match(
    client, world, office_records, django_capture_on_commit_callbacks
):
    pledge, withdrawn = office_records
    fresh_login(client, world.manager)
    response = _prepare(
        client, world, {**ALL_REDACTED, "request_reference": "PRR-2026-17"},
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    assert response.status_code == 302
    bundle = RecordsBundle.objects.get()
    assert bundle.status == RecordsBundle.Status.READY
    assert bundle.expires_at > timezone.now() + timezone.timedelta(days=6)
    prepared = AuditEntry.objects.get(action="records.bundle_prepared")
    assert (prepared.actor, prepared.office) == (world.manager, world.office)
    page = client.get(reverse("records:bundle-list", args=[world.office.pk])).content.decode()
    assert reverse("records:bundle-download", args=[bundle.pk]) in page

    archive = _download(client, bundle)
    downloaded = AuditEntry.objects.get(action="records.bundle_downloaded")
    assert (downloaded.actor, downloaded.object_id) == (world.manager, str(bundle.pk))
    manifest = json.loads(archive.read("manifest.json"))
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    in_zip = set(archive.namelist()) - {"manifest.json"}
    assert set(listed) == in_zip
    for path, sha in listed.items():
        assert hashlib.sha256(archive.read(path)).hexdigest() == sha, path
    assert {
        f"certificates/{pledge.verification_code}.pdf",
        "pledges.csv",
        "audit-entries.csv",
        "log/checkpoint.json",
        "log/inclusion-proofs.json",
        "cover-letter.pdf",
    } <= in_zip
    # The withdrawn pledge has no certificate; both records are in the CSV.
    assert f"certificates/{withdrawn.verification_code}.pdf" not in in_zip
    rows = _csv(archive, "pledges.csv")
    assert [r["record"] for r in rows] == ["pledge", "pledge", "withdrawal"]
    proofs = json.loads(archive.read("log/inclusion-proofs.json"))
    checkpoint = json.loads(archive.read("log/checkpoint.json"))
    assert proofs[pledge.code_display]["tree_size"] == checkpoint["tree_size"]
    assert proofs[pledge.code_display]["root_hash"] == checkpoint["root_hash"]
    letter = PdfReader(io.BytesIO(archive.read("cover-letter.pdf")))
    text = " ".join(page.extract_text() for page in letter.pages)
    assert "Riverside County Elections" in text and "PRR-2026-17" in text
    assert b"/ByteRange" in archive.read("cover-letter.pdf")  # sealed
    assert manifest["redactions"] == [
        "email",
        "ip_address",
        "browser",
        "confidential_participants",
    ]


def test_redactions_are_applied_and_listed(
    client, world, office_records, django_capture_on_commit_callbacks
):
    pledge, _withdrawn = office_records
    world.official.is_confidential = True
    world.official.save(update_fields=["is_confidential"])
    fresh_login(client, world.manager)
    _prepare(client, world, ALL_REDACTED, django_capture_on_commit_callbacks)
    archive = _download(client, RecordsBundle.objects.get())
    everything = b"".join(
        archive.read(name) for name in archive.namelist() if not name.endswith(".pdf")
    ).decode("utf-8")
    secrets = (world.official.email, world.colleague.email, world.manager.email)
    for secret in (*secrets, "203.0.113.7", "pytest-browser"):
        assert secret not in everything
    assert "Olivia Chen" not in everything
    rows = {r["verification_code"]: r for r in _csv(archive, "pledges.csv")}
    assert rows[pledge.code_display]["name"] == str(CONFIDENTIAL_NAME)
    assert rows[pledge.code_display]["ip_address"] == "[redacted]"
    # The confidential participant's certificate (it names them) is left out.
    assert not [n for n in archive.namelist() if n.startswith("certificates/")]
    manifest = json.loads(archive.read("manifest.json"))
    assert {"pledge": pledge.code_display, "reason": "confidential_participant"} in manifest[
        "withheld"
    ]


def test_a_confidential_preparer_is_not_named_to_the_requester(
    client, world, office_records, django_capture_on_commit_callbacks
):
    """The cover letter and the manifest go to whoever asked for the records: the manager
    who prepared them, if confidential, is not named there."""
    world.manager.is_confidential = True
    world.manager.save(update_fields=["is_confidential"])
    fresh_login(client, world.manager)
    _prepare(client, world, ALL_REDACTED, django_capture_on_commit_callbacks)
    archive = _download(client, RecordsBundle.objects.get())
    letter = " ".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(archive.read("cover-letter.pdf"))).pages
    )
    manifest = archive.read("manifest.json").decode()
    for text in (" ".join(letter.split()), manifest):
        assert world.manager.full_name not in text
        assert world.manager.email not in text
    assert str(CONFIDENTIAL_NAME) in " ".join(letter.split())


def test_without_redactions_the_records_are_whole(
    client, world, office_records, django_capture_on_commit_callbacks
):
    pledge, _withdrawn = office_records
    fresh_login(client, world.manager)
    _prepare(client, world, NONE_REDACTED, django_capture_on_commit_callbacks)
    archive = _download(client, RecordsBundle.objects.get())
    rows = {r["verification_code"]: r for r in _csv(archive, "pledges.csv")}
    row = rows[pledge.code_display]
    assert (row["name"], row["email"], row["ip_address"], row["browser"]) == (
        "Olivia Chen",
        world.official.email,
        "203.0.113.7",
        "pytest-browser/1.0",
    )
    assert json.loads(archive.read("manifest.json"))["redactions"] == []
    assert f"certificates/{pledge.verification_code}.pdf" in archive.namelist()


def test_a_bundle_for_one_person_and_a_date_range_holds_only_theirs(
    client, world, office_records, records_officer, django_capture_on_commit_callbacks
):
    pledge, _withdrawn = office_records
    fresh_login(client, records_officer)
    today = timezone.now().date().isoformat()
    data = {**ALL_REDACTED, "person": world.official.pk, "starts_on": today, "ends_on": today}
    assert _prepare(client, world, data, django_capture_on_commit_callbacks).status_code == 302
    archive = _download(client, RecordsBundle.objects.get())
    assert [r["verification_code"] for r in _csv(archive, "pledges.csv")] == [pledge.code_display]
    audit = _csv(archive, "audit-entries.csv")
    assert audit and {r["action"] for r in audit} <= {
        "pledge.signed",
        "pledge.certificate_downloaded",
    }


def test_a_range_before_any_record_holds_none(
    client, world, office_records, django_capture_on_commit_callbacks
):
    fresh_login(client, world.manager)
    data = {**ALL_REDACTED, "starts_on": "2001-01-01", "ends_on": "2001-12-31"}
    _prepare(client, world, data, django_capture_on_commit_callbacks)
    archive = _download(client, RecordsBundle.objects.get())
    assert _csv(archive, "pledges.csv") == []
    assert _csv(archive, "audit-entries.csv") == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"starts_on": "2026-05-02", "ends_on": "2026-05-01"}, "ends_on"),
        ({"starts_on": "2026-13-01"}, "starts_on"),
        ({"person": "other_official"}, "person"),
    ],
)
def test_bad_input_is_refused_with_the_form_and_400(client, world, data, field):
    if data.get("person") == "other_official":
        data = {"person": world.other_official.pk}
    fresh_login(client, world.manager)
    response = client.post(reverse("records:bundle-list", args=[world.office.pk]), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not RecordsBundle.objects.exists()
    assert not AuditEntry.objects.filter(action="records.bundle_prepared").exists()


@pytest.mark.parametrize("role", ["manager", "records_officer"])
def test_office_a_cannot_bundle_or_download_office_b(
    client, world, office_records, records_officer, role, django_capture_on_commit_callbacks
):
    fresh_login(client, world.other_manager)
    _prepare(client, world, ALL_REDACTED, django_capture_on_commit_callbacks,
             office=world.other_office)  # fmt: skip
    theirs = RecordsBundle.objects.get()
    assert theirs.office == world.other_office
    reader = records_officer if role == "records_officer" else world.manager
    fresh_login(client, reader)
    other_list = reverse("records:bundle-list", args=[world.other_office.pk])
    assert client.get(other_list).status_code == 404
    assert client.post(other_list, ALL_REDACTED).status_code == 404
    download = reverse("records:bundle-download", args=[theirs.pk])
    assert client.get(download).status_code == 404
    assert RecordsBundle.objects.count() == 1
    assert not AuditEntry.objects.filter(action="records.bundle_downloaded").exists()


def test_staff_without_the_role_are_refused(client, world):
    for person in (world.official, world.supervisor):
        fresh_login(client, person)
        url = reverse("records:bundle-list", args=[world.office.pk])
        assert client.get(url).status_code == 403


def test_an_expired_bundle_loses_its_file(
    client, world, office_records, django_capture_on_commit_callbacks
):
    fresh_login(client, world.manager)
    _prepare(client, world, ALL_REDACTED, django_capture_on_commit_callbacks)
    bundle = RecordsBundle.objects.get()
    assert bundles_expire(now=bundle.expires_at - timezone.timedelta(seconds=1)) == 0
    assert bundles_expire(now=bundle.expires_at) == 1
    bundle.refresh_from_db()
    assert (bundle.status, bytes(bundle.content)) == (RecordsBundle.Status.EXPIRED, b"")
    response = client.get(reverse("records:bundle-download", args=[bundle.pk]))
    assert response.status_code == 410


def test_the_records_officer_reads_records_but_does_not_act_on_people(
    client, world, office_records, records_officer
):
    pledge, _withdrawn = office_records
    fresh_login(client, records_officer)
    assert client.get(reverse("accounts:audit-log")).status_code == 200
    assert client.get(reverse("pledges:pledge-detail", args=[pledge.pk])).status_code == 200
    assert client.get(reverse("accounts:people-list")).status_code == 403
    membership = world.official.active_membership
    url = reverse("accounts:membership-update", args=[membership.pk])
    assert client.post(url, {"role": "manager"}).status_code == 403
    assert client.get(reverse("pledges:pledge-office")).status_code == 403
