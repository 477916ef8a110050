"""System checks for what the pledges app needs from the environment: the log's key."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from . import transparency


@checks.register(checks.Tags.security)
def log_signing_key_configured(app_configs=None, **kwargs):
    """Without its key the public log signs no checkpoint: say so at start-up."""
    try:
        transparency.signing_key()
    except ImproperlyConfigured as error:
        return [
            checks.Error(
                str(error),
                hint="Set LOG_SIGNING_KEY or LOG_SIGNING_KEY_FILE (docs/records.md).",
                id="pledges.E001",
            )
        ]
    if (
        not settings.DEBUG
        and settings.LOG_SIGNING_KEY_DEVELOPMENT
        and not (settings.LOG_SIGNING_KEY)
    ):
        return [
            checks.Info(
                "Checkpoints are signed with a development key made on this machine "
                "(LOG_SIGNING_KEY_DEVELOPMENT=true).",
                hint="Set LOG_SIGNING_KEY or LOG_SIGNING_KEY_FILE for a public server.",
                id="pledges.I001",
            )
        ]
    return []
