"""Read-only admin: assessments change only through the services and their audit trail."""

from django.contrib import admin

from .models import Assessment, ItemResponse, Review, ReviewItem, StandardGoal, Transition


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TransitionInline(admin.TabularInline):
    model = Transition
    extra = 0
    fields = ["action", "from_state", "to_state", "by", "at", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["user", "office", "cycle", "state", "reviewer", "updated_at"]
    list_filter = ["state", "cycle"]
    search_fields = ["user__email", "user__full_name", "office__name"]
    list_select_related = ["user", "office", "cycle", "reviewer"]
    inlines = [TransitionInline]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "reviewer", "decision", "created_at"]
    list_select_related = ["assessment__user", "assessment__cycle", "reviewer"]


admin.site.register([ItemResponse, StandardGoal, ReviewItem], ReadOnlyAdmin)
