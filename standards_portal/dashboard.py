"""What each person has to do now, gathered for the home page."""

from pledges.selectors import current_cycle, next_cycle

from .accounts.models import Membership
from .accounts.selectors import association_roles_for, direct_reports


def home_context(user) -> dict:
    membership = user.active_membership
    cycle = current_cycle()
    context = {
        "membership": membership,
        "cycle": cycle,
        "cycle_is_open": bool(cycle and cycle.is_open()),
        "next_cycle": next_cycle(),
        "association_roles": list(association_roles_for(user)),
        "is_manager": bool(membership and membership.role == Membership.Role.MANAGER),
        "team": [],
    }
    if membership is not None:
        context["team"] = list(direct_reports(user))
    return context
