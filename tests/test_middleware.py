"""The portal answers a friendly 503, never a 500 or a traceback, while the database is away.

The failures are real database errors: Django's execute_wrapper makes the connection refuse
queries (both databases), and on PostgreSQL the server itself drops our connection
(pg_terminate_backend), as it does when it restarts.
"""

import psycopg
import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from assessments import services
from assessments.models import Assessment, ItemResponse
from tests.assessments.conftest import all_answers, edition_items, form_data
from tests.factories import MembershipFactory, UserFactory


class Refuse:
    """An execute wrapper that fails like a lost connection, after `allow` statements."""

    def __init__(self, allow: int = 0, only_writes: bool = False):
        self.allow = allow
        self.only_writes = only_writes
        self.refused = 0

    def __call__(self, execute, sql, params, many, context):
        is_write = sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        if not self.only_writes or is_write:
            if self.allow <= 0:
                self.refused += 1
                raise OperationalError("server closed the connection unexpectedly")
            self.allow -= 1
        return execute(sql, params, many, context)


def assert_friendly_503(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    assert "briefly unavailable" in text
    assert "Traceback" not in text and "OperationalError" not in text
    assert "server closed the connection" not in text


@pytest.mark.django_db
def test_public_page_answers_503_when_the_database_refuses(client, edition):
    refuse = Refuse()
    with connection.execute_wrapper(refuse):
        response = client.get(reverse("standards"))
    assert refuse.refused >= 1
    assert_friendly_503(response)
    assert client.get(reverse("standards")).status_code == 200


@pytest.mark.django_db
def test_signed_in_page_answers_503_when_the_session_cannot_be_read(client, edition, caplog):
    client.force_login(MembershipFactory().user)
    # The session is read by a middleware; Django turns that error into an error page
    # which itself needs the database, and the test client would re-raise the first error.
    client.raise_request_exception = False
    refuse = Refuse()
    with connection.execute_wrapper(refuse):
        response = client.get(reverse("home"))
    assert_friendly_503(response)
    assert "Database unavailable for GET /" in caplog.text
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_health_check_keeps_its_own_json_answer(client):
    with connection.execute_wrapper(Refuse()):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"] == "down"


@pytest.mark.django_db
def test_save_cut_off_half_way_answers_503_and_stores_nothing(client, cycle):
    official = MembershipFactory().user
    assessment = services.assessment_start(user=official, cycle=cycle)
    items = edition_items(cycle)
    services.assessment_save(
        assessment=assessment, by=official, version=assessment.version, answers=all_answers(cycle)
    )
    assessment.refresh_from_db()
    client.force_login(official)
    data = form_data(assessment, {item.pk: ("4", f"new {item.pk}") for item in items})
    url = reverse("assessments:assessment-edit", args=[assessment.pk])

    refuse = Refuse(allow=1, only_writes=True)  # the first row is written, then the link drops
    with connection.execute_wrapper(refuse):
        response = client.post(url, data)

    assert refuse.refused == 1
    assert_friendly_503(response)
    assert Assessment.objects.get(pk=assessment.pk).version == assessment.version
    stored = ItemResponse.objects.filter(assessment=assessment)
    assert stored.count() == len(items)
    assert set(stored.values_list("rating", "comment")) == {(3, "")}

    response = client.post(url, data)  # sent again once the database is back
    assert response.status_code == 302
    assert set(stored.values_list("rating", flat=True)) == {4}


def terminate(pid: int) -> None:
    """Drop a backend from another connection, as a PostgreSQL restart does."""
    params = connection.settings_dict
    with psycopg.connect(
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        user=params["USER"],
        password=params["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_connection_dropped_by_postgresql_answers_503_then_recovers_without_restart(client):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    client.force_login(UserFactory())
    client.raise_request_exception = False  # as in the signed-in test above
    assert client.get(reverse("home")).status_code == 200

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    terminate(pid)
    assert_friendly_503(client.get(reverse("home")))

    # Between real requests Django hands an unusable connection back (the pool drops it);
    # the test client skips that step, so take it here.
    connection.close_if_unusable_or_obsolete()
    assert client.get(reverse("home")).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
