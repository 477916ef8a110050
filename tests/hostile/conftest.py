"""The world of the URL matrix, plus helpers to send hostile requests and compare state."""

import contextlib
import copy
import os

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings

from assessments.summaries import summaries_rebuild

from ..test_url_matrix import _no_throttle, matrix_once  # noqa: F401  (fixtures)

# Hypothesis runs many examples inside one test function and its fixtures; each example
# is rolled back (see `rolled_back`), so the function-scoped fixtures are safe to share.
settings.register_profile(
    "hostile",
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
    # The same examples every run, so a failure reproduces; HOSTILE_EXPLORE=1 draws new ones.
    derandomize=not os.environ.get("HOSTILE_EXPLORE"),
    database=None,
)
HOSTILE = settings.get_profile("hostile")

# Tables a refused request may still touch: sessions (sign-in) and the database cache.
VOLATILE = {"sessions", "usersessions", "django_tasks_database"}
VOLATILE_MODELS = set()


@contextlib.contextmanager
def rolled_back():
    """One Hypothesis example: whatever it writes is undone, throttles start afresh."""
    cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def dump() -> dict:
    """Every row of every table a request could change, for before/after comparison."""
    state = {}
    for model in apps.get_models():
        if model._meta.app_label in VOLATILE or model._meta.label in VOLATILE_MODELS:
            continue
        fields = [f.attname for f in model._meta.concrete_fields]
        state[model._meta.label] = sorted(model.objects.order_by().values_list(*fields), key=repr)
    return state


def changed(before: dict, after: dict) -> dict:
    """Which tables differ, with the rows added and removed, for a readable failure."""
    diff = {}
    for label, rows in after.items():
        old = before.get(label, [])
        if rows != old:
            diff[label] = {
                "added": [r for r in rows if r not in old][:3],
                "removed": [r for r in old if r not in rows][:3],
            }
    return diff


def is_refusal(response) -> bool:
    return 400 <= response.status_code < 500


def set_state(user, state: str) -> None:
    """Put the user's assessment in `state`, written directly, with summaries rebuilt."""
    from assessments.models import Assessment

    Assessment.objects.filter(user=user).update(
        state=state, submitted_at=None if state == "draft" else timezone.now()
    )
    summaries_rebuild()


ROLES = [
    "anonymous",
    "official",
    "colleague",
    "supervisor",
    "other_supervisor",
    "manager",
    "other_official",
    "other_manager",
    "analyst",
    "other_analyst",
    "association_admin",
    "site_admin",
]


def signed_in_clients(world) -> dict:
    """One test client per role, signed in (as allauth does) before any example runs:
    a sign-in inside an example would be rolled back with it."""
    from django.test import Client

    from ..pledges.conftest import fresh_login

    clients = {}
    for role in ROLES:
        clients[role] = Client()
        if role != "anonymous":
            fresh_login(clients[role], getattr(world, role))
    return clients


@pytest.fixture
def clients(hostile_world):
    return signed_in_clients(hostile_world[0])


@pytest.fixture(scope="module")
def hostile_once(matrix_once, django_db_blocker):  # noqa: F811
    """The URL matrix's objects, with the report summaries the services keep up to date,
    made once per module (see `matrix_once`)."""
    with django_db_blocker.unblock():
        summaries_rebuild()
    return matrix_once


@pytest.fixture
def hostile_world(hostile_once, db, _no_throttle):  # noqa: F811
    """A copy per test; what a test writes is rolled back after it."""
    return copy.deepcopy(hostile_once)
