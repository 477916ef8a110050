"""Every route fed hostile query strings, path parameters and POST bodies.

Never a 500; a refused request changes nothing; hostile markup sent in is never echoed
back as markup.
"""

from urllib.parse import quote

import pytest
from django.urls import reverse
from django.urls.converters import UUIDConverter
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import Membership, Office
from assessments.models import Assessment
from pledges.models import ApplicationItem, Cycle, Pledge, Standard
from pledges.services import pledge_text

from .conftest import (
    HOSTILE,
    changed,
    dump,
    is_refusal,
    rolled_back,
    set_state,
    signed_in_clients,
)
from .routes import EDIT, REVIEW, ROUTES, STRAY_QUERY, converters, is_int
from .strategies import hostile_text, hostile_value

# What hostile markup sent in would look like if a page echoed it unescaped.
RAW_MARKUP = (b"<script>alert", b"<img src=x onerror", b"<svg onload", b'<a href="javascript:')


def test_every_route_is_described():
    found = converters()
    assert found.keys() - ROUTES.keys() == set(), "routes missing from tests/hostile/routes.py"
    assert ROUTES.keys() - found.keys() == set(), "described routes that no longer exist"
    for name, route in ROUTES.items():
        assert set(route.path) == set(found[name]), f"{name}: path parameters differ"


def test_routes_described_as_get_only_refuse_post(hostile_world):
    """A route that starts acting on POST must get its fields described.

    Some pages answer a POST as they answer a GET (no method check): they must not write.
    """
    world, kwargs = hostile_world
    clients = signed_in_clients(world)
    for name, route in ROUTES.items():
        if route.fields is not None:
            continue
        client = clients[route.role]
        before = dump()
        response = client.post(reverse(name, kwargs=kwargs.get(name, {})), {"x": "1"})
        # 401: SCIM's discovery endpoints, which answer only their bearer token.
        assert response.status_code in (200, 302, 401, 403, 405), name
        assert dump() == before, (name, changed(before, dump()))


# ----------------------------------------------------------------------------- helpers


def context(world, kwargs) -> dict:
    """Plausible values per field name, mixed with hostile ones to reach deeper code."""
    cycle = Cycle.objects.get()
    assessment = Assessment.objects.get(user=world.official)
    return {
        "role": ["official", "supervisor", "manager", "analyst", "administrator"],
        "reports_to": [world.supervisor.pk, world.manager.pk, world.other_manager.pk],
        "reviewer": [world.supervisor.pk, world.manager.pk, world.official.pk],
        "team": [world.supervisor.pk, world.other_manager.pk, ""],
        "cycle": [cycle.pk, ""],
        "office": [world.office.pk, world.other_office.pk],
        "version": [assessment.version, assessment.version + 1],
        "decision": ["accept", "return"],
        "consent": ["on"],
        "list_publicly": ["on", ""],
        "publishes_registry": ["on", ""],
        "copy_previous": ["on", ""],
        "email": ["someone@example.org", "Mixed.Case@Example.ORG"],
        "manager_email": ["boss@example.org", ""],
        "text_sha256": [pledge_text(cycle)[1]],
        "addendum_sha256": ["", "0" * 64],
        "requirement": ["none", "office", f"association-{world.association.pk}"],
        "revision": [1, 2],
        "password1": ["correct horse battery staple 42"],
        "password2": ["correct horse battery staple 42"],
        "action": ["save", "submit", "copy_previous"],
        "kind": [k for k, _label in Office.Kind.choices],
        "state": ["CO", "TX", "co"],
        "start": ["2026-01-01", "2026-12-31", "0001-01-01", "9999-12-31"],
        "end": ["2026-01-01", "2026-12-31", "0001-01-01", "9999-12-31"],
        "page": ["1", "2"],
        "rating": ["1", "2", "3", "4", "na", ""],
        "date": ["2026-12-31", "", "0001-01-01", "9999-12-31"],
        "code": [Pledge.objects.get().verification_code],
        "language": ["en", "es", "fr"],
        "next": ["/", "/standards/", "https://evil.example/", "//evil.example"],
    }


def field_names(name, route, world) -> list[str]:
    names = list(route.fields or ())
    if route.fields in (EDIT, REVIEW):
        cycle = Cycle.objects.get()
        items = list(
            ApplicationItem.objects.filter(standard__edition_id=cycle.edition_id)
            .order_by("position")
            .values_list("pk", flat=True)[:4]
        )
        # An item and a standard of no edition at all, and absurd ids.
        items += [
            ApplicationItem.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1,
            10**30,
        ]
        standards = list(Standard.objects.order_by("pk").values_list("pk", flat=True)[:2])
        if route.fields == EDIT:
            names += [f"item_{pk}_{part}" for pk in items for part in ("rating", "na_reason")]
            names += [f"item_{pk}_comment" for pk in items[:2]]
            goals = [*standards, 10**30]
            names += [f"goal_{pk}_{part}" for pk in goals for part in ("text", "date")]
        else:
            names += [f"review_{pk}_{part}" for pk in items for part in ("rating", "comment")]
    return names


def value_for(field: str, plausible: dict):
    key = field.rsplit("_", 1)[-1] if field.startswith(("item_", "goal_", "review_")) else field
    good = plausible.get(key, [])
    if key in ("reason", "comment", "text", "note"):
        good = ["A sound reason."]
    if not good:
        return hostile_value
    return st.one_of(st.sampled_from(good), hostile_value)


