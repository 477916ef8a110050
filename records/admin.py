from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import LegalHold, RetentionPolicy
from .retention import hold_lift, hold_place

# --- Retention schedules and legal holds ------------------------------------------------


class SuperuserOnlyMixin:
    """Retention and holds decide what the portal erases: site administrators only."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    """One row per kind of record, made by the migration; only its period changes."""

    list_display = ["record_type", "period", "unit", "federal_floor_applies"]
    fields = ["record_type", "period", "unit"]
    readonly_fields = ["record_type"]

    def has_add_permission(self, request):
        return False

    @admin.display(boolean=True, description=_("federal floor (22 months)"))
    def federal_floor_applies(self, obj):
        return obj.federal_floor_applies


@admin.register(LegalHold)
class LegalHoldAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    """Placed here with a scope and a reason; lifted by giving a reason for lifting it.
    A hold is never edited otherwise, nor deleted: its history is the record."""

    list_display = ["__str__", "reason", "placed_by", "placed_at", "lifted_at"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter)]
    list_select_related = ["office", "person", "placed_by"]
    autocomplete_fields = ["office", "person"]
    search_fields = ["reason", "office__name", "person__email", "person__full_name"]
    add_fields = ["office", "person", "starts_on", "ends_on", "reason"]
    scope_fields = ["office", "person", "starts_on", "ends_on", "reason", "placed_by", "placed_at"]

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        # A lifted hold is history: readable, not changeable.
        if obj is not None and not obj.is_active:
            return False
        return super().has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.add_fields
        return [*self.scope_fields, "lift_reason", "lifted_by", "lifted_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.is_active:
            return [*self.scope_fields, "lifted_by", "lifted_at"]
        return [*self.scope_fields, "lift_reason", "lifted_by", "lifted_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            hold = hold_place(
                by=request.user,
                reason=obj.reason,
                office=obj.office,
                person=obj.person,
                starts_on=obj.starts_on,
                ends_on=obj.ends_on,
                request=request,
            )
            obj.pk, obj.placed_by, obj.placed_at = hold.pk, hold.placed_by, hold.placed_at
        elif obj.lift_reason.strip():
            hold = hold_lift(hold=obj, by=request.user, reason=obj.lift_reason, request=request)
            obj.lifted_by, obj.lifted_at = hold.lifted_by, hold.lifted_at
