"""Evidence of self-reported training: what a file is, decided by what it contains, and
where it is kept — a private folder the web server never serves (docs/education.md,
"Evidence files and safety").

A file is accepted only as a PDF, PNG or JPEG, recognised by its first bytes and not by
its name or the type the browser claims; an image must also decode completely with
Pillow, a PDF must begin with its header and end with its end-of-file marker. It is
stored under a random name; the name it came with is kept only as text. It is read back
only by the download view, which checks who asks and always answers with an attachment.
"""

import os
import secrets
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.utils import timezone
from django.utils.translation import gettext as _

from core.text import BIDI_CONTROLS

# The types accepted, with the extension a stored file is given.
EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
PDF_MAGIC = b"%PDF-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
# A PDF ends with "%%EOF", give or take a little trailing whitespace or garbage that
# readers tolerate.
PDF_TAIL = 2048
# A scan of a certificate is a few million pixels; more is refused before decoding, so
# that a small compressed file cannot ask for gigabytes of memory.
IMAGE_MAX_PIXELS = 40_000_000
NAME_MAX = 200  # characters of the original file name kept as text


class PrivateStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT, outside MEDIA_ROOT and with no URL: they are read
    only through views that check who asks. Readable by the portal's own user alone."""

    def __init__(self):
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("A private file has no address: download it through its view.")


_PRIVATE = PrivateStorage()


def private_storage() -> PrivateStorage:
    """The storage of evidence files (a callable, so migrations do not freeze a path)."""
    return _PRIVATE


def evidence_path(instance, filename: str) -> str:
    """A random name under the month of upload, with the extension of the checked type;
    the name the file came with plays no part in it."""
    extension = EXTENSIONS.get(getattr(instance, "evidence_type", ""), "")
    return f"education/evidence/{timezone.now():%Y/%m}/{secrets.token_hex(16)}{extension}"


@dataclass(frozen=True)
class CheckedEvidence:
    """An uploaded file that passed `check_evidence`: the only kind the services accept."""

    file: object  # the upload (a django File), rewound
    content_type: str
    original_name: str
    size: int

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, code="evidence")


def _read_all(upload, limit: int) -> bytes:
    upload.seek(0)
    data = upload.read(limit + 1)
    upload.seek(0)
    return data


def _check_pdf(data: bytes) -> None:
    if b"%%EOF" not in data[-PDF_TAIL:]:
        raise _refuse(
            _("This PDF is incomplete (it has no end). Save or export it again and upload it.")
        )


def _check_image(upload, expected: str) -> None:
    """Decode the whole image with Pillow: a file that only starts like an image fails."""
    from PIL import Image, ImageFile

    # WeasyPrint lets Pillow accept cut-off images process-wide; evidence must be whole.
    tolerant, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as image:
                if image.format != expected:
                    raise _refuse(_("This image is not a PNG or JPEG file."))
                width, height = image.size
                if width * height > IMAGE_MAX_PIXELS:
                    raise _refuse(_("This image is too large. Scan or save it at a lower size."))
                image.load()
    except ValidationError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning):
        raise _refuse(_("This image could not be read. Save it again as PNG or JPEG.")) from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = tolerant
        upload.seek(0)


def original_name(name: str) -> str:
    """The name the file came with, as plain text: its last path part, without control
    or direction characters, at most NAME_MAX characters."""
    base = os.path.basename(str(name or "").replace("\\", "/"))
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in BIDI_CONTROLS)
    return cleaned.strip()[:NAME_MAX] or _("evidence")


def check_evidence(upload) -> CheckedEvidence:
    """The upload as accepted evidence, or a ValidationError saying plainly why not:
    empty, larger than EVIDENCE_MAX_BYTES, or not a PDF, PNG or JPEG by its content."""
    limit = settings.EVIDENCE_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _refuse(
            _("The file is larger than %(limit)s MB. Upload a smaller scan or a PDF.")
            % {"limit": f"{limit / 1_048_576:g}"}
        )
    data = _read_all(upload, limit)
    if not data:
        raise _refuse(_("The file is empty."))
    if len(data) > limit:
        raise _refuse(
            _("The file is larger than %(limit)s MB. Upload a smaller scan or a PDF.")
            % {"limit": f"{limit / 1_048_576:g}"}
        )
    if data.startswith(PDF_MAGIC):
        _check_pdf(data)
        content_type = "application/pdf"
    elif data.startswith(PNG_MAGIC):
        _check_image(upload, "PNG")
        content_type = "image/png"
    elif data.startswith(JPEG_MAGIC):
        _check_image(upload, "JPEG")
        content_type = "image/jpeg"
    else:
        raise _refuse(
            _(
                "Only a PDF, PNG or JPEG file can be sent as evidence. This file is "
                "something else, whatever its name says."
            )
        )
    return CheckedEvidence(
        file=upload,
        content_type=content_type,
        original_name=original_name(getattr(upload, "name", "")),
        size=len(data),
    )
