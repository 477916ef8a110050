"""`manage.py clear_submission_tokens`: forget saved submissions older than two days.

Run it daily, with `clearsessions`.
"""

from django.core.management.base import BaseCommand

from core.submissions import submission_tokens_clear


class Command(BaseCommand):
    help = "Delete the submission tokens older than two days (forms already saved)."

    def handle(self, *args, **options):
        deleted = submission_tokens_clear()
        self.stdout.write(f"{deleted} submission tokens deleted.")
