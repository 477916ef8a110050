import pytest
from django.core import mail

from accounts.models import AuditEntry
from assessments import selectors, services
from assessments.models import Assessment, ItemResponse, Review, StandardGoal, Transition
from assessments.services import Answer, AssessmentRefused, Goal, InvalidAnswers, SaveConflict

from ..factories import CycleFactory, MembershipFactory
from .conftest import all_answers, edition_items, make_assessment


def test_starting_twice_gives_the_same_assessment_with_office_and_reviewer(world, cycle):
    first = services.assessment_start(user=world.official, cycle=cycle)
    second = services.assessment_start(user=world.official, cycle=cycle)
    assert first.pk == second.pk
    assert first.office == world.office
    assert first.reviewer == world.supervisor
    assert first.state == Assessment.State.DRAFT
    assert AuditEntry.objects.filter(action="assessment.started").count() == 1


def test_a_person_without_an_office_cannot_start(world, cycle):
    with pytest.raises(AssessmentRefused) as error:
        services.assessment_start(user=world.analyst, cycle=cycle)
    assert error.value.status == 403
    assert not Assessment.objects.exists()


def test_a_closed_cycle_refuses_every_write(world, cycle, closed_cycle):
    with pytest.raises(AssessmentRefused) as error:
        services.assessment_start(user=world.official, cycle=closed_cycle)
    assert error.value.status == 403
    assessment = make_assessment(world.official, cycle, state="submitted")
    type(cycle).objects.filter(pk=cycle.pk).update(
        closes_on=closed_cycle.closes_on, opens_on=closed_cycle.opens_on
    )
    assessment.refresh_from_db()
    with pytest.raises(AssessmentRefused):
        services.assessment_review(assessment=assessment, by=world.supervisor, decision="accept")
    assessment.refresh_from_db()
    assert assessment.state == "submitted"


def test_saving_writes_only_what_changed_and_bumps_the_version(world, cycle):
    assessment = services.assessment_start(user=world.official, cycle=cycle)
    items = edition_items(cycle)
    assessment = services.assessment_save(
        assessment=assessment,
        by=world.official,
        version=1,
        answers={items[0].pk: Answer(rating=2, comment="Often"), items[1].pk: Answer()},
        goals={items[0].standard_id: Goal(goal="Read the law", target_date=None)},
    )
    assert assessment.version == 2
    assert ItemResponse.objects.filter(assessment=assessment).count() == 1
    assert StandardGoal.objects.get(assessment=assessment).goal == "Read the law"
    # Saving the same answers again changes nothing, not even the version.
    same = services.assessment_save(
        assessment=assessment,
        by=world.official,
        version=2,
        answers={items[0].pk: Answer(rating=2, comment="Often")},
    )
    assert same.version == 2


def test_a_stale_save_is_refused_and_lists_what_changed(world, cycle):
    assessment = services.assessment_start(user=world.official, cycle=cycle)
    items = edition_items(cycle)
    services.assessment_save(
        assessment=assessment,
        by=world.official,
        version=1,
        answers={items[4].pk: Answer(rating=4, comment="tab one")},
    )
    with pytest.raises(SaveConflict) as error:
        services.assessment_save(
            assessment=assessment,
            by=world.official,
            version=1,
            answers={items[4].pk: Answer(rating=1), items[5].pk: Answer(rating=2)},
        )
    assert error.value.status == 409
    assert error.value.current_version == 2
    assert [c["item"].pk for c in error.value.changes] == [items[4].pk]
    response = ItemResponse.objects.get(assessment=assessment, item=items[4])
    assert (response.rating, response.comment) == (4, "tab one")
    assert not ItemResponse.objects.filter(assessment=assessment, item=items[5]).exists()


