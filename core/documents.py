"""What every export shares: PDFs that WeasyPrint renders from static files read on disk
and the portal seals, and CSV that a spreadsheet will not execute. Exports return
(filename, content_type, data).
"""

import csv
import functools
import mimetypes
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.utils.translation import gettext

from .seal import seal_pdf

# A spreadsheet runs a cell that starts with one of these as a formula.
CSV_DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> object:
    """A CSV cell a spreadsheet will not run: text starting with = + - @ tab or CR is quoted."""
    if isinstance(value, str) and value.startswith(CSV_DANGEROUS_PREFIXES):
        return "'" + value
    return value


class _Echo:
    def write(self, value):
        return value


def csv_stream(rows: Iterable[Iterable]) -> Iterator[str]:
    """The rows as CSV text, a line at a time, every cell made safe (for streaming)."""
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so spreadsheets read UTF-8
    for row in rows:
        yield writer.writerow([csv_safe(cell) for cell in row])


def static_file(url: str) -> Path | None:
    """The file on disk behind a /static/ URL (or a file: URL inside the static folders)."""
    parsed = urlparse(url)
    path = unquote(parsed.path)
    if parsed.scheme not in ("", "file", "http", "https"):
        return None
    if path.startswith(settings.STATIC_URL):
        relative = path.removeprefix(settings.STATIC_URL)
        if ".." in Path(relative).parts:
            return None
        try:
            found = finders.find(relative)
        except SuspiciousFileOperation:
            return None
        if found:
            return Path(found)
        collected = Path(settings.STATIC_ROOT) / relative
        return collected if collected.is_file() else None
    if parsed.scheme == "file":
        candidate = Path(path).resolve()
        roots = [Path(d).resolve() for d in settings.STATICFILES_DIRS]
        if candidate.is_file() and any(candidate.is_relative_to(root) for root in roots):
            return candidate
    return None


def _tag_languages(tags) -> None:
    """Give a tagged PDF's structure element the `lang` of its HTML element, when it has one.

    WeasyPrint (70) writes only the document's /Lang, so in a Spanish PDF the English
    statements of the standards would be read with a Spanish voice (WCAG 3.1.2). Its tree
    builder, `weasyprint.pdf.tags._build_box_tree`, calls itself through the module for
    every box, so one wrapper sees each box with the structure elements made from it.
    """
    import pydyf

    build = tags._build_box_tree
    if getattr(build, "sets_lang", False):
        return

    def build_with_lang(box, *args):
        element = getattr(box, "element", None)
        lang = element.get("lang") if element is not None else None
        if getattr(box, "element_tag", None) == "html":
            lang = None  # the document's language: already the catalogue's /Lang
        for struct in build(box, *args):
            if lang and "Lang" not in struct:
                struct["Lang"] = pydyf.String(lang)
            yield struct

    build_with_lang.sets_lang = True
    tags._build_box_tree = build_with_lang


@functools.cache
def _weasyprint():
    """WeasyPrint, its URL fetcher and its font configuration, prepared once per process."""
    import weasyprint
    from weasyprint.pdf import tags
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFileFetcher(URLFetcher):
        # Documents never reach the network: only files in the static folders load.
        def fetch(self, url, headers=None):
            found = static_file(url)
            if found is None:
                raise ValueError(f"Refusing to fetch {url!r} while rendering a PDF.")
            content_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                found.as_uri(), found.read_bytes(), {"Content-Type": content_type}
            )

    _tag_languages(tags)
    return weasyprint, StaticFileFetcher(), FontConfiguration()


def static_fetcher():
    """The URL fetcher that reads static files from disk and fetches nothing else."""
    return _weasyprint()[1]


@functools.cache
def _stylesheet(static_path: str):
    weasyprint, fetcher, fonts = _weasyprint()
    path = Path(finders.find(static_path))
    return weasyprint.CSS(
        string=path.read_text(encoding="utf-8"),
        base_url=path.as_uri(),
        url_fetcher=fetcher,
        font_config=fonts,
    )


def pdf_from_html(
    html: str,
    *,
    stylesheets: tuple[str, ...] = (),
    base_url: str = "",
    seal_reason: str = "",
    seal_contact: str = "",
) -> bytes:
    """A tagged PDF rendered from the HTML and sealed by the portal (core.seal).

    Every PDF the portal issues comes through here, so every one carries the seal.
    `seal_reason` and `seal_contact` (where to check the document) are shown in a PDF
    reader's signature panel.
    """
    return seal_pdf(
        render_pdf(html, stylesheets=stylesheets, base_url=base_url),
        reason=seal_reason or gettext("Issued by the Standards Portal"),
        contact=seal_contact or settings.SITE_URL + "/",
    )


def render_pdf(html: str, *, stylesheets: tuple[str, ...] = (), base_url: str = "") -> bytes:
    """A tagged PDF (PDF/UA-1, title and language from the HTML), not yet sealed."""
    weasyprint, fetcher, fonts = _weasyprint()
    document = weasyprint.HTML(
        string=html, base_url=base_url or settings.SITE_URL + "/", url_fetcher=fetcher
    ).render(
        stylesheets=[_stylesheet(path) for path in stylesheets],
        font_config=fonts,
        pdf_tags=True,
    )
    return document.write_pdf(pdf_variant="pdf/ua-1", custom_metadata=True)
