"""Identity providers per office or association, and SCIM provisioning per office.

A provider is the portal's record of an office's (or an association's) own OpenID
Connect or SAML identity provider. allauth's `SocialApp`s are built from these rows in
memory (`sso.adapter`), so the secret never sits in allauth's table in clear. People who
sign in through a provider are linked by allauth's `SocialAccount` as usual.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership
from core.text import validate_name_text

# Values of OIDC `amr` (RFC 8176) and `acr`, and of SAML AuthnContextClassRef, that
# prove a second factor. A provider may list its own instead.
DEFAULT_MFA_VALUES = [
    "mfa",
    "otp",
    "hwk",
    "swk",
    "fido",
    "sms",
    "http://schemas.openid.net/pape/policies/2007/06/multi-factor",
    "http://schemas.microsoft.com/claims/multipleauthn",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:MultiFactor",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken",
    "http://idmanagement.gov/ns/assurance/aal/2",
    "http://idmanagement.gov/ns/assurance/aal/3",
    "urn:gov:gsa:ac:classes:sp:PasswordProtectedTransport:duo",
    "phr",
    "phrh",
]


def default_mfa_values() -> list[str]:
    return list(DEFAULT_MFA_VALUES)


# allauth's own ids for the two protocols: a provider's short name equal to one of them
# would be taken for every provider of that protocol (sso.adapter.list_apps).
RESERVED_SLUGS = ("openid_connect", "saml")


class IdentityProvider(models.Model):
    """An office's or an association's own identity provider."""

    class Protocol(models.TextChoices):
        OIDC = "oidc", _("OpenID Connect")
        SAML = "saml", _("SAML 2.0")

    name = models.CharField(
        _("name shown on the sign-in page"),
        max_length=150,
        validators=[validate_name_text],
        help_text=_('For example "Riverside County Entra ID".'),
    )
    slug = models.SlugField(
        _("short name"),
        max_length=60,
        unique=True,
        help_text=_("Part of the provider's addresses in the portal; letters, digits, hyphens."),
    )
    protocol = models.CharField(_("protocol"), max_length=8, choices=Protocol.choices)
    office = models.ForeignKey(
        "accounts.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="identity_providers",
        verbose_name=_("office"),
    )
    association = models.ForeignKey(
        "accounts.Association",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="identity_providers",
        verbose_name=_("association"),
    )
    enabled = models.BooleanField(_("offered on the sign-in page"), default=True)

    # OpenID Connect
    server_url = models.URLField(
        _("discovery URL"),
        max_length=500,
        blank=True,
        help_text=_("The issuer, or its /.well-known/openid-configuration address."),
    )
    client_id = models.CharField(_("client ID"), max_length=255, blank=True)
    secret_encrypted = models.TextField(_("client secret (encrypted)"), blank=True)
    secret_env = models.CharField(
        _("client secret from the environment variable"),
        max_length=100,
        blank=True,
        help_text=_("Instead of typing the secret: the name of the variable that holds it."),
    )
    email_verified_claim = models.CharField(
        _("claim that says the email is verified"),
        max_length=100,
        default="email_verified",
        help_text=_('"email_verified" for most providers; "xms_edov" for Microsoft Entra ID.'),
    )

    # SAML
    entity_id = models.CharField(_("identity provider's entity ID"), max_length=500, blank=True)
    metadata_url = models.URLField(_("metadata URL"), max_length=500, blank=True)
    metadata_xml = models.TextField(_("metadata XML"), blank=True)

    trust_mfa = models.BooleanField(
        _("trust this provider's MFA"),
        default=False,
        help_text=_(
            "When the provider proves a second factor, people whose role needs one are not "
            "asked for the portal's own."
        ),
    )
    mfa_values = models.JSONField(
        _("values that prove MFA"),
        default=default_mfa_values,
        blank=True,
        help_text=_("OIDC amr or acr values, or SAML AuthnContextClassRef values."),
    )
    role_claim = models.CharField(
        _("claim or attribute with groups or roles"),
        max_length=200,
        blank=True,
        help_text=_("Its values may suggest a role, which a manager confirms."),
    )
    role_map = models.JSONField(
        _("suggested role for each group"),
        default=dict,
        blank=True,
        help_text=_('For example {"Elections-Supervisors": "supervisor"}.'),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(office__isnull=False, association__isnull=True)
                | Q(office__isnull=True, association__isnull=False),
                name="sso_provider_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(protocol__in=["oidc", "saml"]), name="sso_provider_protocol_known"
            ),
            models.CheckConstraint(
                condition=~Q(slug__in=RESERVED_SLUGS), name="sso_provider_slug_not_a_protocol"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def owner(self):
        return self.office if self.office_id else self.association

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_encrypted or self.secret_env)


class ProviderDomain(models.Model):
    """An email domain a provider may assert. A domain belongs to one provider only."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(_("email domain"), max_length=253)

    class Meta:
        verbose_name = _("email domain")
        verbose_name_plural = _("email domains")
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(Lower("domain"), name="sso_domain_unique"),
            models.CheckConstraint(condition=Q(domain=Lower("domain")), name="sso_domain_lower"),
        ]

    def __str__(self):
        return self.domain


