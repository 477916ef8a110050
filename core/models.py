"""What core keeps in the database: the submissions already saved."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SubmissionToken(models.Model):
    """A form submission that was saved, and the page its answer led to (core.submissions)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    token = models.UUIDField(_("token"))
    redirect_to = models.CharField(_("answered with"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("saved at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("saved submission")
        verbose_name_plural = _("saved submissions")
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="core_submission_token_once"),
        ]

    def __str__(self):
        return str(self.token)
