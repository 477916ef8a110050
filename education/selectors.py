"""Every non-trivial read of continuing education, already scoped to the person asking."""

import calendar
import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    CharField,
    Count,
    DecimalField,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Sum,
    TextChoices,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Association, AssociationRole, Membership, Office, User
from accounts.selectors import staff_filtered
from core import suppression
from pledges.models import ApplicationItem, Edition, Standard
from pledges.selectors import current_cycle, published_edition

from .models import (
    Attendance,
    CalendarFeed,
    Completion,
    Course,
    Credit,
    Enrollment,
    Offering,
    Program,
    ProgramOfficeSummary,
    Registration,
    SelfReport,
)

# --- courses ---


def visible_courses(user: User) -> QuerySet[Course]:
    """Active courses the person may see and take: their office's, and those of the
    associations their office is a member of. Nothing for someone without an office."""
    membership = getattr(user, "active_membership", None) if user.is_authenticated else None
    if membership is None:
        return Course.objects.none()
    return Course.objects.filter(
        Q(office_id=membership.office_id)
        | Q(association__in=Association.objects.filter(offices=membership.office_id).values("pk")),
        is_active=True,
    )


def open_offerings() -> QuerySet[Offering]:
    """Offerings not cancelled and not yet started, soonest first."""
    return Offering.objects.filter(cancelled_at__isnull=True, starts_at__gt=timezone.now())


def courses_addressing(user: User, *, items=(), standards=()) -> QuerySet[Course]:
    """Visible courses addressing any of these application items or standards, each with
    `upcoming` (its open offerings, soonest first) prefetched: two queries (the courses,
    their dates) whatever their number, after the person's membership."""
    items = list(items)
    standards = list(standards)
    if not items and not standards:
        return Course.objects.none()
    condition = Q()
    if items:
        condition |= Q(items__in=items)
    if standards:
        condition |= Q(standards__in=standards)
    matching = Course.objects.filter(condition).values("pk")
    return (
        visible_courses(user)
        .filter(pk__in=matching)
        .prefetch_related(
            Prefetch(
                "offerings",
                queryset=open_offerings().order_by("starts_at", "id"),
                to_attr="upcoming",
            )
        )
        .order_by("title", "id")
    )


def current_edition() -> Edition | None:
    """The edition courses are tied to: the current cycle's, else the newest published."""
    cycle = current_cycle()
    return cycle.edition if cycle is not None else published_edition()


def edition_items(edition: Edition | None) -> QuerySet[ApplicationItem]:
    if edition is None:
        return ApplicationItem.objects.none()
    return (
        ApplicationItem.objects.filter(standard__edition=edition)
        .select_related("standard")
        .order_by("position")
    )


def edition_standard_list(edition: Edition | None) -> QuerySet[Standard]:
    if edition is None:
        return Standard.objects.none()
    return Standard.objects.filter(edition=edition).order_by("number")


def _with_upcoming(courses: QuerySet[Course]) -> QuerySet[Course]:
    return courses.prefetch_related(
        Prefetch(
            "offerings",
            queryset=open_offerings().order_by("starts_at", "id"),
            to_attr="upcoming",
        )
    )


def catalogue(user: User, *, q: str = "", standard: Standard | None = None, format: str = ""):
    """The courses offered to the person, searched by title (or provider), narrowed to a
    standard (the standard itself or one of its items) and a format, with `upcoming`."""
    courses = visible_courses(user).select_related("office", "association")
    if q:
        courses = courses.filter(Q(title__icontains=q) | Q(provider__icontains=q))
    if standard is not None:
        addressing = Course.objects.filter(
            Q(standards=standard) | Q(items__standard=standard)
        ).values("pk")
        courses = courses.filter(pk__in=addressing)
    if format:
        courses = courses.filter(format=format)
    return _with_upcoming(courses).order_by("title", "id")


def published_list(courses: QuerySet[Course]) -> QuerySet[Course]:
    """A publisher's courses (archived ones too) with their upcoming offerings."""
    return _with_upcoming(courses.select_related("office", "association")).order_by(
        "-is_active", "title", "id"
    )


def trained_offerings(user: User) -> list[Offering]:
    """The offerings the person leads as trainer, from a week ago on, soonest first."""
    if not user.is_authenticated:
        return []
    since = timezone.now() - datetime.timedelta(days=7)
    return list(
        Offering.objects.filter(trainer=user, cancelled_at__isnull=True, ends_at__gte=since)
        .select_related("course")
        .order_by("starts_at", "id")[:10]
    )


def _active_registrations():
    return Registration.objects.filter(cancelled_at__isnull=True)


