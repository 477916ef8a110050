from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Fieldset, Layout
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.text import validate_name_text, validate_visible_text

from .chain import CONSENT_TEXT, CONSENT_TEXT_WITH_ADDENDUM
from .codes import format_code, normalize_code
from .models import (
    ADDENDUM_TEXT_MAX,
    ApplicationItem,
    Standard,
    validate_no_control_characters,
)
from .names import names_agree
from .services import clean_typed_name

# Generous bound before cleaning, so an absurd paste is refused with a message, not stored.
NAME_INPUT_LIMIT = 1000
CHECKED = "on"  # what a browser sends for a ticked checkbox without a value


class ExactCheckbox(forms.CheckboxInput):
    """A checkbox that counts as ticked only when it sends exactly its own value.

    Django's checkbox takes any value but "false" as ticked (" ", "0", "no"); a consent
    must be the box the person ticked, nothing that merely resembles it.
    """

    def __init__(self, attrs=None):
        super().__init__(attrs, check_test=lambda checked: checked is True)

    def format_value(self, value):
        return CHECKED

    def value_from_datadict(self, data, files, name):
        return data.get(name) == CHECKED


class NameConfirmCheckbox(forms.CheckboxInput):
    """The box confirming a typed name that differs from the account's.

    Its value is the name it confirms, so ticking it confirms that name and no other: a
    confirmation does not carry over to a name typed afterwards.
    """

    def __init__(self, attrs=None):
        super().__init__(attrs, check_test=lambda _value: False)
        self.confirms = ""

    def format_value(self, value):
        return self.confirms

    def value_from_datadict(self, data, files, name):
        return data.get(name, "")


class PledgeSignForm(forms.Form):
    """Consent, the typed signature and the registry opt-in. Never who is signing."""

    consent = forms.BooleanField(
        label=CONSENT_TEXT,
        required=True,
        widget=ExactCheckbox,
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
    # The fingerprint of the oath addendum shown beside the pledge; empty when none is.
    addendum_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    # Shown only when the typed name differs from the account's.
    name_confirmed = forms.CharField(required=False, strip=False, widget=NameConfirmCheckbox)

    def __init__(self, *args, user, text_sha256: str, addendum=None, **kwargs):
        self.user = user
        addendum_sha256 = addendum.text_sha256 if addendum is not None else ""
        super().__init__(
            *args,
            initial={"text_sha256": text_sha256, "addendum_sha256": addendum_sha256},
            **kwargs,
        )
        self.expected_sha256 = text_sha256
        self.expected_addendum_sha256 = addendum_sha256
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                _("Sign the pledge"),
                Field("consent"),
                Field("typed_name"),
                Field("list_publicly"),
                "text_sha256",
                "addendum_sha256",
            ),
        )
        if addendum is not None:
            # One consent, one typed name, one act: the box covers the pledge and the addendum.
            self.helper.layout[0].legend = _("Sign the pledge and the oath addendum")
            self.fields["consent"].label = CONSENT_TEXT_WITH_ADDENDUM
            self.fields["consent"].error_messages["required"] = _(
                "Tick the box to agree to sign the pledge and the oath addendum electronically."
            )

    def clean_typed_name(self):
        return clean_typed_name(self.cleaned_data["typed_name"])

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("typed_name")
        box = cleaned.get("name_confirmed") or ""
        # From here on, name_confirmed says whether the signer confirmed a differing name.
        cleaned["name_confirmed"] = False
        if name and not names_agree(name, self.user.full_name):
            if " ".join(box.split()) == name:
                cleaned["name_confirmed"] = True
            else:
                self._ask_to_confirm(name)
        return cleaned

    def _ask_to_confirm(self, name: str) -> None:
        """Show the confirmation box for this typed name, with why it is asked."""
        account = self.user.full_name
        field = self.fields["name_confirmed"]
        field.label = self["name_confirmed"].label = _(
            "I confirm that I sign as “%(typed)s”, which differs from the name on my "
            "account, “%(account)s”."
        ) % {"typed": name, "account": account}
        field.widget.confirms = name
        fieldset = self.helper.layout[0]
        after = next(
            i for i, f in enumerate(fieldset.fields) if getattr(f, "fields", None) == ["typed_name"]
        )
        fieldset.fields.insert(after + 1, Field("name_confirmed"))
        self.add_error(
            "name_confirmed",
            ValidationError(
                _(
                    "The name you typed differs from the name on your account, “%(account)s”. "
                    "Correct your name above, or tick this box to sign as you typed it."
                )
                % {"account": account},
                code="name_mismatch",
            ),
        )

    def clean_addendum_sha256(self):
        value = self.cleaned_data["addendum_sha256"]
        if value != self.expected_addendum_sha256:
            # The page shown again carries the addendum in force now, and asks for consent
            # anew: agreeing to one text must not carry over to another.
            self.data = self.data.copy()
            self.data["addendum_sha256"] = self.expected_addendum_sha256
            self.data.pop("consent", None)
            raise ValidationError(
                _(
                    "The oath addendum changed while you were reading it. Please read it again "
                    "before signing."
                ),
                code="addendum_stale",
            )
        return value

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
        validators=[validate_visible_text],
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
        help_text=_("16 letters and digits in groups of four, printed on the certificate."),
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
                _(
                    "A verification code has 16 letters and digits, like %(example)s. "
                    "Check the code and try again."
                )
                % {"example": format_code("D2GJ7WDC7BD7Z5YT")},
                code="malformed",
            )
        return code


