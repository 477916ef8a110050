from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import SupervisorChoiceField

from .bundles import bundle_people


class _ScopeForm(forms.Form):
    """Records of the office: one person or everyone, between two dates (each optional)."""

    person = SupervisorChoiceField(
        label=_("Person"),
        queryset=None,
        required=False,
        empty_label=_("Everyone in the office"),
    )
    starts_on = forms.DateField(
        label=_("Records from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Records until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    # Per form: what an empty field means.
    help_texts: dict = {}

    def __init__(self, *args, user, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.office = office
        self.fields["person"].queryset = bundle_people(office)
        for name, text in self.help_texts.items():
            self.fields[name].help_text = text

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The range ends before it starts."))
        return cleaned


class BundleForm(_ScopeForm):
    """What a records-request bundle holds: its scope and the redactions applied."""

    help_texts = {
        "person": _("Leave empty for the whole office."),
        "starts_on": _("First day included (UTC). Leave empty to start at the beginning."),
        "ends_on": _("Last day included (UTC). Leave empty to include everything until today."),
    }
    request_reference = forms.CharField(
        label=_("Request reference"),
        max_length=100,
        required=False,
        help_text=_("Your reference for the records request, printed on the cover letter."),
    )
    redact_email = forms.BooleanField(
        label=_("Redact email addresses"), required=False, initial=True
    )
    redact_ip_address = forms.BooleanField(
        label=_("Redact IP addresses"), required=False, initial=True
    )
    redact_browser = forms.BooleanField(
        label=_("Redact browsers (user agents)"), required=False, initial=True
    )
    redact_confidential = forms.BooleanField(
        label=_("Redact confidential participants"),
        required=False,
        initial=True,
        help_text=_(
            "Their names become “a confidential participant”, their email addresses are "
            "removed and their certificates are left out."
        ),
    )

    def __init__(self, *args, user, office, **kwargs):
        super().__init__(*args, user=user, office=office, **kwargs)
        helper = FormHelper()
        helper.attrs = {"novalidate": "", "data-submit-once": ""}
        helper.layout = Layout(
            Fieldset(_("Scope"), "person", "starts_on", "ends_on", "request_reference"),
            Fieldset(
                _("Redactions"),
                "redact_email",
                "redact_ip_address",
                "redact_browser",
                "redact_confidential",
            ),
        )
        helper.add_input(Submit("submit", _("Prepare the bundle")))
        self.helper = helper


# --- Legal holds placed and lifted by the office -----------------------------------------


class HoldForm(_ScopeForm):
    """A legal hold on the office's records: the whole office or one person, a date range
    if wanted, and why."""

    help_texts = {
        "person": _("Leave empty to hold the records of the whole office."),
        "starts_on": _("Leave empty to hold records from the beginning."),
        "ends_on": _("Leave empty to hold records until the hold is lifted."),
    }
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The case, the request's number, or who asked for the hold."),
    )

    def __init__(self, *args, user, office, **kwargs):
        super().__init__(*args, user=user, office=office, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class HoldLiftForm(forms.Form):
    """Why a hold of the office is lifted; each hold on the page has its own (its own ids)."""

    lift_reason = forms.CharField(
        label=_("Why it is lifted"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, user, hold, **kwargs):
        kwargs.setdefault("auto_id", f"lift-{hold.pk}-%s")
        super().__init__(*args, **kwargs)
        self.user = user
        self.hold = hold
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
