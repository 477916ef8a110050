from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    name = "signing"
    label = "signing"
    verbose_name = _("Signing sessions")

    def ready(self):
        from . import checks  # noqa: F401  registers the SMS backend's system check
