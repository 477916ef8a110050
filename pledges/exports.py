"""Pledge certificates as PDF. Exports return (filename, content_type, bytes)."""

import functools
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlparse

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from .chain import canonical_pledge_text, sha256_text
from .models import Pledge
from .selectors import edition_standards

CERTIFICATE_CSS = "css/certificate.css"


def _static_path(url: str) -> Path | None:
    """The file on disk behind a static URL or file: URL inside the static folders."""
    parsed = urlparse(url)
    path = unquote(parsed.path)
    if parsed.scheme in ("", "file") and path.startswith(settings.STATIC_URL):
        try:
            found = finders.find(path.removeprefix(settings.STATIC_URL))
        except SuspiciousFileOperation:
            return None
        return Path(found) if found else None
    if parsed.scheme == "file":
        candidate = Path(path).resolve()
        roots = [Path(d).resolve() for d in settings.STATICFILES_DIRS]
        if any(candidate.is_relative_to(root) for root in roots) and candidate.is_file():
            return candidate
    return None


@functools.cache
def _weasy():
    """WeasyPrint's stylesheet and fonts, prepared once per process."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFileFetcher(URLFetcher):
        # Certificates never reach the network: only files in the static folders load.
        def fetch(self, url, headers=None):
            path = _static_path(url)
            if path is None:
                raise ValueError(f"Certificates load static files only, not {url!r}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                path.as_uri(), path.read_bytes(), {"Content-Type": content_type}
            )

    fetcher = StaticFileFetcher()
    fonts = FontConfiguration()
    css_path = Path(finders.find(CERTIFICATE_CSS))
    stylesheet = weasyprint.CSS(
        string=css_path.read_text(encoding="utf-8"),
        base_url=css_path.as_uri(),
        url_fetcher=fetcher,
        font_config=fonts,
    )
    return weasyprint, fetcher, fonts, stylesheet


def qr_svg(url: str) -> str:
    """An SVG QR code for the URL, inline (no file, no network)."""
    qr = segno.make(url, error="m")
    return qr.svg_inline(scale=3, border=2, dark="#000", light="#fff", omitsize=False)


def verification_url(pledge: Pledge) -> str:
    return settings.SITE_URL + reverse("pledge-verify-code", args=[pledge.verification_code])


def pledge_certificate_pdf(pledge: Pledge) -> tuple[str, str, bytes]:
    """The certificate of an active pledge: the text as signed, who, when, and its code."""
    weasyprint, fetcher, fonts, stylesheet = _weasy()
    standards = edition_standards(pledge.edition)
    text_matches = sha256_text(canonical_pledge_text(pledge.edition, standards)) == (
        pledge.text_sha256
    )
    url = verification_url(pledge)
    language = pledge.edition.language or settings.LANGUAGE_CODE
    with translation.override(pledge.user.preferred_language or language):
        html = render_to_string(
            "pledges/pledge_certificate.html",
            {
                "pledge": pledge,
                "edition": pledge.edition,
                "standards": standards,
                "text_matches": text_matches,
                "verification_url": url,
                "qr": mark_safe(qr_svg(url)),  # noqa: S308 — segno's own SVG markup
                "language": language,
            },
        )
    document = weasyprint.HTML(
        string=html, base_url=settings.STATIC_URL, url_fetcher=fetcher
    ).render(stylesheets=[stylesheet], font_config=fonts, pdf_tags=True)
    data = document.write_pdf(pdf_variant="pdf/ua-1")
    name = slugify(pledge.user.full_name or pledge.typed_name) or "pledge"
    filename = f"pledge-certificate-{slugify(pledge.cycle.name)}-{name}.pdf"
    return filename, "application/pdf", data
