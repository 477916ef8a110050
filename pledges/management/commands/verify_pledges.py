import time

from django.core.management.base import BaseCommand, CommandError

from pledges.selectors import RecordCheck, verify_chain


class Command(BaseCommand):
    help = (
        "Walk the pledge hash chain and report the first record whose content or link "
        "does not match, and each record's rule: 1 (personal values inside the hash) or 2 "
        "(salted digests, each kept value matching or erased). Exits with status 1 when the "
        "chain is not intact."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--each",
            action="store_true",
            help="Print one line per record: its rule and the state of each personal value.",
        )

    def handle(self, *args, each=False, **options):
        started = time.perf_counter()
        report = verify_chain(on_record=self._print_record if each else None)
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
        rules = ", ".join(f"rule {rule}: {count}" for rule, count in sorted(report.rules.items()))
        if rules:
            self.stdout.write(f"Records by rule: {rules}.")
        if report.personal:
            values = ", ".join(f"{status}: {n}" for status, n in sorted(report.personal.items()))
            self.stdout.write(f"Personal values under rule 2: {values}.")

    def _print_record(self, check: RecordCheck) -> None:
        if check.rule == 1:
            detail = "personal values inside the hash"
        else:
            detail = "; ".join(f"{name} {status}" for name, status in check.personal.items())
        self.stdout.write(f"#{check.sequence} {check.label}: rule {check.rule} ({detail})")
