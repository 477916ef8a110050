"""The health check and the error pages: no app's data, nothing but the database's pulse."""

import ipaddress

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import caches
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.tasks import task_backends
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core import outage
from core.outbox import outbox_message, outbox_messages

HEALTH_TIMEOUT = 0.8  # seconds: a load balancer gets its answer within a second


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """The database, the cache and the task queue, each "ok" or "down"; 503 unless all ok.

    On the happy path it costs the one `SELECT 1`: the cache and the task queue are
    asked separately only when they live somewhere else than the database.
    """
    database = "ok" if outage.database_answers(timeout=HEALTH_TIMEOUT) else "down"
    parts = {
        "database": database,
        "cache": _lives_in_database(caches["default"], database) or _cache_answers(),
        "tasks": _lives_in_database(task_backends["default"], database) or "ok",
    }
    healthy = all(state == "ok" for state in parts.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **parts}, status=200 if healthy else 503
    )


def _lives_in_database(backend, database: str) -> str | None:
    """The database's state for a backend kept in the database (DatabaseCache, django-tasks-db)."""
    return database if "Database" in type(backend).__name__ else None


def _cache_answers() -> str:
    try:
        caches["default"].get("core:healthz")
    except Exception:  # Redis raises its own errors, not Django's
        return "down"
    return "ok"


def error_404(request, exception=None):
    return render(request, "errors/404.html", status=404)


def error_403(request, exception=None):
    return render(request, "errors/403.html", status=403)


def csrf_failure(request, reason=""):
    """A refused form (missing or stale CSRF token): the portal's own page, no inline styles."""
    return render(request, "errors/403_csrf.html", status=403)


def error_500(request):
    return render(request, "errors/500.html", status=500)


def error_400(request, exception=None):
    return render(request, "errors/400.html", status=400)


def _outbox_reader(request) -> None:
    """The development outbox exists only under DEBUG, for staff or anyone on this machine
    (a newcomer reads their invitation before they have an account); 404 otherwise."""
    if not settings.DEBUG:
        raise Http404
    try:
        local = ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        local = False
    if not (local or request.user.is_staff):
        raise Http404


@login_not_required
@never_cache
@require_GET
def dev_outbox(request):
    """Development email, newest first: nothing here is ever sent."""
    _outbox_reader(request)
    return render(request, "core/dev_outbox.html", {"messages_sent": outbox_messages()})


@login_not_required
@never_cache
@require_GET
def dev_outbox_message(request, name):
    """One development email, decoded, with its links clickable."""
    _outbox_reader(request)
    message = outbox_message(name)
    if message is None:
        raise Http404
    return render(request, "core/dev_outbox_message.html", {"message": message})
