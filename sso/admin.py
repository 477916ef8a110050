"""Read-only views of the sso app's records for site administrators.

Providers are registered and changed on the portal's own pages (/sso/providers/), which
check every value, encrypt the secret and write the audit trail; SCIM tokens are rotated
on the office's SCIM page. Here they can only be read, and no secret or token hash is shown.
"""

from django.contrib import admin

from .models import IdentityProvider, ProviderDomain, RoleSuggestion, ScimClient, ScimUser


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProviderDomainInline(admin.TabularInline):
    model = ProviderDomain
    extra = 0
    fields = ["domain"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IdentityProvider)
class IdentityProviderAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "protocol", "office", "association", "enabled"]
    list_filter = ["protocol", "enabled", "trust_mfa"]
    list_select_related = ["office", "association"]
    search_fields = ["name", "slug", "domains__domain"]
    exclude = ["secret_encrypted"]
    inlines = [ProviderDomainInline]


@admin.register(RoleSuggestion)
class RoleSuggestionAdmin(ReadOnlyAdmin):
    list_display = ["membership", "role", "claim_value", "provider", "created_at", "outcome"]
    list_filter = ["outcome", "role"]
    list_select_related = ["membership__user", "membership__office", "provider"]


@admin.register(ScimClient)
class ScimClientAdmin(ReadOnlyAdmin):
    list_display = ["office", "token_hint", "creates", "rotated_at", "last_used_at"]
    list_select_related = ["office"]
    exclude = ["token_sha256"]


@admin.register(ScimUser)
class ScimUserAdmin(ReadOnlyAdmin):
    list_display = ["user_name", "office", "state", "active", "updated_at"]
    list_filter = ["state", "active"]
    list_select_related = ["office"]
    search_fields = ["user_name", "email", "external_id"]
