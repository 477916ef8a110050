"""Signing in through an office's OpenID Connect provider, against a real provider.

Each test drives the whole round trip with Django's test client and a real OIDC
provider (oidc-provider-mock) on 127.0.0.1: the portal's start page, the provider's
authorisation form, the token exchange and userinfo that allauth performs, and the
portal's callback.
"""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from allauth.socialaccount.models import SocialAccount
from django.core.cache import cache
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, Invitation, Membership, User
from sso import evidence, secrets
from sso.models import IdentityProvider, ProviderDomain, RoleSuggestion

from ..factories import MembershipFactory
from .oidc_idp import running_idp

pytestmark = pytest.mark.django_db

SLUG = "riverside-entra"
DOMAIN = "riverside.example.gov"


@pytest.fixture(scope="module")
def idp_server():
    with running_idp() as idp:
        yield idp


@pytest.fixture
def idp(idp_server):
    cache.clear()  # allauth remembers id_token jti values here
    idp_server.tamper = {}
    yield idp_server
    idp_server.tamper = {}


@pytest.fixture
def provider(world, idp):
    provider = IdentityProvider.objects.create(
        name="Riverside County Entra ID",
        slug=SLUG,
        protocol=IdentityProvider.Protocol.OIDC,
        office=world.office,
        server_url=idp.url,
        client_id="standards-portal",
        secret_encrypted=secrets.encrypt("client-secret"),
    )
    ProviderDomain.objects.create(provider=provider, domain=DOMAIN)
    return provider


def member(world, role=Membership.Role.OFFICIAL, *, office=None, email=None):
    n = User.objects.count()
    return MembershipFactory(
        office=office or world.office,
        role=role,
        user__email=email or f"person{n}@{DOMAIN}",
    ).user


def claims(user_or_email, **extra):
    email = getattr(user_or_email, "email", user_or_email)
    return {"email": email, "email_verified": True, "name": "Pat Doe", **extra}


def refusals(reason=None):
    entries = AuditEntry.objects.filter(action="sso.refused")
    return entries.filter(details__reason=reason) if reason else entries


def test_existing_member_is_linked_and_signed_in(client, world, idp, provider):
    person = member(world)
    idp.set_user("sub-1", **claims(person))

    response = idp.sign_in(client, SLUG, "sub-1")

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(person.pk)
    link = SocialAccount.objects.get(user=person)
    assert (link.provider, link.uid) == (SLUG, "sub-1")
    assert AuditEntry.objects.filter(action="sso.linked", object_id=str(person.pk)).count() == 1
    # The next sign-in uses the link and links nothing new.
    client.logout()
    assert idp.sign_in(client, SLUG, "sub-1").status_code == 302
    assert SocialAccount.objects.filter(user=person).count() == 1
    assert AuditEntry.objects.filter(action="sso.linked").count() == 1


def test_pending_invitation_is_accepted_with_an_unusable_password(client, world, idp, provider):
    email = f"new.person@{DOMAIN}"
    invitation = Invitation.objects.create(
        email=email,
        full_name="New Person",
        office=world.office,
        role=Membership.Role.OFFICIAL,
        invited_by=world.manager,
        expires_at=timezone.now() + timezone.timedelta(days=7),
    )
    idp.set_user("sub-new", **claims(email))

    response = idp.sign_in(client, SLUG, "sub-new")

    assert response.status_code == 302
    person = User.objects.get(email=email)
    assert client.session["_auth_user_id"] == str(person.pk)
    assert not person.has_usable_password()
    assert Membership.objects.get(user=person, ended_at__isnull=True).office == world.office
    invitation.refresh_from_db()
    assert invitation.accepted_by == person
    assert SocialAccount.objects.filter(user=person, uid="sub-new").exists()


def _assert_refused_and_nothing_created(response, client, reason):
    assert response.status_code == 403
    assert "You need an invitation" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not SocialAccount.objects.exists()
    assert refusals(reason).count() == 1


def test_unverified_email_is_refused(client, world, idp, provider):
    person = member(world)
    idp.set_user("sub-2", **claims(person, email_verified=False))
    response = idp.sign_in(client, SLUG, "sub-2")
    _assert_refused_and_nothing_created(response, client, "email_not_verified")


