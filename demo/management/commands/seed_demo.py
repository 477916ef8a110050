from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts.models import Office, User
from demo.base import DEMO_PASSWORD
from demo.seed import seed
from pledges.selectors import published_edition


class Command(BaseCommand):
    help = "Create the demo association, offices, people and records (idempotent)."

    def handle(self, *args, **options):
        call_command("load_standards", stdout=self.stdout)
        demo = seed(published_edition())
        self.stdout.write(
            f"Demo ready: {Office.objects.count()} offices, "
            f"{User.objects.filter(is_active=True).count()} people, "
            f"cycles {', '.join(c.name for c in demo.cycles)}. "
            f"Password for every demo account: {DEMO_PASSWORD}"
        )
