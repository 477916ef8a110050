"""Text that people type: refused when it holds characters that change how it displays.

A right-to-left override (U+202E) makes "Olivia \u202enehC" display as "Olivia Chen"
while something else is stored; the other direction controls embed, isolate or mark text
the same way, and a lone surrogate is not a character at all (it cannot be stored in
PostgreSQL or written as UTF-8). One check serves every form, model field and upload.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Embeddings and overrides (U+202A to U+202E), isolates (U+2066 to U+2069), the left-to-right
# and right-to-left marks (U+200E, U+200F) and the Arabic letter mark (U+061C).
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Zero-width non-joiner and joiner: part of how some names and emoji are spelled.
JOINERS = frozenset("\u200c\u200d")

HIDDEN_MESSAGE = _(
    "Remove the invisible character %(character)s: it can make the text display differently "
    "from what is stored (a direction control or a broken character)."
)
NAME_MESSAGE = _(
    "Remove the invisible or control character %(character)s: a name may hold only "
    "letters, marks, digits, punctuation and spaces."
)


def hidden_character(value: str, *, name: bool = False) -> str | None:
    """The first character that would hide or reorder the text, or None.

    Always: direction controls and lone surrogates. For a name (one line, shown as who
    someone is), also every other control and format character except the joiners.
    """
    for ch in value:
        if ch in BIDI_CONTROLS or "\ud800" <= ch <= "\udfff":
            return ch
        if name and ch not in JOINERS and unicodedata.category(ch) in ("Cc", "Cf"):
            return ch
    return None


def code_point(ch: str) -> str:
    return f"U+{ord(ch):04X}"


@deconstructible
class VisibleTextValidator:
    """Refuses text holding a direction control or a lone surrogate (for names, also any
    control or format character), naming the character found."""

    def __init__(self, *, name: bool = False, message=None):
        self.name = name
        self.message = message

    def __call__(self, value) -> None:
        if not isinstance(value, str):
            return
        ch = hidden_character(value, name=self.name)
        if ch is not None:
            message = self.message or (NAME_MESSAGE if self.name else HIDDEN_MESSAGE)
            raise ValidationError(
                message, code="hidden_character", params={"character": code_point(ch)}
            )

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, VisibleTextValidator)
            and self.name == other.name
            and self.message == other.message
        )


validate_visible_text = VisibleTextValidator()
validate_name_text = VisibleTextValidator(name=True)
