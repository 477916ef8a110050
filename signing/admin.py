"""Signing sessions in the admin site: to look, not to change. Sessions, rosters and
attendance are made through the portal's own pages (signing.services), which audit them."""

from django.contrib import admin

from .models import Attendance, Kiosk, RosterEntry, SigningSession


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SigningSession)
class SigningSessionAdmin(ReadOnlyAdmin):
    list_display = ["title", "office", "association", "starts_at", "ends_at", "audience"]
    list_filter = ["audience"]
    search_fields = ["title", "place", "office__name", "association__name"]
    list_select_related = ["office", "association"]
    exclude = ["join_token", "trainer_code"]


@admin.register(RosterEntry)
class RosterEntryAdmin(ReadOnlyAdmin):
    list_display = ["full_name", "session", "email", "phone", "user"]
    search_fields = ["full_name", "email"]
    list_select_related = ["session", "user"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["user", "session", "identified_by", "kiosk", "joined_at", "signed_at"]
    list_filter = ["identified_by"]
    list_select_related = ["user", "session", "kiosk"]


@admin.register(Kiosk)
class KioskAdmin(ReadOnlyAdmin):
    list_display = ["pk", "session", "unlocked_by", "unlocked_at", "locked_at", "lock_reason"]
    list_select_related = ["session", "unlocked_by"]
    exclude = ["secret_sha256"]
