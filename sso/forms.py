from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership
from core.text import validate_name_text

from .models import DEFAULT_MFA_VALUES, RESERVED_SLUGS, IdentityProvider
from .permissions import owner_choices
from .services import SECRET_ENV_PREFIX, normalize_domains


def _helper(submit_label) -> FormHelper:
    helper = FormHelper()
    helper.attrs = {"novalidate": "", "data-submit-once": ""}
    if submit_label:
        helper.add_input(Submit("submit", submit_label))
    return helper


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "spellcheck": "false", "autocomplete": "off"})


def role_map_lines(role_map: dict) -> str:
    return "\n".join(f"{group} = {role}" for group, role in role_map.items())


def parse_role_map(text: str) -> dict[str, str]:
    """Lines of "group = role" as a dict. The role is its code ("records_officer") or its
    name ("Records officer"); the group may itself hold "=" (a directory's CN=...)."""
    roles = {value: value for value in Membership.Role.values}
    roles |= {str(label).lower(): value for value, label in Membership.Role.choices}
    role_map = {}
    for line in _lines(text):
        group, equals, role = line.rpartition("=")
        group, role = group.strip(), role.strip()
        if not equals or not group:
            raise ValidationError(
                _("“%(line)s” is not of the form “group = role”.") % {"line": line[:100]}
            )
        value = roles.get(role) or roles.get(role.lower())
        if value is None:
            raise ValidationError(
                _("“%(role)s” is not a role. Use one of: %(roles)s.")
                % {"role": role[:50], "roles": ", ".join(Membership.Role.values)}
            )
        role_map[group] = value
    return role_map