class RoleSuggestion(models.Model):
    """A role a provider's group claim suggests for a member; a manager decides."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        DISMISSED = "dismissed", _("Dismissed")

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="role_suggestions"
    )
    provider = models.ForeignKey(
        IdentityProvider, on_delete=models.CASCADE, related_name="role_suggestions"
    )
    role = models.CharField(_("suggested role"), max_length=16, choices=Membership.Role.choices)
    claim_value = models.CharField(_("group or role claimed"), max_length=300)
    created_at = models.DateTimeField(_("suggested"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)

    class Meta:
        verbose_name = _("role suggestion")
        verbose_name_plural = _("role suggestions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"],
                condition=Q(decided_at__isnull=True),
                name="sso_one_open_suggestion_per_membership",
            ),
            models.CheckConstraint(
                condition=Q(decided_at__isnull=True, outcome="")
                | (Q(decided_at__isnull=False) & ~Q(outcome="")),
                name="sso_suggestion_outcome_when_decided",
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()} ({self.claim_value})"


class ScimClient(models.Model):
    """An office's SCIM 2.0 endpoint: the hash of its bearer token and what a create does."""

    class Creates(models.TextChoices):
        PENDING = "pending", _("Pending people a manager confirms")
        OFFICIAL = "official", _("Officials, at once")

    office = models.OneToOneField(
        "accounts.Office", on_delete=models.CASCADE, related_name="scim_client"
    )
    token_sha256 = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True)
    token_hint = models.CharField(_("token begins with"), max_length=12)
    creates = models.CharField(
        _("people created by the identity provider are"),
        max_length=16,
        choices=Creates.choices,
        default=Creates.PENDING,
    )
    rotated_at = models.DateTimeField(_("token issued"), default=timezone.now)
    rotated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("SCIM endpoint")
        verbose_name_plural = _("SCIM endpoints")

    def __str__(self):
        return str(self.office)


class ScimUser(models.Model):
    """One person as the office's identity provider knows them (a SCIM User resource).

    `id` is the SCIM id the provider keeps. A person created in "pending" mode waits for
    a manager (state PENDING, no account yet); once confirmed or created directly they are
    LINKED to an account and its membership in the office. Deactivating ends the
    membership; nothing of the person's records is ever deleted.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for a manager")
        LINKED = "linked", _("Linked to a person")
        DECLINED = "declined", _("Declined by a manager")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    office = models.ForeignKey(
        "accounts.Office", on_delete=models.CASCADE, related_name="scim_users"
    )
    user_name = models.CharField(_("user name"), max_length=254)
    external_id = models.CharField(_("external ID"), max_length=255, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    given_name = models.CharField(_("given name"), max_length=150, blank=True)
    family_name = models.CharField(_("family name"), max_length=150, blank=True)
    active = models.BooleanField(_("active"), default=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scim_users",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("provisioned person")
        verbose_name_plural = _("provisioned people")
        ordering = ["user_name"]
        constraints = [
            models.UniqueConstraint("office", Lower("user_name"), name="sso_scim_user_name_unique"),
            models.UniqueConstraint(
                fields=["office", "user"],
                condition=Q(user__isnull=False),
                name="sso_scim_one_per_person",
            ),
            models.CheckConstraint(
                condition=Q(state="linked", user__isnull=False) | ~Q(state="linked"),
                name="sso_scim_linked_has_user",
            ),
        ]

    def __str__(self):
        return self.user_name
