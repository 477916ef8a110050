"""A form sent twice is saved once: the second copy is answered "already saved".

Each test loads the real page, takes the submission token its form carries, sends the
form, then sends the very same form again, as a browser does after a lost answer.
"""

import re
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, Review
from core.models import SubmissionToken
from core.submissions import submission_tokens_clear
from pledges.models import Pledge
from pledges.services import pledge_text
from tests.assessments.conftest import edition_items, form_data, make_assessment
from tests.pledges.conftest import fresh_login

TOKEN = re.compile(r'name="submission" value="([0-9a-f-]{36})"')
ALREADY_SAVED = "This form had already been sent and saved. Nothing was saved twice."


def token_from(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200
    tokens = TOKEN.findall(response.content.decode())
    assert len(tokens) == 1
    return tokens[0]


def send_twice(client, path, data):
    """The form sent, then sent again; the second answer followed to the page it leads to."""
    first = client.post(path, data)
    again = client.post(path, data)
    assert first.status_code == 302, first.status_code
    assert again.status_code == 302, again.status_code  # never a 409 conflict
    assert again["Location"] == first["Location"]
    page = client.get(again["Location"])
    assert ALREADY_SAVED in page.content.decode()
    return first


def test_a_save_sent_twice_is_saved_once(client, world, cycle):
    assessment = make_assessment(world.official, cycle, answered=False)
    client.force_login(world.official)
    path = reverse("assessments:assessment-edit", args=[assessment.pk])
    items = edition_items(cycle)
    data = form_data(assessment, {item.pk: ("4", f"kept {item.pk}") for item in items})
    data["submission"] = token_from(client, path)

    first = send_twice(client, path, data)

    assert first["Location"] == path
    assessment.refresh_from_db()
    assert assessment.version == 2  # one save, not two
    assert set(assessment.responses.values_list("rating", flat=True)) == {4}


def test_a_submit_sent_twice_is_submitted_once(client, world, cycle):
    assessment = make_assessment(world.official, cycle)
    client.force_login(world.official)
    path = reverse("assessments:assessment-submit", args=[assessment.pk])
    data = {"note": "Done.", "submission": token_from(client, path)}

    first = send_twice(client, path, data)

    assert first["Location"] == reverse("assessments:assessment-detail", args=[assessment.pk])
    assessment.refresh_from_db()
    assert assessment.state == "submitted"
    assert list(assessment.transitions.values_list("action", flat=True)) == ["submitted"]


def test_a_review_decision_sent_twice_is_recorded_once(client, world, cycle):
    assessment = make_assessment(world.official, cycle, state="submitted")
    client.force_login(world.supervisor)
    path = reverse("assessments:assessment-review", args=[assessment.pk])
    data = {"decision": "accept", "note": "", "submission": token_from(client, path)}

    first = send_twice(client, path, data)

    assert first["Location"] == reverse("assessments:team-list")
    assert Review.objects.filter(assessment=assessment).count() == 1
    assert Assessment.objects.get(pk=assessment.pk).state == "accepted"


def test_a_signature_sent_twice_is_signed_once(client, world, cycle):
    fresh_login(client, world.official)
    path = reverse("pledges:pledge-sign")
    data = {
        "consent": "on",
        "typed_name": world.official.full_name,
        "text_sha256": pledge_text(cycle)[1],
        "submission": token_from(client, path),
    }

    first = send_twice(client, path, data)

    pledge = Pledge.objects.get()
    assert first["Location"] == reverse("pledges:pledge-detail", args=[pledge.pk])


def test_a_refused_save_does_not_use_up_its_token(client, world, cycle):
    assessment = make_assessment(world.official, cycle, answered=False)
    client.force_login(world.official)
    path = reverse("assessments:assessment-edit", args=[assessment.pk])
    items = edition_items(cycle)
    data = form_data(assessment, {item.pk: "3" for item in items})
    data["submission"] = token_from(client, path)
    assert client.post(path, form_data(assessment, {items[0].pk: "1"})).status_code == 302

    assert client.post(path, data).status_code == 409  # a stale page: refused, nothing claimed
    assert not SubmissionToken.objects.exists()
    assert client.post(path, {**data, "version": "2"}).status_code == 302
    assert SubmissionToken.objects.get().redirect_to == path


def test_someone_elses_token_is_not_an_answer(client, world, cycle):
    assessment = make_assessment(world.official, cycle)
    client.force_login(world.official)
    path = reverse("assessments:assessment-submit", args=[assessment.pk])
    data = {"note": "", "submission": token_from(client, path)}
    assert client.post(path, data).status_code == 302

    other = make_assessment(world.colleague, cycle)
    client.force_login(world.colleague)
    other_path = reverse("assessments:assessment-submit", args=[other.pk])
    response = client.post(other_path, data)  # the same token, another person
    assert response["Location"] == reverse("assessments:assessment-detail", args=[other.pk])
    assert Assessment.objects.get(pk=other.pk).state == "submitted"


def test_old_tokens_are_cleared_daily(world):
    old = SubmissionToken.objects.create(
        user=world.official,
        token="00000000-0000-4000-8000-000000000001",
        created_at=timezone.now() - timedelta(days=3),
    )
    recent = SubmissionToken.objects.create(
        user=world.official, token="00000000-0000-4000-8000-000000000002"
    )
    assert submission_tokens_clear() == 1
    assert list(SubmissionToken.objects.all()) == [recent]
    assert not SubmissionToken.objects.filter(pk=old.pk).exists()
    call_command("clear_submission_tokens", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_save_sent_twice_at_once_is_saved_once_on_postgresql(world, cycle):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    assessment = make_assessment(world.official, cycle, answered=False)
    path = reverse("assessments:assessment-edit", args=[assessment.pk])
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(world.official)
    data = form_data(assessment, {item.pk: "4" for item in edition_items(cycle)})
    data["submission"] = token_from(clients[0], path)
    barrier = threading.Barrier(2)
    answers = []

    def send(client):
        try:
            barrier.wait()
            answers.append(client.post(path, data))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [answer.status_code for answer in answers] == [302, 302]
    assert {answer["Location"] for answer in answers} == {path}
    assert Assessment.objects.get(pk=assessment.pk).version == 2
    assert SubmissionToken.objects.count() == 1
