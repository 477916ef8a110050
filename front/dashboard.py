"""What each person has to do now, gathered for the home page.

Each capability adds its card through `<app>.dashboard.home_context(user, membership,
cycle)`, which returns a dict merged into the page's context. The whole page takes a
fixed number of queries whatever the size of the office, the team or the history.
"""

from django.utils import timezone

from accounts.models import Membership
from accounts.selectors import association_roles_for, direct_reports
from assessments import dashboard as assessment_card
from pledges import dashboard as pledge_card
from pledges.models import Cycle

CARDS = (pledge_card, assessment_card)
_CYCLES = Cycle.objects.select_related("edition").order_by("-opens_on")


def current_and_next_cycle(day=None) -> tuple[Cycle | None, Cycle | None]:
    """As `pledges.selectors.current_cycle` and `next_cycle`, in one query.

    There is about one cycle a year, so reading them all is cheaper than two queries.
    """
    day = day or timezone.localdate()
    cycles = list(_CYCLES.all())
    started = [c for c in cycles if c.opens_on <= day]
    current = next(
        (c for c in started if c.closes_on >= day and c.closed_early_at is None),
        started[0] if started else None,
    )
    upcoming = [c for c in cycles if c.opens_on > day]
    return current, (upcoming[-1] if upcoming else None)


def home_context(user) -> dict:
    membership = user.active_membership
    cycle, upcoming = current_and_next_cycle()
    has_reports = getattr(membership, "has_reports", True)  # see Membership.current()
    context = {
        "membership": membership,
        "cycle": cycle,
        "cycle_is_open": bool(cycle and cycle.is_open()),
        "next_cycle": upcoming,
        "association_roles": list(association_roles_for(user)),
        "is_manager": bool(membership and membership.role == Membership.Role.MANAGER),
        "team": list(direct_reports(user)) if membership is not None and has_reports else [],
    }
    for card in CARDS:
        context.update(card.home_context(user, membership, cycle))
    return context
