"""The demo's shared authenticator app and the command that prints its code."""

import io

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command
from django.test.utils import override_settings

from accounts.models import Membership
from demo import mfa as demo_mfa

from ..factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_demo_privileged_accounts_get_the_demo_authenticator():
    manager = MembershipFactory(
        role=Membership.Role.MANAGER, user=UserFactory(email="boss@demo.test")
    ).user
    official = MembershipFactory(user=UserFactory(email="clerk@demo.test")).user
    outsider = MembershipFactory(
        role=Membership.Role.MANAGER, user=UserFactory(email="boss@example.org")
    ).user
    demo_mfa.seed_demo_authenticators([manager, official, outsider])
    demo_mfa.seed_demo_authenticators([manager])  # idempotent
    assert demo_mfa.demo_secret_for(manager) == demo_mfa.DEMO_TOTP_SECRET
    assert Authenticator.objects.filter(user=manager).count() == 2  # app and recovery codes
    assert not Authenticator.objects.filter(user__in=[official, outsider]).exists()


@override_settings(DEBUG=True)
def test_demo_mfa_code_prints_the_current_code():
    manager = MembershipFactory(
        role=Membership.Role.MANAGER, user=UserFactory(email="boss@demo.test")
    ).user
    demo_mfa.seed_demo_authenticators([manager])
    out = io.StringIO()
    call_command("demo_mfa_code", "boss@demo.test", stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip() == demo_mfa.current_code(demo_mfa.DEMO_TOTP_SECRET)


@pytest.mark.parametrize(
    ("email", "debug", "message"),
    [
        ("boss@example.org", True, "Only demo accounts"),
        ("boss@demo.test", False, "DEBUG=true"),
        ("nobody@demo.test", True, "No account"),
        ("clerk@demo.test", True, "no authenticator app"),
    ],
)
def test_demo_mfa_code_refuses(email, debug, message):
    UserFactory(email="boss@example.org")
    UserFactory(email="clerk@demo.test")
    with override_settings(DEBUG=debug), pytest.raises(CommandError, match=message):
        call_command("demo_mfa_code", email, stdout=io.StringIO())
