"""Changing who may do what asks for the password again after an old sign-in."""

import time

import pytest
from django.urls import reverse

from accounts.models import Membership
from accounts.reauth import AUTHENTICATED_AT

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db


def old_sign_in(client, user, *, seconds_ago=3600):
    client.force_login(user)
    session = client.session
    session[AUTHENTICATED_AT] = time.time() - seconds_ago
    session.save()


def manager_actions(world):
    target = Membership.objects.get(user=world.official)
    return [
        (
            reverse("accounts:membership-update", args=[target.pk]),
            {"role": "supervisor", "reports_to": world.manager.pk},
        ),
        (reverse("accounts:membership-deactivate", args=[target.pk]), {}),
    ]


def association_actions(world):
    pk = world.association.pk
    return [
        (reverse("accounts:association-office-remove", args=[pk]), {"office": world.office.pk}),
        (
            reverse("accounts:association-invitation-create", args=[pk]),
            {"full_name": "New Analyst", "email": "new.analyst@example.org", "role": "analyst"},
        ),
        (
            reverse("accounts:association-office-add", args=[pk]),
            {"office": world.other_office.pk},
        ),
    ]


def assert_sent_to_reauthenticate(response, url):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert "next=" in response["Location"]


def test_old_sign_in_must_reauthenticate_before_changing_roles_or_deactivating(
    client, world, snapshot
):
    old_sign_in(client, world.manager)
    before = snapshot()
    for url, data in manager_actions(world):
        assert_sent_to_reauthenticate(client.get(url), url)
        assert_sent_to_reauthenticate(client.post(url, data), url)
    assert snapshot() == before


def test_old_sign_in_must_reauthenticate_before_changing_an_association(client, world, snapshot):
    old_sign_in(client, world.association_admin)
    before = snapshot()
    for url, data in association_actions(world):
        assert_sent_to_reauthenticate(client.post(url, data), url)
    assert snapshot() == before


def test_recent_sign_in_goes_straight_through(client, world):
    client.force_login(world.manager)
    url, _ = manager_actions(world)[0]
    assert client.get(url).status_code == 200


def test_reauthenticating_resumes_the_role_change(client, world):
    old_sign_in(client, world.manager)
    url, data = manager_actions(world)[0]
    client.post(url, data)
    reauthenticate = f"{reverse('account_reauthenticate')}?next={url}"
    wrong = client.post(reauthenticate, {"password": "nope"})
    assert wrong.status_code == 200
    assert Membership.objects.get(user=world.official).role == Membership.Role.OFFICIAL
    response = client.post(reauthenticate, {"password": PASSWORD})
    assert response.status_code == 302
    assert Membership.objects.get(user=world.official).role == Membership.Role.SUPERVISOR


def test_reauthentication_expires_after_the_timeout(client, world, settings):
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 60
    old_sign_in(client, world.manager, seconds_ago=61)
    url, _ = manager_actions(world)[0]
    assert_sent_to_reauthenticate(client.get(url), url)
    old_sign_in(client, world.manager, seconds_ago=30)
    assert client.get(url).status_code == 200
