"""Forms that store free text, fed hostile text: either stored as sent (normalised), or
refused with a message and nothing written. Text holding a direction control is always
refused (core.text)."""

import unicodedata

from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import Invitation, Office, User
from assessments.models import Assessment, ItemResponse, Review, StandardGoal, Transition
from core.text import hidden_character
from pledges.models import ApplicationItem, Cycle, Pledge, PledgeWithdrawal
from pledges.services import pledge_text

from .conftest import HOSTILE, changed, dump, rolled_back, set_state, signed_in_clients
from .strategies import DATES, hostile_text, storable_text

# Half storable (so the write path runs), half anything at all.
text = st.one_of(storable_text, hostile_text)

PASSWORD = "correct horse battery staple 42"


def attempt(client, url, data, before):
    """POST `data`; a refusal (4xx) must leave every table as it was (`before`)."""
    response = client.post(url, data)
    assert response.status_code < 500
    accepted = response.status_code == 302
    if accepted:
        # Direction controls (and lone surrogates) are refused wherever a person types text.
        hidden = {k: v for k, v in data.items() if isinstance(v, str) and hidden_character(v)}
        assert hidden == {}, hidden
    if not accepted:
        assert 400 <= response.status_code < 500
        after = dump()
        assert after == before, changed(before, after)
    return accepted


def test_signing_stores_the_typed_name_normalised_or_nothing(hostile_world):
    world, _kwargs = hostile_world
    cycle = Cycle.objects.get()
    url = reverse("pledges:pledge-sign")
    digest = pledge_text(cycle)[1]

    clients = signed_in_clients(world)
    before = dump()

    @settings(HOSTILE, max_examples=30)
    @given(name=text, public=st.booleans())
    def run(name, public):
        with rolled_back():
            client = clients["colleague"]
            data = {"consent": "on", "typed_name": name, "text_sha256": digest}
            if public:
                data["list_publicly"] = "on"
            if attempt(client, url, data, before):
                pledge = Pledge.objects.get(user=world.colleague)
                assert pledge.typed_name == " ".join(unicodedata.normalize("NFC", name).split())
                assert pledge.listed_publicly is public

    run()


def test_assessment_save_stores_answers_as_sent_or_nothing(hostile_world):
    world, _kwargs = hostile_world
    assessment = Assessment.objects.get(user=world.official)
    set_state(world.official, "draft")
    item = ApplicationItem.objects.filter(standard__edition=assessment.cycle.edition).first()
    url = reverse("assessments:assessment-edit", args=[assessment.pk])
    ratings = st.sampled_from(["1", "2", "3", "4", "na", "", "0", "5", "-1", "1.0", "NaN"])

    good = st.fixed_dictionaries(
        {
            "rating": st.sampled_from(["1", "2", "3", "4", "na", ""]),
            "reason": storable_text,
            "comment": storable_text,
            "goal": storable_text,
            "date": st.sampled_from(["2026-12-31", "", "2027-01-15"]),
        }
    )
    anything = st.fixed_dictionaries(
        {
            "rating": st.one_of(ratings, hostile_text),
            "reason": text,
            "comment": text,
            "goal": text,
            "date": st.sampled_from([*DATES, "2026-12-31", ""]),
        }
    )

    clients = signed_in_clients(world)
    before = dump()

    @settings(HOSTILE, max_examples=40)
    @given(answer=st.one_of(good, anything))
    def run(answer):
        rating, reason, comment = answer["rating"], answer["reason"], answer["comment"]
        goal, date = answer["goal"], answer["date"]
        with rolled_back():
            client = clients["official"]
            data = {
                "version": Assessment.objects.get(pk=assessment.pk).version,
                f"item_{item.pk}_rating": rating,
                f"item_{item.pk}_na_reason": reason,
                f"item_{item.pk}_comment": comment,
                f"goal_{item.standard_id}_text": goal,
                f"goal_{item.standard_id}_date": date,
            }
            if attempt(client, url, data, before):
                response = ItemResponse.objects.get(assessment=assessment, item=item)
                assert response.not_applicable is (rating == "na")
                assert response.rating == (int(rating) if rating not in ("na", "") else None)
                assert response.na_reason == (reason.strip() if rating == "na" else "")
                assert response.comment == comment.strip()
                stored = StandardGoal.objects.filter(
                    assessment=assessment, standard_id=item.standard_id
                ).first()
                assert (stored.goal if stored else "") == goal.strip()

    run()


