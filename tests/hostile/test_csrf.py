"""Every POST route refuses a request without a CSRF token, and changes nothing."""

import pytest
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import reverse

from ..pledges.conftest import fresh_login
from .conftest import changed, dump, set_state
from .routes import ROUTES
from .test_routes import context, field_names

# SCIM is called by identity providers with a bearer token, never with the session cookie
# a forged cross-site form would carry, so it is exempt from CSRF; such a request (cookie,
# no token) is refused below instead.
BEARER_TOKEN_APIS = {"scim-users", "scim-user"}
POSTS = sorted(
    name
    for name, route in ROUTES.items()
    if route.fields is not None and name not in BEARER_TOKEN_APIS
)


@pytest.mark.parametrize("name", sorted(BEARER_TOKEN_APIS))
def test_token_apis_refuse_a_signed_in_browser_without_the_token(hostile_world, name):
    world, kwargs = hostile_world
    client = Client(enforce_csrf_checks=True)
    fresh_login(client, world.manager)
    before = dump()
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(
            reverse(name, kwargs=kwargs.get(name, {})),
            data='{"schemas": [], "active": false}',
            content_type="application/scim+json",
        )
        assert response.status_code in (401, 405), (method, response.status_code)
    assert dump() == before, changed(before, dump())


def plausible_body(name, world, kwargs) -> dict:
    """A body the entitled person could really send (so only the token is missing)."""
    values = context(world, kwargs)
    body = {}
    for field in field_names(name, ROUTES[name], world):
        key = field.rsplit("_", 1)[-1] if field.startswith(("item_", "review_")) else field
        if values.get(key):
            body[field] = values[key][0]
    if name == "assessments:assessment-review":
        body["decision"] = "accept"
    if "note" in ROUTES[name].fields or "reason" in ROUTES[name].fields:
        body["note"] = body["reason"] = "A reason."
    return body


def is_csrf_failure(response) -> bool:
    # The portal's own CSRF failure page (settings.CSRF_FAILURE_VIEW), not another 403.
    return response.status_code == 403 and any(
        template.name == "errors/403_csrf.html" for template in response.templates
    )


@pytest.mark.parametrize("name", POSTS)
def test_post_without_a_token_is_refused_and_changes_nothing(hostile_world, name):
    world, kwargs = hostile_world
    route = ROUTES[name]
    if route.state:
        set_state(world.official, route.state)
    url = reverse(name, kwargs=kwargs.get(name, {}))
    body = plausible_body(name, world, kwargs)

    client = Client(enforce_csrf_checks=True)
    if route.role != "anonymous":
        fresh_login(client, getattr(world, route.role))
    before = dump()
    response = client.post(url, body)
    assert is_csrf_failure(response)
    after = dump()
    assert after == before, changed(before, after)

    # A token that does not match the cookie is no better.
    secret = _get_new_csrf_string()
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    response = client.post(url, {**body, "csrfmiddlewaretoken": _get_new_csrf_string()})
    assert is_csrf_failure(response)
    assert dump() == before

    # The same request with the token gets past the check: the refusal above was the token's.
    response = client.post(url, {**body, "csrfmiddlewaretoken": secret})
    assert not is_csrf_failure(response)
