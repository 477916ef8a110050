"""Every write to identity providers, their email domains and secrets, and role suggestions.

Sign-in itself (linking accounts, refusals, suggesting roles) lives in `sso.linking`.
"""

import ipaddress
import re
from urllib.parse import urlsplit

from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import Association, Membership, Office, User
from accounts.services import membership_update

from . import saml, secrets
from .models import IdentityProvider, ProviderDomain, RoleSuggestion

# The fields a provider's page sets; the secret, the domains and the owner have their own
# rules below.
PROVIDER_FIELDS = (
    "name",
    "slug",
    "protocol",
    "enabled",
    "server_url",
    "client_id",
    "email_verified_claim",
    "entity_id",
    "metadata_url",
    "metadata_xml",
    "trust_mfa",
    "mfa_values",
    "role_claim",
    "role_map",
)
OIDC_FIELDS = ("server_url", "client_id", "email_verified_claim")
SAML_FIELDS = ("entity_id", "metadata_url", "metadata_xml")
# Fixed once the provider exists: the slug is in the addresses the provider's
# administrator copied and in every account link; the protocol decides what it means.
FIXED_FIELDS = ("slug", "protocol")

MAX_DOMAINS = 50
MAX_MFA_VALUES = 50
MAX_ROLE_MAP = 100
MAX_VALUE_LENGTH = 300

# A secret read from the environment must be in a variable named for the purpose, so that
# no other of the server's settings (its database password, its signing key) can ever be
# sent to an identity provider as a client secret.
SECRET_ENV_PREFIX = "SSO_SECRET_"
_SECRET_ENV_NAME = re.compile(r"^SSO_SECRET_[A-Z0-9_]{1,80}$")

_LOOPBACK_NAMES = {"localhost"}


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_address(url: str, field: str) -> None:
    """Provider addresses the portal's server fetches must be HTTPS. A development set-up
    (DEBUG) may use a provider on this machine over HTTP, as the demo does."""
    if not url:
        return
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and host:
        return
    if parts.scheme == "http" and settings.DEBUG and _is_loopback(host):
        return
    raise ValidationError({field: _("Use an https:// address.")})


def normalize_domains(values) -> list[str]:
    """Email domains as stored: lower case, without "@", each once; ValidationError
    naming the first that is not a domain."""
    validator = DomainNameValidator(accept_idna=False)
    domains: list[str] = []
    for value in values:
        domain = str(value).strip().lower().lstrip("@").rstrip(".")
        if not domain:
            continue
        try:
            ascii_domain = domain.encode("idna").decode("ascii")
            validator(ascii_domain)
            if "." not in ascii_domain:
                raise ValidationError("single label")
        except (UnicodeError, ValidationError):
            raise ValidationError(
                {"domains": _("“%(domain)s” is not an email domain.") % {"domain": domain[:100]}}
            ) from None
        if ascii_domain not in domains:
            domains.append(ascii_domain)
    if len(domains) > MAX_DOMAINS:
        raise ValidationError(
            {"domains": _("List at most %(count)s domains.") % {"count": MAX_DOMAINS}}
        )
    return domains


def _check_lines(values, field: str, limit: int) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValidationError({field: _("Give one value per line.")})
    cleaned = [v.strip() for v in values if v.strip()]
    if len(cleaned) > limit:
        raise ValidationError({field: _("Give at most %(count)s values.") % {"count": limit}})
    if any(len(v) > MAX_VALUE_LENGTH for v in cleaned):
        raise ValidationError(
            {field: _("A value may be at most %(count)s characters.") % {"count": MAX_VALUE_LENGTH}}
        )
    return list(dict.fromkeys(cleaned))


def _check_role_map(role_map) -> dict[str, str]:
    if not isinstance(role_map, dict):
        raise ValidationError({"role_map": _("Give one “group = role” per line.")})
    if len(role_map) > MAX_ROLE_MAP:
        raise ValidationError(
            {"role_map": _("Give at most %(count)s groups.") % {"count": MAX_ROLE_MAP}}
        )
    cleaned = {}
    for group, role in role_map.items():
        group = str(group).strip()
        if not group or len(group) > MAX_VALUE_LENGTH:
            raise ValidationError({"role_map": _("Each line needs a group before the “=”.")})
        if role not in Membership.Role.values:
            raise ValidationError(
                {
                    "role_map": _("“%(role)s” is not a role. Use one of: %(roles)s.")
                    % {"role": str(role)[:50], "roles": ", ".join(Membership.Role.values)}
                }
            )
        cleaned[group] = role
    return cleaned