# Tree sizes and leaf indexes the public log's endpoints accept (far beyond any real log).
_LOG_BOUND = {"min_value": 0, "max_value": 2**62}


class LogLeavesForm(forms.Form):
    """/log/leaves?start=&end=: a range of leaves, end exclusive, at most MAX_LEAVES."""

    start = forms.IntegerField(**_LOG_BOUND)
    end = forms.IntegerField(**_LOG_BOUND)

    def clean(self):
        data = super().clean()
        if "start" in data and "end" in data and data["end"] <= data["start"]:
            raise ValidationError(_("end must be greater than start."), code="range")
        return data


class LogProofForm(forms.Form):
    """/log/proof/<code>?tree_size=: optional; default the latest checkpoint's size."""

    tree_size = forms.IntegerField(required=False, **{**_LOG_BOUND, "min_value": 1})


class LogConsistencyForm(forms.Form):
    """/log/consistency?first=&second=: second defaults to the latest checkpoint's size."""

    first = forms.IntegerField(**{**_LOG_BOUND, "min_value": 1})
    second = forms.IntegerField(required=False, **{**_LOG_BOUND, "min_value": 1})

    def clean(self):
        data = super().clean()
        first, second = data.get("first"), data.get("second")
        if first is not None and second is not None and second < first:
            raise ValidationError(_("second must not be smaller than first."), code="range")
        return data


# --- oath addenda ------------------------------------------------------------------------


class AddendumForm(forms.Form):
    """The title, text and language of a draft addendum (with its revision when editing)."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("For example “Oath of office for election workers”."),
        validators=[validate_name_text],
    )
    text = forms.CharField(
        label=_("Text of the oath addendum"),
        max_length=ADDENDUM_TEXT_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "Exactly as your people will sign it. Separate paragraphs with a blank line. "
            "Once published, this text can never change: a new text is a new version."
        ),
        validators=[validate_visible_text, validate_no_control_characters],
    )
    language = forms.ChoiceField(
        label=_("Language of the text"),
        choices=settings.LANGUAGES,
        help_text=_(
            "The text is shown as written, whatever language the signer reads the portal in."
        ),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args, user, addendum=None, **kwargs):
        self.user = user
        if addendum is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": addendum.title,
                    "text": addendum.text,
                    "language": addendum.language,
                    "revision": addendum.revision,
                },
            )
        super().__init__(*args, **kwargs)
        if addendum is None:
            del self.fields["revision"]
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise ValidationError(_("Give the oath addendum a title."), code="required")
        return title

    def clean_text(self):
        text = self.cleaned_data["text"]
        if not text.strip():
            raise ValidationError(_("Write the text of the oath addendum."), code="required")
        return text


class AddendumPublishForm(forms.Form):
    """Confirms the preview: the revision read is the one published."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args, user, addendum, **kwargs):
        self.user = user
        super().__init__(*args, initial={"revision": addendum.revision}, **kwargs)


class AddendumRequirementForm(forms.Form):
    """What the office's people sign with the pledge: nothing, the office's own addendum, or
    one of its associations' addenda."""

    requirement = forms.ChoiceField(
        label=_("Oath addendum to sign with the pledge"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose one of the options.")},
    )

    def __init__(self, *args, user, office, associations, current, own, **kwargs):
        """`associations`: (association, its published addendum or None) pairs;
        `own`: the office's published addendum or None; `current`: the requirement or None."""
        self.user = user
        self.associations = {str(a.pk): a for a, _addendum in associations}
        choices = [("none", _("None: staff sign the pledge alone"))]
        choices.append(("office", _choice_label(_("Our office's own oath addendum"), own)))
        for association, addendum in associations:
            choices.append(
                (f"association-{association.pk}", _choice_label(association.name, addendum))
            )
        initial = "none"
        if current is not None and current.source == "office":
            initial = "office"
        elif current is not None and current.source == "association":
            initial = f"association-{current.association_id}"
        super().__init__(*args, initial={"requirement": initial}, **kwargs)
        self.fields["requirement"].choices = choices
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_requirement(self):
        value = self.cleaned_data["requirement"]
        if value.startswith("association-"):
            association = self.associations.get(value.removeprefix("association-"))
            if association is None:
                raise ValidationError(_("Choose one of the options."), code="invalid_choice")
            return "association", association
        return value, None


def _choice_label(name, addendum) -> str:
    if addendum is None:
        return _("%(name)s — nothing published yet") % {"name": name}
    return _("%(name)s — “%(title)s”, version %(version)s") % {
        "name": name,
        "title": addendum.title,
        "version": addendum.version,
    }


# --- Choosing an edition's standards and items --------------------------------------------
# A page may be in Spanish while the edition is in English: each choice carries the
# edition's language (WCAG 3.1.2, language of parts).


def edition_part_label(part: Standard | ApplicationItem, language: str):
    if isinstance(part, ApplicationItem):
        return format_html('{} <span lang="{}">{}</span>', part.code, language, part.title)
    return format_html('{}. <span lang="{}">{}</span>', part.number, language, part.short_title)


class EditionPartsField(forms.ModelMultipleChoiceField):
    """Standards or application items of one edition to tick; the form sets `language`
    to the edition's when it sets the queryset."""

    language = ""

    def label_from_instance(self, obj):
        return edition_part_label(obj, self.language)


class EditionLanguageSelect(forms.Select):
    """A drop-down of an edition's parts (standards, cycles): each option is marked with
    the language of its edition, and the empty choice keeps the page's."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["lang"] = instance.edition.language
        return option
