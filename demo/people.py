"""Demo data: one association, three offices of different sizes, about 40 people.

Idempotent: running it again finds what exists and adds only what is missing.
Capabilities add their own demo records through a `seed_demo(demo)` function in
their app's `demo.py`.
"""

import datetime
import functools
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import Association, AssociationRole, Membership, Office, User
from accounts.services import membership_start, user_create
from pledges.models import Cycle, Edition

from . import assessments, invitations, pledges, reports
from .mfa import seed_demo_authenticators

DEMO_PASSWORD = "standards-demo-2026"
DEMO_DOMAIN = "demo.test"

# (office key, name, state, kind)
OFFICES = [
    ("riverside", "Riverside County Elections", "CO", Office.Kind.COUNTY),
    ("maple", "Maple City Clerk's Office", "CO", Office.Kind.CITY),
    ("cedar", "Cedar Township Elections", "CO", Office.Kind.TOWNSHIP),
    ("aspen", "Aspen County Elections", "CO", Office.Kind.COUNTY),
    ("harbor", "Harbor County Board of Elections", "WA", Office.Kind.COUNTY),
]

# The named accounts listed in the README: (email local part, name, office, role, reports to).
NAMED = [
    ("manager", "Maria Alvarez", "riverside", Membership.Role.MANAGER, None),
    ("supervisor", "Sam Okafor", "riverside", Membership.Role.SUPERVISOR, "manager"),
    ("official", "Olivia Chen", "riverside", Membership.Role.OFFICIAL, "supervisor"),
    ("supervisor2", "Diego Ramirez", "riverside", Membership.Role.SUPERVISOR, "manager"),
    ("maple.manager", "Grace Whitfield", "maple", Membership.Role.MANAGER, None),
    ("cedar.manager", "Tom Becker", "cedar", Membership.Role.MANAGER, None),
    ("aspen.manager", "Leah Novak", "aspen", Membership.Role.MANAGER, None),
    ("harbor.manager", "Ken Ito", "harbor", Membership.Role.MANAGER, None),
]

FIRST = ["Ava", "Ben", "Carla", "Dev", "Ellen", "Felix", "Gina", "Hank", "Iris", "Jamal", "Kara",
         "Luis", "Mina", "Noah", "Opal", "Priya", "Quinn", "Rosa", "Saul", "Tara", "Uma", "Victor",
         "Wes", "Xena", "Yusuf", "Zoe", "Abby", "Brett", "Cora", "Dale"]  # fmt: skip
LAST = ["Adams", "Baker", "Cruz", "Dunn", "Evans", "Fox", "Garcia", "Hall", "Ingram", "Jones",
        "Khan", "Lopez", "Moore", "Nguyen", "Ortiz", "Patel", "Quist", "Reyes", "Stone", "Turner",
        "Usman", "Vega", "Walsh", "Xu", "Young", "Zimmer", "Abbott", "Brooks", "Cole",
        "Diaz"]  # fmt: skip

# How many further officials each office gets, and which supervisor key they report to.
STAFF = [
    ("riverside", 14, ["supervisor", "supervisor2"]),
    ("maple", 8, ["maple.manager"]),
    ("cedar", 4, ["cedar.manager"]),
    ("aspen", 6, ["aspen.manager"]),
    ("harbor", 5, ["harbor.manager"]),
]


@dataclass
class Demo:
    association: Association
    other_association: Association
    offices: dict[str, Office]
    people: dict[str, User]
    cycles: list[Cycle]  # oldest first; the last is the current, open one
    rng: random.Random = field(default_factory=lambda: random.Random(2024))


def _email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


@functools.cache
def _demo_password_hash() -> str:
    # Hashing is deliberately slow; every demo account shares one password, so hash it once.
    return make_password(DEMO_PASSWORD)


def _person(local: str, name: str) -> User:
    user = User.objects.filter(email=_email(local)).first()
    if user is None:
        user = user_create(email=_email(local), full_name=name)
        user.password = _demo_password_hash()
        user.save(update_fields=["password"])
    return user


def _cycles(edition: Edition) -> list[Cycle]:
    today = timezone.localdate()
    year = today.year
    previous, _ = Cycle.objects.get_or_create(
        name=str(year - 1),
        defaults={
            "edition": edition,
            "opens_on": datetime.date(year - 1, 1, 1),
            "closes_on": datetime.date(year - 1, 12, 31),
        },
    )
    current, _ = Cycle.objects.get_or_create(
        name=str(year),
        defaults={
            "edition": edition,
            "opens_on": datetime.date(year, 1, 1),
            "closes_on": datetime.date(year, 12, 31),
        },
    )
    return [previous, current]


@transaction.atomic
def seed(edition: Edition) -> Demo:
    """Create (or find) the demo association, offices, people and cycles."""
    offices = {}
    for key, name, state, kind in OFFICES:
        offices[key], _ = Office.objects.get_or_create(
            name=name, state=state, defaults={"kind": kind}
        )
    if not offices["maple"].publishes_registry:
        offices["maple"].publishes_registry = True
        offices["maple"].save(update_fields=["publishes_registry"])
    if offices["aspen"].named_in_benchmarks:
        offices["aspen"].named_in_benchmarks = False
        offices["aspen"].save(update_fields=["named_in_benchmarks"])

    association, _ = Association.objects.get_or_create(
        name="Centennial Association of Election Officials", defaults={"state": "CO"}
    )
    association.offices.add(
        offices["riverside"], offices["maple"], offices["cedar"], offices["aspen"]
    )
    other, _ = Association.objects.get_or_create(
        name="Evergreen Association of Election Officials", defaults={"state": "WA"}
    )
    other.offices.add(offices["harbor"])

    people: dict[str, User] = {}
    admin = _person("admin", "Alex Admin")
    if not admin.is_superuser:
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
    people["admin"] = admin

    for local, name, office_key, role, boss in NAMED:
        user = _person(local, name)
        people[local] = user
        _place(user, offices[office_key], role, people.get(boss) if boss else None)

    rng = random.Random(1787)
    names = [(f, ln) for f in FIRST for ln in LAST]
    rng.shuffle(names)
    index = 0
    for office_key, count, bosses in STAFF:
        for n in range(count):
            first, last = names[index]
            index += 1
            local = f"{first}.{last}".lower()
            user = _person(local, f"{first} {last}")
            people[local] = user
            boss = people[bosses[n % len(bosses)]]
            _place(user, offices[office_key], Membership.Role.OFFICIAL, boss)

    for local, name, assoc, role in [
        ("analyst", "Ana Lytics", association, AssociationRole.Role.ANALYST),
        ("association.admin", "Ray Director", association, AssociationRole.Role.ADMINISTRATOR),
        ("analyst2", "Eve Green", other, AssociationRole.Role.ANALYST),
    ]:
        user = _person(local, name)
        people[local] = user
        AssociationRole.objects.get_or_create(user=user, association=assoc, defaults={"role": role})
    demo = Demo(
        association=association,
        other_association=other,
        offices=offices,
        people=people,
        cycles=_cycles(edition),
    )
    for part in (pledges, assessments, reports, invitations):
        part.seed_demo(demo)
    # Privileged accounts must sign in with a second step: they share one documented
    # demo authenticator (`manage.py demo_mfa_code <email>` prints its code).
    seed_demo_authenticators(User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}"))
    return demo


def _place(user: User, office: Office, role: str, boss: User | None) -> None:
    current = user.active_membership
    if current is None or current.office_id != office.pk:
        membership_start(user=user, office=office, role=role, reports_to=boss)
