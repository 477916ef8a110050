from django.conf import settings
from django.core.management.base import BaseCommand

from education.services import course_reminders_send


class Command(BaseCommand):
    help = (
        "Remind everyone registered for a course date that starts within --days. Each "
        "registration is reminded once, however often this runs (schedule it daily)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.COURSE_REMINDER_DAYS_BEFORE,
            help="Remind when the course starts within this many days "
            "(default: COURSE_REMINDER_DAYS_BEFORE, %(default)s).",
        )

    def handle(self, *args, days, **options):
        if days < 0:
            self.stderr.write("--days must be 0 or more.")
            raise SystemExit(2)
        sent = course_reminders_send(days=days)
        self.stdout.write(
            self.style.SUCCESS(f"Sent {sent} course reminder{'s' if sent != 1 else ''}.")
        )