def _check_protocol(provider: IdentityProvider) -> None:
    """What each protocol needs; the other protocol's fields are emptied."""
    provider.email_verified_claim = provider.email_verified_claim or "email_verified"
    if provider.protocol == IdentityProvider.Protocol.OIDC:
        for field in SAML_FIELDS:
            setattr(provider, field, "")
        errors = {}
        if not provider.server_url:
            errors["server_url"] = _("Give the provider's discovery URL.")
        if not provider.client_id:
            errors["client_id"] = _("Give the client ID the provider issued for the portal.")
        if errors:
            raise ValidationError(errors)
        _check_address(provider.server_url, "server_url")
        return
    provider.server_url = provider.client_id = ""
    provider.secret_encrypted = provider.secret_env = ""
    provider.metadata_xml = provider.metadata_xml.strip()
    if provider.metadata_url and provider.metadata_xml:
        raise ValidationError(
            {"metadata_url": _("Give the metadata URL or the metadata XML, not both.")}
        )
    if not provider.metadata_url and not provider.metadata_xml:
        raise ValidationError(
            {"metadata_url": _("Give the provider's metadata URL, or paste its metadata XML.")}
        )
    _check_address(provider.metadata_url, "metadata_url")
    if provider.metadata_xml:
        try:
            parsed = saml.parse_metadata(
                provider.metadata_xml, entity_id=provider.entity_id or None
            )
        except ValidationError as error:
            raise ValidationError({"metadata_xml": error.messages}) from None
        provider.entity_id = provider.entity_id or parsed["entity_id"]


def _set_owner(provider: IdentityProvider, owner: Office | Association) -> None:
    if isinstance(owner, Office):
        provider.office, provider.association = owner, None
    elif isinstance(owner, Association):
        provider.office, provider.association = None, owner
    else:
        raise ValidationError({"owner": _("Choose an office or an association.")})


def _apply(provider: IdentityProvider, values: dict) -> None:
    unknown = set(values) - set(PROVIDER_FIELDS)
    if unknown:
        raise ValueError(f"Not provider fields: {sorted(unknown)}")
    for field, value in values.items():
        setattr(provider, field, value)
    provider.mfa_values = _check_lines(provider.mfa_values, "mfa_values", MAX_MFA_VALUES)
    provider.role_map = _check_role_map(provider.role_map)
    provider.role_claim = provider.role_claim.strip()
    _check_protocol(provider)


def _save(provider: IdentityProvider, **save_options) -> None:
    provider.full_clean()
    try:
        with transaction.atomic():
            provider.save(**save_options)
    except IntegrityError:
        # Two administrators choosing the same short name at once: the constraint decides.
        raise ValidationError(
            {"slug": _("Another identity provider already has this short name.")}
        ) from None


def _audit(action: str, provider: IdentityProvider, *, by: User, request=None, **details):
    audit_record(
        action=action,
        actor=by,
        obj=provider,
        office=provider.office,
        request=request,
        provider=provider.slug,
        association=provider.association_id,
        **details,
    )


def _domains_set(provider: IdentityProvider, domains: list[str]) -> bool:
    """Make the provider's domains exactly these; True when anything changed."""
    wanted = normalize_domains(domains)
    taken = (
        ProviderDomain.objects.filter(domain__in=wanted)
        .exclude(provider=provider)
        .select_related("provider")
        .first()
    )
    if taken is not None:
        raise ValidationError(
            {
                "domains": _(
                    "%(domain)s is already listed for another identity provider. A domain "
                    "belongs to one provider only."
                )
                % {"domain": taken.domain}
            }
        )
    current = set(provider.domains.values_list("domain", flat=True))
    if current == set(wanted):
        return False
    provider.domains.exclude(domain__in=wanted).delete()
    try:
        with transaction.atomic():
            ProviderDomain.objects.bulk_create(
                [ProviderDomain(provider=provider, domain=d) for d in wanted if d not in current]
            )
    except IntegrityError:
        # Listed for another provider by someone else a moment ago.
        raise ValidationError(
            {"domains": _("One of these domains was just listed for another identity provider.")}
        ) from None
    return True


def _check_secret_env(name: str, *, by: User) -> str:
    name = name.strip()
    if not by.is_superuser:
        raise ValidationError(
            {"secret_env": _("Only a site administrator can read a secret from the server.")}
        )
    if not _SECRET_ENV_NAME.match(name):
        raise ValidationError(
            {
                "secret_env": _(
                    "Name a variable that begins with %(prefix)s and holds only capital "
                    "letters, digits and underscores."
                )
                % {"prefix": SECRET_ENV_PREFIX}
            }
        )
    return name


@transaction.atomic
def provider_create(
    *,
    owner: Office | Association,
    values: dict,
    domains: list[str],
    by: User,
    secret: str = "",
    secret_env: str = "",
    request=None,
) -> IdentityProvider:
    """Register an office's or an association's identity provider with its email domains,
    and its client secret when one is given."""
    provider = IdentityProvider(created_by=by)
    _set_owner(provider, owner)
    _apply(provider, values)
    _save(provider)
    _domains_set(provider, domains)
    _audit(
        "sso.provider_created",
        provider,
        by=by,
        request=request,
        protocol=provider.protocol,
        domains=normalize_domains(domains),
    )
    if secret or secret_env:
        provider_secret_set(
            provider=provider, secret=secret, secret_env=secret_env, by=by, request=request
        )
    return provider


