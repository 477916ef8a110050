"""Election workers sign the pledge and are never asked for the self-assessment."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from assessments import services
from assessments.models import Assessment, ParticipationSummary
from assessments.services import AssessmentRefused

from ..factories import MembershipFactory
from .conftest import make_assessment

WORKER = Membership.Role.ELECTION_WORKER


@pytest.fixture
def election_worker(world):
    return MembershipFactory(office=world.office, role=WORKER, reports_to=world.supervisor).user


def test_starting_an_assessment_is_refused_and_creates_nothing(
    client, world, cycle, election_worker
):
    client.force_login(election_worker)
    response = client.post(reverse("assessments:assessment-start"))
    assert response.status_code == 403
    assert "do not take the self-assessment" in response.content.decode()
    assert not Assessment.objects.filter(user=election_worker).exists()
    with pytest.raises(AssessmentRefused):
        services.assessment_start(user=election_worker, cycle=cycle)


def test_a_draft_from_before_cannot_be_submitted_once_an_election_worker(world, cycle):
    draft = make_assessment(world.colleague, cycle, state="draft")
    Membership.objects.filter(user=world.colleague, ended_at__isnull=True).update(role=WORKER)
    with pytest.raises(AssessmentRefused, match="do not take the self-assessment"):
        services.assessment_submit(assessment=draft, by=world.colleague)
    draft.refresh_from_db()
    assert draft.state == "draft"
    assert not ParticipationSummary.objects.filter(office=world.office, submitted__gt=0).exists()


def test_no_assessment_on_the_home_page_nor_in_the_navigation(
    client, world, cycle, election_worker
):
    client.force_login(election_worker)
    page = client.get(reverse("home")).content.decode()
    assert "Your self-assessment" not in page
    assert "My assessment" not in page
    assert "Rate yourself on each item" not in page
    assert "My pledge" in page


def test_my_assessment_says_they_are_not_asked(client, world, cycle, election_worker):
    client.force_login(election_worker)
    page = client.get(reverse("assessments:assessment-mine")).content.decode()
    assert "you are not asked for the self-assessment" in page
    assert "Start a new assessment" not in page


def test_the_team_list_shows_them_as_not_asked(client, world, cycle, election_worker):
    client.force_login(world.supervisor)
    page = client.get(reverse("assessments:team-list")).content.decode()
    assert election_worker.full_name in page and "Not asked (election worker)" in page
    not_started = client.get(reverse("assessments:team-list"), {"state": "not_started"})
    assert election_worker.full_name not in not_started.content.decode()


def test_an_election_worker_has_no_team_link(client, world, cycle, election_worker):
    client.force_login(election_worker)
    page = client.get(reverse("home")).content.decode()
    assert reverse("assessments:team-list") not in page
