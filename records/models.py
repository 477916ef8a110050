"""Retention policies, legal holds and records-request bundles."""

import calendar
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# --- Retention schedules and legal holds (docs/records.md) -------------------------------

# 52 U.S.C. 20701 keeps records relating to a federal election for 22 months after it.
FEDERAL_FLOOR_MONTHS = 22
# The longest 22 calendar months can be, for a period counted in days.
FEDERAL_FLOOR_DAYS = 672


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same time of day `months` calendar months earlier (the 31st becomes the 30th…)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


class RetentionPolicy(models.Model):
    """How long one kind of record is kept before `apply_retention` erases it."""

    class RecordType(models.TextChoices):
        SIGN_IN_EVIDENCE = "sign_in_evidence", _("Sign-in evidence (IP address and browser)")
        AUDIT_ENTRIES = "audit_entries", _("Audit entries")
        INVITATIONS = "invitations", _("Invitations")
        REPORT_FILES = "report_files", _("Report PDFs prepared in the background")
        LEAVERS_ASSESSMENTS = "leavers_assessments", _("Assessments of people who left")

    class Unit(models.TextChoices):
        DAYS = "days", _("days")
        MONTHS = "months", _("months")

    # The defaults and where the federal floor applies: docs/records.md explains each.
    DEFAULTS = {
        RecordType.SIGN_IN_EVIDENCE: (36, Unit.MONTHS),
        RecordType.AUDIT_ENTRIES: (84, Unit.MONTHS),
        RecordType.INVITATIONS: (90, Unit.DAYS),
        RecordType.REPORT_FILES: (30, Unit.DAYS),
        RecordType.LEAVERS_ASSESSMENTS: (24, Unit.MONTHS),
    }
    FEDERAL_FLOOR_APPLIES = {RecordType.SIGN_IN_EVIDENCE, RecordType.AUDIT_ENTRIES}

    record_type = models.CharField(
        _("kind of record"), max_length=32, choices=RecordType.choices, unique=True
    )
    period = models.PositiveIntegerField(_("kept for"))
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)

    class Meta:
        verbose_name = _("retention period")
        verbose_name_plural = _("retention periods")
        ordering = ["record_type"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__in=["days", "months"]), name="retention_unit_valid"
            ),
            models.CheckConstraint(condition=Q(period__gte=1), name="retention_period_positive"),
        ]

    def __str__(self):
        return f"{self.get_record_type_display()}: {self.period} {self.get_unit_display()}"

    @property
    def federal_floor_applies(self) -> bool:
        return self.record_type in self.FEDERAL_FLOOR_APPLIES

    def cutoff(self, now: datetime.datetime) -> datetime.datetime:
        """Records whose retention clock started before this moment have passed the period."""
        if self.unit == self.Unit.MONTHS:
            return months_before(now, self.period)
        return now - datetime.timedelta(days=self.period)

    def clean(self):
        if not self.federal_floor_applies or not self.period:
            return
        below = (
            self.period < FEDERAL_FLOOR_MONTHS
            if self.unit == self.Unit.MONTHS
            else self.period < FEDERAL_FLOOR_DAYS
        )
        if below:
            raise ValidationError(
                {
                    "period": _(
                        "Federal law (52 U.S.C. 20701) keeps these records for at least 22 "
                        "months (%(days)s days)."
                    )
                    % {"days": FEDERAL_FLOOR_DAYS}
                }
            )


class LegalHoldQuerySet(models.QuerySet):
    def active(self):
        return self.filter(lifted_at__isnull=True)


class LegalHold(models.Model):
    """Stops retention from erasing anything it covers until it is lifted.

    Its scope is an office, a person, a date range, or a combination (all must match).
    """

    office = models.ForeignKey(
        "accounts.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("office"),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    starts_on = models.DateField(_("records from"), null=True, blank=True)
    ends_on = models.DateField(_("records until"), null=True, blank=True)
    reason = models.TextField(_("reason"), max_length=2000)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("placed by"),
    )
    placed_at = models.DateTimeField(_("placed"), default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lift_reason = models.TextField(_("why it was lifted"), max_length=2000, blank=True)

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(office__isnull=False)
                | Q(person__isnull=False)
                | Q(starts_on__isnull=False)
                | Q(ends_on__isnull=False),
                name="legal_hold_has_scope",
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="legal_hold_range_in_order",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="legal_hold_has_reason"),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True, lifted_by__isnull=True, lift_reason="")
                | Q(lifted_at__isnull=False, lifted_by__isnull=False) & ~Q(lift_reason=""),
                name="legal_hold_lifted_with_reason",
            ),
        ]

    def __str__(self):
        parts = [str(part) for part in (self.office, self.person) if part is not None]
        if self.starts_on or self.ends_on:
            parts.append(f"{self.starts_on or '…'} to {self.ends_on or '…'}")
        return " · ".join(parts) or str(self.pk)

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None

    def clean(self):
        if not (self.office_id or self.person_id or self.starts_on or self.ends_on):
            raise ValidationError(
                _("A hold needs a scope: an office, a person, a date range, or several.")
            )
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The range ends before it starts.")})


# --- Records-request bundles (docs/records.md) -------------------------------------------


class RecordsBundle(models.Model):
    """A ZIP of an office's records prepared in the background to answer a records request.

    Its scope is the office, narrowed to a person, a date range or both. The file is kept
    until `expires_at`, then deleted by `bundles_expire`; the row stays as a record of it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    office = models.ForeignKey(
        "accounts.Office", on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    starts_on = models.DateField(_("records from"), null=True, blank=True)
    ends_on = models.DateField(_("records until"), null=True, blank=True)
    redact_email = models.BooleanField(_("email addresses redacted"), default=True)
    redact_ip_address = models.BooleanField(_("IP addresses redacted"), default=True)
    redact_browser = models.BooleanField(_("browsers redacted"), default=True)
    redact_confidential = models.BooleanField(_("confidential participants redacted"), default=True)
    request_reference = models.CharField(_("request reference"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("prepared by"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    content = models.BinaryField(_("content"), blank=True, default=b"")
    sha256 = models.CharField(_("SHA-256 of the ZIP"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        verbose_name = _("records bundle")
        verbose_name_plural = _("records bundles")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["office", "-created_at"], name="bundle_office_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="bundle_range_in_order",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "ready", "failed", "expired"]),
                name="bundle_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.office} · {self.created_at:%Y-%m-%d} ({self.status})"

    @property
    def redactions(self) -> list[str]:
        """The redaction choices applied, by name (the manifest lists them)."""
        chosen = {
            "email": self.redact_email,
            "ip_address": self.redact_ip_address,
            "browser": self.redact_browser,
            "confidential_participants": self.redact_confidential,
        }
        return [name for name, on in chosen.items() if on]

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The range ends before it starts.")})
