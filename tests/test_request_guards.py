"""What every request and response goes through: private caching for signed-in people, and
a form in a foreign charset refused with the portal's 400 page in every mode."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from . import test_url_matrix as url_matrix
from .test_url_matrix import EXPECTED, ROLES, sign_in, visit

# The URL matrix's objects (a pledge, an assessment, an invitation...) and its routes.
matrix = url_matrix.matrix
_no_throttle = url_matrix._no_throttle

SIGNED_IN = [role for role in ROLES if role != "anonymous"]


@pytest.mark.parametrize("role", SIGNED_IN)
def test_every_page_and_download_for_a_signed_in_person_is_private_and_not_stored(
    client,
    matrix,
    role,
):
    world, kwargs = matrix
    sign_in(client, world, role)
    stored = {}
    for route in sorted(EXPECTED):
        response = visit(client, kwargs, route)
        directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
        if not {"private", "no-store"} <= directives:
            stored[route] = (response.status_code, response.get("Cache-Control"))
    assert stored == {}


@pytest.mark.django_db
def test_public_pages_for_visitors_keep_their_own_headers(client, edition):
    for name in ("home", "standards", "help:help-index"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "no-store" not in response.get("Cache-Control", "")
    # Pages that already forbid storing keep saying so, signed in or not.
    assert "no-store" in client.get(reverse("healthz"))["Cache-Control"]


FOREIGN_CHARSETS = ["utf-16", "UTF-32", "latin-1", "cp1252"]


def post_form(client, url, charset, body="login=someone%40example.org&password=x"):
    return client.generic(
        "POST",
        url,
        body,
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
@pytest.mark.parametrize("charset", FOREIGN_CHARSETS)
def test_a_form_in_a_foreign_charset_gets_the_portals_400_page(debug, charset):
    client = Client(raise_request_exception=False)
    with override_settings(DEBUG=debug):
        response = post_form(client, reverse("account_login"), charset)
    assert response.status_code == 400
    text = response.content.decode()
    assert "<h1>Bad request</h1>" in text
    assert "Traceback" not in text


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_a_signed_in_form_in_utf_16_gets_400_and_changes_nothing(world, debug):
    client = Client(raise_request_exception=False)
    client.force_login(world.manager)
    url = reverse("accounts:invitation-create")
    body = "full_name=New+Person&email=new%40example.org&role=official"
    with override_settings(DEBUG=debug):
        response = client.generic(
            "POST",
            url,
            body.encode("utf-16"),
            content_type="application/x-www-form-urlencoded; charset=utf-16",
        )
    assert response.status_code == 400
    assert "<h1>Bad request</h1>" in response.content.decode()
    assert not world.office.invitations.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("charset", ["utf-8", "UTF8", "utf_8"])
def test_utf_8_under_any_spelling_is_read_as_usual(client, charset):
    response = post_form(client, reverse("account_login"), charset)
    # The sign-in form answers (wrong password), it is not refused as a bad request.
    assert response.status_code == 200
    assert "Bad request" not in response.content.decode()
