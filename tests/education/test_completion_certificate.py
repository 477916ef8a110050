"""The certificate of completion: a tagged PDF sealed by the portal, read back; who may
download it; the public verification page; the lapse reminders."""

import io

import pytest
from django.core import mail
from django.core.management import call_command
from pypdf import PdfReader

from accounts.models import AuditEntry, User
from core import seal
from education import services
from education.exports import completion_certificate_pdf
from education.models import Completion, Enrollment
from pledges.codes import format_code

from ..factories import MembershipFactory
from ..test_pdf_accessibility import _structure
from .program_helpers import course, days_ago, earn, program, standards_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def completion(world, edition):
    admin = world.association_admin
    required = course(
        world.association, by=admin, title="Ballot security", standards=standards_of(edition, 2)
    )
    made = program(
        world.association,
        by=admin,
        hours="8",
        courses=[required],
        standards=standards_of(edition, 2),
        name="Certified Elections Administrator",
    )
    services.enrol(user=world.official, program=made, started_on=days_ago(10))
    earn(world.official, required, on=days_ago(3))
    return Completion.objects.get()


def test_the_certificate_is_a_tagged_pdf_sealed_by_the_portal_saying_what_was_met(
    completion, world
):
    filename, content_type, data = completion_certificate_pdf(completion)
    assert content_type == "application/pdf"
    assert filename.startswith("certificate-of-completion-certified-elections-administrator-")
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "CERTIFICATE OF COMPLETION" in text  # the eyebrow, in capitals
    assert "Olivia Chen" in text
    assert "Certified Elections Administrator" in text
    assert "Ballot security" in text
    assert "2. " in text  # the standard covered
    assert format_code(completion.code) in text
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog["/Lang"] == "en"
    roles = [role for _, role, _ in _structure(catalog["/StructTreeRoot"], [])]
    assert "/H1" in roles and "/Figure" in roles
    report = seal.read_seal(data)
    assert report.ok
    assert report.contact.endswith(f"/education/certificates/{completion.code}/")
    assert report.reason == f"Certificate of completion {format_code(completion.code)}"


def test_a_spanish_speaker_gets_a_spanish_certificate(completion, world):
    world.official.preferred_language = "es"
    world.official.save(update_fields=["preferred_language"])
    completion.refresh_from_db()
    reader = PdfReader(io.BytesIO(completion_certificate_pdf(completion)[2]))
    assert reader.trailer["/Root"]["/Lang"] == "es"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("official", 200),
        ("manager", 200),
        ("supervisor", 404),
        ("colleague", 404),
        ("other_manager", 404),
        ("analyst", 404),
        ("association_admin", 404),
    ],
)
def test_the_person_and_their_manager_download_it_and_nobody_else(
    client, completion, world, who, status
):
    client.force_login(getattr(world, who))
    response = client.get(f"/education/completions/{completion.pk}/certificate.pdf")
    assert response.status_code == status
    downloaded = AuditEntry.objects.filter(action="education.completion_downloaded")
    assert downloaded.count() == (1 if status == 200 else 0)
    if status == 200:
        assert response["Cache-Control"] == "private, no-store"


def test_a_withdrawn_certificate_is_gone(client, completion, world):
    services.credit_remove(credit=world.official.training_credits.get())
    client.force_login(world.official)
    response = client.get(f"/education/completions/{completion.pk}/certificate.pdf")
    assert response.status_code == 410
    page = client.get(f"/education/certificates/{completion.code}/").content.decode()
    assert "This certificate was withdrawn." in page


def test_anyone_verifies_a_code_even_typed_with_dashes_and_look_alikes(client, completion):
    response = client.get(f"/education/certificates/{format_code(completion.code)}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "This certificate is valid." in page
    assert "Olivia Chen" in page and "Certified Elections Administrator" in page
    assert client.get("/education/certificates/ABCD-EFGH-JKLM-NPQR/").status_code == 404
    assert client.get("/education/certificates/not-a-code/").status_code == 400


def test_the_public_sees_a_confidential_participant_without_their_name(client, completion, world):
    world.official.is_confidential = True
    world.official.save(update_fields=["is_confidential"])
    page = client.get(f"/education/certificates/{completion.code}/").content.decode()
    assert "Olivia Chen" not in page
    assert "confidential participant" in page


# --- lapse reminders --------------------------------------------------------------------


@pytest.fixture
def lapsing(world):
    made = program(world.association, by=world.association_admin, hours="8", months=12)
    # Periods ending in about 35 days: within the 60-day window.
    services.enrol(user=world.official, program=made, started_on=days_ago(330))
    services.enrol(user=world.colleague, program=made, started_on=days_ago(10))  # far off
    worker = MembershipFactory(office=world.office).user
    User.objects.filter(pk=worker.pk).update(email=None)  # an election worker: no address
    services.enrol(user=worker, program=made, started_on=days_ago(330))
    return made


def test_people_whose_period_ends_soon_unmet_are_reminded_once(
    lapsing, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        out = io.StringIO()
        call_command("send_lapse_reminders", stdout=out)
    assert "sent 1 lapse reminder." in out.getvalue()
    assert [m.to for m in mail.outbox] == [[world.official.email]]
    assert "lapses on" in mail.outbox[0].subject
    assert "8.00 hours of training" in mail.outbox[0].body
    enrollment = Enrollment.objects.get(user=world.official)
    assert enrollment.lapse_reminded_for == enrollment.period_end
    # Again (the next day's run, or a second run at once): nobody twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.lapse_reminders_send() == 0
    assert len(mail.outbox) == 1
    assert AuditEntry.objects.filter(action="education.lapse_reminder_sent").count() == 1


def test_a_met_period_is_not_reminded(lapsing, world):
    taken = course(world.association, by=world.association_admin, title="Canvass")
    earn(world.official, taken, on=days_ago(1))
    assert services.lapse_reminders_send() == 0
