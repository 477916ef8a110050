"""Summaries the reports read instead of every answer, kept up to date by the services.

An assessment counts in the summaries while it is submitted or accepted (see
`services.COUNTED_STATES`); its answers cannot change in those states, so what is
removed when it leaves them is exactly what was added when it entered.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The rating values kept as separate counts: the published scale runs from 1 to 4.
SUMMARY_VALUES = (1, 2, 3, 4)


class ItemSummary(models.Model):
    """Counts of each rating of one item among an office's counted assessments in a cycle."""

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    cycle = models.ForeignKey("pledges.Cycle", on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey("pledges.ApplicationItem", on_delete=models.CASCADE, related_name="+")
    count_1 = models.PositiveIntegerField(_("rated 1"), default=0)
    count_2 = models.PositiveIntegerField(_("rated 2"), default=0)
    count_3 = models.PositiveIntegerField(_("rated 3"), default=0)
    count_4 = models.PositiveIntegerField(_("rated 4"), default=0)
    count_na = models.PositiveIntegerField(_("not applicable"), default=0)
    respondents = models.PositiveIntegerField(_("respondents"), default=0)

    class Meta:
        verbose_name = _("item summary")
        verbose_name_plural = _("item summaries")
        constraints = [
            models.UniqueConstraint(fields=["office", "cycle", "item"], name="item_summary_unique"),
            models.CheckConstraint(
                condition=Q(
                    respondents__gte=models.F("count_1")
                    + models.F("count_2")
                    + models.F("count_3")
                    + models.F("count_4")
                    + models.F("count_na")
                ),
                name="item_summary_counts_within_respondents",
            ),
        ]
        indexes = [models.Index(fields=["cycle", "office"], name="item_summary_cycle_idx")]

    def __str__(self):
        return f"{self.office_id}/{self.cycle_id}/{self.item_id}: {self.respondents}"


class ParticipationSummary(models.Model):
    """How many of an office's assessments in a cycle are counted, and how many accepted."""

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    cycle = models.ForeignKey("pledges.Cycle", on_delete=models.CASCADE, related_name="+")
    submitted = models.PositiveIntegerField(_("submitted or accepted"), default=0)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)

    class Meta:
        verbose_name = _("participation summary")
        verbose_name_plural = _("participation summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "cycle"], name="participation_summary_unique"
            ),
            models.CheckConstraint(
                condition=Q(submitted__gte=models.F("accepted")),
                name="participation_accepted_within_submitted",
            ),
        ]
        indexes = [models.Index(fields=["cycle", "office"], name="participation_cycle_idx")]

    def __str__(self):
        return f"{self.office_id}/{self.cycle_id}: {self.submitted} ({self.accepted})"


class ReportFile(models.Model):
    """A report PDF prepared in the background for the person who asked for it."""

    class Kind(models.TextChoices):
        OFFICE = "office", _("Office report")
        ASSOCIATION = "association", _("Association report")

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    office = models.ForeignKey(
        "accounts.Office", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    association = models.ForeignKey(
        "accounts.Association", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    cycle = models.ForeignKey("pledges.Cycle", on_delete=models.CASCADE, related_name="+")
    team_lead = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    identified = models.BooleanField(_("names people"), default=False)
    language = models.CharField(_("language"), max_length=8, default="en")
    requested_by = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    content = models.BinaryField(_("content"), blank=True, default=b"")
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("report file")
        verbose_name_plural = _("report files")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "kind", "cycle"], name="report_file_lookup_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="office", office__isnull=False, association__isnull=True)
                | Q(kind="association", association__isnull=False, office__isnull=True),
                name="report_file_office_xor_association",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "ready", "failed"]),
                name="report_file_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.cycle_id} ({self.status})"

    def is_stalled(self, now=None) -> bool:
        """Still pending long after it was queued: its worker stopped before finishing."""
        limit = datetime.timedelta(seconds=settings.REPORT_FILE_TIMEOUT)
        return (
            self.status == self.Status.PENDING and (now or timezone.now()) - self.queued_at > limit
        )
