"""Marking text that is in another language than the page (WCAG 3.1.2, language of parts)."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def in_language(text, language: str):
    """The text in a span carrying its own `lang`, for a translated sentence that quotes it.

    `{% blocktranslate with title=standard.short_title|in_language:edition.language %}`
    keeps the sentence in the page's language and the quoted title in the edition's.
    """
    if not language:
        return text
    return format_html('<span lang="{}">{}</span>', language, text)