class ProviderForm(forms.Form):
    """Register or change an identity provider. The client secret is write-only: it is
    never put back into the page; leaving it empty keeps the one set."""

    name = forms.CharField(
        label=_("Name shown on the sign-in page"),
        max_length=150,
        validators=[validate_name_text],
        help_text=_('For example "Riverside County Entra ID".'),
    )
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=60,
        help_text=_(
            "Part of the portal's addresses you give the provider; letters, digits, hyphens. "
            "It cannot be changed later."
        ),
    )
    owner = forms.ChoiceField(
        label=_("Office or association"),
        help_text=_("Only its people can ever sign in through this provider."),
    )
    protocol = forms.ChoiceField(
        label=_("Protocol"),
        choices=IdentityProvider.Protocol.choices,
        widget=forms.RadioSelect,
        help_text=_("It cannot be changed later."),
    )
    enabled = forms.BooleanField(
        label=_("Offer it on the sign-in page"), required=False, initial=True
    )
    # OpenID Connect
    server_url = forms.URLField(
        label=_("Discovery URL"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("The issuer, or its /.well-known/openid-configuration address."),
    )
    client_id = forms.CharField(label=_("Client ID"), max_length=255, required=False)
    secret = forms.CharField(
        label=_("Client secret"),
        max_length=2000,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    secret_env = forms.CharField(
        label=_("Or: the environment variable that holds the client secret"),
        max_length=100,
        required=False,
        help_text=_("Its name begins with %(prefix)s.") % {"prefix": SECRET_ENV_PREFIX},
    )
    email_verified_claim = forms.CharField(
        label=_("Claim that says the email is verified"),
        max_length=100,
        required=False,
        initial="email_verified",
        help_text=_('"email_verified" for most providers; "xms_edov" for Microsoft Entra ID.'),
    )
    # SAML
    metadata_url = forms.URLField(
        label=_("Metadata URL"), max_length=500, required=False, assume_scheme="https"
    )
    metadata_xml = forms.CharField(
        label=_("Or: metadata XML"),
        max_length=500_000,
        required=False,
        widget=_textarea(6),
        help_text=_("Paste the identity provider's metadata when it has no URL."),
    )
    entity_id = forms.CharField(
        label=_("Identity provider's entity ID"),
        max_length=500,
        required=False,
        help_text=_("Read from the metadata XML when left empty."),
    )
    # Who it signs in, MFA, roles
    domains = forms.CharField(
        label=_("Email domains"),
        widget=_textarea(3),
        help_text=_(
            "One per line, for example riversidecounty.gov. Only people whose verified email "
            "address is in one of them can sign in through this provider."
        ),
    )
    trust_mfa = forms.BooleanField(
        label=_("Trust this provider's MFA"),
        required=False,
        help_text=_(
            "When the provider proves a second factor, people whose role needs one are not "
            "asked for the portal's own."
        ),
    )
    mfa_values = forms.CharField(
        label=_("Values that prove MFA"),
        required=False,
        widget=_textarea(5),
        help_text=_(
            "One per line: OIDC amr or acr values, or SAML AuthnContextClassRef values. "
            "The usual ones are listed; add your provider's own if it sends others."
        ),
    )
    role_claim = forms.CharField(
        label=_("Claim or attribute with groups or roles"),
        max_length=200,
        required=False,
        help_text=_("Its values may suggest a role, which a manager confirms."),
    )
    role_map = forms.CharField(
        label=_("Suggested role for each group"),
        required=False,
        widget=_textarea(4),
        help_text=_(
            "One per line: group = role, for example “Elections-Supervisors = supervisor”. "
            "Roles: %(roles)s."
        )
        % {"roles": ", ".join(Membership.Role.values)},
    )

    def __init__(self, *args, user, provider: IdentityProvider | None = None, **kwargs):
        self.user = user
        self.provider = provider
        if provider is not None:
            kwargs.setdefault("initial", self._initial(provider))
        super().__init__(*args, **kwargs)
        if provider is None:
            self._owner_choices(user)
            self.fields["mfa_values"].initial = "\n".join(DEFAULT_MFA_VALUES)
        else:
            # Fixed once registered: shown, but never read from the browser.
            del self.fields["owner"]
            for name in ("slug", "protocol"):
                self.fields[name].disabled = True
                self.fields[name].required = False
            self._describe_secret(provider)
        if not user.is_superuser:
            # Reading the server's environment is for those who run the server.
            del self.fields["secret_env"]
        self.helper = _helper(_("Register provider") if provider is None else _("Save changes"))
        self.helper.layout = self._layout()

    @staticmethod
    def _initial(provider: IdentityProvider) -> dict:
        return {
            "name": provider.name,
            "slug": provider.slug,
            "protocol": provider.protocol,
            "enabled": provider.enabled,
            "server_url": provider.server_url,
            "client_id": provider.client_id,
            "secret_env": provider.secret_env,
            "email_verified_claim": provider.email_verified_claim,
            "metadata_url": provider.metadata_url,
            "metadata_xml": provider.metadata_xml,
            "entity_id": provider.entity_id,
            "domains": "\n".join(
                provider.domains.order_by("domain").values_list("domain", flat=True)
            ),
            "trust_mfa": provider.trust_mfa,
            "mfa_values": "\n".join(provider.mfa_values),
            "role_claim": provider.role_claim,
            "role_map": role_map_lines(provider.role_map),
        }

    def _owner_choices(self, user) -> None:
        offices, associations = owner_choices(user)
        choices = [("", "—")]
        if associations:
            choices.append(
                (_("Associations"), [(f"association-{a.pk}", a.name) for a in associations])
            )
        if offices:
            choices.append((_("Offices"), [(f"office-{o.pk}", o.name) for o in offices]))
        self.fields["owner"].choices = choices
        self._owners = {f"association-{a.pk}": a for a in associations} | {
            f"office-{o.pk}": o for o in offices
        }

    def _describe_secret(self, provider: IdentityProvider) -> None:
        if provider.secret_env:
            note = _(
                "Read from the environment variable %(name)s. Type a secret here to keep it "
                "in the portal instead."
            ) % {"name": provider.secret_env}
        elif provider.secret_encrypted:
            note = _("A secret is set and is not shown. Leave this empty to keep it.")
        else:
            note = _("No secret is set.")
        self.fields["secret"].help_text = note

    def _layout(self) -> Layout:
        first = ["name", "slug"] + (["owner"] if "owner" in self.fields else [])
        first += ["protocol", "enabled"]
        oidc = ["server_url", "client_id", "secret"]
        oidc += ["secret_env"] if "secret_env" in self.fields else []
        oidc += ["email_verified_claim"]

        def note(text):
            return HTML(f'<p class="form-text">{escape(text)}</p>')

        return Layout(
            Fieldset(_("The provider"), *first),
            Fieldset(
                _("OpenID Connect"),
                note(_("For an OpenID Connect provider only.")),
                *oidc,
            ),
            Fieldset(
                _("SAML 2.0"),
                note(_("For a SAML provider only.")),
                "metadata_url",
                "metadata_xml",
                "entity_id",
            ),
            Fieldset(_("Who may sign in through it"), "domains"),
            Fieldset(_("Multi-factor authentication"), "trust_mfa", "mfa_values"),
            Fieldset(_("Suggested roles"), "role_claim", "role_map"),
        )

    def clean_owner(self):
        owner = self._owners.get(self.cleaned_data["owner"])
        if owner is None:
            raise ValidationError(_("Choose an office or an association."))
        return owner

    def clean_domains(self):
        try:
            domains = normalize_domains(_lines(self.cleaned_data["domains"].replace(",", "\n")))
        except ValidationError as error:
            raise ValidationError(error.message_dict["domains"]) from None
        if not domains:
            raise ValidationError(_("List at least one email domain."))
        return domains

    def clean_mfa_values(self):
        return _lines(self.cleaned_data["mfa_values"])

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug.lower() in RESERVED_SLUGS:
            raise ValidationError(
                _("“%(slug)s” is the name of a protocol; choose a short name of your own."),
                params={"slug": slug},
            )
        return slug

    def clean_role_map(self):
        return parse_role_map(self.cleaned_data["role_map"])

    def clean_secret_env(self):
        return self.cleaned_data["secret_env"].strip()

    def clean(self):
        cleaned = super().clean()
        if self.provider is not None:
            cleaned["slug"] = self.provider.slug
            cleaned["protocol"] = self.provider.protocol
            # The variable named before is no new secret; only a change is.
            if cleaned.get("secret_env") == self.provider.secret_env:
                cleaned["secret_env"] = ""
        if cleaned.get("secret") and cleaned.get("secret_env"):
            self.add_error(
                "secret", _("Type the client secret, or name the variable that holds it, not both.")
            )
        return cleaned

    @property
    def values(self) -> dict:
        """The provider's fields as the services take them."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "slug": data["slug"],
            "protocol": data["protocol"],
            "enabled": data["enabled"],
            "server_url": data["server_url"],
            "client_id": data["client_id"].strip(),
            "email_verified_claim": data["email_verified_claim"].strip(),
            "metadata_url": data["metadata_url"],
            "metadata_xml": data["metadata_xml"],
            "entity_id": data["entity_id"].strip(),
            "trust_mfa": data["trust_mfa"],
            "mfa_values": data["mfa_values"],
            "role_claim": data["role_claim"],
            "role_map": data["role_map"],
        }


class SuggestionDecideForm(forms.Form):
    """Accept or dismiss one role suggestion: the button pressed says which."""

    decision = forms.ChoiceField(
        choices=[("accept", _("Accept")), ("dismiss", _("Dismiss"))],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
