""" "Download my data": everything the portal holds about a person, as JSON and as PDF."""

import datetime
import io
import json
import time

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import AuditEntry
from front.exports import my_data_json, my_data_pdf
from pledges.services import RequestMeta, pledge_sign, pledge_withdraw
from tests.assessments.conftest import make_assessment

from ..factories import CycleFactory

ACCOUNT = reverse("accounts:my-account")
PAGE = reverse("accounts:my-data")
JSON = reverse("accounts:my-data-download", args=["json"])
PDF = reverse("accounts:my-data-download", args=["pdf"])


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def history(world, cycle, edition):
    """An official with a withdrawn and a current pledge, and a returned assessment."""
    meta = RequestMeta(ip_address="192.0.2.10", user_agent="Test browser")
    first, _ = pledge_sign(
        user=world.official, cycle=cycle, typed_name=world.official.full_name, consent=True,
        request_meta=meta,
    )  # fmt: skip
    pledge_withdraw(pledge=first, by=world.official, reason="Signed by mistake", request_meta=meta)
    pledge_sign(
        user=world.official, cycle=cycle, typed_name=world.official.full_name, consent=True,
        request_meta=meta,
    )  # fmt: skip
    assessment = make_assessment(world.official, cycle, state="returned", reviewer=world.supervisor)
    return assessment


def more_history(world, edition, count):
    """`count` more closed cycles, each with a pledge-free accepted assessment."""
    today = datetime.date.today()
    for n in range(count):
        cycle = CycleFactory(
            name=f"past-{n}",
            edition=edition,
            opens_on=today - datetime.timedelta(days=2000 + 400 * n),
            closes_on=today - datetime.timedelta(days=1700 + 400 * n),
        )
        from assessments.models import Assessment

        Assessment.objects.create(user=world.official, office=world.office, cycle=cycle)


def test_json_holds_everything_about_the_person(world, history):
    filename, content_type, data = my_data_json(world.official)
    assert content_type == "application/json"
    assert filename.startswith("my-data-") and filename.endswith(".json")
    held = json.loads(data)
    assert held["profile"]["email"] == world.official.email
    assert held["memberships"][0]["office"].startswith("Riverside County Elections")
    assert held["memberships"][0]["reports_to"]["email"] == world.supervisor.email
    assert [p["withdrawal"] is None for p in held["pledges"]] == [False, True]
    assert held["pledges"][0]["withdrawal"]["reason"] == "Signed by mistake"
    assert held["pledges"][0]["ip_address"] == "192.0.2.10"
    (assessment,) = held["assessments"]
    assert assessment["state"] == "Returned for revision"
    assert len(assessment["responses"]) == 38
    assert {t["action"] for t in assessment["transitions"]} == {
        "Submitted",
        "Returned for revision",
    }
    (review,) = assessment["reviews"]
    assert review["reviewer"]["email"] == world.supervisor.email
    assert review["note"] == "Please add examples."
    actions = {e["action"] for e in held["audit_entries"]}
    assert {"pledge.signed", "pledge.withdrawn", "assessment.submitted"} <= actions


def test_json_holds_nothing_about_colleagues(world, history, cycle):
    make_assessment(world.colleague, cycle, state="submitted")
    held = my_data_json(world.official)[2].decode()
    assert world.colleague.email not in held
    assert world.other_official.email not in held


def test_json_never_includes_secrets(client, world, history):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(
        user=world.official, type=Authenticator.Type.TOTP, data={"secret": "TOPSECRETSEED"}
    )
    held = my_data_json(world.official)[2].decode()
    assert "TOPSECRETSEED" not in held
    assert world.official.password not in held
    assert json.loads(held)["profile"]["two_factor_methods"][0]["type"]


def test_pdf_is_a_tagged_document_with_the_person_data(world, history):
    started = time.perf_counter()
    filename, content_type, data = my_data_pdf(world.official)
    elapsed = time.perf_counter() - started
    assert content_type == "application/pdf" and data.startswith(b"%PDF-")
    assert filename.endswith(".pdf")
    reader = PdfReader(io.BytesIO(data))
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "en"
    assert reader.metadata.title == (
        f"Personal data held by Standards Portal: {world.official.full_name}"
    )
    text = pdf_text(data)
    assert world.official.full_name in text
    assert "Signed by mistake" in text
    assert "Please add examples." in text
    assert elapsed < 10


@pytest.mark.parametrize("who", ["official", "manager", "site_admin", "analyst"])
def test_everyone_signed_in_downloads_their_own_data_only(client, world, who):
    person = getattr(world, who)
    client.force_login(person)
    assert client.get(PAGE).status_code == 200
    response = client.get(JSON)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    assert response["Cache-Control"] == "private, no-store"
    held = json.loads(response.content)
    assert held["profile"]["email"] == person.email
    exported = AuditEntry.objects.get(action="personal_data.exported")
    assert (exported.actor, exported.details) == (person, {"format": "json"})


def test_pdf_download(client, world, history):
    client.force_login(world.official)
    response = client.get(PDF)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    exported = AuditEntry.objects.get(action="personal_data.exported")
    assert (exported.office, exported.details) == (world.office, {"format": "pdf"})


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for url in (ACCOUNT, PAGE, JSON, PDF):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("kind", ["xml", "csv", "JSON", "pdf2"])
def test_an_unknown_format_is_not_found(client, world, kind):
    client.force_login(world.official)
    assert client.get(reverse("accounts:my-data-download", args=[kind])).status_code == 404
    assert not AuditEntry.objects.filter(action="personal_data.exported").exists()


def test_downloads_are_read_only(client, world):
    client.force_login(world.official)
    assert client.post(JSON).status_code == 405
    assert client.post(PAGE).status_code == 405


def test_the_account_page_links_to_the_data_and_for_managers_the_log(client, world):
    client.force_login(world.official)
    page = client.get(ACCOUNT).content.decode()
    assert PAGE in page and reverse("accounts:audit-log") not in page
    client.force_login(world.manager)
    assert reverse("accounts:audit-log") in client.get(ACCOUNT).content.decode()
    home = client.get(reverse("home")).content.decode()
    assert f'href="{ACCOUNT}"' in home


@pytest.mark.parametrize("extra_cycles", [0, 5])
def test_the_export_reads_a_fixed_number_of_queries(
    world, history, edition, django_assert_num_queries, extra_cycles
):
    more_history(world, edition, extra_cycles)
    # emails, memberships, roles, invitations, pledges, assessments, responses, goals,
    # transitions, reviews, review items, audit entries, authenticators
    with django_assert_num_queries(13):
        my_data_json(world.official)


@pytest.mark.parametrize("extra_cycles", [0, 5])
def test_the_json_download_reads_a_fixed_number_of_queries(
    client, world, history, edition, django_assert_num_queries, extra_cycles
):
    more_history(world, edition, extra_cycles)
    client.force_login(world.official)
    # session, user with membership, the download's audit entry, then the 13 of the export
    with django_assert_num_queries(16):
        assert client.get(JSON).status_code == 200
