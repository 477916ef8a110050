"""SCIM 2.0 provisioning: the office's identity provider creates, updates and deactivates
people through /scim/v2/, as Microsoft Entra ID and Okta send their requests."""

import hashlib
import json

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import AssociationRole, AuditEntry, Invitation, Membership, User
from sso import provisioning
from sso.models import ScimClient, ScimUser
from tests.factories import PASSWORD, UserFactory
from tests.pledges.conftest import sign

BASE = "/scim/v2"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


class Scim:
    """An identity provider calling the office's SCIM endpoint with its bearer token."""

    def __init__(self, token: str):
        # No cookie, no CSRF token: a server-to-server client, as the provider is.
        self.client = Client(enforce_csrf_checks=True)
        self.token = token

    def _call(self, method: str, path: str, body=None, *, raw: bytes | None = None, **extra):
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        return getattr(self.client, method)(
            f"{BASE}{path}",
            data=data,
            content_type="application/scim+json",
            headers={"Authorization": f"Bearer {self.token}", **extra},
        )

    def get(self, path, **params):
        return self.client.get(
            f"{BASE}{path}", params, headers={"Authorization": f"Bearer {self.token}"}
        )

    def post(self, path, body=None, **kw):
        return self._call("post", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self._call("put", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self._call("patch", path, body, **kw)

    def delete(self, path):
        return self._call("delete", path)


def user_payload(user_name, *, email=None, given="Ada", family="Lovelace", external_id=None):
    """A create request as Entra ID sends it."""
    return {
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "externalId": external_id or f"ext-{user_name}",
        "active": True,
        "displayName": f"{given} {family}",
        "name": {"givenName": given, "familyName": family, "formatted": f"{given} {family}"},
        "emails": [{"value": email or user_name, "type": "work", "primary": True}],
    }


def entra_patch(*operations):
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


@pytest.fixture
def scim_a(world):
    _client, token = provisioning.scim_client_rotate(office=world.office, by=world.manager)
    return Scim(token)


@pytest.fixture
def scim_b(world):
    _client, token = provisioning.scim_client_rotate(
        office=world.other_office, by=world.other_manager
    )
    return Scim(token)


def official_mode(office):
    ScimClient.objects.filter(office=office).update(creates=ScimClient.Creates.OFFICIAL)


def create(scim, user_name, **kw):
    response = scim.post("/Users", user_payload(user_name, **kw))
    assert response.status_code == 201, response.content
    return response.json()


# Tokens ------------------------------------------------------------------------------


def test_only_the_tokens_hash_is_stored(world):
    client, token = provisioning.scim_client_rotate(office=world.office, by=world.manager)
    client.refresh_from_db()
    assert client.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert client.token_hint == token[:10]
    stored = json.dumps(list(ScimClient.objects.values()), default=str)
    assert token not in stored
    assert AuditEntry.objects.filter(action="scim.token_rotated", office=world.office).exists()


def test_rotation_invalidates_the_old_token(world, scim_a):
    assert scim_a.get("/Users").status_code == 200
    _client, new_token = provisioning.scim_client_rotate(office=world.office, by=world.manager)
    response = scim_a.get("/Users")
    assert response.status_code == 401
    assert response.json()["schemas"] == [ERROR_SCHEMA]
    assert Scim(new_token).get("/Users").status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic dXNlcjpwYXNz"])
def test_requests_without_a_valid_token_are_refused_with_a_scim_error(world, scim_a, header):
    headers = {"Authorization": header} if header else {}
    response = Client().get(f"{BASE}/Users", headers=headers)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/scim+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == "401"


def test_last_used_is_recorded_at_most_once_a_minute(world, scim_a):
    scim_a.get("/Users")
    first = ScimClient.objects.get(office=world.office).last_used_at
    assert first is not None
    scim_a.get("/Users")
    assert ScimClient.objects.get(office=world.office).last_used_at == first


def test_answers_are_scim_json_and_never_cached(scim_a):
    response = scim_a.get("/Users")
    assert response["Content-Type"] == "application/scim+json"
    assert "no-store" in response["Cache-Control"]


def test_other_methods_are_refused_with_a_scim_error(scim_a):
    response = scim_a.post("/ServiceProviderConfig", {})
    assert response.status_code == 405
    assert response.json()["schemas"] == [ERROR_SCHEMA]


def test_discovery_endpoints_describe_the_user_resource(scim_a):
    config = scim_a.get("/ServiceProviderConfig").json()
    assert config["patch"]["supported"] is True
    assert config["filter"]["supported"] is True
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = scim_a.get("/ResourceTypes").json()
    assert types["Resources"][0]["endpoint"] == "/Users"
    schemas = scim_a.get("/Schemas").json()
    assert schemas["Resources"][0]["id"] == USER_SCHEMA
    assert scim_a.get(f"/Schemas/{USER_SCHEMA}").status_code == 200
    assert scim_a.get("/Schemas/urn:nope").status_code == 404


# Office scoping ------------------------------------------------------------------------


def test_office_a_token_cannot_see_or_change_office_b_users(world, scim_a, scim_b):
    theirs = create(scim_b, "bob@lakeside.example.org")
    path = f"/Users/{theirs['id']}"
    assert scim_a.get(path).status_code == 404
    assert scim_a.put(path, user_payload("bob@lakeside.example.org")).status_code == 404
    patch = entra_patch({"op": "Replace", "path": "active", "value": "False"})
    assert scim_a.patch(path, patch).status_code == 404
    assert scim_a.delete(path).status_code == 404
    listing = scim_a.get("/Users").json()
    assert listing["totalResults"] == 0
    found = scim_a.get("/Users", filter='userName eq "bob@lakeside.example.org"').json()
    assert found["totalResults"] == 0
    # Untouched, and still visible to its own office.
    assert ScimUser.objects.get(pk=theirs["id"]).active is True
    assert scim_b.get(path).status_code == 200


def test_an_id_that_is_not_a_uuid_is_not_found(scim_a):
    response = scim_a.get("/Users/not-a-uuid")
    assert response.status_code == 404
    assert response.json()["schemas"] == [ERROR_SCHEMA]


# Create, update, deactivate ------------------------------------------------------------


def test_official_mode_creates_an_official_with_an_unusable_password(world, scim_a):
    official_mode(world.office)
    body = create(scim_a, "ada@riverside.example.org")
    assert body["active"] is True
    assert body["meta"]["version"] == 'W/"1"'
    person = User.objects.get(email="ada@riverside.example.org")
    assert not person.has_usable_password()
    assert person.full_name == "Ada Lovelace"
    membership = person.active_membership
    assert membership.office == world.office
    assert membership.role == Membership.Role.OFFICIAL
    scim_user = ScimUser.objects.get(pk=body["id"])
    assert scim_user.state == ScimUser.State.LINKED and scim_user.user == person
    entry = AuditEntry.objects.get(action="scim.user_created", object_id=body["id"])
    assert entry.actor is None
    assert entry.details["via"] == "scim"
    assert entry.details["source"] == f"SCIM ({world.office.name})"


def test_official_mode_links_an_existing_person_without_an_office(world, scim_a):
    official_mode(world.office)
    person = UserFactory(email="former@riverside.example.org")
    create(scim_a, "former@riverside.example.org")
    assert person.active_membership.office == world.office
    assert ScimUser.objects.get(user=person).state == ScimUser.State.LINKED


def test_official_mode_refuses_a_member_of_another_office(world, scim_a):
    official_mode(world.office)
    response = scim_a.post("/Users", user_payload(world.other_official.email))
    assert response.status_code == 409
    assert response.json()["scimType"] == "uniqueness"
    assert "another office" in response.json()["detail"]
    assert world.other_official.active_membership.office == world.other_office
    assert not ScimUser.objects.exists()


def test_duplicate_user_name_is_a_conflict(scim_a):
    create(scim_a, "ada@riverside.example.org")
    response = scim_a.post("/Users", user_payload("ADA@riverside.example.org"))
    assert response.status_code == 409
    assert response.json()["scimType"] == "uniqueness"
    assert ScimUser.objects.count() == 1


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"[1, 2]", b"\xff\xfe", b"", json.dumps({"schemas": [USER_SCHEMA]}).encode()],
)
def test_bad_bodies_are_refused_with_400_never_500(scim_a, raw):
    response = scim_a.post("/Users", raw=raw)
    assert response.status_code == 400
    assert response.json()["schemas"] == [ERROR_SCHEMA]
    assert response.json()["scimType"] in ("invalidSyntax", "invalidValue")


