"""The sign-in and account forms (allauth's) and the request headers every request
carries, fed hostile values: never a 500, and what is stored is printable."""

from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import AuditEntry

from ..factories import PASSWORD
from .conftest import HOSTILE, rolled_back, signed_in_clients
from .strategies import ODD, hostile_text

# Header values a client can send: any text but line breaks (HTTP would split them).
header = st.one_of(hostile_text, st.sampled_from(ODD)).map(
    lambda s: s.replace("\r", "").replace("\n", "")[:8000]
)
headers = st.fixed_dictionaries(
    {},
    optional={
        "HTTP_USER_AGENT": header,
        "HTTP_X_FORWARDED_FOR": st.one_of(header, st.sampled_from(["1.2.3.4, ::1", "::1%eth0"])),
        "HTTP_ACCEPT_LANGUAGE": st.one_of(header, st.sampled_from(["es;q=0.9", "*", "zz-ZZ"])),
        "HTTP_REFERER": header,
    },
)
# allauth's forms, with the fields each reads.
ACCOUNT_FORMS = {
    "account_login": ("login", "password", "remember"),
    "account_reset_password": ("email",),
    "account_change_password": ("oldpassword", "password1", "password2"),
    "account_email": ("email", "action_add", "action_remove", "action_primary"),
    "account_reauthenticate": ("password",),
}


def test_signing_in_with_hostile_credentials_and_headers(hostile_world):
    world, _kwargs = hostile_world
    url = reverse("account_login")

    @settings(HOSTILE, max_examples=30)
    @given(
        login=st.one_of(hostile_text, st.just(world.official.email)),
        password=st.one_of(hostile_text, st.just(PASSWORD)),
        meta=headers,
    )
    def run(login, password, meta):
        with rolled_back():
            response = Client().post(url, {"login": login, "password": password}, **meta)
            assert response.status_code < 500
            for entry in AuditEntry.objects.all():
                assert "\x00" not in str(entry.details) + entry.actor_label

    run()


def test_account_forms_with_hostile_fields_and_headers(hostile_world):
    world, _kwargs = hostile_world
    client = signed_in_clients(world)["official"]

    @settings(HOSTILE, max_examples=40)
    @given(
        name=st.sampled_from(sorted(ACCOUNT_FORMS)),
        data=st.dictionaries(st.sampled_from(["email", "password"]), hostile_text, max_size=1),
        values=st.lists(st.one_of(hostile_text, st.just(PASSWORD)), min_size=4, max_size=4),
        meta=headers,
    )
    def run(name, data, values, meta):
        body = dict(zip(ACCOUNT_FORMS[name], values, strict=False))
        body.update(data)
        with rolled_back():
            response = client.post(reverse(name), body, **meta)
            assert response.status_code < 500

    run()


def test_every_page_with_hostile_headers(hostile_world):
    world, _kwargs = hostile_world
    clients = signed_in_clients(world)
    pages = [
        reverse("home"),
        reverse("pledges:pledge-list"),
        reverse("assessments:assessment-mine"),
    ]

    @settings(HOSTILE, max_examples=20)
    @given(role=st.sampled_from(sorted(clients)), page=st.sampled_from(pages), meta=headers)
    def run(role, page, meta):
        with rolled_back():
            assert clients[role].get(page, **meta).status_code < 500

    run()


def test_signing_in_with_control_characters_in_every_header(hostile_world):
    world, _kwargs = hostile_world
    nasty = "Mozilla\x00\x01\x1b[31m" + "\u202e" * 3 + "A" * 5000
    client = Client()
    response = client.post(
        reverse("account_login"),
        {"login": world.official.email, "password": PASSWORD},
        HTTP_USER_AGENT=nasty,
        HTTP_X_FORWARDED_FOR=nasty,
        HTTP_ACCEPT_LANGUAGE=nasty,
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:my-account")).status_code == 200
    stored = UserSession.objects.get(user=world.official).user_agent
    assert stored.startswith("Mozilla[31m")
    assert stored.isprintable()
