"""Authentication backends that load the signed-in person with their office membership.

Every signed-in page needs both (the navigation shows the office's pages), so the user,
their current membership (if any), its office and supervisor, and how many people report
to them are read in one query instead of two or three. Django's and allauth's
backends otherwise; sessions and the middleware are Django's own.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import F, FilteredRelation, Func, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from .models import Membership

# Built once: putting the query together costs as much as running it. Each request
# filters a copy; the base itself is never evaluated.
_PEOPLE = (
    get_user_model()
    ._default_manager.annotate(
        current_membership=FilteredRelation(
            "memberships", condition=Q(memberships__ended_at__isnull=True)
        ),
        reports_count=Coalesce(
            Subquery(
                Membership.objects.filter(
                    reports_to=OuterRef("pk"),
                    office=OuterRef("current_membership__office_id"),
                    ended_at__isnull=True,
                )
                .order_by()
                .annotate(n=Func(F("pk"), function="COUNT"))
                .values("n")
            ),
            0,
        ),
    )
    .select_related("current_membership__office", "current_membership__reports_to")
    .order_by()
)


def user_with_membership(user_id):
    """The person with their current membership, its office and supervisor, or None."""
    try:
        user = _PEOPLE.get(pk=user_id)
    except (get_user_model().DoesNotExist, ValueError, TypeError):
        return None
    membership = getattr(user, "current_membership", None)
    if membership is not None:
        membership.reports_count = user.reports_count  # how many report to them directly
        membership.has_reports = user.reports_count > 0  # as Membership.current() annotates
    user.__dict__["active_membership"] = membership  # what User.active_membership caches
    return user


class MembershipLoadingMixin:
    def get_user(self, user_id):
        user = user_with_membership(user_id)
        if user is None or not self.user_can_authenticate(user):
            return None
        return user


class PortalModelBackend(MembershipLoadingMixin, ModelBackend):
    """Django's password backend; signs in by email (the user model's USERNAME_FIELD)."""


class PortalAuthenticationBackend(MembershipLoadingMixin, AuthenticationBackend):
    """allauth's backend (sign-in by email, rate-limited)."""
