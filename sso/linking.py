"""Who may sign in through an organisation's identity provider, and what that does.

allauth has checked the provider's answer (OIDC: the id_token's issuer, audience, expiry
and jti; SAML: the signed assertion) before `PortalSocialAccountAdapter.pre_social_login`
hands it here. The portal's least-privilege rules then decide:

1. The provider must assert an email address, say it is verified, and the address must
   be in one of the provider's listed domains.
2. The person (the account already linked to this provider's subject, or else the
   account with that address) must be an active member of the provider's office, or
   hold a role in its association. A provider of office A never signs anyone into
   office B.
3. Otherwise a pending invitation to that office or association, sent to that address,
   is accepted (a new account gets an unusable password: the person signs in through
   their organisation).
4. Otherwise the person sees "You need an invitation" (403), the refusal is audited, and
   nothing is created.

A first link is audited. A group or role claim mapped by the provider's role map only
suggests a role, which a manager decides; it never changes the role. Whether the
provider's second factor counts for the portal is decided here too, and what the portal
keeps as evidence of the sign-in is put in `sociallogin.state` for `sso.evidence`.
"""

import logging
from dataclasses import dataclass, field
from urllib.parse import urlencode

import requests
from allauth.account.utils import user_email
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.base import AuthProcess
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import render, resolve_url
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AssociationRole, Invitation, Membership, User
from accounts.services import InvitationUnusable, invitation_accept

from .handover import signed_out_url
from .models import IdentityProvider, RoleSuggestion

logger = logging.getLogger(__name__)

# Keys in `sociallogin.state`, which allauth keeps through the login's stages. The MFA
# stage in accounts reads STATE_TRUSTED_MFA by this name (accounts does not import sso).
STATE_TRUSTED_MFA = "portal_trusted_mfa"
STATE_EVIDENCE = "portal_sso"

# Where a SAML provider (sso.providers) puts what the signed assertion said, in
# `sociallogin.account.extra_data`: {"issuer", "subject", "authn_context": [...]}, and
# optionally "email" and "email_verified".
SAML_EXTRA_KEY = "_portal"

# Values of a SAML "email_verified" attribute that mean yes.
_TRUE_TEXT = {"true", "1", "t", "y", "yes"}

# When several groups map to roles, the broadest role is suggested.
_ROLE_ORDER = [
    Membership.Role.MANAGER,
    Membership.Role.SUPERVISOR,
    Membership.Role.RECORDS_OFFICER,
    Membership.Role.OFFICIAL,
    Membership.Role.ELECTION_WORKER,
]


@dataclass(frozen=True)
class Assertion:
    """What the provider said about the person, whichever the protocol."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str = ""
    # OIDC amr values and acr, or SAML AuthnContextClassRef values.
    authn_methods: list[str] = field(default_factory=list)
    # Values of the provider's role claim or attribute.
    groups: list[str] = field(default_factory=list)


class Refused(Exception):
    """The sign-in may not go ahead; `reason` is recorded in the audit trail."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _as_list(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value if item not in (None, "")]
    return [str(value)]


def _is_true(value) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in _TRUE_TEXT


def _oidc_assertion(idp: IdentityProvider, sociallogin) -> Assertion:
    extra = sociallogin.account.extra_data or {}
    id_token = extra.get("id_token") or {}
    userinfo = extra.get("userinfo") or {}
    # The id_token's issuer and subject were checked by allauth; the userinfo answer came
    # straight from the provider with the access token. The email is taken where allauth
    # takes it (userinfo first), and its "verified" claim from the same place.
    profile = userinfo if userinfo.get("email") else id_token
    claims = {**id_token, **userinfo}
    return Assertion(
        issuer=str(id_token.get("iss", "")),
        subject=str(id_token.get("sub") or userinfo.get("sub") or sociallogin.account.uid),
        email=str(profile.get("email") or "").strip().lower(),
        email_verified=_is_true(profile.get(idp.email_verified_claim or "email_verified")),
        name=str(claims.get("name") or ""),
        authn_methods=_as_list(id_token.get("amr") or userinfo.get("amr"))
        + _as_list(id_token.get("acr") or userinfo.get("acr")),
        groups=_as_list(claims.get(idp.role_claim)) if idp.role_claim else [],
    )


