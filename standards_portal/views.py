from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from pledges.selectors import edition_standards, published_edition

from .dashboard import home_context
from .pagecache.decorators import cached_page


def home(request):
    if not request.user.is_authenticated:
        return render(request, "home_public.html", {"edition": published_edition()})
    return render(request, "home.html", home_context(request.user))


home = login_not_required(cached_page(home))


@login_not_required
@require_GET
def standards(request):
    edition = published_edition()
    return render(
        request,
        "pledges/standards_detail.html",
        {
            "edition": edition,
            "standards": edition_standards(edition) if edition else [],
        },
    )


@login_not_required
@never_cache
@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


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
