from django.db import models

GENERATION_ID = 1


class Generation(models.Model):
    """One row: a number raised after every committed write to the database.

    Cached pages are keyed by it (see `freshness`), so a page is never served from before
    the latest write, in this process or any other.
    """

    value = models.BigIntegerField(default=1)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=GENERATION_ID), name="one_generation")
        ]

    def __str__(self):
        return str(self.value)
