from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PledgesConfig(AppConfig):
    name = "pledges"
    verbose_name = _("Standards and pledges")

    def ready(self):
        from . import checks  # noqa: F401  registers the log key's system check
