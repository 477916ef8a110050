"""Coordinates for the reports' server-rendered SVG charts, the same in page and PDF.

Every chart is followed by a table holding its figures, its text alternative.
"""

import math
from decimal import Decimal

LABEL = 250
BAR = 360
ROW = 22
TOP = 30
# Rating 1..4 then not applicable; chosen to stay apart for colour-blind readers.
COLOURS = ["#b02a37", "#e49b0f", "#5a8fc8", "#12355b", "#adb5bd"]


def _n(value: float) -> str:
    """A coordinate with a dot decimal whatever the page's language."""
    return f"{value:.1f}".removesuffix(".0")


# SVG text does not wrap by itself: labels are broken into lines that fit the label column
# (about 6 units a character at 11 units, DejaVu Sans being the widest of the fonts).
LABEL_CHARS = 38
LINE = 13


def wrap(label: str, width: int = LABEL_CHARS) -> list[str]:
    """The label in lines of at most `width` characters, broken between words."""
    lines: list[str] = []
    for word in str(label).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _height(lines: list[str]) -> float:
    return max(ROW, len(lines) * LINE + 6)


def _rows(rows: list[dict]) -> list[tuple[dict, list[str], float]]:
    """Each row with its label's lines and its bar's top: a row is as tall as its label
    needs, and its 16-unit bar sits in the middle of it."""
    out = []
    top = float(TOP)
    for row in rows:
        lines = wrap(row["label"])
        out.append((row, lines, top + (_height(lines) - ROW) / 2))
        top += _height(lines)
    return out


def _label_lines(lines: list[str], y: float) -> list[dict]:
    """Baselines for the label's lines, centred on the bar that starts at y."""
    first = y + 12 - (len(lines) - 1) * LINE / 2
    return [{"text": text, "y": _n(first + i * LINE)} for i, text in enumerate(lines)]


def _bottom(placed: list[tuple[dict, list[str], float]]) -> float:
    if not placed:
        return float(TOP)
    _row, lines, y = placed[-1]
    return y - (_height(lines) - ROW) / 2 + _height(lines)


def stacked(rows: list[dict]) -> dict:
    """Horizontal 100 % bars: each row {"label", "percents" (1..4, N/A), "note"}, and
    "lang" when the label is in another language than the page (an edition's titles)."""
    out = []
    placed = _rows(rows)
    for row, lines, y in placed:
        x = float(LABEL)
        segments = []
        for value, colour in zip(row["percents"] or [], COLOURS, strict=False):
            # Rounded shares may add up to 101 %: the bar still ends at 100 %.
            width = min(BAR * value / 100, LABEL + BAR - x)
            if width > 0:
                segments.append({"x": _n(x), "width": _n(width), "colour": colour})
            x += width
        out.append(
            {
                "label": row["label"],
                "lines": _label_lines(lines, y),
                "lang": row.get("lang", ""),
                "y": _n(y),
                "text_y": _n(y + 13),
                "segments": segments,
                "note": row.get("note", ""),
                "note_x": LABEL + 6,
            }
        )
    height = _bottom(placed) + 8
    legend = [
        {"x": LABEL + i * 72, "text_x": LABEL + i * 72 + 14, "colour": c}
        for i, c in enumerate(COLOURS)
    ]
    return {
        "rows": out,
        "legend": legend,
        "width": LABEL + BAR + 20,
        "height": _n(height),
        "label_x": LABEL - 8,
        "bar_x": LABEL,
        "bar_width": BAR,
        "ticks": [
            {"x": _n(LABEL + BAR * p / 100), "label": f"{p} %"} for p in (0, 25, 50, 75, 100)
        ],
        "axis_bottom": _n(height - 6),
    }


def _value_place(value, width: float, marker_x: float | None) -> tuple[float, bool]:
    """Where a bar's value is written: at the end of its bar, inside it (in white) when it
    fits, else just past it; moved aside from last cycle's mark rather than written over
    it, and never beyond it, where it would read as that mark's value."""
    text = 6.2 * len(str(value)) + 2  # its width at 11 units
    end = LABEL + width
    if width >= text + 8:
        x = end - 4
        if marker_x is not None and x - text - 2 <= marker_x <= x + 2:
            x = marker_x - 4
        if x - text >= LABEL + 2:
            return x, True
    x = end + 4
    if marker_x is not None and x - 2 <= marker_x <= x + text + 2:
        x = marker_x + 4
    return x, False


def bars(rows: list[dict], *, top: float) -> dict:
    """Horizontal bars from 0 to `top`: each row {"label", "value", "marker" (optional),
    "lang" (optional, as for `stacked`)}."""
    out = []
    placed = _rows(rows)
    for row, lines, y in placed:
        value = row["value"]
        width = BAR * float(value) / top if value is not None and top else 0
        marker = row.get("marker")
        marker_x = LABEL + BAR * float(marker) / top if marker is not None and top else None
        value_x, inside = _value_place(value, width, marker_x)
        out.append(
            {
                "label": row["label"],
                "lines": _label_lines(lines, y),
                "lang": row.get("lang", ""),
                "y": _n(y),
                "text_y": _n(y + 12),
                "width": _n(width),
                "value": value,
                "value_x": _n(value_x),
                "value_anchor": "end" if inside else "start",
                "value_fill": "#fff" if inside else "#212529",
                "marker_x": _n(marker_x) if marker_x is not None else None,
                "marker_top": _n(y - 2),
                "marker_bottom": _n(y + 18),
                "note": row.get("note", ""),
            }
        )
    has_marker = any(r["marker_x"] is not None for r in out)
    bottom = _bottom(placed)
    legend_y = bottom + 10
    height = legend_y + (22 if has_marker else 0) - 2
    if top <= 10:
        ticks = [float(v) for v in range(int(top) + 1)]
    else:
        step = math.ceil(top / 5)
        ticks = [float(v) for v in range(0, int(top) + 1, step)]
    return {
        "rows": out,
        "width": LABEL + BAR + 60,
        "height": _n(height),
        "label_x": LABEL - 8,
        "ticks": [{"x": _n(LABEL + BAR * t / top), "label": _tick(t)} for t in ticks],
        "axis_bottom": _n(bottom + 2),
        "bar_x": LABEL,
        "bar_width": BAR,
        "note_x": LABEL + 6,
        "has_marker": has_marker,
        "legend": {
            "y": _n(legend_y),
            "text_y": _n(legend_y + 11),
            "top": _n(legend_y - 1),
            "bottom": _n(legend_y + 13),
            "bar_x": LABEL,
            "bar_text_x": LABEL + 16,
            "mark_x": LABEL + 130,
            "mark_text_x": LABEL + 138,
        },
    }


def _tick(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else _n(value)


def as_float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None
