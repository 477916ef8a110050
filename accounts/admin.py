from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import (
    Association,
    AssociationRole,
    AuditEntry,
    Invitation,
    Membership,
    Office,
    User,
)
from .services import association_members_changed


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["office", "reports_to"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["full_name", "email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal details"), {"fields": ["full_name", "preferred_language"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]
    inlines = [MembershipInline]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "state", "kind", "publishes_registry", "named_in_benchmarks"]
    list_filter = ["state", "kind"]
    search_fields = ["name"]

    def delete_queryset(self, request, queryset):
        # A deleted office leaves its associations: their figures change.
        associations = list(Association.objects.filter(offices__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        for association in associations:
            association_members_changed(association=association)

    def delete_model(self, request, obj):
        self.delete_queryset(request, Office.objects.filter(pk=obj.pk))


class AssociationRoleInline(admin.TabularInline):
    model = AssociationRole
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Association)
class AssociationAdmin(admin.ModelAdmin):
    list_display = ["name", "state"]
    search_fields = ["name"]
    filter_horizontal = ["offices"]
    inlines = [AssociationRoleInline]
    readonly_fields = ["members_version"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "offices" in form.changed_data:
            association_members_changed(association=form.instance)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "office", "role", "reports_to", "started_at", "ended_at"]
    list_filter = ["role", "office__state"]
    search_fields = ["user__email", "user__full_name", "office__name"]
    autocomplete_fields = ["user", "office", "reports_to"]
    list_select_related = ["user", "office", "reports_to"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "office", "association", "role", "created_at", "accepted_at"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["token"]
    list_select_related = ["office", "association"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "action", "object_label", "office", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor_label", "object_label", "action"]
    date_hierarchy = "at"
    list_select_related = ["office"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
