"""SAML 2.0 through allauth's `saml` provider (python3-saml underneath).

- `app_settings(idp)`: the `SocialApp.settings` allauth's SAML views read, built from an
  `IdentityProvider` row (sso.adapter builds the unsaved SocialApp around it).
- `parse_metadata(xml)`: checks metadata XML typed into a form, with clear messages.
- `remember_assertion(...)`: replay protection. python3-saml checks signatures, audience
  and validity times, but does not remember which assertions it has already accepted;
  we keep every accepted assertion ID in the shared cache until it expires.
- Single logout: at sign-in, `logout_start_url(...)` gives the portal address that will
  send the person on to the provider's SLO service (kept in the session evidence as
  "logout_url"; accounts.adapter sends the browser there after signing out). That page
  (sso.saml_views.single_logout) builds the LogoutRequest then, with a fresh
  IssueInstant, through `logout_url(...)`. The provider answers at allauth's SLS view
  (/accounts/saml/<slug>/sls/).
"""

import base64
import binascii
import hashlib
import logging
import secrets
import time

from cryptography import x509
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

logger = logging.getLogger(__name__)

# Attribute names, most specific first, for each field allauth's SAML provider fills.
# The first name present in the assertion wins. Covered: the standard OIDs (eduPerson /
# inetOrgPerson, what pysaml2 and Shibboleth send), Microsoft Entra ID's claim URIs, and
# the plain names Okta and Google Workspace administrators usually type.
ATTRIBUTE_MAPPING = {
    "uid": [
        "urn:oasis:names:tc:SAML:attribute:subject-id",
        # Entra ID: the person's object ID, stable for the life of the account.
        "http://schemas.microsoft.com/identity/claims/objectidentifier",
    ],
    "email": [
        "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "email",
        "Email",
        "mail",
        "emailAddress",
        "user.email",
    ],
    "email_verified": [
        "email_verified",
        "emailVerified",
        "http://schemas.auth0.com/email_verified",
    ],
    "first_name": [
        "urn:oid:2.5.4.42",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
        "firstName",
        "first_name",
        "givenName",
        "given_name",
    ],
    "last_name": [
        "urn:oid:2.5.4.4",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
        "lastName",
        "last_name",
        "surname",
        "sn",
        "family_name",
    ],
}

# How long a provider's metadata fetched from its URL is kept (allauth caches it).
METADATA_CACHE_SECONDS = 60 * 60
# python3-saml accepts assertions up to this many seconds after NotOnOrAfter
# (ALLOWED_CLOCK_DRIFT); used IDs are kept at least that much longer.
CLOCK_DRIFT_SECONDS = 300
# Kept this long when the assertion names no NotOnOrAfter.
DEFAULT_ASSERTION_LIFETIME = 60 * 60


def sp_entity_id(idp) -> str:
    """The portal's entity ID for this provider: the address of its SP metadata.

    Built from SITE_URL, never from the request's Host header, so it stays the value
    the identity provider's administrator copied."""
    return settings.SITE_URL + reverse("saml_metadata", args=[idp.slug])


def app_settings(idp, request=None) -> dict:
    """allauth's SAML `SocialApp.settings` for an IdentityProvider.

    `request` is accepted for the adapter's convenience; nothing here depends on it.
    Metadata XML is parsed here (it was checked when saved); a metadata URL is fetched
    and cached by allauth when the provider is first used.
    """
    if idp.metadata_xml.strip():
        parsed = parse_metadata(idp.metadata_xml, entity_id=idp.entity_id or None)
        # Limitation: pasted metadata gives python3-saml one signing certificate, the
        # first one listed. python3-saml accepts several ("x509certMulti"), but allauth's
        # build_saml_config passes only "x509cert" from these settings. During a
        # certificate rollover (old and new certificate both listed) use the metadata URL
        # instead: allauth hands over everything python3-saml parsed from it, every
        # certificate included. Or paste the metadata again after the rollover.
        idp_config = {
            "entity_id": parsed["entity_id"],
            "sso_url": parsed["sso_url"],
            "x509cert": parsed["x509cert"],
        }
        if parsed["slo_url"]:
            idp_config["slo_url"] = parsed["slo_url"]
    else:
        idp_config = {
            "entity_id": idp.entity_id or None,
            "metadata_url": idp.metadata_url,
            "metadata_cache_timeout": METADATA_CACHE_SECONDS,
            "metadata_request_timeout": 10,
        }
    return {
        "idp": idp_config,
        "sp": {"entity_id": sp_entity_id(idp)},
        "attribute_mapping": ATTRIBUTE_MAPPING,
        # The NameID is the email only when its format says so (allauth's default).
        "use_nameid_for_email": False,
        "advanced": {
            # Validate everything: destination, audience, times, signatures.
            "strict": True,
            # The assertion itself must be signed by the provider's certificate; a
            # signed Response around an unsigned assertion is not enough.
            "want_assertion_signed": True,
            "want_message_signed": False,
            "want_assertion_encrypted": False,
            "want_name_id": True,
            # Okta and Google send no attributes unless configured; the NameID may
            # then carry the email.
            "want_attribute_statement": False,
            # Sign-in starts at the portal (InResponseTo checked against the state
            # allauth stashed); unsolicited responses are refused.
            "reject_idp_initiated_sso": True,
            "digest_algorithm": OneLogin_Saml2_Constants.SHA256,
            "signature_algorithm": OneLogin_Saml2_Constants.RSA_SHA256,
            "reject_deprecated_algorithm": True,
            # Only relaxes the check of configured addresses (intranet hosts such as
            # https://idp/); it plays no part in validating assertions.
            "allow_single_label_domains": True,
        },
    }


