import datetime

import pytest

from assessments import services
from assessments.models import Assessment, ItemResponse
from pledges.models import ApplicationItem, Standard
from tests.factories import CycleFactory


def edition_items(cycle) -> list[ApplicationItem]:
    return list(
        ApplicationItem.objects.filter(standard__edition=cycle.edition)
        .select_related("standard")
        .order_by("position")
    )


def all_answers(cycle, rating=3, **overrides) -> dict:
    answers = {item.pk: services.Answer(rating=rating) for item in edition_items(cycle)}
    answers.update(overrides)
    return answers


def form_data(assessment, answers: dict | None = None, **extra) -> dict:
    """POST data for the assessment form: {item_pk: "3" | ("na", reason) | (rating, comment)}."""
    data = {"version": str(assessment.version), "action": "save"}
    for item_pk, value in (answers or {}).items():
        if isinstance(value, tuple):
            rating, text = value
            data[f"item_{item_pk}_rating"] = rating
            if rating == "na":
                data[f"item_{item_pk}_na_reason"] = text
            else:
                data[f"item_{item_pk}_comment"] = text
        else:
            data[f"item_{item_pk}_rating"] = value
    data.update(extra)
    return data


def make_assessment(user, cycle, *, state="draft", answered=True, reviewer=None, by=None):
    """An assessment in the given state, reached through the services."""
    assessment = services.assessment_start(user=user, cycle=cycle)
    if reviewer is not None and assessment.reviewer_id != reviewer.pk:
        Assessment.objects.filter(pk=assessment.pk).update(reviewer=reviewer)
        assessment.refresh_from_db()
    if answered or state != "draft":
        services.assessment_save(
            assessment=assessment, by=user, version=assessment.version, answers=all_answers(cycle)
        )
    if state in ("submitted", "returned", "accepted"):
        services.assessment_submit(assessment=assessment, by=user)
    assessment.refresh_from_db()
    if state in ("returned", "accepted"):
        services.assessment_review(
            assessment=assessment,
            by=by or assessment.reviewer,
            decision="return" if state == "returned" else "accept",
            note="Please add examples." if state == "returned" else "",
        )
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def previous_cycle_obj(edition):
    today = datetime.date.today()
    return CycleFactory(
        name="2025",
        edition=edition,
        opens_on=today - datetime.timedelta(days=400),
        closes_on=today - datetime.timedelta(days=60),
    )


@pytest.fixture
def closed_cycle(edition):
    today = datetime.date.today()
    return CycleFactory(
        name="closed",
        edition=edition,
        opens_on=today - datetime.timedelta(days=900),
        closes_on=today - datetime.timedelta(days=700),
    )


__all__ = ["ItemResponse", "Standard"]