def test_a_stale_save_that_agrees_with_the_newer_answers_goes_through(world, cycle):
    assessment = services.assessment_start(user=world.official, cycle=cycle)
    items = edition_items(cycle)
    services.assessment_save(
        assessment=assessment,
        by=world.official,
        version=1,
        answers={items[0].pk: Answer(rating=4)},
        goals={items[0].standard_id: Goal(goal="Train")},
    )
    saved = services.assessment_save(
        assessment=assessment,
        by=world.official,
        version=1,
        answers={items[0].pk: Answer(rating=4), items[1].pk: Answer(rating=1)},
        goals={items[0].standard_id: Goal(goal="Train")},
    )
    assert saved.version == 3
    assert ItemResponse.objects.get(item=items[1]).rating == 1
    with pytest.raises(SaveConflict) as error:
        services.assessment_save(
            assessment=assessment,
            by=world.official,
            version=1,
            answers={},
            goals={items[0].standard_id: Goal(goal="Something else")},
        )
    assert error.value.changes[0]["goal"].goal == "Train"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (Answer(rating=7), "scale"),
        (Answer(rating=0), "scale"),
        (Answer(rating="3"), "scale"),
        (Answer(not_applicable=True), "reason"),
        (Answer(not_applicable=True, na_reason="n/a", rating=2), "both"),
        (Answer(rating=2, comment="x" * 2001), "too long"),
        (Answer(not_applicable=True, na_reason="x" * 301), "too long"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_saved(world, cycle, answer, message):
    assessment = services.assessment_start(user=world.official, cycle=cycle)
    items = edition_items(cycle)
    with pytest.raises(InvalidAnswers) as error:
        services.assessment_save(
            assessment=assessment,
            by=world.official,
            version=1,
            answers={items[0].pk: Answer(rating=3), items[1].pk: answer},
        )
    assert message in error.value.message
    assert not ItemResponse.objects.exists()
    assessment.refresh_from_db()
    assert assessment.version == 1


def test_items_of_another_edition_are_refused(world, cycle):
    from pledges.models import ApplicationItem, Edition, Standard

    other = Edition.objects.create(
        code="other", title="Other", publisher="x", year=2030, preamble="x", pledge_heading="x"
    )
    standard = Standard.objects.create(edition=other, number=1, short_title="x", statement="x")
    stranger = ApplicationItem.objects.create(
        standard=standard, number=1, position=1, title="x", text="x"
    )
    assessment = services.assessment_start(user=world.official, cycle=cycle)
    with pytest.raises(InvalidAnswers):
        services.assessment_save(
            assessment=assessment,
            by=world.official,
            version=1,
            answers={stranger.pk: Answer(rating=3)},
        )
    with pytest.raises(InvalidAnswers):
        services.assessment_save(
            assessment=assessment,
            by=world.official,
            version=1,
            answers={},
            goals={standard.pk: Goal(goal="x")},
        )
    assert not ItemResponse.objects.exists()


def test_only_the_owner_can_save(world, cycle):
    assessment = services.assessment_start(user=world.official, cycle=cycle)
    with pytest.raises(AssessmentRefused) as error:
        services.assessment_save(
            assessment=assessment, by=world.supervisor, version=1, answers=all_answers(cycle)
        )
    assert error.value.status == 403


def test_submit_needs_every_item_answered(world, cycle):
    assessment = services.assessment_start(user=world.official, cycle=cycle)
    items = edition_items(cycle)
    answers = all_answers(cycle)
    del answers[items[7].pk]
    services.assessment_save(assessment=assessment, by=world.official, version=1, answers=answers)
    assert [i.pk for i in services.missing_items(assessment)] == [items[7].pk]
    with pytest.raises(AssessmentRefused) as error:
        services.assessment_submit(assessment=assessment, by=world.official)
    assert error.value.status == 400
    assessment.refresh_from_db()
    assert assessment.state == "draft"


def test_not_applicable_with_a_reason_counts_as_answered(world, cycle):
    assessment = services.assessment_start(user=world.official, cycle=cycle)
    items = edition_items(cycle)
    answers = all_answers(cycle)
    answers[items[0].pk] = Answer(not_applicable=True, na_reason="Not my role")
    services.assessment_save(assessment=assessment, by=world.official, version=1, answers=answers)
    services.assessment_submit(assessment=assessment, by=world.official)
    assessment.refresh_from_db()
    assert assessment.state == "submitted"


def test_the_full_cycle_of_states_is_recorded_audited_and_emailed(
    world, cycle, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assessment = make_assessment(world.official, cycle, state="draft")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_submit(assessment=assessment, by=world.official, note="Ready")
    assert [m.to for m in mail.outbox] == [[world.supervisor.email]]
    assert "submitted" in mail.outbox[0].subject
    assert "Ready" in mail.outbox[0].body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        review = services.assessment_review(
            assessment=assessment,
            by=world.supervisor,
            decision="return",
            note="Add examples for 2.1",
            items={edition_items(cycle)[0].pk: services.ReviewAnswer(rating=1, comment="Hmm")},
        )
    assert review.items.get().rating == 1
    assert [m.to for m in mail.outbox] == [[world.official.email]]
    assert "Add examples for 2.1" in mail.outbox[0].body
    assessment.refresh_from_db()
    assert assessment.state == "returned" and assessment.is_editable

    services.assessment_save(
        assessment=assessment,
        by=world.official,
        version=assessment.version,
        answers={edition_items(cycle)[0].pk: Answer(rating=2, comment="Example added")},
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_submit(assessment=assessment, by=world.official)
    assert "resubmitted" in mail.outbox[0].subject

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_review(assessment=assessment, by=world.supervisor, decision="accept")
    assert [m.to for m in mail.outbox] == [[world.official.email]]
    assert "accepted" in mail.outbox[0].subject

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_reopen(assessment=assessment, by=world.manager, note="Wrong office")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.official.email, world.supervisor.email]
    )
    assessment.refresh_from_db()
    assert assessment.state == "returned"
    assert assessment.accepted_at is None

    steps = list(assessment.transitions.values_list("action", "from_state", "to_state", "by"))
    assert steps == [
        ("submitted", "draft", "submitted", world.official.pk),
        ("returned", "submitted", "returned", world.supervisor.pk),
        ("resubmitted", "returned", "submitted", world.official.pk),
        ("accepted", "submitted", "accepted", world.supervisor.pk),
        ("reopened", "accepted", "returned", world.manager.pk),
    ]
    actions = list(
        AuditEntry.objects.filter(action__startswith="assessment.")
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions[-5:] == [
        "assessment.submitted",
        "assessment.returned",
        "assessment.resubmitted",
        "assessment.accepted",
        "assessment.reopened",
    ]


@pytest.mark.parametrize("state", ["submitted", "accepted"])
def test_a_submitted_or_accepted_assessment_cannot_be_edited_or_resubmitted(world, cycle, state):
    assessment = make_assessment(world.official, cycle, state=state)
    with pytest.raises(AssessmentRefused) as error:
        services.assessment_save(
            assessment=assessment,
            by=world.official,
            version=assessment.version,
            answers=all_answers(cycle, rating=1),
        )
    assert error.value.status == 409
    with pytest.raises(AssessmentRefused):
        services.assessment_submit(assessment=assessment, by=world.official)
    assert not ItemResponse.objects.filter(rating=1).exists()


@pytest.mark.parametrize("state", ["draft", "returned", "accepted"])
def test_only_a_submitted_assessment_can_be_reviewed(world, cycle, state):
    assessment = make_assessment(world.official, cycle, state=state)
    reviews = Review.objects.count()
    with pytest.raises(AssessmentRefused):
        services.assessment_review(assessment=assessment, by=world.supervisor, decision="accept")
    assert Review.objects.count() == reviews


@pytest.mark.parametrize("state", ["draft", "submitted", "returned"])
def test_only_an_accepted_assessment_can_be_reopened(world, cycle, state):
    assessment = make_assessment(world.official, cycle, state=state)
    with pytest.raises(AssessmentRefused):
        services.assessment_reopen(assessment=assessment, by=world.manager, note="x")


def test_reopening_needs_the_office_manager_and_a_note(world, cycle):
    assessment = make_assessment(world.official, cycle, state="accepted")
    for person in (world.supervisor, world.other_manager, world.official):
        with pytest.raises(AssessmentRefused) as error:
            services.assessment_reopen(assessment=assessment, by=person, note="x")
        assert error.value.status == 403
    with pytest.raises(InvalidAnswers):
        services.assessment_reopen(assessment=assessment, by=world.manager, note="  ")
    assessment.refresh_from_db()
    assert assessment.state == "accepted"


def test_nobody_reviews_their_own_assessment_or_someone_else_s_report(world, cycle):
    assessment = make_assessment(world.official, cycle, state="submitted")
    with pytest.raises(AssessmentRefused) as own:
        services.assessment_review(assessment=assessment, by=world.official, decision="accept")
    assert own.value.status == 403
    with pytest.raises(AssessmentRefused) as other:
        services.assessment_review(
            assessment=assessment, by=world.other_supervisor, decision="accept"
        )
    assert other.value.status == 403
    assert not Review.objects.exists()


def test_returning_needs_a_note_and_ratings_on_the_scale(world, cycle):
    assessment = make_assessment(world.official, cycle, state="submitted")
    with pytest.raises(InvalidAnswers):
        services.assessment_review(assessment=assessment, by=world.supervisor, decision="return")
    with pytest.raises(InvalidAnswers):
        services.assessment_review(
            assessment=assessment,
            by=world.supervisor,
            decision="accept",
            items={edition_items(cycle)[0].pk: services.ReviewAnswer(rating=9)},
        )
    with pytest.raises(InvalidAnswers):
        services.assessment_review(assessment=assessment, by=world.supervisor, decision="maybe")
    assessment.refresh_from_db()
    assert assessment.state == "submitted"
    assert not Review.objects.exists()


def test_the_manager_reassigns_the_reviewer_within_the_office(
    world, cycle, django_capture_on_commit_callbacks
):
    assessment = make_assessment(world.official, cycle, state="submitted")
    with pytest.raises(InvalidAnswers):
        services.assessment_reassign_reviewer(
            assessment=assessment, by=world.manager, reviewer=world.colleague
        )
    with pytest.raises(InvalidAnswers):
        services.assessment_reassign_reviewer(
            assessment=assessment, by=world.manager, reviewer=world.other_manager
        )
    with pytest.raises(AssessmentRefused):
        services.assessment_reassign_reviewer(
            assessment=assessment, by=world.supervisor, reviewer=world.other_supervisor
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_reassign_reviewer(
            assessment=assessment, by=world.manager, reviewer=world.other_supervisor
        )
    assessment.refresh_from_db()
    assert assessment.reviewer == world.other_supervisor
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.other_supervisor.email, world.official.email]
    )
    assert AuditEntry.objects.filter(action="assessment.reviewer_reassigned").exists()
    # The new reviewer can now decide; the old one cannot.
    with pytest.raises(AssessmentRefused):
        services.assessment_review(assessment=assessment, by=world.supervisor, decision="accept")
    services.assessment_review(assessment=assessment, by=world.other_supervisor, decision="accept")


def test_starting_from_last_cycle_copies_answers_as_a_draft(world, cycle, previous_cycle_obj):
    # Build last cycle's accepted assessment while that cycle was open.
    type(previous_cycle_obj).objects.filter(pk=previous_cycle_obj.pk).update(
        closes_on=cycle.closes_on
    )
    previous_cycle_obj.refresh_from_db()
    earlier = make_assessment(world.official, previous_cycle_obj, state="accepted")
    StandardGoal.objects.create(
        assessment=earlier, standard=edition_items(cycle)[0].standard, goal="Keep reading"
    )
    type(previous_cycle_obj).objects.filter(pk=previous_cycle_obj.pk).update(
        closes_on=cycle.opens_on
    )
    assessment = services.assessment_start(user=world.official, cycle=cycle, copy_previous=True)
    assert assessment.state == "draft"
    assert assessment.responses.count() == 38
    assert assessment.goals.get().goal == "Keep reading"
    assert not Transition.objects.filter(assessment=assessment).exists()


def test_copying_without_a_previous_assessment_is_refused(world, cycle):
    with pytest.raises(AssessmentRefused):
        services.assessment_start(user=world.official, cycle=cycle, copy_previous=True)
    assert not Assessment.objects.exists()


def test_the_reviewer_follows_the_reporting_line_at_first_submission(world, cycle):
    assessment = services.assessment_start(user=world.official, cycle=cycle)
    membership = world.official.active_membership
    membership.reports_to = world.other_supervisor
    membership.save(update_fields=["reports_to"])
    services.assessment_save(
        assessment=assessment, by=world.official, version=1, answers=all_answers(cycle)
    )
    services.assessment_submit(assessment=assessment, by=world.official)
    assessment.refresh_from_db()
    assert assessment.reviewer == world.other_supervisor


def test_the_reviewer_is_the_supervisor_at_submission_when_none_was_set(world, cycle):
    assessment = services.assessment_start(user=world.official, cycle=cycle)
    Assessment.objects.filter(pk=assessment.pk).update(reviewer=None)
    assessment.refresh_from_db()
    services.assessment_save(
        assessment=assessment, by=world.official, version=1, answers=all_answers(cycle)
    )
    services.assessment_submit(assessment=assessment, by=world.official)
    assessment.refresh_from_db()
    assert assessment.reviewer == world.supervisor


def test_saving_the_38_answers_uses_a_fixed_number_of_queries(
    world, cycle, django_assert_num_queries
):
    assessment = services.assessment_start(user=world.official, cycle=cycle)
    first, second = all_answers(cycle), all_answers(cycle, rating=4)
    # The edition's items and scale are read once per process.
    selectors.standards_with_items(cycle.edition_id)
    selectors.rating_scale(cycle.edition_id)
    # savepoint, lock, answers, goals, upsert, version, release
    with django_assert_num_queries(7):
        services.assessment_save(assessment=assessment, by=world.official, version=1, answers=first)
    with django_assert_num_queries(7):
        services.assessment_save(
            assessment=assessment, by=world.official, version=2, answers=second
        )


def test_people_who_move_office_keep_the_office_of_the_time(world, cycle):
    assessment = services.assessment_start(user=world.official, cycle=cycle)
    membership = world.official.active_membership
    from django.utils import timezone

    membership.ended_at = timezone.now()
    membership.save(update_fields=["ended_at"])
    MembershipFactory(user=world.official, office=world.other_office)
    assessment.refresh_from_db()
    assert assessment.office == world.office


def test_a_new_cycle_gives_a_new_assessment(world, cycle, edition):
    first = services.assessment_start(user=world.official, cycle=cycle)
    later = CycleFactory(name="later", edition=edition)
    second = services.assessment_start(user=world.official, cycle=later)
    assert first.pk != second.pk


# ----------------------------------------------------------------------------- importing history


def _finished(world, cycle, *, user=None, state="accepted") -> services.AssessmentRecord:
    """An assessment finished elsewhere, with its history: unsaved, as an import gets it."""
    import datetime

    from django.utils import timezone

    from assessments.models import ReviewItem

    user = user or world.official
    items = edition_items(cycle)
    at = timezone.make_aware(datetime.datetime.combine(cycle.opens_on, datetime.time(9)))
    day = datetime.timedelta(days=1)
    submitted = [Transition(action="submitted", from_state="draft", to_state="submitted")]
    accepted = [Transition(action="accepted", from_state="submitted", to_state="accepted")]
    transitions = {"draft": [], "submitted": submitted, "accepted": submitted + accepted}[state]
    for n, transition in enumerate(transitions, start=1):
        transition.by, transition.at = (user if n == 1 else world.supervisor), at + n * day
    reviews = []
    if state == "accepted":
        review = Review(
            reviewer=world.supervisor, decision="accept", assessment_version=2, created_at=at
        )
        rows = [ReviewItem(item=items[0], rating=4, comment="A strength of yours.")]
        reviews.append(services.ReviewRecord(review=review, items=rows))
    assessment = Assessment(
        user=user,
        office=world.office,
        cycle=cycle,
        reviewer=world.supervisor,
        state=state,
        version=1 + len(transitions),
        created_at=at,
        updated_at=at + len(transitions) * day,
        submitted_at=at + day if transitions else None,
        accepted_at=at + 2 * day if state == "accepted" else None,
    )
    responses = [ItemResponse(item=item, rating=3, updated_at=at) for item in items]
    responses[1] = ItemResponse(item=items[1], not_applicable=True, na_reason="Not my role.")
    goal = StandardGoal(standard=items[0].standard, goal="Attend the state training.")
    return services.AssessmentRecord(
        assessment=assessment,
        responses=responses if state != "draft" else responses[:5],
        goals=[goal],
        transitions=transitions,
        reviews=reviews,
    )


def test_an_import_keeps_finished_history_with_its_own_times(world, closed_cycle):
    record = _finished(world, closed_cycle)
    mail.outbox.clear()
    [imported] = services.assessments_import(records=[record])
    assessment = Assessment.objects.get(pk=imported.pk)
    assert (assessment.cycle, assessment.state, assessment.version) == (closed_cycle, "accepted", 3)
    assert assessment.created_at == record.assessment.created_at
    assert assessment.submitted_at == record.assessment.submitted_at
    assert assessment.accepted_at == record.assessment.accepted_at
    assert assessment.responses.count() == 38
    assert assessment.responses.get(not_applicable=True).na_reason == "Not my role."
    assert list(assessment.transitions.values_list("action", "by", "at")) == [
        (t.action, t.by.pk, t.at) for t in record.transitions
    ]
    review = assessment.reviews.get()
    assert (review.decision, review.reviewer, review.created_at) == (
        "accept",
        world.supervisor,
        record.reviews[0].review.created_at,
    )
    assert list(review.items.values_list("rating", "comment")) == [(4, "A strength of yours.")]
    assert assessment.goals.get().goal == "Attend the state training."
    assert not mail.outbox  # history is loaded, not announced


def _stranger_item():
    from pledges.models import ApplicationItem, Edition, Standard

    other = Edition.objects.create(
        code="other", title="Other", publisher="x", year=2030, preamble="x", pledge_heading="x"
    )
    standard = Standard.objects.create(edition=other, number=1, short_title="x", statement="x")
    return ApplicationItem.objects.create(
        standard=standard, number=1, position=1, title="x", text="x"
    )


def _off_the_scale(record):
    record.responses[0].rating = 7  # within what the database allows, not on the 1-4 scale


def _na_without_reason(record):
    record.responses[0].rating, record.responses[0].not_applicable = None, True


def _another_editions_item(record):
    record.responses[0].item = _stranger_item()


def _unknown_state(record):
    record.assessment.state = "lost"


def _history_short_of_the_state(record):
    del record.transitions[-1]


def _review_off_the_scale(record):
    record.reviews[0].items[0].rating = 5


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_off_the_scale, "A rating must be one of the scale's values"),
        (_na_without_reason, "Say briefly why this item does not apply to you."),
        (_another_editions_item, "not part of this assessment"),
        (_unknown_state, "is not a valid choice"),
        (_history_short_of_the_state, "lead from draft to the assessment's state"),
        (_review_off_the_scale, "A rating must be one of the scale's values"),
    ],
)
def test_an_import_with_bad_input_is_refused_and_writes_nothing(
    world, closed_cycle, spoil, message
):
    from django.core.exceptions import ValidationError

    from assessments.models import ItemSummary, ReviewItem

    good = _finished(world, closed_cycle, user=world.colleague, state="submitted")
    bad = _finished(world, closed_cycle)
    spoil(bad)
    with pytest.raises(ValidationError) as error:
        services.assessments_import(records=[good, bad])
    assert error.value.messages[0].startswith("Assessment 2: ")
    assert message in error.value.messages[0]
    for model in (Assessment, ItemResponse, StandardGoal, Transition, Review, ReviewItem):
        assert not model.objects.exists(), model
    assert not ItemSummary.objects.exists()


