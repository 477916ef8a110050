"""Sessions: a new key on sign-in, idle and absolute timeouts, "sign out other sessions",
and every session ended on deactivation or on a password change elsewhere."""

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.middleware import SEEN_RESOLUTION
from accounts.models import AuditEntry
from accounts.signals import SEEN_AT, SIGNED_IN_AT

from ..factories import PASSWORD

HOME = reverse("home")


def sign_in(client, user, address="198.51.100.1"):
    response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD},
        REMOTE_ADDR=address,
        HTTP_USER_AGENT=f"Browser at {address}",
    )
    assert response.status_code == 302
    return client


def session_key(client) -> str:
    return client.cookies["sessionid"].value


def age_session(client, **seconds):
    """Move the session's recorded times into the past."""
    session = client.session
    for key, delta in seconds.items():
        session[{"seen": SEEN_AT, "signed_in": SIGNED_IN_AT}[key]] -= delta
    session.save()


def test_signing_in_issues_a_new_session_key(client, world):
    client.get(reverse("account_login"))
    client.session.save()
    before = client.session.session_key
    assert before
    sign_in(client, world.official)
    after = session_key(client)
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()


def test_a_session_is_listed_from_sign_in(client, world):
    sign_in(client, world.official)
    listed = UserSession.objects.get(user=world.official)
    assert (listed.session_key, listed.ip) == (session_key(client), "198.51.100.1")


def test_idle_session_ends_and_sends_the_person_to_sign_in(client, world, settings):
    sign_in(client, world.official)
    age_session(client, seen=settings.SESSION_IDLE_TIMEOUT + 5)
    response = client.get(reverse("accounts:my-account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=%2Fpeople%2Fme%2F" in response["Location"]
    page = client.get(response["Location"])
    assert "minutes without activity" in page.content.decode()
    assert not page.wsgi_request.user.is_authenticated
    out = AuditEntry.objects.get(action="auth.signed_out")
    assert out.details == {"reason": "idle"}


def test_activity_within_the_idle_limit_keeps_the_session(client, world, settings):
    sign_in(client, world.official)
    age_session(client, seen=settings.SESSION_IDLE_TIMEOUT - 30)
    assert client.get(reverse("accounts:my-account")).status_code == 200
    # the visit counts as activity
    assert client.session[SEEN_AT] >= client.session[SIGNED_IN_AT]


def test_last_seen_is_written_at_most_once_a_minute(client, world, django_assert_num_queries):
    sign_in(client, world.official)
    # session, user with membership — no session write
    with django_assert_num_queries(2):
        client.get(reverse("accounts:my-data"))
    age_session(client, seen=SEEN_RESOLUTION + 1)
    # session, user with membership, and the session saved once (savepoint, update, release)
    with django_assert_num_queries(5):
        client.get(reverse("accounts:my-data"))


def test_absolute_limit_ends_even_an_active_session(client, world, settings):
    sign_in(client, world.official)
    age_session(client, signed_in=settings.SESSION_COOKIE_AGE + 5)
    response = client.get(HOME)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "hours ago" in page.content.decode()
    assert AuditEntry.objects.get(action="auth.signed_out").details == {"reason": "expired"}


def test_a_post_after_the_idle_limit_changes_nothing(client, world, settings):
    sign_in(client, world.official)
    age_session(client, seen=settings.SESSION_IDLE_TIMEOUT + 5)
    response = client.post(reverse("usersessions_list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")


def test_sign_out_other_sessions_keeps_this_one(world):
    laptop = sign_in(Client(), world.official, "198.51.100.1")
    phone = sign_in(Client(), world.official, "198.51.100.2")
    page = laptop.get(reverse("usersessions_list"))
    assert page.status_code == 200
    assert "198.51.100.2" in page.content.decode()
    laptop.post(reverse("usersessions_list"))
    assert laptop.get(reverse("accounts:my-account")).status_code == 200
    assert phone.get(reverse("accounts:my-account")).status_code == 302
    assert list(UserSession.objects.values_list("ip", flat=True)) == ["198.51.100.1"]
    ended = AuditEntry.objects.get(action="auth.other_sessions_ended")
    assert (ended.actor, ended.office, ended.details) == (
        world.official,
        world.office,
        {"sessions": 1},
    )


def test_deactivation_ends_every_session_of_the_person(world):
    laptop = sign_in(Client(), world.official, "198.51.100.1")
    phone = sign_in(Client(), world.official, "198.51.100.2")
    keys = [session_key(laptop), session_key(phone)]
    services.membership_deactivate(membership=world.official.active_membership, by=world.manager)
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=world.official).exists()
    for client in (laptop, phone):
        assert client.get(reverse("accounts:my-account")).status_code == 302


def test_deactivation_through_the_page_leaves_the_manager_signed_in(client, world):
    official = sign_in(Client(), world.official)
    manager = sign_in(client, world.manager, "198.51.100.9")
    url = reverse("accounts:membership-deactivate", args=[world.official.active_membership.pk])
    assert manager.post(url).status_code == 302
    assert official.get(HOME).wsgi_request.user.is_authenticated is False
    assert manager.get(HOME).wsgi_request.user == world.manager


def test_password_change_keeps_this_session_and_ends_the_others(world):
    laptop = sign_in(Client(), world.official, "198.51.100.1")
    phone = sign_in(Client(), world.official, "198.51.100.2")
    new = "a-brand-new-passphrase-42"
    response = laptop.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    assert response.status_code == 302
    assert laptop.get(reverse("accounts:my-account")).status_code == 200
    assert phone.get(reverse("accounts:my-account")).status_code == 302
    assert not Session.objects.filter(session_key=session_key(phone)).exists()
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [session_key(laptop)]


@pytest.mark.parametrize("value", ["abc", "10", "-5"])
def test_a_bad_idle_timeout_setting_stops_start_up(value, monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import standards_portal.settings as portal_settings

    monkeypatch.setenv("SESSION_IDLE_TIMEOUT", value)
    with pytest.raises(ImproperlyConfigured, match="SESSION_IDLE_TIMEOUT"):
        importlib.reload(portal_settings)
    monkeypatch.delenv("SESSION_IDLE_TIMEOUT")
    importlib.reload(portal_settings)


def test_a_password_reset_ends_every_session(world, mailoutbox):
    laptop = sign_in(Client(), world.official, "198.51.100.1")
    stranger = Client()
    stranger.post(reverse("account_reset_password"), {"email": world.official.email})
    link = next(w for w in mailoutbox[-1].body.split() if "/accounts/password/reset/key/" in w)
    form = stranger.get("/" + link.split("://", 1)[-1].split("/", 1)[1], follow=True)
    new = "a-brand-new-passphrase-42"
    response = stranger.post(form.redirect_chain[-1][0], {"password1": new, "password2": new})
    assert response.status_code == 302
    assert laptop.get(reverse("accounts:my-account")).status_code == 302
    assert not UserSession.objects.filter(user=world.official).exists()
