from django.core.management.base import BaseCommand

from education.services import program_summaries_rebuild


class Command(BaseCommand):
    help = (
        "Recompute every enrolment's standing from the ledger of hours, and the program "
        "summaries per office from the enrolments, from scratch (after a data repair or an "
        "import). Certificates of completion are issued for periods found met."
    )

    def handle(self, *args, **options):
        rows = program_summaries_rebuild()
        self.stdout.write(
            self.style.SUCCESS(f"Rebuilt {rows} program summar{'ies' if rows != 1 else 'y'}.")
        )
