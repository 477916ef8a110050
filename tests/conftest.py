import contextlib
from dataclasses import dataclass

import pytest
from django.db import transaction

from accounts.models import Membership

from .factories import (
    AssociationFactory,
    AssociationRoleFactory,
    CycleFactory,
    MembershipFactory,
    OfficeFactory,
    UserFactory,
    load_edition,
)


@pytest.fixture
def edition(db):
    return load_edition()


@pytest.fixture
def cycle(edition):
    return CycleFactory(name="2026", edition=edition)


@dataclass
class World:
    """Two offices and two associations with a person in every role."""

    office: object
    other_office: object
    association: object
    other_association: object
    manager: object
    supervisor: object
    official: object
    colleague: object  # an official in the same office with no role over `official`
    other_supervisor: object  # a supervisor in the same office, another team
    other_manager: object
    other_official: object
    analyst: object
    association_admin: object
    other_analyst: object
    site_admin: object


@pytest.fixture
def world(db):
    return build_world()


def build_world() -> World:
    office = OfficeFactory(name="Riverside County Elections")
    other_office = OfficeFactory(name="Lakeside County Elections")
    association = AssociationFactory(name="Centennial Association")
    association.offices.add(office)
    other_association = AssociationFactory(name="Evergreen Association")
    other_association.offices.add(other_office)

    manager = MembershipFactory(office=office, role=Membership.Role.MANAGER).user
    supervisor = MembershipFactory(
        office=office, role=Membership.Role.SUPERVISOR, reports_to=manager
    ).user
    # The name the tests sign with: a typed name is compared with the account's.
    official = MembershipFactory(
        office=office, reports_to=supervisor, user__full_name="Olivia Chen"
    ).user
    other_supervisor = MembershipFactory(
        office=office, role=Membership.Role.SUPERVISOR, reports_to=manager
    ).user
    colleague = MembershipFactory(office=office, reports_to=other_supervisor).user
    other_manager = MembershipFactory(office=other_office, role=Membership.Role.MANAGER).user
    other_official = MembershipFactory(office=other_office, reports_to=other_manager).user
    analyst = AssociationRoleFactory(association=association).user
    association_admin = AssociationRoleFactory(association=association, role="administrator").user
    other_analyst = AssociationRoleFactory(association=other_association).user
    site_admin = UserFactory(is_staff=True, is_superuser=True)
    return World(
        office=office,
        other_office=other_office,
        association=association,
        other_association=other_association,
        manager=manager,
        supervisor=supervisor,
        official=official,
        colleague=colleague,
        other_supervisor=other_supervisor,
        other_manager=other_manager,
        other_official=other_official,
        analyst=analyst,
        association_admin=association_admin,
        other_analyst=other_analyst,
        site_admin=site_admin,
    )


@contextlib.contextmanager
def rolled_back_afterwards(django_db_blocker, using: str = "default"):
    """Data made once for many tests, as Django's TestCase.setUpTestData keeps it: inside a
    transaction rolled back at the end, each test then running in a savepoint of its own.
    The database is open only while the data is made (`django_db_blocker.unblock()`)."""
    with django_db_blocker.unblock():
        block = transaction.atomic(using=using)
        block._from_testcase = True  # a durable block inside behaves as it does under TestCase
        block.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True, using=using)
            block.__exit__(None, None, None)
