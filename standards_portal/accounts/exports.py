"""Audit log CSV and "download my data" (JSON and PDF).

Exports return (filename, content type, bytes or an iterator of str); views only wrap them.
"""

import csv
import datetime
import json
import mimetypes
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .audit import action_label
from .models import AuditEntry, User
from .selectors import personal_data

# A spreadsheet runs a cell that starts with one of these as a formula.
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> object:
    """A CSV cell a spreadsheet will not run: text starting with = + - @ tab or CR is quoted."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


class _Echo:
    def write(self, value):
        return value


def audit_log_csv(entries: QuerySet[AuditEntry]) -> tuple[str, str, Iterator[str]]:
    """The entries as CSV, streamed a chunk at a time (the log can be very long)."""

    def rows() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield "\ufeff"  # so spreadsheets read UTF-8
        yield writer.writerow(
            [
                _("When (UTC)"),
                _("Who"),
                _("Action"),
                _("Description"),
                _("Object type"),
                _("Object id"),
                _("Object"),
                _("Office"),
                _("From (IP)"),
                _("Details"),
            ]
        )
        for entry in entries.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    csv_safe(cell)
                    for cell in (
                        entry.at.astimezone(datetime.UTC).isoformat(),
                        entry.actor_label,
                        entry.action,
                        action_label(entry.action),
                        entry.object_type,
                        entry.object_id,
                        entry.object_label,
                        str(entry.office) if entry.office_id else "",
                        entry.ip_address or "",
                        json.dumps(entry.details, ensure_ascii=False, sort_keys=True),
                    )
                ]
            )

    stamp = timezone.now().astimezone(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    return f"audit-log-{stamp}.csv", "text/csv; charset=utf-8", rows()


def _stem(user: User) -> str:
    return slugify(user.full_name) or f"person-{user.pk}"


def my_data_json(user: User) -> tuple[str, str, bytes]:
    """Everything the portal holds about the person, as JSON."""
    data = personal_data(user)
    content = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    return f"my-data-{_stem(user)}.json", "application/json", content.encode("utf-8")


def _static_path(url: str) -> Path | None:
    """The file on disk behind a /static/ URL inside the static folders, or None."""
    parsed = urlparse(url)
    path = unquote(parsed.path)
    if parsed.scheme not in ("", "file", "http", "https") or not path.startswith(
        settings.STATIC_URL
    ):
        return None
    try:
        found = finders.find(path.removeprefix(settings.STATIC_URL))
    except SuspiciousFileOperation:
        return None
    return Path(found) if found else None


def _readable_times(value):
    """ISO timestamps as people read them (UTC), throughout the nested data."""
    if isinstance(value, dict):
        return {k: _readable_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_readable_times(v) for v in value]
    if isinstance(value, str) and len(value) >= 25 and value[10:11] == "T":
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return value


def my_data_pdf(user: User) -> tuple[str, str, bytes]:
    """Everything the portal holds about the person, as a tagged PDF (PDF/UA)."""
    import weasyprint
    from weasyprint.urls import URLFetcherResponse

    class StaticFileFetcher(weasyprint.URLFetcher):
        # The document never reaches the network: only files in the static folders load.
        def fetch(self, url, headers=None):
            path = _static_path(url)
            if path is None:
                raise ValueError(f"Refusing to fetch {url!r} while rendering a PDF.")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                path.as_uri(), path.read_bytes(), {"Content-Type": content_type}
            )

    data = _readable_times(personal_data(user))
    language = user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        html = render_to_string(
            "accounts/my_data_pdf.html",
            {"person": user, "data": data, "language": language},
        )
    document = weasyprint.HTML(
        string=html, base_url=settings.SITE_URL + "/", url_fetcher=StaticFileFetcher()
    ).render(pdf_tags=True)
    content = document.write_pdf(pdf_variant="pdf/ua-1")
    return f"my-data-{_stem(user)}.pdf", "application/pdf", content
