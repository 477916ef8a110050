from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.models import Office
from pledges.selectors import signable_cycle, unsigned_members
from pledges.services import reminders_send


class Command(BaseCommand):
    help = (
        "Remind everyone who has not signed the open cycle's pledge, once the cycle is "
        "within --days of closing. Each person gets each scheduled reminder once, however "
        "often this runs (schedule it daily)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.PLEDGE_REMINDER_DAYS_BEFORE_CLOSE,
            help="Send when the cycle closes within this many days "
            "(default: PLEDGE_REMINDER_DAYS_BEFORE_CLOSE, %(default)s).",
        )

    def handle(self, *args, days, **options):
        if days < 0:
            self.stderr.write("--days must be 0 or more.")
            raise SystemExit(2)
        today = timezone.localdate()
        cycle = signable_cycle(today)
        if cycle is None:
            self.stdout.write("No cycle is open: sent 0 pledge reminders.")
            return
        days_left = (cycle.closes_on - today).days
        if days_left > days:
            self.stdout.write(
                f"The {cycle} cycle closes in {days_left} days; reminders go out {days} days "
                "before. Sent 0 pledge reminders."
            )
            return
        # One office per transaction keeps each batch (and its locks) small at any scale.
        office_ids = (
            unsigned_members(cycle=cycle).order_by().values_list("office_id", flat=True).distinct()
        )
        offices = Office.objects.filter(pk__in=list(office_ids)).order_by("pk")
        sent = sum(
            reminders_send(cycle=cycle, office=office, key=f"closing-{days}")
            for office in offices.iterator()
        )
        self.stdout.write(
            self.style.SUCCESS(f"Sent {sent} pledge reminder{'s' if sent != 1 else ''} ({cycle}).")
        )
