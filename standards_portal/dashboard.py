"""What each person has to do now, gathered for the home page.

Each capability adds its part through `<app>.dashboard.home_context(user, membership,
cycle)`, which returns a dict merged into the page's context.
"""

from importlib import import_module

from pledges.selectors import current_cycle, next_cycle

from .accounts.models import Membership
from .accounts.selectors import association_roles_for, direct_reports

CAPABILITY_DASHBOARDS = ("pledges.dashboard", "assessments.dashboard")


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
        "team": list(direct_reports(user)) if membership is not None else [],
    }
    for module_name in CAPABILITY_DASHBOARDS:
        try:
            module = import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue
        context.update(module.home_context(user, membership, cycle))
    return context
