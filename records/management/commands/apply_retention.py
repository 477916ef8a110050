"""`manage.py apply_retention [--dry-run]`: erase what has passed its retention period.

Schedule it daily (cron or a systemd timer), like `verify_pledges`; docs/records.md.
"""

from django.core.management.base import BaseCommand

from records.retention import retention_apply, retention_plan


class Command(BaseCommand):
    help = (
        "Erase or anonymise the records that have passed their retention period and are "
        "not under a legal hold, and write one audit entry with the counts. With --dry-run, "
        "list them (type, id, date, reason) and change nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List what would be erased, and what legal holds keep; change nothing.",
        )

    def handle(self, *args, dry_run, **options):
        plan = retention_plan() if dry_run else retention_apply()
        for line in plan.lines():
            self.stdout.write(line)
        counts = ", ".join(f"{kind} {count}" for kind, count in plan.counts().items())
        held = sum(plan.held_counts().values())
        verb = "Would erase" if dry_run else "Erased"
        if plan.not_erasable:
            self.stdout.write(
                f"{plan.not_erasable} pledge records past the period were signed before "
                "personal data could be erased: their IP address and browser are part of "
                "their hash and stay."
            )
        # The counts come last: `run_daily_jobs` reports each job by its last line.
        self.stdout.write(f"{verb}: {counts}. Kept under legal hold: {held}.")
