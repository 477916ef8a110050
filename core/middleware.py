"""Request and response guards: a friendly 503 while the database cannot be reached, a 400
for a form in a foreign charset, and private caching for signed-in people."""

import codecs
import logging

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control

from core import outage
from core.views import error_400

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After when the database is down or a connection was dropped.

    Listed near the top of MIDDLEWARE, so it sees what the middleware below it do:
    - while this process knows the database is away (`core.outage`), it answers at once;
    - otherwise it first takes the request's database connection; with the psycopg pool
      that waits up to the pool's short timeout, then gives up and tells `core.outage`,
      so that the requests after it are answered at once until a probe connects again;
    - a database error in a view reaches process_exception; if it took the connection
      with it, `core.outage` checks at once whether PostgreSQL is still there;
    - one in a later middleware (loading the session or the user) becomes an error page
      that needs the database too, and that failure comes back up through __call__.
    The health check is let through untouched: it answers for itself, within a second.
    Once PostgreSQL is back the pool opens fresh connections: no restart is needed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self.is_health_check(request):
            return self.get_response(request)
        if outage.database_away():
            return self.unavailable(request, None)
        try:
            connection.ensure_connection()
        except DATABASE_ERRORS as error:
            outage.report_unreachable()
            return self.unavailable(request, error)
        try:
            return self.get_response(request)
        except DATABASE_ERRORS as error:
            outage.report_if_lost()
            return self.unavailable(request, error)

    @staticmethod
    def is_health_check(request) -> bool:
        try:
            return request.path == reverse("healthz")
        except NoReverseMatch:  # a URLconf without it
            return False

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            outage.report_if_lost()
            return self.unavailable(request, exception)
        return None

    def unavailable(self, request, error: Exception | None) -> HttpResponse:
        # Logged when it happens; while the outage is known, core.outage has said so once.
        if error is not None:
            logger.warning(
                "Database unavailable for %s %s: %s",
                request.method,
                request.path,
                str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__,
            )
        # Rendered without the request's context processors: they would ask the
        # database who is signed in.
        body = loader.get_template("errors/503.html").render({"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
        return response


class PrintableUserAgentMiddleware:
    """Drop control characters from the User-Agent header before anything stores it.

    Sessions, sign-in records and pledges keep the agent; PostgreSQL text cannot hold NUL,
    and a stored agent is shown to people. Costs no query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        agent = request.META.get("HTTP_USER_AGENT")
        if agent and not agent.isprintable():
            request.META["HTTP_USER_AGENT"] = "".join(ch for ch in agent if ch.isprintable())
        return self.get_response(request)


class FormCharsetMiddleware:
    """Answer the portal's 400 page to a form posted in another charset than UTF-8.

    Django refuses such a form with BadRequest only when `request.POST` is first read; under
    DEBUG its error page reads `request.POST` again and fails with a 500. Checked here,
    before anything reads the body, the answer is the same 400 in every mode. Spellings of
    UTF-8 other than "utf-8" (UTF8, utf_8) are taken as UTF-8.
    """

    FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        charset = request.content_params.get("charset")
        if request.content_type in self.FORM_TYPES and charset:
            try:
                codec = codecs.lookup(charset).name
            except LookupError:
                codec = None  # Django ignores an unknown charset and reads UTF-8
            if codec == "utf-8":
                request.encoding = "utf-8"
            elif codec is not None:
                return error_400(request)
        return self.get_response(request)


class PrivateCacheMiddleware:
    """`Cache-Control: private, no-store` on every answer to a signed-in person.

    Their pages and downloads show their data (at the least, their name in the header), so
    neither a shared cache nor the browser's history may keep them. Answers that already
    forbid storing are left alone, without asking who is signed in; public pages for
    visitors who are not signed in keep their own headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "no-store" in response.get("Cache-Control", ""):
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
