import io

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Membership
from assessments import services
from assessments.models import Assessment, ItemResponse, Review, StandardGoal
from pledges.models import ApplicationItem, Edition, Standard

from ..factories import MembershipFactory
from .conftest import all_answers, edition_items, form_data, make_assessment

ROLES = [
    "official",
    "colleague",
    "supervisor",
    "other_supervisor",
    "manager",
    "other_manager",
    "other_official",
    "analyst",
    "association_admin",
    "site_admin",
]


def url(name, assessment):
    return reverse(f"assessments:{name}", args=[assessment.pk])


@pytest.fixture
def submitted(world, cycle):
    return make_assessment(world.official, cycle, state="submitted")


# ----------------------------------------------------------------------------- who sees what

READ = {
    "official": 200,
    "colleague": 404,
    "supervisor": 200,
    "other_supervisor": 404,
    "manager": 200,
    "other_manager": 404,
    "other_official": 404,
    "analyst": 404,
    "association_admin": 404,
    "site_admin": 404,
}


@pytest.mark.parametrize(
    "name", ["assessment-detail", "assessment-results", "assessment-results-pdf"]
)
@pytest.mark.parametrize("who", ROLES)
def test_reading_an_assessment_is_for_the_official_their_supervisor_and_manager(
    client, world, submitted, name, who
):
    client.force_login(getattr(world, who))
    response = client.get(url(name, submitted))
    assert response.status_code == READ[who]
    if response.status_code == 404 and name != "assessment-results-pdf":
        assert world.official.full_name not in response.content.decode()


@pytest.mark.parametrize(
    "name",
    [
        "assessment-detail",
        "assessment-results",
        "assessment-results-pdf",
        "assessment-edit",
        "assessment-submit",
        "assessment-review",
    ],
)
def test_anonymous_people_are_asked_to_sign_in(client, submitted, name):
    response = client.get(url(name, submitted))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("official", 200),
        ("colleague", 404),
        ("supervisor", 403),
        ("other_supervisor", 404),
        ("manager", 403),
        ("other_manager", 404),
        ("analyst", 404),
    ],
)
def test_only_the_official_edits(client, world, cycle, who, status):
    # A returned assessment: the supervisor and manager may read it, not edit it.
    assessment = make_assessment(world.official, cycle, state="returned")
    client.force_login(getattr(world, who))
    assert client.get(url("assessment-edit", assessment)).status_code == status
    response = client.post(
        url("assessment-edit", assessment),
        form_data(assessment, {edition_items(cycle)[0].pk: "1"}),
    )
    assert response.status_code == (302 if who == "official" else status)
    assert ItemResponse.objects.filter(rating=1).exists() == (who == "official")


@pytest.mark.parametrize("who", ["supervisor", "manager", "colleague", "analyst"])
def test_a_draft_is_private_until_first_submitted(client, world, cycle, who):
    assessment = make_assessment(world.official, cycle, state="draft")
    client.force_login(getattr(world, who))
    for name in ("assessment-detail", "assessment-results", "assessment-results-pdf"):
        assert client.get(url(name, assessment)).status_code == 404
    client.force_login(world.official)
    assert client.get(url("assessment-detail", assessment)).status_code == 200


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("supervisor", 200),
        ("official", 403),
        ("manager", 403),
        ("colleague", 404),
        ("other_supervisor", 404),
        ("other_manager", 404),
        ("analyst", 404),
    ],
)
def test_only_the_assigned_reviewer_reviews(client, world, submitted, who, status):
    client.force_login(getattr(world, who))
    assert client.get(url("assessment-review", submitted)).status_code == status
    response = client.post(url("assessment-review", submitted), {"decision": "accept"})
    assert response.status_code == (302 if who == "supervisor" else status)
    submitted.refresh_from_db()
    assert (submitted.state == "accepted") == (who == "supervisor")


def test_a_manager_reviewing_their_own_direct_report(client, world, cycle):
    assessment = make_assessment(world.supervisor, cycle, state="submitted")
    assert assessment.reviewer == world.manager
    client.force_login(world.manager)
    assert client.get(url("assessment-review", assessment)).status_code == 200


@pytest.mark.parametrize(
    ("who", "status"),
    [("manager", 200), ("supervisor", 403), ("official", 403), ("analyst", 403)],
)
def test_the_office_list_is_for_managers(client, world, submitted, who, status):
    client.force_login(getattr(world, who))
    response = client.get(reverse("assessments:office-list"))
    assert response.status_code == status
    if status == 200:
        assert world.official.full_name in response.content.decode()


