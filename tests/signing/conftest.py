import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from core import sms
from signing.models import SigningSession
from signing.services import RosterRow, roster_add, session_create


def make_session(world, cycle, **overrides):
    """An office session running now (started ten minutes ago, two hours long)."""
    now = timezone.now()
    options = {
        "by": world.manager,
        "office": world.office,
        "title": "Poll worker training",
        "place": "Room B, County Building",
        "starts_at": now - datetime.timedelta(minutes=10),
        "ends_at": now + datetime.timedelta(hours=2),
        "cycle": cycle,
        "audience": SigningSession.Audience.STAFF,
        "capacity": 40,
    }
    options.update(overrides)
    return session_create(**options)


@pytest.fixture
def session(world, cycle):
    return make_session(world, cycle)


@pytest.fixture
def roster(session, world):
    """Three expected poll workers without accounts: by email, by phone, by both."""
    roster_add(
        session=session,
        by=world.manager,
        rows=[
            RosterRow(full_name="Ana Ruiz", email="ana.ruiz@example.org"),
            RosterRow(full_name="Ben Okafor", phone="+17205550101"),
            RosterRow(full_name="Chloe Park", email="chloe@example.org", phone="+17205550102"),
        ],
    )
    return {entry.full_name: entry for entry in session.roster.all()}


@pytest.fixture(autouse=True)
def _fresh_limits_and_texts():
    cache.clear()
    sms.outbox.clear()
    yield
    cache.clear()
    sms.outbox.clear()
