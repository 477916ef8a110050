"""Hostile markup stored through every free-text field is shown as text on every page,
PDF and CSV that displays it; CSV cells that a spreadsheet would run are neutralised."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.audit import audit_record
from accounts.models import Invitation, RosterUpload, User
from assessments.models import (
    Assessment,
    ItemResponse,
    Review,
    ReviewItem,
    StandardGoal,
    Transition,
)
from assessments.summaries import summaries_rebuild
from core.documents import CSV_DANGEROUS_PREFIXES
from pledges.models import Pledge
from pledges.services import pledge_withdraw

from ..pledges.conftest import META, fresh_login, sign
from ..test_url_matrix import EXPECTED, ROLES
from .conftest import signed_in_clients
from .routes import ROUTES
from .test_routes import RAW_MARKUP

MARK = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
# Leading = + - @: a spreadsheet would run these as formulas if exported as they are.
NAMES = {
    "official": "=HYPERLINK(1) " + MARK,
    "supervisor": "+SUM(1) " + MARK,
    "manager": "@cmd " + MARK,
    "colleague": "-2+3 " + MARK,
    "other_supervisor": "\t=1 " + MARK,
}


@pytest.fixture
def poisoned(hostile_world):
    """Hostile text in every free-text field the portal stores and shows."""
    world, kwargs = hostile_world
    for role, name in NAMES.items():
        User.objects.filter(pk=getattr(world, role).pk).update(full_name=name)
        getattr(world, role).refresh_from_db()
    world.office.name = "=1+2 " + MARK
    world.office.save(update_fields=["name"])
    world.association.name = "@SUM " + MARK
    world.association.save(update_fields=["name"])

    assessment = Assessment.objects.get(user=world.official)
    Assessment.objects.filter(pk=assessment.pk).update(state="returned", version=2)
    responses = list(ItemResponse.objects.filter(assessment=assessment).order_by("item__position"))
    ItemResponse.objects.filter(pk=responses[0].pk).update(
        rating=None, not_applicable=True, na_reason="=na " + MARK
    )
    ItemResponse.objects.filter(pk__in=[r.pk for r in responses[1:]]).update(
        comment="-comment " + MARK
    )
    StandardGoal.objects.create(
        assessment=assessment, standard=responses[0].item.standard, goal="+goal " + MARK
    )
    review = Review.objects.create(
        assessment=assessment,
        reviewer=world.supervisor,
        decision="return",
        note="=note " + MARK,
        assessment_version=1,
    )
    ReviewItem.objects.bulk_create(
        ReviewItem(review=review, item=r.item, rating=2, comment="@review " + MARK)
        for r in responses
    )
    Transition.objects.create(
        assessment=assessment,
        action="returned",
        from_state="submitted",
        to_state="returned",
        by=world.supervisor,
        note="=transition " + MARK,
    )
    summaries_rebuild()

    sign(
        world.colleague,
        assessment.cycle,
        typed_name="<b>" + MARK,
        list_publicly=True,
        name_confirmed=True,
    )
    withdrawn = sign(
        world.other_supervisor, assessment.cycle, typed_name="Other Supervisor", name_confirmed=True
    )
    pledge_withdraw(
        pledge=withdrawn, by=world.other_supervisor, reason="=why " + MARK, request_meta=META
    )
    Invitation.objects.update(full_name="=invited " + MARK)
    RosterUpload.objects.update(
        filename=MARK + ".csv",
        rows=[
            {
                "line": 2,
                "name": "=roster " + MARK,
                "email": "x@example.org",
                "role": MARK,
                "reports_to_email": "",
            }
        ],
    )
    audit_record(action="invitation.sent", actor=world.manager, office=world.office, note=MARK)
    return world, kwargs


def viewers(name) -> list[str]:
    """Who reads the route: the roles the URL matrix expects a 200 for, and its user."""
    answers = zip(ROLES, EXPECTED[name].split(), strict=True)
    roles = [role for role, answer in answers if answer == "200"]
    if ROUTES[name].fields is None and ROUTES[name].role not in roles:
        roles.append(ROUTES[name].role)
    return roles


def pages():
    return [name for name in sorted(ROUTES) if name in EXPECTED and viewers(name)]


def assert_shown_safely(response, name):
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if content_type.startswith("text/html"):
        for raw in RAW_MARKUP:
            assert raw not in body, name
    elif content_type.startswith("text/csv"):
        for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))):
            for cell in row:
                assert not cell.startswith(CSV_DANGEROUS_PREFIXES), (name, cell)
    elif content_type == "application/pdf":
        assert body.startswith(b"%PDF")
    return body


@pytest.mark.parametrize("name", pages())
def test_stored_markup_is_shown_as_text(poisoned, name):
    world, kwargs = poisoned
    clients = signed_in_clients(world)
    for role in viewers(name):
        response = clients[role].get(reverse(name, kwargs=kwargs.get(name, {})))
        assert response.status_code < 500
        assert_shown_safely(response, f"{name} as {role}")


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_markup_in_a_pdf_is_printed_as_text(poisoned):
    """WeasyPrint renders HTML: unescaped, the mark would be an element, not text."""
    world, kwargs = poisoned
    client = Client()
    fresh_login(client, world.official)
    pdf = client.get(
        reverse(
            "assessments:assessment-results-pdf",
            kwargs=kwargs["assessments:assessment-results-pdf"],
        )
    )
    text = " ".join(pdf_text(pdf.content).split())
    assert "<img src=x onerror=alert(2)>" in text


def test_the_review_page_shows_the_officials_text_as_text(poisoned):
    world, _kwargs = poisoned
    assessment = Assessment.objects.get(user=world.official)
    Assessment.objects.filter(pk=assessment.pk).update(
        state="submitted", submitted_at=timezone.now()
    )
    summaries_rebuild()
    client = Client()
    fresh_login(client, world.supervisor)
    response = client.get(reverse("assessments:assessment-review", args=[assessment.pk]))
    assert response.status_code == 200
    body = assert_shown_safely(response, "review")
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_the_registry_names_the_signer_as_text(poisoned):
    world, _kwargs = poisoned
    assert Pledge.objects.filter(user=world.colleague, listed_publicly=True).exists()
    response = Client().get(reverse("pledges:registry-detail", args=[world.office.pk]))
    body = assert_shown_safely(response, "registry")
    assert b"&lt;b&gt;&lt;script&gt;" in body


def test_the_reminder_preview_shows_names_as_text(poisoned):
    """The email body is plain text marked safe by the template engine: escaped when shown."""
    world, _kwargs = poisoned
    client = Client()
    fresh_login(client, world.manager)
    response = client.get(reverse("pledges:pledge-remind"))
    body = assert_shown_safely(response, "remind")
    assert b"pledge for =1+2 &lt;script&gt;alert(1)&lt;/script&gt;" in body
