"""Whether a typed signature names the same person as the account.

Tolerant of case, accents, punctuation, middle names and initials: "Olivia M. Chen",
"olivia chen" and "O. Chen" all agree with "Olivia Chen"; "Olivia Official" does not.
"""

import re
import unicodedata

_WORD = re.compile(r"\w+")
# Letters with a stroke or a ligature do not decompose; they are written plainly too.
_PLAIN = str.maketrans(
    {"đ": "d", "ð": "d", "ħ": "h", "\u0131": "i", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe"}
)


def name_words(name: str) -> list[str]:
    """The words of a name, case-folded and without accents."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _WORD.findall(plain.casefold().translate(_PLAIN))


def _same_word(a: str, b: str, *, initial_allowed: bool) -> bool:
    if a == b:
        return True
    # "O" (or "O.") stands for Olivia; an initial never stands for another initial.
    return initial_allowed and (
        (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))
    )


def names_agree(typed: str, account: str) -> bool:
    """True when the typed name can be the account's name written more or less fully.

    The shorter name's words must appear in order in the longer one, starting with the
    first word; a given name may be an initial, the last word of the shorter name not.
    """
    typed_words, account_words = name_words(typed), name_words(account)
    if not typed_words or not account_words:
        return False
    short, long = sorted((typed_words, account_words), key=len)
    if len(short) == 1 and len(long) > 1:
        return False  # a given name alone is not the full name
    if not _same_word(short[0], long[0], initial_allowed=len(short) > 1):
        return False
    position = 1
    for index, word in enumerate(short[1:], start=1):
        last = index == len(short) - 1
        while position < len(long) and not _same_word(
            word, long[position], initial_allowed=not last
        ):
            position += 1
        if position == len(long):
            return False
        position += 1
    return True