def test_review_stores_notes_as_sent_or_nothing(hostile_world):
    world, _kwargs = hostile_world
    assessment = Assessment.objects.get(user=world.official)
    item = ApplicationItem.objects.filter(standard__edition=assessment.cycle.edition).first()
    url = reverse("assessments:assessment-review", args=[assessment.pk])

    good = st.fixed_dictionaries(
        {
            "decision": st.sampled_from(["accept", "return"]),
            "note": storable_text,
            "comment": storable_text,
            "rating": st.sampled_from(["", "1", "4"]),
        }
    )
    anything = st.fixed_dictionaries(
        {
            "decision": st.sampled_from(["accept", "return", "", "maybe"]),
            "note": text,
            "comment": text,
            "rating": st.sampled_from(["", "1", "4", "5", "0", "-3", "na", str(10**30)]),
        }
    )

    clients = signed_in_clients(world)
    before = dump()

    @settings(HOSTILE, max_examples=30)
    @given(answer=st.one_of(good, anything))
    def run(answer):
        decision, note = answer["decision"], answer["note"]
        comment, rating = answer["comment"], answer["rating"]
        with rolled_back():
            client = clients["supervisor"]
            data = {
                "decision": decision,
                "note": note,
                f"review_{item.pk}_comment": comment,
                f"review_{item.pk}_rating": rating,
            }
            if attempt(client, url, data, before):
                review = Review.objects.get(assessment=assessment)
                assert review.note == note.strip()
                assert review.items.get(item=item).comment == comment.strip()

    run()


def test_submit_and_withdraw_store_their_text_as_sent_or_nothing(hostile_world):
    world, kwargs = hostile_world
    assessment = Assessment.objects.get(user=world.official)
    set_state(world.official, "draft")
    submit = reverse("assessments:assessment-submit", args=[assessment.pk])
    withdraw = reverse("pledges:pledge-withdraw", kwargs=kwargs["pledges:pledge-withdraw"])

    clients = signed_in_clients(world)
    before = dump()

    @settings(HOSTILE, max_examples=30)
    @given(text=text)
    def run(text):
        with rolled_back():
            if attempt(clients["official"], submit, {"note": text}, before):
                transition = Transition.objects.filter(assessment=assessment).latest("pk")
                assert transition.note == text.strip()
        with rolled_back():
            if attempt(clients["official"], withdraw, {"reason": text}, before):
                assert PledgeWithdrawal.objects.get().reason == text.strip()

    run()


def test_reopen_stores_the_note_as_sent_or_nothing(hostile_world):
    world, _kwargs = hostile_world
    assessment = Assessment.objects.get(user=world.official)
    set_state(world.official, "accepted")
    url = reverse("assessments:assessment-reopen", args=[assessment.pk])

    clients = signed_in_clients(world)
    before = dump()

    @settings(HOSTILE, max_examples=25)
    @given(note=text)
    def run(note):
        with rolled_back():
            if attempt(clients["manager"], url, {"note": note}, before):
                assert Transition.objects.latest("pk").note == note.strip()

    run()


def test_invitations_and_offices_store_names_as_sent_or_nothing(hostile_world):
    world, _kwargs = hostile_world
    association = world.association.pk
    invite = reverse("accounts:invitation-create")
    invite_analyst = reverse("accounts:association-invitation-create", args=[association])
    create_office = reverse("accounts:association-office-create", args=[association])

    clients = signed_in_clients(world)
    before = dump()

    @settings(HOSTILE, max_examples=30)
    @given(name=text, email=st.sampled_from(["a@example.org", "B.C@Example.ORG"]))
    def run(name, email):
        with rolled_back():
            data = {"full_name": name, "email": email, "role": "official"}
            if attempt(clients["manager"], invite, data, before):
                stored = Invitation.objects.get(email=email.lower())
                assert stored.full_name == name.strip()
        with rolled_back():
            data = {"full_name": name, "email": email, "role": "analyst"}
            if attempt(clients["association_admin"], invite_analyst, data, before):
                stored = Invitation.objects.get(email=email.lower())
                assert stored.full_name == name.strip()
        with rolled_back():
            data = {
                "name": name,
                "state": "CO",
                "kind": "county",
                "manager_name": name,
                "manager_email": email,
            }
            if attempt(clients["association_admin"], create_office, data, before):
                office = Office.objects.latest("pk")
                assert office.name == name.strip()
                assert Invitation.objects.get(email=email.lower()).full_name == name.strip()

    run()


def test_accepting_an_invitation_stores_the_name_as_sent_or_nothing(hostile_world):
    world, kwargs = hostile_world
    url = reverse("accounts:invitation-accept", kwargs=kwargs["accounts:invitation-accept"])

    clients = signed_in_clients(world)
    before = dump()

    @settings(HOSTILE, max_examples=30)
    @given(name=text)
    def run(name):
        with rolled_back():
            data = {"full_name": name, "password1": PASSWORD, "password2": PASSWORD}
            if attempt(clients["anonymous"], url, data, before):
                assert User.objects.get(email="new.person@example.org").full_name == name.strip()

    run()
