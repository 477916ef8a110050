"""allauth's social-account adapter: apps built from IdentityProvider rows, and the rules.

The portal keeps no allauth `SocialApp` rows. Every enabled `IdentityProvider` becomes an
unsaved `SocialApp` when allauth asks for one, with its secret decrypted only then, so a
provider changed or switched off in the portal takes effect at the next request. Who may
sign in is decided in `sso.linking`.
"""

import logging

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.base import AuthError
from django.core.exceptions import ValidationError
from django.db.models import Q

from accounts.audit import audit_record

from . import linking
from .models import IdentityProvider
from .secrets import SecretUnavailable, provider_secret

logger = logging.getLogger(__name__)

# allauth's provider ids for our two protocols.
ALLAUTH_PROVIDER = {
    IdentityProvider.Protocol.OIDC: "openid_connect",
    IdentityProvider.Protocol.SAML: "saml",
}


def _oidc_app(idp: IdentityProvider) -> SocialApp:
    return SocialApp(
        provider="openid_connect",
        provider_id=idp.slug,
        name=idp.name,
        client_id=idp.client_id,
        secret=provider_secret(idp),
        settings={
            "server_url": idp.server_url,
            "oauth_pkce_enabled": True,
            "provider_pk": idp.pk,
        },
    )


def _saml_app(idp: IdentityProvider, request) -> SocialApp | None:
    try:
        from . import saml
    except ImportError:
        logger.warning("SAML support is not available; provider %s is skipped.", idp.slug)
        return None
    settings = saml.app_settings(idp, request)
    settings["provider_pk"] = idp.pk
    return SocialApp(
        provider="saml",
        provider_id=idp.slug,
        name=idp.name,
        # allauth's SAML URLs name the app by client_id (its "organization slug").
        client_id=idp.slug,
        settings=settings,
    )


def social_app(idp: IdentityProvider, request=None) -> SocialApp | None:
    """The unsaved SocialApp for a provider, or None when it cannot be used now."""
    try:
        if idp.protocol == IdentityProvider.Protocol.SAML:
            return _saml_app(idp, request)
        return _oidc_app(idp)
    except (SecretUnavailable, ValidationError, ValueError) as error:
        # A provider whose secret or metadata cannot be read is left out, not a 500 on
        # every sign-in page; its administrator sees it fail to sign anyone in.
        logger.warning("Identity provider %s is unusable: %s", idp.slug, error)
        return None


class PortalSocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None):
        """allauth's apps, one per enabled IdentityProvider matching the criteria.

        `provider` is allauth's provider id ("openid_connect", "saml") or a provider_id
        (our slug); `client_id` is the client ID (for SAML, the slug again).
        """
        providers = IdentityProvider.objects.filter(enabled=True).select_related(
            "office", "association"
        )
        if provider:
            protocols = [p for p, name in ALLAUTH_PROVIDER.items() if name == provider]
            providers = providers.filter(Q(protocol__in=protocols) | Q(slug=provider))
        if client_id:
            providers = providers.filter(
                Q(protocol=IdentityProvider.Protocol.OIDC, client_id=client_id)
                | Q(protocol=IdentityProvider.Protocol.SAML, slug=client_id)
            )
        apps = [social_app(idp, request) for idp in providers]
        return [app for app in apps if app is not None]

    def pre_social_login(self, request, sociallogin):
        linking.pre_social_login(request, sociallogin)

    def is_open_for_signup(self, request, sociallogin):
        # A person comes in through an invitation or an existing account, never by
        # signing up through a provider (sso.linking has linked them by now).
        return False

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        # allauth refused the provider's answer (audience, expiry, replay, signature,
        # state). Recorded for the office; the person sees our error page.
        if error == AuthError.CANCELLED:
            return
        app = getattr(provider, "app", None)
        pk = (app.settings or {}).get("provider_pk") if app is not None else None
        idp = IdentityProvider.objects.filter(pk=pk).select_related("office").first()
        logger.warning("Sign-in through %s failed: %s %r", idp, error, exception)
        audit_record(
            action="sso.refused",
            obj=idp,
            office=idp.office if idp is not None else None,
            request=request,
            provider=idp.slug if idp is not None else None,
            reason="answer_rejected",
            error=str(error) if error else None,
            exception=str(exception)[:300] if exception is not None else None,
            # python3-saml's reason (wrong audience, expired, bad signature, replayed...).
            detail=str((extra_context or {}).get("saml_last_error_reason") or "")[:300] or None,
        )
