"""Every write to continuing education: courses, offerings, registrations, attendance,
self-reports, programs and the ledger of hours (docs/education.md).

Each topic has its own section below. Hours are written only through `credit_add` and
removed only through `credit_remove`.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.tasks import task
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.audit import audit_own, audit_record
from accounts.models import Association, Membership, Office, User
from accounts.permissions import shown_name
from core.mail import send_templated_email
from pledges.models import ApplicationItem, Standard, new_verification_code

from . import selectors
from .evidence import CheckedEvidence, private_storage
from .models import (
    HOURS_MAX,
    Attendance,
    CalendarFeed,
    Completion,
    Course,
    CourseImport,
    Credit,
    Enrollment,
    Offering,
    Program,
    ProgramOfficeSummary,
    Registration,
    SelfReport,
    new_feed_token,
)
from .selectors import (
    course_import_plan,
    current_edition,
    due_reminders,
    owner_person,
    seats_taken,
    session_checkins,
)

# --- ledger of hours (shared: every write of hours goes through here) ---


@transaction.atomic
def credit_add(
    *,
    user: User,
    hours: Decimal,
    earned_on: datetime.date,
    course: Course | None = None,
    attendance: Attendance | None = None,
    self_report: SelfReport | None = None,
    standards: Iterable = (),
) -> Credit:
    """Record hours a person earned, from exactly one attendance or approved self-report.

    The office is the person's office at this moment. A source counts once: the database
    refuses a second credit for the same attendance or self-report (OneToOne), and the
    caller gets the IntegrityError.
    """
    membership = user.active_membership
    credit = Credit(
        user=user,
        office=membership.office if membership is not None else None,
        hours=hours,
        earned_on=earned_on,
        course=course,
        attendance=attendance,
        self_report=self_report,
    )
    credit.full_clean(validate_unique=False)
    credit.save()
    standards = list(standards)
    if standards:
        credit.standards.set(standards)
    progress_changed(user=user)
    return credit


@transaction.atomic
def credit_remove(*, credit: Credit) -> None:
    """Take hours off the ledger (an attendance removed, a self-report reversed)."""
    user = credit.user
    credit.standards.clear()
    credit.delete()
    progress_changed(user=user)


# --- courses, offerings, registrations, attendance, calendar, reminders ---


def _course_links(course: Course, *, standards, items) -> None:
    """Tie the course to standards and items of the current edition (at least one)."""
    standards, items = list(standards), list(items)
    if not standards and not items:
        raise ValidationError({"standards": _("Choose at least one standard or application item.")})
    edition = current_edition()
    if edition is None or any(s.edition_id != edition.pk for s in standards):
        raise ValidationError({"standards": _("Choose standards of the current edition.")})
    if any(item.standard.edition_id != edition.pk for item in items):
        raise ValidationError({"items": _("Choose application items of the current edition.")})
    course.standards.set(standards)
    course.items.set(items)


DUPLICATE_COURSE = _lazy("This publisher already has a course with this title from this provider.")


def _save_course(course: Course, **kwargs) -> None:
    """Save inside a savepoint: a title and provider already used by the same owner
    (even by a concurrent request) becomes a message, not a 500."""
    try:
        with transaction.atomic():
            course.save(**kwargs)
    except IntegrityError:
        raise ValidationError({"title": DUPLICATE_COURSE}) from None


def _owner_office(course: Course):
    return course.office if course.office_id is not None else None


@transaction.atomic
def course_publish(
    *,
    by: User,
    office=None,
    association=None,
    title: str,
    provider: str,
    format: str,
    hours: Decimal,
    ceus: Decimal | None = None,
    description: str = "",
    standards=(),
    items=(),
    request=None,
) -> Course:
    """Publish a course for an office or an association."""
    course = Course(
        office=office,
        association=association,
        title=title,
        provider=provider,
        format=format,
        hours=hours,
        ceus=ceus,
        description=description,
        created_by=by,
    )
    course.full_clean(validate_constraints=False)
    _save_course(course)
    _course_links(course, standards=standards, items=items)
    audit_record(
        action="education.course_published",
        actor=by,
        obj=course,
        office=_owner_office(course),
        request=request,
        association=course.association_id,
        hours=str(course.hours),
    )
    return course


COURSE_FIELDS = ("title", "provider", "format", "hours", "ceus", "description")
STALE = _lazy(
    "Someone else changed this while you were editing it. Reload the page to see the "
    "latest version, then make your change again."
)


@transaction.atomic
def course_update(
    *, course: Course, by: User, version: int, standards=(), items=(), request=None, **fields
) -> Course:
    """Change a course's description and links; refused when edited from an older copy."""
    course = Course.objects.select_for_update(of=("self",)).get(pk=course.pk)
    if course.version != version:
        raise ValidationError(STALE)
    changed = [
        name for name in COURSE_FIELDS if name in fields and getattr(course, name) != fields[name]
    ]
    for name in COURSE_FIELDS:
        if name in fields:
            setattr(course, name, fields[name])
    course.version += 1
    course.full_clean(validate_constraints=False)
    _save_course(course, update_fields=[*COURSE_FIELDS, "version"])
    before = (
        set(course.standards.values_list("pk", flat=True)),
        set(course.items.values_list("pk", flat=True)),
    )
    _course_links(course, standards=standards, items=items)
    after = ({s.pk for s in standards}, {i.pk for i in items})
    if before != after:
        changed.append("standards")
    audit_record(
        action="education.course_changed",
        actor=by,
        obj=course,
        office=_owner_office(course),
        request=request,
        changed=changed,
    )
    return course


@transaction.atomic
def course_archive(*, course: Course, by: User, archived: bool, request=None) -> Course:
    """Stop offering a course (it leaves the catalogue; hours earned stay) or offer it
    again. Doing what is already done changes nothing."""
    course = Course.objects.select_for_update(of=("self",)).get(pk=course.pk)
    if course.is_active == (not archived):
        return course
    course.is_active = not archived
    course.version += 1
    course.save(update_fields=["is_active", "version"])
    audit_record(
        action="education.course_archived" if archived else "education.course_restored",
        actor=by,
        obj=course,
        office=_owner_office(course),
        request=request,
    )
    return course


