"""Who may see or act on an assessment. Deny by default.

404 when the person may not know the assessment exists; 403 when they may see it but
not do what they asked. Association roles never reach an individual's answers.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Membership, User

from .models import Assessment

_CURRENT = Membership.objects.filter(user=OuterRef("user_id"), ended_at__isnull=True)
# Built once, filtered per request: putting it together costs as much as running it.
_ASSESSMENTS = Assessment.objects.select_related(
    "user", "cycle", "cycle__edition", "office", "reviewer"
).annotate(
    official_office_id=Subquery(_CURRENT.values("office_id")[:1]),
    official_reports_to_id=Subquery(_CURRENT.values("reports_to_id")[:1]),
)


def _get(assessment_id) -> Assessment:
    """The assessment with what `relation` needs: the official's current office and
    supervisor come along as `official_office_id` and `official_reports_to_id`."""
    try:
        return _ASSESSMENTS.get(pk=int(assessment_id))
    except (Assessment.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such assessment.")) from None


def relation(user: User, assessment: Assessment) -> str | None:
    """How the user stands to the assessment: owner, reviewer, supervisor, manager or None.

    Only the official sees a draft until it is first submitted."""
    if not user.is_authenticated:
        return None
    if assessment.user_id == user.pk:
        return "owner"
    if assessment.submitted_at is None:
        # A draft that was never submitted is the official's alone.
        return None
    membership = user.active_membership
    if membership is None or membership.office_id != assessment.office_id:
        return None
    if assessment.reviewer_id == user.pk:
        return "reviewer"
    if hasattr(assessment, "official_office_id"):  # read along with the assessment (_get)
        official_office_id = assessment.official_office_id
        official_reports_to_id = assessment.official_reports_to_id
    else:
        official = assessment.user.active_membership
        official_office_id = official.office_id if official is not None else None
        official_reports_to_id = official.reports_to_id if official is not None else None
    if official_office_id == membership.office_id and official_reports_to_id == user.pk:
        return "supervisor"
    if membership.role == Membership.Role.MANAGER:
        return "manager"
    return None


def _visible(user: User, assessment_id) -> tuple[Assessment, str]:
    """The assessment and how the user stands to it; 404 when they may not know of it."""
    assessment = _get(assessment_id)
    how = relation(user, assessment)
    if how is None:
        raise Http404(_("No such assessment."))
    return assessment, how


def assessment_for_viewer(user: User, assessment_id) -> Assessment:
    """An assessment the user may read: their own, a direct report's, one they review, or
    (for a manager) one in their office."""
    return _visible(user, assessment_id)[0]


# The owner's pages read their own assessment: nothing about the official is needed.
_OWN = Assessment.objects.select_related("user", "cycle", "cycle__edition", "office", "reviewer")


def assessment_for_owner(user: User, assessment_id) -> Assessment:
    """The user's own assessment; anyone else's is 404, or 403 for those who may read it."""
    if user.is_authenticated:
        try:
            return _OWN.get(pk=int(assessment_id), user_id=user.pk)
        except (Assessment.DoesNotExist, ValueError, TypeError, OverflowError):
            pass
    _visible(user, assessment_id)  # not theirs: 404 for strangers, 403 for readers
    raise PermissionDenied(_("Only the person assessed can change these answers."))


def assessment_for_reviewer(user: User, assessment_id) -> Assessment:
    """An assessment the user is assigned to review (never their own)."""
    assessment, how = _visible(user, assessment_id)
    if how == "owner":
        raise PermissionDenied(_("You cannot review your own assessment."))
    if how != "reviewer":
        raise PermissionDenied(_("Only the assigned reviewer can review this assessment."))
    return assessment


def assessment_for_manager(user: User, assessment_id) -> Assessment:
    """An assessment in the office the user manages."""
    assessment, _how = _visible(user, assessment_id)
    membership = user.active_membership
    if membership.role != Membership.Role.MANAGER or membership.office_id != assessment.office_id:
        raise PermissionDenied(_("Only this office's manager can do this."))
    return assessment


def is_manager(user: User) -> bool:
    membership = user.active_membership if user.is_authenticated else None
    return membership is not None and membership.role == Membership.Role.MANAGER
