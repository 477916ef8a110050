"""Inside the portal, a confidential participant's name and email are read only by the
person, their office's manager and its records officer (docs/records.md, "Confidential
participants"): every page and download, visited as each other role, and every email of
a review cycle sent to anyone else, are read back as text (PDFs through pypdf)."""

from html import escape

import pytest
from django.core import mail
from django.urls import NoReverseMatch, reverse

from accounts.models import CONFIDENTIAL_NAME
from assessments import services
from reports.models import ReportFile

from .assessments.conftest import all_answers
from .pledges.conftest import fresh_login
from .test_confidential_public import _text
from .test_url_matrix import (  # noqa: F401 (fixtures)
    _no_throttle,
    collected_routes,
    matrix,
    visit,
)

# Who may not read the confidential official's name: their supervisor (who reviews them),
# the other supervisor and a colleague of the same office, another office's official and
# manager, and the association's analyst and administrator.
NOT_ALLOWED = [
    "supervisor",
    "other_supervisor",
    "colleague",
    "other_official",
    "other_manager",
    "analyst",
    "association_admin",
]


def _crawl(client, world, kwargs, readers, capture) -> dict:
    """Every page and download each reader may open, as text, by (reader, route)."""
    pages = {}
    for reader in readers:
        client.logout()
        fresh_login(client, getattr(world, reader))
        for route in sorted(collected_routes()):
            try:
                response = visit(client, kwargs, route)
            except NoReverseMatch:
                continue  # without arguments in the URL matrix yet: its own test says so
            if response.status_code == 200:
                pages[reader, route] = _text(response)
        # The office report's PDF a supervisor prepares in the background, downloaded.
        prepare = reverse("reports:office-report-pdf-prepare", args=[world.office.pk])
        with capture(execute=True):
            client.post(prepare)
        for report_file in ReportFile.objects.filter(requested_by=getattr(world, reader)):
            response = client.get(reverse("reports:report-file", args=[report_file.pk]))
            pages[reader, f"report-file-{report_file.pk}"] = _text(response)
    return pages


def _found(pages, person) -> list:
    names = {person.full_name, escape(person.full_name)}
    return [
        where
        for where, text in pages.items()
        if any(name in text for name in names) or person.email in text.lower()
    ]


def _make_confidential(person):
    person.is_confidential = True
    person.save(update_fields=["is_confidential"])


def test_no_one_but_the_person_and_the_records_readers_finds_the_name(
    client,
    world,
    matrix,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    world, kwargs = matrix
    _make_confidential(world.official)
    pages = _crawl(client, world, kwargs, NOT_ALLOWED, django_capture_on_commit_callbacks)
    assert len(pages) > 150
    # The supervisor reviews the person's self-assessment and downloads the results PDF:
    # the work is there, the name is not. (Their team's report names no one.)
    for route in (
        "assessments:assessment-review",
        "assessments:assessment-detail",
        "assessments:assessment-results",
        "assessments:assessment-results-pdf",
        "assessments:team-list",
    ):
        assert str(CONFIDENTIAL_NAME) in pages["supervisor", route].lower(), route
    assert any(key[0] == "supervisor" and key[1].startswith("report-file-") for key in pages)
    assert _found(pages, world.official) == []


def test_the_same_crawl_finds_the_name_of_someone_not_confidential(
    client,
    world,
    matrix,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """The crawl can fail: without the mark, the supervisor reads the name."""
    world, kwargs = matrix
    pages = _crawl(client, world, kwargs, ["supervisor"], django_capture_on_commit_callbacks)
    assert {
        ("supervisor", "assessments:assessment-review"),
        ("supervisor", "assessments:assessment-results-pdf"),
        ("supervisor", "assessments:team-list"),
    } <= set(_found(pages, world.official))


def test_a_confidential_reviewers_name_is_hidden_from_the_people_they_review(
    client,
    world,
    matrix,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    world, kwargs = matrix
    _make_confidential(world.supervisor)
    readers = ["official", "colleague", "other_supervisor", "other_manager", "analyst"]
    pages = _crawl(client, world, kwargs, readers, django_capture_on_commit_callbacks)
    assert str(CONFIDENTIAL_NAME) in pages["official", "assessments:assessment-detail"]
    assert _found(pages, world.supervisor) == []


def _review_cycle(world, cycle):
    """Submit, return, resubmit, accept, reopen and reassign: every assessment email."""
    official, supervisor, manager = world.official, world.supervisor, world.manager
    assessment = services.assessment_start(user=official, cycle=cycle)
    services.assessment_save(
        assessment=assessment, by=official, version=assessment.version, answers=all_answers(cycle)
    )
    services.assessment_submit(assessment=assessment, by=official, note="Ready.")
    services.assessment_review(
        assessment=assessment, by=supervisor, decision="return", note="Add examples."
    )
    services.assessment_submit(assessment=assessment, by=official, note="Examples added.")
    services.assessment_review(assessment=assessment, by=supervisor, decision="accept")
    services.assessment_reopen(assessment=assessment, by=manager, note="A late correction.")
    services.assessment_reassign_reviewer(
        assessment=assessment, by=manager, reviewer=world.other_supervisor
    )


@pytest.mark.parametrize("confidential", ["official", "supervisor"])
def test_review_emails_name_a_confidential_person_only_to_them_and_their_manager(
    world, cycle, confidential, django_capture_on_commit_callbacks
):
    person = getattr(world, confidential)
    _make_confidential(person)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _review_cycle(world, cycle)
    allowed = {person.email, world.manager.email}
    others = [m for m in mail.outbox if not set(m.to) <= allowed]
    assert len(others) >= 4, [m.subject for m in mail.outbox]
    for message in others:
        text = f"{message.subject}\n{message.body}"
        assert person.full_name not in text, (message.to, message.subject)
        assert person.email not in text.lower(), (message.to, message.subject)
    assert any(str(CONFIDENTIAL_NAME) in m.body.lower() for m in others)


def test_review_emails_name_someone_not_confidential(
    world, cycle, django_capture_on_commit_callbacks
):
    """The email check can fail: without the mark, the reviewer reads the name."""
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _review_cycle(world, cycle)
    to_supervisor = [m for m in mail.outbox if m.to == [world.supervisor.email]]
    assert any(world.official.full_name in m.subject for m in to_supervisor)
    to_official = [m for m in mail.outbox if m.to == [world.official.email]]
    assert any(world.supervisor.full_name in m.body for m in to_official)
