"""The assessment card on the home page."""

from django.db.models import Q

from .models import Assessment, ItemResponse


def home_context(user, membership, cycle) -> dict:
    """This cycle's assessment, its progress, and how many team assessments await review."""
    if membership is None or cycle is None:
        return {"assessment": None}
    assessment = Assessment.objects.filter(user=user, cycle=cycle).first()
    answered = 0
    if assessment is not None:
        answered = ItemResponse.objects.filter(
            Q(rating__isnull=False) | Q(not_applicable=True), assessment=assessment
        ).count()
    total = _item_count(cycle)
    to_review = Assessment.objects.filter(
        reviewer=user, cycle=cycle, state=Assessment.State.SUBMITTED
    ).count()
    return {
        "assessment": assessment,
        "assessment_answered": answered,
        "assessment_total": total,
        "assessment_to_review": to_review,
    }


def _item_count(cycle) -> int:
    from pledges.models import ApplicationItem

    return ApplicationItem.objects.filter(standard__edition_id=cycle.edition_id).count()
