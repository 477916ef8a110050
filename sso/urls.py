"""The sso app's pages (under /sso/) and the SCIM 2.0 endpoint (under /scim/v2/)."""

from django.urls import path

from . import oidc_views, provisioning_views, saml_views, scim, signin, views

app_name = "sso"

# Signing in through an organisation's provider (sso.signin).
signin_urlpatterns = [
    path("", signin.choose, name="signin"),
    # SAML single logout after the portal's own sign-out (sso.saml).
    path("saml/<slug:slug>/logout/", saml_views.single_logout, name="saml-logout"),
    # OpenID Connect: on to the provider's end-session address after the portal's sign-out.
    path("signed-out/", oidc_views.signed_out, name="signed-out"),
]

# Registering and managing providers; role suggestions; SCIM settings (sso.views).
manage_urlpatterns = [
    path("providers/", views.provider_list, name="provider-list"),
    path("providers/new/", views.provider_create, name="provider-create"),
    path("providers/<int:pk>/", views.provider_detail, name="provider-detail"),
    path("providers/<int:pk>/edit/", views.provider_update, name="provider-update"),
    path("providers/<int:pk>/remove/", views.provider_remove, name="provider-remove"),
    path("suggestions/", views.suggestions, name="suggestions"),
    path("suggestions/<int:pk>/decide/", views.suggestion_decide, name="suggestion-decide"),
]

# An office manager's SCIM provisioning pages (sso.provisioning_views).
provisioning_urlpatterns = [
    path("scim/", provisioning_views.scim_settings, name="scim-settings"),
    path("scim/token/", provisioning_views.scim_token_rotate, name="scim-token-rotate"),
    path("scim/pending/", provisioning_views.scim_pending, name="scim-pending"),
    path(
        "scim/pending/<uuid:pk>/confirm/",
        provisioning_views.scim_pending_confirm,
        name="scim-pending-confirm",
    ),
    path(
        "scim/pending/<uuid:pk>/decline/",
        provisioning_views.scim_pending_decline,
        name="scim-pending-decline",
    ),
]

urlpatterns = [*signin_urlpatterns, *manage_urlpatterns, *provisioning_urlpatterns]

# SCIM 2.0 (sso.scim), mounted at /scim/v2/ by the root URLconf, outside the "sso" namespace.
scim_urlpatterns = [
    path(
        "ServiceProviderConfig",
        scim.service_provider_config,
        name="scim-service-provider-config",
    ),
    path("ResourceTypes", scim.resource_types, name="scim-resource-types"),
    path("ResourceTypes/<str:name>", scim.resource_type, name="scim-resource-type"),
    path("Schemas", scim.schemas, name="scim-schemas"),
    path("Schemas/<str:schema_id>", scim.schema, name="scim-schema"),
    path("Users", scim.users, name="scim-users"),
    path("Users/<str:pk>", scim.user, name="scim-user"),
]
