from django.contrib import admin

from .models import ApplicationItem, Cycle, Edition, RatingLevel, Standard


class ReadOnlyWhenPublishedMixin:
    """A published edition and everything in it is immutable, in the admin too."""

    def _edition_of(self, obj):
        return (
            obj
            if isinstance(obj, Edition)
            else getattr(obj, "edition", None) or obj.standard.edition
        )

    def has_change_permission(self, request, obj=None):
        if obj is not None and self._edition_of(obj).is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self._edition_of(obj).is_published:
            return False
        return super().has_delete_permission(request, obj)


class StandardInline(admin.TabularInline):
    model = Standard
    extra = 0
    fields = ["number", "short_title", "statement"]

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_published

    def has_add_permission(self, request, obj=None):
        return obj is None or not obj.is_published

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_published


@admin.register(Edition)
class EditionAdmin(ReadOnlyWhenPublishedMixin, admin.ModelAdmin):
    list_display = ["title", "code", "year", "language", "published_at"]
    inlines = [StandardInline]


@admin.register(Standard)
class StandardAdmin(ReadOnlyWhenPublishedMixin, admin.ModelAdmin):
    list_display = ["__str__", "edition"]
    list_filter = ["edition"]
    list_select_related = ["edition"]


@admin.register(ApplicationItem)
class ApplicationItemAdmin(ReadOnlyWhenPublishedMixin, admin.ModelAdmin):
    list_display = ["position", "title", "standard"]
    list_filter = ["standard__edition"]
    list_select_related = ["standard__edition"]


@admin.register(RatingLevel)
class RatingLevelAdmin(ReadOnlyWhenPublishedMixin, admin.ModelAdmin):
    list_display = ["value", "label", "edition"]
    list_select_related = ["edition"]


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ["name", "edition", "opens_on", "closes_on", "closed_early_at"]
    list_select_related = ["edition"]
