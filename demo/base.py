"""What every part of the demo shares: the `Demo` it builds, its password and email
domain, and finding or adding a person and placing them in an office.
"""

import datetime
import functools
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import Association, Office, User
from accounts.services import membership_start, user_create
from pledges.models import Cycle

DEMO_PASSWORD = "standards-demo-2026"
DEMO_DOMAIN = "demo.test"


@dataclass
class MemberOffice:
    """A larger member office whose finished assessments give the reports real figures."""

    office: Office
    manager: User
    staff: list[User]
    base: float  # the office's typical rating

    def finishers(
        self, cycle: Cycle, *, current: bool
    ) -> list[tuple[int, User, datetime.datetime]]:
        """(number, person, when) of the staff who finished the cycle: all of them last
        cycle, three in four in the current one, each a day after the one before."""
        opened = timezone.make_aware(datetime.datetime.combine(cycle.opens_on, datetime.time(10)))
        latest = timezone.now() - datetime.timedelta(days=1)
        return [
            (n, user, min(latest, opened + datetime.timedelta(days=20 + n)))
            for n, user in enumerate(self.staff)
            if not (current and n % 4 == 3)
        ]


@dataclass
class Demo:
    """What `seed` made. `people` are the accounts of the five demo offices, the
    association roles and the site administrator, by email local part; the larger member
    offices keep their own people in `member_offices`."""

    association: Association
    other_association: Association
    offices: dict[str, Office]
    people: dict[str, User]
    cycles: list[Cycle]  # oldest first; the last is the current, open one
    member_offices: list[MemberOffice] = field(default_factory=list)


def email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


@functools.cache
def _password_hash() -> str:
    # Hashing is deliberately slow; every demo account shares one password, so hash it once.
    return make_password(DEMO_PASSWORD)


def person(local: str, name: str) -> User:
    """The demo account `local@demo.test`, created with the demo password if missing."""
    user = User.objects.filter(email=email(local)).first()
    if user is None:
        user = user_create(email=email(local), full_name=name)
        user.password = _password_hash()
        user.save(update_fields=["password"])
    return user


def place(user: User, office: Office, role: str, boss: User | None) -> None:
    """Make the person a member of the office unless they already are."""
    current = user.active_membership
    if current is None or current.office_id != office.pk:
        membership_start(user=user, office=office, role=role, reports_to=boss)