def test_other_managers_see_only_their_own_office(client, world, submitted):
    client.force_login(world.other_manager)
    response = client.get(reverse("assessments:office-list"))
    assert response.status_code == 200
    assert world.official.full_name not in response.content.decode()


def test_the_team_page_lists_direct_reports_only(client, world, submitted):
    client.force_login(world.supervisor)
    body = client.get(reverse("assessments:team-list")).content.decode()
    assert world.official.full_name in body
    assert "Submitted" in body
    assert url("assessment-review", submitted) in body
    assert url("assessment-detail", submitted) in body
    assert world.colleague.full_name not in body
    client.force_login(world.other_supervisor)
    body = client.get(reverse("assessments:team-list")).content.decode()
    assert world.official.full_name not in body
    assert world.colleague.full_name in body


def test_managers_reopen_and_reassign_from_the_detail_page(client, world, cycle):
    assessment = make_assessment(world.official, cycle, state="accepted")
    client.force_login(world.supervisor)
    assert client.post(url("assessment-reopen", assessment), {"note": "x"}).status_code == 403
    client.force_login(world.other_manager)
    assert client.post(url("assessment-reopen", assessment), {"note": "x"}).status_code == 404
    client.force_login(world.manager)
    assert client.post(url("assessment-reopen", assessment), {"note": ""}).status_code == 400
    response = client.post(url("assessment-reopen", assessment), {"note": "Wrong answers"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.state == "returned"
    response = client.post(
        url("assessment-reassign", assessment), {"reviewer": world.other_supervisor.pk}
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.reviewer == world.other_supervisor
    response = client.post(url("assessment-reassign", assessment), {"reviewer": world.colleague.pk})
    assert response.status_code == 400
    response = client.post(url("assessment-reassign", assessment), {"reviewer": "nope"})
    assert response.status_code == 400
    assessment.refresh_from_db()
    assert assessment.reviewer == world.other_supervisor
    body = client.get(url("assessment-detail", assessment)).content.decode()
    assert "Reopened by the office manager" in body
    assert "Wrong answers" in body


# ----------------------------------------------------------------------------- the form


def test_the_form_shows_every_item_grouped_by_standard(client, world, cycle):
    assessment = make_assessment(world.official, cycle, answered=False)
    client.force_login(world.official)
    body = client.get(url("assessment-edit", assessment)).content.decode()
    assert body.count('class="item-fieldset') == 38
    assert body.count("<legend") == 38 + 10
    assert "Consistently practiced" in body
    assert "I do this reliably, as part of my normal work." in body
    assert "Not applicable" in body
    assert "0 of 38 items answered" in body
    assert ' style="' not in body and "<script>" not in body


def test_saving_part_of_the_form_keeps_it_and_shows_progress(client, world, cycle):
    assessment = make_assessment(world.official, cycle, answered=False)
    items = edition_items(cycle)
    client.force_login(world.official)
    goal_field = f"goal_{items[0].standard_id}_text"
    data = form_data(
        assessment,
        {items[0].pk: ("2", "An example"), items[1].pk: ("na", "Not in my role")},
        **{goal_field: "Read more", f"goal_{items[0].standard_id}_date": "2026-12-01"},
    )
    response = client.post(url("assessment-edit", assessment), data)
    assert response.status_code == 302
    first = ItemResponse.objects.get(assessment=assessment, item=items[0])
    assert (first.rating, first.comment) == (2, "An example")
    second = ItemResponse.objects.get(assessment=assessment, item=items[1])
    assert second.not_applicable and second.na_reason == "Not in my role"
    assert StandardGoal.objects.get(assessment=assessment).goal == "Read more"
    body = client.get(url("assessment-edit", assessment)).content.decode()
    assert "2 of 38 items answered" in body
    assert "An example" in body and "Read more" in body and 'value="2026-12-01"' in body


def test_save_and_continue_leads_to_the_submit_page_listing_missing_items(client, world, cycle):
    assessment = make_assessment(world.official, cycle, answered=False)
    items = edition_items(cycle)
    client.force_login(world.official)
    response = client.post(
        url("assessment-edit", assessment),
        form_data(assessment, {items[0].pk: "3"}, action="submit"),
    )
    assert response["Location"] == url("assessment-submit", assessment)
    body = client.get(response["Location"]).content.decode()
    assert "37 items are not answered yet" in body
    assert f"{url('assessment-edit', assessment)}#item-{items[1].pk}" in body
    response = client.post(url("assessment-submit", assessment), {"note": ""})
    assert response.status_code == 400
    assessment.refresh_from_db()
    assert assessment.state == "draft"


def test_submitting_a_complete_assessment_emails_the_reviewer_and_locks_it(
    client, world, cycle, django_capture_on_commit_callbacks
):
    assessment = make_assessment(world.official, cycle)
    client.force_login(world.official)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("assessment-submit", assessment), {"note": "Done"})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[world.supervisor.email]]
    assert client.get(url("assessment-edit", assessment)).status_code == 302
    response = client.post(url("assessment-edit", assessment), form_data(assessment, {}))
    assert response.status_code == 409
    assert "can no longer be edited" in response.content.decode()
    response = client.post(url("assessment-submit", assessment), {"note": ""})
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("7", "Choose one of the ratings on the scale."),
        ("0", "Choose one of the ratings on the scale."),
        ("three", "Choose one of the ratings on the scale."),
        (("na", ""), "Say briefly why this item does not apply to you."),
        (("3", "x" * 2001), "Ensure this value has at most 2000 characters"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(client, world, cycle, value, message):
    assessment = make_assessment(world.official, cycle, answered=False)
    items = edition_items(cycle)
    client.force_login(world.official)
    response = client.post(
        url("assessment-edit", assessment),
        form_data(assessment, {items[0].pk: "2", items[1].pk: value}),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert 'id="error-summary"' in body
    assert f'href="#id_item_{items[1].pk}_' in body
    assert not ItemResponse.objects.exists()
    assessment.refresh_from_db()
    assert assessment.version == 1


def test_a_tampered_form_naming_another_edition_s_item_is_refused(client, world, cycle):
    other = Edition.objects.create(
        code="other", title="Other", publisher="x", year=2030, preamble="x", pledge_heading="x"
    )
    standard = Standard.objects.create(edition=other, number=1, short_title="x", statement="x")
    stranger = ApplicationItem.objects.create(
        standard=standard, number=1, position=1, title="x", text="x"
    )
    assessment = make_assessment(world.official, cycle, answered=False)
    client.force_login(world.official)
    response = client.post(
        url("assessment-edit", assessment),
        form_data(assessment, {edition_items(cycle)[0].pk: "2", stranger.pk: "3"}),
    )
    assert response.status_code == 400
    assert "not part of this assessment" in response.content.decode()
    assert not ItemResponse.objects.exists()


@pytest.mark.parametrize("version", ["", "abc", "-1"])
def test_a_missing_or_garbled_version_is_refused(client, world, cycle, version):
    assessment = make_assessment(world.official, cycle, answered=False)
    client.force_login(world.official)
    data = form_data(assessment, {edition_items(cycle)[0].pk: "2"}, version=version)
    assert client.post(url("assessment-edit", assessment), data).status_code == 400
    assert not ItemResponse.objects.exists()


def test_posting_answers_into_someone_else_s_assessment_is_404(client, world, cycle):
    theirs = make_assessment(world.colleague, cycle, answered=False)
    client.force_login(world.official)
    response = client.post(
        url("assessment-edit", theirs), form_data(theirs, {edition_items(cycle)[0].pk: "1"})
    )
    assert response.status_code == 404
    assert not ItemResponse.objects.exists()


def test_two_tabs_the_second_save_is_refused_with_what_changed(client, world, cycle):
    assessment = make_assessment(world.official, cycle, answered=False)
    items = edition_items(cycle)
    client.force_login(world.official)
    loaded = form_data(assessment, {})  # both tabs loaded version 1
    tab_one = {**loaded, **form_data(assessment, {items[3].pk: ("4", "From tab one")})}
    tab_two = {**loaded, **form_data(assessment, {items[3].pk: "1", items[4].pk: "2"})}
    assert client.post(url("assessment-edit", assessment), tab_one).status_code == 302
    response = client.post(url("assessment-edit", assessment), tab_two)
    assert response.status_code == 409
    body = response.content.decode()
    assert "saved elsewhere" in body
    assert f'href="#item-{items[3].pk}"' in body
    assert "From tab one" in body
    assert 'name="version" value="2"' in body  # saving again deliberately keeps tab two
    saved = ItemResponse.objects.get(assessment=assessment, item=items[3])
    assert (saved.rating, saved.comment) == (4, "From tab one")
    assert not ItemResponse.objects.filter(item=items[4]).exists()


def test_a_double_click_on_save_is_not_a_conflict(client, world, cycle):
    assessment = make_assessment(world.official, cycle, answered=False)
    items = edition_items(cycle)
    client.force_login(world.official)
    data = form_data(assessment, {items[0].pk: ("3", "Same"), items[1].pk: "2"})
    assert client.post(url("assessment-edit", assessment), data).status_code == 302
    assert client.post(url("assessment-edit", assessment), data).status_code == 302
    assessment.refresh_from_db()
    assert assessment.version == 2
    assert assessment.responses.count() == 2


def test_a_closed_cycle_makes_the_form_read_only(client, world, cycle):
    assessment = make_assessment(world.official, cycle, answered=False)
    type(cycle).objects.filter(pk=cycle.pk).update(closed_early_at="2026-01-01T00:00Z")
    client.force_login(world.official)
    assert client.get(url("assessment-edit", assessment)).status_code == 302
    response = client.post(
        url("assessment-edit", assessment), form_data(assessment, {edition_items(cycle)[0].pk: "1"})
    )
    assert response.status_code == 403
    assert "closed" in response.content.decode()
    assert client.post(reverse("assessments:assessment-start")).status_code == 403
    assert not ItemResponse.objects.exists()


def test_a_closed_cycle_stops_reviews(client, world, cycle):
    assessment = make_assessment(world.official, cycle, state="submitted")
    type(cycle).objects.filter(pk=cycle.pk).update(closed_early_at="2026-01-01T00:00Z")
    client.force_login(world.supervisor)
    assert client.get(url("assessment-review", assessment)).status_code == 302
    response = client.post(url("assessment-review", assessment), {"decision": "accept"})
    assert response.status_code == 403
    assessment.refresh_from_db()
    assert assessment.state == "submitted"


def test_returned_feedback_is_shown_beside_the_items_and_resubmission_works(client, world, cycle):
    assessment = make_assessment(world.official, cycle, state="submitted")
    items = edition_items(cycle)
    client.force_login(world.supervisor)
    data = {
        "decision": "return",
        "note": "Please add an example for 1.1",
        f"review_{items[0].pk}_rating": "1",
        f"review_{items[0].pk}_comment": "I have not seen this yet",
    }
    assert client.post(url("assessment-review", assessment), data).status_code == 302
    client.force_login(world.official)
    body = client.get(url("assessment-edit", assessment)).content.decode()
    assert "Please add an example for 1.1" in body
    assert "I have not seen this yet" in body
    assessment.refresh_from_db()
    response = client.post(
        url("assessment-edit", assessment),
        form_data(assessment, {i.pk: "3" for i in items} | {items[0].pk: ("3", "Example")}),
    )
    assert response.status_code == 302
    assert client.post(url("assessment-submit", assessment), {"note": ""}).status_code == 302
    assessment.refresh_from_db()
    assert assessment.state == "submitted"
    assert list(assessment.transitions.values_list("action", flat=True)) == [
        "submitted",
        "returned",
        "resubmitted",
    ]


def test_the_review_page_shows_both_ratings_and_marks_gaps_in_words(client, world, cycle):
    assessment = make_assessment(world.official, cycle, state="submitted")
    items = edition_items(cycle)
    client.force_login(world.supervisor)
    client.post(
        url("assessment-review", assessment),
        {"decision": "return", "note": "See 1.1", f"review_{items[0].pk}_rating": "1"},
    )
    client.force_login(world.official)
    body = client.get(url("assessment-detail", assessment)).content.decode()
    assert "Gap: -2 points" in body
    assert "gap-row" in body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "return", "note": ""}, "Say what to revise"),
        ({"decision": "perhaps"}, "Select a valid choice"),
        ({}, "Choose to accept the assessment or return it."),
        ({"decision": "accept", "note": "x" * 2001}, "at most 2000 characters"),
        ({"decision": "accept", "review_999999_rating": "2"}, "not part of this assessment"),
        ({"decision": "accept", "RATING": "1", "review_{item}_rating": "8"}, "on the scale"),
    ],
)
def test_a_bad_review_changes_nothing(client, world, submitted, cycle, data, message):
    item = edition_items(cycle)[0]
    data = {k.replace("{item}", str(item.pk)): v for k, v in data.items()}
    client.force_login(world.supervisor)
    response = client.post(url("assessment-review", submitted), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == "submitted"
    assert not Review.objects.exists()


def test_starting_from_last_cycle_through_the_page(client, world, cycle, previous_cycle_obj):
    type(previous_cycle_obj).objects.filter(pk=previous_cycle_obj.pk).update(
        closes_on=cycle.closes_on
    )
    previous_cycle_obj.refresh_from_db()
    make_assessment(world.official, previous_cycle_obj, state="accepted")
    type(previous_cycle_obj).objects.filter(pk=previous_cycle_obj.pk).update(
        closes_on=cycle.opens_on
    )
    client.force_login(world.official)
    body = client.get(reverse("assessments:assessment-mine")).content.decode()
    assert "Start from my 2025 answers" in body
    response = client.post(reverse("assessments:assessment-start"), {"copy_previous": "on"})
    assert response.status_code == 302
    assessment = Assessment.objects.get(user=world.official, cycle=cycle)
    assert assessment.state == "draft"
    assert assessment.responses.count() == 38


# ----------------------------------------------------------------------------- results and PDF


def test_the_results_page_has_a_chart_with_a_table_and_the_lowest_items(client, world, cycle):
    assessment = make_assessment(world.official, cycle)
    items = edition_items(cycle)
    services.assessment_save(
        assessment=assessment,
        by=world.official,
        version=assessment.version,
        answers={items[10].pk: services.Answer(rating=1)},
    )
    client.force_login(world.official)
    body = client.get(url("assessment-results", assessment)).content.decode()
    assert "<svg" in body and 'role="img"' in body and "<title" in body
    assert "Average rating per standard (the chart" in body
    assert items[10].title in body.split("Items rated lowest")[1]


def test_the_personal_pdf_reads_back_as_text(client, world, cycle):
    from pypdf import PdfReader

    assessment = make_assessment(world.official, cycle, state="accepted")
    client.force_login(world.official)
    response = client.get(url("assessment-results-pdf", assessment))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment;" in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert world.official.full_name in text
    assert "Average per standard" in text
    assert "Constitution and the law" in text
    assert reader.metadata.title.startswith("Self-assessment results")
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert "/StructTreeRoot" in root  # tagged


# ----------------------------------------------------------------------------- speed


def test_loading_the_form_uses_a_fixed_number_of_queries(
    client, world, cycle, previous_cycle_obj, django_assert_num_queries
):
    assessment = make_assessment(world.official, cycle, answered=False)
    client.force_login(world.official)
    client.get(url("assessment-edit", assessment))  # the edition is read once per process
    # session, user with membership, assessment, answers, goals, and (only while nothing is
    # answered, to offer starting from it) last cycle's assessment; the standards, items
    # and scale come from the process's memory; and the training since the last
    # self-assessment beside each standard (docs/education.md)
    with django_assert_num_queries(7):
        assert client.get(url("assessment-edit", assessment)).status_code == 200
    services.assessment_save(
        assessment=assessment, by=world.official, version=1, answers=all_answers(cycle)
    )
    with django_assert_num_queries(6):
        assert client.get(url("assessment-edit", assessment)).status_code == 200
    # With last cycle's assessment present too.
    type(previous_cycle_obj).objects.filter(pk=previous_cycle_obj.pk).update(
        closes_on=cycle.closes_on
    )
    previous_cycle_obj.refresh_from_db()
    make_assessment(world.official, previous_cycle_obj, state="submitted")
    with django_assert_num_queries(6):
        assert client.get(url("assessment-edit", assessment)).status_code == 200


def test_saving_the_form_uses_a_fixed_number_of_queries(
    client, world, cycle, django_assert_num_queries
):
    assessment = make_assessment(world.official, cycle, answered=False)
    client.force_login(world.official)
    items = edition_items(cycle)
    data = form_data(assessment, {i.pk: ("3", "An example") for i in items})
    client.get(url("assessment-edit", assessment))  # the edition is read once per process
    # session, user, assessment; in the service: savepoint, lock, answers, goals, one
    # insert-or-update for all 38 answers, the version, release
    with django_assert_num_queries(10):
        assert client.post(url("assessment-edit", assessment), data).status_code == 302
    data = form_data(Assessment.objects.get(pk=assessment.pk), {i.pk: "2" for i in items})
    with django_assert_num_queries(10):
        assert client.post(url("assessment-edit", assessment), data).status_code == 302
    assert ItemResponse.objects.filter(assessment=assessment, rating=2).count() == 38


@pytest.mark.parametrize("extra", [1, 30])
def test_the_team_page_does_not_grow_with_the_team(
    client, world, cycle, extra, django_assert_num_queries
):
    for _ in range(extra):
        person = MembershipFactory(office=world.office, reports_to=world.supervisor).user
        make_assessment(person, cycle, state="submitted")
    client.force_login(world.supervisor)
    # session, user, cycle, the page's count and rows, pledges, assessments, awaiting review
    with django_assert_num_queries(8):
        response = client.get(reverse("assessments:team-list"))
    assert response.content.decode().count('<th scope="row">') == extra + 1


@pytest.mark.parametrize("extra", [1, 30])
def test_the_office_page_does_not_grow_with_the_office(
    client, world, cycle, extra, django_assert_num_queries
):
    for _ in range(extra):
        person = MembershipFactory(office=world.office, reports_to=world.supervisor).user
        make_assessment(person, cycle, state="submitted")
    client.force_login(world.manager)
    # session, user, cycle, the page's count and rows, pledges, assessments
    with django_assert_num_queries(7):
        response = client.get(reverse("assessments:office-list"))
    count = Membership.objects.filter(office=world.office, ended_at__isnull=True).count()
    assert response.content.decode().count('<th scope="row">') == count


def test_the_home_page_card_and_navigation(client, world, cycle, submitted):
    client.force_login(world.supervisor)
    body = client.get(reverse("home")).content.decode()
    assert "Your self-assessment" in body
    assert "1 assessment awaits your review." in body
    assert reverse("assessments:team-list") in body
    client.force_login(world.official)
    body = client.get(reverse("home")).content.decode()
    assert "Status: Submitted." in body
    assert reverse("assessments:team-list") not in body
    assert reverse("assessments:assessment-mine") in body


@pytest.mark.parametrize(
    "name", ["assessments:team-list", "assessments:office-list", "assessments:assessment-mine"]
)
def test_lists_ask_anonymous_people_to_sign_in(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("pk", [0, 99999, 2**70])
def test_unknown_or_absurd_ids_are_404(client, world, cycle, pk):
    client.force_login(world.official)
    assert client.get(reverse("assessments:assessment-detail", args=[pk])).status_code == 404
    assert client.post(reverse("assessments:assessment-edit", args=[pk]), {}).status_code == 404


def test_copying_last_cycle_from_the_form_needs_the_current_version(
    client, world, cycle, previous_cycle_obj
):
    type(previous_cycle_obj).objects.filter(pk=previous_cycle_obj.pk).update(
        closes_on=cycle.closes_on
    )
    previous_cycle_obj.refresh_from_db()
    make_assessment(world.official, previous_cycle_obj, state="submitted")
    type(previous_cycle_obj).objects.filter(pk=previous_cycle_obj.pk).update(
        closes_on=cycle.opens_on
    )
    assessment = make_assessment(world.official, cycle, answered=False)
    client.force_login(world.official)
    body = client.get(url("assessment-edit", assessment)).content.decode()
    assert "Start from last cycle" in body
    stale = client.post(url("assessment-copy-previous", assessment), {"version": "7"})
    assert stale.status_code == 409
    assert not assessment.responses.exists()
    response = client.post(url("assessment-copy-previous", assessment), {"version": "1"})
    assert response.status_code == 302
    assert assessment.responses.count() == 38


def test_results_detail_and_pdf_use_a_fixed_number_of_queries(
    client, world, cycle, previous_cycle_obj, django_assert_num_queries
):
    assessment = make_assessment(world.official, cycle, state="returned")
    client.force_login(world.supervisor)
    # session, user with membership, assessment (with the official's supervisor), answers,
    # goals, last cycle's answers, review, review items; on the results and in their PDF
    # also the training since the last self-assessment (no course to suggest: nothing is
    # rated low and there is no goal; a suggestion would be one more)
    with django_assert_num_queries(9):
        assert client.get(url("assessment-results", assessment)).status_code == 200
    with django_assert_num_queries(9):  # and the timeline
        assert client.get(url("assessment-detail", assessment)).status_code == 200
    with django_assert_num_queries(9):
        assert client.get(url("assessment-results-pdf", assessment)).status_code == 200


def test_the_review_page_uses_a_fixed_number_of_queries(
    client, world, cycle, django_assert_num_queries
):
    assessment = make_assessment(world.official, cycle, state="submitted")
    client.force_login(world.supervisor)
    with django_assert_num_queries(8):
        assert client.get(url("assessment-review", assessment)).status_code == 200
