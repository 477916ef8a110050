"""The assessment card on the home page."""

from django.db.models import Count, Q

from accounts.models import Membership

from .models import Assessment
from .selectors import item_count

# Built once; each request filters a copy. Unordered: there is one per person and cycle.
_WITH_PROGRESS = Assessment.objects.annotate(
    answered=Count(
        "responses", filter=Q(responses__rating__isnull=False) | Q(responses__not_applicable=True)
    )
).order_by()


def home_context(user, membership, cycle) -> dict:
    """This cycle's assessment, its progress, and how many team assessments await review
    (one query; two for those who can review; none for an election worker)."""
    if membership is None or cycle is None:
        return {"assessment": None}
    if membership.role == Membership.Role.ELECTION_WORKER:
        # Election workers sign the pledge; they are never asked for the self-assessment.
        return {"assessment": None, "assessment_not_asked": True}
    assessment = next(iter(_WITH_PROGRESS.filter(user=user, cycle=cycle)), None)
    to_review = 0
    if membership.role != Membership.Role.OFFICIAL or getattr(membership, "has_reports", True):
        to_review = Assessment.objects.filter(
            reviewer=user, cycle=cycle, state=Assessment.State.SUBMITTED
        ).count()
    return {
        "assessment": assessment,
        "assessment_answered": assessment.answered if assessment is not None else 0,
        "assessment_total": item_count(cycle.edition_id),
        "assessment_to_review": to_review,
    }