def test_provider_specific_verified_claim_is_the_one_read(client, world, idp, provider):
    # Entra ID says "xms_edov"; an "email_verified" the provider set means nothing then.
    provider.email_verified_claim = "xms_edov"
    provider.save()
    person = member(world)
    idp.set_user("sub-3", **claims(person, email_verified=True))
    response = idp.sign_in(client, SLUG, "sub-3")
    _assert_refused_and_nothing_created(response, client, "email_not_verified")

    idp.set_user("sub-3", **claims(person, xms_edov=True))
    assert idp.sign_in(client, SLUG, "sub-3").status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)


def test_domain_outside_the_list_is_refused(client, world, idp, provider):
    person = member(world, email="someone@elsewhere.example.org")
    idp.set_user("sub-4", **claims(person))
    response = idp.sign_in(client, SLUG, "sub-4")
    _assert_refused_and_nothing_created(response, client, "domain_not_listed")


def test_member_of_another_office_is_refused(client, world, idp, provider):
    # The provider belongs to Riverside; the person works for Lakeside.
    person = member(world, office=world.other_office)
    idp.set_user("sub-5", **claims(person))
    response = idp.sign_in(client, SLUG, "sub-5")
    _assert_refused_and_nothing_created(response, client, "not_a_member")
    assert Membership.objects.get(user=person, ended_at__isnull=True).office == world.other_office


def test_existing_link_is_checked_again_after_leaving_the_office(client, world, idp, provider):
    person = member(world)
    idp.set_user("sub-6", **claims(person))
    assert idp.sign_in(client, SLUG, "sub-6").status_code == 302
    client.logout()
    Membership.objects.filter(user=person).update(ended_at=timezone.now())

    response = idp.sign_in(client, SLUG, "sub-6")

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    assert refusals("not_a_member").count() == 1


def test_no_account_and_no_invitation_is_refused_and_nothing_created(client, world, idp, provider):
    people = User.objects.count()
    idp.set_user("sub-7", **claims(f"stranger@{DOMAIN}"))
    response = idp.sign_in(client, SLUG, "sub-7")
    _assert_refused_and_nothing_created(response, client, "no_account")
    assert User.objects.count() == people
    assert not User.objects.filter(email=f"stranger@{DOMAIN}").exists()


def test_disabled_provider_cannot_be_used(client, world, idp, provider):
    provider.enabled = False
    provider.save()
    assert client.post(f"/accounts/oidc/{SLUG}/login/").status_code == 404


def _assert_answer_rejected(response, client):
    assert response.status_code == 401
    assert "Sign-in through your organisation failed" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not SocialAccount.objects.exists()
    assert refusals("answer_rejected").count() == 1


def test_id_token_for_another_audience_is_refused(client, world, idp, provider):
    person = member(world)
    idp.set_user("sub-8", **claims(person))
    idp.tamper = {"aud": "some-other-client"}
    _assert_answer_rejected(idp.sign_in(client, SLUG, "sub-8"), client)


def test_expired_id_token_is_refused(client, world, idp, provider):
    person = member(world)
    idp.set_user("sub-9", **claims(person))
    idp.tamper = {"exp": int(time.time()) - 600, "iat": int(time.time()) - 4200}
    _assert_answer_rejected(idp.sign_in(client, SLUG, "sub-9"), client)


def test_replayed_id_token_is_refused(client, world, idp, provider):
    person = member(world)
    idp.set_user("sub-10", **claims(person))
    idp.tamper = {"jti": "the-same-token-id"}
    assert idp.sign_in(client, SLUG, "sub-10").status_code == 302
    client.logout()
    SocialAccount.objects.all().delete()
    AuditEntry.objects.filter(action="sso.refused").delete()

    _assert_answer_rejected(idp.sign_in(client, SLUG, "sub-10"), client)


@pytest.fixture
def mfa_required():
    with override_settings(MFA_REQUIRED=True):
        yield


@pytest.mark.usefixtures("mfa_required")
def test_trusted_provider_mfa_stands_for_the_portal_second_step(client, world, idp, provider):
    provider.trust_mfa = True
    provider.save()
    manager = member(world, Membership.Role.MANAGER)
    idp.set_user("sub-11", **claims(manager, amr=["pwd", "mfa"]))

    assert idp.sign_in(client, SLUG, "sub-11").status_code == 302

    assert client.session["_auth_user_id"] == str(manager.pk)
    home = client.get(reverse("home"))
    assert home.status_code == 200  # not held on the MFA set-up page


