"""The pledge card on the home page."""

from django.db.models import Count, Exists, OuterRef, Q

from accounts.models import Membership

from .models import Pledge


def home_context(user, membership, cycle) -> dict:
    """What the person should do about their pledge now (one query; two for a manager)."""
    if membership is None or cycle is None:
        return {"pledge_active": None, "pledge_can_sign": False}
    pledges = list(Pledge.objects.filter(user=user, cycle=cycle).select_related("cycle"))
    active = next((p for p in pledges if p.is_active), None)
    context = {
        "pledge_active": active,
        "pledge_can_sign": active is None and cycle.is_open(),
        "pledge_was_withdrawn": active is None and bool(pledges),
        "pledge_manager_summary": None,
    }
    if membership.role == Membership.Role.MANAGER:
        signed = Pledge.objects.filter(
            user=OuterRef("user_id"), cycle=cycle, withdrawn_at__isnull=True
        )
        context["pledge_manager_summary"] = Membership.objects.filter(
            office=membership.office, ended_at__isnull=True
        ).aggregate(total=Count("pk"), signed=Count("pk", filter=Q(Exists(signed))))
    return context
