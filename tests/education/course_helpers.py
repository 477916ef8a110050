"""What the course tests share: courses and dates made through the services."""

import datetime
from decimal import Decimal

from django.utils import timezone

from education import services
from education.models import Offering
from pledges.models import ApplicationItem, Standard


def standard(number: int) -> Standard:
    return Standard.objects.get(edition__code="2024-en", number=number)


def item(code: str) -> ApplicationItem:
    number, sub = code.split(".")
    return ApplicationItem.objects.get(
        standard__edition__code="2024-en", standard__number=int(number), number=int(sub)
    )


def make_course(
    by,
    *,
    office=None,
    association=None,
    title="Voter registration law update",
    provider="State association",
    hours="6",
    standards=(2,),
    items=(),
    format="in_person",
    **extra,
):
    """A course published through the service (the office manager's, by default)."""
    if office is None and association is None:
        office = by.active_membership.office
    return services.course_publish(
        by=by,
        office=office,
        association=association,
        title=title,
        provider=provider,
        format=format,
        hours=Decimal(hours),
        standards=[standard(n) for n in standards],
        items=[item(c) for c in items],
        **extra,
    )


def make_offering(course, by, *, days=10, hours=3, capacity=None, trainer=None, place="Room 1"):
    """A date `days` from now, made through the service (then moved, if in the past)."""
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=max(days, 1))
    offering = services.offering_create(
        course=course,
        by=by,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=hours),
        place=place,
        capacity=capacity,
        trainer=trainer,
    )
    if days < 1:
        # A date that has come: written directly, as time passing would.
        moved = timezone.now().replace(microsecond=0) + datetime.timedelta(days=days)
        Offering.objects.filter(pk=offering.pk).update(
            starts_at=moved, ends_at=moved + datetime.timedelta(hours=hours)
        )
        offering.refresh_from_db()
    return offering
