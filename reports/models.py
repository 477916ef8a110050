"""Report PDFs prepared in the background. The summaries the reports read are kept by
assessments (`assessments.models.ItemSummary`), which writes them with every answer."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
