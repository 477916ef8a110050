"""System checks for signing sessions: where text messages go."""

from django.conf import settings
from django.core import checks

CONSOLE = "core.sms.ConsoleBackend"


@checks.register(checks.Tags.security, deploy=True)
def sms_backend_sends(app_configs=None, **kwargs):
    """In production the development console would keep codes in the log, unsent."""
    if not settings.DEBUG and settings.SMS_BACKEND == CONSOLE:
        return [
            checks.Info(
                "Text-message codes are written to the log, not sent (SMS_BACKEND is the "
                "development console).",
                hint="Set SMS_BACKEND to a provider's backend (docs/sessions.md); people "
                "with a phone number only can meanwhile use the trainer's code.",
                id="signing.I001",
            )
        ]
    return []