# The SAML attribute in which Microsoft Entra ID lists how the person authenticated,
# e.g. http://schemas.microsoft.com/claims/multipleauthn.
ENTRA_AUTHN_METHODS_ATTRIBUTE = "http://schemas.microsoft.com/claims/authnmethodsreferences"


def _saml_email_verified(sociallogin, portal: dict) -> bool:
    # A signed assertion's email attribute (or email NameID) counts as verified, unless
    # the provider sends an "email_verified" attribute that says otherwise.
    if portal.get("email_verified") is not None:
        return _is_true(portal["email_verified"])
    attributes = sociallogin.account.extra_data or {}
    app = getattr(sociallogin.provider, "app", None)
    mapping = (app.settings if app is not None else {}).get("attribute_mapping") or {}
    keys = _as_list(
        mapping.get("email_verified")
        or sociallogin.provider.default_attribute_mapping.get("email_verified")
    )
    for key in keys:
        values = _as_list(attributes.get(key))
        if values:
            return _is_true(values[0])
    return True


def _saml_assertion(idp: IdentityProvider, sociallogin) -> Assertion:
    extra = sociallogin.account.extra_data or {}
    portal = extra.get(SAML_EXTRA_KEY) or {}
    email = portal.get("email") or user_email(sociallogin.user) or ""
    return Assertion(
        issuer=str(portal.get("issuer", "")),
        subject=str(portal.get("subject") or sociallogin.account.uid),
        email=str(email).strip().lower(),
        email_verified=_saml_email_verified(sociallogin, portal),
        name=str(getattr(sociallogin.user, "full_name", "") or ""),
        # Microsoft Entra ID states the methods used in a signed attribute rather than in
        # AuthnContextClassRef; both count.
        authn_methods=_as_list(portal.get("authn_context"))
        + _as_list(extra.get(ENTRA_AUTHN_METHODS_ATTRIBUTE)),
        groups=_as_list(extra.get(idp.role_claim)) if idp.role_claim else [],
    )


def assertion_from(idp: IdentityProvider, sociallogin) -> Assertion:
    """The provider's answer in one shape: OIDC claims, or the SAML helper's summary."""
    if idp.protocol == IdentityProvider.Protocol.SAML:
        return _saml_assertion(idp, sociallogin)
    return _oidc_assertion(idp, sociallogin)


def provider_for(sociallogin) -> IdentityProvider | None:
    """The enabled IdentityProvider the allauth app was built from."""
    app = getattr(sociallogin.provider, "app", None)
    pk = (app.settings or {}).get("provider_pk") if app is not None else None
    providers = IdentityProvider.objects.filter(enabled=True).select_related(
        "office", "association"
    )
    if pk is not None:
        return providers.filter(pk=pk).first()
    return providers.filter(slug=sociallogin.account.provider).first()


def mfa_proof(idp: IdentityProvider, assertion: Assertion) -> list[str]:
    """The claimed authentication methods that prove a second factor for this provider."""
    proving = set(idp.mfa_values or [])
    return [value for value in assertion.authn_methods if value in proving]


def is_mfa_trusted(idp: IdentityProvider, assertion: Assertion) -> bool:
    """Whether the provider's second factor stands for the portal's own."""
    return bool(idp.trust_mfa and mfa_proof(idp, assertion))


def _email_in_domains(idp: IdentityProvider, email: str) -> bool:
    domain = email.rpartition("@")[2]
    return bool(domain) and idp.domains.filter(domain=domain).exists()


def belongs(user: User, idp: IdentityProvider) -> bool:
    """Whether the person is an active member of the provider's office or association."""
    if not user.is_active:
        return False
    if idp.office_id:
        return Membership.objects.filter(
            user=user, office_id=idp.office_id, ended_at__isnull=True
        ).exists()
    return AssociationRole.objects.filter(user=user, association_id=idp.association_id).exists()


