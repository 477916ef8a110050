"""Site administrators can see the background PDFs (to spot failures); summaries are
derived data, rebuilt with `manage.py rebuild_report_summaries`, never edited here."""

from django.contrib import admin

from .models import ReportFile


@admin.register(ReportFile)
class ReportFileAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "office", "association", "cycle", "status"]
    list_filter = ["status", "kind"]
    exclude = ["content"]
    readonly_fields = [
        "kind", "office", "association", "cycle", "team_lead", "identified", "language",
        "requested_by", "status", "filename", "error", "created_at", "finished_at",
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
