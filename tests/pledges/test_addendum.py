"""Oath addenda: an office's or an association's own oath, signed in the same act as the
pledge, versioned and immutable once published, recorded and chained with the pledge."""

import datetime
import hashlib
import io
import json
import re
import subprocess

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import AuditEntry, Membership
from pledges.chain import (
    CONSENT_TEXT,
    CONSENT_TEXT_WITH_ADDENDUM,
    canonical_addendum_text,
    record_content,
    record_hash,
    sha256_text,
)
from pledges.exports import pledge_certificate_pdf
from pledges.models import AddendumRequirement, ChainHead, OathAddendum, Pledge
from pledges.selectors import addendum_due, personal_pledges, verify_chain
from pledges.services import (
    AddendumNotSignable,
    addendum_create,
    addendum_publish,
    addendum_requirement_set,
    addendum_update,
    pledge_text,
)

from ..factories import MembershipFactory, OfficeFactory
from .conftest import fresh_login, sign

TEXT = (
    "Fictional State of Example — demonstration oath addendum, not legal text.\r\n\r\n"
    "I affirm that I will count every ballot   \n"
    "as the fictional law of Example requires.\n\n\n\n"
    "I will keep the fictional ballot room locked."
)
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _draft(by, *, title="Example oath of office", text=TEXT, **owner):
    return addendum_create(by=by, title=title, text=text, language="en", **owner)


def _published(by, **owner):
    draft = _draft(by, **owner)
    return addendum_publish(addendum=draft, by=by, seen_revision=draft.revision)


@pytest.fixture
def office_addendum(world):
    addendum = _published(world.manager, office=world.office)
    addendum_requirement_set(office=world.office, by=world.manager, source="office")
    return addendum


def _sign_with(user, cycle, addendum, **kwargs):
    return sign(user, cycle, seen_addendum_sha256=addendum.text_sha256, **kwargs)


# --- the model's invariants ------------------------------------------------------------


