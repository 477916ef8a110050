""" "Download my data": everything the portal holds about a person, as JSON and as PDF.

Exports return (filename, content type, bytes); views only wrap them.
"""

import datetime
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.text import slugify

from accounts.models import User
from core.documents import pdf_from_html

from .personal_data import personal_data


def _stem(user: User) -> str:
    return slugify(user.full_name) or f"person-{user.pk}"


def my_data_json(user: User) -> tuple[str, str, bytes]:
    """Everything the portal holds about the person, as JSON."""
    data = personal_data(user)
    content = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    return f"my-data-{_stem(user)}.json", "application/json", content.encode("utf-8")


def _readable_times(value):
    """ISO timestamps as people read them (UTC), throughout the nested data."""
    if isinstance(value, dict):
        return {k: _readable_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_readable_times(v) for v in value]
    if isinstance(value, str) and len(value) >= 25 and value[10:11] == "T":
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return value


def my_data_pdf(user: User) -> tuple[str, str, bytes]:
    """Everything the portal holds about the person, as a tagged PDF (PDF/UA)."""
    data = _readable_times(personal_data(user))
    language = user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        html = render_to_string(
            "front/my_data_pdf.html",
            {"person": user, "data": data, "language": language},
        )
    content = pdf_from_html(html)
    return f"my-data-{_stem(user)}.pdf", "application/pdf", content
