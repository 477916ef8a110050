"""What the certification-program tests share: association courses, hours earned through
the ledger's own service (an attendance recorded, then `credit_add`), and a program
defined through its service."""

import datetime
from decimal import Decimal

from django.utils import timezone

from education import services
from education.models import Attendance, Course, Offering
from pledges.models import Standard

TODAY = timezone.localdate


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def course(association, *, by, title="Ballot security", hours="8", standards=()):
    made = Course.objects.create(
        association=association,
        title=title,
        provider="Centennial Association",
        format=Course.Format.IN_PERSON,
        hours=Decimal(hours),
        created_by=by,
    )
    made.standards.set(standards)
    return made


def earn(user, taken, *, on: datetime.date, hours=None, standards=None, recorder=None):
    """Hours for attending `taken` on the day `on`: an attendance, then the ledger."""
    start = timezone.make_aware(datetime.datetime.combine(on, datetime.time(9)))
    offering = Offering.objects.create(
        course=taken, starts_at=start, ends_at=start + datetime.timedelta(hours=8)
    )
    attendance = Attendance.objects.create(
        offering=offering,
        user=user,
        source=Attendance.Source.LIST,
        recorded_by=recorder or user,
    )
    return services.credit_add(
        user=user,
        hours=Decimal(hours) if hours is not None else taken.hours,
        earned_on=on,
        course=taken,
        attendance=attendance,
        standards=list(taken.standards.all()) if standards is None else standards,
    )


def standards_of(edition, *numbers):
    return list(Standard.objects.filter(edition=edition, number__in=numbers).order_by("number"))


def program(association, *, by, hours="16", months=12, courses=(), standards=(), name="CERA"):
    return services.program_create(
        association=association,
        by=by,
        name=name,
        description="Continuing education for certified officials.",
        hours_required=Decimal(hours),
        period_months=months,
        required_courses=courses,
        required_standards=standards,
    )
