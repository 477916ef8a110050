"""Background work of the records app."""

from django.tasks import task

from .retention import retention_apply

# --- Retention schedules ------------------------------------------------------------------


@task()
def apply_retention() -> dict:
    """The daily retention run, for a scheduler that queues tasks rather than commands."""
    plan = retention_apply()
    return {"erased": plan.counts(), "held": plan.held_counts()}
