"""The audit trail: `audit_record(...)` inside the service that makes the change."""

from django.db import models

from .models import AuditEntry, Office


def client_ip(request) -> str | None:
    """The client's address as the server saw it (the proxy sets REMOTE_ADDR via gunicorn)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor=None,
    obj: models.Model | None = None,
    office: Office | None = None,
    request=None,
    ip_address: str | None = None,
    **details,
) -> AuditEntry:
    """Append one entry: who did what to which object, when and from where."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry.objects.create(
        action=action,
        actor=actor,
        actor_label=(actor.email if actor is not None else ""),
        office=office,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_label=str(obj)[:300] if obj is not None else "",
        ip_address=ip_address or client_ip(request),
        details={k: v for k, v in details.items() if v is not None},
    )
