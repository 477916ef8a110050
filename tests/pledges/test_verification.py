import pytest
from django.urls import reverse

from pledges.services import pledge_withdraw

from .conftest import META, sign


def test_anyone_can_verify_a_pledge_by_its_short_link(client, world, cycle):
    pledge = sign(world.official, cycle, typed_name="Olivia Chen")
    response = client.get(f"/v/{pledge.verification_code}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "This pledge is valid and active." in body
    for fact in ("Olivia Chen", world.office.name, "2026"):
        assert fact in body
    # The fingerprint of the text signed is public (the same for every signer of the
    # edition, and in the public log); nothing personal beyond the public facts.
    assert pledge.text_sha256 in body
    for private in (world.official.email, "203.0.113.7", "pytest-browser"):
        assert private not in body


def test_the_form_accepts_a_code_typed_loosely(client, world, cycle):
    pledge = sign(world.official, cycle)
    code = pledge.verification_code
    loose = f" {code[:4].lower()}-{code[4:8]} {code[8:]} "
    response = client.get(reverse("pledges:pledge-verify"), {"code": loose})
    assert response.status_code == 200
    assert "valid and active" in response.content.decode()


def test_a_withdrawn_pledge_verifies_as_withdrawn(client, world, cycle):
    pledge = sign(world.official, cycle)
    pledge_withdraw(pledge=pledge, by=world.official, reason="Private reason", request_meta=META)
    body = client.get(f"/v/{pledge.verification_code}").content.decode()
    assert "This pledge was withdrawn." in body
    assert "Private reason" not in body


def test_an_unknown_code_is_plainly_not_found(client, db):
    response = client.get("/v/ABCDEFGHJKLMNPQR")
    assert response.status_code == 404
    assert "No pledge has this verification code" in response.content.decode()


@pytest.mark.parametrize(
    "code", ["short", "000000000000000", "ABCDEFGHJKLMNPQR1", "<script>", "D2GJ-7WDC-7BD7-Z5Y!"]
)
def test_a_malformed_code_gets_a_message(client, db, code):
    response = client.get(reverse("pledges:pledge-verify"), {"code": code})
    assert response.status_code == 400
    body = response.content.decode()
    # The message describes a code, not what was typed.
    assert "A verification code has 16 letters and digits, like D2GJ-7WDC-7BD7-Z5YT." in body
    assert "Check the code and try again." in body
    response = client.get(f"/v/{code}")
    assert response.status_code == 400
    assert "A verification code has 16 letters and digits" in response.content.decode()


def test_a_code_of_look_alikes_only_is_not_found_rather_than_searched_widely(client, db):
    response = client.get(reverse("pledges:pledge-verify"), {"code": "0000000000000000"})
    assert response.status_code == 404
    assert "No pledge has this verification code" in response.content.decode()


def test_the_empty_form_is_public(client, db):
    response = client.get(reverse("pledges:pledge-verify"))
    assert response.status_code == 200
    assert 'name="code"' in response.content.decode()


def test_lookups_are_rate_limited_per_address(client, db, settings):
    settings.PLEDGE_VERIFY_RATE_LIMIT = 5
    for _ in range(5):
        assert client.get("/v/ABCDEFGHJKLMNPQR").status_code == 404
    response = client.get("/v/ABCDEFGHJKLMNPQR")
    assert response.status_code == 429
    assert "Too many lookups" in response.content.decode()
    assert client.get(reverse("pledges:pledge-verify"), {"code": "x"}).status_code == 429
    other = client.get("/v/ABCDEFGHJKLMNPQR", REMOTE_ADDR="198.51.100.9")
    assert other.status_code == 404


def test_the_default_limit_is_thirty_lookups(client, db):
    statuses = [client.get("/v/ABCDEFGHJKLMNPQR").status_code for _ in range(31)]
    assert statuses[:30] == [404] * 30 and statuses[30] == 429


# --- the public registry ---------------------------------------------------------------


def test_the_public_registry_counts_and_names_only_those_who_opted_in(client, world, cycle):
    world.office.publishes_registry = True
    world.office.save()
    sign(world.official, cycle, typed_name="Olivia Named", list_publicly=True, name_confirmed=True)
    sign(world.colleague, cycle, typed_name="Quiet Colleague", name_confirmed=True)
    response = client.get(reverse("pledges:registry-detail", args=[world.office.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "2 of 5 staff (40%)" in body
    assert "Olivia Named" in body
    assert "Quiet Colleague" not in body
    assert world.office.name in client.get(reverse("pledges:registry-list")).content.decode()


def test_an_office_that_does_not_publish_has_no_registry_page(client, world, cycle):
    response = client.get(reverse("pledges:registry-detail", args=[world.office.pk]))
    assert response.status_code == 404
    assert world.office.name not in client.get(reverse("pledges:registry-list")).content.decode()
