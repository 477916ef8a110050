"""`manage.py run_daily_jobs`: every daily job, for one cron line (docs/operations.md).

Each job runs on its own: one that fails is reported and the others still run. The
command prints one line per job and exits with status 1 when any failed.
"""

import io
import logging

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

logger = logging.getLogger(__name__)

# In this order: sessions and tokens first (cheap housekeeping), then the log's daily
# checkpoint, the retention run, expired bundles, and the pledge reminders last (mail).
JOBS = [
    "clearsessions",
    "clear_submission_tokens",
    "publish_checkpoint",
    "apply_retention",
    "expire_bundles",
    "send_pledge_reminders",
    # Certification programs: periods that ended move on, then lapse reminders (mail).
    "send_lapse_reminders",
    # Courses: a reminder before each registered course date (mail).
    "send_course_reminders",
]


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "done."


class Command(BaseCommand):
    # A failing system check (a missing log key, say) must fail its own job, not stop all.
    requires_system_checks = []
    help = (
        "Run the daily jobs in order, each independently: "
        + ", ".join(JOBS)
        + ". One line of output per job; exit status 1 if any failed."
    )

    def handle(self, *args, **options):
        failed = []
        for job in JOBS:
            out = io.StringIO()
            try:
                call_command(job, stdout=out, stderr=out)
            except (Exception, SystemExit) as error:  # the next job still runs
                logger.exception("Daily job %s failed", job)
                failed.append(job)
                reason = str(error) or type(error).__name__
                self.stdout.write(f"{job}: FAILED: {_last_line(reason)}")
            else:
                self.stdout.write(f"{job}: ok: {_last_line(out.getvalue())}")
        if failed:
            raise CommandError(
                f"{len(failed)} of {len(JOBS)} daily jobs failed: {', '.join(failed)}."
            )
