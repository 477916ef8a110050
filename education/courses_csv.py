"""Reading a course CSV: the file checks that reject it whole, and one dict per line.

Columns (a header line, any order): title, provider, format, hours, ceus, standards,
items, description. `format` is in_person, online or conference (or its English name);
`standards` lists standard numbers and `items` item numbers, separated by ";"
("2;3", "2.1;2.3"). What each line will do is decided by `course_import_plan`.
"""

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _

from .models import DESCRIPTION_MAX, HOURS_MAX, TITLE_MAX, Course

COLUMNS = ("title", "provider", "format", "hours", "ceus", "standards", "items", "description")
REQUIRED_COLUMNS = ("title", "provider", "format", "hours")
# Sizes: a course list is short; these bound what one upload may hold.
MAX_BYTES = 1_048_576
MAX_ROWS = 1_000

FORMAT_NAMES = {
    "in_person": Course.Format.IN_PERSON,
    "in person": Course.Format.IN_PERSON,
    "in-person": Course.Format.IN_PERSON,
    "online": Course.Format.ONLINE,
    "conference": Course.Format.CONFERENCE,
    "conference session": Course.Format.CONFERENCE,
}


class CourseFileError(ValueError):
    """The file as a whole cannot be used; the message is for the person who uploaded it."""


@dataclass
class ParsedCourses:
    rows: list[dict]
    sha256: str


def max_bytes() -> int:
    return getattr(settings, "COURSE_IMPORT_MAX_BYTES", MAX_BYTES)


def _check_size_and_kind(data: bytes) -> None:
    limit = max_bytes()
    if len(data) > limit:
        raise CourseFileError(
            _("The file is larger than %(limit)s KB. Split it into smaller files.")
            % {"limit": limit // 1024}
        )
    if not data.strip():
        raise CourseFileError(_("The file is empty."))
    if b"\x00" in data or data[:4] in (b"%PDF", b"PK\x03\x04"):
        raise CourseFileError(_("This is not a CSV text file. Save the list as CSV (UTF-8)."))


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CourseFileError(
            _("The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8”.")
        ) from None


def _columns(reader) -> list[str]:
    header = next(reader, None)
    if header is None:
        raise CourseFileError(_("The file is empty."))
    columns = [cell.strip().lower() for cell in header]
    unknown = [c for c in columns if c not in COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if unknown or missing or len(set(columns)) != len(columns):
        raise CourseFileError(
            _(
                "The first line must name the columns %(expected)s (ceus, standards, items "
                "and description may be left out); this file has %(found)s."
            )
            % {
                "expected": ", ".join(COLUMNS),
                "found": ", ".join(c for c in columns if c) or _("no column names"),
            }
        )
    return columns


def _codes(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;,\s]+", value) if part.strip()]


def _decimal(value: str) -> Decimal | None:
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _line(cells: list[str], columns: list[str], line: int) -> dict:
    """One course as text, with `problems` found in the line itself."""
    row = {"line": line, **dict.fromkeys(COLUMNS, "")}
    if len(cells) != len(columns):
        row["problems"] = [
            _("This line has %(found)s cells instead of %(expected)s.")
            % {"found": len(cells), "expected": len(columns)}
        ]
        return row
    row.update({col: cells[i].strip() for i, col in enumerate(columns)})
    problems = []
    if not row["title"]:
        problems.append(_("The title is missing."))
    elif len(row["title"]) > TITLE_MAX:
        problems.append(_("The title is longer than %(max)s characters.") % {"max": TITLE_MAX})
    if not row["provider"]:
        problems.append(_("The provider is missing."))
    elif len(row["provider"]) > TITLE_MAX:
        problems.append(_("The provider is longer than %(max)s characters.") % {"max": TITLE_MAX})
    if len(row["description"]) > DESCRIPTION_MAX:
        problems.append(
            _("The description is longer than %(max)s characters.") % {"max": DESCRIPTION_MAX}
        )
    fmt = FORMAT_NAMES.get(row["format"].strip().lower())
    if fmt is None:
        problems.append(
            _("The format must be in_person, online or conference; it is “%(value)s”.")
            % {"value": row["format"][:40]}
        )
    row["format"] = str(fmt or row["format"])
    hours = _decimal(row["hours"])
    if hours is None or not 0 < hours <= HOURS_MAX or hours != round(hours, 2):
        problems.append(
            _("The hours must be a number more than 0 and at most %(max)s.") % {"max": HOURS_MAX}
        )
    else:
        row["hours"] = str(hours)
    if row["ceus"]:
        ceus = _decimal(row["ceus"])
        if ceus is None or not 0 < ceus < 1000 or ceus != round(ceus, 2):
            problems.append(_("The CEUs must be a number more than 0, or left empty."))
        else:
            row["ceus"] = str(ceus)
    row["standards"] = _codes(row["standards"])
    row["items"] = _codes(row["items"])
    if not row["standards"] and not row["items"]:
        problems.append(_("Name at least one standard or application item."))
    row["problems"] = problems
    return row


def courses_parse(data: bytes) -> ParsedCourses:
    """Decode and split a course file, or raise CourseFileError with a plain message."""
    _check_size_and_kind(data)
    reader = csv.reader(io.StringIO(_decode(data), newline=""), strict=True)
    rows: list[dict] = []
    try:
        columns = _columns(reader)
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise CourseFileError(
                    _("The file has more than %(limit)s courses. Split it into smaller files.")
                    % {"limit": MAX_ROWS}
                )
            rows.append(_line(cells, columns, reader.line_num))
    except csv.Error as error:
        raise CourseFileError(
            _("The file could not be read as CSV near line %(line)s (%(error)s).")
            % {"line": reader.line_num, "error": error}
        ) from None
    if not rows:
        raise CourseFileError(_("The file has a header line but no course in it."))
    return ParsedCourses(rows=rows, sha256=hashlib.sha256(data).hexdigest())
