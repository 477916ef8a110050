"""The maintained summaries always equal a rebuild from the answers."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Membership
from assessments import services
from assessments.models import Assessment, ItemSummary, ParticipationSummary
from assessments.summaries import summaries_rebuild

from ..factories import MembershipFactory
from .conftest import all_answers, edition_items, make_assessment


def snapshot() -> tuple[set, set]:
    items = {
        (s.office_id, s.cycle_id, s.item_id, s.count_1, s.count_2, s.count_3, s.count_4, *tail)
        for s in ItemSummary.objects.all()
        for tail in [(s.count_na, s.respondents)]
        if s.respondents
    }
    offices = {
        (p.office_id, p.cycle_id, p.submitted, p.accepted)
        for p in ParticipationSummary.objects.all()
        if p.submitted
    }
    return items, offices


def test_a_submission_adds_one_respondent_per_item(world, cycle):
    make_assessment(world.official, cycle, state="submitted")
    rows = ItemSummary.objects.filter(office=world.office, cycle=cycle)
    assert rows.count() == 38
    assert {(r.count_3, r.respondents) for r in rows} == {(1, 1)}
    participation = ParticipationSummary.objects.get(office=world.office, cycle=cycle)
    assert (participation.submitted, participation.accepted) == (1, 0)


def test_return_takes_the_answers_out_and_resubmission_puts_the_new_ones_in(world, cycle):
    assessment = make_assessment(world.official, cycle, state="returned")
    assert not ItemSummary.objects.filter(respondents__gt=0).exists()
    first = edition_items(cycle)[0]
    answers = all_answers(cycle)
    answers[first.pk] = services.Answer(not_applicable=True, na_reason="Not my job")
    services.assessment_save(
        assessment=assessment, by=world.official, version=assessment.version, answers=answers
    )
    services.assessment_submit(assessment=assessment, by=world.official)
    row = ItemSummary.objects.get(office=world.office, cycle=cycle, item=first)
    assert (row.count_3, row.count_na, row.respondents) == (0, 1, 1)


def test_acceptance_and_reopening_move_the_accepted_count(world, cycle):
    assessment = make_assessment(world.official, cycle, state="accepted")
    participation = ParticipationSummary.objects.get(office=world.office, cycle=cycle)
    assert (participation.submitted, participation.accepted) == (1, 1)
    services.assessment_reopen(assessment=assessment, by=world.manager, note="Revise item 2.1")
    participation.refresh_from_db()
    assert (participation.submitted, participation.accepted) == (0, 0)
    assert not ItemSummary.objects.filter(respondents__gt=0).exists()


def test_the_command_rebuilds_what_was_lost(world, cycle):
    make_assessment(world.official, cycle, state="accepted")
    make_assessment(world.colleague, cycle, state="submitted")
    before = snapshot()
    ItemSummary.objects.update(count_3=0)
    ParticipationSummary.objects.all().delete()
    call_command("rebuild_report_summaries", stdout=io.StringIO())
    assert snapshot() == before


# ----------------------------------------------------------------------------- property

STEPS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=2),  # which official
        st.sampled_from(["answer", "submit", "accept", "return", "reopen"]),
        st.integers(min_value=1, max_value=4),  # a rating to give
        st.booleans(),  # mark the first item not applicable instead
    ),
    min_size=1,
    max_size=14,
)


def _step(assessment, people, manager, action, rating, na, cycle):
    assessment.refresh_from_db()
    official = people[assessment.user_id]
    state = assessment.state
    try:
        if action == "answer" and state in Assessment.EDITABLE_STATES:
            answers = all_answers(cycle, rating=rating)
            if na:
                first = next(iter(answers))
                answers[first] = services.Answer(not_applicable=True, na_reason="Not in my role")
            services.assessment_save(
                assessment=assessment, by=official, version=assessment.version, answers=answers
            )
        elif action == "submit":
            services.assessment_submit(assessment=assessment, by=official)
        elif action in ("accept", "return"):
            services.assessment_review(
                assessment=assessment,
                by=manager,
                decision="accept" if action == "accept" else "return",
                note="Please add examples.",
            )
        elif action == "reopen":
            services.assessment_reopen(assessment=assessment, by=manager, note="Look again.")
    except services.AssessmentRefused:
        pass  # a refused step changes nothing; the sequence goes on


@pytest.fixture
def team(world, cycle):
    people = [world.official, world.colleague]
    people.append(
        MembershipFactory(
            office=world.other_office, reports_to=world.other_manager, role=Membership.Role.OFFICIAL
        ).user
    )
    return people


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_maintained_summaries_equal_a_rebuild_after_any_sequence(world, cycle, team, steps):
    with transaction.atomic():
        reviewers = {
            world.official.pk: world.manager,
            world.colleague.pk: world.manager,
            team[2].pk: world.other_manager,
        }
        assessments = []
        for person in team:
            assessment = services.assessment_start(user=person, cycle=cycle)
            Assessment.objects.filter(pk=assessment.pk).update(reviewer=reviewers[person.pk])
            assessments.append(assessment)
        people = {p.pk: p for p in team}
        for who, action, rating, na in steps:
            assessment = assessments[who]
            manager = reviewers[assessment.user_id]
            _step(assessment, people, manager, action, rating, na, cycle)
        maintained = snapshot()
        summaries_rebuild()
        assert snapshot() == maintained
        transaction.set_rollback(True)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_in_one_office_lose_no_counts_on_postgresql():
    import threading

    from django.db import connection

    from ..factories import CycleFactory, OfficeFactory, load_edition

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    edition = load_edition()
    cycle = CycleFactory(edition=edition)
    office = OfficeFactory()
    lead = MembershipFactory(office=office, role=Membership.Role.MANAGER).user
    people = [MembershipFactory(office=office, reports_to=lead).user for _ in range(8)]
    assessments = []
    for n, user in enumerate(people):
        assessment = services.assessment_start(user=user, cycle=cycle)
        answers = all_answers(cycle, rating=1 + n % 4)
        services.assessment_save(
            assessment=assessment, by=user, version=assessment.version, answers=answers
        )
        assessments.append(assessment)
    barrier = threading.Barrier(len(people))
    errors = []

    def submit(assessment, user):
        try:
            barrier.wait()
            services.assessment_submit(assessment=assessment, by=user)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(a, u)) for a, u in zip(assessments, people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    maintained = snapshot()
    assert ParticipationSummary.objects.get(office=office, cycle=cycle).submitted == 8
    assert {row[-1] for row in maintained[0]} == {8}
    summaries_rebuild()
    assert snapshot() == maintained


def test_a_rebuild_raises_every_participation_version_and_lowers_none(world, cycle):
    """Caches of figures key on these versions (the office benchmarks): a rebuild must
    never bring one back to a value it had before, or an old entry could be read again."""
    make_assessment(world.official, cycle, state="submitted")
    before = dict(ParticipationSummary.objects.values_list("pk", "version"))
    assert before and all(v >= 1 for v in before.values())
    summaries_rebuild()
    after = dict(ParticipationSummary.objects.values_list("pk", "version"))
    assert set(before) <= set(after)
    assert all(after[pk] > version for pk, version in before.items())
