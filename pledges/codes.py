"""Verification codes: their alphabet, how they are printed and how a typed code is read.

A code is 16 characters from an alphabet without 0, 1, I and O, so a person who types
one of those has misread a character that is in the alphabet. Each such look-alike stands
for the few characters it can be mistaken for, and the lookup tries each of them.
"""

import itertools
import re
import unicodedata

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 16
GROUP = 4
# Only characters the alphabet excludes: one that is in it is always taken as itself.
LOOKALIKES = {"0": "DQ", "O": "DQ", "1": "7JL", "I": "7JL"}
# A code with more look-alikes than this is not searched: each one multiplies the codes
# a single lookup tries, and a real code misread that often is better typed again.
MAX_CANDIDATES = 81

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]")
_TYPED = re.compile(rf"[{ALPHABET}{''.join(LOOKALIKES)}]{{{LENGTH}}}")


def format_code(code: str) -> str:
    """The code as printed and read aloud: groups of four joined by dashes."""
    if len(code) != LENGTH:
        return code
    return "-".join(code[i : i + GROUP] for i in range(0, LENGTH, GROUP))


def normalize_code(raw: str | None) -> str | None:
    """The typed code without separators, in capitals; None when it cannot be a code.

    Look-alikes stay as typed; `code_candidates` says what they may stand for.
    """
    text = unicodedata.normalize("NFKC", raw or "")
    code = _SEPARATORS.sub("", text).upper()
    return code if _TYPED.fullmatch(code) else None


def code_candidates(code: str) -> list[str]:
    """Every real code a normalized typed code may stand for (none when too many)."""
    choices = [LOOKALIKES.get(ch, ch) for ch in code]
    count = 1
    for options in choices:
        count *= len(options)
    if count > MAX_CANDIDATES:
        return []
    return ["".join(combination) for combination in itertools.product(*choices)]