def course_offerings(course: Course, user: User, *, include_past: bool) -> list[Offering]:
    """The course's offerings with `taken` (active registrations) and `my_registration`
    (the person's active registration id, or None), in one query. Without
    `include_past`: only the open upcoming ones."""
    offerings = course.offerings.all() if include_past else open_offerings().filter(course=course)
    mine = _active_registrations().filter(offering=OuterRef("pk"), user=user.pk)
    return list(
        offerings.select_related("trainer")
        .annotate(
            taken=Count("registrations", filter=Q(registrations__cancelled_at__isnull=True)),
            my_registration=Subquery(mine.values("pk")[:1]),
        )
        .order_by("-starts_at" if include_past else "starts_at", "id")[:50]
    )


def seats_taken(offering: Offering) -> int:
    return _active_registrations().filter(offering=offering).count()


def attendance_sheet(offering: Offering) -> list[dict]:
    """Everyone to tick on the offering's attendance list: its registered people and
    anyone already recorded present, by name, with whether they were present."""
    registered = _active_registrations().filter(offering=offering, user=OuterRef("pk"))
    present = Attendance.objects.filter(offering=offering, user=OuterRef("pk"))
    people = (
        User.objects.filter(
            Q(pk__in=_active_registrations().filter(offering=offering).values("user_id"))
            | Q(pk__in=Attendance.objects.filter(offering=offering).values("user_id"))
        )
        .annotate(is_registered=Exists(registered), is_present=Exists(present))
        .select_related(None)
        .only("id", "full_name", "email", "is_confidential")
        .order_by("full_name", "email", "id")
    )
    return list(people)


def owner_offices(course: Course) -> QuerySet:
    """The offices whose people may be added to a course's attendance: the owning
    office, or the association's member offices."""
    from accounts.models import Office

    if course.office_id is not None:
        return Office.objects.filter(pk=course.office_id)
    return Office.objects.filter(associations=course.association_id)


def attendance_candidates(course: Course, *, q: str, reveals_confidential: bool, limit=20):
    """People of the course's owner matching a search, to add to the attendance list."""
    memberships = staff_filtered(
        Membership.objects.filter(
            office__in=owner_offices(course).values("pk"), ended_at__isnull=True
        )
        .select_related("user", "office")
        .order_by("user__full_name", "user__email", "id"),
        q=q,
        reveals_confidential=reveals_confidential,
    )
    return list(memberships[:limit])


def owner_person(course: Course, user_id) -> User | None:
    """A current member of one of the course's owner's offices, or None."""
    membership = (
        Membership.objects.filter(
            user_id=user_id,
            office__in=owner_offices(course).values("pk"),
            ended_at__isnull=True,
        )
        .select_related("user")
        .first()
    )
    return membership.user if membership is not None else None


def signing_sessions_for(course: Course):
    """The signing sessions a date of this course may be tied to: its owner's, from two
    months ago on, newest first."""
    from signing.models import SigningSession

    since = timezone.now() - datetime.timedelta(days=60)
    owner = (
        {"office_id": course.office_id}
        if course.office_id is not None
        else {"association_id": course.association_id}
    )
    return SigningSession.objects.filter(ends_at__gte=since, **owner).order_by("-starts_at", "-id")


def session_checkins(offering: Offering) -> list[User]:
    """The active people who checked in at the offering's signing session."""
    if offering.signing_session_id is None:
        return []
    from signing.models import Attendance as SessionAttendance

    return list(
        User.objects.filter(
            is_active=True,
            pk__in=SessionAttendance.objects.filter(session_id=offering.signing_session_id).values(
                "user_id"
            ),
        ).order_by("full_name", "id")
    )


def calendar_feed_of(user: User) -> CalendarFeed | None:
    """The person's calendar address, if they have made one."""
    if not user.is_authenticated:
        return None
    return CalendarFeed.objects.filter(user=user).first()


# What `secrets.token_urlsafe` makes: anything else is no calendar, without a lookup.
FEED_TOKEN = re.compile(r"[A-Za-z0-9_-]+")


def calendar_feed_by_token(token: str) -> CalendarFeed | None:
    """The calendar of an active person at this address, or None."""
    if not token or len(token) > 64 or not FEED_TOKEN.fullmatch(token):
        return None
    return (
        CalendarFeed.objects.filter(token=token, user__is_active=True)
        .select_related("user")
        .first()
    )


# How far back a calendar feed keeps courses already given.
FEED_PAST_DAYS = 60


def feed_registrations(user: User) -> list[Registration]:
    """The person's registrations for the calendar feed: courses from FEED_PAST_DAYS ago
    on. Cancelled ones (by the person, or the course date cancelled) stay listed as
    cancelled while they are upcoming, unless the person registered again."""
    since = timezone.now() - datetime.timedelta(days=FEED_PAST_DAYS)
    registrations = list(
        Registration.objects.filter(user=user, offering__ends_at__gte=since)
        .select_related("offering", "offering__course")
        .order_by("offering__starts_at", "registered_at", "id")
    )
    active = {r.offering_id for r in registrations if r.cancelled_at is None}
    now = timezone.now()
    shown, seen_cancelled = [], set()
    for registration in registrations:
        if registration.cancelled_at is None:
            shown.append(registration)
            continue
        if registration.offering_id in active or registration.offering_id in seen_cancelled:
            continue
        if registration.offering.starts_at > now:
            seen_cancelled.add(registration.offering_id)
            shown.append(registration)
    return shown


