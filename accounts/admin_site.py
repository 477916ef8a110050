"""The admin site, with every add, change and delete also written to the audit trail.

Django's admin keeps its own history (LogEntry), but only inside the admin. The audit
trail is where office managers and site administrators look, so each admin change is
recorded there too, with the administrator's address. `PortalAdminSite.register` mixes
`AuditedModelAdmin` into every ModelAdmin, including those of installed packages.
"""

import json

from django.contrib import admin


def _office_of(obj):
    """The office an object belongs to, so its managers see the entry in their log.

    Not for an office itself: the entry would then keep the office from being deleted.
    """
    from .models import Office

    if isinstance(obj, Office):
        return None
    office_id = getattr(obj, "office_id", None)
    return Office.objects.filter(pk=office_id).first() if office_id else None


def _plain(message):
    """Django's change message (a list of dicts, with lazy strings) as plain JSON data."""
    if not message:
        return None
    return json.loads(json.dumps(message, default=str))


def admin_change_record(request, action: str, obj, message=None) -> None:
    from .audit import audit_record

    audit_record(
        action=action,
        actor=request.user,
        obj=obj,
        office=_office_of(obj),
        request=request,
        model=obj._meta.label_lower,
        changes=_plain(message),
    )


class AuditedModelAdmin:
    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        admin_change_record(request, "admin.added", obj, message)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        admin_change_record(request, "admin.changed", obj, message)
        return entry

    def log_deletions(self, request, queryset):
        objects = list(queryset)
        entries = super().log_deletions(request, objects)
        for obj in objects:
            admin_change_record(request, "admin.deleted", obj)
        return entries


class PortalAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedModelAdmin):
            admin_class = type(
                admin_class.__name__,
                (AuditedModelAdmin, admin_class),
                {"__module__": admin_class.__module__},
            )
        super().register(model_or_iterable, admin_class, **options)
