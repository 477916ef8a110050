import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout, Submit
from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from core.text import validate_name_text

from .models import AssociationRole, AuditEntry, Membership, Office, User
from .permissions import audit_log_office, managed_office
from .roster import RosterError, roster_parse
from .selectors import supervisors_in_office


def _helper(submit_label, *, form_tag=True) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = form_tag
    helper.attrs = {"novalidate": "", "data-submit-once": ""}
    if submit_label:
        helper.add_input(Submit("submit", submit_label))
    return helper


ROLE_HELP = _(
    "An election worker is seasonal staff, such as a poll worker: they sign the pledge "
    "but are never asked for the self-assessment, and reports count them apart."
)


class SupervisorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name} ({obj.email or obj.phone or '—'})"


def reports_to_field() -> SupervisorChoiceField:
    """Whom a person reports to: the form narrows the choices to the office's leads."""
    return SupervisorChoiceField(
        label=_("Reports to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody"),
        help_text=_("A supervisor or manager of your office."),
    )


class InvitationForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, validators=[validate_name_text]
    )
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Membership.Role.choices,
        initial=Membership.Role.OFFICIAL,
        help_text=ROLE_HELP,
    )
    reports_to = reports_to_field()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.office = managed_office(user)
        self.fields["reports_to"].queryset = supervisors_in_office(self.office)
        self.fields["full_name"].widget.attrs["autocomplete"] = "off"
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        self.helper = _helper(_("Send invitation"))

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (CSV)"),
        help_text=_(
            "Columns: name, email, role, and optionally phone and reports_to_email. UTF-8, "
            "with a header line."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.office = managed_office(user)
        self.fields["file"].widget.attrs["accept"] = ".csv,text/csv"
        self.helper = _helper(_("Preview"))
        self.parsed = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.ROSTER_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s KB. Split it into smaller files.")
                % {"limit": limit // 1024}
            )
        data = upload.read(limit + 1)
        try:
            self.parsed = roster_parse(data)
        except RosterError as error:
            raise forms.ValidationError(str(error)) from None
        return upload


class RosterConfirmForm(forms.Form):
    """No fields: the rows are read from the stored upload, never from the browser."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.office = managed_office(user)


def confidential_field() -> forms.BooleanField:
    return forms.BooleanField(
        label=_("Confidential participant"),
        required=False,
        help_text=_(
            "For people in an address-confidentiality program or facing threats. The public "
            "verification page, the public registry and association reports show “a "
            "confidential participant” instead of the name. Only the person, the office "
            "manager and the records officer see it."
        ),
    )


class MembershipForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, help_text=ROLE_HELP)
    reports_to = reports_to_field()
    is_confidential = confidential_field()

    def __init__(self, *args, user, membership, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "role": membership.role,
                "reports_to": membership.reports_to_id,
                "is_confidential": membership.user.is_confidential,
            },
        )
        super().__init__(*args, **kwargs)
        office = managed_office(user)
        self.fields["reports_to"].queryset = supervisors_in_office(office).exclude(
            pk=membership.user_id
        )
        self.helper = _helper(_("Save changes"))


class ConfidentialForm(forms.Form):
    """A person marks themselves as a confidential participant, or no longer."""

    is_confidential = confidential_field()

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {"is_confidential": user.is_confidential})
        super().__init__(*args, **kwargs)
        self.user = user
        self.helper = _helper(_("Save"))
        self.helper.form_action = "accounts:my-confidential"


class ConfirmForm(forms.Form):
    """A POST with nothing to fill in, for actions confirmed by a button."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user


class ElectionWorkersDeactivateForm(forms.Form):
    """End election-worker memberships at once: those ticked (`chosen`), or else every one
    the search finds, whose number the manager saw (`expected`)."""

    expected = forms.IntegerField(min_value=0, max_value=1_000_000, widget=forms.HiddenInput)
    chosen = forms.ModelMultipleChoiceField(
        label=_("Election workers"), queryset=Membership.objects.none(), required=False
    )

    def __init__(self, *args, user, office, q: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        from .selectors import current_election_workers

        self.fields["chosen"].queryset = current_election_workers(office, q=q)

    def clean(self):
        cleaned = super().clean()
        chosen = cleaned.get("chosen")
        cleaned["chosen"] = [m.pk for m in chosen] if chosen else []
        if cleaned["chosen"]:
            cleaned["expected"] = len(cleaned["chosen"])
        elif cleaned.get("expected") == 0 and "chosen" not in self.errors:
            raise forms.ValidationError(
                _("Tick at least one election worker, or use the button above.")
            )
        return cleaned


class InvitationAcceptForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, validators=[validate_name_text]
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; not a common or all-number password."),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, invitation, user=None, **kwargs):
        kwargs.setdefault("initial", {"full_name": invitation.full_name})
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"
        self.helper = _helper(_("Accept and sign in"))

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords are not the same."))
        elif password1:
            probe = User(email=self.invitation.email, full_name=cleaned.get("full_name", ""))
            try:
                validate_password(password1, user=probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class AssociationInvitationForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, validators=[validate_name_text]
    )
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=AssociationRole.Role.choices,
        initial=AssociationRole.Role.ANALYST,
    )

    def __init__(self, *args, user, association, **kwargs):
        super().__init__(*args, **kwargs)
        self.association = association
        self.helper = _helper(_("Send invitation"))

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class OfficeSearchForm(forms.Form):
    q = forms.CharField(label=_("Office name"), max_length=100, required=False)

    def __init__(self, *args, user, association, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Search"))
        self.helper.form_method = "get"
        self.helper.attrs = {"role": "search"}


class OfficeAddForm(forms.Form):
    office = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.none())

    def __init__(self, *args, user, association, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = Office.objects.exclude(associations=association)


class OfficeRemoveForm(forms.Form):
    office = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.none())

    def __init__(self, *args, user, association, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = association.offices.all()


class OfficeCreateForm(forms.ModelForm):
    manager_name = forms.CharField(
        label=_("Full name"), max_length=150, required=False, validators=[validate_name_text]
    )
    manager_email = forms.EmailField(label=_("Email address"), max_length=254, required=False)

    class Meta:
        model = Office
        fields = ["name", "state", "kind"]

    def __init__(self, *args, user, association, **kwargs):
        super().__init__(*args, **kwargs)
        if association.state and not self.is_bound:
            self.initial.setdefault("state", association.state)
        self.helper = _helper(_("Create office"))
        self.helper.layout = Layout(
            Fieldset(_("The office"), "name", "state", "kind"),
            Fieldset(
                _("Its first manager (optional)"),
                HTML(
                    '<p class="form-text">{}</p>'.format(
                        escape(_("They will get an invitation to manage the office's staff."))
                    )
                ),
                "manager_name",
                "manager_email",
            ),
        )

    def clean(self):
        cleaned = super().clean()
        name, email = cleaned.get("manager_name"), cleaned.get("manager_email")
        if email and not name:
            self.add_error("manager_name", _("Enter the manager's name, or leave both empty."))
        if name and not email and "manager_email" not in self.errors:
            self.add_error("manager_email", _("Enter the manager's email, or leave both empty."))
        if email:
            cleaned["manager_email"] = email.strip().lower()
        return cleaned


class AuditLogFilterForm(forms.Form):
    """Filters for the audit log, read from the query string."""

    action = forms.ChoiceField(label=_("What"), required=False)
    start = forms.DateField(
        label=_("From (UTC date)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=_("To (UTC date)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    page = forms.IntegerField(
        required=False, min_value=1, max_value=1_000_000, widget=forms.HiddenInput
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.office = audit_log_office(user)
        labelled = sorted(
            ((code, str(label)) for code, label in AuditEntry.Action.choices), key=lambda c: c[1]
        )
        self.fields["action"].choices = [("", _("Any event")), *labelled]
        self.helper = _helper(None, form_tag=False)

    def clean_end(self):
        end = self.cleaned_data["end"]
        # The filter reads up to the day after `end`, which the last date there is has not.
        if end == datetime.date.max:
            raise forms.ValidationError(self.fields["end"].error_messages["invalid"])
        return end

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("The “from” date must not be after the “to” date."))
        return data

    @property
    def filters(self) -> dict:
        """The filters as the selector takes them (page excluded)."""
        data = self.cleaned_data
        return {"action": data["action"], "start": data["start"], "end": data["end"]}
