import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction

from assessments.models import Assessment, ItemResponse, Review, Transition

from .conftest import edition_items


@pytest.fixture
def assessment(world, cycle):
    return Assessment.objects.create(user=world.official, office=world.office, cycle=cycle)


@pytest.mark.parametrize(
    "fields",
    [
        {"rating": 0},
        {"rating": 10},
        {"not_applicable": True, "na_reason": ""},
        {"not_applicable": True, "na_reason": "x", "rating": 2},
        {"not_applicable": False, "na_reason": "a reason without N/A"},
        {"rating": 2, "comment": "x" * 2001},
        {"not_applicable": True, "na_reason": "x" * 301},
    ],
)
def test_the_database_refuses_impossible_answers(assessment, cycle, fields):
    item = edition_items(cycle)[0]
    # PostgreSQL reports an over-long varchar as a DataError; SQLite relies on the check.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        ItemResponse.objects.create(assessment=assessment, item=item, **fields)


def test_one_answer_per_item_and_one_assessment_per_person_and_cycle(assessment, world, cycle):
    item = edition_items(cycle)[0]
    ItemResponse.objects.create(assessment=assessment, item=item, rating=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemResponse.objects.create(assessment=assessment, item=item, rating=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(user=world.official, office=world.office, cycle=cycle)


def test_nobody_is_their_own_reviewer(world, cycle):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(
            user=world.official, office=world.office, cycle=cycle, reviewer=world.official
        )


def test_a_return_needs_a_note_and_a_transition_changes_state(assessment, world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            assessment=assessment,
            reviewer=world.supervisor,
            decision="return",
            note="",
            assessment_version=1,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Transition.objects.create(
            assessment=assessment,
            action="submitted",
            from_state="draft",
            to_state="draft",
            by=world.official,
        )


def test_clean_explains_the_rules(assessment, cycle):
    item = edition_items(cycle)[0]
    with pytest.raises(ValidationError):
        ItemResponse(assessment=assessment, item=item, not_applicable=True).full_clean()
    with pytest.raises(ValidationError):
        ItemResponse(assessment=assessment, item=item, rating=12).full_clean()
    ItemResponse(assessment=assessment, item=item, not_applicable=True, na_reason="No").full_clean()