def due_reminders(*, now: datetime.datetime, days: int) -> QuerySet[Registration]:
    """Active registrations of offerings starting within `days` and not yet reminded,
    of people with an email address."""
    return _active_registrations().filter(
        reminded_at__isnull=True,
        offering__cancelled_at__isnull=True,
        offering__starts_at__gt=now,
        offering__starts_at__lte=now + datetime.timedelta(days=days),
        user__email__isnull=False,
        user__is_active=True,
    )


def course_import_plan(owner_filter: dict, rows: list[dict]) -> list[dict]:
    """What each line of a course file will do: "create", "exists" (a course with the
    same title and provider is already published by this owner: skipped, so importing
    the same file twice adds nothing) or "error" with its messages. The standards and
    items named are looked up in the current edition."""
    from django.core.exceptions import ValidationError

    from core.text import validate_name_text, validate_visible_text

    edition = current_edition()
    standards = {str(s.number): s.pk for s in edition_standard_list(edition)}
    items = {item.code: item.pk for item in edition_items(edition)}
    existing = {
        (title.lower(), provider.lower())
        for title, provider in Course.objects.filter(**owner_filter).values_list(
            "title", "provider"
        )
    }
    seen: dict[tuple[str, str], int] = {}
    plan = []
    for row in rows:
        problems = list(row.get("problems", []))
        for name, check in (
            ("title", validate_name_text),
            ("provider", validate_name_text),
            ("description", validate_visible_text),
        ):
            try:
                check(row.get(name, ""))
            except ValidationError as error:
                problems += error.messages
        unknown_standards = [code for code in row["standards"] if code not in standards]
        unknown_items = [code for code in row["items"] if code not in items]
        if unknown_standards:
            problems.append(
                _("No standard numbered %(codes)s in the current edition.")
                % {"codes": ", ".join(unknown_standards)}
            )
        if unknown_items:
            problems.append(
                _("No application item %(codes)s in the current edition.")
                % {"codes": ", ".join(unknown_items)}
            )
        key = (row["title"].lower(), row["provider"].lower())
        if key in seen and not row.get("problems"):
            problems.append(
                _("The same title and provider are on line %(line)s.") % {"line": seen[key]}
            )
        seen.setdefault(key, row["line"])
        if problems:
            action = "error"
        elif key in existing:
            action = "exists"
        else:
            action = "create"
        plan.append(
            {
                **row,
                "action": action,
                "messages": problems,
                "standard_ids": [standards[c] for c in row["standards"] if c in standards],
                "item_ids": [items[c] for c in row["items"] if c in items],
            }
        )
    return plan


# --- training since the last self-assessment (read by assessments and reports) ---


@dataclass
class TrainingSince:
    """Hours a person earned toward one standard, and the training they came from."""

    hours: Decimal = Decimal(0)
    titles: list[str] = field(default_factory=list)

    @property
    def hours_count(self) -> int:
        """For choosing "hour" or "hours": only exactly one hour is singular."""
        return 1 if self.hours == 1 else 2

    @property
    def hours_shown(self) -> Decimal:
        return shown_hours(self.hours)


def shown_hours(hours: Decimal) -> Decimal:
    """Hours as people write them: 6, 7.5, 1.25 (not 6.00 or 7.50)."""
    if hours == hours.to_integral_value():
        return hours.quantize(Decimal(1))
    return hours.normalize()


def training_by_standard(
    user: User, since: datetime.date, until: datetime.date | None = None
) -> dict[int, TrainingSince]:
    """The person's hours earned on or after `since` (and on or before `until`), per
    standard number, with the titles of the courses or reported training (one query).

    Keyed by the standard's number, not its row, so that training tied to one edition's
    standards shows beside the same standard of the next edition. A credit tied to no
    standard counts toward none; one tied to several counts in full beside each.
    """
    through = Credit.standards.through
    rows = through.objects.filter(credit__user=user, credit__earned_on__gte=since)
    if until is not None:
        rows = rows.filter(credit__earned_on__lte=until)
    rows = rows.order_by("credit__earned_on", "credit_id").values_list(
        "standard__number",
        "credit_id",
        "credit__hours",
        "credit__course__title",
        "credit__self_report__title",
    )
    result: dict[int, TrainingSince] = {}
    seen: set[tuple[int, int]] = set()
    for number, credit_id, hours, course_title, report_title in rows:
        if (number, credit_id) in seen:  # one credit tied to two editions' same standard
            continue
        seen.add((number, credit_id))
        entry = result.setdefault(number, TrainingSince())
        entry.hours += hours
        title = course_title or report_title or ""
        if title and title not in entry.titles:
            entry.titles.append(title)
    return result


