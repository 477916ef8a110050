"""A second step at sign-in is compulsory for privileged roles and offered to officials."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, TOTP
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from accounts import mfa
from accounts.models import Membership
from demo import mfa as demo_mfa
from pledges.models import Pledge

from ..factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_mfa_required")]

PRIVILEGED = ["supervisor", "manager", "analyst", "association_admin", "site_admin"]
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def _mfa_required():
    cache.clear()
    with override_settings(MFA_REQUIRED=True):
        yield
    cache.clear()


def sign_in(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def add_totp(user, secret=SECRET):
    TOTP.activate(user, secret)


def test_every_privileged_role_needs_a_second_step(world):
    for name in PRIVILEGED:
        assert mfa.required_role(getattr(world, name)) is not None, name
    for name in ["official", "colleague", "other_official"]:
        assert mfa.required_role(getattr(world, name)) is None, name


@pytest.mark.parametrize("role", PRIVILEGED)
def test_privileged_person_without_mfa_is_sent_to_set_it_up(client, world, role):
    sign_in(client, getattr(world, role))
    for url in [
        reverse("home"),
        reverse("accounts:my-account"),
        reverse("accounts:people-list"),
        reverse("pledges:pledge-list"),
        reverse("standards"),
        "/admin/",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_index"), url


def test_setup_page_says_why(client, world):
    sign_in(client, world.manager)
    response = client.get(reverse("mfa_index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Your role as office manager requires a second step at sign-in" in body


def test_privileged_person_without_mfa_cannot_change_anything(client, world, cycle, snapshot):
    sign_in(client, world.manager)
    before = snapshot()
    official = Membership.objects.get(user=world.official)
    response = client.post(
        reverse("accounts:membership-update", args=[official.pk]),
        {"role": "manager", "reports_to": ""},
    )
    assert response.status_code == 403
    response = client.post(
        reverse("accounts:membership-deactivate", args=[official.pk]), {"confirm": "on"}
    )
    assert response.status_code == 403
    response = client.post(
        reverse("pledges:pledge-sign"), {"consent": "on", "typed_name": world.manager.full_name}
    )
    assert response.status_code == 403
    assert snapshot() == before
    assert not Pledge.objects.exists()


def test_pages_needed_meanwhile_stay_reachable(client, world):
    sign_in(client, world.supervisor)
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    assert client.get(reverse("account_email")).status_code == 200
    help_page = client.get("/help/")
    assert help_page.get("Location") != reverse("mfa_index")
    language = client.post(reverse("set_language"), {"language": "es", "next": "/"})
    assert language.status_code == 302
    assert language["Location"] == "/"
    signed_out = client.post(reverse("account_logout"))
    assert signed_out.status_code == 302
    assert "_auth_user_id" not in client.session


def test_setting_up_totp_lets_the_person_in_and_generates_recovery_codes(client, world):
    sign_in(client, world.manager)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200
    assert client.get(reverse("home")).status_code == 302

    response = client.post(reverse("mfa_activate_totp"), {"code": demo_mfa.current_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    types = set(Authenticator.objects.filter(user=world.manager).values_list("type", flat=True))
    assert types == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    assert client.get(reverse("mfa_view_recovery_codes")).status_code == 200
    assert client.get(reverse("home")).status_code == 200
    assert client.session[mfa.SESSION_KEY] == ""
    assert client.get(reverse("accounts:people-list")).status_code == 200


def test_next_sign_in_asks_for_the_code_then_lets_the_person_in(client, world):
    add_totp(world.supervisor)
    response = sign_in(client, world.supervisor)
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": demo_mfa.current_code(SECRET)})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_privileged_person_cannot_remove_their_last_second_step(client, world):
    add_totp(world.manager)
    sign_in(client, world.manager)
    client.post(reverse("mfa_authenticate"), {"code": demo_mfa.current_code(SECRET)})
    assert client.get(reverse("home")).status_code == 200
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert "Add another authenticator app or security key" in response.content.decode()
    assert Authenticator.objects.filter(user=world.manager, type="totp").exists()


def test_removing_a_second_step_decides_again(client, world):
    add_totp(world.official)
    sign_in(client, world.official)
    client.post(reverse("mfa_authenticate"), {"code": demo_mfa.current_code(SECRET)})
    assert client.session[mfa.SESSION_KEY] == ""
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=world.official).exists()
    assert client.session[mfa.SESSION_KEY] == ""
    assert client.get(reverse("home")).status_code == 200


def test_official_is_offered_but_not_forced(client, world):
    sign_in(client, world.official)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("pledges:pledge-list")).status_code == 200
    response = client.get(reverse("mfa_index"))
    assert response.status_code == 200
    assert "requires a second step" not in response.content.decode()


def test_a_person_who_has_set_up_mfa_costs_no_extra_query(client, world):
    add_totp(world.manager)
    sign_in(client, world.manager)
    client.post(reverse("mfa_authenticate"), {"code": demo_mfa.current_code(SECRET)})
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as required:
        assert client.get(reverse("accounts:people-list")).status_code == 200
    with override_settings(MFA_REQUIRED=False), CaptureQueriesContext(connection) as not_required:
        assert client.get(reverse("accounts:people-list")).status_code == 200
    assert len(required) == len(not_required)


def test_a_session_from_before_the_policy_is_decided_once(client, world):
    with override_settings(MFA_REQUIRED=False):
        client.force_login(world.manager)
    assert mfa.SESSION_KEY not in client.session
    assert client.get(reverse("home"))["Location"] == reverse("mfa_index")
    assert client.session[mfa.SESSION_KEY] == Membership.Role.MANAGER


def test_nothing_is_forced_when_the_setting_is_off(client, world):
    with override_settings(MFA_REQUIRED=False):
        sign_in(client, world.manager)
        assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_adding_an_authenticator_decides_again_at_once(client, world):
    """allauth announces the new authenticator after its transaction commits."""
    sign_in(client, world.manager)
    assert client.session[mfa.SESSION_KEY] == Membership.Role.MANAGER
    client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]
    client.post(reverse("mfa_activate_totp"), {"code": demo_mfa.current_code(secret)})
    assert client.session[mfa.SESSION_KEY] == ""
