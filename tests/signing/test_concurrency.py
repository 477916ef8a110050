"""Thirty people joining in the same second: one account, one attendance and one pledge each."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from accounts.models import User
from pledges.models import Pledge
from pledges.selectors import verify_chain
from signing import services
from signing.models import Attendance, RosterEntry, SigningSession

from ..factories import CycleFactory, MembershipFactory, load_edition
from ..pledges.conftest import META

PEOPLE = 20
TWICE = 10  # of whom this many join from two phones at the same moment
CODE = Pledge.IdentifiedBy.TRAINER_CODE


@pytest.fixture
def unpooled(monkeypatch):
    """Each thread is one web worker with a connection of its own, as in production; the
    test process's small pool (8) would make thirty threads queue for a connection. The
    test's own connection is closed on both sides, so none outlives the setting it was
    opened under."""
    connection.close()
    monkeypatch.delitem(connections.settings["default"]["OPTIONS"], "pool", raising=False)
    yield
    connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_thirty_joins_in_the_same_second_make_no_duplicate_person_or_pledge(unpooled):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    cycle = CycleFactory(edition=load_edition())
    manager = MembershipFactory(role="manager").user
    now = timezone.now()
    session = services.session_create(
        by=manager,
        office=manager.active_membership.office,
        title="Poll worker training",
        place="Hall A",
        starts_at=now - datetime.timedelta(minutes=5),
        ends_at=now + datetime.timedelta(hours=2),
        cycle=cycle,
        audience=SigningSession.Audience.ROSTER,
        capacity=100,
    )
    services.roster_add(
        session=session,
        by=manager,
        rows=[
            services.RosterRow(full_name=f"Worker {n:02d}", email=f"worker{n}@example.org")
            for n in range(PEOPLE)
        ],
    )
    entries = list(RosterEntry.objects.filter(session=session).order_by("id"))
    joins = entries + entries[:TWICE]
    joined, signing = threading.Barrier(len(joins)), threading.Barrier(len(joins))
    errors = []

    # Two moments, each with every thread at once: joining, then signing.
    def join(entry):
        attendance = None
        try:
            joined.wait()
            person = services.roster_person(session=session, entry=entry)
            attendance = services.attendance_join(
                session=session, user=person, identified_by=CODE, entry=entry
            )
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()
        try:
            signing.wait()
            if attendance is None:
                return
            services.attendance_sign(
                attendance=attendance,
                typed_name=entry.full_name,
                consent=True,
                request_meta=META,
                identified_by=CODE,
            )
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=join, args=(entry,)) for entry in joins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert User.objects.filter(email__startswith="worker").count() == PEOPLE
    assert Attendance.objects.filter(session=session).count() == PEOPLE
    assert Pledge.objects.filter(session_reference=session.reference).count() == PEOPLE
    assert RosterEntry.objects.filter(session=session, user__isnull=True).count() == 0
    assert verify_chain().intact