def registrations_to_link(user: User) -> QuerySet[Registration]:
    """The person's own registrations that are not cancelled, with their course, newest
    date first: what they may link to an improvement goal."""
    return (
        Registration.objects.filter(user=user, cancelled_at__isnull=True)
        .select_related("offering__course")
        .order_by("-offering__starts_at", "-id")
    )


# --- self-reported training, my training, approvals, office hours (D2) ---

# "Recent" hours on the personal and office pages: the last twelve months.
RECENT_DAYS = 365
# The most rows of the hours ledger and of past registrations "my training" lists.
MY_TRAINING_ROWS = 100


@dataclass(frozen=True)
class StandardHours:
    number: int
    title: str
    hours: Decimal


@dataclass(frozen=True)
class LedgerRow:
    """One training counted on a person's ledger."""

    earned_on: datetime.date
    hours: Decimal
    title: str
    reported: bool  # from a self-report (else from attendance)


@dataclass(frozen=True)
class MyHours:
    """A person's hours ledger, newest first, and its sums: in all, in the last twelve
    months, and per standard (a training tied to several standards counts beside each,
    so these do not add up to the total)."""

    credits: list[LedgerRow]
    total: Decimal
    recent: Decimal
    by_standard: list[StandardHours]

    @property
    def count(self) -> int:
        return len(self.credits)


def _recent_since() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=RECENT_DAYS)


def my_hours(user: User) -> MyHours:
    """The person's ledger and its sums, in one query whatever the number of rows: a
    credit comes once per standard it addresses (or once without one), and a standard's
    number is named as the newest edition names it."""
    rows = (
        Credit.objects.filter(user=user)
        .order_by("-earned_on", "-id", "standards__number", "-standards__edition__year")
        .values_list(
            "pk",
            "earned_on",
            "hours",
            "self_report_id",
            "self_report__title",
            "course__title",
            "attendance__offering__course__title",
            "standards__number",
            "standards__short_title",
            "standards__edition__year",
        )
    )
    ledger: dict[int, LedgerRow] = {}
    per_standard: dict[int, Decimal] = {}
    titles: dict[int, tuple] = {}
    counted: set[tuple[int, int]] = set()
    for pk, earned_on, hours, report_id, report, course, attended, number, name, year in rows:
        if pk not in ledger:
            title = report or course or attended or ""
            ledger[pk] = LedgerRow(earned_on, hours, title, reported=report_id is not None)
        if number is None:
            continue
        if (year or 0, name) > titles.get(number, (-1, "")):
            titles[number] = (year or 0, name)
        if (number, pk) not in counted:  # one credit tied to two editions' same standard
            counted.add((number, pk))
            per_standard[number] = per_standard.get(number, Decimal(0)) + hours
    credits = list(ledger.values())
    since = _recent_since()
    return MyHours(
        credits=credits,
        total=sum((c.hours for c in credits), Decimal(0)),
        recent=sum((c.hours for c in credits if c.earned_on >= since), Decimal(0)),
        by_standard=[
            StandardHours(number=n, title=titles[n][1], hours=per_standard[n])
            for n in sorted(per_standard)
        ],
    )


def my_registrations(user: User) -> tuple[list[Registration], list[Registration]]:
    """The person's active registrations: upcoming (soonest first) and past (newest
    first, at most MY_TRAINING_ROWS). One query."""
    now = timezone.now()
    registrations = list(
        Registration.objects.filter(user=user, cancelled_at__isnull=True)
        .select_related("offering", "offering__course")
        .order_by("offering__starts_at", "id")
    )
    upcoming = [r for r in registrations if r.offering.ends_at >= now]
    past = [r for r in reversed(registrations) if r.offering.ends_at < now]
    return upcoming, past[:MY_TRAINING_ROWS]


def my_self_reports(user: User) -> QuerySet[SelfReport]:
    """The person's reported training, newest first, with who decided it."""
    return (
        SelfReport.objects.filter(user=user)
        .select_related("decided_by")
        .order_by("-created_at", "-id")
    )


def approval_queue(
    office: Office, *, viewer: User, q: str = "", state: str = ""
) -> QuerySet[SelfReport]:
    """The office's reported training for its manager to decide, the viewer's own left
    out; searched by person or training, narrowed to a state; oldest waiting first."""
    reports = (
        SelfReport.objects.filter(office=office)
        .exclude(user=viewer)
        .select_related("user", "decided_by")
    )
    if state:
        reports = reports.filter(state=state)
    q = q.strip()
    if q:
        reports = reports.filter(
            Q(user__full_name__icontains=q)
            | Q(user__email__icontains=q)
            | Q(title__icontains=q)
            | Q(provider__icontains=q)
        )
    if state == SelfReport.State.SUBMITTED:
        return reports.order_by("created_at", "id")
    return reports.order_by("-created_at", "-id")


