from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import (
    AddendumRequirement,
    ApplicationItem,
    ChainHead,
    Cycle,
    Edition,
    OathAddendum,
    Pledge,
    PledgeReminder,
    PledgeWithdrawal,
    RatingLevel,
    Standard,
)
from .services import cycle_close


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
    list_display = ["name", "edition", "opens_on", "closes_on", "closed_early_at", "open_today"]
    list_select_related = ["edition"]
    readonly_fields = ["closed_early_at"]
    actions = ["close_now"]

    @admin.display(boolean=True, description=_("open today"))
    def open_today(self, obj):
        return obj.is_open()

    def get_readonly_fields(self, request, obj=None):
        # Pledges name their edition; the cycle's edition cannot move under them.
        if obj is not None and obj.pledges.exists():
            return [*self.readonly_fields, "edition"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.pledges.exists():
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description=_("Close the selected cycles now"), permissions=["change"])
    def close_now(self, request, queryset):
        closed = 0
        for cycle in queryset.filter(closed_early_at__isnull=True):
            cycle_close(cycle=cycle, by=request.user)
            closed += 1
        self.message_user(
            request,
            ngettext("%(count)d cycle closed.", "%(count)d cycles closed.", closed)
            % {"count": closed},
            messages.SUCCESS,
        )


class AppendOnlyAdmin(admin.ModelAdmin):
    """Signed records can be read, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class KeptEvidenceMixin:
    """Show the personal values a record keeps beside it (rule 2), or that they were erased."""

    @admin.display(description=_("IP address (kept)"))
    def kept_ip_address(self, obj):
        return obj.shown_ip_address or "—"

    @admin.display(description=_("user agent (kept)"))
    def kept_user_agent(self, obj):
        return obj.shown_user_agent or "—"


@admin.register(Pledge)
class PledgeAdmin(KeptEvidenceMixin, AppendOnlyAdmin):
    list_display = ["signer", "office", "cycle", "signed_at", "auth_method", "withdrawn_at"]
    list_filter = ["cycle", "auth_method", "name_mismatch", "chain_version"]
    list_select_related = ["office", "cycle", "evidence"]
    search_fields = ["typed_name", "verification_code", "user__email"]
    date_hierarchy = "signed_at"
    show_full_result_count = False
    readonly_fields = ["kept_ip_address", "kept_user_agent"]

    @admin.display(description=_("typed name"), ordering="typed_name")
    def signer(self, obj):
        return obj.signed_name


@admin.register(PledgeWithdrawal)
class PledgeWithdrawalAdmin(KeptEvidenceMixin, AppendOnlyAdmin):
    list_display = ["pledge", "withdrawn_at", "sequence"]
    list_select_related = ["pledge__cycle", "pledge__evidence"]
    readonly_fields = ["kept_ip_address", "kept_user_agent"]


@admin.register(PledgeReminder)
class PledgeReminderAdmin(AppendOnlyAdmin):
    list_display = ["user", "cycle", "office", "key", "sent_at"]
    list_filter = ["cycle"]
    list_select_related = ["user", "cycle", "office"]


@admin.register(ChainHead)
class ChainHeadAdmin(AppendOnlyAdmin):
    list_display = ["sequence", "record_hash"]


@admin.register(OathAddendum)
class OathAddendumAdmin(AppendOnlyAdmin):
    """Read here; written by its office's manager or its association's administrators on
    their own pages, where versions are numbered, published and retired."""

    list_display = ["title", "version", "office", "association", "state", "published_at"]
    list_filter = ["state", "language"]
    list_select_related = ["office", "association"]
    search_fields = ["title", "text_sha256"]


@admin.register(AddendumRequirement)
class AddendumRequirementAdmin(AppendOnlyAdmin):
    list_display = ["office", "source", "association", "changed_at"]
    list_filter = ["source"]
    list_select_related = ["office", "association"]
