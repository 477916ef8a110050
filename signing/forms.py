import csv
import io

import phonenumbers
from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.text import validate_name_text, validate_visible_text
from pledges.forms import EditionLanguageSelect, PledgeSignForm
from pledges.models import Cycle

from .models import MAX_CAPACITY, TRAINER_CODE_DIGITS, SigningSession
from .services import CODE_DIGITS, MAX_ROSTER, RosterRow

DATETIME_INPUT = "%Y-%m-%dT%H:%M"
ROSTER_MAX_BYTES = 262_144


def _helper(*, csrf: bool = True) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = not csrf
    return helper


class SessionForm(forms.Form):
    """A new session: what, where, when, for which cycle, for whom and how many."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        validators=[validate_name_text],
        help_text=_("For example “Poll worker training, east precincts”."),
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        validators=[validate_visible_text],
        help_text=_("The room and building, as attendees will look for it."),
    )
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"),
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
        help_text=_("The join link and the kiosk stop working at this time."),
    )
    cycle = forms.ModelChoiceField(
        label=_("Cycle and edition"),
        queryset=Cycle.objects.none(),
        empty_label=None,
        widget=EditionLanguageSelect,
    )
    audience = forms.ChoiceField(label=_("Who may join"), widget=forms.RadioSelect)
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        max_value=MAX_CAPACITY,
        initial=50,
        help_text=_("The most people who can join."),
    )

    def __init__(self, *args, user, conference: bool = False, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["cycle"].queryset = Cycle.objects.filter(
            closes_on__gte=today, closed_early_at__isnull=True
        ).select_related("edition")
        self.fields["cycle"].label_from_instance = lambda c: f"{c.name} — {c.edition.title}"
        audiences = SigningSession.Audience
        self.fields["audience"].choices = (
            [(audiences.MEMBERS.value, audiences.MEMBERS.label)]
            if conference
            else [
                (audiences.STAFF.value, audiences.STAFF.label),
                (audiences.ROSTER.value, audiences.ROSTER.label),
            ]
        )
        self.fields["audience"].initial = self.fields["audience"].choices[0][0]
        if not self.is_bound:
            start = timezone.localtime().replace(minute=0, second=0, microsecond=0)
            start += timezone.timedelta(hours=1)
            self.initial.setdefault("starts_at", start)
            self.initial.setdefault("ends_at", start + timezone.timedelta(hours=2))
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The session must end after it starts."))
        return data


class RosterPasteForm(forms.Form):
    """Expected attendees pasted or uploaded as CSV: name, email, phone (one of the last two)."""

    rows = forms.CharField(
        label=_("Paste the list"),
        required=False,
        max_length=ROSTER_MAX_BYTES,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_(
            "One person a line: name, email, phone. Give an email address or a mobile "
            "number (or both), for example “Ana Ruiz, ana@example.org, 720-555-0123”."
        ),
    )
    file = forms.FileField(
        label=_("Or upload a CSV file"),
        required=False,
        help_text=_("Columns name, email, phone; the first line may name them."),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            return ""
        if upload.size > ROSTER_MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(kb)s KB.") % {"kb": ROSTER_MAX_BYTES // 1024}
            )
        data = upload.read()
        if b"\x00" in data:
            raise ValidationError(_("This is not a CSV text file."))
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(
                _("The file is not UTF-8 text; save it as “CSV UTF-8”.")
            ) from None

    def clean(self):
        data = super().clean()
        text = "\n".join(part for part in (data.get("rows"), data.get("file")) if part)
        if not text.strip():
            if not self.errors:
                raise ValidationError(_("Paste a list or choose a file."))
            return data
        rows, errors = parse_roster(text)
        if errors:
            raise ValidationError(errors[:10])
        if len(rows) > MAX_ROSTER:
            raise ValidationError(_("At most %(max)s people at a time.") % {"max": MAX_ROSTER})
        data["parsed"] = rows
        return data


def normalize_phone(value: str) -> str | None:
    """A mobile number in E.164, or None if it cannot be one."""
    try:
        number = phonenumbers.parse(value, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_roster(text: str) -> tuple[list[RosterRow], list[str]]:
    """Rows of name, email, phone; and a message per line that cannot be used."""
    rows, errors = [], []
    reader = csv.reader(io.StringIO(text))
    for number, cells in enumerate(reader, start=1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if number == 1 and cells[0].lower() in ("name", "full name", "full_name"):
            continue
        cells += ["", "", ""]
        name, email, phone = cells[0], cells[1], cells[2]
        if "@" not in email and phone == "" and email:
            email, phone = "", email  # "name, phone" with the email left out
        problem = _row_problem(name, email, phone)
        if problem:
            errors.append(_("Line %(n)s: %(problem)s") % {"n": number, "problem": problem})
            continue
        rows.append(
            RosterRow(
                full_name=" ".join(name.split()),
                email=email.lower() or None,
                phone=normalize_phone(phone) if phone else "",
            )
        )
    return rows, errors


def _row_problem(name: str, email: str, phone: str) -> str | None:
    if not name:
        return str(_("a name is missing."))
    try:
        validate_name_text(name)
    except ValidationError:
        return str(_("the name holds a hidden or control character."))
    if len(name) > 150:
        return str(_("the name is longer than 150 characters."))
    if not email and not phone:
        return str(_("give an email address or a mobile number."))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            return str(_("“%(value)s” is not an email address.") % {"value": email[:100]})
    if phone and normalize_phone(phone) is None:
        return str(_("“%(value)s” is not a phone number.") % {"value": phone[:40]})
    return None


class RosterPeopleForm(forms.Form):
    """People of the office to add to the roster."""

    people = forms.ModelMultipleChoiceField(
        label=_("People in your office"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one person.")},
    )

    def __init__(self, *args, user, session: SigningSession, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        listed = session.roster.filter(user__isnull=False).values("user_id")
        self.fields["people"].queryset = (
            User.objects.filter(
                memberships__office_id=session.office_id, memberships__ended_at__isnull=True
            )
            .exclude(pk__in=listed)
            .order_by("full_name", "pk")
        )
        self.fields["people"].label_from_instance = lambda u: u.full_name
        self.helper = _helper()


class RosterRemoveForm(forms.Form):
    entry = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**62)

    def __init__(self, *args, user, session: SigningSession, **kwargs):
        self.user = user
        self.session = session
        super().__init__(*args, **kwargs)

    def clean_entry(self):
        entry = self.session.roster.filter(pk=self.cleaned_data["entry"]).first()
        if entry is None:
            raise ValidationError(_("This person is not on the roster."))
        return entry


class ConfirmForm(forms.Form):
    """A button that changes something: only the CSRF token is sent."""

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


# ----------------------------------------------------------------------------- joining

NAME_FIELD = {
    "label": _("Your full name, as on the list"),
    "max_length": 150,
    "validators": [validate_name_text],
}


class ContactCodeForm(forms.Form):
    """Name and email or phone: a code goes to the address or phone on the roster."""

    full_name = forms.CharField(**NAME_FIELD)
    contact = forms.CharField(
        label=_("Your email address or mobile number"),
        max_length=254,
        help_text=_("The one the organisers have for you. We send the code there."),
    )

    def __init__(self, *args, user=None, kiosk: bool = False, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"
        self.helper = _helper()

    def clean_contact(self):
        value = self.cleaned_data["contact"].strip()
        if "@" in value:
            try:
                validate_email(value)
            except ValidationError:
                raise ValidationError(_("Enter an email address or a mobile number.")) from None
            return value.lower()
        phone = normalize_phone(value)
        if phone is None:
            raise ValidationError(_("Enter an email address or a mobile number."))
        return phone


class TrainerCodeForm(forms.Form):
    """Name and the code the trainer reads out in the room."""

    full_name = forms.CharField(**NAME_FIELD)
    trainer_code = forms.CharField(
        label=_("The trainer's code"),
        max_length=20,
        help_text=_("%(digits)s digits, read out in the room.") % {"digits": TRAINER_CODE_DIGITS},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, user=None, kiosk: bool = False, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["full_name"].widget.attrs["autocomplete"] = "off" if kiosk else "name"
        self.helper = _helper()


class JoinCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The %(digits)s digits we sent you.") % {"digits": CODE_DIGITS},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class KioskSignInForm(forms.Form):
    """Signing in with one's own account at the shared device: nothing is remembered."""

    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class SessionSignForm(PledgeSignForm):
    """The pledge form, at a session; on a kiosk nothing is offered from earlier signers."""

    def __init__(self, *args, kiosk: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if kiosk:
            for field in self.fields.values():
                field.widget.attrs["autocomplete"] = "off"
            self.fields["typed_name"].widget.attrs["spellcheck"] = "false"
