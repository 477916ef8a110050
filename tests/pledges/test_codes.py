"""Verification codes: printed in groups of four, found however they are typed."""

import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from pledges.chain import CONSENT_TEXT
from pledges.codes import ALPHABET, LOOKALIKES, format_code, normalize_code
from pledges.exports import pledge_certificate_pdf
from pledges.models import Pledge
from pledges.services import pledge_text, pledges_import

from .conftest import fresh_login, sign

CODE = "D2GJ7WDC7BD7Z5YT"
PRINTED = "D2GJ-7WDC-7BD7-Z5YT"
# What each look-alike may have been typed for: the inverse of LOOKALIKES.
MISREAD = {
    target: [typed for typed, targets in LOOKALIKES.items() if target in targets]
    for target in {t for targets in LOOKALIKES.values() for t in targets}
}


def pledge_with_code(world, cycle, code, user=None):
    pledge = Pledge(
        user=user or world.official,
        office=world.office,
        cycle=cycle,
        edition=cycle.edition,
        typed_name="Olivia Chen",
        account_name="Olivia Chen",
        consent_text=str(CONSENT_TEXT),
        signed_at=timezone.now(),
        auth_method=Pledge.AuthMethod.PASSWORD,
        text_sha256=pledge_text(cycle)[1],
        verification_code=code,
    )
    return pledges_import(pledges=[pledge])[0]


def test_a_code_is_printed_in_groups_of_four():
    assert format_code(CODE) == PRINTED
    assert set(ALPHABET).isdisjoint(LOOKALIKES), "a look-alike must never be a real character"


@st.composite
def typed_variants(draw, code=CODE):
    """The code as a person may type it: any case, separators, a few look-alikes."""
    chars = []
    lookalikes = 0
    for ch in code:
        if ch in MISREAD and lookalikes < 4 and draw(st.booleans()):
            ch = draw(st.sampled_from(MISREAD[ch]))
            lookalikes += 1
        if draw(st.booleans()):
            ch = ch.lower()
        chars.append(ch + draw(st.sampled_from(["", "", "-", " ", "  ", "\u2010", "\t"])))
    return draw(st.sampled_from(["", " "])) + "".join(chars)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(typed=typed_variants())
def test_any_way_of_typing_a_real_code_finds_its_pledge(client, world, cycle, typed):
    if not Pledge.objects.exists():
        pledge_with_code(world, cycle, CODE)
    cache.clear()  # the lookup limit counts every example otherwise
    response = client.get(reverse("pledges:pledge-verify"), {"code": typed})
    assert response.status_code == 200, typed
    assert response.context["pledge"].verification_code == CODE
    assert PRINTED in response.content.decode()
    path = reverse("pledge-verify-code", args=[typed.strip()])
    response = client.get(path)
    assert response.status_code == 200, typed
    assert response.context["pledge"].verification_code == CODE


def test_the_old_short_link_without_dashes_still_works(client, world, cycle):
    pledge = pledge_with_code(world, cycle, CODE)
    assert client.get(f"/v/{CODE}").context["pledge"] == pledge
    assert client.get(f"/v/{PRINTED}").context["pledge"] == pledge
    assert client.get(f"/v/{CODE.lower()}").context["pledge"] == pledge


def test_a_code_matching_two_pledges_through_look_alikes_finds_neither(client, world, cycle):
    pledge_with_code(world, cycle, "D2GJ7WDC7BD7Z5YT")
    pledge_with_code(world, cycle, "Q2GJ7WDC7BD7Z5YT", user=world.colleague)
    response = client.get(reverse("pledges:pledge-verify"), {"code": "O2GJ-7WDC-7BD7-Z5YT"})
    assert response.status_code == 404
    response = client.get(reverse("pledges:pledge-verify"), {"code": "q2gj 7wdc 7bd7 z5yt"})
    assert response.context["pledge"].user == world.colleague


@pytest.mark.parametrize(
    "typed", ["", "D2GJ", "D2GJ-7WDC-7BD7-Z5YTX", "D2GJ/7WDC", "ÄÖÜ" * 6, "%00", "\x00" * 16]
)
def test_a_malformed_code_gets_the_message_never_an_error(client, db, typed):
    assert normalize_code(typed) is None
    response = client.get(reverse("pledges:pledge-verify"), {"code": typed})
    assert 400 <= response.status_code < 500
    body = response.content.decode()
    if typed and "\x00" not in typed:  # NUL gets Django's own message
        assert "A verification code has 16 letters and digits, like D2GJ-7WDC-7BD7-Z5YT." in body


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed=st.text(max_size=80))
def test_any_input_gets_an_answer_not_a_server_error(client, db, typed):
    cache.clear()
    response = client.get(reverse("pledges:pledge-verify"), {"code": typed})
    assert response.status_code in (200, 400, 404)


def test_the_code_is_printed_in_groups_everywhere_it_is_shown(
    client, world, cycle, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pledge = sign(world.official, cycle)
    printed = pledge.code_display
    assert printed.count("-") == 3 and printed.replace("-", "") == pledge.verification_code
    assert f"Your verification code is {printed}." in mailoutbox[0].body

    certificate = PdfReader(io.BytesIO(pledge_certificate_pdf(pledge)[2]))
    assert printed in " ".join(page.extract_text() for page in certificate.pages)

    fresh_login(client, world.official)
    for url in (
        reverse("pledges:pledge-detail", args=[pledge.pk]),
        reverse("pledges:pledge-list"),
        reverse("home"),
    ):
        assert printed in client.get(url).content.decode(), url
    assert printed in client.get(f"/v/{pledge.verification_code}").content.decode()
