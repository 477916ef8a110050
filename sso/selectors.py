"""Reads for the providers and role-suggestion pages, already scoped and joined."""

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.urls import reverse

from accounts.models import Office, User

from . import saml
from .models import IdentityProvider, ProviderDomain, RoleSuggestion
from .permissions import providers_readable_by

_DOMAINS = Prefetch("domains", queryset=ProviderDomain.objects.order_by("domain"))


def providers_listed(user: User) -> QuerySet[IdentityProvider]:
    """The providers on the person's page, with their owner and email domains."""
    return (
        providers_readable_by(user)
        .select_related("office", "association")
        .prefetch_related(_DOMAINS)
        .order_by("name", "pk")
    )


def provider_domains(provider: IdentityProvider) -> list[str]:
    return list(provider.domains.order_by("domain").values_list("domain", flat=True))


def portal_values(provider: IdentityProvider) -> list[tuple[str, str]]:
    """What the provider's administrator copies from the portal into the provider: label
    and value. Built from SITE_URL, the address people use, never from the request."""
    site = settings.SITE_URL
    if provider.protocol == IdentityProvider.Protocol.OIDC:
        return [
            (
                "redirect_uri",
                site + reverse("openid_connect_callback", args=[provider.slug]),
            ),
        ]
    return [
        ("sp_entity_id", saml.sp_entity_id(provider)),
        ("acs_url", site + reverse("saml_acs", args=[provider.slug])),
        ("sls_url", site + reverse("saml_sls", args=[provider.slug])),
    ]


def open_suggestions(office: Office | None) -> QuerySet[RoleSuggestion]:
    """Role suggestions waiting for a decision, for people still in the office: one
    office's, or every office's (None, for a site administrator)."""
    suggestions = RoleSuggestion.objects.filter(
        decided_at__isnull=True, membership__ended_at__isnull=True
    )
    if office is not None:
        suggestions = suggestions.filter(membership__office=office)
    return suggestions.select_related(
        "membership__user", "membership__office", "provider"
    ).order_by("-created_at", "pk")


def decided_suggestions(office: Office | None, *, limit: int = 20) -> list[RoleSuggestion]:
    """The latest decisions, for the record on the same page."""
    suggestions = RoleSuggestion.objects.filter(decided_at__isnull=False)
    if office is not None:
        suggestions = suggestions.filter(membership__office=office)
    return list(
        suggestions.select_related(
            "membership__user", "membership__office", "provider", "decided_by"
        ).order_by("-decided_at", "-pk")[:limit]
    )