@transaction.atomic
def course_import_create(
    *, owner_filter: dict, uploaded_by: User, filename: str, sha256: str, rows: list[dict]
) -> CourseImport:
    """Keep a parsed course file server-side until its publisher confirms it."""
    CourseImport.objects.filter(confirmed_at__isnull=True).filter(
        Q(uploaded_by=uploaded_by) | Q(created_at__lt=timezone.now() - datetime.timedelta(days=1))
    ).delete()
    upload = CourseImport(
        **owner_filter, uploaded_by=uploaded_by, filename=filename[:255], sha256=sha256, rows=rows
    )
    upload.full_clean()
    upload.save()
    return upload


@transaction.atomic
def course_import_confirm(*, upload: CourseImport, by: User, request=None) -> list[Course]:
    """Publish every course the preview promised, all at once or none. Courses already
    published (the same title and provider) are skipped, so a second run adds nothing."""
    upload = CourseImport.objects.select_for_update(of=("self",)).get(pk=upload.pk)
    if upload.confirmed_at is not None:
        raise ValidationError(_("This file has already been imported."))
    owner = {"office": upload.office} if upload.office_id else {"association": upload.association}
    plan = course_import_plan(owner, upload.rows)
    errors = [row for row in plan if row["action"] == "error"]
    if errors:
        raise ValidationError(
            _("Line %(line)s: %(message)s")
            % {"line": errors[0]["line"], "message": " ".join(errors[0]["messages"])}
        )
    standards = {s.pk: s for s in Standard.objects.all()}
    items = {i.pk: i for i in ApplicationItem.objects.select_related("standard")}
    created = []
    for row in plan:
        if row["action"] != "create":
            continue
        course = Course(
            **owner,
            title=row["title"],
            provider=row["provider"],
            format=row["format"],
            hours=Decimal(row["hours"]),
            ceus=Decimal(row["ceus"]) if row["ceus"] else None,
            description=row["description"],
            created_by=by,
        )
        course.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                course.save()
        except IntegrityError:
            continue  # published meanwhile (another tab): skipped like "exists"
        _course_links(
            course,
            standards=[standards[pk] for pk in row["standard_ids"]],
            items=[items[pk] for pk in row["item_ids"]],
        )
        created.append(course)
    upload.confirmed_at = timezone.now()
    upload.save(update_fields=["confirmed_at"])
    audit_record(
        action="education.courses_imported",
        actor=by,
        obj=upload,
        office=upload.office,
        request=request,
        association=upload.association_id,
        created=len(created),
        rows=len(plan),
    )
    return created


def _session_ok(course: Course, session) -> None:
    if session is None:
        return
    same = (
        session.office_id == course.office_id
        if course.office_id is not None
        else session.association_id == course.association_id
    )
    if not same:
        raise ValidationError(
            {
                "signing_session": _(
                    "Choose a signing session of the course's office or association."
                )
            }
        )


def _trainer_ok(course: Course, trainer: User | None) -> None:
    if trainer is not None and owner_person(course, trainer.pk) is None:
        raise ValidationError(
            {"trainer": _("The trainer must be someone in the course's office or association.")}
        )


@transaction.atomic
def offering_create(
    *,
    course: Course,
    by: User,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    place: str = "",
    capacity: int | None = None,
    trainer: User | None = None,
    signing_session=None,
    request=None,
) -> Offering:
    """Add a date for a course."""
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": _("Choose a start in the future.")})
    _trainer_ok(course, trainer)
    _session_ok(course, signing_session)
    offering = Offering(
        course=course,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        capacity=capacity,
        trainer=trainer,
        signing_session=signing_session,
    )
    offering.full_clean()
    offering.save()
    audit_record(
        action="education.offering_created",
        actor=by,
        obj=offering,
        office=_owner_office(course),
        request=request,
        starts_at=starts_at.isoformat(),
    )
    return offering


OFFERING_FIELDS = ("starts_at", "ends_at", "place", "capacity", "trainer", "signing_session")


@transaction.atomic
def offering_update(
    *, offering: Offering, by: User, version: int, request=None, **fields
) -> Offering:
    """Change a date, place, capacity or trainer; never below the seats already taken."""
    offering = (
        Offering.objects.select_for_update(of=("self",))
        .select_related("course")
        .get(pk=offering.pk)
    )
    if offering.version != version:
        raise ValidationError(STALE)
    if offering.cancelled_at is not None:
        raise ValidationError(_("This course date was cancelled; it can no longer be changed."))
    capacity = fields.get("capacity", offering.capacity)
    taken = seats_taken(offering)
    if capacity is not None and capacity < taken:
        raise ValidationError(
            {
                "capacity": _("%(count)s people are registered: the capacity cannot be lower.")
                % {"count": taken}
            }
        )
    _trainer_ok(offering.course, fields.get("trainer", offering.trainer))
    _session_ok(offering.course, fields.get("signing_session", offering.signing_session))
    changed = [n for n in OFFERING_FIELDS if n in fields and getattr(offering, n) != fields[n]]
    if "starts_at" in changed and Attendance.objects.filter(offering=offering).exists():
        raise ValidationError(
            {
                "starts_at": _(
                    "Attendance has been recorded for this date: its day can no longer change."
                )
            }
        )
    for name in OFFERING_FIELDS:
        if name in fields:
            setattr(offering, name, fields[name])
    offering.version += 1
    offering.full_clean()
    offering.save(update_fields=[*OFFERING_FIELDS, "version"])
    audit_record(
        action="education.offering_changed",
        actor=by,
        obj=offering,
        office=_owner_office(offering.course),
        request=request,
        changed=changed,
    )
    return offering


def _offering_context(offering: Offering, person: User) -> dict:
    return {
        "name": str(person),
        "course": offering.course.title,
        "provider": offering.course.provider,
        "starts_at": offering.starts_at,
        "ends_at": offering.ends_at,
        "place": offering.place,
        "course_url": settings.SITE_URL
        + reverse("education:course-detail", args=[offering.course_id]),
    }


def _email(person: User, template: str, context: dict) -> None:
    if person.email and person.is_active:
        send_templated_email(
            to=person.email,
            template=template,
            context=context,
            language=person.preferred_language,
        )


