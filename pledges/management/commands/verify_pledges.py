import time

from django.core.management.base import BaseCommand, CommandError

from pledges.selectors import verify_chain


class Command(BaseCommand):
    help = (
        "Walk the pledge hash chain and report the first record whose content or link "
        "does not match. Exits with status 1 when the chain is not intact."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        report = verify_chain()
        elapsed = time.perf_counter() - started
        if not report.intact:
            raise CommandError(
                f"Pledge chain NOT intact after {report.checked} good records: {report.problem}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Pledge chain intact: {report.checked} records verified in {elapsed:.2f} s."
            )
        )