def pending_invitation(idp: IdentityProvider, email: str) -> Invitation | None:
    """A usable invitation to the provider's office or association for this address."""
    invitations = Invitation.objects.filter(
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    if idp.office_id:
        return invitations.filter(office_id=idp.office_id).first()
    return invitations.filter(association_id=idp.association_id).first()


def check(idp: IdentityProvider, sociallogin, assertion: Assertion):
    """Who signs in: `(user, None)` for a member, `(user or None, invitation)` for an
    invitation to accept; raises Refused otherwise.

    Reads only: nothing is written until the rules are met.
    """
    if sociallogin.state.get("process", AuthProcess.LOGIN) != AuthProcess.LOGIN:
        # Linking from a signed-in account page is not offered: a first sign-in links.
        raise Refused("not_a_sign_in")
    if not assertion.email:
        raise Refused("no_email")
    if not assertion.email_verified:
        raise Refused("email_not_verified")
    if not _email_in_domains(idp, assertion.email):
        raise Refused("domain_not_listed")
    if sociallogin.is_existing:
        user = sociallogin.user
    else:
        user = User.objects.filter(email__iexact=assertion.email).first()
    if user is not None and belongs(user, idp):
        return user, None
    # An account already linked to this subject accepts only an invitation sent to its
    # own address: the link never moves to another account.
    linked_email = user.email if sociallogin.is_existing and user is not None else None
    invitation = pending_invitation(idp, linked_email or assertion.email)
    if invitation is not None:
        return user, invitation
    if user is not None and user.is_active:
        raise Refused("not_a_member")
    raise Refused("no_account")


def refuse(request, *, idp: IdentityProvider | None, reason: str, assertion=None, provider=""):
    """Record the refusal and answer with the "You need an invitation" page (403)."""
    audit_record(
        action="sso.refused",
        obj=idp,
        office=idp.office if idp is not None else None,
        request=request,
        provider=idp.slug if idp is not None else provider,
        reason=reason,
        email=assertion.email if assertion is not None and assertion.email else None,
        subject=assertion.subject if assertion is not None else None,
    )
    response = render(
        request,
        "sso/refused.html",
        {"provider": idp, "reason": reason},
        status=403,
    )
    raise ImmediateHttpResponse(response)


def _accept_invitation(
    request, invitation: Invitation, assertion: Assertion, user: User | None
) -> User:
    existing = user or User.objects.filter(email__iexact=invitation.email).first()
    if existing is not None and existing.is_active:
        # accounts.services checks the invitation was sent to this account's address.
        return invitation_accept(invitation=invitation, user=existing, request=request)
    # A new account, or a deactivated person invited back, gets an unusable password:
    # they sign in through their organisation (or set a password by a reset).
    return invitation_accept(
        invitation=invitation,
        full_name=assertion.name,
        password="",
        request=request,
    )


def _suggest_role(*, request, idp: IdentityProvider, user: User, assertion: Assertion) -> None:
    if not idp.office_id or not idp.role_map or not assertion.groups:
        return
    claimed = {
        idp.role_map[group]: group
        for group in assertion.groups
        if idp.role_map.get(group) in Membership.Role.values
    }
    role = next((r for r in _ROLE_ORDER if r in claimed), None)
    if role is None:
        return
    membership = (
        Membership.objects.select_for_update()
        .filter(user=user, office_id=idp.office_id, ended_at__isnull=True)
        .first()
    )
    if membership is None or membership.role == role:
        return
    open_suggestion = RoleSuggestion.objects.filter(
        membership=membership, decided_at__isnull=True
    ).first()
    if open_suggestion is not None:
        if open_suggestion.role == role:
            return
        # The provider's latest word replaces an undecided suggestion.
        open_suggestion.role = role
        open_suggestion.claim_value = claimed[role][:300]
        open_suggestion.provider = idp
        open_suggestion.created_at = timezone.now()
        open_suggestion.full_clean()
        open_suggestion.save(update_fields=["role", "claim_value", "provider", "created_at"])
        suggestion = open_suggestion
    else:
        suggestion = RoleSuggestion(
            membership=membership, provider=idp, role=role, claim_value=claimed[role][:300]
        )
        suggestion.full_clean()
        suggestion.save()
    audit_record(
        action="sso.role_suggested",
        obj=user,
        office=idp.office,
        request=request,
        provider=idp.slug,
        role=role,
        current_role=membership.role,
        claim=suggestion.claim_value,
    )


@transaction.atomic
def sign_in_accept(
    *, request, idp: IdentityProvider, sociallogin, assertion: Assertion, user, invitation
) -> User:
    """Accept the invitation if that is how the person comes in, link the provider's
    subject to the account on a first sign-in, and note a role the groups suggest."""
    if invitation is not None:
        user = _accept_invitation(request, invitation, assertion, user)
    # One sign-in at a time per person: a double callback must not link twice.
    user = User.objects.select_for_update().get(pk=user.pk)
    if sociallogin.is_existing:
        sociallogin.user = user
    else:
        linked = SocialAccount.objects.filter(
            provider=sociallogin.account.provider, uid=sociallogin.account.uid
        ).first()
        if linked is not None:
            sociallogin.account = linked
            sociallogin.user = user
        else:
            sociallogin.connect(request, user)
            audit_record(
                action="sso.linked",
                actor=user,
                obj=user,
                office=idp.office,
                request=request,
                provider=idp.slug,
                issuer=assertion.issuer,
                subject=assertion.subject,
                invitation=invitation.pk if invitation is not None else None,
            )
    _suggest_role(request=request, idp=idp, user=user, assertion=assertion)
    return user


def oidc_logout_url(request, sociallogin) -> str:
    """The portal page that hands over to the provider's end-session address
    (RP-initiated logout), or "" when it has none.

    allauth does not keep the raw id_token, so the hint is the client ID, which the
    specification allows in its place.
    """
    try:
        config = sociallogin.provider.get_oauth2_adapter(request).openid_config
    except (requests.RequestException, OAuth2Error, ValueError, KeyError):
        logger.warning("Could not read the provider's configuration for single logout.")
        return ""
    endpoint = config.get("end_session_endpoint")
    if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
        return ""
    params = {
        "client_id": sociallogin.provider.app.client_id,
        "post_logout_redirect_uri": request.build_absolute_uri(
            resolve_url(settings.LOGOUT_REDIRECT_URL)
        ),
    }
    separator = "&" if "?" in endpoint else "?"
    # The sign-out button is a form: the portal hands over rather than redirects.
    return signed_out_url(
        request,
        url=f"{endpoint}{separator}{urlencode(params)}",
        provider_name=sociallogin.provider.app.name or sociallogin.provider.app.provider_id,
    )


def saml_logout_url(request, idp: IdentityProvider, sociallogin) -> str:
    """The portal page that sends the person on to the SAML provider's single logout,
    or "" when it has none (sso.saml builds the LogoutRequest when it is used)."""
    from . import saml

    facts = (sociallogin.account.extra_data or {}).get(SAML_EXTRA_KEY) or {}
    return saml.logout_start_url(request, slug=idp.slug, facts=facts) or ""


def evidence(request, idp: IdentityProvider, sociallogin, assertion: Assertion) -> dict:
    """What the session keeps about this sign-in (see sso.evidence)."""
    proof = mfa_proof(idp, assertion)
    if idp.protocol == IdentityProvider.Protocol.SAML:
        logout_url = saml_logout_url(request, idp, sociallogin)
    else:
        logout_url = oidc_logout_url(request, sociallogin)
    return {
        "provider": idp.name,
        "provider_id": idp.pk,
        "protocol": idp.protocol,
        "issuer": assertion.issuer,
        "subject": assertion.subject,
        "mfa": " ".join(proof),
        "trusted_mfa": bool(idp.trust_mfa and proof),
        "logout_url": logout_url,
    }


def pre_social_login(request, sociallogin) -> None:
    """Apply the rules above; on success the login goes on as allauth's, linked."""
    idp = provider_for(sociallogin)
    if idp is None:
        refuse(request, idp=None, reason="provider_unknown", provider=sociallogin.account.provider)
    assertion = assertion_from(idp, sociallogin)
    try:
        user, invitation = check(idp, sociallogin, assertion)
        sign_in_accept(
            request=request,
            idp=idp,
            sociallogin=sociallogin,
            assertion=assertion,
            user=user,
            invitation=invitation,
        )
    except Refused as refusal:
        refuse(request, idp=idp, reason=refusal.reason, assertion=assertion)
    except (InvitationUnusable, ValidationError) as error:
        logger.info("Invitation not accepted through %s: %s", idp.slug, error)
        refuse(request, idp=idp, reason="invitation_not_accepted", assertion=assertion)
    sociallogin.state[STATE_TRUSTED_MFA] = is_mfa_trusted(idp, assertion)
    sociallogin.state[STATE_EVIDENCE] = evidence(request, idp, sociallogin, assertion)
