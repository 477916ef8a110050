from django.core.management.base import BaseCommand

from records.bundles import bundles_expire


class Command(BaseCommand):
    help = "Delete the files of records-request bundles past their expiry (run daily)."

    def handle(self, *args, **options):
        count = bundles_expire()
        self.stdout.write(f"{count} bundle file(s) deleted.")
