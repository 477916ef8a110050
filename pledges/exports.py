"""Pledge certificates as PDF. Exports return (filename, content_type, bytes)."""

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext

from core.documents import pdf_from_html

from .chain import canonical_addendum_text, canonical_pledge_text, sha256_text
from .models import Pledge
from .selectors import edition_standards
from .transparency import certificate_entry

CERTIFICATE_CSS = "css/certificate.css"


def qr_svg(url: str, *, title: str | None = None) -> str:
    """An SVG QR code for the URL, inline (no file, no network).

    Its title becomes the figure's alternative text in a tagged PDF.
    """
    qr = segno.make(url, error="m")
    return qr.svg_inline(scale=3, border=2, dark="#000", light="#fff", omitsize=False, title=title)


def verification_url(pledge: Pledge) -> str:
    return settings.SITE_URL + reverse("pledge-verify-code", args=[pledge.verification_code])


def pledge_certificate_pdf(pledge: Pledge) -> tuple[str, str, bytes]:
    """The certificate of an active pledge: the text as signed, who, when, and its code."""
    standards = edition_standards(pledge.edition)
    text_matches = sha256_text(canonical_pledge_text(pledge.edition, standards)) == (
        pledge.text_sha256
    )
    # The addendum's row is immutable once published; a mismatch would mean it was altered.
    addendum_matches = pledge.addendum is None or (
        sha256_text(canonical_addendum_text(pledge.addendum)) == pledge.addendum_sha256
    )
    url = verification_url(pledge)
    # The certificate speaks the signer's language; the edition's text inside it is marked
    # with the edition's own language.
    language = pledge.user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        html = render_to_string(
            "pledges/pledge_certificate.html",
            {
                "pledge": pledge,
                "edition": pledge.edition,
                "standards": standards,
                "text_matches": text_matches,
                "addendum": pledge.addendum,
                "addendum_matches": addendum_matches,
                "verification_url": url,
                "qr": mark_safe(  # noqa: S308 — segno's own SVG markup, title escaped
                    qr_svg(url, title=gettext("QR code linking to the verification page"))
                ),
                "language": language,
                "log_entry": certificate_entry(pledge),
            },
        )
        reason = gettext("Certificate of pledge %(code)s") % {"code": pledge.code_display}
    # The seal names the verification page, so `manage.py verify_pdf` finds the pledge.
    data = pdf_from_html(
        html,
        stylesheets=(CERTIFICATE_CSS,),
        base_url=settings.STATIC_URL,
        seal_reason=reason,
        seal_contact=url,
    )
    name = slugify(pledge.user.full_name or pledge.typed_name) or "pledge"
    filename = f"pledge-certificate-{slugify(pledge.cycle.name)}-{name}.pdf"
    return filename, "application/pdf", data
