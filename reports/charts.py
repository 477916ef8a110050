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


def stacked(rows: list[dict]) -> dict:
    """Horizontal 100 % bars: each row {"label", "percents" (1..4, N/A), "note"}."""
    out = []
    for index, row in enumerate(rows):
        y = TOP + index * ROW
        x = float(LABEL)
        segments = []
        for value, colour in zip(row["percents"] or [], COLOURS, strict=False):
            width = BAR * value / 100
            if width > 0:
                segments.append({"x": _n(x), "width": _n(width), "colour": colour})
            x += width
        out.append(
            {
                "label": row["label"],
                "y": y,
                "text_y": y + 13,
                "segments": segments,
                "note": row.get("note", ""),
                "note_x": LABEL + 6,
            }
        )
    height = TOP + len(rows) * ROW + 8
    legend = [
        {"x": LABEL + i * 72, "text_x": LABEL + i * 72 + 14, "colour": c}
        for i, c in enumerate(COLOURS)
    ]
    return {
        "rows": out,
        "legend": legend,
        "width": LABEL + BAR + 20,
        "height": height,
        "label_x": LABEL - 8,
        "ticks": [
            {"x": _n(LABEL + BAR * p / 100), "label": f"{p} %"} for p in (0, 25, 50, 75, 100)
        ],
        "axis_bottom": height - 6,
    }


def bars(rows: list[dict], *, top: float) -> dict:
    """Horizontal bars from 0 to `top`: each row {"label", "value", "marker" (optional)}."""
    out = []
    for index, row in enumerate(rows):
        y = TOP + index * ROW
        value = row["value"]
        width = BAR * float(value) / top if value is not None and top else 0
        marker = row.get("marker")
        marker_width = BAR * float(marker) / top if marker is not None and top else 0
        out.append(
            {
                "label": row["label"],
                "y": y,
                "text_y": y + 13,
                "width": _n(width),
                "value": value,
                # The value sits past both the bar and last cycle's mark, never under it.
                "value_x": _n(LABEL + max(width, marker_width) + 6),
                "marker_x": _n(LABEL + BAR * float(marker) / top) if marker is not None else None,
                "note": row.get("note", ""),
            }
        )
    has_marker = any(r["marker_x"] is not None for r in out)
    legend_y = TOP + len(rows) * ROW + 10
    height = legend_y + (22 if has_marker else 0) - 2
    if top <= 10:
        ticks = [float(v) for v in range(int(top) + 1)]
    else:
        step = math.ceil(top / 5)
        ticks = [float(v) for v in range(0, int(top) + 1, step)]
    return {
        "rows": out,
        "width": LABEL + BAR + 60,
        "height": height,
        "label_x": LABEL - 8,
        "ticks": [{"x": _n(LABEL + BAR * t / top), "label": _tick(t)} for t in ticks],
        "axis_bottom": TOP + len(rows) * ROW + 2,
        "bar_x": LABEL,
        "has_marker": has_marker,
        "legend": {
            "y": legend_y,
            "text_y": legend_y + 11,
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
