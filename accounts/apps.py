from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    label = "accounts"
    verbose_name = _("People and offices")

    def ready(self):
        from . import signals

        signals.connect()


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on a site that also writes each change to the audit trail."""

    default = False  # AccountsConfig stays this module's default

    default_site = "accounts.admin_site.PortalAdminSite"