def test_an_import_cannot_give_a_person_a_second_assessment_in_a_cycle(world, closed_cycle):
    from django.core.exceptions import ValidationError

    services.assessments_import(records=[_finished(world, closed_cycle)])
    for records in ([_finished(world, closed_cycle)], [_finished(world, closed_cycle)] * 2):
        with pytest.raises(ValidationError, match="only one assessment in a cycle"):
            services.assessments_import(records=records)
    assert Assessment.objects.count() == 1


def test_the_summaries_after_an_import_equal_a_rebuild(world, cycle, closed_cycle):
    from assessments.models import ParticipationSummary
    from assessments.summaries import summaries_rebuild

    from .test_summaries import snapshot

    make_assessment(world.other_official, cycle, state="accepted", by=world.other_manager)
    services.assessments_import(
        records=[
            _finished(world, closed_cycle),
            _finished(world, closed_cycle, user=world.colleague, state="submitted"),
            _finished(world, closed_cycle, user=world.other_supervisor, state="draft"),
        ]
    )
    imported = snapshot()
    participation = ParticipationSummary.objects.get(office=world.office, cycle=closed_cycle)
    assert (participation.submitted, participation.accepted) == (2, 1)
    summaries_rebuild()
    assert snapshot() == imported


def test_an_import_costs_the_same_queries_for_one_assessment_or_two(
    world, closed_cycle, django_assert_num_queries
):
    first = [_finished(world, closed_cycle)]
    second = [
        _finished(world, closed_cycle, user=world.colleague),
        _finished(world, closed_cycle, user=world.other_supervisor),
    ]
    selectors.standards_with_items(closed_cycle.edition_id)
    selectors.rating_scale(closed_cycle.edition_id)
    # savepoint, the one-per-cycle check, six bulk inserts, then the summaries rebuilt
    # (savepoint, delete, count, read, write participation, count, write items, release),
    # release: the same for any number of records.
    with django_assert_num_queries(17):
        services.assessments_import(records=first)
    with django_assert_num_queries(17):
        services.assessments_import(records=second)
