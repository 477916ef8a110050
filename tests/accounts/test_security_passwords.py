"""Passwords: at least 12 characters, not a common one, and long passphrases welcome."""

import pytest
from django.urls import reverse

from accounts.models import User

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db

LONG = "correct horse battery staple and a long sentence nobody else would type, " * 2
assert len(LONG) > 100

REFUSED = [
    ("eleven-char", "at least 12 characters"),
    ("qwerty123456", "too common"),
    ("839201746501", "entirely numeric"),
]


def accept_url(invitation):
    return reverse("accounts:invitation-accept", args=[invitation.token])


@pytest.mark.parametrize(("password", "message"), REFUSED)
def test_invitation_refuses_weak_passwords(client, make_invitation, password, message):
    invitation = make_invitation()
    response = client.post(
        accept_url(invitation),
        {"full_name": "New Person", "password1": password, "password2": password},
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not User.objects.filter(email=invitation.email).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_invitation_accepts_a_long_passphrase(client, make_invitation):
    invitation = make_invitation()
    response = client.post(
        accept_url(invitation), {"full_name": "New Person", "password1": LONG, "password2": LONG}
    )
    assert response.status_code == 302
    user = User.objects.get(email=invitation.email)
    assert user.check_password(LONG)
    client.logout()
    response = client.post(reverse("account_login"), {"login": user.email, "password": LONG})
    assert response.status_code == 302


def change_password(client, new):
    return client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )


@pytest.mark.parametrize(("password", "message"), REFUSED)
def test_password_change_refuses_weak_passwords(client, world, password, message):
    client.force_login(world.official)
    response = change_password(client, password)
    assert response.status_code == 200
    assert message in response.content.decode()
    world.official.refresh_from_db()
    assert world.official.check_password(PASSWORD)


def test_password_change_accepts_a_long_passphrase(client, world):
    client.force_login(world.official)
    assert change_password(client, LONG).status_code == 302
    world.official.refresh_from_db()
    assert world.official.check_password(LONG)


PRODUCTION_HASHERS = [
    "accounts.hashers.PortalArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


def test_passwords_are_hashed_with_argon2id_at_owasp_parameters(settings):
    from django.contrib.auth.hashers import identify_hasher, make_password

    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    encoded = make_password(LONG)
    assert encoded.startswith("argon2$argon2id$")
    params = identify_hasher(encoded).decode(encoded)
    # OWASP: at least 19 MiB of memory, 2 passes, 1 lane.
    assert (params["memory_cost"], params["time_cost"], params["parallelism"]) == (19456, 2, 1)


def test_an_older_hash_is_rehashed_with_argon2id_at_the_next_sign_in(client, settings):
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from ..factories import UserFactory

    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    person = UserFactory()
    pbkdf2 = PBKDF2PasswordHasher()
    User.objects.filter(pk=person.pk).update(password=pbkdf2.encode(PASSWORD, pbkdf2.salt()))
    response = client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.password.startswith("argon2$argon2id$")
    assert person.check_password(PASSWORD)
