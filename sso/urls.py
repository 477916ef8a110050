"""The sso app's pages (under /sso/) and the SCIM 2.0 endpoint (under /scim/v2/)."""

from django.urls import path

app_name = "sso"

# Signing in through an organisation's provider (sso.signin).
signin_urlpatterns = []

# Registering and managing providers; role suggestions; SCIM settings (sso.views).
manage_urlpatterns = []

urlpatterns = [*signin_urlpatterns, *manage_urlpatterns]

# SCIM 2.0 (sso.scim), mounted at /scim/v2/ by the root URLconf, outside the "sso" namespace.
scim_urlpatterns = []
