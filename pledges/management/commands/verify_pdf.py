import datetime
from pathlib import Path
from urllib.parse import urlparse

from django.core.management.base import BaseCommand, CommandError
from django.urls import Resolver404, resolve

from core.seal import SealReport, read_seal
from pledges.codes import format_code, normalize_code
from pledges.selectors import pledge_by_code


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _code_in(contact: str) -> str | None:
    """The verification code in a certificate seal's contact: its /v/<code> page."""
    try:
        match = resolve(urlparse(contact).path)
    except Resolver404:
        return None
    if match.url_name != "pledge-verify-code":
        return None
    return normalize_code(match.kwargs["code"])


class Command(BaseCommand):
    help = (
        "Check a PDF the portal issued: its seal (who, which certificate, whether it is this "
        "portal's), its timestamp, whether every byte is as sealed, and, for a pledge "
        "certificate, the pledge it belongs to. Exits with status 1 when the file is not "
        "sealed by this portal or was changed after sealing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The PDF to check.")

    def handle(self, *args, file: Path, **options):
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        report = read_seal(data)
        if not report.sealed:
            raise CommandError(f"{file.name}: NOT sealed. {report.problem}")
        self._seal(report)
        self._timestamp(report)
        self._bytes(report)
        self._pledge(report)
        if not report.ok:
            raise CommandError(f"{file.name}: the seal does NOT hold (see above).")
        self.stdout.write(self.style.SUCCESS(f"{file.name}: sealed by this portal and intact."))

    def _seal(self, report: SealReport) -> None:
        if report.problem:
            self.stdout.write(f"Seal: present, but {report.problem}")
            return
        self.stdout.write(f"Seal: {report.signer}")
        self.stdout.write(f"  certificate SHA-256: {report.fingerprint}")
        ours = "yes" if report.portal_seal else "NO: another certificate than this portal's seal"
        self.stdout.write(f"  this portal's seal: {ours}")
        if report.signed_at:
            self.stdout.write(f"  sealed at (as the seal states): {_utc(report.signed_at)}")
        if report.reason:
            self.stdout.write(f"  reason: {report.reason}")
        if report.contact:
            self.stdout.write(f"  contact: {report.contact}")

    def _timestamp(self, report: SealReport) -> None:
        if report.timestamp is None:
            self.stdout.write("Timestamp: none (PAdES B-B: the time is the seal's own claim)")
            return
        state = "intact" if report.timestamp_valid else "NOT intact"
        trust = "trusted" if report.timestamp_trusted else "authority not among the trusted roots"
        self.stdout.write(
            f"Timestamp: {_utc(report.timestamp)} by {report.timestamp_authority} "
            f"({state}, {trust}; PAdES B-T)"
        )

    def _bytes(self, report: SealReport) -> None:
        if report.intact and report.valid and report.whole_file:
            self.stdout.write("Bytes: intact; the seal covers the whole file")
        elif report.intact and report.valid:
            self.stdout.write("Bytes: the sealed part is intact, but something was ADDED after it")
        else:
            self.stdout.write("Bytes: NOT intact; the file was changed after sealing")

    def _pledge(self, report: SealReport) -> None:
        code = _code_in(report.contact)
        if code is None:
            self.stdout.write("Pledge: none named (not a pledge certificate)")
            return
        pledge = pledge_by_code(code)
        if pledge is None:
            self.stdout.write(f"Pledge: {format_code(code)}: no pledge has this code")
            return
        status = "valid" if pledge.is_active else f"withdrawn on {_utc(pledge.withdrawn_at)[:10]}"
        self.stdout.write(
            f"Pledge: {pledge.code_display}, signed by {pledge.typed_name} "
            f"({pledge.office.name}, cycle {pledge.cycle.name}) on "
            f"{_utc(pledge.signed_at)[:10]}; status: {status}"
        )
