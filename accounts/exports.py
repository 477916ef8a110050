"""The audit log as CSV. Exports return (filename, content type, data); views wrap them."""

import datetime
import json
from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.documents import csv_stream

from .models import AuditEntry


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
                entry.get_action_display(),
                entry.object_type,
                entry.object_id,
                entry.object_label,
                str(entry.office) if entry.office_id else "",
                entry.ip_address or "",
                json.dumps(entry.details, ensure_ascii=False, sort_keys=True),
            )

    stamp = timezone.now().astimezone(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    return f"audit-log-{stamp}.csv", "text/csv; charset=utf-8", csv_stream(rows())