def test_bad_values_are_refused_with_400(scim_a):
    payload = user_payload("ada@riverside.example.org")
    payload["active"] = "maybe"
    assert scim_a.post("/Users", payload).status_code == 400
    payload = user_payload("ada@riverside.example.org", email="not an email")
    assert scim_a.post("/Users", payload).status_code == 400
    scim_user = create(scim_a, "ada@riverside.example.org")
    bad_patch = entra_patch({"op": "frobnicate", "path": "active", "value": False})
    response = scim_a.patch(f"/Users/{scim_user['id']}", bad_patch)
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    response = scim_a.patch(f"/Users/{scim_user['id']}", raw=b"{")
    assert response.status_code == 400


def test_entra_updates_names_and_deactivates_with_a_string_false(world, scim_a):
    official_mode(world.office)
    body = create(scim_a, "ada@riverside.example.org")
    path = f"/Users/{body['id']}"
    renamed = scim_a.patch(
        path,
        entra_patch(
            {"op": "Replace", "path": "name.familyName", "value": "King"},
            {"op": "Replace", "path": "displayName", "value": "Ada King"},
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "ak@r.example.org"},
        ),
    )
    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["name"]["familyName"] == "King"
    assert renamed.json()["emails"][0]["value"] == "ak@r.example.org"
    assert renamed["ETag"] == 'W/"2"'
    person = User.objects.get(email="ada@riverside.example.org")
    assert person.full_name == "Ada King"

    response = scim_a.patch(
        path, entra_patch({"op": "Replace", "path": "active", "value": "False"})
    )
    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    assert person.memberships.get().ended_at is not None
    person.refresh_from_db()
    assert person.is_active is False
    entry = AuditEntry.objects.get(action="scim.user_deactivated", object_id=body["id"])
    assert entry.actor is None and entry.details["via"] == "scim"
    assert AuditEntry.objects.get(action="membership.deactivated").details["via"] == "scim"

    # Assigned again: an official once more.
    again = scim_a.patch(path, entra_patch({"op": "Replace", "path": "active", "value": "True"}))
    assert again.json()["active"] is True
    person.refresh_from_db()
    assert person.is_active and person.active_membership.office == world.office
    assert AuditEntry.objects.filter(action="scim.user_reactivated").count() == 1


