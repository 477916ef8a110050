"""The personal results chart (server-rendered SVG) and the results PDF."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify

from accounts.models import User
from accounts.permissions import shown_name
from core.documents import pdf_from_html, static_fetcher

from . import selectors
from .models import Assessment

CHART_BAR_WIDTH = 480
CHART_ROW = 46
CHART_TOP = 26


def _n(value: float) -> str:
    """A coordinate as SVG wants it: a dot decimal whatever the page's language."""
    return f"{value:.1f}".removesuffix(".0")


def chart(data: selectors.Results) -> dict:
    """Coordinates for a bar chart of the averages per standard, each labelled above its bar."""
    top = data.max_rating or 4

    def length(value) -> float:
        return float(value) / top * CHART_BAR_WIDTH if value else 0.0

    rows = []
    for index, standard_result in enumerate(data.standards):
        y = CHART_TOP + index * CHART_ROW
        current = standard_result.average
        previous = standard_result.previous_average
        rows.append(
            {
                "standard": standard_result.standard,
                "label_y": _n(y + 12),
                "bar_y": _n(y + 18),
                "value_y": _n(y + 30),
                "average": current,
                "width": _n(length(current)),
                "value_x": _n(length(current) + 6),
                "previous": previous,
                "previous_y": _n(y + 34),
                "previous_width": _n(length(previous)),
            }
        )
    height = CHART_TOP + len(rows) * CHART_ROW + 4
    return {
        "rows": rows,
        "ticks": [
            {"value": v, "x": _n(1 + v / top * (CHART_BAR_WIDTH - 2))} for v in range(top + 1)
        ],
        "width": CHART_BAR_WIDTH + 44,
        "height": height,
        "axis_bottom": height,
        "has_previous": data.previous is not None,
    }


# The report exports and the benchmarks share the same fetcher.
_static_fetcher = static_fetcher


def results_pdf(assessment: Assessment, *, viewer: User | None = None) -> tuple[str, str, bytes]:
    """The personal results as a tagged PDF: (filename, content type, bytes), naming
    people as `viewer` (by default the person) may read their names."""
    viewer = viewer or assessment.user
    data = selectors.with_training(selectors.results(assessment), viewer=viewer)
    language = assessment.user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        html = render_to_string(
            "assessments/assessment_results_pdf.html",
            {
                "assessment": assessment,
                "results": data,
                "chart": chart(data),
                "generated_at": timezone.now(),
                "language": language,
                "user": viewer,
            },
        )
    content = pdf_from_html(html)
    name = shown_name(assessment.user, viewer, office_id=assessment.office_id)
    person = slugify(name) or str(assessment.user_id)
    filename = f"assessment-{person}-{slugify(assessment.cycle.name)}.pdf"
    return filename, "application/pdf", content