@transaction.atomic
def provider_update(
    *,
    provider: IdentityProvider,
    values: dict,
    domains: list[str],
    by: User,
    secret: str = "",
    secret_env: str = "",
    request=None,
) -> IdentityProvider:
    """Change a provider's settings and domains (its short name and protocol stay), and
    set a new client secret when one is given."""
    provider = IdentityProvider.objects.select_for_update().get(pk=provider.pk)
    before = {field: getattr(provider, field) for field in PROVIDER_FIELDS}
    values = {k: v for k, v in values.items() if k not in FIXED_FIELDS}
    _apply(provider, values)
    changed = [f for f in PROVIDER_FIELDS if getattr(provider, f) != before[f]]
    domains_changed = _domains_set(provider, domains)
    if changed:
        provider.updated_at = timezone.now()
        _save(provider, update_fields=[*changed, "updated_at"])
    if changed or domains_changed:
        _audit(
            "sso.provider_changed",
            provider,
            by=by,
            request=request,
            fields=changed + (["domains"] if domains_changed else []),
            domains=normalize_domains(domains) if domains_changed else None,
        )
    if secret or secret_env:
        provider_secret_set(
            provider=provider, secret=secret, secret_env=secret_env, by=by, request=request
        )
    return provider


@transaction.atomic
def provider_secret_set(
    *,
    provider: IdentityProvider,
    by: User,
    secret: str = "",
    secret_env: str = "",
    request=None,
) -> IdentityProvider:
    """Keep a new client secret, encrypted, or the name of the variable that holds it.
    The secret itself is never written anywhere else, the audit trail included."""
    if provider.protocol != IdentityProvider.Protocol.OIDC:
        raise ValidationError({"secret": _("A SAML provider has no client secret.")})
    if bool(secret) == bool(secret_env):
        raise ValidationError(
            {"secret": _("Type the client secret, or name the variable that holds it, not both.")}
        )
    provider = IdentityProvider.objects.select_for_update().get(pk=provider.pk)
    if secret:
        if len(secret) > 2000 or not secret.isprintable():
            raise ValidationError({"secret": _("This does not look like a client secret.")})
        provider.secret_encrypted = secrets.encrypt(secret)
        provider.secret_env = ""
        source = "typed"
    else:
        provider.secret_env = _check_secret_env(secret_env, by=by)
        provider.secret_encrypted = ""
        source = "environment"
    provider.updated_at = timezone.now()
    provider.save(update_fields=["secret_encrypted", "secret_env", "updated_at"])
    _audit(
        "sso.provider_secret_set",
        provider,
        by=by,
        request=request,
        source=source,
        variable=provider.secret_env or None,
    )
    return provider


@transaction.atomic
def provider_remove(*, provider: IdentityProvider, by: User, request=None) -> None:
    """Remove a provider: nobody signs in through it any more, and the account links made
    through it go with it (a later provider with the same short name starts afresh).
    Accounts, memberships and everything people signed stay."""
    provider = IdentityProvider.objects.select_for_update().get(pk=provider.pk)
    links = SocialAccount.objects.filter(provider=provider.slug).delete()[0]
    _audit(
        "sso.provider_removed",
        provider,
        by=by,
        request=request,
        name=provider.name,
        links_removed=links,
    )
    provider.delete()


class SuggestionDecided(ValidationError):
    """The suggestion was decided already (another tab, another manager)."""


@transaction.atomic
def role_suggestion_decide(
    *, suggestion: RoleSuggestion, accept: bool, by: User, request=None
) -> RoleSuggestion:
    """Accept a provider's role suggestion (the role changes under the office's usual
    rules), or dismiss it. Either way the decision is recorded."""
    suggestion = (
        RoleSuggestion.objects.select_for_update()
        .select_related("membership__office", "membership__user", "provider")
        .get(pk=suggestion.pk)
    )
    if suggestion.decided_at is not None:
        raise SuggestionDecided(_("This suggestion has already been decided."))
    membership = suggestion.membership
    old_role = membership.role
    if accept:
        membership_update(
            membership=membership,
            role=suggestion.role,
            reports_to=membership.reports_to,
            by=by,
            request=request,
        )
    suggestion.outcome = (
        RoleSuggestion.Outcome.ACCEPTED if accept else RoleSuggestion.Outcome.DISMISSED
    )
    suggestion.decided_at = timezone.now()
    suggestion.decided_by = by
    suggestion.full_clean()
    suggestion.save(update_fields=["outcome", "decided_at", "decided_by"])
    audit_record(
        action="sso.role_suggestion_decided",
        actor=by,
        obj=membership,
        office=membership.office,
        request=request,
        outcome=suggestion.outcome,
        role=suggestion.role,
        old=old_role,
        provider=suggestion.provider.slug,
        claim=suggestion.claim_value,
    )
    return suggestion
