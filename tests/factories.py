"""Factories for the project's models. Every person gets a verified primary email."""

import datetime

import factory
from allauth.account.models import EmailAddress
from django.conf import settings

from accounts.models import (
    Association,
    AssociationRole,
    Membership,
    Office,
    User,
)
from pledges.models import Cycle, Edition

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=obj, email=obj.email, primary=True, verified=True)


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office

    name = factory.Sequence(lambda n: f"Example County {n} Elections")
    state = "CO"
    kind = Office.Kind.COUNTY


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    office = factory.SubFactory(OfficeFactory)
    role = Membership.Role.OFFICIAL


class AssociationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Association

    name = factory.Sequence(lambda n: f"State Association {n} of Election Officials")
    state = "CO"


class AssociationRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssociationRole

    user = factory.SubFactory(UserFactory)
    association = factory.SubFactory(AssociationFactory)
    role = AssociationRole.Role.ANALYST


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cycle

    name = factory.Sequence(lambda n: f"Cycle {n}")
    edition = factory.LazyFunction(lambda: Edition.objects.get(code="2024-en"))
    opens_on = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=30))
    closes_on = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=60))


def load_edition() -> Edition:
    from pledges.editions import edition_load

    path = settings.BASE_DIR / "fixtures" / "edition-2024-en.json"
    return edition_load(path=path)[0]
