"""Summaries the reports read instead of every answer, kept up to date by the services.

An assessment counts in the summaries while it is submitted or accepted (see
`services.COUNTED_STATES`); its answers cannot change in those states, so what is
removed when it leaves them is exactly what was added when it entered.
"""

from django.db import models
from django.db.models import Q
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
