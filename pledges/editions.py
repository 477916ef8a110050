"""Loading an edition of the standards from its JSON fixture."""

import hashlib
import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import ApplicationItem, Edition, RatingLevel, Standard

FIXTURE_FORMAT = "standards-portal/edition/1"


class EditionConflict(Exception):
    """A published edition with this code exists and its text differs."""


def _require(data: dict, key: str, kind: type):
    value = data.get(key)
    if not isinstance(value, kind) or (isinstance(value, (str, list)) and not value):
        raise ValidationError(f"Edition fixture: {key!r} must be a non-empty {kind.__name__}.")
    return value


def _read_fixture(path: Path) -> tuple[dict, str]:
    """The fixture's data and the SHA-256 of its bytes, once its format is the one we read."""
    raw = Path(path).read_bytes()
    data = json.loads(raw.decode("utf-8"))
    if data.get("format") != FIXTURE_FORMAT:
        raise ValidationError(f"Edition fixture: format must be {FIXTURE_FORMAT!r}.")
    return data, hashlib.sha256(raw).hexdigest()


def _already_loaded(code: str, digest: str) -> Edition | None:
    existing = Edition.objects.filter(code=code).first()
    if existing is not None and existing.source_sha256 != digest:
        raise EditionConflict(
            f"Edition {code!r} is already loaded with a different text; "
            "a new text must be a new edition with its own code."
        )
    return existing


def _create_edition(data: dict, *, code: str, digest: str, publish: bool) -> Edition:
    edition = Edition(
        code=code,
        title=_require(data, "title", str),
        publisher=_require(data, "publisher", str),
        language=_require(data, "language", str),
        year=_require(data, "year", int),
        preamble="\n\n".join(_require(data, "preamble", list)),
        pledge_heading=_require(data, "pledge_heading", str),
        source_sha256=digest,
        published_at=timezone.now() if publish else None,
    )
    edition.full_clean()
    edition.save()
    return edition


def _create_standards(edition: Edition, standards: list[dict]) -> None:
    position = 0  # items are numbered through the whole edition, not per standard
    for s in standards:
        standard = Standard.objects.create(
            edition=edition,
            number=s["number"],
            short_title=s["short_title"],
            statement=s["statement"],
        )
        items = []
        for item in s["items"]:
            position += 1
            items.append(
                ApplicationItem(
                    standard=standard,
                    number=item["number"],
                    position=position,
                    title=item["title"],
                    text=item["text"],
                )
            )
        ApplicationItem.objects.bulk_create(items)


@transaction.atomic
def edition_load(*, path: Path, publish: bool = True) -> tuple[Edition, bool]:
    """Load an edition fixture; return (edition, created). Loading it again changes nothing."""
    data, digest = _read_fixture(path)
    code = _require(data, "code", str)
    existing = _already_loaded(code, digest)
    if existing is not None:
        return existing, False
    edition = _create_edition(data, code=code, digest=digest, publish=publish)
    for level in _require(data, "rating_scale", list):
        RatingLevel.objects.create(
            edition=edition,
            value=level["value"],
            label=level["label"],
            description=level["description"],
        )
    _create_standards(edition, _require(data, "standards", list))
    return edition, True


def fixture_paths(directory: Path) -> list[Path]:
    return sorted(Path(directory).glob("edition-*.json"))
