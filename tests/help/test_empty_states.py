"""Every empty list, table and report says what will appear there and how it gets there."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from front.exports import my_data_pdf
from pledges.models import Cycle

from ..accounts.test_my_data import pdf_text
from ..assessments.conftest import make_assessment
from ..pledges.conftest import fresh_login


def page(client, user, url) -> str:
    if user is not None:
        fresh_login(client, user)
    response = client.get(url)
    assert response.status_code == 200, url
    return " ".join(response.content.decode().split())


def rendered(template, user, context) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return " ".join(render_to_string(template, context, request=request).split())


@pytest.fixture
def no_cycle(world, edition):
    assert not Cycle.objects.exists()
    return world


# People and invitations (office managers, association administrators).


def test_people_list_without_staff_says_who_appears_and_links_to_invite(world):
    html = rendered(
        "accounts/people_list.html",
        world.manager,
        {"office": world.office, "memberships": [], "pending_count": 0},
    )
    assert "The people you invite appear here once they accept." in html
    assert f'href="{reverse("accounts:invitation-create")}"' in html


def test_invitation_list_without_invitations(client, world):
    html = page(client, world.manager, reverse("accounts:invitation-list"))
    assert "People you invite are listed here until they accept" in html
    assert f'href="{reverse("accounts:invitation-create")}"' in html


def test_audit_log_without_matching_entries(client, world):
    url = reverse("accounts:audit-log") + "?start=2001-01-01&end=2001-01-02"
    html = page(client, world.manager, url)
    assert "No entries match these filters. Try another action or a wider date range." in html


def test_association_without_offices_or_invitations(client, world):
    world.association.offices.clear()
    html = page(
        client,
        world.association_admin,
        reverse("accounts:association-detail", args=[world.association.pk]),
    )
    assert "Member offices appear here with their staff and managers" in html
    assert "Analysts you invite are listed here until they accept." in html
    assert f'href="{reverse("accounts:association-office-add", args=[world.association.pk])}"' in (
        html
    )


def test_my_data_pdf_of_a_person_with_no_records(world):
    text = " ".join(pdf_text(my_data_pdf(world.analyst)[2]).split())
    assert "you have not been part of an office" in text
    assert "you have not signed one" in text
    assert "you have not started one" in text


# Pledges.


def test_pledge_history_when_nothing_is_signed(client, world, cycle):
    html = page(client, world.official, reverse("pledges:pledge-list"))
    assert "Each pledge you sign appears here, one for each cycle" in html
    assert f'href="{reverse("pledges:pledge-sign")}"' in html


def test_office_pledges_before_any_cycle(client, no_cycle):
    html = page(client, no_cycle.manager, reverse("pledges:pledge-office"))
    assert "When one opens, each person in your office appears here" in html


def test_registry_list_when_no_office_publishes(client, world):
    html = page(client, None, reverse("pledges:registry-list"))
    assert "an office manager turns this on from the office pledges page" in html


def test_registry_of_an_office_where_nobody_is_named(client, world, cycle):
    world.office.publishes_registry = True
    world.office.save(update_fields=["publishes_registry"])
    html = page(client, None, reverse("pledges:registry-detail", args=[world.office.pk]))
    assert "Staff of this office who sign the pledge and agree to be named appear here." in html


# Assessments.


def test_team_list_for_someone_without_reports(client, world, cycle):
    html = page(client, world.official, reverse("assessments:team-list"))
    assert "The people who report to you appear here" in html
    assert "Your office manager sets who reports to whom." in html


def test_office_assessments_before_any_cycle(client, no_cycle):
    html = page(client, no_cycle.manager, reverse("assessments:office-list"))
    assert "When one opens, everyone in your office appears here" in html


def test_office_assessments_without_staff(world, cycle):
    html = rendered(
        "assessments/office_list.html",
        world.manager,
        {"cycle": cycle, "rows": [], "office": world.office},
    )
    assert "The people you invite appear here once they accept." in html
    assert f'href="{reverse("accounts:invitation-create")}"' in html


def test_results_and_history_of_an_empty_draft(client, world, cycle):
    assessment = make_assessment(world.official, cycle, answered=False)
    fresh_login(client, world.official)
    results = page(client, None, reverse("assessments:assessment-results", args=[assessment.pk]))
    assert "The lowest-rated items appear here once items of the self-assessment are rated." in (
        results
    )
    assert "A goal written for a standard in the self-assessment appears here." in results
    detail = page(client, None, reverse("assessments:assessment-detail", args=[assessment.pk]))
    assert "Each step appears here once the self-assessment is submitted" in detail


# Reports.


def test_office_report_before_any_cycle(client, no_cycle):
    html = page(
        client, no_cycle.manager, reverse("reports:office-report", args=[no_cycle.office.pk])
    )
    assert "the office's figures appear here" in html


def test_office_report_with_too_few_submissions(client, world, cycle):
    url = reverse("reports:office-report", args=[world.office.pk])
    # The manager's report names people and suppresses nothing: it only has nothing yet.
    html = page(client, world.manager, url)
    assert "No self-assessment has been submitted in this cycle yet." in html
    assert "The results are suppressed" not in html and "This report names people." in html
    html = page(client, world.supervisor, url)
    assert "The results are suppressed" in html
    assert "They appear once enough people have submitted." in html


def test_association_report_before_any_cycle(client, no_cycle):
    url = reverse("reports:association-report", args=[no_cycle.association.pk])
    html = page(client, no_cycle.analyst, url)
    assert "the association's figures appear here" in html


def test_association_report_with_too_few_submissions_and_no_offices(client, world, cycle):
    url = reverse("reports:association-report", args=[world.association.pk])
    html = page(client, world.analyst, url)
    assert "They appear once 5 or more people across the member offices have submitted." in html
    world.association.offices.clear()
    html = page(client, None, url)
    assert "This association has no member offices yet." in html


def test_the_next_cycle_date_is_still_given_before_any_cycle(client, no_cycle):
    opens = datetime.date.today() + datetime.timedelta(days=10)
    Cycle.objects.create(
        name="Next",
        edition=Cycle._meta.get_field("edition").related_model.objects.get(),
        opens_on=opens,
        closes_on=opens + datetime.timedelta(days=60),
    )
    html = page(client, no_cycle.manager, reverse("pledges:pledge-office"))
    assert "The Next cycle opens on" in html