@pytest.mark.usefixtures("mfa_required")
@pytest.mark.parametrize(
    ("trust", "amr"),
    [(False, ["pwd", "mfa"]), (True, ["pwd"]), (True, None)],
    ids=["not-trusted", "no-proof", "no-amr"],
)
def test_untrusted_or_unproven_mfa_leaves_the_portal_rule(client, world, idp, provider, trust, amr):
    provider.trust_mfa = trust
    provider.save()
    manager = member(world, Membership.Role.MANAGER)
    extra = {"amr": amr} if amr is not None else {}
    idp.set_user("sub-12", **claims(manager, **extra))

    assert idp.sign_in(client, SLUG, "sub-12").status_code == 302

    assert client.session["_auth_user_id"] == str(manager.pk)
    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert home["Location"] == reverse("mfa_index")


@pytest.mark.usefixtures("mfa_required")
def test_trusted_mfa_skips_the_portal_code_prompt_and_untrusted_asks_it(
    client, world, idp, provider
):
    manager = member(world, Membership.Role.MANAGER)
    TOTP.activate(manager, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert Authenticator.objects.filter(user=manager).exists()
    idp.set_user("sub-13", **claims(manager, amr=["mfa"]))

    response = idp.sign_in(client, SLUG, "sub-13")
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session

    client.logout()
    provider.trust_mfa = True
    provider.save()
    response = idp.sign_in(client, SLUG, "sub-13")
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(manager.pk)


def test_role_claim_suggests_a_role_and_changes_nothing(client, world, idp, provider):
    provider.role_claim = "groups"
    provider.role_map = {"Elections-Managers": "manager", "Everyone": "official"}
    provider.save()
    person = member(world)
    idp.set_user("sub-14", **claims(person, groups=["Everyone", "Elections-Managers"]))

    assert idp.sign_in(client, SLUG, "sub-14").status_code == 302

    membership = Membership.objects.get(user=person, ended_at__isnull=True)
    assert membership.role == Membership.Role.OFFICIAL
    suggestion = RoleSuggestion.objects.get(membership=membership)
    assert (suggestion.role, suggestion.claim_value) == ("manager", "Elections-Managers")
    assert suggestion.decided_at is None
    assert AuditEntry.objects.filter(action="sso.role_suggested").count() == 1
    # Signing in again with the same groups suggests nothing more.
    client.logout()
    idp.sign_in(client, SLUG, "sub-14")
    assert RoleSuggestion.objects.filter(membership=membership).count() == 1


def test_session_keeps_the_evidence_of_the_sign_in(client, world, idp, provider):
    provider.trust_mfa = True
    provider.save()
    person = member(world)
    idp.set_user("sub-15", **claims(person, amr=["pwd", "otp"]))

    idp.sign_in(client, SLUG, "sub-15")

    class Request:
        session = client.session

    assert evidence.from_session(Request) == {
        "provider": "Riverside County Entra ID",
        "provider_id": provider.pk,
        "protocol": "oidc",
        "issuer": idp.url,
        "subject": "sub-15",
        "mfa": "otp",
        "trusted_mfa": True,
    }


def test_password_sign_in_has_no_evidence(client, world):
    from ..factories import PASSWORD

    client.post(reverse("account_login"), {"login": world.official.email, "password": PASSWORD})

    class Request:
        session = client.session

    assert client.session["_auth_user_id"] == str(world.official.pk)
    assert evidence.from_session(Request) is None


def test_sign_out_goes_on_to_the_provider(client, world, idp, provider):
    person = member(world)
    idp.set_user("sub-16", **claims(person))
    idp.sign_in(client, SLUG, "sub-16")

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    # On to the portal's signed hand-over page, which sends the browser to the provider.
    hand_over = client.get(response["Location"])
    assert hand_over.status_code == 200
    _delay, _, end_session = hand_over["Refresh"].partition(";url=")
    assert end_session.startswith(f"{idp.url}/oauth2/end_session?")
    assert "client_id=standards-portal" in end_session
    assert "Riverside County Entra ID" in hand_over.content.decode()


def test_sign_out_hand_over_refuses_an_address_it_did_not_sign(client):
    forged = client.get(reverse("sso:signed-out") + "?to=https://evil.example/")
    assert forged.status_code == 302
    assert forged["Location"] == "/"
    assert not forged.has_header("Refresh")


def test_sign_in_page_offers_the_organisation(client, world, provider):
    response = client.get(reverse("sso:signin"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Sign in with Riverside County Entra ID" in page
    assert f'action="/accounts/oidc/{SLUG}/login/"' in page

    login_page = client.get(reverse("account_login")).content.decode()
    assert "Sign in with your organisation" in login_page
    assert 'name="password"' in login_page


def test_work_email_leads_to_its_provider(client, world, provider):
    response = client.post(reverse("sso:signin") + "?next=/pledges/", {"email": f"A@{DOMAIN}"})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/oidc/{SLUG}/login/?next=%2Fpledges%2F"
    confirm = client.get(response["Location"])
    assert confirm.status_code == 200
    assert "Continue to Riverside County Entra ID" in confirm.content.decode()


@pytest.mark.parametrize("email", ["someone@unknown.example.org", "not an email", ""])
def test_unknown_domain_or_bad_email_is_a_clear_form_error(client, world, provider, email):
    response = client.post(reverse("sso:signin"), {"email": email})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.content.decode()


def test_unknown_domain_message_names_the_domain_only(client, world, provider):
    response = client.post(reverse("sso:signin"), {"email": "someone@unknown.example.org"})
    page = response.content.decode()
    assert "No organisation signs in to the portal with addresses at unknown.example.org" in page


def test_member_of_another_office_with_an_invitation_here_moves_here(client, world, idp, provider):
    person = member(world, office=world.other_office)
    Invitation.objects.create(
        email=person.email,
        full_name=person.full_name,
        office=world.office,
        role=Membership.Role.OFFICIAL,
        invited_by=world.manager,
        expires_at=timezone.now() + timezone.timedelta(days=7),
    )
    idp.set_user("sub-17", **claims(person))

    assert idp.sign_in(client, SLUG, "sub-17").status_code == 302

    assert client.session["_auth_user_id"] == str(person.pk)
    assert Membership.objects.get(user=person, ended_at__isnull=True).office == world.office
    assert person.has_usable_password()  # their own password stays


def test_association_provider_signs_in_its_analysts_only(client, world, idp):
    provider = IdentityProvider.objects.create(
        name="Centennial Okta",
        slug="centennial-okta",
        protocol=IdentityProvider.Protocol.OIDC,
        association=world.association,
        server_url=idp.url,
        client_id="standards-portal",
        secret_encrypted=secrets.encrypt("client-secret"),
    )
    ProviderDomain.objects.create(provider=provider, domain="centennial.example.org")
    User.objects.filter(pk=world.analyst.pk).update(email="analyst@centennial.example.org")
    User.objects.filter(pk=world.official.pk).update(email="official@centennial.example.org")

    idp.set_user("sub-18", **claims("analyst@centennial.example.org"))
    assert idp.sign_in(client, "centennial-okta", "sub-18").status_code == 302
    assert client.session["_auth_user_id"] == str(world.analyst.pk)
    client.logout()

    # An official of a member office holds no role in the association itself.
    idp.set_user("sub-19", **claims("official@centennial.example.org"))
    response = idp.sign_in(client, "centennial-okta", "sub-19")
    assert response.status_code == 403
    assert refusals("not_a_member").count() == 1


@pytest.mark.parametrize("key", ["seen", "signed_in"])
def test_idle_and_absolute_timeouts_end_a_session_begun_at_the_provider(
    client, world, idp, provider, settings, key
):
    from accounts.signals import SEEN_AT, SIGNED_IN_AT

    person = member(world)
    idp.set_user("sub-timeout", **claims(person))
    idp.sign_in(client, SLUG, "sub-timeout")
    assert client.get(reverse("accounts:my-account")).status_code == 200

    session = client.session
    if key == "seen":
        session[SEEN_AT] -= settings.SESSION_IDLE_TIMEOUT + 1
    else:
        session[SIGNED_IN_AT] -= settings.SESSION_COOKIE_AGE + 1
    session.save()

    response = client.get(reverse("accounts:my-account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