@transaction.atomic
def offering_cancel(*, offering: Offering, by: User, request=None) -> Offering:
    """Cancel a course date and tell everyone registered. Registrations are kept (the
    calendar shows the date as cancelled); hours already recorded stay."""
    offering = (
        Offering.objects.select_for_update(of=("self",))
        .select_related("course")
        .get(pk=offering.pk)
    )
    if offering.cancelled_at is not None:
        return offering
    offering.cancelled_at = timezone.now()
    offering.version += 1
    offering.save(update_fields=["cancelled_at", "version"])
    registrations = Registration.objects.filter(
        offering=offering, cancelled_at__isnull=True
    ).select_related("user")
    for registration in registrations:
        person = registration.user
        _email(person, "education/email/offering_cancelled", _offering_context(offering, person))
    audit_record(
        action="education.offering_cancelled",
        actor=by,
        obj=offering,
        office=_owner_office(offering.course),
        request=request,
        registered=len(registrations),
    )
    return offering


class RegistrationRefused(ValidationError):
    """Registering is not possible (full, started, cancelled): the message says why."""


@transaction.atomic
def registration_create(
    *, offering: Offering, user: User, request=None
) -> tuple[Registration, bool]:
    """Register the person for an upcoming course date; returns (registration, created).

    The offering's row is locked while the seats are counted, so two people cannot take
    the last seat together; registering twice returns the registration already held."""
    offering = (
        Offering.objects.select_for_update(of=("self",))
        .select_related("course")
        .get(pk=offering.pk)
    )
    existing = Registration.objects.filter(
        offering=offering, user=user, cancelled_at__isnull=True
    ).first()
    if existing is not None:
        return existing, False
    if offering.cancelled_at is not None:
        raise RegistrationRefused(_("This course date was cancelled."))
    if offering.starts_at <= timezone.now():
        raise RegistrationRefused(
            _("This course date has already started: registration is closed.")
        )
    if not offering.course.is_active:
        raise RegistrationRefused(_("This course is no longer offered."))
    if offering.capacity is not None and seats_taken(offering) >= offering.capacity:
        raise RegistrationRefused(
            _("This course date is full. Choose another date, or ask its organiser.")
        )
    registration = Registration(offering=offering, user=user)
    registration.full_clean(validate_constraints=False)
    registration.save()
    _email(user, "education/email/registration_confirmed", _offering_context(offering, user))
    membership = user.active_membership
    audit_record(
        action="education.registered",
        actor=user,
        obj=registration,
        office=membership.office if membership is not None else None,
        request=request,
    )
    return registration, True


@transaction.atomic
def registration_cancel(*, registration: Registration, by: User, request=None) -> Registration:
    """Give up one's seat before the course starts. Cancelling twice changes nothing."""
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("offering")
        .get(pk=registration.pk)
    )
    if registration.cancelled_at is not None:
        return registration
    if registration.offering.starts_at <= timezone.now():
        raise ValidationError(_("This course date has already started: it cannot be cancelled."))
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["cancelled_at"])
    membership = by.active_membership
    audit_record(
        action="education.registration_cancelled",
        actor=by,
        obj=registration,
        office=membership.office if membership is not None else None,
        request=request,
    )
    return registration


def attendance_open(offering: Offering) -> None:
    """Attendance is recorded from the course's first day on, never for a cancelled one."""
    if offering.cancelled_at is not None:
        raise ValidationError(
            _("This course date was cancelled: there is no attendance to record.")
        )
    if timezone.localdate(offering.starts_at) > timezone.localdate():
        raise ValidationError(
            _("Attendance can be recorded from the day of the course (%(day)s).")
            % {"day": formats.date_format(timezone.localdate(offering.starts_at), "DATE_FORMAT")}
        )


def credit_standards(course: Course) -> list:
    """The standards a course's hours count toward: those it names, and those of the
    application items it names."""
    ids = set(course.standards.values_list("pk", flat=True))
    ids |= set(course.items.values_list("standard_id", flat=True))
    return list(Standard.objects.filter(pk__in=ids))


def _attendance_add(
    *, offering: Offering, person: User, by: User, source: str, standards, request
) -> bool:
    attendance, created = Attendance.objects.get_or_create(
        offering=offering,
        user=person,
        defaults={"source": source, "recorded_by": by},
    )
    if not created:
        return False
    credit_add(
        user=person,
        hours=offering.course.hours,
        earned_on=timezone.localdate(offering.starts_at),
        course=offering.course,
        attendance=attendance,
        standards=standards,
    )
    audit_record(
        action="education.attendance_recorded",
        actor=by,
        obj=attendance,
        office=_owner_office(offering.course),
        request=request,
        person=person.pk,
        source=source,
        hours=str(offering.course.hours),
    )
    return True


def _attendance_drop(*, attendance: Attendance, by: User, request) -> None:
    credit = Credit.objects.filter(attendance=attendance).first()
    if credit is not None:
        credit_remove(credit=credit)
    audit_record(
        action="education.attendance_removed",
        actor=by,
        obj=attendance,
        office=_owner_office(attendance.offering.course),
        request=request,
        person=attendance.user_id,
    )
    attendance.delete()


@transaction.atomic
def attendance_record(
    *,
    offering: Offering,
    by: User,
    present=(),
    absent=(),
    source: str = Attendance.Source.LIST,
    request=None,
) -> tuple[int, int]:
    """Mark people present (attendance and its hours, through `credit_add`) or not
    present (both taken away, through `credit_remove`). Marking what is already so
    changes nothing; returns (added, removed)."""
    offering = (
        Offering.objects.select_for_update(of=("self",))
        .select_related("course", "course__office")
        .get(pk=offering.pk)
    )
    attendance_open(offering)
    standards = credit_standards(offering.course)
    added = sum(
        _attendance_add(
            offering=offering,
            person=person,
            by=by,
            source=source,
            standards=standards,
            request=request,
        )
        for person in present
    )
    absent_ids = [person.pk for person in absent]
    removed = 0
    for attendance in Attendance.objects.filter(
        offering=offering, user_id__in=absent_ids
    ).select_related("offering__course"):
        _attendance_drop(attendance=attendance, by=by, request=request)
        removed += 1
    return added, removed


def attendance_from_session(*, offering: Offering, by: User, request=None) -> tuple[int, int]:
    """Mark present everyone who checked in at the date's signing session."""
    if offering.signing_session_id is None:
        raise ValidationError(_("This course date is not tied to a signing session."))
    return attendance_record(
        offering=offering,
        by=by,
        present=session_checkins(offering),
        source=Attendance.Source.SESSION,
        request=request,
    )


