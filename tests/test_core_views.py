import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from .factories import PASSWORD


def test_healthz_answers_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "tasks": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_does_not(client, db):
    def refuse(execute, sql, params, many, context):
        raise OperationalError("connection refused")

    with connection.execute_wrapper(refuse):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["database"] == "down"


def test_the_public_can_read_the_standards(client, edition, django_assert_num_queries):
    with django_assert_num_queries(3):
        response = client.get(reverse("standards"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "I uphold the Constitution of the United States" in body
    assert "Bolster the election administration profession" in body
    assert body.count('class="item-title"') == 38


def test_standards_page_without_an_edition_says_so(client, db):
    response = client.get(reverse("standards"))
    assert response.status_code == 200
    assert "No edition of the standards has been published yet" in response.content.decode()


def test_anonymous_home_invites_to_sign_in(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert reverse("account_login") in response.content.decode()


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("official", "Official"),
        ("supervisor", "1 person reports to you"),
        ("manager", "Manage people"),
        ("analyst", "Centennial Association"),
    ],
)
def test_home_shows_each_role_what_to_do(client, world, cycle, who, expected):
    client.force_login(getattr(world, who))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_home_for_someone_without_an_office_has_an_empty_state(client, db):
    from .factories import UserFactory

    client.force_login(UserFactory())
    response = client.get(reverse("home"))
    assert "You are not part of an office or an association yet" in response.content.decode()


def test_unknown_url_is_a_friendly_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404


def test_sign_in_by_email(client, world):
    response = client.post(
        reverse("account_login"), {"login": world.official.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.wsgi_request.user == world.official


def test_sign_up_is_closed(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "walk-in@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    from accounts.models import User

    assert not User.objects.filter(email="walk-in@example.org").exists()
    assert "Sign Up Closed" in response.content.decode() or response.status_code in (403, 404)


def test_pages_send_a_strict_content_security_policy(client, db):
    response = client.get(reverse("standards"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_a_form_without_its_csrf_token_gets_the_portals_own_page(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.official)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 403
    body = response.content.decode()
    assert "The form has expired" in body and "Nothing was saved" in body
    assert "<style" not in body and "<script>" not in body
    assert "_auth_user_id" in client.session  # still signed in: nothing happened
