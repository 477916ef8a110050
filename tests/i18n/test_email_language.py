"""Emails go out in the recipient's language, whatever language the sender uses."""

import pytest
from django.utils import translation

from accounts import services as account_services
from accounts.models import Membership, User
from assessments import services as assessment_services
from pledges.services import reminders_send

from ..assessments.conftest import make_assessment


@pytest.fixture
def deliver(django_capture_on_commit_callbacks, mailoutbox):
    """Run a write as the sender, in the sender's language, and return the emails sent."""

    def run(action, *, sender_language="en"):
        mailoutbox.clear()
        with (
            translation.override(sender_language),
            django_capture_on_commit_callbacks(execute=True),
        ):
            action()
        return {message.to[0]: message for message in mailoutbox}

    return run


def prefer(person, language):
    person.preferred_language = language
    person.save(update_fields=["preferred_language"])
    return person


def test_a_returned_assessment_reaches_a_spanish_speaker_in_spanish(world, cycle, deliver):
    prefer(world.official, "es")
    assessment = make_assessment(world.official, cycle, state="submitted")
    sent = deliver(
        lambda: assessment_services.assessment_review(
            assessment=assessment,
            by=assessment.reviewer,
            decision="return",
            note="Add examples, please.",
        )
    )
    message = sent[world.official.email]
    assert message.subject.startswith("Su autoevaluación fue devuelta para revisión")
    assert "Hola, " in message.body and "Hello" not in message.body
    assert "Add examples, please." in message.body


def test_a_submission_reaches_an_english_reviewer_in_english(world, cycle, deliver):
    prefer(world.official, "es")
    assessment = make_assessment(world.official, cycle, state="draft")
    sent = deliver(
        lambda: assessment_services.assessment_submit(assessment=assessment, by=world.official),
        sender_language="es",
    )
    message = sent[assessment.reviewer.email]
    assert "submitted a self-assessment for review" in message.subject
    assert message.body.startswith("Hello ")


def test_an_invitation_to_a_newcomer_is_in_the_inviters_language(world, deliver):
    prefer(world.manager, "es")
    sent = deliver(
        lambda: account_services.invitation_create(
            office=world.office,
            email="nueva@example.org",
            full_name="Ana Nueva",
            role=Membership.Role.OFFICIAL,
            invited_by=world.manager,
        )
    )
    message = sent["nueva@example.org"]
    assert message.subject.startswith("Le invitan a unirse a")
    assert "Portal de Normas" in message.body
    assert "como Funcionario(a)." in message.body


def test_an_invitation_to_someone_with_an_account_is_in_their_language(world, deliver):
    prefer(world.manager, "es")
    sent = deliver(
        lambda: account_services.invitation_create(
            office=world.office,
            email=world.other_official.email,
            full_name=world.other_official.full_name,
            role=Membership.Role.OFFICIAL,
            invited_by=world.manager,
        ),
        sender_language="es",
    )
    message = sent[world.other_official.email]
    assert message.subject.startswith("You are invited to join")
    # The role is named in the recipient's language too, not the inviter's.
    assert "as Official." in message.body and "Funcionario" not in message.body


def test_a_newcomer_keeps_the_language_they_accepted_the_invitation_in(world):
    invitation = account_services.invitation_create(
        office=world.office,
        email="nueva@example.org",
        full_name="Ana Nueva",
        role=Membership.Role.OFFICIAL,
        invited_by=world.manager,
    )
    with translation.override("es"):
        user = account_services.invitation_accept(
            invitation=invitation, full_name="Ana Nueva", password="a-long-enough-passphrase-7"
        )
    assert User.objects.get(pk=user.pk).preferred_language == "es"


def test_pledge_reminders_go_out_in_each_persons_language(world, cycle, deliver):
    prefer(world.colleague, "es")
    sent = deliver(
        lambda: reminders_send(cycle=cycle, office=world.office, key="test", sent_by=world.manager)
    )
    assert sent[world.colleague.email].subject.startswith("Recordatorio: firme el compromiso")
    assert sent[world.official.email].subject.startswith("Reminder: sign the")
