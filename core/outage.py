"""Knowing, without waiting, that PostgreSQL is away, and noticing at once that it is back.

Each server process keeps one switch. A request that cannot get a connection within the
pool's timeout (`DATABASE_POOL_TIMEOUT`, 2 s) turns it on. While it is on, the middleware
answers the 503 page at once and `/healthz` says "down" at once, instead of every
request holding a sync worker while the pool waits in vain; meanwhile one background
thread opens a plain connection every `PROBE_INTERVAL` seconds, and its first success
turns the switch off. The pool has by then given up its own retries (its
`reconnect_timeout` is short), so the next request connects afresh.

SQLite cannot go away like this: the switch is for PostgreSQL only.
"""

import logging
import threading
import time

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

PROBE_INTERVAL = 0.25  # seconds between two attempts to connect while the database is away

_lock = threading.Lock()
_since: float | None = None  # time.monotonic() when the switch went on
_watcher: threading.Thread | None = None


def database_away() -> bool:
    """Whether this process knows the database is unreachable (costs nothing)."""
    return _since is not None


def away_for() -> float:
    """Seconds since the switch went on (0 when it is off)."""
    since = _since
    return 0.0 if since is None else time.monotonic() - since


def report_unreachable(alias: str = DEFAULT_DB_ALIAS) -> None:
    """A connection could not be had: answer at once from now on, until a probe connects."""
    global _since, _watcher
    database = connections[alias]
    if database.vendor != "postgresql":
        return
    with _lock:
        if _since is None:
            _since = time.monotonic()
            logger.warning("Database unreachable: answering 503 until a connection succeeds")
        if _watcher is None:
            _watcher = threading.Thread(
                target=_watch, args=(database,), name="database-outage-probe", daemon=True
            )
            _watcher.start()


def database_answers(*, timeout: float, alias: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the database answers `SELECT 1`, known within about `timeout` seconds.

    With the pool, and no connection taken yet by this request, the connection is asked of
    the pool with this deadline rather than the pool's own; without the pool the connect
    timeout (`DATABASE_CONNECT_TIMEOUT`) bounds it. Only a connection that cannot be had
    turns the switch on: a failing query on a live connection is not an outage.
    """
    if database_away():
        return False
    database = connections[alias]
    pool = getattr(database, "pool", None)
    if pool is None or database.connection is not None:
        try:
            database.ensure_connection()
        except DatabaseError:
            report_unreachable(alias)
            return False
        try:
            with database.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError:
            return False
        return True

    import psycopg

    pool.open()
    try:
        connection = pool.getconn(timeout=timeout)
    except psycopg.Error:
        report_unreachable(alias)
        return False
    try:
        connection.execute("SELECT 1").fetchone()
    except psycopg.Error:
        return False
    finally:
        pool.putconn(connection)
    return True


def report_if_lost(alias: str = DEFAULT_DB_ALIAS) -> None:
    """After a database error: if it took the connection with it (PostgreSQL shutting down,
    the link cut), find out now whether the server still takes new ones; if not, the
    requests after this one are answered at once. A single dropped connection on a
    server that is up costs one quick connection and changes nothing."""
    database = connections[alias]
    raw = database.connection
    if database.vendor != "postgresql" or raw is None or not raw.closed:
        return
    if not _connects(database):
        report_unreachable(alias)


def check_connection(conn) -> None:
    """The pool's check of each connection it hands out (`DATABASES` OPTIONS "pool").

    psycopg_pool's own check, except when a connection is found dead and the server takes
    no new ones either: then the switch goes on and the dead connection is handed out as
    it is, so that its request fails at once (503) instead of waiting out the pool's
    timeout for a replacement that cannot come.
    """
    import psycopg
    from psycopg_pool import ConnectionPool

    try:
        ConnectionPool.check_connection(conn)
    except psycopg.Error:
        database = connections[DEFAULT_DB_ALIAS]
        if database_away() or not _connects(database):
            report_unreachable()
            return
        raise


def _connects(database) -> bool:
    """Whether a new connection can be opened now (within the connect timeout)."""
    import psycopg

    try:
        # The settings are read again each time: the same parameters the pool uses.
        psycopg.connect(**database.get_connection_params()).close()
    except psycopg.Error:
        return False
    return True


def _watch(database) -> None:
    """Connect every PROBE_INTERVAL until it works, then turn the switch off."""
    global _since, _watcher
    while True:
        time.sleep(PROBE_INTERVAL)
        try:
            if not _connects(database):
                continue
        except Exception:
            # Whatever else goes wrong, the switch must not stick: say so and try again.
            logger.exception("Database probe failed")
            continue
        with _lock:
            logger.warning("Database reachable again after %.1f s", away_for())
            _since = None
            _watcher = None
        return
