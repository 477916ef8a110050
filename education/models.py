"""Continuing education: courses, offerings, registrations, attendance, self-reported
training and the ledger of hours earned (docs/education.md).

Hours count only through `Credit`: one row per attendance or approved self-report, each
source unique, so no training is ever counted twice.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.text import validate_name_text, validate_visible_text

from .evidence import evidence_path, private_storage

TITLE_MAX = 200
DESCRIPTION_MAX = 4000
NOTE_MAX = 2000
# The most hours one course or one self-report may carry: a week of full days.
HOURS_MAX = 80


def owner_constraint(name: str) -> models.CheckConstraint:
    """Exactly one owner: an office or an association."""
    return models.CheckConstraint(
        condition=(Q(office__isnull=False) & Q(association__isnull=True))
        | (Q(office__isnull=True) & Q(association__isnull=False)),
        name=name,
    )


def hours_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(hours__gt=0) & Q(hours__lte=HOURS_MAX), name=name)


class Course(models.Model):
    """A course an office or an association publishes, tied to the standards and
    application items it addresses."""

    class Format(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")
        CONFERENCE = "conference", _("Conference session")

    office = models.ForeignKey(
        "accounts.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("office"),
    )
    association = models.ForeignKey(
        "accounts.Association",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("association"),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX, validators=[validate_name_text])
    provider = models.CharField(
        _("provider"), max_length=TITLE_MAX, validators=[validate_name_text]
    )
    description = models.TextField(
        _("description"),
        max_length=DESCRIPTION_MAX,
        blank=True,
        validators=[validate_visible_text],
    )
    format = models.CharField(_("format"), max_length=16, choices=Format.choices)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)
    # Continuing-education units as the provider states them (often hours ÷ 10), shown
    # beside the hours; programs count hours.
    ceus = models.DecimalField(_("CEUs"), max_digits=5, decimal_places=2, null=True, blank=True)
    standards = models.ManyToManyField(
        "pledges.Standard", blank=True, related_name="+", verbose_name=_("standards")
    )
    items = models.ManyToManyField(
        "pledges.ApplicationItem",
        blank=True,
        related_name="+",
        verbose_name=_("application items"),
    )
    is_active = models.BooleanField(_("offered"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Raised by every change: an edit made from an older copy of the page is refused.
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title", "id"]
        constraints = [
            owner_constraint("course_one_owner"),
            hours_constraint("course_hours_range"),
            models.CheckConstraint(
                condition=Q(ceus__isnull=True) | Q(ceus__gt=0), name="course_ceus_positive"
            ),
            # A CSV import run twice adds nothing: one title per provider and owner.
            models.UniqueConstraint(
                "office",
                Lower("title"),
                Lower("provider"),
                condition=Q(office__isnull=False),
                name="course_office_title_unique",
            ),
            models.UniqueConstraint(
                "association",
                Lower("title"),
                Lower("provider"),
                condition=Q(association__isnull=False),
                name="course_association_title_unique",
            ),
        ]

    def __str__(self):
        return self.title


class Offering(models.Model):
    """One run of a course: when, where, how many seats."""

    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="offerings", verbose_name=_("course")
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(
        _("place"), max_length=TITLE_MAX, blank=True, validators=[validate_visible_text]
    )
    # Empty means no limit.
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("trainer"),
    )
    # The signing session held at this course date, if any: whoever checked in there can
    # be marked present in one step.
    signing_session = models.ForeignKey(
        "signing.SigningSession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signing session"),
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Raised by every change: an edit made from an older copy of the page is refused.
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("course offering")
        verbose_name_plural = _("course offerings")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["starts_at"], name="offering_starts_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="offering_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gt=0),
                name="offering_capacity_positive",
            ),
        ]

    def __str__(self):
        return f"{self.course} · {self.starts_at:%Y-%m-%d}"


class Registration(models.Model):
    """A person's seat in an offering. Cancelled registrations are kept."""

    offering = models.ForeignKey(
        Offering,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("offering"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="course_registrations",
        verbose_name=_("person"),
    )
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # Set when the reminder before the course was sent: none is sent twice.
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["offering", "registered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["offering", "user"],
                condition=Q(cancelled_at__isnull=True),
                name="registration_one_active",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.offering}"


class Attendance(models.Model):
    """A trainer's record that a person was present at an offering."""

    class Source(models.TextChoices):
        LIST = "list", _("Attendance list")
        SESSION = "session", _("Signing-session check-in")

    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="attendance", verbose_name=_("offering")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="course_attendance",
        verbose_name=_("person"),
    )
    source = models.CharField(_("recorded from"), max_length=16, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["offering", "user"]
        constraints = [
            models.UniqueConstraint(fields=["offering", "user"], name="attendance_once"),
        ]

    def __str__(self):
        return f"{self.user} · {self.offering}"


class SelfReport(models.Model):
    """Training a person took outside the portal's courses, with evidence, for their
    manager to approve or return with a note."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="training_reports",
        verbose_name=_("person"),
    )
    # The office the person belonged to when reporting: its manager decides.
    office = models.ForeignKey(
        "accounts.Office", on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    title = models.CharField(_("training"), max_length=TITLE_MAX, validators=[validate_name_text])
    provider = models.CharField(
        _("provider"), max_length=TITLE_MAX, validators=[validate_name_text]
    )
    completed_on = models.DateField(_("completed on"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)
    standards = models.ManyToManyField(
        "pledges.Standard", blank=True, related_name="+", verbose_name=_("standards")
    )
    # The evidence (PDF or image), kept in private storage under a random name, never
    # served directly (education.evidence).
    evidence = models.FileField(
        _("evidence"), upload_to=evidence_path, storage=private_storage, max_length=200
    )
    evidence_name = models.CharField(_("evidence file name"), max_length=200)
    evidence_type = models.CharField(_("evidence type"), max_length=64)
    evidence_size = models.PositiveIntegerField(_("evidence size"))
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.SUBMITTED
    )
    note = models.TextField(
        _("note"), max_length=NOTE_MAX, blank=True, validators=[validate_visible_text]
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("reported"), default=timezone.now)

    class Meta:
        verbose_name = _("self-reported training")
        verbose_name_plural = _("self-reported training")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["office", "state"], name="selfreport_office_state_idx")]
        constraints = [
            hours_constraint("selfreport_hours_range"),
            models.CheckConstraint(
                condition=Q(state__in=["submitted", "approved", "returned", "withdrawn"]),
                name="selfreport_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(state="submitted") | Q(state="withdrawn") | Q(decided_at__isnull=False),
                name="selfreport_decision_recorded",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.title}"


class Credit(models.Model):
    """Hours earned: one row per attendance or approved self-report, never two."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="training_credits",
        verbose_name=_("person"),
    )
    # The office the person belonged to when earning them (for office and association
    # figures); empty for someone without an office.
    office = models.ForeignKey(
        "accounts.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("office"),
    )
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)
    earned_on = models.DateField(_("earned on"))
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attendance = models.OneToOneField(
        Attendance, on_delete=models.PROTECT, null=True, blank=True, related_name="credit"
    )
    self_report = models.OneToOneField(
        SelfReport, on_delete=models.PROTECT, null=True, blank=True, related_name="credit"
    )
    standards = models.ManyToManyField(
        "pledges.Standard", blank=True, related_name="+", verbose_name=_("standards")
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("training credit")
        verbose_name_plural = _("training credits")
        ordering = ["user", "earned_on", "id"]
        indexes = [models.Index(fields=["user", "earned_on"], name="credit_user_earned_idx")]
        constraints = [
            hours_constraint("credit_hours_range"),
            models.CheckConstraint(
                condition=(Q(attendance__isnull=False) & Q(self_report__isnull=True))
                | (Q(attendance__isnull=True) & Q(self_report__isnull=False)),
                name="credit_one_source",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.hours} h · {self.earned_on}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """The unguessable address of a person's calendar of upcoming courses; the person
    can replace it, which stops the old address at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return f"{self.user} · calendar"


class Program(models.Model):
    """An association's certification program: hours per period, required courses and
    the standards the training must cover."""

    association = models.ForeignKey(
        "accounts.Association",
        on_delete=models.PROTECT,
        related_name="programs",
        verbose_name=_("association"),
    )
    name = models.CharField(_("name"), max_length=TITLE_MAX, validators=[validate_name_text])
    description = models.TextField(
        _("description"),
        max_length=DESCRIPTION_MAX,
        blank=True,
        validators=[validate_visible_text],
    )
    hours_required = models.DecimalField(_("hours required"), max_digits=6, decimal_places=2)
    period_months = models.PositiveSmallIntegerField(_("period (months)"))
    required_courses = models.ManyToManyField(
        Course, blank=True, related_name="+", verbose_name=_("required courses")
    )
    required_standards = models.ManyToManyField(
        "pledges.Standard", blank=True, related_name="+", verbose_name=_("standards to cover")
    )
    is_active = models.BooleanField(_("open for enrolment"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Raised by every change: an edit sent from a page older than the last change is refused.
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("certification program")
        verbose_name_plural = _("certification programs")
        ordering = ["association", "name"]
        constraints = [
            models.UniqueConstraint(
                "association", Lower("name"), name="program_association_name_unique"
            ),
            models.CheckConstraint(
                condition=Q(hours_required__gt=0) & Q(hours_required__lte=1000),
                name="program_hours_range",
            ),
            models.CheckConstraint(
                condition=Q(period_months__gte=1) & Q(period_months__lte=120),
                name="program_period_range",
            ),
        ]

    def __str__(self):
        return self.name


class Enrollment(models.Model):
    """A person in a program. Periods are counted from `started_on`."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("program")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="program_enrollments",
        verbose_name=_("person"),
    )
    started_on = models.DateField(_("started on"))
    ended_at = models.DateTimeField(_("left"), null=True, blank=True)
    # The end of the period the lapse reminder was sent for: none is sent twice.
    lapse_reminded_for = models.DateField(_("lapse reminder sent for"), null=True, blank=True)
    # The person's standing as last computed (`services.progress_changed`): the current
    # period, its hours, whether it is met, whether the one before lapsed, and the office
    # it is counted in (`ProgramOfficeSummary`). Kept so that the office's and the
    # association's pages read rows, not every credit, and so that a change of office or
    # of period moves exactly what was counted.
    office = models.ForeignKey(
        "accounts.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("counted in office"),
    )
    period_start = models.DateField(_("current period from"), null=True, blank=True)
    period_end = models.DateField(_("current period until"), null=True, blank=True)
    hours = models.DecimalField(
        _("hours in the current period"), max_digits=8, decimal_places=2, default=0
    )
    met = models.BooleanField(_("current period met"), default=False)
    lapsed = models.BooleanField(_("previous period lapsed"), default=False)

    class Meta:
        verbose_name = _("program enrolment")
        verbose_name_plural = _("program enrolments")
        ordering = ["program", "user"]
        indexes = [
            models.Index(fields=["program", "office", "ended_at"], name="enrollment_office_idx"),
            models.Index(fields=["ended_at", "period_end"], name="enrollment_period_end_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "user"],
                condition=Q(ended_at__isnull=True),
                name="enrollment_one_active",
            ),
            models.CheckConstraint(
                condition=Q(period_end__isnull=True) | Q(period_end__gte=F("period_start")),
                name="enrollment_period_order",
            ),
            models.CheckConstraint(condition=Q(hours__gte=0), name="enrollment_hours_positive"),
        ]

    def __str__(self):
        return f"{self.user} · {self.program}"


class Completion(models.Model):
    """A program period whose requirements a person met; its certificate of completion
    is checked at the verification address by `code`."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="completions", verbose_name=_("program")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="program_completions",
        verbose_name=_("person"),
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2)
    code = models.CharField(_("verification code"), max_length=32, unique=True)
    completed_at = models.DateTimeField(_("completed"), default=timezone.now)
    # Set when hours behind the completion were taken off the ledger (a self-report's
    # approval reversed) and the period is no longer met; cleared if it is met again.
    # The verification page then says the certificate no longer stands.
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("program completion")
        verbose_name_plural = _("program completions")
        ordering = ["-completed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "user", "period_start"], name="completion_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=F("period_start")), name="completion_period_order"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.program} · {self.period_start}"


class ProgramOfficeSummary(models.Model):
    """Counts per program and office, kept up to date by every write that changes them,
    so the association's progress view over many thousands of people reads a few rows."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    enrolled = models.PositiveIntegerField(_("enrolled"), default=0)
    completed = models.PositiveIntegerField(_("met the current period"), default=0)
    hours = models.DecimalField(
        _("hours in the current periods"), max_digits=12, decimal_places=2, default=0
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("program summary per office")
        verbose_name_plural = _("program summaries per office")
        constraints = [
            models.UniqueConstraint(fields=["program", "office"], name="program_summary_unique"),
        ]

    def __str__(self):
        return f"{self.program} · {self.office}"


class CourseImport(models.Model):
    """A parsed course CSV awaiting its publisher's confirmation; kept server-side, so
    what is confirmed is exactly what was previewed."""

    office = models.ForeignKey(
        "accounts.Office", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    association = models.ForeignKey(
        "accounts.Association",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    rows = models.JSONField(_("rows"), default=list)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("course import")
        verbose_name_plural = _("course imports")
        ordering = ["-created_at"]
        constraints = [owner_constraint("course_import_one_owner")]

    def __str__(self):
        return self.filename or self.sha256[:12]
