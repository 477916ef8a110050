"""A signing session in the demo: Riverside's poll worker training, running this week, with
its roster, the join link and QR code on its page, three people signed (one of them at the
door's kiosk, since locked) and a fourth expected who has not come yet."""

import datetime

from django.utils import timezone

from pledges.models import Pledge
from pledges.selectors import addendum_due
from pledges.services import RequestMeta
from signing import services
from signing.models import Kiosk, SigningSession

from .base import Demo

TITLE = "Poll worker training (demo)"
PLACE = "Training room B, Riverside County Building"
ROSTER = [
    services.RosterRow(full_name="Ana Ruiz", email="ana.ruiz@example.org"),
    services.RosterRow(full_name="Ben Whitaker", phone="+17205550101"),
    services.RosterRow(
        full_name="Chloe Park", email="chloe.park@example.org", phone="+17205550102"
    ),
    services.RosterRow(full_name="Dana Whitfield", email="dana.whitfield@example.org"),
]
META = RequestMeta(ip_address="192.0.2.10", user_agent="Demo data (seed_demo)")


def seed_sessions(demo: Demo) -> SigningSession:
    """Idempotent: a session that is still open is found, not made again."""
    riverside = demo.offices["riverside"]
    manager = demo.people["manager"]
    now = timezone.now()
    session = SigningSession.objects.filter(office=riverside, title=TITLE, ends_at__gt=now).first()
    if session is not None:
        return session
    start = timezone.localtime(now).replace(minute=0, second=0, microsecond=0)
    session = services.session_create(
        by=manager,
        office=riverside,
        title=TITLE,
        place=PLACE,
        starts_at=start - datetime.timedelta(hours=1),
        ends_at=start + datetime.timedelta(days=7),
        cycle=demo.cycles[-1],
        audience=SigningSession.Audience.STAFF,
        capacity=60,
    )
    services.roster_add(session=session, by=manager, rows=ROSTER)
    entries = {entry.full_name: entry for entry in session.roster.all()}
    # Two poll workers signed on their phones: one by the trainer's code, one by a code
    # sent to her email.
    _sign(session, entries["Ana Ruiz"], Pledge.IdentifiedBy.TRAINER_CODE)
    _sign(session, entries["Chloe Park"], Pledge.IdentifiedBy.EMAIL_CODE)
    # One at the kiosk by the door, which the manager then locked.
    kiosk, _secret = services.kiosk_unlock(session=session, by=manager)
    _sign(session, entries["Ben Whitaker"], Pledge.IdentifiedBy.TRAINER_CODE, kiosk=kiosk)
    services.kiosk_lock(kiosk=kiosk, reason=Kiosk.LockReason.MANAGER, by=manager)
    return session


def _sign(session, entry, identified_by, *, kiosk=None):
    person = services.roster_person(session=session, entry=entry)
    attendance = services.attendance_join(
        session=session, user=person, identified_by=identified_by, entry=entry, kiosk=kiosk
    )
    # Where the office requires an oath addendum, it is signed with the pledge, as shown.
    addendum = addendum_due(session.office).addendum
    services.attendance_sign(
        attendance=attendance,
        seen_addendum_sha256=addendum.text_sha256 if addendum is not None else None,
        typed_name=entry.full_name,
        consent=True,
        request_meta=RequestMeta(
            ip_address=META.ip_address,
            user_agent=META.user_agent,
            auth_method=Pledge.AuthMethod.ONE_TIME_CODE,
        ),
        identified_by=identified_by,
        kiosk=kiosk,
    )
