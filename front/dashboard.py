"""What each person has to do now, gathered for the home page.

Each capability adds its card through `<app>.dashboard.home_context(user, membership,
cycle)`, which returns a dict merged into the page's context. The whole page takes a
fixed number of queries whatever the size of the office, the team or the history.
"""

from accounts.models import Membership
from accounts.selectors import association_roles_for, direct_reports
from assessments import dashboard as assessment_card
from pledges import dashboard as pledge_card
from pledges.selectors import current_and_next_cycle

CARDS = (pledge_card, assessment_card)


def _team_size(user, membership) -> int:
    """How many report to the person directly: read with them at sign-in when it can be."""
    if membership is None:
        return 0
    known = getattr(membership, "reports_count", None)  # see accounts.backends
    return known if known is not None else direct_reports(user).count()


def home_context(user) -> dict:
    membership = user.active_membership
    cycle, upcoming = current_and_next_cycle()
    context = {
        "membership": membership,
        "cycle": cycle,
        "cycle_is_open": bool(cycle and cycle.is_open()),
        "next_cycle": upcoming,
        "association_roles": list(association_roles_for(user)),
        "is_manager": bool(membership and membership.role == Membership.Role.MANAGER),
        "team_size": _team_size(user, membership),
    }
    for card in CARDS:
        context.update(card.home_context(user, membership, cycle))
    return context