@transaction.atomic
def calendar_feed_reset(*, user: User, request=None) -> CalendarFeed:
    """Make the person's calendar address, or replace it: the old one stops at once."""
    feed = CalendarFeed.objects.select_for_update(of=("self",)).filter(user=user).first()
    if feed is None:
        feed = CalendarFeed.objects.create(user=user)
        replaced = False
    else:
        feed.token = new_feed_token()
        feed.created_at = timezone.now()
        feed.save(update_fields=["token", "created_at"])
        replaced = True
    audit_own(action="education.calendar_feed_reset", user=user, request=request, replaced=replaced)
    return feed


def course_reminders_send(*, now: datetime.datetime | None = None, days: int | None = None) -> int:
    """Remind everyone registered for a course starting within `days` (default
    COURSE_REMINDER_DAYS_BEFORE). Each registration is claimed by a conditional update
    in its own transaction, so however often this runs, or however many run at once,
    nobody is reminded twice."""
    now = now or timezone.now()
    days = settings.COURSE_REMINDER_DAYS_BEFORE if days is None else days
    sent = 0
    for pk in due_reminders(now=now, days=days).values_list("pk", flat=True).iterator():
        with transaction.atomic():
            claimed = Registration.objects.filter(pk=pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if not claimed:
                continue
            registration = Registration.objects.select_related(
                "user", "offering", "offering__course"
            ).get(pk=pk)
            person = registration.user
            _email(
                person,
                "education/email/course_reminder",
                _offering_context(registration.offering, person),
            )
            membership = person.active_membership
            audit_record(
                action="education.course_reminder_sent",
                obj=registration,
                office=membership.office if membership is not None else None,
                person=person.pk,
            )
            sent += 1
    return sent


# --- self-reported training (D2) ---
#
# A person reports training taken elsewhere, with evidence; a manager of the office they
# reported from approves it (its hours enter the ledger through `credit_add`) or returns
# it with a note; the person corrects and sends it again, or withdraws it. An approval can
# be withdrawn, with a note: the hours leave the ledger through `credit_remove` and the
# report is returned. Every step locks the report, checks the version the page was loaded
# at (a second tab gets a clear refusal, not a second decision), raises the version, is
# audited and emails whom it concerns. A manager never decides their own report: another
# manager of the office does, and with none it waits (docs/education.md).

# Training completed longer ago than this is not taken as a self-report.
SELF_REPORT_MAX_AGE_YEARS = 10


class SelfReportRefused(Exception):
    """The action is not possible now; `status` is the HTTP answer (403: not this person's
    to do, 409: the report is no longer as the page showed it)."""

    def __init__(self, message: str, *, status: int = 409, report: SelfReport | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.report = report


def self_report_deciders(report: SelfReport) -> QuerySet[User]:
    """Who may decide the report: the current managers of its office, never its author."""
    return User.objects.filter(
        memberships__office_id=report.office_id,
        memberships__role=Membership.Role.MANAGER,
        memberships__ended_at__isnull=True,
        is_active=True,
    ).exclude(pk=report.user_id)


def self_report_may_decide(user: User, report: SelfReport) -> bool:
    membership = user.active_membership if user.is_authenticated else None
    return (
        membership is not None
        and membership.role == Membership.Role.MANAGER
        and membership.office_id == report.office_id
        and user.pk != report.user_id
    )


def _earliest_completion(today: datetime.date) -> datetime.date:
    try:
        return today.replace(year=today.year - SELF_REPORT_MAX_AGE_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year - SELF_REPORT_MAX_AGE_YEARS, day=28)


def _check_report(*, completed_on: datetime.date, hours: Decimal) -> None:
    """The rules a report's date and hours follow, as errors on those fields."""
    errors = {}
    today = timezone.localdate()
    if completed_on > today:
        errors["completed_on"] = _("The date is in the future. Report training once it is done.")
    elif completed_on < _earliest_completion(today):
        errors["completed_on"] = _(
            "Training completed more than %(years)d years ago cannot be reported."
        ) % {"years": SELF_REPORT_MAX_AGE_YEARS}
    if not (Decimal(0) < hours <= HOURS_MAX):
        errors["hours"] = _("Enter the hours: more than 0 and at most %(max)d.") % {
            "max": HOURS_MAX
        }
    if errors:
        raise ValidationError(errors)


def _lock_report(report: SelfReport) -> SelfReport:
    return (
        SelfReport.objects.select_for_update(of=("self",))
        .select_related("user", "office")
        .get(pk=report.pk)
    )


def _require_version(report: SelfReport, version: int) -> None:
    if report.version != version:
        raise SelfReportRefused(
            _(
                "This report changed after your page was loaded (it is now: %(state)s). "
                "Nothing was done. Look at it again before deciding."
            )
            % {"state": report.get_state_display().lower()},
            report=report,
        )


def _require_state(report: SelfReport, *states: str, message: str) -> None:
    if report.state not in states:
        raise SelfReportRefused(
            message % {"state": report.get_state_display().lower()}, report=report
        )


def _require_author(report: SelfReport, by: User) -> None:
    if report.user_id != by.pk:
        raise SelfReportRefused(
            _("Only the person who reported the training can change it."), status=403
        )


def _require_decider(report: SelfReport, by: User) -> None:
    if not self_report_may_decide(by, report):
        raise SelfReportRefused(
            _("Only another manager of the office can decide on this report."), status=403
        )


def _require_note(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what to correct or why: the note is required.")})
    return note


def _store_evidence(report: SelfReport, evidence: CheckedEvidence) -> str:
    """Keep the checked file under a random private name; the stored name."""
    report.evidence_type = evidence.content_type
    report.evidence_name = evidence.original_name
    report.evidence_size = evidence.size
    evidence.file.seek(0)
    report.evidence.save(f"evidence{evidence.extension}", evidence.file, save=False)
    return report.evidence.name


def _forget_file(name: str) -> None:
    if name:
        private_storage().delete(name)


def _audit_report(report: SelfReport, action: str, by: User, request, **details) -> None:
    audit_record(
        action=action,
        actor=by,
        obj=report,
        office=report.office,
        request=request,
        person=report.user_id,
        state=report.state,
        version=report.version,
        hours=str(report.hours),
        **details,
    )


def _email_report(report: SelfReport, template: str, recipients, *, by: User) -> None:
    """Email each recipient with an address, in their language; names as they may read them."""
    path = reverse("education:selfreport-detail", args=[report.pk])
    for person in recipients:
        if person is None or not person.email or person.pk == by.pk:
            continue
        send_templated_email(
            to=person.email,
            template=f"education/email/{template}",
            language=person.preferred_language,
            context={
                "recipient": person,
                "report": report,
                "person_name": shown_name(report.user, person, office_id=report.office_id),
                "by_name": shown_name(by, person, office_id=report.office_id),
                "note": report.note,
                "path": path,
            },
        )


def _with_standards(report: SelfReport, standards) -> None:
    report.standards.set(list(standards))


@transaction.atomic
def self_report_submit(
    *,
    user: User,
    title: str,
    provider: str,
    completed_on: datetime.date,
    hours: Decimal,
    evidence: CheckedEvidence,
    standards: Iterable = (),
    request=None,
) -> SelfReport:
    """Report training taken elsewhere, with checked evidence, to the office's managers."""
    membership = user.active_membership
    if membership is None:
        raise SelfReportRefused(
            _("Only a person who belongs to an office can report training."), status=403
        )
    _check_report(completed_on=completed_on, hours=hours)
    report = SelfReport(
        user=user,
        office=membership.office,
        title=title.strip(),
        provider=provider.strip(),
        completed_on=completed_on,
        hours=hours,
    )
    stored = _store_evidence(report, evidence)
    try:
        report.full_clean(exclude=["user", "office"], validate_constraints=False)
        report.save()
        _with_standards(report, standards)
    except Exception:
        _forget_file(stored)
        raise
    _audit_report(report, "education.self_report_submitted", user, request)
    _email_report(report, "selfreport_submitted", self_report_deciders(report), by=user)
    return report


@transaction.atomic
def self_report_resubmit(
    *,
    report: SelfReport,
    by: User,
    version: int,
    title: str,
    provider: str,
    completed_on: datetime.date,
    hours: Decimal,
    standards: Iterable = (),
    evidence: CheckedEvidence | None = None,
    request=None,
) -> SelfReport:
    """Correct a returned report and send it again (a new version); a new evidence file,
    when given, replaces the old one."""
    report = _lock_report(report)
    _require_author(report, by)
    _require_state(
        report,
        SelfReport.State.RETURNED,
        message=_("Only a returned report can be corrected; this one is %(state)s."),
    )
    _require_version(report, version)
    _check_report(completed_on=completed_on, hours=hours)
    report.title = title.strip()
    report.provider = provider.strip()
    report.completed_on = completed_on
    report.hours = hours
    report.state = SelfReport.State.SUBMITTED
    report.version += 1
    old_file = report.evidence.name
    stored = _store_evidence(report, evidence) if evidence is not None else ""
    try:
        report.full_clean(exclude=["user", "office"], validate_constraints=False)
        report.save()
        _with_standards(report, standards)
    except Exception:
        _forget_file(stored)
        raise
    if stored:
        transaction.on_commit(lambda: _forget_file(old_file))
    _audit_report(
        report,
        "education.self_report_resubmitted",
        by,
        request,
        evidence_replaced=bool(stored) or None,
    )
    _email_report(report, "selfreport_resubmitted", self_report_deciders(report), by=by)
    return report


@transaction.atomic
def self_report_withdraw(*, report: SelfReport, by: User, version: int, request=None):
    """The person takes back a report still waiting for a decision, or one returned."""
    report = _lock_report(report)
    _require_author(report, by)
    _require_state(
        report,
        SelfReport.State.SUBMITTED,
        SelfReport.State.RETURNED,
        message=_(
            "Only a report waiting for approval, or returned, can be withdrawn; "
            "this one is %(state)s."
        ),
    )
    _require_version(report, version)
    report.state = SelfReport.State.WITHDRAWN
    report.version += 1
    report.save(update_fields=["state", "version"])
    _audit_report(report, "education.self_report_withdrawn", by, request)
    return report


def _decide(report: SelfReport, by: User, state: str, note: str) -> None:
    report.state = state
    report.note = note
    report.decided_by = by
    report.decided_at = timezone.now()
    report.version += 1
    report.full_clean(
        exclude=["user", "office", "decided_by", "evidence"], validate_constraints=False
    )
    report.save(update_fields=["state", "note", "decided_by", "decided_at", "version"])


@transaction.atomic
def self_report_approve(
    *, report: SelfReport, by: User, version: int, note: str = "", request=None
) -> SelfReport:
    """Approve a waiting report: its hours enter the person's ledger, once."""
    report = _lock_report(report)
    _require_decider(report, by)
    _require_state(
        report,
        SelfReport.State.SUBMITTED,
        message=_("Only a report waiting for approval can be approved; this one is %(state)s."),
    )
    _require_version(report, version)
    _decide(report, by, SelfReport.State.APPROVED, (note or "").strip())
    credit = credit_add(
        user=report.user,
        hours=report.hours,
        earned_on=report.completed_on,
        self_report=report,
        standards=report.standards.all(),
    )
    _audit_report(
        report,
        "education.self_report_approved",
        by,
        request,
        credit=credit.pk,
        note=report.note or None,
    )
    _email_report(report, "selfreport_approved", [report.user], by=by)
    return report


@transaction.atomic
def self_report_return(
    *, report: SelfReport, by: User, version: int, note: str, request=None
) -> SelfReport:
    """Return a waiting report to its author with a note saying what to correct."""
    note = _require_note(note)
    report = _lock_report(report)
    _require_decider(report, by)
    _require_state(
        report,
        SelfReport.State.SUBMITTED,
        message=_("Only a report waiting for approval can be returned; this one is %(state)s."),
    )
    _require_version(report, version)
    _decide(report, by, SelfReport.State.RETURNED, note)
    _audit_report(report, "education.self_report_returned", by, request, note=note)
    _email_report(report, "selfreport_returned", [report.user], by=by)
    return report


@transaction.atomic
def self_report_reverse(
    *, report: SelfReport, by: User, version: int, note: str, request=None
) -> SelfReport:
    """Withdraw the approval of a report, saying why: its hours leave the ledger and the
    report goes back to its author, who may correct it and send it again."""
    note = _require_note(note)
    report = _lock_report(report)
    _require_decider(report, by)
    _require_state(
        report,
        SelfReport.State.APPROVED,
        message=_(
            "Only an approved report can have its approval withdrawn; this one is %(state)s."
        ),
    )
    _require_version(report, version)
    credit = Credit.objects.select_for_update(of=("self",)).filter(self_report=report).first()
    credit_id = credit.pk if credit is not None else None
    if credit is not None:
        credit_remove(credit=credit)
    _decide(report, by, SelfReport.State.RETURNED, note)
    _audit_report(
        report,
        "education.self_report_reversed",
        by,
        request,
        note=note,
        credit=credit_id,
    )
    _email_report(report, "selfreport_reversed", [report.user], by=by)
    return report


@transaction.atomic
def self_report_evidence_read(*, report: SelfReport, by: User, request=None) -> bytes:
    """The evidence file's bytes for a download, recorded in the audit trail."""
    with report.evidence.open("rb") as handle:
        data = handle.read()
    audit_record(
        action="education.evidence_downloaded",
        actor=by,
        obj=report,
        office=report.office,
        request=request,
        person=report.user_id,
    )
    return data


# --- certification programs (E) ---
# Programs, enrolments, each person's standing and the per-office summaries kept from it.
#
# `progress_changed(user=…)` is the one place a person's standing is computed: every write
# of hours (credit_add, credit_remove), an enrolment or a departure calls it in the same
# transaction. It recomputes the person's active enrolments from their ledger, records a
# completion for every period newly met (and withdraws one whose hours were taken away),
# and moves the person's counts in `ProgramOfficeSummary` by the difference between what
# was counted before (kept on the Enrollment) and what is counted now: only the rows of
# the offices concerned are touched, never the whole table.


class ProgramChanged(ValidationError):
    """The program was changed by someone else since the page was opened."""


@dataclass
class _Counted:
    """What one enrolment adds to its office's summary row."""

    office_id: int | None
    met: bool
    hours: Decimal


def _counted(enrollment: Enrollment) -> _Counted | None:
    if enrollment.ended_at is not None or enrollment.office_id is None:
        return None
    return _Counted(enrollment.office_id, enrollment.met, enrollment.hours)


def _summaries_move(deltas: dict) -> None:
    """Add (enrolled, completed, hours) to each (program, office) row, in a fixed order so
    that concurrent writers lock rows alike; a missing row is made first."""
    now = timezone.now()
    for (program_id, office_id), (enrolled, completed, hours) in sorted(deltas.items()):
        if not (enrolled or completed or hours):
            continue
        changes = {
            "enrolled": F("enrolled") + enrolled,
            "completed": F("completed") + completed,
            "hours": F("hours") + hours,
            "updated_at": now,
        }
        rows = ProgramOfficeSummary.objects.filter(program_id=program_id, office_id=office_id)
        if not rows.update(**changes):
            ProgramOfficeSummary.objects.bulk_create(
                [ProgramOfficeSummary(program_id=program_id, office_id=office_id)],
                ignore_conflicts=True,
            )
            rows.update(**changes)


def _delta(deltas: dict, program_id: int, counted: _Counted | None, sign: int) -> None:
    if counted is None:
        return
    key = (program_id, counted.office_id)
    enrolled, completed, hours = deltas.get(key, (0, 0, Decimal(0)))
    deltas[key] = (
        enrolled + sign,
        completed + (sign if counted.met else 0),
        hours + sign * counted.hours,
    )


def _completion_notify(completion: Completion) -> None:
    person = completion.user
    if person.email:
        send_templated_email(
            to=person.email,
            template="education/email/program_completed",
            context={
                "name": str(person),
                "program": completion.program.name,
                "period_start": completion.period_start,
                "period_end": completion.period_end,
                "program_url": settings.SITE_URL
                + reverse("education:program-detail", args=[completion.program_id]),
            },
            language=person.preferred_language,
        )


def _completions_update(
    enrollment: Enrollment, results: list, existing: dict, office: Office | None
) -> None:
    """A completion for every period met that has none; one withdrawn when its period is
    no longer met (hours taken off the ledger), reinstated when it is met again."""
    for result in results:
        found = existing.get(result.period.start)
        if result.met and found is None:
            try:
                with transaction.atomic():
                    completion = Completion.objects.create(
                        program=enrollment.program,
                        user=enrollment.user,
                        period_start=result.period.start,
                        period_end=result.period.end,
                        hours=result.hours,
                        code=new_verification_code(),
                    )
            except IntegrityError:
                continue  # recorded by a concurrent write: once per period, by the constraint
            audit_record(
                action="education.period_completed",
                actor=None,
                obj=completion,
                office=office,
                program=enrollment.program.name,
                period_start=str(result.period.start),
                period_end=str(result.period.end),
            )
            _completion_notify(completion)
        elif found is not None and result.met == (found.withdrawn_at is not None):
            found.withdrawn_at = None if result.met else timezone.now()
            found.save(update_fields=["withdrawn_at"])
            if not result.met:
                audit_record(
                    action="education.completion_withdrawn",
                    obj=found,
                    office=office,
                    program=enrollment.program.name,
                    period_start=str(result.period.start),
                )


def _standing_refresh(user: User, *, today: datetime.date | None = None) -> None:
    """Recompute the person's active enrolments and move the summary counts."""
    today = today or timezone.localdate()
    enrollments = list(
        Enrollment.objects.select_for_update(of=("self",))
        .filter(user=user, ended_at__isnull=True)
        .select_related("program", "user")
        .order_by("pk")
    )
    if not enrollments:
        return
    membership = (
        Membership.objects.filter(user=user, ended_at__isnull=True).select_related("office").first()
    )
    office = membership.office if membership is not None else None
    office_id = office.pk if office is not None else None
    program_ids = {e.program_id for e in enrollments}
    rules = selectors.program_requirements({e.program for e in enrollments}).rules
    credits = selectors.credit_lines(user.pk)
    existing: dict[int, dict] = {}
    for completion in Completion.objects.filter(user=user, program_id__in=program_ids):
        existing.setdefault(completion.program_id, {})[completion.period_start] = completion
    deltas: dict = {}
    for enrollment in enrollments:
        results = selectors.period_results(
            rules[enrollment.program_id], credits, enrollment.started_on, today
        )
        _completions_update(enrollment, results, existing.get(enrollment.program_id, {}), office)
        current, previous = results[-1], (results[-2] if len(results) > 1 else None)
        before = _counted(enrollment)
        enrollment.office_id = office_id
        enrollment.period_start = current.period.start
        enrollment.period_end = current.period.end
        enrollment.hours = current.hours
        enrollment.met = current.met
        enrollment.lapsed = previous is not None and not previous.met
        after = _counted(enrollment)
        enrollment.save(
            update_fields=["office", "period_start", "period_end", "hours", "met", "lapsed"]
        )
        _delta(deltas, enrollment.program_id, before, -1)
        _delta(deltas, enrollment.program_id, after, +1)
    _summaries_move(deltas)


@transaction.atomic
def progress_changed(*, user: User) -> None:
    """Recompute the person's standing in each program they are enrolled in, record the
    periods newly met, and update their office's program summaries (same transaction)."""
    _standing_refresh(user)


def _program_fields_check(*, association: Association, required_courses, required_standards):
    """Required courses must be the association's own; standards those of an edition."""
    foreign = [c for c in required_courses if c.association_id != association.pk]
    if foreign:
        raise ValidationError(
            {"required_courses": _("Choose only courses your association publishes.")}
        )


@transaction.atomic
def program_create(
    *,
    association: Association,
    by: User,
    name: str,
    description: str = "",
    hours_required: Decimal,
    period_months: int,
    required_courses=(),
    required_standards=(),
    request=None,
) -> Program:
    """Define a certification program for the association."""
    required_courses, required_standards = list(required_courses), list(required_standards)
    _program_fields_check(
        association=association,
        required_courses=required_courses,
        required_standards=required_standards,
    )
    if Program.objects.filter(association=association, name__iexact=name.strip()).exists():
        raise ValidationError({"name": _("Your association already has a program by this name.")})
    program = Program(
        association=association,
        name=name,
        description=description,
        hours_required=hours_required,
        period_months=period_months,
        created_by=by,
    )
    program.full_clean(validate_constraints=False)
    program.save()
    program.required_courses.set(required_courses)
    program.required_standards.set(required_standards)
    audit_record(
        action="education.program_created",
        actor=by,
        obj=program,
        request=request,
        association=association.name,
        hours_required=str(hours_required),
        period_months=period_months,
    )
    return program


PROGRAM_FIELDS = ("name", "description", "hours_required", "period_months")


@transaction.atomic
def program_update(
    *,
    program: Program,
    by: User,
    version: int,
    name: str,
    description: str = "",
    hours_required: Decimal,
    period_months: int,
    required_courses=(),
    required_standards=(),
    request=None,
) -> Program:
    """Change a program's definition; everyone enrolled is measured again by the new rules
    (in the background: a program may have many thousands of people)."""
    program = Program.objects.select_for_update(of=("self",)).get(pk=program.pk)
    if program.version != version:
        raise ProgramChanged(
            _(
                "Someone changed this program after you opened the page. Your changes were "
                "not saved: here is the program as it is now."
            )
        )
    required_courses, required_standards = list(required_courses), list(required_standards)
    _program_fields_check(
        association=program.association,
        required_courses=required_courses,
        required_standards=required_standards,
    )
    if (
        Program.objects.filter(association_id=program.association_id, name__iexact=name.strip())
        .exclude(pk=program.pk)
        .exists()
    ):
        raise ValidationError({"name": _("Your association already has a program by this name.")})
    values = {
        "name": name,
        "description": description,
        "hours_required": hours_required,
        "period_months": period_months,
    }
    changed = [field for field, value in values.items() if getattr(program, field) != value]
    old_courses = set(program.required_courses.values_list("pk", flat=True))
    old_standards = set(program.required_standards.values_list("pk", flat=True))
    if old_courses != {c.pk for c in required_courses}:
        changed.append("required_courses")
    if old_standards != {s.pk for s in required_standards}:
        changed.append("required_standards")
    if not changed:
        return program
    for field, value in values.items():
        setattr(program, field, value)
    program.version += 1
    program.full_clean(validate_constraints=False)
    program.save(update_fields=[*PROGRAM_FIELDS, "version"])
    program.required_courses.set(required_courses)
    program.required_standards.set(required_standards)
    audit_record(
        action="education.program_changed",
        actor=by,
        obj=program,
        request=request,
        fields=changed,
    )
    if set(changed) - {"name", "description"}:
        program_id = program.pk
        transaction.on_commit(lambda: program_recount_task.enqueue(program_id=program_id))
    return program


@transaction.atomic
def program_close(*, program: Program, by: User, request=None) -> Program:
    """Close the program to new enrolments; those enrolled carry on."""
    program = Program.objects.select_for_update(of=("self",)).get(pk=program.pk)
    if program.is_active:
        program.is_active = False
        program.version += 1
        program.save(update_fields=["is_active", "version"])
        audit_record(action="education.program_closed", actor=by, obj=program, request=request)
    return program


def program_recount(*, program: Program, batch: int = 200) -> int:
    """Measure everyone enrolled in the program again (after its rules changed), a few
    people per transaction; returns how many."""
    user_ids = list(
        Enrollment.objects.filter(program=program, ended_at__isnull=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    for start in range(0, len(user_ids), batch):
        with transaction.atomic():
            for user in User.objects.filter(pk__in=user_ids[start : start + batch]):
                _standing_refresh(user)
    return len(user_ids)


@task()
def program_recount_task(*, program_id: int) -> int:
    """In the background: measure everyone enrolled in a program again."""
    program = Program.objects.filter(pk=program_id).first()
    return program_recount(program=program) if program is not None else 0


def can_enrol_in(user: User, program: Program) -> bool:
    """An open program of an association the person's office is a member of."""
    membership = user.active_membership if user.is_authenticated else None
    return (
        program.is_active
        and membership is not None
        and program.association.offices.filter(pk=membership.office_id).exists()
    )


@transaction.atomic
def enrol(
    *, user: User, program: Program, started_on: datetime.date | None = None, request=None
) -> Enrollment:
    """Enrol the person in the program, periods counted from `started_on` (today by
    default). Enrolling again while enrolled returns the enrolment there is."""
    today = timezone.localdate()
    started_on = started_on or today
    # Read as it is now (closed since the page was shown?), and kept so until this commits.
    program = (
        Program.objects.select_for_update(of=("self",))
        .select_related("association")
        .get(pk=program.pk)
    )
    current = Enrollment.objects.filter(user=user, program=program, ended_at__isnull=True).first()
    if current is not None:
        return current
    if not can_enrol_in(user, program):
        raise ValidationError(
            _(
                "This program is not open to you: it is closed, or your office is not a "
                "member of its association."
            )
        )
    if started_on > today:
        raise ValidationError({"started_on": _("The start cannot be in the future.")})
    if started_on < today - datetime.timedelta(days=366 * 10):
        raise ValidationError({"started_on": _("The start can be at most ten years ago.")})
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(
                user=user, program=program, started_on=started_on
            )
    except IntegrityError:
        # The same enrolment sent twice at once: the first one stands.
        return Enrollment.objects.get(user=user, program=program, ended_at__isnull=True)
    audit_own(
        action="education.enrolled",
        user=user,
        request=request,
        program=program.name,
        started_on=str(started_on),
    )
    _standing_refresh(user)
    enrollment.refresh_from_db()
    return enrollment


@transaction.atomic
def enrolment_leave(*, enrollment: Enrollment, by: User, request=None) -> Enrollment:
    """The person leaves the program: they are no longer counted; their completions stay."""
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("program")
        .get(pk=enrollment.pk)
    )
    if enrollment.ended_at is not None:
        return enrollment
    deltas: dict = {}
    _delta(deltas, enrollment.program_id, _counted(enrollment), -1)
    enrollment.ended_at = timezone.now()
    enrollment.save(update_fields=["ended_at"])
    _summaries_move(deltas)
    audit_own(
        action="education.enrolment_left",
        user=by,
        request=request,
        program=enrollment.program.name,
    )
    return enrollment


def standings_roll(*, today: datetime.date | None = None) -> int:
    """The daily move: everyone whose kept period has ended, or whose office changed since
    they were counted, is measured again (one person per transaction); returns how many.

    A period ends without any write; a person moves office in accounts, which knows
    nothing of programs. Until this runs, the pages read such a period as it ended
    (`selectors.standing_of`)."""
    today = today or timezone.localdate()
    current_office = Membership.objects.filter(
        user=OuterRef("user_id"), ended_at__isnull=True
    ).values("office_id")[:1]
    due = (
        Enrollment.objects.filter(ended_at__isnull=True)
        .annotate(current_office=Subquery(current_office))
        .filter(
            Q(period_end__lt=today)
            | Q(period_end__isnull=True)
            | ~Q(office_id=F("current_office"))
            | Q(office__isnull=True, current_office__isnull=False)
            | Q(office__isnull=False, current_office__isnull=True)
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
    count = 0
    for user_id in list(due):
        with transaction.atomic():
            _standing_refresh(User.objects.get(pk=user_id), today=today)
        count += 1
    return count


@transaction.atomic
def program_summaries_rebuild(*, today: datetime.date | None = None) -> int:
    """Recompute every active enrolment from the ledger and every summary row from the
    enrolments, from scratch; returns the number of rows written."""
    today = today or timezone.localdate()
    user_ids = (
        Enrollment.objects.filter(ended_at__isnull=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
    for user in User.objects.filter(pk__in=list(user_ids)).iterator():
        _standing_refresh(user, today=today)
    return program_summaries_from_standings()


@transaction.atomic
def program_summaries_from_standings() -> int:
    """Every summary row again from the enrolments' kept standing (one GROUP BY); the
    second half of a rebuild, and how the benchmark builds them at scale."""
    ProgramOfficeSummary.objects.all().delete()
    rows = (
        Enrollment.objects.filter(ended_at__isnull=True, office__isnull=False)
        .values("program_id", "office_id")
        .annotate(
            n=Count("pk"),
            met_n=Count("pk", filter=Q(met=True)),
            hours_sum=Sum("hours"),
        )
        .order_by()
    )
    now = timezone.now()
    created = ProgramOfficeSummary.objects.bulk_create(
        [
            ProgramOfficeSummary(
                program_id=row["program_id"],
                office_id=row["office_id"],
                enrolled=row["n"],
                completed=row["met_n"],
                hours=row["hours_sum"] or 0,
                updated_at=now,
            )
            for row in rows
        ],
        batch_size=1000,
    )
    return len(created)


def lapse_reminders_send(*, today: datetime.date | None = None, days: int | None = None) -> int:
    """Write to everyone whose current period ends within `days` and is not yet met; each
    person once per period (the claim on the enrolment is a conditional update, so two
    runs at once send one). Returns how many were sent."""
    today = today or timezone.localdate()
    days = settings.EDUCATION_LAPSE_REMINDER_DAYS if days is None else days
    until = today + datetime.timedelta(days=days)
    due = (
        Enrollment.objects.filter(
            ended_at__isnull=True,
            met=False,
            period_end__gte=today,
            period_end__lte=until,
        )
        .exclude(lapse_reminded_for=F("period_end"))
        .filter(user__email__isnull=False, user__is_active=True)
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    sent = 0
    for pk in list(due):
        with transaction.atomic():
            enrollment = (
                Enrollment.objects.select_for_update(of=("self",))
                .select_related("program", "user", "office")
                .filter(pk=pk, ended_at__isnull=True, met=False)
                .exclude(lapse_reminded_for=F("period_end"))
                .first()
            )
            if enrollment is None or enrollment.period_end is None:
                continue
            claimed = (
                Enrollment.objects.filter(pk=pk)
                .exclude(lapse_reminded_for=enrollment.period_end)
                .update(lapse_reminded_for=enrollment.period_end)
            )
            if not claimed:
                continue
            progress = selectors.program_progress(enrollment, today=today)
            person = enrollment.user
            send_templated_email(
                to=person.email,
                template="education/email/lapse_reminder",
                context={
                    "name": str(person),
                    "program": enrollment.program.name,
                    "lapses_on": enrollment.period_end,
                    "hours_missing": progress.current.hours_missing,
                    "courses_missing": [str(c) for c in progress.courses_missing(progress.current)],
                    "standards_missing": [
                        str(s) for s in progress.standards_missing(progress.current)
                    ],
                    "program_url": settings.SITE_URL
                    + reverse("education:program-detail", args=[enrollment.program_id]),
                },
                language=person.preferred_language,
            )
            audit_record(
                action="education.lapse_reminder_sent",
                obj=enrollment,
                office=enrollment.office,
                program=enrollment.program.name,
                lapses_on=str(enrollment.period_end),
            )
            sent += 1
    return sent


@transaction.atomic
def completion_downloaded(*, completion: Completion, by: User, request=None) -> None:
    """Record that a certificate of completion was downloaded."""
    membership = completion.user.active_membership
    audit_record(
        action="education.completion_downloaded",
        actor=by,
        obj=completion,
        office=membership.office if membership is not None else None,
        request=request,
        program=completion.program.name,
    )
