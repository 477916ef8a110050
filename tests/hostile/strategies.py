"""Hypothesis strategies for hostile input: what a careless or malicious client may send.

Every value is something HTTP can carry (no lone surrogates): text is sent as UTF-8.
"""

from hypothesis import strategies as st

HUGE = 1_000_000  # about 1 MB, well under DATA_UPLOAD_MAX_MEMORY_SIZE

MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">x</a>',
    "{{ 7|add:7 }}{% debug %}",
    "</textarea><script>alert(1)</script>",
]
SQL = [
    "'; DROP TABLE accounts_user; --",
    "1 OR 1=1",
    "1' OR '1'='1",
    "0x7fffffff",
    "1; SELECT pg_sleep(5)",
    "%",
    "_",
    "\\",
]
PATHS = [
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%00",
    "%2e%2e/",
    "/",
    "C:\\Windows\\win.ini",
]
CSV_FORMULAS = ["=1+1", "+1", "-1", "@SUM(A1)", '=HYPERLINK("http://x")', "\t=1", "\r=1"]
NUMBERS = [
    "0",
    "-1",
    "-0",
    "1",
    "2",
    "99",
    "-99999999999999999999",
    str(10**30),
    str(2**63),
    str(2**31),
    "1e309",
    "1.5",
    "NaN",
    "Infinity",
    "-inf",
    "0x10",
    "١",  # an Arabic-Indic digit one
    "\uff11",  # a full-width digit one
    " 1 ",
    "",
]
DATES = ["0000-00-00", "9999-12-31", "0001-01-01", "2026-02-30", "31/12/2026", "2026-13-01", "-1"]
# Odd but valid unicode: direction marks, zero-width characters, emoji, combining marks.
ODD = [
    "\u202eevil\u202c",
    "\u2067isolated\u2069 \u200fmarked\u200e \u061c",
    "\u200b\u200c\u200d\ufeff",
    "👩🏽‍⚖️🗳️",
    "Z\u0351\u0354\u0357a\u0300\u0301\u0302l\u0303g\u0304o",
    "\u0000",
    "\x01\x02\x07\x08\x0b\x0c\x1b\x7f",
    "\r\n\r\n",
    "\u2028\u2029",
    "ﷺ",
    "𝕳𝖊𝖑𝖑𝖔",
]
CONTROL = "".join(chr(c) for c in range(32)) + "\x7f"

LITERALS = MARKUP + SQL + PATHS + CSV_FORMULAS + NUMBERS + DATES + ODD

odd_text = st.text(
    alphabet=st.characters(
        codec="utf-8",
        categories=("L", "M", "N", "P", "S", "Z", "Cc", "Cf"),
    ),
    max_size=40,
)


@st.composite
def huge_text(draw):
    """A string of about a megabyte (or just over a field's limit), built from a short seed."""
    seed = draw(st.sampled_from(["A", "é", "<script>", "'", "\u200b", "👩🏽‍⚖️", "=1"]))
    size = draw(st.sampled_from([151, 301, 1001, 2001, 65_536, HUGE]))
    return (seed * (size // len(seed) + 1))[:size]


hostile_text = st.one_of(
    st.sampled_from(LITERALS),
    odd_text,
    st.lists(st.sampled_from(LITERALS), min_size=2, max_size=4).map("".join),
    huge_text(),
)
# Text that a form should accept and store: printable, short, still hostile.
storable_text = st.one_of(
    st.sampled_from(MARKUP + SQL + CSV_FORMULAS[:5] + ["👩🏽‍⚖️🗳️"]),
    st.text(
        alphabet=st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S")),
        min_size=1,
        max_size=40,
    ).map(lambda s: "<b>" + s),
)
hostile_number = st.one_of(
    st.sampled_from(NUMBERS),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
# The value of one form field: text, a number, or a list (the key repeated).
hostile_value = st.one_of(
    hostile_text,
    hostile_number,
    st.lists(st.one_of(hostile_text, hostile_number), min_size=2, max_size=3),
)
