"""The demo's organisations and people: two associations, nine offices, the named
accounts of the README, about 40 further staff and the association roles.

Offices join their association through `association_office_create`, people come from
`user_create` and `membership_start`, and Maple publishes its registry through
`registry_set`. Idempotent: what exists is found, only what is missing is added.
"""

import random

from accounts.models import Association, AssociationRole, Membership, Office, User
from accounts.services import association_office_add, association_office_create
from pledges.models import Cycle
from pledges.services import registry_set

from .base import Demo, MemberOffice, person, place

# (key, name, state)
ASSOCIATIONS = [
    ("centennial", "Centennial Association of Election Officials", "CO"),
    ("evergreen", "Evergreen Association of Election Officials", "WA"),
]

# (office key, name, state, kind, association key)
OFFICES = [
    ("riverside", "Riverside County Elections", "CO", Office.Kind.COUNTY, "centennial"),
    ("maple", "Maple City Clerk's Office", "CO", Office.Kind.CITY, "centennial"),
    ("cedar", "Cedar Township Elections", "CO", Office.Kind.TOWNSHIP, "centennial"),
    ("aspen", "Aspen County Elections", "CO", Office.Kind.COUNTY, "centennial"),
    ("harbor", "Harbor County Board of Elections", "WA", Office.Kind.COUNTY, "evergreen"),
]

# The named accounts listed in the README: (email local part, name, office, role, reports to).
NAMED = [
    ("manager", "Maria Alvarez", "riverside", Membership.Role.MANAGER, None),
    ("supervisor", "Sam Okafor", "riverside", Membership.Role.SUPERVISOR, "manager"),
    ("official", "Olivia Chen", "riverside", Membership.Role.OFFICIAL, "supervisor"),
    ("supervisor2", "Diego Ramirez", "riverside", Membership.Role.SUPERVISOR, "manager"),
    ("records", "Rita Morales", "riverside", Membership.Role.RECORDS_OFFICER, None),
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

# How many further officials each office gets, and which named accounts they report to.
STAFF = [
    ("riverside", 14, ["supervisor", "supervisor2"]),
    ("maple", 8, ["maple.manager"]),
    ("cedar", 4, ["cedar.manager"]),
    ("aspen", 6, ["aspen.manager"]),
    ("harbor", 5, ["harbor.manager"]),
]

# (email local part, name, association key, role)
ASSOCIATION_ROLES = [
    ("analyst", "Ana Lytics", "centennial", AssociationRole.Role.ANALYST),
    ("association.admin", "Ray Director", "centennial", AssociationRole.Role.ADMINISTRATOR),
    ("analyst2", "Eve Green", "evergreen", AssociationRole.Role.ANALYST),
]

# The larger Centennial members: (key, name, state, kind, staff, typical rating).
MEMBER_OFFICES = [
    ("pine", "Pine County Elections", "CO", Office.Kind.COUNTY, 9, 2.9),
    ("spruce", "Spruce City Elections", "CO", Office.Kind.CITY, 7, 2.2),
    # Five offices with enough results are needed before a spread is shown at all.
    ("birch", "Birch County Elections", "CO", Office.Kind.COUNTY, 8, 2.6),
    ("willow", "Willow Township Elections", "CO", Office.Kind.TOWNSHIP, 7, 3.1),
]
MEMBER_FIRST = ["Alma", "Bo", "Cyd", "Dana", "Eli", "Fay", "Gus", "Hope", "Ike"]


def seed_people(*, cycles: list[Cycle]) -> Demo:
    """Find or create the demo's associations, offices and people."""
    associations = {
        key: Association.objects.get_or_create(name=name, defaults={"state": state})[0]
        for key, name, state in ASSOCIATIONS
    }
    admin = _site_admin()
    offices = {
        key: _member(associations[group], name, state, kind, by=admin)
        for key, name, state, kind, group in OFFICES
    }
    people = {"admin": admin}
    for local, name, office_key, role, boss in NAMED:
        people[local] = person(local, name)
        place(people[local], offices[office_key], role, people.get(boss))
    _staff(offices, people)
    for local, name, group, role in ASSOCIATION_ROLES:
        people[local] = person(local, name)
        AssociationRole.objects.get_or_create(
            user=people[local], association=associations[group], defaults={"role": role}
        )
    members = _member_offices(associations["centennial"], by=admin)
    offices.update((key, member.office) for key, member in members.items())
    _office_settings(offices, people)
    return Demo(
        association=associations["centennial"],
        other_association=associations["evergreen"],
        offices=offices,
        people=people,
        cycles=cycles,
        member_offices=list(members.values()),
    )


def _site_admin() -> User:
    admin = person("admin", "Alex Admin")
    if not admin.is_superuser:
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
    return admin


def _member(association: Association, name: str, state: str, kind: str, *, by: User) -> Office:
    """The office, a member of the association: created, or added, by the site administrator."""
    office = Office.objects.filter(name=name, state=state).first()
    if office is None:
        return association_office_create(
            association=association, name=name, state=state, kind=kind, by=by
        )
    if not association.offices.filter(pk=office.pk).exists():
        association_office_add(association=association, office=office, by=by)
    return office


def _staff(offices: dict[str, Office], people: dict[str, User]) -> None:
    """The further officials, named from a shuffled list so every run picks the same."""
    rng = random.Random(1787)
    names = [(first, last) for first in FIRST for last in LAST]
    rng.shuffle(names)
    index = 0
    for office_key, count, bosses in STAFF:
        for n in range(count):
            first, last = names[index]
            index += 1
            local = f"{first}.{last}".lower()
            people[local] = person(local, f"{first} {last}")
            boss = people[bosses[n % len(bosses)]]
            place(people[local], offices[office_key], Membership.Role.OFFICIAL, boss)


def _member_offices(association: Association, *, by: User) -> dict[str, MemberOffice]:
    """Pine, Spruce, Birch and Willow: a manager and numbered staff (pine.1@demo.test, ...)
    each."""
    members = {}
    for key, name, state, kind, staff, base in MEMBER_OFFICES:
        office = _member(association, name, state, kind, by=by)
        town = name.split()[0]
        manager = person(f"{key}.manager", f"{MEMBER_FIRST[-1]} {town}")
        place(manager, office, Membership.Role.MANAGER, None)
        people = []
        for n in range(staff):
            first = MEMBER_FIRST[n % len(MEMBER_FIRST)]
            user = person(f"{key}.{n + 1}", f"{first} {town}-{n + 1}")
            place(user, office, Membership.Role.OFFICIAL, manager)
            people.append(user)
        members[key] = MemberOffice(office=office, manager=manager, staff=people, base=base)
    return members


def _office_settings(offices: dict[str, Office], people: dict[str, User]) -> None:
    """Maple publishes its pledge registry; Aspen stays unnamed in the benchmarks."""
    registry_set(office=offices["maple"], publishes=True, by=people["maple.manager"])
    aspen = offices["aspen"]
    if aspen.named_in_benchmarks:
        aspen.named_in_benchmarks = False
        aspen.full_clean()
        aspen.save(update_fields=["named_in_benchmarks"])
