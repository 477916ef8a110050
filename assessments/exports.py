"""The personal results chart (server-rendered SVG) and the results PDF."""

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify

from . import selectors
from .models import Assessment

CHART_LABEL_WIDTH = 210
CHART_BAR_WIDTH = 330
CHART_ROW = 34


def _n(value: float) -> str:
    """A coordinate as SVG wants it: a dot decimal whatever the page's language."""
    return f"{value:.1f}".removesuffix(".0")


def chart(data: selectors.Results) -> dict:
    """Coordinates for a horizontal bar chart of the averages per standard."""
    top = data.max_rating or 4
    rows = []
    has_previous = data.previous is not None
    for index, standard_result in enumerate(data.standards):
        y = 30 + index * CHART_ROW
        current = standard_result.average
        previous = standard_result.previous_average
        rows.append(
            {
                "standard": standard_result.standard,
                "y": y,
                "text_y": y + 12,
                "average": current,
                "width": _n(float(current) / top * CHART_BAR_WIDTH if current else 0),
                "value_x": _n(
                    CHART_LABEL_WIDTH
                    + (float(current) / top * CHART_BAR_WIDTH if current else 0)
                    + 6
                ),
                "previous": previous,
                "previous_y": y + 17,
                "previous_width": _n(float(previous) / top * CHART_BAR_WIDTH if previous else 0),
            }
        )
    ticks = [
        {"value": v, "x": _n(CHART_LABEL_WIDTH + v / top * CHART_BAR_WIDTH)}
        for v in range(0, top + 1)
    ]
    height = 30 + len(rows) * CHART_ROW + 10
    return {
        "rows": rows,
        "ticks": ticks,
        "label_width": CHART_LABEL_WIDTH,
        "bar_width": CHART_BAR_WIDTH,
        "width": CHART_LABEL_WIDTH + CHART_BAR_WIDTH + 50,
        "height": height,
        "axis_bottom": height - 10,
        "has_previous": has_previous,
        "legend_x": CHART_LABEL_WIDTH,
    }


def static_file(url: str) -> Path | None:
    """The file on disk behind a /static/ URL, or None."""
    path = unquote(urlparse(url).path)
    if not path.startswith(settings.STATIC_URL):
        return None
    relative = path[len(settings.STATIC_URL) :]
    if ".." in Path(relative).parts:
        return None
    found = finders.find(relative)
    if found:
        return Path(found)
    candidate = Path(settings.STATIC_ROOT) / relative
    return candidate if candidate.is_file() else None


def _static_fetcher():
    """A WeasyPrint URL fetcher that reads static files from disk and fetches nothing else."""
    import weasyprint
    from weasyprint.urls import URLFetcherResponse

    class StaticFileFetcher(weasyprint.URLFetcher):
        def fetch(self, url, headers=None):
            found = static_file(url)
            if found is None:
                raise ValueError(f"Refusing to fetch {url!r} while rendering a PDF.")
            mime, _ = mimetypes.guess_type(str(found))
            return URLFetcherResponse(
                url,
                found.read_bytes(),
                {"Content-Type": mime or "application/octet-stream"},
            )

    return StaticFileFetcher()


def results_pdf(assessment: Assessment) -> tuple[str, str, bytes]:
    """The personal results as a tagged PDF: (filename, content type, bytes)."""
    import weasyprint

    data = selectors.results(assessment)
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
            },
        )
    document = weasyprint.HTML(
        string=html, base_url=settings.SITE_URL + "/", url_fetcher=_static_fetcher()
    )
    content = document.write_pdf(pdf_tags=True, custom_metadata=True)
    person = slugify(assessment.user.full_name) or str(assessment.user_id)
    filename = f"assessment-{person}-{slugify(assessment.cycle.name)}.pdf"
    return filename, "application/pdf", content
