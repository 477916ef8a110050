"""A confidential participant's name and email appear on no public page and in no
association reader's page or export: every route, visited as the public and as an
association's analyst and administrator, read back as text (PDFs through pypdf)."""

import io

import pytest
from django.urls import NoReverseMatch, reverse
from pypdf import PdfReader

from accounts.models import CONFIDENTIAL_NAME
from reports.models import ReportFile

from .pledges.conftest import sign
from .test_url_matrix import (  # noqa: F401 (fixtures)
    _no_throttle,
    collected_routes,
    matrix,
    visit,
)

READERS = ["anonymous", "analyst", "association_admin"]


@pytest.fixture
def listed(world, cycle):
    """The official signed and chose to be named in the office's public registry; signed
    before `matrix` signs for them, so theirs is this listed pledge."""
    return sign(world.official, cycle, list_publicly=True)


def _text(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    if content.startswith(b"%PDF"):
        reader = PdfReader(io.BytesIO(content))
        return "\n".join(page.extract_text() for page in reader.pages)
    return content.decode("utf-8", errors="replace")


def _read_everything(client, world, kwargs, django_capture_on_commit_callbacks) -> dict:
    """Every page and export each reader may open, as text, by (reader, route)."""
    pages, unvisited = {}, set()
    for reader in READERS:
        client.logout()
        if reader != "anonymous":
            client.force_login(getattr(world, reader))
        for route in sorted(collected_routes()):
            try:
                response = visit(client, kwargs, route)
            except NoReverseMatch:
                unvisited.add(route)  # the URL matrix has no arguments for it yet
                continue
            if response.status_code == 200:
                pages[reader, route] = _text(response)
    assert unvisited == set(), "give these routes their arguments in the URL matrix"
    code = kwargs["pledge-verify-code"]["code"]
    client.logout()
    response = client.get(reverse("pledges:pledge-verify"), {"code": code})
    pages["anonymous", "verify-by-form"] = _text(response)
    # The public log's leaves, with a range (without one the page only explains itself).
    try:
        leaves = reverse("log:log-leaves")
    except NoReverseMatch:
        leaves = None
    if leaves:
        pages["anonymous", "log-leaves-range"] = _text(client.get(leaves, {"start": 0, "end": 50}))
    # The association report's PDF prepared in the background, then downloaded.
    client.force_login(world.analyst)
    prepare = reverse("reports:association-report-pdf-prepare", args=[world.association.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(prepare)
    for report_file in ReportFile.objects.filter(association=world.association):
        response = client.get(reverse("reports:report-file", args=[report_file.pk]))
        pages["analyst", f"report-file-{report_file.pk}"] = _text(response)
    return pages


def _found(pages, person) -> list:
    return [
        where
        for where, text in pages.items()
        if person.full_name in text or person.email in text.lower()
    ]


def test_confidential_name_and_email_appear_nowhere_public(
    client,
    world,
    listed,
    matrix,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    world, kwargs = matrix
    person = world.official
    person.is_confidential = True
    person.save(update_fields=["is_confidential"])
    pages = _read_everything(client, world, kwargs, django_capture_on_commit_callbacks)
    assert len(pages) > 40
    assert ("analyst", "reports:association-report-csv") in pages
    assert ("analyst", "reports:association-report-pdf") in pages
    assert any(key[1].startswith("report-file-") for key in pages)
    assert _found(pages, person) == []
    placeholder = str(CONFIDENTIAL_NAME)
    assert placeholder in pages["anonymous", "pledge-verify-code"]
    assert placeholder in pages["anonymous", "verify-by-form"]
    assert placeholder in pages["anonymous", "pledges:registry-detail"]


def test_the_same_crawl_finds_a_participant_who_is_not_confidential(
    client,
    world,
    listed,
    matrix,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """The crawl can fail: without the mark, the name is on the public pages."""
    world, kwargs = matrix
    pages = _read_everything(client, world, kwargs, django_capture_on_commit_callbacks)
    assert {
        ("anonymous", "pledge-verify-code"),
        ("anonymous", "verify-by-form"),
        ("anonymous", "pledges:registry-detail"),
    } <= set(_found(pages, world.official))


def test_a_confidential_participants_certificate_still_verifies(client, world, listed, cycle):
    world.official.is_confidential = True
    world.official.save(update_fields=["is_confidential"])
    response = client.get(reverse("pledge-verify-code", args=[listed.verification_code]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "This pledge is valid and active." in page
    assert listed.code_display in page
    assert world.official.full_name not in page
