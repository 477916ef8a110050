from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "standards_portal.accounts"
    label = "accounts"
    verbose_name = _("People and offices")

    def ready(self):
        from . import signals

        signals.connect()