def own_waiting_reports(user: User, office: Office) -> int:
    """How many of the manager's own reports wait in their office (another manager
    decides them)."""
    return SelfReport.objects.filter(
        office=office, user=user, state=SelfReport.State.SUBMITTED
    ).count()


def _sum_of_credits(**conditions) -> Coalesce:
    credits = (
        Credit.objects.filter(user=OuterRef("user_id"), **conditions)
        .order_by()
        .values("user_id")
        .annotate(hours=Sum("hours"))
        .values("hours")
    )
    return Coalesce(Subquery(credits[:1]), Value(Decimal(0)), output_field=DecimalField())


def office_hours(office: Office, *, q: str = "", role: str = "") -> QuerySet[Membership]:
    """The office's current people with their hours (in all and in the last twelve
    months) and their reported training waiting here, searched and filtered, by name.
    One query for a page, whatever the number of people or credits."""
    waiting = (
        SelfReport.objects.filter(
            user=OuterRef("user_id"), office=office, state=SelfReport.State.SUBMITTED
        )
        .order_by()
        .values("user_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    memberships = (
        Membership.objects.filter(office=office, ended_at__isnull=True)
        .select_related("user")
        .only(
            *("id", "user_id", "office_id", "role"),
            *("user__full_name", "user__email", "user__is_confidential"),
        )
        .annotate(
            hours_total=_sum_of_credits(),
            hours_recent=_sum_of_credits(earned_on__gte=_recent_since()),
            reports_waiting=Coalesce(Subquery(waiting[:1]), Value(0)),
        )
        .order_by("user__full_name", "user__email", "id")
    )
    return staff_filtered(memberships, q=q, role=role, reveals_confidential=True)


# --- certification programs (E) ---
# Periods, progress against a program's requirements, and what the person, their office
# and their association read. The person's own page computes from the ledger; the office
# and association pages read what `services.progress_changed` keeps (Enrollment's
# standing, ProgramOfficeSummary).


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it has fewer days."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Period:
    """One period of an enrolment: from `start` to `end`, both days included."""

    index: int
    start: datetime.date
    end: datetime.date

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


def period_at(started_on: datetime.date, months: int, index: int) -> Period:
    """The period `index` (0 = the first) of an enrolment begun on `started_on`. Counted
    from the start each time, so a 31st stays the 31st (or the month's end) every period."""
    start = add_months(started_on, index * months)
    end = add_months(started_on, (index + 1) * months) - datetime.timedelta(days=1)
    return Period(index, start, end)


def period_on(started_on: datetime.date, months: int, day: datetime.date) -> Period:
    """The period that holds `day` (the first one for a day before the start)."""
    if day <= started_on:
        return period_at(started_on, months, 0)
    elapsed = (day.year - started_on.year) * 12 + day.month - started_on.month
    index = max(0, elapsed // months)
    period = period_at(started_on, months, index)
    while period.start > day:
        index -= 1
        period = period_at(started_on, months, index)
    while period.end < day:
        index += 1
        period = period_at(started_on, months, index)
    return period


@dataclass(frozen=True)
class ProgramRules:
    """What a program asks for in each period."""

    program_id: int
    hours_required: Decimal
    period_months: int
    course_ids: frozenset
    standard_ids: frozenset


@dataclass(frozen=True)
class CreditLine:
    earned_on: datetime.date
    hours: Decimal
    course_id: int | None
    standard_ids: frozenset


@dataclass(frozen=True)
class PeriodResult:
    """A period measured against the rules: hours, and what was done and is missing."""

    period: Period
    hours: Decimal
    course_ids_done: frozenset
    course_ids_missing: frozenset
    standard_ids_covered: frozenset
    standard_ids_missing: frozenset
    hours_required: Decimal

    @property
    def hours_missing(self) -> Decimal:
        return max(Decimal(0), self.hours_required - self.hours)

    @property
    def met(self) -> bool:
        return (
            self.hours >= self.hours_required
            and not self.course_ids_missing
            and not self.standard_ids_missing
        )


@dataclass
class Requirements:
    """The rules of some programs, with their required courses and standards by id."""

    rules: dict  # program id -> ProgramRules
    courses: dict  # course id -> Course
    standards: dict  # standard id -> Standard


def program_requirements(programs) -> Requirements:
    """The rules of these programs (already read), with the courses and standards they
    require (two queries)."""
    programs = list(programs)
    ids = [p.pk for p in programs]
    courses: dict[int, set] = {}
    course_objects = {}
    for link in Program.required_courses.through.objects.filter(program_id__in=ids).select_related(
        "course"
    ):
        courses.setdefault(link.program_id, set()).add(link.course_id)
        course_objects[link.course_id] = link.course
    standards: dict[int, set] = {}
    standard_objects = {}
    for link in Program.required_standards.through.objects.filter(
        program_id__in=ids
    ).select_related("standard"):
        standards.setdefault(link.program_id, set()).add(link.standard_id)
        standard_objects[link.standard_id] = link.standard
    rules = {
        p.pk: ProgramRules(
            p.pk,
            p.hours_required,
            p.period_months,
            frozenset(courses.get(p.pk, ())),
            frozenset(standards.get(p.pk, ())),
        )
        for p in programs
    }
    return Requirements(rules, course_objects, standard_objects)


def program_rules(program_ids) -> dict[int, ProgramRules]:
    """The rules of these programs (three queries)."""
    return program_requirements(Program.objects.filter(pk__in=list(program_ids))).rules


def credit_lines(user_id: int) -> list[CreditLine]:
    """Every hour on the person's ledger, with the course and standards behind it (one
    query: a credit comes once per standard it addresses, or once without one)."""
    lines: dict[int, list] = {}
    rows = (
        Credit.objects.filter(user_id=user_id)
        .order_by("earned_on", "pk")
        .values_list("pk", "earned_on", "hours", "course_id", "standards")
    )
    for pk, earned_on, hours, course_id, standard_id in rows:
        line = lines.setdefault(pk, [earned_on, hours, course_id, set()])
        if standard_id is not None:
            line[3].add(standard_id)
    return [
        CreditLine(earned_on, hours, course_id, frozenset(standard_ids))
        for earned_on, hours, course_id, standard_ids in lines.values()
    ]


def period_result(rules: ProgramRules, credits: list[CreditLine], period: Period) -> PeriodResult:
    """The period's hours (credits earned inside it), required courses taken and standards
    covered."""
    inside = [line for line in credits if period.contains(line.earned_on)]
    hours = sum((line.hours for line in inside), Decimal(0))
    courses = {line.course_id for line in inside if line.course_id is not None}
    standards = set().union(*(line.standard_ids for line in inside)) if inside else set()
    return PeriodResult(
        period=period,
        hours=hours,
        course_ids_done=rules.course_ids & courses,
        course_ids_missing=rules.course_ids - courses,
        standard_ids_covered=rules.standard_ids & standards,
        standard_ids_missing=rules.standard_ids - standards,
        hours_required=rules.hours_required,
    )


def period_results(
    rules: ProgramRules, credits: list[CreditLine], started_on: datetime.date, today
) -> list[PeriodResult]:
    """Every period from the first to the one holding `today`, oldest first."""
    current = period_on(started_on, rules.period_months, today)
    return [
        period_result(rules, credits, period_at(started_on, rules.period_months, index))
        for index in range(current.index + 1)
    ]


class Standing(TextChoices):
    """Where a person stands in a program's current period."""

    COMPLETE = "complete", gettext_lazy("Complete for this period")
    ON_TRACK = "on_track", gettext_lazy("On track")
    LAPSES_SOON = "lapses_soon", gettext_lazy("Lapses soon")
    LAPSED = "lapsed", gettext_lazy("Lapsed")


def standing_of(
    *, met: bool, lapsed: bool, period_end: datetime.date | None, today: datetime.date
) -> Standing:
    """The standing from an enrolment's kept state. A period that ended before the daily
    job moved the enrolment on is read as what it became: met, the person starts afresh;
    unmet, the certification lapsed."""
    if period_end is not None and period_end < today:
        return Standing.ON_TRACK if met else Standing.LAPSED
    if met:
        return Standing.COMPLETE
    if lapsed:
        return Standing.LAPSED
    if (
        period_end is not None
        and (period_end - today).days <= settings.EDUCATION_LAPSE_REMINDER_DAYS
    ):
        return Standing.LAPSES_SOON
    return Standing.ON_TRACK


@dataclass
class ProgramProgress:
    """A person's progress in one program: every period, the current one last."""

    enrollment: Enrollment
    program: Program
    periods: list[PeriodResult]
    completions: dict  # period start -> Completion
    courses: dict  # course id -> Course (the program's required courses)
    standards: dict  # standard id -> Standard (the program's required standards)
    today: datetime.date

    @property
    def current(self) -> PeriodResult:
        return self.periods[-1]

    @property
    def previous(self) -> PeriodResult | None:
        return self.periods[-2] if len(self.periods) > 1 else None

    @property
    def lapsed(self) -> bool:
        """The period before this one ended unmet (a completion stands exactly for each
        period met: `services.progress_changed` keeps them so)."""
        previous = self.previous
        return previous is not None and not previous.met

    @property
    def standing(self) -> Standing:
        return standing_of(
            met=self.current.met,
            lapsed=self.lapsed,
            period_end=self.current.period.end,
            today=self.today,
        )

    @property
    def days_left(self) -> int:
        return (self.current.period.end - self.today).days

    @property
    def completion(self):
        """The current period's certificate of completion, if it stands."""
        found = self.completions.get(self.current.period.start)
        return found if found is not None and found.withdrawn_at is None else None

    def courses_missing(self, result: PeriodResult) -> list:
        return sorted((self.courses[pk] for pk in result.course_ids_missing), key=str)

    def courses_done(self, result: PeriodResult) -> list:
        return sorted((self.courses[pk] for pk in result.course_ids_done), key=str)

    def standards_missing(self, result: PeriodResult) -> list:
        return sorted(
            (self.standards[pk] for pk in result.standard_ids_missing), key=lambda s: s.number
        )

    def standards_covered(self, result: PeriodResult) -> list:
        return sorted(
            (self.standards[pk] for pk in result.standard_ids_covered), key=lambda s: s.number
        )

    @property
    def current_courses_done(self) -> list:
        return self.courses_done(self.current)

    @property
    def current_courses_missing(self) -> list:
        return self.courses_missing(self.current)

    @property
    def current_standards_covered(self) -> list:
        return self.standards_covered(self.current)

    @property
    def current_standards_missing(self) -> list:
        return self.standards_missing(self.current)

    @property
    def history(self) -> list:
        """The periods before the current one, newest first, with their completions."""
        return [
            (result, self.completions.get(result.period.start))
            for result in reversed(self.periods[:-1])
        ]


def _progress(
    enrollments: list[Enrollment],
    user_id: int,
    today,
    requirements: Requirements | None = None,
    *,
    completions: bool = True,
) -> list[ProgramProgress]:
    """Progress in each enrolment, computed from the ledger (four queries in all, two
    when the caller has the programs' requirements)."""
    if not enrollments:
        return []
    programs = {e.program_id: e.program for e in enrollments}
    requirements = requirements or program_requirements(programs.values())
    credits = credit_lines(user_id)
    found: dict[int, dict] = {}
    if completions:
        for completion in Completion.objects.filter(user_id=user_id, program_id__in=programs):
            found.setdefault(completion.program_id, {})[completion.period_start] = completion
    return [
        ProgramProgress(
            enrollment=e,
            program=e.program,
            periods=period_results(requirements.rules[e.program_id], credits, e.started_on, today),
            completions=found.get(e.program_id, {}),
            courses=requirements.courses,
            standards=requirements.standards,
            today=today,
        )
        for e in enrollments
    ]


def my_programs(user: User, *, today: datetime.date | None = None) -> list[ProgramProgress]:
    """The person's current enrolments, each with its progress by period (four queries
    whatever their number; their certificates are on each program's page)."""
    today = today or timezone.localdate()
    enrollments = list(
        Enrollment.objects.filter(user=user, ended_at__isnull=True)
        .select_related("program", "program__association")
        .order_by("program__name", "pk")
    )
    return _progress(enrollments, user.pk, today, completions=False)


def program_progress(
    enrollment: Enrollment, *, today=None, requirements: Requirements | None = None
) -> ProgramProgress:
    """One enrolment's progress (the program page)."""
    return _progress([enrollment], enrollment.user_id, today or timezone.localdate(), requirements)[
        0
    ]


def programs_open_to(user: User) -> QuerySet[Program]:
    """Programs the person may enrol in: open programs of the associations their office is
    a member of."""
    membership = getattr(user, "active_membership", None) if user.is_authenticated else None
    if membership is None:
        return Program.objects.none()
    return Program.objects.filter(
        association__in=Association.objects.filter(offices=membership.office_id).values("pk"),
        is_active=True,
    ).select_related("association")


def programs_managed(user: User) -> QuerySet[Program]:
    """Programs of the associations where the person is an administrator or analyst."""
    if not user.is_authenticated:
        return Program.objects.none()
    return Program.objects.filter(
        association__in=AssociationRole.objects.filter(user=user).values("association_id")
    ).select_related("association")


def program_enrollees(program: Program, office) -> QuerySet[Enrollment]:
    """The office's people in the program (counted there), by name: the manager's list."""
    return (
        Enrollment.objects.filter(program=program, office=office, ended_at__isnull=True)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )


def office_programs(office) -> list[dict]:
    """The programs the office's people are enrolled in, with the office's summary row."""
    rows = ProgramOfficeSummary.objects.filter(office=office, enrolled__gt=0).select_related(
        "program", "program__association"
    )
    return list(rows.order_by("program__name", "program_id"))


@dataclass
class ProgramOfficeLine:
    """One member office in the association's view: figures only when enough people stand
    behind them."""

    office_id: int
    label: str
    named: bool
    enrolled: int
    completed: int
    hours: Decimal
    hidden: bool

    @property
    def shown(self) -> bool:
        return self.named and not self.hidden

    @property
    def completed_rate(self) -> int | None:
        if not self.shown or not self.enrolled:
            return None
        return round(100 * self.completed / self.enrolled)

    @property
    def average_hours(self) -> Decimal | None:
        if not self.shown or not self.enrolled:
            return None
        return (self.hours / self.enrolled).quantize(Decimal("0.1"))


@dataclass
class ProgramAssociationView:
    program: Program
    association: Association
    offices: list[ProgramOfficeLine]
    today: datetime.date

    @property
    def shown_offices(self) -> list[ProgramOfficeLine]:
        return [line for line in self.offices if line.shown]

    @property
    def not_shown(self) -> int:
        return len(self.offices) - len(self.shown_offices)

    @property
    def all_shown(self) -> bool:
        return not self.not_shown

    @property
    def shown_totals(self) -> ProgramOfficeLine | None:
        """The sum of the rows shown above, and nothing more: subtracting rows from it
        reveals nobody. None when no row is shown."""
        lines = self.shown_offices
        if not lines:
            return None
        return ProgramOfficeLine(
            office_id=0,
            label="",
            named=True,
            enrolled=sum(line.enrolled for line in lines),
            completed=sum(line.completed for line in lines),
            hours=sum((line.hours for line in lines), Decimal(0)),
            hidden=False,
        )


def program_association_view(program: Program, association: Association) -> ProgramAssociationView:
    """Progress in the program across the association's member offices, from the kept
    summaries alone (two queries whatever the number of offices).

    An office with fewer than the minimum people enrolled shows no figures; when the
    hidden offices together hold fewer than the minimum, the smallest shown offices are
    hidden with them (complementary suppression). Offices that are not named in
    benchmarks appear as "Unnamed office n" and show no figures at all, as in the
    association report: any figure of theirs, beside a total, gives them away. The
    totals add up only the rows shown."""
    members = association.offices.through.objects.filter(association=association).values(
        "office_id"
    )
    offices = list(
        Office.objects.filter(pk__in=members)
        .order_by("state", "name")
        .values_list("pk", "name", "state", "named_in_benchmarks")
    )
    summaries = {
        office_id: (enrolled, completed, hours)
        for office_id, enrolled, completed, hours in ProgramOfficeSummary.objects.filter(
            program=program, office_id__in=members
        ).values_list("office_id", "enrolled", "completed", "hours")
    }
    empty = (0, 0, Decimal(0))
    sizes = {pk: summaries.get(pk, empty)[0] for pk, *_rest in offices}
    hidden = suppression.hidden_cells(sizes)
    lines, unnamed = [], 0
    for pk, name, _state, named in sorted(offices, key=lambda o: (not o[3], o[2], o[1])):
        if named:
            label = name
        else:
            unnamed += 1
            label = _("Unnamed office %(n)s") % {"n": unnamed}
        enrolled, completed, hours = summaries.get(pk, empty)
        lines.append(
            ProgramOfficeLine(
                office_id=pk,
                label=label,
                named=named,
                enrolled=enrolled,
                completed=completed,
                hours=hours,
                hidden=pk in hidden or suppression.below_minimum(enrolled),
            )
        )
    return ProgramAssociationView(
        program=program, association=association, offices=lines, today=timezone.localdate()
    )


def courses_for_office(office: Office) -> QuerySet[Course]:
    """Active courses an office's staff may see: the office's own and those of the
    associations it is a member of (as `visible_courses` is for one person)."""
    return Course.objects.filter(
        Q(office_id=office.pk)
        | Q(association__in=Association.objects.filter(offices=office.pk).values("pk")),
        is_active=True,
    )


def _joined_ids(through, column: str, **where) -> Subquery:
    """A course's related ids as "1,2,3": a correlated subquery on a link table."""
    rows = (
        through.objects.filter(course_id=OuterRef("pk"), **where)
        .order_by()
        .values("course_id")
        .annotate(ids=StringAgg(Cast(column, CharField()), Value(",")))
        .values("ids")
    )
    return Subquery(rows[:1], output_field=CharField())


def with_addressed(courses: QuerySet[Course]) -> QuerySet[Course]:
    """The courses with what they address, as `item_ids` and `standard_ids` (read them with
    `ids_of`), in the same query rather than one more per relation."""
    return courses.annotate(
        item_ids=_joined_ids(Course.items.through, "applicationitem_id"),
        standard_ids=_joined_ids(Course.standards.through, "standard_id"),
    )


def ids_of(text: str | None) -> frozenset[int]:
    """The ids of a `with_addressed` annotation."""
    return frozenset(int(part) for part in (text or "").split(",") if part)
