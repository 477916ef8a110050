from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import SupervisorChoiceField

from .bundles import bundle_people


class BundleForm(forms.Form):
    """What a records-request bundle holds: its scope and the redactions applied."""

    person = SupervisorChoiceField(
        label=_("Person"),
        queryset=None,
        required=False,
        empty_label=_("Everyone in the office"),
        help_text=_("Leave empty for the whole office."),
    )
    starts_on = forms.DateField(
        label=_("Records from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("First day included (UTC). Leave empty to start at the beginning."),
    )
    ends_on = forms.DateField(
        label=_("Records until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Last day included (UTC). Leave empty to include everything until today."),
    )
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
        super().__init__(*args, **kwargs)
        self.user = user
        self.office = office
        self.fields["person"].queryset = bundle_people(office)
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

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The range ends before it starts."))
        return cleaned


# --- Legal holds placed and lifted by the office -----------------------------------------


class HoldForm(forms.Form):
    """A legal hold on the office's records: the whole office or one person, a date range
    if wanted, and why."""

    person = SupervisorChoiceField(
        label=_("Person"),
        queryset=None,
        required=False,
        empty_label=_("Everyone in the office"),
        help_text=_("Leave empty to hold the records of the whole office."),
    )
    starts_on = forms.DateField(
        label=_("Records from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to hold records from the beginning."),
    )
    ends_on = forms.DateField(
        label=_("Records until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to hold records until the hold is lifted."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The case, the request's number, or who asked for the hold."),
    )

    def __init__(self, *args, user, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.office = office
        self.fields["person"].queryset = bundle_people(office)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The range ends before it starts."))
        return cleaned


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
