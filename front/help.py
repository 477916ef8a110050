"""Help pages in plain language, and the first-visit introduction on the home page.

The help pages hold nothing private, so anyone may read them, signed in or not.
"""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from accounts.services import user_welcome_dismiss
from pledges.selectors import published_edition

# (URL name, title) in the order the index lists them.
TOPICS = [
    ("pledge", _("The pledge")),
    ("rating-scale", _("The rating scale")),
    ("review", _("Self-assessment and review")),
    ("privacy", _("Who sees what")),
    ("accessibility", _("Accessibility and language")),
]


def _topics(current: str | None = None) -> list[dict]:
    return [
        {
            "name": name,
            "title": title,
            "url": reverse(f"help:help-{name}"),
            "current": name == current,
        }
        for name, title in TOPICS
    ]


def _topic(request, name: str, extra: dict | None = None):
    title = dict(TOPICS)[name]
    context = {"topics": _topics(name), "title": title, **(extra or {})}
    return render(request, f"help/help_{name.replace('-', '_')}.html", context)


@login_not_required
@require_GET
def help_index(request):
    return render(request, "help/help_index.html", {"topics": _topics()})


@login_not_required
@require_GET
def help_pledge(request):
    return _topic(request, "pledge")


@login_not_required
@require_GET
def help_rating_scale(request):
    edition = published_edition()
    levels = list(edition.rating_levels.order_by("value")) if edition else []
    return _topic(request, "rating-scale", {"edition": edition, "levels": levels})


@login_not_required
@require_GET
def help_review(request):
    return _topic(request, "review")


def _duration(seconds: int) -> str:
    """'30 minutes', '8 hours': a settings value in words."""
    now = timezone.now()
    return timesince(now - datetime.timedelta(seconds=seconds), now)


@login_not_required
@require_GET
def help_privacy(request):
    return _topic(
        request,
        "privacy",
        {
            "minimum": settings.SMALL_CELL_MINIMUM,
            "idle_limit": _duration(settings.SESSION_IDLE_TIMEOUT),
            "session_limit": _duration(settings.SESSION_COOKIE_AGE),
        },
    )


@login_not_required
@require_GET
def help_accessibility(request):
    return _topic(request, "accessibility")


@require_POST
def welcome_dismiss(request):
    user_welcome_dismiss(user=request.user)
    messages.info(request, _("The introduction is hidden. Help has a link to show it again."))
    return redirect(reverse("home") + "#main")