def parse_metadata(xml: str, entity_id: str | None = None) -> dict:
    """The parts of an identity provider's metadata the portal needs.

    Returns {"entity_id", "sso_url", "x509cert", "slo_url"} (slo_url may be "").
    Raises ValidationError with a message a provider's administrator can act on.
    """
    if not xml or not xml.strip():
        raise ValidationError(_("Paste the identity provider's metadata XML."))
    if entity_id and ("'" in entity_id or '"' in entity_id):
        raise ValidationError(_("An entity ID cannot contain quotation marks."))
    try:
        data = OneLogin_Saml2_IdPMetadataParser.parse(xml.strip(), entity_id=entity_id)
    except Exception as exc:  # lxml's syntax errors, a DTD or entity refused, ...
        logger.info("SAML metadata refused: %s", exc)
        raise ValidationError(
            _("This is not valid metadata XML: %(reason)s"), params={"reason": str(exc)[:200]}
        ) from exc
    idp = data.get("idp")
    if not idp:
        if entity_id:
            raise ValidationError(
                _("The metadata has no identity provider with the entity ID %(entity_id)s."),
                params={"entity_id": entity_id},
            )
        raise ValidationError(
            _("The metadata describes no identity provider (no IDPSSODescriptor element).")
        )
    sso_url = idp.get("singleSignOnService", {}).get("url", "")
    if not sso_url:
        raise ValidationError(
            _("The metadata has no single sign-on address for the HTTP-Redirect binding.")
        )
    if not sso_url.startswith(("https://", "http://")):
        raise ValidationError(_("The single sign-on address must be a web address (https://…)."))
    cert = idp.get("x509cert") or (idp.get("x509certMulti", {}).get("signing") or [""])[0]
    if not cert:
        raise ValidationError(_("The metadata has no signing certificate."))
    try:
        x509.load_der_x509_certificate(base64.b64decode(cert, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise ValidationError(_("The signing certificate in the metadata cannot be read.")) from exc
    slo_url = idp.get("singleLogoutService", {}).get("url", "")
    return {
        "entity_id": idp.get("entityId", ""),
        "sso_url": sso_url,
        "x509cert": cert,
        "slo_url": slo_url,
    }


def metadata_problem(app) -> str:
    """Why the provider's metadata URL cannot be used now, or "" when it can (or when the
    provider's metadata was pasted, so there is nothing to fetch).

    `app` is the (unsaved) SocialApp the adapter built. allauth fetches a metadata URL
    inside its SAML views and lets any failure through as a 500; sso.saml_views calls
    this first. It fetches through allauth's own function, so a good answer lands in
    allauth's cache and the view that follows does not fetch again.
    """
    from allauth.socialaccount.providers.saml.utils import fetch_metadata_url_config

    idp = (app.settings or {}).get("idp") or {}
    url = idp.get("metadata_url")
    if not url:
        return ""
    try:
        config = fetch_metadata_url_config(idp)
    # python3-saml raises a bare Exception for an answer that is not IdP metadata;
    # urllib raises OSError (refused, timeout, HTTP error) or ValueError (bad address).
    except Exception as exc:
        logger.warning("SAML metadata of %s could not be fetched: %s", app.client_id, exc)
        return "unreachable"
    found = (config or {}).get("idp") or {}
    certificates = found.get("x509cert") or (found.get("x509certMulti") or {}).get("signing")
    if found.get("singleSignOnService", {}).get("url") and certificates:
        return ""
    # allauth caches what it parsed, good or not; forget it so that a corrected
    # metadata document is used as soon as it is published.
    cache.delete(f"saml.metadata.{url}.{idp.get('entity_id')}")
    logger.warning(
        "SAML metadata of %s lacks the identity provider %s, its single sign-on address "
        "or its signing certificate",
        app.client_id,
        idp.get("entity_id") or "(any)",
    )
    return "unusable"


def _assertion_key(issuer: str, assertion_id: str) -> str:
    digest = hashlib.sha256(f"{issuer}\n{assertion_id}".encode()).hexdigest()
    return f"sso.saml.assertion.{digest}"


def remember_assertion(*, issuer: str, assertion_id: str, not_on_or_after: int | None) -> bool:
    """Record an accepted assertion; False when it was seen before (a replay).

    `cache.add` is atomic in the shared cache (Redis or the database), so two copies
    posted at once cannot both pass. The ID is kept until the assertion could no longer
    be accepted anyway: its NotOnOrAfter plus the clock drift python3-saml allows.
    """
    if not assertion_id:
        return False
    now = time.time()
    expires = not_on_or_after if not_on_or_after else now + DEFAULT_ASSERTION_LIFETIME
    timeout = max(int(expires - now), 0) + CLOCK_DRIFT_SECONDS
    return cache.add(_assertion_key(issuer, assertion_id), True, timeout)


def _auth(request, slug: str):
    """python3-saml's Auth for this provider and request, or None when it is unknown or
    its metadata URL cannot be used now."""
    from allauth.socialaccount.adapter import get_adapter
    from allauth.socialaccount.models import SocialApp
    from allauth.socialaccount.providers.saml.utils import build_auth

    try:
        app = get_adapter().get_app(request, provider="saml", client_id=slug)
    except SocialApp.DoesNotExist:
        return None
    if metadata_problem(app):
        return None
    return build_auth(request, app.get_provider(request))


def has_single_logout(request, slug: str) -> bool:
    """Whether the provider lists an SLO service."""
    from onelogin.saml2.errors import OneLogin_Saml2_Error

    try:
        auth = _auth(request, slug)
        return bool(auth is not None and auth.get_slo_url())
    except (OneLogin_Saml2_Error, OSError, ValueError) as exc:
        logger.warning("SAML single logout unavailable for %s: %s", slug, exc)
        return False


def logout_url(
    request,
    *,
    slug: str,
    name_id: str,
    session_index: str | None = None,
    name_id_format: str | None = None,
    return_to: str | None = None,
) -> str | None:
    """The provider's single logout address with a LogoutRequest, or None.

    None when the provider is unknown, disabled, or lists no SLO service. The request
    only supplies the portal's own addresses; the provider answers at allauth's SLS view.
    """
    from onelogin.saml2.errors import OneLogin_Saml2_Error

    try:
        auth = _auth(request, slug)
        if auth is None or not auth.get_slo_url():
            return None
        return auth.logout(
            return_to=return_to,
            name_id=name_id,
            session_index=session_index,
            name_id_format=name_id_format,
        )
    except (OneLogin_Saml2_Error, OSError, ValueError) as exc:
        # Metadata that cannot be fetched must not stop anyone signing out of the portal.
        logger.warning("SAML single logout skipped for %s: %s", slug, exc)
        return None


def _logout_key(token: str) -> str:
    return f"sso.saml.logout.{hashlib.sha256(token.encode()).hexdigest()}"


def logout_start_url(request, *, slug: str, facts: dict) -> str:
    """Where to send the browser after the portal's own sign-out, or "" when the provider
    has no SLO service.

    `facts` is extra_data["_portal"] of this sign-in (sso.providers.saml). The NameID
    and SessionIndex wait in the shared cache under a random one-time token for as long
    as a session can last, so no personal data sits in the address.
    """
    if not has_single_logout(request, slug):
        return ""
    token = secrets.token_urlsafe(32)
    cache.set(
        _logout_key(token),
        {
            "slug": slug,
            "name_id": facts.get("subject") or "",
            "name_id_format": facts.get("subject_format") or None,
            "session_index": facts.get("session_index") or None,
        },
        settings.SESSION_COOKIE_AGE,
    )
    path = reverse("sso:saml-logout", args=[slug]) + f"?token={token}"
    return request.build_absolute_uri(path)


def take_logout(token: str, slug: str) -> dict | None:
    """The waiting single logout for this token and provider, used once; or None."""
    if not token:
        return None
    key = _logout_key(token)
    pending = cache.get(key)
    cache.delete(key)
    if not isinstance(pending, dict) or pending.get("slug") != slug:
        return None
    return pending


def after_logout_url(request) -> str:
    """Where the provider sends the person back to after single logout."""
    return request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL))
