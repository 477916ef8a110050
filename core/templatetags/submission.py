"""The hidden submission token every saving form carries (see core.submissions)."""

import uuid

from django import template
from django.utils.html import format_html

from core.submissions import FIELD

register = template.Library()


@register.simple_tag
def submission_token():
    """A new token each time the form is shown: `{% submission_token %}` inside the form."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, uuid.uuid4())
