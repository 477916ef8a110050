"""The demo identity provider: Riverside County's own "single sign-on", run locally.

`make run` starts it beside the portal (`manage.py run_demo_idp`, at `DEMO_IDP_URL`). It
is oidc-provider-mock, an OpenID Connect provider for development: its sign-in page lists
three of Riverside's demo people, and picking one signs them in with the claims below,
as an office's Entra ID or Okta would. `seed_demo` registers it in the portal as
"Riverside County (demo IdP)", bound to Riverside County Elections (`seed_demo_idp`).

Development only: the provider accepts any client secret and trusts whoever clicks.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from accounts.models import Membership
from sso import secrets as sso_secrets
from sso import services as sso_services
from sso.models import IdentityProvider, ProviderDomain

from .base import DEMO_DOMAIN, Demo, email
from .people import NAMED

DEMO_IDP_NAME = "Riverside County (demo IdP)"
DEMO_IDP_SLUG = "riverside-demo"
DEMO_IDP_CLIENT_ID = "standards-portal-demo"
# The demo provider accepts any secret; the portal still keeps this one encrypted, as it
# does a real provider's.
DEMO_IDP_CLIENT_SECRET = "demo-idp-accepts-any-secret"
DEMO_IDP_ROLE_CLAIM = "groups"
# Groups the demo provider asserts and the role each one suggests. A suggestion is only
# that: Riverside's manager confirms or dismisses it.
DEMO_IDP_ROLE_MAP = {
    "Elections-Managers": Membership.Role.MANAGER.value,
    "Elections-Supervisors": Membership.Role.SUPERVISOR.value,
    "Elections-Team-Leads": Membership.Role.SUPERVISOR.value,
    "Elections-Staff": Membership.Role.OFFICIAL.value,
}

# The people the demo provider offers: (email local part in demo.people.NAMED, groups,
# amr). The manager proves MFA, so with "trust this provider's MFA" on the portal does not
# ask for its own second step; the supervisor signs in with a password only and is asked.
# The official is also a team lead at the provider: her first sign-in suggests the
# supervisor role, which Riverside's manager confirms or dismisses.
DEMO_IDP_PEOPLE = [
    ("manager", ["Elections-Managers"], ["pwd", "mfa"]),
    ("supervisor", ["Elections-Supervisors"], ["pwd"]),
    ("official", ["Elections-Staff", "Elections-Team-Leads"], ["pwd"]),
]


def demo_idp_claims() -> dict[str, dict[str, object]]:
    """Each demo person's claims, by subject (their email, so the mock's list reads well)."""
    names = {local: name for local, name, *_rest in NAMED}
    claims = {}
    for local, groups, amr in DEMO_IDP_PEOPLE:
        address = email(local)
        claims[address] = {
            "email": address,
            "email_verified": True,
            "name": names[local],
            "amr": list(amr),
            "groups": list(groups),
        }
    return claims


def demo_idp_app():
    """The provider's WSGI application (Flask), with the demo people predefined."""
    import oidc_provider_mock

    users = [
        oidc_provider_mock.User(sub=sub, claims=claims) for sub, claims in demo_idp_claims().items()
    ]
    return oidc_provider_mock.app(user_claims=users)


def demo_idp_address(url: str) -> tuple[str, int]:
    """(host, port) to listen on for `DEMO_IDP_URL`; only this machine, plain HTTP."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError(f"DEMO_IDP_URL must look like http://127.0.0.1:8001, not {url!r}.")
    if parts.hostname not in ("127.0.0.1", "localhost"):
        raise ValueError(f"The demo identity provider listens on 127.0.0.1 only, not {url!r}.")
    return "127.0.0.1", parts.port or 80


@transaction.atomic
def seed_demo_idp(demo: Demo) -> IdentityProvider | None:
    """Register the demo provider for Riverside County Elections, or bring it up to date,
    through the sso app's services (audited as the site administrator's).

    Nothing without `DEBUG` or with an empty `DEMO_IDP_URL`: the provider is not run
    there (and the portal accepts a plain-HTTP provider on this machine only in
    development). Every demo account shares the `demo.test` domain, so the demo provider
    lists it: anyone typing a `demo.test` address is sent to Riverside's provider, and a
    person of another office is refused there, as by a real provider of another office.
    """
    url = settings.DEMO_IDP_URL.rstrip("/")
    if not (settings.DEBUG and url):
        return None
    admin = demo.people["admin"]
    provider = IdentityProvider.objects.filter(slug=DEMO_IDP_SLUG).first()
    if provider is None:
        domain_free = not ProviderDomain.objects.filter(domain=DEMO_DOMAIN).exists()
        return sso_services.provider_create(
            owner=demo.offices["riverside"],
            values={
                "name": DEMO_IDP_NAME,
                "slug": DEMO_IDP_SLUG,
                "protocol": IdentityProvider.Protocol.OIDC,
                "server_url": url,
                "client_id": DEMO_IDP_CLIENT_ID,
                "trust_mfa": True,
                "role_claim": DEMO_IDP_ROLE_CLAIM,
                "role_map": dict(DEMO_IDP_ROLE_MAP),
            },
            domains=[DEMO_DOMAIN] if domain_free else [],
            secret=DEMO_IDP_CLIENT_SECRET,
            by=admin,
        )
    # Found: follow a changed DEMO_IDP_URL and a changed encryption key; what a visitor
    # changed on the provider's page stays.
    if provider.protocol == IdentityProvider.Protocol.OIDC and provider.server_url != url:
        provider = sso_services.provider_update(
            provider=provider,
            values={"server_url": url},
            domains=list(provider.domains.values_list("domain", flat=True)),
            by=admin,
        )
    if provider.protocol == IdentityProvider.Protocol.OIDC and not _secret_readable(provider):
        provider = sso_services.provider_secret_set(
            provider=provider, secret=DEMO_IDP_CLIENT_SECRET, by=admin
        )
    return provider


def _secret_readable(provider: IdentityProvider) -> bool:
    if provider.secret_env:
        return True  # a visitor's choice: read from the environment, not ours to replace
    if not provider.secret_encrypted:
        return False
    try:
        sso_secrets.decrypt(provider.secret_encrypted)
    except sso_secrets.SecretUnavailable:  # SECRET_KEY or SSO_ENCRYPTION_KEYS changed since
        return False
    return True
