from django.db.models import Prefetch
from django.utils import timezone

from .models import ApplicationItem, Cycle, Edition, Pledge, Standard


def current_cycle(day=None) -> Cycle | None:
    """The open cycle today; otherwise the most recent one that has opened."""
    day = day or timezone.localdate()
    cycles = Cycle.objects.select_related("edition")
    return (
        cycles.open_on(day).order_by("-opens_on").first()
        or cycles.filter(opens_on__lte=day).order_by("-opens_on").first()
    )


def next_cycle(day=None) -> Cycle | None:
    day = day or timezone.localdate()
    return Cycle.objects.filter(opens_on__gt=day).order_by("opens_on").first()


def previous_cycle(cycle: Cycle) -> Cycle | None:
    return Cycle.objects.filter(opens_on__lt=cycle.opens_on).order_by("-opens_on").first()


def published_edition() -> Edition | None:
    """The newest published edition (the one the public reads)."""
    return (
        Edition.objects.filter(published_at__isnull=False)
        .order_by("-year", "-published_at")
        .first()
    )


def edition_standards(edition: Edition) -> list[Standard]:
    """The edition's standards with their items and no further queries."""
    return list(
        Standard.objects.filter(edition=edition)
        .order_by("number")
        .prefetch_related(Prefetch("items", queryset=ApplicationItem.objects.order_by("number")))
    )


def active_pledges_by_user(user_ids, cycle: Cycle) -> dict[int, Pledge]:
    """Each listed person's active pledge in the cycle, in one query."""
    pledges = Pledge.objects.filter(
        user_id__in=list(user_ids), cycle=cycle, withdrawn_at__isnull=True
    )
    return {p.user_id: p for p in pledges}