def test_okta_put_with_active_false_deactivates(world, scim_a):
    official_mode(world.office)
    body = create(scim_a, "ada@riverside.example.org")
    payload = user_payload("ada@riverside.example.org")
    payload["active"] = False
    response = scim_a.put(f"/Users/{body['id']}", payload)
    assert response.status_code == 200
    assert response.json()["active"] is False
    person = User.objects.get(email="ada@riverside.example.org")
    assert person.active_membership is None


def test_delete_deactivates_and_keeps_the_person_and_their_pledges(world, scim_a, cycle):
    official_mode(world.office)
    create(scim_a, world.official.email)  # links Olivia, already of the office
    scim_user = ScimUser.objects.get(user=world.official)
    pledge = sign(world.official, cycle)
    response = scim_a.delete(f"/Users/{scim_user.pk}")
    assert response.status_code == 204
    assert "no-store" in response["Cache-Control"]
    scim_user.refresh_from_db()
    assert scim_user.active is False
    assert scim_a.get(f"/Users/{scim_user.pk}").json()["active"] is False
    assert User.objects.filter(pk=world.official.pk).exists()
    assert type(pledge).objects.filter(pk=pledge.pk).exists()
    assert Membership.objects.filter(user=world.official).count() == 1


def test_deactivation_signs_out_a_live_session_even_with_another_role(world, scim_a):
    official_mode(world.office)
    # Olivia is also an analyst of an association: her account stays, her sessions go.
    AssociationRole.objects.create(
        user=world.official, association=world.association, role=AssociationRole.Role.ANALYST
    )
    create(scim_a, world.official.email)
    # A real sign-in, in use before the identity provider's request.
    browser = Client(REMOTE_ADDR="198.51.100.1")
    signin = browser.post(
        reverse("account_login"), {"login": world.official.email, "password": PASSWORD}
    )
    assert signin.status_code == 302
    assert browser.get(reverse("accounts:my-account")).status_code == 200

    scim_user = ScimUser.objects.get(user=world.official)
    patch = entra_patch({"op": "Replace", "path": "active", "value": "False"})
    assert scim_a.patch(f"/Users/{scim_user.pk}", patch).status_code == 200

    response = browser.get(reverse("accounts:my-account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    world.official.refresh_from_db()
    assert world.official.is_active  # the association role remains
    entry = AuditEntry.objects.get(action="scim.user_deactivated")
    assert entry.details["sessions_ended"] == 1


def test_the_last_manager_is_deactivated_all_the_same_and_it_is_recorded(world, scim_a):
    official_mode(world.office)
    create(scim_a, world.manager.email)
    scim_user = ScimUser.objects.get(user=world.manager)
    assert scim_a.delete(f"/Users/{scim_user.pk}").status_code == 204
    assert world.manager.memberships.get().ended_at is not None
    entry = AuditEntry.objects.get(action="scim.user_deactivated")
    assert entry.details["last_manager"] is True


def test_if_match_with_a_stale_version_is_refused(scim_a):
    body = create(scim_a, "ada@riverside.example.org")
    response = scim_a.put(
        f"/Users/{body['id']}",
        user_payload("ada@riverside.example.org", family="King"),
        **{"If-Match": 'W/"7"'},
    )
    assert response.status_code == 412
    assert ScimUser.objects.get(pk=body["id"]).family_name == "Lovelace"


# Filters and pagination -----------------------------------------------------------------


def test_filters_by_user_name_and_external_id(scim_a):
    create(scim_a, "ada@riverside.example.org", external_id="e-1")
    create(scim_a, "bea@riverside.example.org", external_id="e-2")
    found = scim_a.get("/Users", filter='userName eq "ADA@riverside.example.org"').json()
    assert [r["userName"] for r in found["Resources"]] == ["ada@riverside.example.org"]
    found = scim_a.get("/Users", filter='externalId eq "e-2"').json()
    assert [r["userName"] for r in found["Resources"]] == ["bea@riverside.example.org"]
    found = scim_a.get("/Users", filter='userName sw "a" or externalId eq "e-2"').json()
    assert found["totalResults"] == 2
    found = scim_a.get(
        "/Users", filter='emails[type eq "work" and value eq "bea@riverside.example.org"]'
    ).json()
    assert found["totalResults"] == 1
    found = scim_a.get("/Users", filter="not (active eq true)").json()
    assert found["totalResults"] == 0


@pytest.mark.parametrize(
    "text",
    ["userName eq", 'userName xx "a"', 'nickName eq "a"', "((", 'active eq "zz"', "a" * 3000],
)
def test_a_bad_filter_is_a_400(scim_a, text):
    response = scim_a.get("/Users", filter=text)
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidFilter"


@pytest.mark.parametrize("rows", [1, 12])
def test_the_list_costs_the_same_queries_for_one_or_many(scim_a, django_assert_num_queries, rows):
    for number in range(rows):
        create(scim_a, f"p{number}@riverside.example.org")
    # The token's client and office; the count; the page.
    with django_assert_num_queries(3):
        response = scim_a.get("/Users")
    assert response.json()["totalResults"] == rows


def test_pagination_with_start_index_and_count(scim_a):
    for letter in "abcde":
        create(scim_a, f"{letter}@riverside.example.org")
    page = scim_a.get("/Users", startIndex=2, count=2).json()
    assert page["totalResults"] == 5
    assert page["startIndex"] == 2
    assert page["itemsPerPage"] == 2
    assert [r["userName"][0] for r in page["Resources"]] == ["b", "c"]
    assert scim_a.get("/Users", count=0).json()["totalResults"] == 5
    assert scim_a.get("/Users", startIndex=0).json()["startIndex"] == 1
    response = scim_a.get("/Users", count="many")
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"


# Pending mode ---------------------------------------------------------------------------


def test_pending_mode_waits_for_a_manager_who_confirms_with_an_invitation(
    world, scim_a, django_capture_on_commit_callbacks
):
    body = create(scim_a, "new.person@riverside.example.org")
    scim_user = ScimUser.objects.get(pk=body["id"])
    assert scim_user.state == ScimUser.State.PENDING and scim_user.user is None
    assert not User.objects.filter(email="new.person@riverside.example.org").exists()

    manager = Client()
    manager.force_login(world.manager)
    page = manager.get(reverse("sso:scim-pending"))
    assert b"new.person@riverside.example.org" in page.content
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(reverse("sso:scim-pending-confirm", args=[scim_user.pk]))
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["new.person@riverside.example.org"]]
    invitation = Invitation.objects.get(email="new.person@riverside.example.org")
    assert invitation.office == world.office
    page = manager.get(reverse("sso:scim-pending"))
    assert page.context["people"] == [] and page.context["invited"] == [scim_user]
    assert AuditEntry.objects.filter(action="scim.user_confirmed", actor=world.manager).exists()

    # They accept; the identity provider's deactivation then finds and ends the membership.
    from accounts.services import invitation_accept

    person = invitation_accept(
        invitation=invitation, full_name="New Person", password="a-long-password-1234"
    )
    assert scim_a.delete(f"/Users/{scim_user.pk}").status_code == 204
    scim_user.refresh_from_db()
    assert scim_user.user == person and scim_user.state == ScimUser.State.LINKED
    assert person.memberships.get().ended_at is not None


def test_deactivating_a_confirmed_person_revokes_the_unused_invitation(world, scim_a):
    body = create(scim_a, "new.person@riverside.example.org")
    scim_user = ScimUser.objects.get(pk=body["id"])
    provisioning.scim_pending_confirm(scim_user=scim_user, by=world.manager)
    assert scim_a.delete(f"/Users/{scim_user.pk}").status_code == 204
    assert Invitation.objects.get().revoked_at is not None


def test_a_declined_person_gets_nothing(world, scim_a):
    body = create(scim_a, "new.person@riverside.example.org")
    manager = Client()
    manager.force_login(world.manager)
    manager.post(reverse("sso:scim-pending-decline", args=[body["id"]]))
    assert ScimUser.objects.get(pk=body["id"]).state == ScimUser.State.DECLINED
    assert not Invitation.objects.exists()
    assert not User.objects.filter(email="new.person@riverside.example.org").exists()


# Manager pages --------------------------------------------------------------------------


def test_rotating_shows_the_token_once(world):
    manager = Client()
    manager.force_login(world.manager)
    response = manager.post(reverse("sso:scim-token-rotate"))
    assert response.status_code == 200
    token = response.context["token"]
    assert token.encode() in response.content
    assert "no-store" in response["Cache-Control"]
    assert Scim(token).get("/Users").status_code == 200
    page = manager.get(reverse("sso:scim-settings"))
    assert token.encode() not in page.content
    assert token[:10].encode() in page.content


def test_the_manager_chooses_official_mode(world):
    provisioning.scim_client_rotate(office=world.office, by=world.manager)
    manager = Client()
    manager.force_login(world.manager)
    response = manager.post(reverse("sso:scim-settings"), {"creates": "official"})
    assert response.status_code == 302
    assert ScimClient.objects.get(office=world.office).creates == "official"
    assert manager.post(reverse("sso:scim-settings"), {"creates": "all"}).status_code == 422


@pytest.mark.parametrize("who", ["supervisor", "official", "analyst", "site_admin"])
def test_only_the_offices_managers_reach_the_scim_pages(world, who):
    browser = Client()
    browser.force_login(getattr(world, who))
    assert browser.get(reverse("sso:scim-settings")).status_code == 403
    assert browser.get(reverse("sso:scim-pending")).status_code == 403
    assert browser.post(reverse("sso:scim-token-rotate")).status_code == 403
    assert not ScimClient.objects.exists()


def test_anonymous_people_are_sent_to_sign_in(world):
    response = Client().get(reverse("sso:scim-settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_another_offices_manager_cannot_decide_for_this_office(world, scim_a):
    body = create(scim_a, "new.person@riverside.example.org")
    other = Client()
    other.force_login(world.other_manager)
    confirm = other.post(reverse("sso:scim-pending-confirm", args=[body["id"]]))
    decline = other.post(reverse("sso:scim-pending-decline", args=[body["id"]]))
    assert confirm.status_code == decline.status_code == 404
    assert b"new.person" not in other.get(reverse("sso:scim-pending")).content
    assert ScimUser.objects.get(pk=body["id"]).state == ScimUser.State.PENDING
    assert not Invitation.objects.exists()


ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def test_entra_default_attribute_mappings_are_accepted(world, scim_a):
    """Entra ID sends the enterprise extension, addresses, phone numbers and a title by
    default: accepted, and what the portal does not keep is ignored."""
    payload = user_payload("ada@riverside.example.org")
    payload["schemas"].append(ENTERPRISE)
    payload.update(
        {
            "title": "Clerk",
            "preferredLanguage": "en-US",
            "addresses": [{"type": "work", "primary": True, "locality": "Riverside"}],
            "phoneNumbers": [{"type": "work", "value": "555-0100"}],
            ENTERPRISE: {"department": "Elections", "manager": {"value": "m-1"}},
        }
    )
    response = scim_a.post("/Users", payload)
    assert response.status_code == 201, response.content
    path = f"/Users/{response.json()['id']}"
    only_extension = entra_patch(
        {"op": "Add", "path": f"{ENTERPRISE}:department", "value": "Ballots"},
        {"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": "m-2"},
    )
    assert scim_a.patch(path, only_extension).status_code == 200
    mixed = entra_patch(
        {"op": "Add", "path": "title", "value": "Chief clerk"},
        {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Ops"},
        {"op": "Replace", "value": {"name.givenName": "Augusta", ENTERPRISE: {}}},
    )
    response = scim_a.patch(path, mixed)
    assert response.status_code == 200, response.content
    assert response.json()["name"]["givenName"] == "Augusta"
