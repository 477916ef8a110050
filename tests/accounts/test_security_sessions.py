"""Deactivation and a password change end the person's other sessions, however begun."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts import services

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db

MY_ACCOUNT = reverse("accounts:my-account")


def signed_in(user, address="198.51.100.1"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def unlisted_session(user):
    """A session allauth does not list (e.g. begun where no client address was known)."""
    client = Client()
    client.force_login(user)
    from allauth.usersessions.models import UserSession

    UserSession.objects.filter(session_key=client.session.session_key).delete()
    return client


def test_deactivation_ends_listed_and_unlisted_sessions(world):
    listed = signed_in(world.official)
    unlisted = unlisted_session(world.official)
    services.membership_deactivate(membership=world.official.active_membership, by=world.manager)
    for client in (listed, unlisted):
        response = client.get(MY_ACCOUNT)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_marking_a_person_inactive_anywhere_ends_their_sessions(world):
    """E.g. unticking "active" in the admin site, which does not go through our services."""
    official = signed_in(world.official)
    world.official.is_active = False
    world.official.save(update_fields=["is_active"])
    assert official.get(MY_ACCOUNT).status_code == 302


def test_password_change_ends_unlisted_sessions_too(world):
    laptop = signed_in(world.official)
    unlisted = unlisted_session(world.official)
    new = "a-brand-new-passphrase-42"
    laptop.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    assert laptop.get(MY_ACCOUNT).status_code == 200
    assert unlisted.get(MY_ACCOUNT).status_code == 302
    assert not Session.objects.filter(session_key=unlisted.session.session_key).exists() or (
        "_auth_user_id" not in unlisted.session
    )


def test_a_deactivated_person_cannot_sign_in_again(client, world):
    services.membership_deactivate(membership=world.official.active_membership, by=world.manager)
    response = client.post(
        reverse("account_login"), {"login": world.official.email, "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)
    assert client.get(MY_ACCOUNT).status_code == 302
