"""A bundle's status for the list page to poll, and its cover letter's times."""

import datetime
import io
import json

from django.urls import reverse
from django.utils import formats, timezone, translation
from pypdf import PdfReader

from records.bundles import build_records_bundle
from records.models import RecordsBundle

from ..pledges.conftest import fresh_login
from .test_bundles import ALL_REDACTED, _download, _prepare, office_records  # noqa: F401


def _status(client, bundle) -> dict:
    response = client.get(reverse("records:bundle-status", args=[bundle.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_the_status_says_pending_then_ready_with_the_download_link(client, world, cycle):
    bundle = RecordsBundle.objects.create(office=world.office, requested_by=world.manager)
    fresh_login(client, world.manager)
    assert _status(client, bundle) == {
        "status": "pending",
        "label": "Being prepared",
        "error": "",
        "url": "",
        "until": "",
    }
    build_records_bundle.call(bundle.pk)
    bundle.refresh_from_db()
    data = _status(client, bundle)
    assert data["status"] == "ready"
    assert data["url"] == reverse("records:bundle-download", args=[bundle.pk])
    expires = formats.date_format(timezone.localtime(bundle.expires_at), "DATE_FORMAT")
    assert data["until"] == f"Until {expires}"


def test_the_list_polls_only_bundles_being_prepared(client, world, cycle):
    pending = RecordsBundle.objects.create(office=world.office, requested_by=world.manager)
    ready = RecordsBundle.objects.create(office=world.office, requested_by=world.manager)
    build_records_bundle.call(ready.pk)
    fresh_login(client, world.manager)
    page = client.get(reverse("records:bundle-list", args=[world.office.pk])).content.decode()
    assert f'data-bundle-status="{reverse("records:bundle-status", args=[pending.pk])}"' in page
    assert reverse("records:bundle-status", args=[ready.pk]) not in page
    assert 'src="/static/js/records.js"' in page
    assert 'role="status"' in page and "<script>" not in page
    assert ">Reload</a>" in page


def test_the_cover_letter_gives_its_time_in_utc(
    client,
    world,
    office_records,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    fresh_login(client, world.manager)
    _prepare(client, world, ALL_REDACTED, django_capture_on_commit_callbacks)
    archive = _download(client, RecordsBundle.objects.get())
    manifest = json.loads(archive.read("manifest.json"))
    prepared = datetime.datetime.fromisoformat(manifest["prepared_at"])
    with translation.override("en"):
        utc = formats.date_format(prepared.astimezone(datetime.UTC), "DATETIME_FORMAT")
    letter = PdfReader(io.BytesIO(archive.read("cover-letter.pdf")))
    text = " ".join(" ".join(page.extract_text().split()) for page in letter.pages)
    assert f"Prepared on {utc} (UTC)" in text
