"""Direction controls and lone surrogates are refused, with a message naming the character,
wherever a person types text: names, offices, comments, goals, notes, rosters, signatures."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Association, Invitation, Office, User
from accounts.roster import roster_parse
from accounts.selectors import roster_plan
from assessments.models import Assessment, ItemResponse
from core.text import BIDI_CONTROLS, hidden_character, validate_name_text, validate_visible_text
from pledges.models import ApplicationItem, Cycle
from pledges.services import pledge_text

from .conftest import changed, dump, set_state, signed_in_clients

LONE_SURROGATES = ["\ud800", "\udfff", "a\udc80b"]
# Every direction control, hidden inside ordinary text the way an attacker would.
SPOOFS = [f"Olivia {ch}nehC" for ch in sorted(BIDI_CONTROLS)]
# Text that must still be accepted: other scripts, marks, joiners in emoji.
FINE = ["María José Núñez", "أحمد", "שרה לוי", "O’Brien-Smith", "👩🏽‍⚖️", "Zoë\u0301", "कृष्ण"]


def test_the_listed_bidi_controls_are_all_there():
    expected = {chr(c) for c in range(0x202A, 0x202F)} | {chr(c) for c in range(0x2066, 0x206A)}
    expected |= {"\u200e", "\u200f", "\u061c"}
    assert expected == BIDI_CONTROLS


@pytest.mark.parametrize("value", SPOOFS + LONE_SURROGATES)
@pytest.mark.parametrize("validator", [validate_visible_text, validate_name_text])
def test_the_shared_validator_refuses_direction_controls_and_lone_surrogates(validator, value):
    with pytest.raises(ValidationError) as caught:
        validator(value)
    ch = hidden_character(value)
    assert f"U+{ord(ch):04X}" in caught.value.messages[0]


@pytest.mark.parametrize("value", FINE)
def test_the_shared_validator_accepts_every_script_and_emoji(value):
    validate_visible_text(value)
    validate_name_text(value)


@pytest.mark.parametrize("value", ["Tab\there", "Zero\u200bwidth", "Bell\x07"])
def test_names_refuse_other_invisible_characters_that_comments_accept(value):
    validate_visible_text(value + "\nline two")
    with pytest.raises(ValidationError):
        validate_name_text(value)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["Riverside \u202eCounty", "Lake\ud800side"])
def test_models_refuse_hidden_characters_in_names(value):
    for instance, field in (
        (Office(name=value, state="CO", kind="county"), "name"),
        (Association(name=value), "name"),
        (User(email="x@example.org", full_name=value), "full_name"),
    ):
        with pytest.raises(ValidationError) as caught:
            instance.full_clean()
        assert field in caught.value.message_dict


def post_refused(client, url, data, field_text="Remove the invisible"):
    """POST `data`: refused with the message naming the character, and nothing written."""
    before = dump()
    response = client.post(url, data)
    assert 400 <= response.status_code < 500, response.status_code
    text = response.content.decode()
    assert field_text in text, text[text.find("<main") :][:3000]
    assert "U+202E" in text or field_text == "control characters"
    after = dump()
    assert after == before, changed(before, after)


SPOOF = "Olivia \u202enehC"


def test_names_with_a_right_to_left_override_are_refused_everywhere(hostile_world):
    world, kwargs = hostile_world
    clients = signed_in_clients(world)
    association = world.association.pk
    post_refused(
        clients["manager"],
        reverse("accounts:invitation-create"),
        {"full_name": SPOOF, "email": "a@example.org", "role": "official"},
    )
    post_refused(
        clients["association_admin"],
        reverse("accounts:association-invitation-create", args=[association]),
        {"full_name": SPOOF, "email": "a@example.org", "role": "analyst"},
    )
    create_office = reverse("accounts:association-office-create", args=[association])
    post_refused(
        clients["association_admin"],
        create_office,
        {"name": "Pine \u202eCounty", "state": "CO", "kind": "county"},
    )
    post_refused(
        clients["association_admin"],
        create_office,
        {
            "name": "Pine County",
            "state": "CO",
            "kind": "county",
            "manager_name": SPOOF,
            "manager_email": "m@example.org",
        },
    )
    password = "correct horse battery staple 42"
    post_refused(
        clients["anonymous"],
        reverse("accounts:invitation-accept", kwargs=kwargs["accounts:invitation-accept"]),
        {"full_name": SPOOF, "password1": password, "password2": password},
    )
    assert not Invitation.objects.filter(email="a@example.org").exists()


def test_assessment_comments_goals_and_notes_with_an_override_are_refused(hostile_world):
    world, _kwargs = hostile_world
    clients = signed_in_clients(world)
    assessment = Assessment.objects.get(user=world.official)
    item = ApplicationItem.objects.filter(standard__edition=assessment.cycle.edition).first()
    edit = reverse("assessments:assessment-edit", args=[assessment.pk])

    set_state(world.official, "draft")
    good = {
        "version": Assessment.objects.get(pk=assessment.pk).version,
        f"item_{item.pk}_rating": "3",
        f"item_{item.pk}_comment": "Fine",
        f"goal_{item.standard_id}_text": "",
    }
    for field in (f"item_{item.pk}_comment", f"goal_{item.standard_id}_text"):
        post_refused(clients["official"], edit, {**good, field: "Done \u202e!enod ton"})
    post_refused(
        clients["official"],
        edit,
        {**good, f"item_{item.pk}_rating": "na", f"item_{item.pk}_na_reason": "\u202eN/A"},
    )
    post_refused(
        clients["official"],
        reverse("assessments:assessment-submit", args=[assessment.pk]),
        {"note": "Please \u202eweiver"},
    )

    set_state(world.official, "submitted")
    review = reverse("assessments:assessment-review", args=[assessment.pk])
    post_refused(clients["supervisor"], review, {"decision": "return", "note": "Re\u202edo"})
    post_refused(
        clients["supervisor"],
        review,
        {"decision": "accept", "note": "", f"review_{item.pk}_comment": "Go\u202eod"},
    )

    set_state(world.official, "accepted")
    post_refused(
        clients["manager"],
        reverse("assessments:assessment-reopen", args=[assessment.pk]),
        {"note": "Re\u202eopen"},
    )
    assert not ItemResponse.objects.filter(comment__contains="\u202e").exists()


def test_a_pledge_signature_and_withdrawal_reason_with_an_override_are_refused(hostile_world):
    world, kwargs = hostile_world
    clients = signed_in_clients(world)
    digest = pledge_text(Cycle.objects.get())[1]
    post_refused(
        clients["colleague"],
        reverse("pledges:pledge-sign"),
        {"consent": "on", "typed_name": SPOOF, "text_sha256": digest},
        field_text="control characters",
    )
    post_refused(
        clients["official"],
        reverse("pledges:pledge-withdraw", kwargs=kwargs["pledges:pledge-withdraw"]),
        {"reason": "Moving \u202eaway"},
    )


def test_a_roster_name_with_an_override_is_a_problem_on_its_row(hostile_world):
    world, _kwargs = hostile_world
    csv = (
        "name,email,role,reports_to_email\n"
        "Ana Ruiz,ana@example.org,official,\n"
        f"{SPOOF},olivia@example.org,official,\n"
    ).encode()
    plan = {row["email"]: row for row in roster_plan(world.office, roster_parse(csv).rows)}
    assert plan["ana@example.org"]["action"] == "invite"
    assert plan["olivia@example.org"]["action"] == "error"
    assert "U+202E" in plan["olivia@example.org"]["message"]

    # Through the page: the preview lists the problem; confirming adds nobody.
    client = signed_in_clients(world)["manager"]
    response = client.post(
        reverse("accounts:roster-upload"),
        {"file": SimpleUploadedFile("staff.csv", csv, content_type="text/csv")},
        follow=True,
    )
    assert "U+202E" in response.content.decode()
