"""The audit trail: `audit_record(...)` inside the service that makes the change."""

import ipaddress

from django.conf import settings
from django.db import models

from .models import AuditEntry, Office


def _address(value) -> str | None:
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address, for the audit trail, pledges and rate limits.

    With TRUSTED_PROXY_COUNT = 0 the X-Forwarded-For header is ignored (anyone can send
    it) and the address is the one that connected. With N trusted proxies in front, it
    is the Nth entry from the right: the one the outermost trusted proxy appended, which
    a client cannot forge. None when there is no valid address.
    """
    if request is None:
        return None
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= count:
            address = _address(hops[-count])
            if address is not None:
                return address
    return _address(request.META.get("REMOTE_ADDR", ""))


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
    if action not in AuditEntry.Action.values:
        raise ValueError(f"Unknown audit action {action!r}: add it to AuditEntry.Action.")
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry.objects.create(
        action=action,
        actor=actor,
        # A person known by name and phone only (an election worker) is recorded so.
        actor_label=(actor.email or str(actor))[:254] if actor is not None else "",
        office=office,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_label=str(obj)[:300] if obj is not None else "",
        ip_address=ip_address or client_ip(request),
        details={k: v for k, v in details.items() if v is not None},
    )


def audit_own(*, action: str, user, request=None, **details) -> AuditEntry:
    """Record what a person did to their own account or data: they are both who and what,
    and the entry is filed under their current office, whose manager reads it."""
    membership = user.active_membership
    return audit_record(
        action=action,
        actor=user,
        obj=user,
        office=membership.office if membership is not None else None,
        request=request,
        **details,
    )


def report_exported(
    *, by, report: str, content_type: str, cycle=None, office=None, association=None, request=None
) -> AuditEntry:
    """Record that someone downloaded a report (which holds other people's results)."""
    format = content_type.split(";")[0].rsplit("/", 1)[-1]  # "pdf", "csv"
    return audit_record(
        action="report.exported",
        actor=by,
        obj=office if office is not None else association,
        office=office,
        request=request,
        report=report,
        format=format,
        cycle=str(cycle) if cycle is not None else None,
    )
