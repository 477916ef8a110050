"""Registering and managing identity providers on their pages, as each kind of person."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.db import IntegrityError, transaction
from django.urls import reverse
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS

from accounts.models import AuditEntry
from sso import secrets
from sso.adapter import ALLAUTH_PROVIDER
from sso.models import RESERVED_SLUGS, IdentityProvider, ProviderDomain

from ..pledges.conftest import fresh_login
from .saml_idp import METADATA, make_key_pair

REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SECRET = "s3cret-never-shown-again"


def oidc_form(owner: str, /, **changes) -> dict:
    data = {
        "name": "Riverside County Entra ID",
        "slug": "riverside-entra",
        "owner": owner,
        "protocol": "oidc",
        "enabled": "on",
        "server_url": "https://login.example.gov/tenant/v2.0",
        "client_id": "portal-client",
        "secret": SECRET,
        "email_verified_claim": "email_verified",
        "domains": "Riverside.example.gov\n@elections.example.gov",
        "trust_mfa": "on",
        "mfa_values": "mfa\notp",
        "role_claim": "groups",
        "role_map": "Elections-Supervisors = supervisor\nCN=Managers,OU=Groups = Manager",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def saml_metadata(tmp_path, entity_id="https://idp.example.gov/saml") -> str:
    _key, _cert, body = make_key_pair(tmp_path, "idp")
    return METADATA.format(
        entity_id=entity_id,
        cert=body,
        redirect=REDIRECT,
        base="https://idp.example.gov",
        nameid_format=NAMEID_FORMAT_EMAILADDRESS,
    )


def provider_for(owner, **fields) -> IdentityProvider:
    values = {
        "name": "Provider",
        "slug": "provider",
        "protocol": "oidc",
        "server_url": "https://idp.example.gov",
        "client_id": "client",
    }
    values.update(fields)
    if owner.__class__.__name__ == "Office":
        values["office"] = owner
    else:
        values["association"] = owner
    provider = IdentityProvider.objects.create(**values)
    return provider


@pytest.fixture
def office_provider(world):
    provider = provider_for(world.office, name="Riverside Okta", slug="riverside-okta")
    ProviderDomain.objects.create(provider=provider, domain="riverside.example.gov")
    return provider


@pytest.fixture
def association_provider(world):
    provider = provider_for(world.association, name="Centennial Google", slug="centennial")
    ProviderDomain.objects.create(provider=provider, domain="centennial.example.org")
    return provider


def test_site_admin_registers_an_oidc_provider_for_an_office(client, world):
    fresh_login(client, world.site_admin)
    response = client.post(reverse("sso:provider-create"), oidc_form(f"office-{world.office.pk}"))
    provider = IdentityProvider.objects.get(slug="riverside-entra")
    assert response.status_code == 302
    assert response["Location"] == reverse("sso:provider-detail", args=[provider.pk])
    assert provider.office == world.office and provider.association is None
    assert sorted(provider.domains.values_list("domain", flat=True)) == [
        "elections.example.gov",
        "riverside.example.gov",
    ]
    assert provider.role_map == {
        "Elections-Supervisors": "supervisor",
        "CN=Managers,OU=Groups": "manager",
    }
    assert provider.mfa_values == ["mfa", "otp"] and provider.trust_mfa
    # Kept encrypted, readable by the portal, never in clear in the row or the audit.
    assert SECRET not in provider.secret_encrypted
    assert secrets.decrypt(provider.secret_encrypted) == SECRET
    actions = list(
        AuditEntry.objects.filter(action__startswith="sso.").values_list("action", flat=True)
    )
    assert sorted(actions) == ["sso.provider_created", "sso.provider_secret_set"]
    assert SECRET not in str(list(AuditEntry.objects.values_list("details", flat=True)))


def test_the_page_shows_the_values_to_copy_and_never_the_secret(client, world):
    fresh_login(client, world.site_admin)
    client.post(reverse("sso:provider-create"), oidc_form(f"office-{world.office.pk}"))
    provider = IdentityProvider.objects.get()
    page = client.get(reverse("sso:provider-detail", args=[provider.pk])).content.decode()
    assert "/accounts/oidc/riverside-entra/login/callback/" in page
    assert "set (not shown)" in page
    assert SECRET not in page and provider.secret_encrypted not in page
    form = client.get(reverse("sso:provider-update", args=[provider.pk])).content.decode()
    assert SECRET not in form and provider.secret_encrypted not in form
    assert "A secret is set and is not shown" in form


def test_saving_without_a_secret_keeps_the_one_set(client, world):
    fresh_login(client, world.site_admin)
    client.post(reverse("sso:provider-create"), oidc_form(f"office-{world.office.pk}"))
    provider = IdentityProvider.objects.get()
    kept = provider.secret_encrypted
    response = client.post(
        reverse("sso:provider-update", args=[provider.pk]),
        oidc_form("", name="Riverside Entra", secret="", domains="riverside.example.gov"),
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.name == "Riverside Entra" and provider.secret_encrypted == kept
    assert list(provider.domains.values_list("domain", flat=True)) == ["riverside.example.gov"]
    changed = AuditEntry.objects.get(action="sso.provider_changed")
    assert changed.details["fields"] == ["name", "domains"]


def test_the_short_name_and_protocol_do_not_change(client, world, office_provider):
    fresh_login(client, world.site_admin)
    client.post(
        reverse("sso:provider-update", args=[office_provider.pk]),
        oidc_form("", slug="renamed", protocol="saml", domains="riverside.example.gov"),
    )
    office_provider.refresh_from_db()
    assert (office_provider.slug, office_provider.protocol) == ("riverside-okta", "oidc")


def test_a_secret_from_the_environment_is_named_not_shown(client, world, monkeypatch):
    monkeypatch.setenv("SSO_SECRET_RIVERSIDE", "from-the-environment")
    fresh_login(client, world.site_admin)
    client.post(
        reverse("sso:provider-create"),
        oidc_form(f"office-{world.office.pk}", secret="", secret_env="SSO_SECRET_RIVERSIDE"),
    )
    provider = IdentityProvider.objects.get()
    assert (provider.secret_env, provider.secret_encrypted) == ("SSO_SECRET_RIVERSIDE", "")
    page = client.get(reverse("sso:provider-detail", args=[provider.pk])).content.decode()
    assert "from the environment variable SSO_SECRET_RIVERSIDE" in page
    assert "from-the-environment" not in page


def test_only_variables_named_for_the_purpose_are_read(client, world):
    fresh_login(client, world.site_admin)
    response = client.post(
        reverse("sso:provider-create"),
        oidc_form(f"office-{world.office.pk}", secret="", secret_env="DATABASE_URL"),
    )
    assert response.status_code == 422
    assert "begins with SSO_SECRET_" in response.content.decode()
    assert not IdentityProvider.objects.exists()


def test_association_admin_registers_a_saml_provider_for_their_association(client, world, tmp_path):
    fresh_login(client, world.association_admin)
    form = client.get(reverse("sso:provider-create")).content.decode()
    # Only their own association to choose; no office, no environment variable.
    assert world.association.name in form and world.other_association.name not in form
    assert world.office.name not in form and "secret_env" not in form
    response = client.post(
        reverse("sso:provider-create"),
        {
            "name": "Centennial Okta",
            "slug": "centennial-okta",
            "owner": f"association-{world.association.pk}",
            "protocol": "saml",
            "enabled": "on",
            "metadata_xml": saml_metadata(tmp_path),
            "domains": "centennial.example.org",
            "mfa_values": "urn:oasis:names:tc:SAML:2.0:ac:classes:MultiFactor",
        },
    )
    assert response.status_code == 302, response.content.decode()
    provider = IdentityProvider.objects.get()
    assert provider.association == world.association
    assert provider.entity_id == "https://idp.example.gov/saml"  # read from the metadata
    page = client.get(reverse("sso:provider-detail", args=[provider.pk])).content.decode()
    assert "/accounts/saml/centennial-okta/metadata/" in page
    assert "/accounts/saml/centennial-okta/acs/" in page


def test_association_admin_cannot_register_for_an_office_or_another_association(client, world):
    fresh_login(client, world.association_admin)
    for owner in (f"office-{world.office.pk}", f"association-{world.other_association.pk}"):
        response = client.post(reverse("sso:provider-create"), oidc_form(owner))
        assert response.status_code == 422
    assert not IdentityProvider.objects.exists()


def test_association_admin_changes_their_associations_provider(client, world, association_provider):
    fresh_login(client, world.association_admin)
    response = client.post(
        reverse("sso:provider-update", args=[association_provider.pk]),
        oidc_form("", name="Centennial Workspace", domains="centennial.example.org"),
    )
    assert response.status_code == 302
    association_provider.refresh_from_db()
    assert association_provider.name == "Centennial Workspace"


def test_association_admin_is_refused_other_providers(client, world, office_provider):
    other = provider_for(world.other_association, name="Evergreen", slug="evergreen")
    fresh_login(client, world.association_admin)
    # Another association's provider: they may not know it exists.
    for name in ("sso:provider-detail", "sso:provider-update"):
        assert client.get(reverse(name, args=[other.pk])).status_code == 404
    assert client.post(reverse("sso:provider-remove", args=[other.pk])).status_code == 404
    # A member office's provider is the site administrators' to register and change.
    assert client.get(reverse("sso:provider-update", args=[office_provider.pk])).status_code == 404
    listed = client.get(reverse("sso:provider-list")).content.decode()
    assert "Evergreen" not in listed and "Riverside Okta" not in listed
    assert IdentityProvider.objects.count() == 2


def test_office_manager_reads_their_offices_provider_only(client, world, office_provider):
    fresh_login(client, world.manager)
    assert client.get(reverse("sso:provider-list")).status_code == 200
    page = client.get(reverse("sso:provider-detail", args=[office_provider.pk]))
    assert page.status_code == 200 and "Riverside Okta" in page.content.decode()
    assert reverse("sso:provider-update", args=[office_provider.pk]) not in page.content.decode()
    assert client.get(reverse("sso:provider-update", args=[office_provider.pk])).status_code == 403
    response = client.post(
        reverse("sso:provider-update", args=[office_provider.pk]),
        oidc_form("", name="Changed", domains="riverside.example.gov"),
    )
    assert response.status_code == 403
    assert client.post(reverse("sso:provider-remove", args=[office_provider.pk])).status_code == 403
    assert client.get(reverse("sso:provider-create")).status_code == 403
    office_provider.refresh_from_db()
    assert office_provider.name == "Riverside Okta"
    # Another office's manager does not learn of it.
    fresh_login(client, world.other_manager)
    assert client.get(reverse("sso:provider-detail", args=[office_provider.pk])).status_code == 404


def test_staff_without_a_role_over_providers_are_refused(client, world, office_provider):
    for person in (world.official, world.supervisor, world.analyst):
        fresh_login(client, person)
        assert client.get(reverse("sso:provider-list")).status_code == 403
        assert (
            client.get(reverse("sso:provider-detail", args=[office_provider.pk])).status_code == 403
        )


def test_a_domain_of_another_provider_is_refused_clearly(client, world, office_provider):
    fresh_login(client, world.site_admin)
    response = client.post(
        reverse("sso:provider-create"),
        oidc_form(f"office-{world.other_office.pk}", domains="RIVERSIDE.example.gov"),
    )
    assert response.status_code == 422
    assert "riverside.example.gov is already listed for another identity provider" in (
        response.content.decode()
    )
    assert IdentityProvider.objects.count() == 1


def test_bad_metadata_is_refused_with_a_message(client, world, tmp_path):
    fresh_login(client, world.site_admin)
    for xml in ("<not-metadata", "<md:EntityDescriptor xmlns:md='x'/>", saml_metadata(tmp_path)):
        response = client.post(
            reverse("sso:provider-create"),
            {
                "name": "Broken",
                "slug": "broken",
                "owner": f"office-{world.office.pk}",
                "protocol": "saml",
                "metadata_xml": xml,
                # The metadata describes another provider than the entity ID named.
                "entity_id": "https://someone-else.example/saml",
                "domains": "broken.example.gov",
            },
        )
        assert response.status_code == 422
        assert "metadata" in response.content.decode().lower()
    assert not IdentityProvider.objects.exists()


def test_a_protocols_name_is_no_short_name(client, world):
    fresh_login(client, world.site_admin)
    response = client.post(
        reverse("sso:provider-create"), oidc_form(f"office-{world.office.pk}", slug="saml")
    )
    assert response.status_code == 422
    assert "is the name of a protocol" in response.content.decode()
    # The adapter's filter takes these names for the protocols; the database refuses them.
    assert set(ALLAUTH_PROVIDER.values()) == set(RESERVED_SLUGS)
    with pytest.raises(IntegrityError), transaction.atomic():
        provider_for(world.office, slug="openid_connect")
    assert not IdentityProvider.objects.exists()


BAD_INPUT = [
    {"slug": "not a slug!"},
    # allauth's protocol names would stand for every provider of the protocol.
    {"slug": "saml"},
    {"slug": "openid_connect"},
    {"owner": "office-999999"},
    {"owner": "nonsense"},
    {"protocol": "ldap"},
    {"server_url": "http://login.example.gov/"},
    {"server_url": "javascript:alert(1)"},
    {"server_url": ""},
    {"client_id": ""},
    {"domains": ""},
    {"domains": "not a domain"},
    {"domains": "localhost"},
    {"domains": "a\u202eb.example.gov"},
    {"role_map": "no equals sign"},
    {"role_map": "group = emperor"},
    {"role_map": " = supervisor"},
    {"name": "\x00"},
    {"name": "x" * 200},
    {"secret": "x\x00y"},
    {"mfa_values": "x" * 400},
    {"secret_env": "SSO_SECRET_OK", "secret": "both"},
]


@pytest.mark.parametrize("change", BAD_INPUT, ids=[str(list(c.items()))[:40] for c in BAD_INPUT])
def test_bad_input_is_refused_with_a_4xx(client, world, change):
    fresh_login(client, world.site_admin)
    response = client.post(
        reverse("sso:provider-create"), oidc_form(f"office-{world.office.pk}", **change)
    )
    assert 400 <= response.status_code < 500
    assert not IdentityProvider.objects.exists()


def test_saml_needs_metadata_and_not_both_kinds(client, world, tmp_path):
    fresh_login(client, world.site_admin)
    base = {
        "name": "SAML",
        "slug": "saml-idp",
        "owner": f"office-{world.office.pk}",
        "protocol": "saml",
        "domains": "saml.example.gov",
    }
    assert client.post(reverse("sso:provider-create"), base).status_code == 422
    both = {**base, "metadata_url": "https://idp.example.gov/md", "metadata_xml": "<x/>"}
    assert client.post(reverse("sso:provider-create"), both).status_code == 422
    url_only = {**base, "metadata_url": "https://idp.example.gov/md"}
    assert client.post(reverse("sso:provider-create"), url_only).status_code == 302


def test_the_same_short_name_twice_is_refused(client, world, office_provider):
    fresh_login(client, world.site_admin)
    response = client.post(
        reverse("sso:provider-create"),
        oidc_form(f"office-{world.office.pk}", slug="riverside-okta", domains="x.example.gov"),
    )
    assert response.status_code == 422
    assert IdentityProvider.objects.count() == 1


def test_removing_a_provider_removes_its_links_and_is_audited(client, world, office_provider):
    SocialAccount.objects.create(user=world.official, provider="riverside-okta", uid="sub-1")
    SocialAccount.objects.create(user=world.manager, provider="other", uid="sub-2")
    fresh_login(client, world.site_admin)
    response = client.post(reverse("sso:provider-remove", args=[office_provider.pk]))
    assert response.status_code == 302
    assert not IdentityProvider.objects.exists() and not ProviderDomain.objects.exists()
    assert list(SocialAccount.objects.values_list("provider", flat=True)) == ["other"]
    entry = AuditEntry.objects.get(action="sso.provider_removed")
    assert entry.office == world.office and entry.details["links_removed"] == 1
    assert world.official.__class__.objects.filter(pk=world.official.pk, is_active=True).exists()


def test_anonymous_is_sent_to_sign_in(client, office_provider):
    for url in (
        reverse("sso:provider-list"),
        reverse("sso:provider-create"),
        reverse("sso:provider-detail", args=[office_provider.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("count", [1, 5])
def test_the_providers_list_reads_in_a_fixed_number_of_queries(
    client, world, django_assert_num_queries, count
):
    for n in range(count):
        provider = provider_for(world.office, name=f"P{n}", slug=f"p{n}")
        ProviderDomain.objects.create(provider=provider, domain=f"p{n}.example.gov")
    fresh_login(client, world.site_admin)
    client.get(reverse("sso:provider-list"))  # warm the session and the user
    with django_assert_num_queries(4):
        response = client.get(reverse("sso:provider-list"))
    assert response.content.decode().count("example.gov") == count


def test_the_admin_shows_providers_read_only_without_their_secret(client, world, office_provider):
    office_provider.secret_encrypted = secrets.encrypt(SECRET)
    office_provider.save(update_fields=["secret_encrypted"])
    client.force_login(world.site_admin)
    listing = client.get(reverse("admin:sso_identityprovider_changelist"))
    assert listing.status_code == 200 and "Riverside Okta" in listing.content.decode()
    page = client.get(reverse("admin:sso_identityprovider_change", args=[office_provider.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "riverside.example.gov" in body
    assert office_provider.secret_encrypted not in body and SECRET not in body
    assert client.get(reverse("admin:sso_identityprovider_add")).status_code == 403