def _row(world, **fields):
    values = {
        "office": world.office,
        "version": 1,
        "title": "T",
        "text": "X",
        "created_by": world.manager,
    }
    values.update(fields)
    return OathAddendum(**values)


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"association": "world.association"}, id="two-owners"),
        pytest.param({"office": None}, id="no-owner"),
        pytest.param({"state": "published"}, id="published-without-hash"),
        pytest.param(
            {"state": "published", "text_sha256": "a" * 64, "published_at": None},
            id="published-without-time",
        ),
        pytest.param(
            {"state": "retired", "text_sha256": "a" * 64, "published_at": "now"},
            id="retired-without-time",
        ),
        pytest.param({"state": "gone"}, id="unknown-state"),
        pytest.param({"version": 0}, id="version-zero"),
    ],
)
def test_the_database_refuses_an_addendum_that_breaks_its_rules(world, fields):
    resolved = {
        k: world.association if v == "world.association" else (timezone.now() if v == "now" else v)
        for k, v in fields.items()
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(world, **resolved).save()


def test_one_draft_one_version_number_and_one_published_version_per_owner(world):
    _row(world).save()
    for fields in (
        {"version": 2},  # a second draft
        {"version": 1, "state": "retired", "text_sha256": "a" * 64},  # version 1 again
    ):
        fields.setdefault("published_at", timezone.now() if "text_sha256" in fields else None)
        if fields.get("state") == "retired":
            fields["retired_at"] = timezone.now()
        with pytest.raises(IntegrityError), transaction.atomic():
            _row(world, **fields).save()
    published = {"state": "published", "text_sha256": "a" * 64, "published_at": timezone.now()}
    _row(world, version=3, **published).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(world, version=4, **published).save()
    # Another owner numbers its own versions.
    _row(world, office=None, association=world.association).save()


def test_a_requirement_names_an_association_exactly_when_it_chose_one(world):
    for fields in (
        {"source": "association"},
        {"source": "office", "association": world.association},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            AddendumRequirement.objects.create(office=world.office, **fields)


def test_a_pledge_records_an_addendum_only_with_its_hash(world, cycle, office_addendum):
    pledge = _sign_with(world.official, cycle, office_addendum)
    for change in ({"addendum_sha256": ""}, {"addendum": None}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Pledge.objects.filter(pk=pledge.pk).update(**change)


# --- drafts, publication, retirement ----------------------------------------------------


def test_a_draft_is_numbered_and_its_text_normalized(world):
    draft = _draft(world.manager, office=world.office, title="  Example   oath ")
    assert (draft.version, draft.state, draft.revision) == (1, "draft", 1)
    assert draft.title == "Example oath"
    # Unix line ends, no trailing spaces, one blank line between paragraphs.
    assert draft.text == (
        "Fictional State of Example — demonstration oath addendum, not legal text.\n\n"
        "I affirm that I will count every ballot\n"
        "as the fictional law of Example requires.\n\n"
        "I will keep the fictional ballot room locked."
    )
    assert draft.text_sha256 == "" and draft.published_at is None
    entry = AuditEntry.objects.get(action="pledge.addendum_created")
    assert entry.actor == world.manager and entry.office == world.office
    assert entry.details == {"version": 1}


def test_a_second_draft_is_refused_while_one_is_open(world):
    _draft(world.manager, office=world.office)
    with pytest.raises(ValidationError) as refused:
        _draft(world.manager, office=world.office)
    assert refused.value.code == "draft_exists"
    assert OathAddendum.objects.count() == 1


def test_a_draft_changes_once_per_revision_and_a_stale_form_is_refused(world):
    draft = _draft(world.manager, office=world.office)
    changed = addendum_update(
        addendum=draft,
        by=world.manager,
        title="Example oath, revised",
        text=TEXT,
        language="es",
        seen_revision=1,
    )
    assert (changed.title, changed.language, changed.revision) == ("Example oath, revised", "es", 2)
    entry = AuditEntry.objects.get(action="pledge.addendum_edited")
    assert entry.details["fields"] == ["title", "language"]
    with pytest.raises(ValidationError) as stale:
        addendum_update(
            addendum=draft,
            by=world.manager,
            title="Lost",
            text=TEXT,
            language="en",
            seen_revision=1,
        )
    assert stale.value.code == "stale"
    assert OathAddendum.objects.get().title == "Example oath, revised"


def test_publishing_fixes_the_fingerprint_and_retires_the_version_in_force(world):
    first = _published(world.association_admin, association=world.association)
    assert first.state == "published" and first.published_by == world.association_admin
    assert first.text_sha256 == sha256_text(canonical_addendum_text(first))
    assert canonical_addendum_text(first).startswith("Example oath of office\nVersion 1\n\n")
    second = _published(world.association_admin, association=world.association, title="Second")
    first.refresh_from_db()
    assert second.version == 2 and second.state == "published"
    assert first.state == "retired" and first.retired_at == second.published_at
    assert first.text_sha256 == sha256_text(canonical_addendum_text(first))
    entry = AuditEntry.objects.filter(action="pledge.addendum_published").first()
    assert entry.details["retired_version"] == 1 and entry.details["sha256"] == second.text_sha256


def test_publishing_twice_changes_nothing(world):
    published = _published(world.manager, office=world.office)
    again = addendum_publish(addendum=published, by=world.manager, seen_revision=1)
    assert again.published_at == published.published_at
    assert AuditEntry.objects.filter(action="pledge.addendum_published").count() == 1


def test_a_stale_draft_is_not_published(world):
    draft = _draft(world.manager, office=world.office)
    addendum_update(
        addendum=draft, by=world.manager, title="Changed", text=TEXT, language="en", seen_revision=1
    )
    with pytest.raises(ValidationError) as stale:
        addendum_publish(addendum=draft, by=world.manager, seen_revision=1)
    assert stale.value.code == "stale"
    assert OathAddendum.objects.get().state == "draft"


@pytest.mark.parametrize("state", ["published", "retired"])
def test_a_published_or_retired_version_never_changes(world, state):
    addendum = _published(world.manager, office=world.office)
    if state == "retired":
        _published(world.manager, office=world.office)
        addendum.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        addendum_update(
            addendum=addendum,
            by=world.manager,
            title="Forged",
            text="Forged",
            language="en",
            seen_revision=addendum.revision,
        )
    assert refused.value.code == "immutable"
    if state == "retired":
        with pytest.raises(ValidationError) as republished:
            addendum_publish(addendum=addendum, by=world.manager, seen_revision=1)
        assert republished.value.code == "immutable"
    addendum.refresh_from_db()
    assert addendum.title == "Example oath of office" and addendum.state == state


@pytest.mark.postgres
def test_postgresql_refuses_to_change_a_published_addendum(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    import importlib

    guard = importlib.import_module("pledges.migrations.0011_oath_addenda")
    with connection.cursor() as cursor:
        cursor.execute(guard.INSTALL)
    draft = _draft(world.manager, office=world.office)
    OathAddendum.objects.filter(pk=draft.pk).update(title="Drafts may change")
    published = addendum_publish(addendum=draft, by=world.manager, seen_revision=1)
    rows = OathAddendum.objects.filter(pk=published.pk)
    for change in (
        lambda: rows.update(text="Forged"),
        lambda: rows.update(text_sha256="0" * 64),
        lambda: rows.update(state="draft", published_at=None, text_sha256=""),
        lambda: rows.delete(),
    ):
        with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
            change()
    # Retiring is the one change allowed, and only of the state and its time.
    newer = _published(world.manager, office=world.office)
    retired = OathAddendum.objects.filter(pk=published.pk)
    assert retired.get().state == "retired" and newer.is_published
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        retired.update(retired_at=timezone.now())
    throwaway = _draft(world.manager, office=world.office)
    OathAddendum.objects.filter(pk=throwaway.pk).delete()


# --- which addendum an office's people sign ---------------------------------------------


def test_nothing_is_required_until_the_manager_chooses(world):
    due = addendum_due(world.office)
    assert not due.required and not due.missing and due.addendum is None


def test_an_office_requires_its_own_or_its_associations_addendum(world):
    own = _published(world.manager, office=world.office)
    association = _published(world.association_admin, association=world.association)
    addendum_requirement_set(office=world.office, by=world.manager, source="office")
    assert addendum_due(world.office).addendum == own
    addendum_requirement_set(
        office=world.office, by=world.manager, source="association", association=world.association
    )
    due = addendum_due(world.office)
    assert due.addendum == association and due.association == world.association
    # Another office of the association requires nothing of its own accord.
    assert not addendum_due(world.other_office).required
    entries = AuditEntry.objects.filter(action="pledge.addendum_requirement_changed")
    assert [e.details["source"] for e in entries.order_by("at", "pk")] == ["office", "association"]


def test_a_new_version_is_what_the_office_requires_from_then_on(world):
    first = _published(world.association_admin, association=world.association)
    addendum_requirement_set(
        office=world.office, by=world.manager, source="association", association=world.association
    )
    assert addendum_due(world.office).addendum == first
    second = _published(world.association_admin, association=world.association)
    assert addendum_due(world.office).addendum == second


def test_the_manager_cannot_require_what_is_not_there(world):
    with pytest.raises(ValidationError) as nothing:
        addendum_requirement_set(office=world.office, by=world.manager, source="office")
    assert nothing.value.code == "nothing_published"
    _published(world.association_admin, association=world.other_association)
    with pytest.raises(ValidationError) as outside:
        addendum_requirement_set(
            office=world.office,
            by=world.manager,
            source="association",
            association=world.other_association,
        )
    assert outside.value.code == "not_member"
    assert not AddendumRequirement.objects.exists()


def test_an_office_that_leaves_the_association_has_its_requirement_unmet(world, cycle):
    _published(world.association_admin, association=world.association)
    addendum_requirement_set(
        office=world.office, by=world.manager, source="association", association=world.association
    )
    world.association.offices.remove(world.office)
    due = addendum_due(world.office)
    assert due.required and due.missing
    with pytest.raises(AddendumNotSignable) as refused:
        sign(world.official, cycle, seen_addendum_sha256="0" * 64)
    assert refused.value.code == "addendum_missing"
    assert not Pledge.objects.exists()


# --- signing the pledge and the addendum in one act --------------------------------------


def test_without_a_requirement_the_pledge_is_signed_alone(world, cycle):
    pledge = sign(world.official, cycle)
    assert pledge.addendum is None and pledge.addendum_sha256 == ""
    assert pledge.consent_text == str(CONSENT_TEXT)
    assert "addendum" not in record_content(pledge)


def test_the_pledge_and_the_addendum_are_signed_in_one_act(world, cycle, office_addendum):
    pledge = _sign_with(world.official, cycle, office_addendum)
    stored = Pledge.objects.get()
    assert stored.addendum == office_addendum
    assert stored.addendum_sha256 == office_addendum.text_sha256
    assert stored.consent_text == str(CONSENT_TEXT_WITH_ADDENDUM)
    content = record_content(stored)
    assert content["addendum"] == office_addendum.pk
    assert content["addendum_sha256"] == office_addendum.text_sha256
    assert stored.record_hash == record_hash(stored, stored.previous_hash)
    assert verify_chain().intact
    assert pledge.text_sha256 == pledge_text(cycle)[1]


def test_the_confirmation_email_names_the_addendum(
    world, cycle, office_addendum, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _sign_with(world.official, cycle, office_addendum)
    (message,) = mail.outbox
    assert "the oath addendum “Example oath of office”, version 1" in message.body


def test_an_election_worker_signs_the_addendum_too(world, cycle, office_addendum):
    worker = MembershipFactory(office=world.office, role=Membership.Role.ELECTION_WORKER).user
    with pytest.raises(AddendumNotSignable):
        sign(worker, cycle)
    pledge = _sign_with(worker, cycle, office_addendum)
    assert pledge.addendum == office_addendum


@pytest.mark.parametrize(
    ("seen", "code"),
    [(None, "addendum_stale"), ("", "addendum_stale"), ("0" * 64, "addendum_stale")],
    ids=["not-passed", "not-shown", "another-text"],
)
def test_a_required_addendum_not_shown_as_in_force_is_refused(
    world, cycle, office_addendum, seen, code
):
    head = ChainHead.objects.filter(id=1).values_list("sequence", flat=True).first()
    with pytest.raises(AddendumNotSignable) as refused:
        sign(world.official, cycle, seen_addendum_sha256=seen)
    assert refused.value.code == code
    assert not Pledge.objects.exists()
    assert ChainHead.objects.filter(id=1).values_list("sequence", flat=True).first() == head
    assert not AuditEntry.objects.filter(action="pledge.signed").exists()


def test_an_addendum_replaced_while_the_page_was_open_is_refused(world, cycle, office_addendum):
    shown = office_addendum.text_sha256
    newer = _published(world.manager, office=world.office, title="Newer")
    with pytest.raises(AddendumNotSignable):
        sign(world.official, cycle, seen_addendum_sha256=shown)
    assert not Pledge.objects.exists()
    assert _sign_with(world.official, cycle, newer).addendum == newer


def test_an_addendum_shown_but_no_longer_required_is_refused(world, cycle, office_addendum):
    addendum_requirement_set(office=world.office, by=world.manager, source="none")
    with pytest.raises(AddendumNotSignable):
        _sign_with(world.official, cycle, office_addendum)
    assert not Pledge.objects.exists()


def test_pledges_keep_the_version_they_signed(world, cycle, office_addendum):
    pledge = _sign_with(world.official, cycle, office_addendum)
    newer = _published(world.manager, office=world.office)
    later = _sign_with(world.colleague, cycle, newer)
    pledge.refresh_from_db()
    office_addendum.refresh_from_db()
    assert pledge.addendum == office_addendum and office_addendum.state == "retired"
    assert later.addendum == newer
    assert verify_chain().intact


# --- the chain ---------------------------------------------------------------------------


def test_a_pledge_without_an_addendum_keeps_its_exact_hash(world, cycle):
    """Recomputed by hand, as verifiers outside the portal do: rule 2's content with no
    addendum keys, exactly as before addenda existed."""
    pledge = Pledge.objects.get(pk=sign(world.official, cycle).pk)
    content = {
        "rule": 2,
        "kind": "pledge",
        "sequence": 1,
        "user": pledge.user_id,
        "office": pledge.office_id,
        "cycle": pledge.cycle_id,
        "edition": pledge.edition_id,
        "typed_name": pledge.typed_name,
        "typed_name_digest": "",
        "account_name": pledge.account_name,
        "account_name_digest": "",
        "name_mismatch": False,
        "consent_text": pledge.consent_text,
        "signed_at": pledge.signed_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        "ip_address": None,
        "user_agent": "",
        "ip_address_digest": pledge.ip_address_digest,
        "user_agent_digest": pledge.user_agent_digest,
        "auth_method": "password",
        "text_sha256": pledge.text_sha256,
        "verification_code": pledge.verification_code,
        "listed_publicly": False,
    }
    payload = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert pledge.record_hash == hashlib.sha256(f"{'0' * 64}\n{payload}".encode()).hexdigest()


def test_a_pledge_with_an_addendum_covers_it(world, cycle, office_addendum):
    pledge = Pledge.objects.get(pk=_sign_with(world.official, cycle, office_addendum).pk)
    content = record_content(pledge)
    assert (content["addendum"], content["addendum_sha256"]) == (
        office_addendum.pk,
        office_addendum.text_sha256,
    )
    without = {k: v for k, v in content.items() if not k.startswith("addendum")}
    payload = json.dumps(without, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert pledge.record_hash != hashlib.sha256(f"{'0' * 64}\n{payload}".encode()).hexdigest()
    Pledge.objects.filter(pk=pledge.pk).update(addendum_sha256="f" * 64)
    report = verify_chain()
    assert not report.intact and report.sequence == pledge.sequence


def test_verify_pledges_walks_a_chain_with_and_without_addenda(world, cycle, capsys):
    sign(world.colleague, cycle)
    addendum = _published(world.manager, office=world.office)
    addendum_requirement_set(office=world.office, by=world.manager, source="office")
    _sign_with(world.official, cycle, addendum)
    call_command("verify_pledges")
    assert "intact" in capsys.readouterr().out.lower()
    assert verify_chain().checked == 2


# --- what the signer, the public and the records show -------------------------------------


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_the_certificate_shows_both_texts_and_both_fingerprints(world, cycle, office_addendum):
    pledge = Pledge.objects.get(pk=_sign_with(world.official, cycle, office_addendum).pk)
    _filename, content_type, data = pledge_certificate_pdf(pledge)
    assert content_type == "application/pdf"
    text = _pdf_text(data)
    squeezed = text.replace(" ", "")
    assert pledge.text_sha256 in squeezed and office_addendum.text_sha256 in squeezed
    assert "Example oath of office" in text
    assert "I will keep the fictional ballot room locked." in text
    assert "In the same act, they signed the oath addendum" in text
    assert "no longer matches" not in text
    # pdftotext reads the same, and the PDF is still tagged.
    out = subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    assert office_addendum.text_sha256 in "".join(out.split())
    catalog = PdfReader(io.BytesIO(data)).trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in catalog


def test_a_certificate_without_an_addendum_says_nothing_of_one(world, cycle):
    text = _pdf_text(pledge_certificate_pdf(sign(world.official, cycle))[2])
    assert "addendum" not in text.lower()


def test_the_verification_page_shows_both_fingerprints(client, world, cycle, office_addendum):
    pledge = _sign_with(world.official, cycle, office_addendum)
    body = client.get(f"/v/{pledge.verification_code}").content.decode()
    assert pledge.text_sha256 in body and office_addendum.text_sha256 in body
    assert "Example oath of office" in body and "version 1, of " + world.office.name in body
    # The text itself and anything personal stay off the public page.
    assert "ballot room" not in body and "203.0.113.7" not in body


def test_the_pledge_page_shows_the_addendum_signed(client, world, cycle, office_addendum):
    pledge = _sign_with(world.official, cycle, office_addendum)
    fresh_login(client, world.official)
    body = client.get(reverse("pledges:pledge-detail", args=[pledge.pk])).content.decode()
    assert office_addendum.text_sha256 in body and pledge.text_sha256 in body
    assert "Oath addendum signed" in body


def test_the_personal_data_export_includes_the_addendum(world, cycle, office_addendum):
    _sign_with(world.official, cycle, office_addendum)
    (record,) = personal_pledges(world.official)
    assert record["addendum"] == {
        "title": "Example oath of office",
        "version": 1,
        "language": "en",
        "text": office_addendum.text,
        "text_sha256": office_addendum.text_sha256,
    }
    assert personal_pledges(world.colleague) == []
    from front.exports import my_data_json, my_data_pdf

    assert office_addendum.text_sha256 in _pdf_text(my_data_pdf(world.official)[2]).replace(" ", "")
    exported = json.loads(my_data_json(world.official)[2])
    assert exported["pledges"][0]["addendum"]["text_sha256"] == office_addendum.text_sha256


# --- the signing page --------------------------------------------------------------------


def _sign_form(addendum_sha256: str, **extra) -> dict:
    from pledges.models import Cycle

    data = {
        "consent": "on",
        "typed_name": "Olivia Chen",
        "text_sha256": pledge_text(Cycle.objects.get())[1],
        "addendum_sha256": addendum_sha256,
    }
    data.update(extra)
    return data


def test_the_signing_page_shows_the_addendum_below_the_pledge(
    client, world, cycle, office_addendum
):
    fresh_login(client, world.official)
    response = client.get(reverse("pledges:pledge-sign"))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("I uphold the Constitution") < body.index("I will keep the fictional ballot")
    assert body.count('type="checkbox" name="consent"') == 1
    assert str(CONSENT_TEXT_WITH_ADDENDUM)[:40] in body
    assert f'name="addendum_sha256" value="{office_addendum.text_sha256}"' in body
    assert "Sign the pledge and the oath addendum" in body


def test_one_submit_signs_both(client, world, cycle, office_addendum):
    fresh_login(client, world.official)
    response = client.post(reverse("pledges:pledge-sign"), _sign_form(office_addendum.text_sha256))
    assert response.status_code == 302
    pledge = Pledge.objects.get()
    assert pledge.addendum == office_addendum and pledge.typed_name == "Olivia Chen"


def test_a_stale_addendum_on_the_page_is_refused_and_the_new_one_shown(
    client, world, cycle, office_addendum
):
    fresh_login(client, world.official)
    newer = _published(world.manager, office=world.office, title="Newer oath")
    response = client.post(reverse("pledges:pledge-sign"), _sign_form(office_addendum.text_sha256))
    body = response.content.decode()
    assert response.status_code == 400
    assert "The oath addendum changed while you were reading it" in body
    assert "Newer oath" in body
    # The form now carries the new text's fingerprint, and asks for consent anew.
    assert f'name="addendum_sha256" value="{newer.text_sha256}"' in body
    assert not re.search(r'name="consent"[^>]*checked', body)
    assert not Pledge.objects.exists()
    again = client.post(reverse("pledges:pledge-sign"), _sign_form(newer.text_sha256))
    assert again.status_code == 302 and Pledge.objects.get().addendum == newer


def test_a_missing_addendum_stops_signing_with_a_plain_message(client, world, cycle):
    _published(world.association_admin, association=world.association)
    addendum_requirement_set(
        office=world.office, by=world.manager, source="association", association=world.association
    )
    world.association.offices.remove(world.office)
    fresh_login(client, world.official)
    page = client.get(reverse("pledges:pledge-sign"))
    assert page.status_code == 200 and "cannot be signed yet" in page.content.decode()
    post = client.post(reverse("pledges:pledge-sign"), _sign_form(""))
    assert post.status_code == 409 and not Pledge.objects.exists()


# --- the managers' pages -----------------------------------------------------------------

TOKEN = re.compile(r'name="submission" value="([0-9a-f-]{36})"')


def _token(client, path) -> str:
    return TOKEN.findall(client.get(path).content.decode())[0]


def test_the_manager_writes_previews_and_publishes_the_offices_addendum(client, world):
    fresh_login(client, world.manager)
    create = reverse("pledges:addendum-create-office")
    data = {"title": "Example oath", "text": TEXT, "language": "en"}
    data["submission"] = _token(client, create)
    response = client.post(create, data)
    draft = OathAddendum.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "pledges:addendum-detail", args=[draft.pk]
    )
    # Sent again (a double click): saved once.
    assert client.post(create, data).status_code == 302 and OathAddendum.objects.count() == 1
    preview = client.get(response["Location"]).content.decode()
    assert "I will keep the fictional ballot room locked." in preview and "Draft" in preview

    edit = reverse("pledges:addendum-edit", args=[draft.pk])
    changed = {"title": "Example oath, final", "text": TEXT, "language": "en", "revision": 1}
    changed["submission"] = _token(client, edit)
    assert client.post(edit, changed).status_code == 302
    stale = {**changed, "title": "From an old tab", "submission": _token(client, edit)}
    response = client.post(edit, stale)
    assert response.status_code == 409 and "Someone changed this draft" in response.content.decode()

    publish = reverse("pledges:addendum-publish", args=[draft.pk])
    page = client.get(publish).content.decode()
    assert sha256_text(canonical_addendum_text(OathAddendum.objects.get())) in page
    confirm = {"revision": 2, "submission": _token(client, publish)}
    assert client.post(publish, confirm).status_code == 302
    assert client.post(publish, confirm).status_code == 302  # the second click
    published = OathAddendum.objects.get()
    assert published.state == "published" and published.title == "Example oath, final"
    assert AuditEntry.objects.filter(action="pledge.addendum_published").count() == 1
    # Published: the edit page refuses, the list shows it in force.
    assert client.get(edit).status_code == 409
    late = {k: v for k, v in changed.items() if k != "submission"} | {"revision": 2}
    assert client.post(edit, late).status_code == 409
    assert OathAddendum.objects.get().title == "Example oath, final"
    listing = client.get(reverse("pledges:addendum-office")).content.decode()
    assert "In force" in listing and "Example oath, final" in listing


def test_the_manager_chooses_what_the_office_signs(client, world):
    _published(world.association_admin, association=world.association)
    fresh_login(client, world.manager)
    path = reverse("pledges:addendum-requirement")
    page = client.get(path).content.decode()
    assert world.association.name in page and "Example oath of office" in page
    # Nothing of its own published: refused with a message, nothing saved.
    response = client.post(path, {"requirement": "office", "submission": _token(client, path)})
    assert response.status_code == 400 and not AddendumRequirement.objects.exists()
    choice = f"association-{world.association.pk}"
    response = client.post(path, {"requirement": choice, "submission": _token(client, path)})
    assert response.status_code == 302
    requirement = AddendumRequirement.objects.get()
    assert (requirement.source, requirement.association) == ("association", world.association)
    # An association the office does not belong to is not a choice.
    other = f"association-{world.other_association.pk}"
    response = client.post(path, {"requirement": other, "submission": _token(client, path)})
    assert response.status_code == 400
    assert AddendumRequirement.objects.get().association == world.association


def test_publishing_tells_the_managers_of_the_offices_that_require_it(
    world, django_capture_on_commit_callbacks
):
    _published(world.association_admin, association=world.association)
    addendum_requirement_set(
        office=world.office, by=world.manager, source="association", association=world.association
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        draft = _draft(world.association_admin, association=world.association, title="V2")
        published = addendum_publish(addendum=draft, by=world.association_admin, seen_revision=1)
    assert [message.to for message in mail.outbox] == [[world.manager.email]]
    body = mail.outbox[0].body
    assert "version 2" in body and published.text_sha256 in body
    assert world.office.name in body and world.association.name in body


def test_the_association_administrator_manages_the_associations_addendum(client, world):
    fresh_login(client, world.association_admin)
    listing = reverse("pledges:addendum-association", args=[world.association.pk])
    assert client.get(listing).status_code == 200
    create = reverse("pledges:addendum-create-association", args=[world.association.pk])
    data = {
        "title": "State oath",
        "text": TEXT,
        "language": "en",
        "submission": _token(client, create),
    }
    assert client.post(create, data).status_code == 302
    addendum = OathAddendum.objects.get()
    assert addendum.association == world.association and addendum.office is None


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("manager", 200),
        ("other_manager", 404),
        ("official", 404),
        ("analyst", 404),
        ("association_admin", 404),
    ],
)
def test_an_offices_addendum_is_the_managers_alone(client, world, who, expected):
    addendum = _draft(world.manager, office=world.office)
    fresh_login(client, getattr(world, who))
    assert client.get(reverse("pledges:addendum-detail", args=[addendum.pk])).status_code == (
        expected
    )


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("association_admin", 200),
        ("analyst", 403),
        ("other_analyst", 404),
        ("manager", 404),
    ],
)
def test_an_associations_addendum_is_its_administrators(client, world, who, expected):
    addendum = _draft(world.association_admin, association=world.association)
    fresh_login(client, getattr(world, who))
    for name in ("addendum-detail", "addendum-edit", "addendum-publish"):
        response = client.get(reverse(f"pledges:{name}", args=[addendum.pk]))
        assert response.status_code == expected, name


def test_bad_input_is_refused_with_a_message_and_saves_nothing(client, world):
    fresh_login(client, world.manager)
    create = reverse("pledges:addendum-create-office")
    for data in (
        {"title": "", "text": TEXT, "language": "en"},
        {"title": "Oath", "text": "   \n  ", "language": "en"},
        {"title": "Oath", "text": "Hidden\u202etext", "language": "en"},
        {"title": "Oath", "text": "Null\x00byte", "language": "en"},
        {"title": "Oath", "text": "x" * 20001, "language": "en"},
        {"title": "Oath", "text": TEXT, "language": "fr"},
    ):
        response = client.post(create, data)
        assert response.status_code == 400, data
        assert "Please correct the following" in response.content.decode()
    assert not OathAddendum.objects.exists()


def test_the_list_page_reads_a_fixed_number_of_queries(client, world):
    fresh_login(client, world.manager)
    path = reverse("pledges:addendum-office")
    client.get(path)
    counts = []
    for _ in range(2):
        for _n in range(12):
            _published(world.manager, office=world.office)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 10
    # A second page of older versions.
    assert "Older versions" in client.get(path).content.decode()
    assert client.get(path, {"page": "2"}).status_code == 200
    assert client.get(path, {"page": "x"}).status_code == 200


def test_only_a_manager_reaches_the_offices_addendum_pages(client, world):
    for who, expected in (("official", 403), ("analyst", 403), ("manager", 200)):
        fresh_login(client, getattr(world, who))
        for name in ("addendum-office", "addendum-create-office", "addendum-requirement"):
            assert client.get(reverse(f"pledges:{name}")).status_code == expected, (who, name)


def test_a_new_office_manager_starts_with_nothing_required(client, db, edition):
    manager = MembershipFactory(
        office=OfficeFactory(name="Fresh Office"), role=Membership.Role.MANAGER
    ).user
    fresh_login(client, manager)
    body = client.get(reverse("pledges:addendum-office")).content.decode()
    assert "The pledge alone" in body and "Write the oath addendum" in body


# --- the demo ----------------------------------------------------------------------------


def test_the_demo_has_a_fictional_addendum_required_by_one_office_and_signed(edition):
    from demo.addenda import SIGNED_BY, TITLE
    from demo.seed import seed

    demo = seed(edition)
    versions = list(OathAddendum.objects.filter(association=demo.association).order_by("version"))
    assert [(a.version, a.state) for a in versions] == [(1, "retired"), (2, "published")]
    assert "not legal text" in TITLE and all(a.title == TITLE for a in versions)
    assert all("has no legal effect" in a.text for a in versions)
    requiring = AddendumRequirement.objects.exclude(source="none")
    assert [r.office for r in requiring] == [demo.offices["aspen"]]
    signed = Pledge.objects.get(addendum__isnull=False)
    assert signed.user == demo.people[SIGNED_BY] and signed.addendum == versions[1]
    assert signed.addendum_sha256 == versions[1].text_sha256
    assert verify_chain().intact
    seed(edition)
    assert OathAddendum.objects.count() == 2
    assert Pledge.objects.filter(addendum__isnull=False).count() == 1


def _queries(client, url) -> int:
    client.get(url)  # the edition's text is read once per process
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_signing_page_reads_one_query_more_with_an_addendum(client, world, cycle):
    fresh_login(client, world.official)
    path = reverse("pledges:pledge-sign")
    assert _queries(client, path) == 9
    _published(world.manager, office=world.office)
    addendum_requirement_set(office=world.office, by=world.manager, source="office")
    assert _queries(client, path) == 10


@pytest.mark.parametrize("versions", [1, 25])
def test_the_version_lists_do_not_grow_with_versions(client, world, versions):
    for _ in range(versions):
        _published(world.manager, office=world.office)
        _published(world.association_admin, association=world.association)
    _draft(world.manager, office=world.office)
    fresh_login(client, world.manager)
    assert _queries(client, reverse("pledges:addendum-office")) == 7
    fresh_login(client, world.association_admin)
    assert (
        _queries(client, reverse("pledges:addendum-association", args=[world.association.pk])) == 8
    )


@pytest.mark.parametrize(
    "text", ["Null\x00byte", "Bell\x07", "Hidden\u202etext", "x" * 20001], ids=repr
)
def test_the_service_itself_refuses_text_that_cannot_be_shown_as_stored(world, text):
    with pytest.raises(ValidationError):
        _draft(world.manager, office=world.office, text=text)
    assert not OathAddendum.objects.exists()
