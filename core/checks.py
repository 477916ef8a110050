"""System checks for what core needs from the environment: the seal on every PDF."""

from pathlib import Path

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from . import seal


@checks.register(checks.Tags.security)
def seal_configured(app_configs=None, **kwargs):
    """No seal, or one that cannot be read, means no PDF: say so before anyone asks for one."""
    source = seal.seal_source()
    if not source:
        return [checks.Error(seal.NOT_CONFIGURED, id="core.E001")]
    if source == "pkcs11":
        if not Path(settings.SEAL_PKCS11_MODULE).is_file():
            return [
                checks.Error(
                    f"SEAL_PKCS11_MODULE names no file: {settings.SEAL_PKCS11_MODULE}",
                    id="core.E002",
                )
            ]
        return []
    if source == "pkcs12":
        try:
            seal.signer()  # opens the file with its passphrase, once per process
        except ImproperlyConfigured as error:
            return [checks.Error(str(error), id="core.E003")]
        return []
    if not settings.DEBUG:
        return [
            checks.Info(
                "PDFs are sealed with the self-signed development seal "
                "(SEAL_DEVELOPMENT=true): PDF readers will not know it.",
                hint="Set SEAL_PKCS12_PATH or SEAL_PKCS11_MODULE for a public server.",
                id="core.I001",
            )
        ]
    return []
