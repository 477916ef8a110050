from django.conf import settings
from django.core.management.base import BaseCommand

from education.services import lapse_reminders_send, standings_roll


class Command(BaseCommand):
    help = (
        "Move every enrolment whose period ended (or whose person changed office) on to its "
        "current period, then remind everyone whose current period ends within --days and "
        "is not met. Each person is reminded once per period, however often this runs "
        "(schedule it daily)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.EDUCATION_LAPSE_REMINDER_DAYS,
            help="Remind when the period ends within this many days "
            "(default: EDUCATION_LAPSE_REMINDER_DAYS, %(default)s).",
        )

    def handle(self, *args, days, **options):
        if days < 0:
            self.stderr.write("--days must be 0 or more.")
            raise SystemExit(2)
        moved = standings_roll()
        sent = lapse_reminders_send(days=days)
        self.stdout.write(
            self.style.SUCCESS(
                f"Measured {moved} enrolment{'s' if moved != 1 else ''} again; sent {sent} "
                f"lapse reminder{'s' if sent != 1 else ''}."
            )
        )
