"""From a low rating to a course: suggested courses on the results page, a goal linked to
a course registration, and the training since the last self-assessment beside each
standard (docs/education.md)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import AuditEntry
from assessments import services
from assessments.models import Assessment, StandardGoal
from education.models import Attendance, Course, Offering, Registration
from education.services import credit_add
from pledges.models import Cycle

from ..factories import CycleFactory
from .conftest import all_answers, edition_items, make_assessment


def course(owner, title, *, items=(), standards=(), by, hours="3"):
    """A course of an office or an association, tied to items and standards."""
    field = "association" if owner.__class__.__name__ == "Association" else "office"
    made = Course.objects.create(
        **{field: owner},
        title=title,
        provider="State Association",
        format=Course.Format.IN_PERSON,
        hours=Decimal(hours),
        created_by=by,
    )
    made.items.set(items)
    made.standards.set(standards)
    return made


def offering(course_, *, days=20, place="Training room B"):
    starts = timezone.now() + datetime.timedelta(days=days)
    return Offering.objects.create(
        course=course_, starts_at=starts, ends_at=starts + datetime.timedelta(hours=3), place=place
    )


def low_assessment(user, cycle, *, low_positions=(1,), goals=None, state="submitted"):
    """A submitted assessment rating the items at `low_positions` 1, every other item 3."""
    assessment = make_assessment(user, cycle, answered=False)
    answers = all_answers(cycle)
    items = edition_items(cycle)
    for item in items:
        if item.position in low_positions:
            answers[item.pk] = services.Answer(rating=1)
    services.assessment_save(
        assessment=assessment,
        by=user,
        version=assessment.version,
        answers=answers,
        goals=goals or {},
    )
    if state == "submitted":
        services.assessment_submit(assessment=assessment, by=user)
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def items(cycle):
    return edition_items(cycle)


def test_a_low_rated_item_suggests_the_courses_the_person_may_take(client, world, cycle, items):
    first = items[0]
    office_course = course(
        world.office, "Counting ballots in the open", items=[first], by=world.manager
    )
    offering(office_course, days=12, place="County hall")
    association_course = course(
        world.association, "The standard in practice", standards=[first.standard], by=world.manager
    )
    hidden = course(world.other_office, "Another office's course", items=[first], by=world.manager)
    unrelated = course(world.office, "Unrelated course", items=[items[-1]], by=world.manager)
    assessment = low_assessment(world.official, cycle)
    client.force_login(world.official)

    html = client.get(
        reverse("assessments:assessment-results", args=[assessment.pk])
    ).content.decode()

    assert "Courses for the items rated 1 or 2" in html
    assert office_course.title in html and association_course.title in html
    assert hidden.title not in html and unrelated.title not in html
    assert reverse("education:course-detail", args=[office_course.pk]) in html
    assert "County hall" in html
    assert "no date scheduled yet" in html  # the association's course has no date


def test_no_course_section_without_low_ratings(client, world, cycle, items):
    course(world.office, "Counting ballots in the open", items=[items[0]], by=world.manager)
    assessment = low_assessment(world.official, cycle, low_positions=())
    client.force_login(world.official)
    html = client.get(
        reverse("assessments:assessment-results", args=[assessment.pk])
    ).content.decode()
    assert "Courses for the items rated 1 or 2" not in html
    assert "Counting ballots in the open" not in html


def test_a_goal_suggests_courses_for_its_standard(client, world, cycle, items):
    standard = items[-1].standard
    goal_course = course(
        world.office, "Planning for the standard", items=[items[-1]], by=world.manager
    )
    assessment = low_assessment(
        world.official,
        cycle,
        low_positions=(),
        goals={standard.pk: services.Goal(goal="Practise this every week.")},
    )
    client.force_login(world.official)
    html = client.get(
        reverse("assessments:assessment-results", args=[assessment.pk])
    ).content.decode()
    section = html[html.index('id="goals-heading"') :]
    assert "Practise this every week." in section
    assert goal_course.title in section


def _results_queries(client, assessment) -> int:
    url = reverse("assessments:assessment-results", args=[assessment.pk])
    client.get(url)  # the edition's structure is read once per process
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_suggestions_cost_the_same_queries_for_one_course_or_many(client, world, cycle, items):
    """Pinned: the suggestions, with their next dates and what they address, are one query
    whatever the number of low items, goals and courses; the training beside the
    standards is one more (and one for the previous cycle, here absent)."""
    client.force_login(world.official)
    first = items[0]
    course(world.office, "One course", items=[first], by=world.manager)
    assessment = low_assessment(world.official, cycle)
    few = _results_queries(client, assessment)

    Assessment.objects.filter(pk=assessment.pk).delete()
    for n, item in enumerate(items[:12]):
        made = course(
            world.association,
            f"Course {n}",
            items=[item],
            standards=[item.standard],
            by=world.manager,
        )
        offering(made, days=5 + n)
        offering(made, days=40 + n)
    many = low_assessment(
        world.official,
        cycle,
        low_positions=tuple(i.position for i in items[:12]),
        goals={s.pk: services.Goal(goal="A goal.") for s in {i.standard for i in items}},
    )
    assert _results_queries(client, many) == few == 9


def test_the_owner_links_a_registration_to_a_goal_and_it_shows_to_the_reviewer(
    client, world, cycle, items
):
    standard = items[0].standard
    assessment = low_assessment(
        world.official, cycle, goals={standard.pk: services.Goal(goal="Learn the canvass.")}
    )
    taken = offering(course(world.office, "Canvass basics", items=[items[0]], by=world.manager))
    registration = Registration.objects.create(offering=taken, user=world.official)
    url = reverse("assessments:assessment-goal-registration", args=[assessment.pk, standard.pk])
    client.force_login(world.official)

    page = client.get(url)
    assert page.status_code == 200
    assert "Canvass basics" in page.content.decode()
    response = client.post(url, {"registration": registration.pk})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#goal-{standard.number}")
    goal = StandardGoal.objects.get(assessment=assessment, standard=standard)
    assert goal.registration == registration
    entry = AuditEntry.objects.get(action="assessment.goal_registration")
    assert entry.details["registration"] == registration.pk
    assert entry.details["course"] == "Canvass basics"

    # A second identical post (a double click) records nothing more.
    client.post(url, {"registration": registration.pk})
    assert AuditEntry.objects.filter(action="assessment.goal_registration").count() == 1

    results = client.get(reverse("assessments:assessment-results", args=[assessment.pk]))
    assert "Course for this goal:" in results.content.decode()
    client.force_login(world.supervisor)
    review = client.get(reverse("assessments:assessment-review", args=[assessment.pk]))
    assert "Canvass basics" in review.content.decode()

    # And the link can be removed.
    client.force_login(world.official)
    client.post(url, {"registration": ""})
    goal.refresh_from_db()
    assert goal.registration is None


def test_only_ones_own_active_registrations_can_be_linked(client, world, cycle, items):
    standard = items[0].standard
    assessment = low_assessment(
        world.official, cycle, goals={standard.pk: services.Goal(goal="Learn the canvass.")}
    )
    taken = offering(course(world.office, "Canvass basics", by=world.manager))
    someone_elses = Registration.objects.create(offering=taken, user=world.colleague)
    cancelled = Registration.objects.create(
        offering=offering(course(world.office, "Other course", by=world.manager)),
        user=world.official,
        cancelled_at=timezone.now(),
    )
    url = reverse("assessments:assessment-goal-registration", args=[assessment.pk, standard.pk])
    client.force_login(world.official)
    for bad in (someone_elses.pk, cancelled.pk, "not a number", 10**12):
        response = client.post(url, {"registration": bad})
        assert response.status_code == 422
        assert "Choose one of your own course registrations." in response.content.decode()
    assert StandardGoal.objects.get(assessment=assessment, standard=standard).registration is None
    assert not AuditEntry.objects.filter(action="assessment.goal_registration").exists()

    # The service refuses as well, whoever calls it.
    goal = StandardGoal.objects.get(assessment=assessment, standard=standard)
    with pytest.raises(services.InvalidAnswers):
        services.goal_registration_link(goal=goal, by=world.official, registration=someone_elses)
    with pytest.raises(services.AssessmentRefused):
        services.goal_registration_link(goal=goal, by=world.colleague, registration=someone_elses)


def test_the_goal_link_page_is_the_owners_alone(client, world, cycle, items):
    standard = items[0].standard
    assessment = low_assessment(
        world.official, cycle, goals={standard.pk: services.Goal(goal="Learn the canvass.")}
    )
    url = reverse("assessments:assessment-goal-registration", args=[assessment.pk, standard.pk])
    assert client.get(url).status_code == 302  # anonymous: to sign in
    for person, status in (
        (world.supervisor, 403),  # may read the assessment, not act for the official
        (world.manager, 403),
        (world.colleague, 404),
        (world.other_manager, 404),
    ):
        client.force_login(person)
        assert client.get(url).status_code == status
        assert client.post(url, {"registration": ""}).status_code == status
    client.force_login(world.official)
    no_goal = items[-1].standard
    missing = reverse("assessments:assessment-goal-registration", args=[assessment.pk, no_goal.pk])
    assert client.get(missing).status_code == 404
    assert client.get(url).status_code == 200


def _credit(user, course_, earned_on, *, standards):
    taken = offering(course_, days=-30)
    attendance = Attendance.objects.create(
        offering=taken, user=user, source=Attendance.Source.LIST, recorded_by=user
    )
    return credit_add(
        user=user,
        hours=course_.hours,
        earned_on=earned_on,
        course=course_,
        attendance=attendance,
        standards=standards,
    )


def test_training_since_the_last_self_assessment_shows_beside_each_standard(
    client, world, edition, items
):
    today = datetime.date.today()
    last = CycleFactory(
        name="Last year",
        edition=edition,
        opens_on=today - datetime.timedelta(days=400),
        closes_on=today + datetime.timedelta(days=1),
    )
    earlier = low_assessment(world.official, last)
    submitted_on = today - datetime.timedelta(days=200)
    Assessment.objects.filter(pk=earlier.pk).update(
        submitted_at=timezone.make_aware(datetime.datetime.combine(submitted_on, datetime.time(12)))
    )
    Assessment.objects.filter(pk=earlier.pk).update(state="accepted")
    Cycle.objects.filter(pk=last.pk).update(closes_on=today - datetime.timedelta(days=100))
    current = CycleFactory(name="This year", edition=edition)
    standard = items[0].standard
    before = course(world.office, "Before the last assessment", by=world.manager, hours="2")
    after = course(world.office, "Ballot security workshop", by=world.manager, hours="6")
    also = course(world.association, "Chain of custody", by=world.manager, hours="1.5")
    _credit(world.official, before, submitted_on - datetime.timedelta(days=3), standards=[standard])
    _credit(world.official, after, submitted_on + datetime.timedelta(days=10), standards=[standard])
    _credit(world.official, also, today - datetime.timedelta(days=5), standards=[standard])

    assessment = make_assessment(world.official, current, answered=False)
    client.force_login(world.official)
    edit = client.get(reverse("assessments:assessment-edit", args=[assessment.pk])).content.decode()
    section = edit[edit.index(f'id="standard-{standard.number}"') :]
    section = section[: section.index("</section>")]
    assert "Training since your last self-assessment: 7.5 hours" in section
    assert "Ballot security workshop; Chain of custody" in section
    assert "Before the last assessment" not in edit
    other = edit[edit.index(f'id="standard-{standard.number + 1}"') :]
    assert "Training since your last self-assessment: none recorded." in other

    services.assessment_save(
        assessment=assessment,
        by=world.official,
        version=assessment.version,
        answers=all_answers(current),
    )
    html = client.get(
        reverse("assessments:assessment-results", args=[assessment.pk])
    ).content.decode()
    assert "Training since the last self-assessment" in html
    assert "7.5 hours (Ballot security workshop; Chain of custody)" in html


def test_no_training_line_in_a_first_cycle(client, world, cycle):
    assessment = make_assessment(world.official, cycle, answered=False)
    client.force_login(world.official)
    html = client.get(reverse("assessments:assessment-edit", args=[assessment.pk])).content.decode()
    assert "Training since your last self-assessment" not in html


def test_the_results_pdf_lists_the_suggested_courses(client, world, cycle, items):
    made = course(world.office, "Counting ballots in the open", items=[items[0]], by=world.manager)
    offering(made)
    assessment = low_assessment(world.official, cycle)
    client.force_login(world.official)
    response = client.get(reverse("assessments:assessment-results-pdf", args=[assessment.pk]))
    assert response.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Courses for the items rated 1 or 2" in text
    assert "Counting ballots in the open" in " ".join(text.split())


def test_a_person_without_an_office_gets_no_suggestions(client, world, cycle, items):
    course(world.office, "Counting ballots in the open", items=[items[0]], by=world.manager)
    assessment = low_assessment(world.official, cycle)
    world.official.memberships.update(ended_at=timezone.now())
    client.force_login(world.official)
    html = client.get(
        reverse("assessments:assessment-results", args=[assessment.pk])
    ).content.decode()
    assert "No course addresses this item yet." in html
