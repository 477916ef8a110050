"""Helpers that give an office people with answered assessments in a given state.

Answers are written directly and the summaries rebuilt: that the services keep the
summaries equal to a rebuild is proven in test_summaries.py.
"""

import datetime

import pytest

from accounts.models import Membership
from assessments.models import Assessment, ItemResponse, Review, ReviewItem
from assessments.summaries import summaries_rebuild
from pledges.models import ApplicationItem

from ..factories import CycleFactory, MembershipFactory


def items_of(cycle) -> list[ApplicationItem]:
    return list(
        ApplicationItem.objects.filter(standard__edition_id=cycle.edition_id)
        .select_related("standard")
        .order_by("position")
    )


def person(office, *, reports_to=None, role=Membership.Role.OFFICIAL):
    return MembershipFactory(office=office, reports_to=reports_to, role=role).user


def answered(
    user,
    office,
    cycle,
    rating=3,
    *,
    state=Assessment.State.SUBMITTED,
    overrides=None,
    na=(),
    rebuild=True,
):
    """An assessment with every item answered: `rating`, or overrides {position: rating}."""
    assessment = Assessment.objects.create(user=user, office=office, cycle=cycle, state=state)
    rows = []
    for item in items_of(cycle):
        if item.position in na:
            rows.append(
                ItemResponse(assessment=assessment, item=item, not_applicable=True, na_reason="n/a")
            )
        else:
            value = (overrides or {}).get(item.position, rating)
            rows.append(ItemResponse(assessment=assessment, item=item, rating=value))
    ItemResponse.objects.bulk_create(rows)
    if rebuild:
        summaries_rebuild()
    return assessment


def reviewed(assessment, reviewer, rating):
    review = Review.objects.create(
        assessment=assessment, reviewer=reviewer, decision="accept", assessment_version=1
    )
    ReviewItem.objects.bulk_create(
        ReviewItem(review=review, item=item, rating=rating) for item in items_of(assessment.cycle)
    )
    return review


def staff_with_answers(office, cycle, ratings, *, reports_to=None, state="submitted"):
    """One person per rating in `ratings`, each rating every item the same."""
    people = []
    for rating in ratings:
        user = person(office, reports_to=reports_to)
        answered(user, office, cycle, rating, state=state, rebuild=False)
        people.append(user)
    summaries_rebuild()
    return people


@pytest.fixture
def earlier_cycle(edition):
    today = datetime.date.today()
    return CycleFactory(
        name="2025",
        edition=edition,
        opens_on=today - datetime.timedelta(days=400),
        closes_on=today - datetime.timedelta(days=60),
    )
