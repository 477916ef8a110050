"""A session's attendance as CSV (payroll, records) and as a sealed PDF sign-in sheet.
Exports return (filename, content_type, data)."""

from collections.abc import Iterator

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from core.documents import csv_stream, pdf_from_html

from .models import SigningSession
from .selectors import SheetLine

SHEET_CSS = "css/sign-in-sheet.css"


def _stem(session: SigningSession) -> str:
    day = timezone.localtime(session.starts_at).date().isoformat()
    return f"sign-in-sheet-{day}-{slugify(session.title)[:60] or session.pk}"


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def attendance_csv(
    session: SigningSession, lines: list[SheetLine]
) -> tuple[str, str, Iterator[str]]:
    """One row per numbered line; times in the portal's time zone, as on the sheet."""

    def rows():
        yield [
            gettext("Line"),
            gettext("Name"),
            gettext("Office"),
            gettext("Joined"),
            gettext("Identified by"),
            gettext("Device"),
            gettext("Signed at"),
            gettext("Verification code"),
            gettext("Note"),
        ]
        for line in lines:
            note = ""
            if not line.code:
                note = gettext("not signed")
            elif line.signed_before:
                note = gettext("signed before the session")
            yield [
                line.number,
                line.name,
                line.office,
                _local(line.joined_at),
                line.identified_by,
                gettext("shared kiosk") if line.shared_device else gettext("own device"),
                _local(line.signed_at),
                line.code,
                note,
            ]

    return f"{_stem(session)}.csv", "text/csv; charset=utf-8", csv_stream(rows())


def attendance_pdf(
    session: SigningSession, lines: list[SheetLine], *, language: str
) -> tuple[str, str, bytes]:
    """The sealed sign-in sheet: numbered lines, like the paper forms offices keep."""
    html = render_to_string(
        "signing/sign_in_sheet.html",
        {
            "session": session,
            "lines": lines,
            "language": language,
            "issued_at": timezone.now(),
            "time_zone": settings.TIME_ZONE,
        },
    )
    data = pdf_from_html(
        html,
        stylesheets=(SHEET_CSS,),
        base_url=settings.STATIC_URL,
        seal_reason=gettext("Sign-in sheet of session %(reference)s")
        % {"reference": session.reference},
    )
    return f"{_stem(session)}.pdf", "application/pdf", data