def body(names: list[str], plausible: dict):
    """Some of `names`, each with a plausible or hostile value; others missing."""
    return (
        st.lists(st.sampled_from(names), unique=True, max_size=8).flatmap(
            lambda chosen: st.fixed_dictionaries({n: value_for(n, plausible) for n in chosen})
        )
        if names
        else st.just({})
    )


def prepare(route, world):
    if route.state:
        set_state(world.official, route.state)


def check(response, before):
    """Never a 500; a refusal leaves every table as it was; no hostile markup echoed;
    no redirect off the site."""
    assert response.status_code < 500
    if is_refusal(response):
        after = dump()
        assert after == before, changed(before, after)
    if 300 <= response.status_code < 400:
        # Whatever `next` or other parameter was sent, a redirect stays on the site.
        location = response["Location"]
        assert url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"}), location
    content_type = response.get("Content-Type", "")
    if content_type.startswith("text/html") and not response.streaming:
        for raw in RAW_MARKUP:
            assert raw not in response.content


def routes(kind):
    if kind == "post":
        return sorted(n for n, r in ROUTES.items() if r.fields is not None)
    if kind == "path":
        return sorted(n for n, r in ROUTES.items() if r.path)
    return sorted(ROUTES)


UUID_PLACEHOLDER = "00000000-0000-0000-0000-00000000abcd"


def url_with(name, kwargs, param, value) -> str:
    """The route's URL with one path parameter replaced by any text, percent-encoded."""
    real = dict(kwargs.get(name, {}))
    converter = converters()[name][param]
    if is_int(converter):
        real[param] = "0"
    elif isinstance(converter, UUIDConverter):
        real[param] = UUID_PLACEHOLDER  # any other text then matches no route: a 404
    else:
        real[param] = "placeholder"
    url = reverse(name, kwargs=real)
    marker = "/0" if real[param] == "0" else real[param]
    head, _sep, tail = url.rpartition(marker)
    replacement = ("/" if marker == "/0" else "") + quote(str(value), safe="")
    return head + replacement + tail


# ----------------------------------------------------------------------------- tests


@pytest.mark.parametrize("name", routes("all"))
def test_hostile_query_string(hostile_world, name):
    """Every route, as the person who may use it, with hostile query parameters."""
    world, kwargs = hostile_world
    route = ROUTES[name]
    prepare(route, world)
    plausible = context(world, kwargs)
    url = reverse(name, kwargs=kwargs.get(name, {}))
    client = signed_in_clients(world)[route.role]
    before = dump()

    @settings(HOSTILE, max_examples=route.examples)
    @given(query=body(list(route.query) + list(STRAY_QUERY), plausible))
    def run(query):
        with rolled_back():
            check(client.get(url, query), before)

    run()


@pytest.mark.parametrize("name", routes("path"))
def test_hostile_path_parameter(hostile_world, name):
    """Ids that name nothing, absurd numbers, and any text for text parameters."""
    world, kwargs = hostile_world
    route = ROUTES[name]
    prepare(route, world)
    params = converters()[name]
    clients = signed_in_clients(world)
    numbers = st.sampled_from([0, 1, 2**31, 2**63, 10**30, 99999])
    before = dump()

    @settings(HOSTILE, max_examples=min(route.examples, 10))
    @given(
        param=st.sampled_from(sorted(params)),
        number=numbers,
        text=hostile_text,
        role=st.sampled_from(sorted(clients)),
    )
    def run(param, number, text, role):
        value = number if is_int(params[param]) else text
        with rolled_back():
            check(clients[role].get(url_with(name, kwargs, param, value)), before)

    run()


@pytest.mark.parametrize("name", routes("post"))
def test_hostile_post_as_the_entitled_person(hostile_world, name):
    world, kwargs = hostile_world
    route = ROUTES[name]
    prepare(route, world)
    plausible = context(world, kwargs)
    names = [*field_names(name, route, world), "id", "pk", "user", "office_id", "state"]
    url = reverse(name, kwargs=kwargs.get(name, {}))
    client = signed_in_clients(world)[route.role]
    before = dump()

    @settings(HOSTILE, max_examples=route.examples)
    @given(data=body(names, plausible))
    def run(data):
        with rolled_back():
            check(client.post(url, data), before)

    run()


@pytest.mark.parametrize("name", routes("post"))
def test_hostile_post_as_anyone(hostile_world, name):
    world, kwargs = hostile_world
    route = ROUTES[name]
    prepare(route, world)
    plausible = context(world, kwargs)
    names = field_names(name, route, world)
    url = reverse(name, kwargs=kwargs.get(name, {}))
    clients = signed_in_clients(world)
    before = dump()

    @settings(HOSTILE, max_examples=8)
    @given(role=st.sampled_from(sorted(clients)), data=body(names, plausible))
    def run(role, data):
        with rolled_back():
            check(clients[role].post(url, data), before)

    run()


def test_membership_fixture_is_the_officials(hostile_world):
    """The path ids used above name the objects the URL matrix describes."""
    world, kwargs = hostile_world
    pk = kwargs["accounts:membership-update"]["pk"]
    assert Membership.objects.get(pk=pk).user == world.official
