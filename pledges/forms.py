import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .chain import CONSENT_TEXT
from .services import clean_typed_name

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_RE = re.compile(rf"^[{CODE_ALPHABET}]{{16}}$")
# Generous bound before cleaning, so an absurd paste is refused with a message, not stored.
NAME_INPUT_LIMIT = 1000


def normalize_code(raw: str) -> str | None:
    """A verification code in canonical form, or None when it cannot be one."""
    code = re.sub(r"[\s\-]", "", raw or "").upper()
    return code if CODE_RE.fullmatch(code) else None


class PledgeSignForm(forms.Form):
    """Consent, the typed signature and the registry opt-in. Never who is signing."""

    consent = forms.BooleanField(
        label=CONSENT_TEXT,
        required=True,
        error_messages={"required": _("Tick the box to agree to sign electronically.")},
    )
    typed_name = forms.CharField(
        label=_("Your full name (your signature)"),
        max_length=NAME_INPUT_LIMIT,
        strip=False,
        help_text=_("Type your name as you would sign it, for example “Maria Alvarez”."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Type your full name to sign.")},
    )
    list_publicly = forms.BooleanField(
        label=_("Name me on my office's public pledge registry"),
        required=False,
        help_text=_(
            "Only if your office publishes its registry. Otherwise you are counted, not named."
        ),
    )
    text_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, user, text_sha256: str, **kwargs):
        self.user = user
        super().__init__(*args, initial={"text_sha256": text_sha256}, **kwargs)
        self.expected_sha256 = text_sha256
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                _("Sign the pledge"),
                Field("consent"),
                Field("typed_name"),
                Field("list_publicly"),
                "text_sha256",
            ),
        )

    def clean_typed_name(self):
        return clean_typed_name(self.cleaned_data["typed_name"])

    def clean_text_sha256(self):
        value = self.cleaned_data["text_sha256"]
        if value != self.expected_sha256:
            raise ValidationError(
                _("The pledge text changed while you were reading it. Please read it again."),
                code="stale",
            )
        return value


class PledgeWithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you withdrawing your pledge?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Recorded with the withdrawal. Your office manager can read it."),
        error_messages={"required": _("Say why you are withdrawing your pledge.")},
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_reason(self):
        reason = self.cleaned_data["reason"]
        if any(ord(ch) < 32 and ch not in "\r\n\t" for ch in reason):
            raise ValidationError(_("The reason cannot contain control characters."))
        return reason


class RegistryForm(forms.Form):
    publishes_registry = forms.BooleanField(
        label=_("Publish our pledge registry"),
        required=False,
        help_text=_(
            "A public page shows how many of your staff have pledged this cycle, and the "
            "names of those who chose to be named."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ReminderSendForm(forms.Form):
    """Confirms the preview; who is reminded is decided by the server, never the form."""

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=64,
        help_text=_("16 letters and digits, printed on the certificate."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # a public GET form: no token in the URL

    def clean_code(self):
        code = normalize_code(self.cleaned_data["code"])
        if code is None:
            raise ValidationError(
                _("That is not a verification code: it has 16 letters and digits."),
                code="malformed",
            )
        return code
