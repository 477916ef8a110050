"""Audit log CSV and "download my data" (JSON and PDF).

Exports return (filename, content type, bytes or an iterator of str); views only wrap them.
"""

import datetime
import json
from collections.abc import Iterator

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from standards_portal.documents import csv_stream, pdf_from_html

from .audit import action_label
from .models import AuditEntry, User
from .selectors import personal_data


def audit_log_csv(entries: QuerySet[AuditEntry]) -> tuple[str, str, Iterator[str]]:
    """The entries as CSV, streamed a chunk at a time (the log can be very long)."""

    def rows() -> Iterator[list]:
        yield (
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
            yield (
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

    stamp = timezone.now().astimezone(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    return f"audit-log-{stamp}.csv", "text/csv; charset=utf-8", csv_stream(rows())


def _stem(user: User) -> str:
    return slugify(user.full_name) or f"person-{user.pk}"


def my_data_json(user: User) -> tuple[str, str, bytes]:
    """Everything the portal holds about the person, as JSON."""
    data = personal_data(user)
    content = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    return f"my-data-{_stem(user)}.json", "application/json", content.encode("utf-8")


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
    data = _readable_times(personal_data(user))
    language = user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        html = render_to_string(
            "accounts/my_data_pdf.html",
            {"person": user, "data": data, "language": language},
        )
    content = pdf_from_html(html)
    return f"my-data-{_stem(user)}.pdf", "application/pdf", content
