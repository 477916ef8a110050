"""The pledge card on the home page."""

from django.db.models import Count, Q

from accounts.models import Membership

from .models import Pledge

# Built once; the card reads only these fields, and a person has at most a few pledges
# in a cycle (one active, the others withdrawn), so no order is needed.
_MINE = Pledge.objects.only(
    "id", "user_id", "cycle_id", "signed_at", "withdrawn_at", "verification_code"
).order_by()


def _office_summary(membership, cycle) -> dict:
    """How many of the office's current staff have an active pledge in the cycle."""
    active = Q(user__pledges__cycle=cycle, user__pledges__withdrawn_at__isnull=True)
    return Membership.objects.filter(
        office_id=membership.office_id, ended_at__isnull=True
    ).aggregate(
        total=Count("pk", distinct=True),
        # One active pledge per person and cycle (a constraint): pledges count people.
        signed=Count("user__pledges", filter=active, distinct=True),
    )


def home_context(user, membership, cycle) -> dict:
    """What the person should do about their pledge now (one query; two for a manager)."""
    if membership is None or cycle is None:
        return {"pledge_active": None, "pledge_can_sign": False}
    pledges = list(_MINE.filter(user=user, cycle=cycle))
    for pledge in pledges:
        pledge.cycle = cycle  # the card names it; no need to read it again
    active = next((p for p in pledges if p.is_active), None)
    return {
        "pledge_active": active,
        "pledge_can_sign": active is None and cycle.is_open(),
        "pledge_was_withdrawn": active is None and bool(pledges),
        "pledge_manager_summary": _office_summary(membership, cycle)
        if membership.role == Membership.Role.MANAGER
        else None,
    }
