"""Knowing whether anything was written since a page was cached.

Two numbers change after every write to the database through Django:

- `_local`: this process's count of writes, raised as soon as a write statement
  runs (before it commits). A page cached in this process before a write it made itself is
  never served after it, inside or outside a transaction.
- the `Generation` row: raised once per transaction, after it commits (or straight after the
  statement outside a transaction). Every process reads it with the session (see
  `sessions`; with another session engine, with the signed-in person, see
  `accounts.backends`),
  so a page cached by any process before another process's commit is never served after.

Writes are seen by a wrapper on every database connection, so no code path can forget to
report one: saves, bulk writes, raw SQL, the admin, management commands and background
tasks alike. Writes to tables no cached page shows are ignored: sessions, the database
cache (rate limits) and allauth's session activity. Writes made outside Django (psql, a
restored backup) are not seen; cached pages then last at most PAGE_CACHE_SECONDS, and a
restart clears them.
"""

import hashlib
import itertools
import logging
import re

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.core.signals import request_finished
from django.db import DatabaseError, connections
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate, pre_migrate

logger = logging.getLogger(__name__)

_writes = itertools.count(1)
_local = 0
# While `migrate` runs the table may not exist yet; the local generation still moves.
_migrating = False

# Statements that change nothing. Anything else (INSERT, UPDATE, DELETE, DDL, a WITH that
# may write) counts as a write.
_READ = re.compile(
    r"\s*(SELECT|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|SET|SHOW|PRAGMA|EXPLAIN|VALUES)\b",
    re.IGNORECASE,
)
_TARGET = re.compile(
    r"\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+[\"`]?([\w.]+)",
    re.IGNORECASE,
)
_ignored: frozenset[str] = frozenset()


def request_generation(request) -> int | None:
    """The shared generation as this request first read it: with the session, or else
    with the signed-in person (another session engine)."""
    user = request.user  # the session is read first, and with it the generation
    generation = getattr(request.session, "page_generation", None)
    return generation if generation is not None else getattr(user, "page_generation", None)


_stores: list[LocMemCache] = []
_seen = (0, 0)  # the newest (shared, local) generations this process has keyed by


def memory(name: str) -> LocMemCache:
    """A store in this process's memory of PAGE_CACHE_ENTRIES entries; each is kept for
    PAGE_CACHE_SECONDS as the setting is when it is stored (see `keep`), and all are
    dropped as soon as a newer generation is seen (see `key`)."""
    store = LocMemCache(
        name, {"OPTIONS": {"MAX_ENTRIES": settings.PAGE_CACHE_ENTRIES, "CULL_FREQUENCY": 4}}
    )
    _stores.append(store)
    return store


def keep(store: LocMemCache, store_key: str, value) -> None:
    store.set(store_key, value, timeout=settings.PAGE_CACHE_SECONDS)


def key(generation: int, *parts) -> str:
    """A short key for `parts` at `generation` and this process's own generation.

    Entries kept under older generations can never be read again: the first key made
    under a newer one drops them all, so memory holds only what can still be served.
    """
    global _seen
    local = _local
    seen_generation, seen_local = _seen
    if generation > seen_generation or local > seen_local:
        _seen = (max(generation, seen_generation), max(local, seen_local))
        for store in _stores:
            store.clear()
    text = "\n".join(map(str, (generation, local, *parts)))
    return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()


def _ignored_tables() -> frozenset[str]:
    from allauth.usersessions.models import UserSession
    from django.contrib.sessions.models import Session

    from .models import Generation

    tables = {Session._meta.db_table, UserSession._meta.db_table, Generation._meta.db_table}
    for cache in settings.CACHES.values():
        if cache["BACKEND"].endswith("db.DatabaseCache"):
            tables.add(cache["LOCATION"])
    return frozenset(t.lower() for t in tables)


def is_write(sql: str) -> bool:
    if _READ.match(sql):
        return False
    target = _TARGET.match(sql)
    return target is None or target.group(1).lower() not in _ignored


def _bump(alias: str) -> None:
    """Raise the shared generation; a missing row (a flushed test database) is put back."""
    from .models import Generation

    connection = connections[alias]
    table = connection.ops.quote_name(Generation._meta.db_table)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE id = 1")  # noqa: S608
            if cursor.rowcount == 0:
                Generation.objects.using(alias).get_or_create(pk=1, defaults={"value": 2})
    except DatabaseError as error:
        # The write itself is committed; cached pages expire after PAGE_CACHE_SECONDS.
        logger.warning("page cache: the generation could not be raised: %s", error)


_bumpers: dict = {}


def _bumper(alias: str):
    if alias not in _bumpers:
        _bumpers[alias] = lambda: _bump(alias)
    return _bumpers[alias]


def written(connection) -> None:
    """Record a write on `connection`: now for this process, after commit for all."""
    global _local
    _local = next(_writes)
    if _migrating:
        return
    if connection.in_atomic_block:
        # Once per transaction: a save of 38 answers raises it once, not 38 times.
        bump = _bumper(connection.alias)
        if not any(entry[1] is bump for entry in connection.run_on_commit):
            connection.on_commit(bump, robust=True)
    else:
        # Committed already, but the statement's cursor may still be read (RETURNING
        # rows): raised before the connection's next statement, or by `flush()` when the
        # request's response is ready, whichever comes first.
        connection.pagecache_pending = True


def flush(connection=None) -> None:
    """Raise the shared generation for writes made outside a transaction."""
    for conn in [connection] if connection is not None else connections.all(initialized_only=True):
        if (
            getattr(conn, "pagecache_pending", False)
            and not conn.in_atomic_block
            and conn.get_autocommit()
        ):
            conn.pagecache_pending = False
            _bump(conn.alias)


def _watch(execute, sql, params, many, context):
    connection = context["connection"]
    if getattr(connection, "pagecache_pending", False):
        flush(connection)
    result = execute(sql, params, many, context)
    if is_write(sql):
        written(connection)
    return result


class FlushMiddleware:
    """Raises the generation for the request's writes outside transactions before the
    response leaves, so the next request (to any process) sees them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        flush()
        return response


def _install(sender, connection, **kwargs):
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def _migrate_started(sender, **kwargs):
    global _migrating
    _migrating = True


def _migrate_finished(sender, **kwargs):
    global _migrating
    _migrating = False


def _request_finished(sender, **kwargs):
    flush()  # after a streamed response; nothing is pending after the others


def connect() -> None:
    global _ignored
    _ignored = _ignored_tables()
    connection_created.connect(_install, dispatch_uid="pagecache-watch-writes")
    pre_migrate.connect(_migrate_started, dispatch_uid="pagecache-migrate-started")
    request_finished.connect(_request_finished, dispatch_uid="pagecache-flush")
    post_migrate.connect(_migrate_finished, dispatch_uid="pagecache-migrate-finished")
    # This thread's connections now (before any `execute_wrapper` block could wrap them);
    # other threads' when they connect.
    for connection in connections.all():
        _install(None, connection)
