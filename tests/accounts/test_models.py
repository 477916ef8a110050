import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Membership, User
from accounts.services import membership_start, user_create

from ..factories import MembershipFactory, OfficeFactory, UserFactory


def test_email_is_unique_whatever_its_case(db):
    UserFactory(email="clerk@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="Clerk@Example.org", full_name="Twin")


def test_a_person_has_at_most_one_active_membership(db):
    membership = MembershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=membership.user, office=OfficeFactory())


def test_nobody_reports_to_themselves(db):
    membership = MembershipFactory()
    membership.reports_to = membership.user
    with pytest.raises(IntegrityError), transaction.atomic():
        membership.save()


def test_moving_office_keeps_the_history(db):
    first = MembershipFactory()
    new_office = OfficeFactory()
    second = membership_start(user=first.user, office=new_office, role=Membership.Role.MANAGER)
    first.refresh_from_db()
    assert first.ended_at is not None and first.ended_at <= timezone.now()
    assert first.user.active_membership == second
    assert first.user.memberships.count() == 2


def test_user_create_adds_a_verified_primary_email(db):
    user = user_create(email=" New.Person@Example.org ", full_name=" New Person ")
    assert user.email == "new.person@example.org"
    assert user.full_name == "New Person"
    address = user.emailaddress_set.get()
    assert address.primary and address.verified
    assert not user.has_usable_password()
