"""The audit trail: `audit_record(...)` inside the service that makes the change."""

import ipaddress

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry, Office

# What each recorded action means, for the audit log's filter and table. An action
# missing here is still recorded and shown by its code.
ACTIONS = {
    "auth.signed_in": _("Signed in"),
    "auth.sign_in_failed": _("Failed sign-in"),
    "auth.signed_out": _("Signed out"),
    "auth.other_sessions_ended": _("Other sessions signed out"),
    "auth.password_changed": _("Password changed"),
    "auth.password_set": _("Password set"),
    "auth.password_reset": _("Password reset"),
    "auth.email_changed": _("Primary email changed"),
    "auth.email_added": _("Email address added"),
    "auth.email_removed": _("Email address removed"),
    "mfa.authenticator_added": _("Two-factor method added"),
    "mfa.authenticator_removed": _("Two-factor method removed"),
    "mfa.authenticator_reset": _("Recovery codes regenerated"),
    "mfa.authentication_failed": _("Failed two-factor code"),
    "invitation.sent": _("Invitation sent"),
    "invitation.resent": _("Invitation resent"),
    "invitation.revoked": _("Invitation revoked"),
    "invitation.accepted": _("Invitation accepted"),
    "roster.confirmed": _("Roster confirmed"),
    "membership.role_changed": _("Role changed"),
    "membership.reports_to_changed": _("Reporting line changed"),
    "membership.deactivated": _("Person deactivated"),
    "association.office_added": _("Office added to association"),
    "association.office_created": _("Office created in association"),
    "association.office_removed": _("Office removed from association"),
    "pledge.signed": _("Pledge signed"),
    "pledge.withdrawn": _("Pledge withdrawn"),
    "pledge.certificate_downloaded": _("Certificate downloaded"),
    "pledge.registry_changed": _("Pledge registry setting changed"),
    "pledge.reminder_sent": _("Pledge reminders sent"),
    "pledge.cycle_closed": _("Cycle closed"),
    "assessment.started": _("Self-assessment started"),
    "assessment.copied_previous": _("Self-assessment copied from last cycle"),
    "assessment.submitted": _("Self-assessment submitted"),
    "assessment.resubmitted": _("Self-assessment resubmitted"),
    "assessment.returned": _("Self-assessment returned"),
    "assessment.accepted": _("Self-assessment accepted"),
    "assessment.reopened": _("Self-assessment reopened"),
    "assessment.reviewer_reassigned": _("Reviewer reassigned"),
    "audit.exported": _("Audit log exported"),
    "personal_data.exported": _("Personal data downloaded"),
    "report.exported": _("Report downloaded"),
    "admin.added": _("Added in the admin site"),
    "admin.changed": _("Changed in the admin site"),
    "admin.deleted": _("Deleted in the admin site"),
}


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))


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
