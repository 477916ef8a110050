"""`cached_page`: a signed-in person's page served again until anything is written.

A page is kept per person, address (path and query), language, day and generation (see
`freshness`): the first request renders it, the next ones until any write read it back.
What differs between two requests of the same person is put back on each: the CSRF token
(each form gets the requester's own, freshly masked) and the middleware's headers and
cookies. Not kept: other methods than GET, signed-out visitors, anything but a plain 200,
a response that sets a cookie or uses the CSP nonce, a view that wrote to the database
or changed the session, and a request with a message waiting to be shown (the page shows
and clears it).

Pages live in each process's memory (PAGE_CACHE_ENTRIES pages, PAGE_CACHE_SECONDS each;
0 turns the cache off), so nothing is shared or left behind between processes.
"""

import re
from functools import wraps

from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone

from .freshness import keep, key, memory, request_generation

_TOKEN = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_PLACEHOLDER = rb"\1\0csrf\0\2"
_KEPT_HEADERS = ("Content-Type", "Content-Language", "Cache-Control", "Expires", "Vary")

_pages = memory("standards-portal-pages")


def _key(request) -> str | None:
    if settings.PAGE_CACHE_SECONDS <= 0 or request.method != "GET":
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    generation = request_generation(request)
    if generation is None:  # the row is missing (a flushed test database)
        return None
    if len(getattr(request, "_messages", ())):
        return None
    return key(
        generation,
        user.pk,
        request.get_full_path(),
        getattr(request, "LANGUAGE_CODE", ""),
        timezone.localdate().isoformat(),  # what is due or closed changes with the day
    )


def _keep(response) -> dict | None:
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or response.has_header("Content-Disposition")
    ):
        return None
    content = _TOKEN.sub(_PLACEHOLDER, response.content)
    headers = {h: response[h] for h in _KEPT_HEADERS if response.has_header(h)}
    return {"content": content, "headers": headers}


def _replay(request, kept: dict) -> HttpResponse:
    token = get_token(request).encode()
    content = kept["content"].replace(b"\0csrf\0", token)
    response = HttpResponse(content)
    for header, value in kept["headers"].items():
        response[header] = value
    return response


def cached_page(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        page_key = _key(request)
        if page_key is None:
            return view(request, *args, **kwargs)
        kept = _pages.get(page_key)
        if kept is not None:
            return _replay(request, kept)
        session = dict(request.session.items())
        response = view(request, *args, **kwargs)
        unchanged = (
            page_key == _key(request)
            and dict(request.session.items()) == session
            and not getattr(request, "_csp_nonce", None)  # a nonce is for one response only
        )
        if unchanged and (kept := _keep(response)) is not None:
            keep(_pages, page_key, kept)
        return response

    return wrapped
