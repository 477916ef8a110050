"""While PostgreSQL cannot be reached, pages and /healthz answer at once, and come back.

The database is made unreachable for real: the connection settings point at a port on
127.0.0.1 where nothing answers (closed), or where a socket accepts the connection and
then never speaks (as a host that hangs), and the pool is a fresh one for that address.
"""

import socket
import time
from contextlib import contextmanager

import pytest
from django.db import connections
from django.urls import reverse

from core import outage

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connections["default"].vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


@contextmanager
def silent_port():
    """A port that accepts connections and never answers them."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def database_at(port: int):
    """The default database's settings point at `port` (with a pool of their own) until the
    block ends; then the real database is back and this process notices it."""
    database = connections["default"]
    database.close()
    settings = database.settings_dict
    saved_port = settings["PORT"]
    saved_pool = database._connection_pools.pop(database.alias, None)
    settings["PORT"] = str(port)
    try:
        yield
    finally:
        database.close()
        if database.alias in database._connection_pools:
            database._connection_pools.pop(database.alias).close(timeout=0)
        settings["PORT"] = saved_port
        if saved_pool is not None:
            database._connection_pools[database.alias] = saved_pool
        deadline = time.monotonic() + 5
        while outage.database_away() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not outage.database_away()


def timed(client, path):
    started = time.monotonic()
    response = client.get(path)
    return response, time.monotonic() - started


@pytest.mark.parametrize("unreachable", ["closed", "silent"])
def test_health_check_answers_json_within_a_second_when_postgresql_is_away(client, unreachable):
    with silent_port() as silent:
        port = closed_port() if unreachable == "closed" else silent
        with database_at(port):
            response, seconds = timed(client, "/healthz")
            assert seconds < 1.0
            assert response.status_code == 503
            assert response["Content-Type"] == "application/json"
            assert response.json() == {
                "status": "unavailable",
                "database": "down",
                "cache": "ok",
                "tasks": "ok",
            }
            # Known to be away now: the next checks do not wait at all.
            response, seconds = timed(client, "/healthz")
            assert response.status_code == 503 and seconds < 0.1
    assert client.get("/healthz").json()["database"] == "ok"


def test_pages_answer_the_503_page_at_once_while_the_database_is_away(client, edition):
    page = reverse("standards")
    assert client.get(page).status_code == 200
    with database_at(closed_port()):
        # The first request waits for the pool's short timeout (2 s), not 10 s...
        response, seconds = timed(client, page)
        assert response.status_code == 503 and "briefly unavailable" in response.text
        assert seconds < 3.0
        # ...and the ones after it are answered at once.
        for _ in range(5):
            response, seconds = timed(client, page)
            assert response.status_code == 503 and "briefly unavailable" in response.text
            assert seconds < 0.1
        assert outage.database_away()
    # The database is back (the block has waited until this process noticed).
    back = None
    started = time.monotonic()
    while time.monotonic() - started < 2.0:
        if client.get(page).status_code == 200:
            back = time.monotonic() - started
            break
        time.sleep(0.05)
    assert back is not None and back < 2.0
