"""Reading a roster CSV: the file checks that reject it whole, and one dict per row.

Columns: name, email, role (required in the header), phone and reports_to_email
(optional). A phone number is read as a US number unless it starts with + and a country
code, and kept in E.164 form (+15555550123); one that is not a possible number keeps
what was typed and carries its problem, shown on its line in the preview.
"""

import csv
import hashlib
import io
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _

REQUIRED = ("name", "email", "role")
COLUMNS = ("name", "email", "role", "reports_to_email")  # a roster of staff to invite
ALL_COLUMNS = (*COLUMNS, "phone")
PHONE_MAX = 40  # characters typed; longer is no phone number


class RosterError(ValueError):
    """The file as a whole cannot be used; the message is for the person who uploaded it."""


@dataclass
class ParsedRoster:
    rows: list[dict]
    sha256: str


def _check_size_and_kind(data: bytes) -> None:
    max_bytes = settings.ROSTER_MAX_BYTES
    if len(data) > max_bytes:
        raise RosterError(
            _("The file is larger than %(limit)s KB. Split it into smaller files.")
            % {"limit": max_bytes // 1024}
        )
    if not data.strip():
        raise RosterError(_("The file is empty."))
    if b"\x00" in data:
        raise RosterError(_("This is not a CSV text file. Save the roster as CSV (UTF-8)."))


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError(
            _("The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8”.")
        ) from None


def _columns(reader) -> list[str]:
    """The column names from the header line, in the file's order."""
    header = next(reader, None)
    if header is None:
        raise RosterError(_("The file is empty."))
    columns = [cell.strip().lower() for cell in header]
    known = set(columns) <= set(ALL_COLUMNS) and len(set(columns)) == len(columns)
    if not known or not set(REQUIRED) <= set(columns):
        raise RosterError(
            _(
                "The first line must name the columns %(expected)s, and may add "
                "%(optional)s; this file has %(found)s."
            )
            % {
                "expected": ", ".join(REQUIRED),
                "optional": ", ".join(c for c in ALL_COLUMNS if c not in REQUIRED),
                "found": ", ".join(c for c in columns if c) or _("no column names"),
            }
        )
    return columns


def phone_parse(text: str) -> tuple[str, str]:
    """(E.164 number, "") for a possible phone number, ("", problem) otherwise; ("", "")
    for an empty cell. US numbers may be written without the country code."""
    text = text.strip()
    if not text:
        return "", ""
    problem = _(
        "“%(phone)s” is not a phone number we can use. Write it as 303-555-0123, or "
        "with + and the country code."
    ) % {"phone": text[:PHONE_MAX]}
    if len(text) > PHONE_MAX:
        return "", problem
    try:
        number = phonenumbers.parse(text, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return "", problem
    if not phonenumbers.is_valid_number(number):
        return "", problem
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), ""


def _row(cells: list[str], columns: list[str], line: int) -> dict:
    """One person, or a row that carries its problem when its cells do not fit the header."""
    if len(cells) != len(columns):
        row = {"line": line, **dict.fromkeys(ALL_COLUMNS, ""), "phone_text": ""}
        row["problem"] = _("This line has %(found)s cells instead of %(expected)s.") % {
            "found": len(cells),
            "expected": len(columns),
        }
        return row
    row = {"line": line, **dict.fromkeys(ALL_COLUMNS, "")}
    row.update({col: cells[i].strip() for i, col in enumerate(columns)})
    row["email"] = row["email"].lower()
    row["reports_to_email"] = row["reports_to_email"].lower()
    row["phone_text"] = row["phone"][:PHONE_MAX]
    row["phone"], phone_problem = phone_parse(row["phone"])
    if phone_problem:
        row["phone_problem"] = phone_problem
    return row


def _rows(reader, columns: list[str]) -> list[dict]:
    max_rows = settings.ROSTER_MAX_ROWS
    rows: list[dict] = []
    seen: dict[str, int] = {}  # email or phone -> the line it first appears on
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= max_rows:
            raise RosterError(
                _("The file has more than %(limit)s people. Split it into smaller files.")
                % {"limit": max_rows}
            )
        row = _row(cells, columns, line)
        for key in (row["email"], row["phone"]):
            if not key:
                continue
            if key in seen:
                raise RosterError(
                    _(
                        "%(email)s appears on line %(first)s and again on line %(line)s. "
                        "Each person may appear only once."
                    )
                    % {"email": key, "first": seen[key], "line": line}
                )
            seen[key] = line
        rows.append(row)
    return rows


def roster_parse(data: bytes) -> ParsedRoster:
    """Decode and split a roster file, or raise RosterError with a plain message."""
    _check_size_and_kind(data)
    reader = csv.reader(io.StringIO(_decode(data), newline=""), strict=True)
    try:
        rows = _rows(reader, _columns(reader))
    except csv.Error as error:
        raise RosterError(
            _("The file could not be read as CSV near line %(line)s (%(error)s).")
            % {"line": reader.line_num, "error": error}
        ) from None
    if not rows:
        raise RosterError(_("The file has a header line but nobody in it."))
    return ParsedRoster(rows=rows, sha256=hashlib.sha256(data).hexdigest())
