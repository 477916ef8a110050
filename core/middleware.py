"""A friendly 503 while the database cannot be reached, instead of a 500 or a traceback."""

import logging

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After when the database is down or a connection was dropped.

    Listed near the top of MIDDLEWARE, so it sees what the middleware below it do:
    - before anything else, it takes the request's database connection; with the psycopg
      pool that waits up to the pool's timeout for PostgreSQL to come back, then gives up;
    - a database error in a view reaches process_exception;
    - one in a later middleware (loading the session or the user) becomes an error page
      that needs the database too, and that failure comes back up through __call__.
    Once PostgreSQL is back the pool opens fresh connections: no restart is needed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            connection.ensure_connection()
            return self.get_response(request)
        except DATABASE_ERRORS as error:
            return self.unavailable(request, error)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            return self.unavailable(request, exception)
        return None

    def unavailable(self, request, error: Exception) -> HttpResponse:
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
