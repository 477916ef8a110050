"""Forms of continuing education; each takes the acting user and limits its choices to
what that person may touch. Each topic has its own section below."""

from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Association, User
from core.listing import SEARCH_MAX
from core.text import validate_name_text, validate_visible_text
from pledges.forms import EditionLanguageSelect, EditionPartsField
from pledges.models import Standard
from pledges.selectors import published_edition

from .courses_csv import CourseFileError, courses_parse
from .evidence import check_evidence
from .models import DESCRIPTION_MAX, HOURS_MAX, NOTE_MAX, TITLE_MAX, Course, SelfReport
from .permissions import administered_associations, publishing_owners
from .selectors import (
    current_edition,
    edition_items,
    edition_standard_list,
    owner_person,
    signing_sessions_for,
)

# --- certification programs (E) ---


class ProgramForm(forms.Form):
    """A certification program: what it asks of each person in each period."""

    association = forms.ModelChoiceField(
        label=_("Association"), queryset=Association.objects.none(), empty_label=None
    )
    name = forms.CharField(label=_("Name"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the certification is for, and who should take it."),
    )
    hours_required = forms.DecimalField(
        label=_("Hours required in each period"),
        min_value=Decimal("0.5"),
        max_value=Decimal(1000),
        max_digits=6,
        decimal_places=2,
        help_text=_("For example 40 (hours of continuing education)."),
    )
    period_months = forms.IntegerField(
        label=_("Length of a period, in months"),
        min_value=1,
        max_value=120,
        help_text=_(
            "For example 24 for 40 hours every two years. Each person's periods start on "
            "the day they enrol."
        ),
    )
    required_courses = forms.ModelMultipleChoiceField(
        label=_("Required courses"),
        queryset=Course.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Courses of your association each person must take in every period."),
    )
    required_standards = EditionPartsField(
        label=_("Standards to cover"),
        queryset=Standard.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "In every period, each person's training must address each standard ticked here."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, program=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.program = program
        if program is None:
            associations = administered_associations(user)
            self.fields["association"].queryset = associations
            courses = Course.objects.filter(association__in=associations, is_active=True)
            del self.fields["version"]
        else:
            del self.fields["association"]
            courses = Course.objects.filter(association=program.association_id).filter(
                Q(is_active=True) | Q(pk__in=program.required_courses.values("pk"))
            )
            self.fields["version"].required = True
        self.fields["required_courses"].queryset = courses.order_by("title", "pk")
        edition = published_edition()
        standards = Standard.objects.filter(edition=edition) if edition else Standard.objects
        if program is not None:
            standards = Standard.objects.filter(
                Q(pk__in=standards.values("pk")) | Q(pk__in=program.required_standards.values("pk"))
            )
        self.fields["required_standards"].queryset = standards.order_by("number", "pk")
        self.fields["required_standards"].language = edition.language if edition else ""

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        validate_name_text(name)
        return name

    def clean_description(self):
        description = self.cleaned_data["description"].strip()
        validate_visible_text(description)
        return description

    def clean(self):
        cleaned = super().clean()
        association = cleaned.get("association") or (
            self.program.association if self.program is not None else None
        )
        courses = cleaned.get("required_courses") or []
        if association is not None and any(c.association_id != association.pk for c in courses):
            self.add_error(
                "required_courses", _("Choose only courses of the association you chose.")
            )
        return cleaned

    def values(self) -> dict:
        """What the service takes."""
        data = dict(self.cleaned_data)
        data.pop("association", None)
        data.pop("version", None)
        return data


class EnrolForm(forms.Form):
    """Enrolling in a program: periods count from the day given (today by default)."""

    started_on = forms.DateField(
        label=_("Count my periods from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "Leave empty to start today. A date in the past counts the training you "
            "recorded since then."
        ),
    )

    def __init__(self, *args, user, program, **kwargs):
        kwargs.setdefault("auto_id", f"enrol-{program.pk}-%s")
        super().__init__(*args, **kwargs)
        self.user = user
        self.program = program


# --- self-reported training and approvals (D2) ---


def _selfreport_helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


ACCEPTED_EVIDENCE = ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"


class SelfReportForm(forms.Form):
    """Training taken outside the portal, with its evidence. On a returned report
    (`report`), the fields start from it and a new evidence file is optional."""

    title = forms.CharField(
        label=_("Training"),
        max_length=TITLE_MAX,
        validators=[validate_name_text],
        help_text=_("The course, workshop or conference session, as its certificate names it."),
    )
    provider = forms.CharField(
        label=_("Provider"),
        max_length=TITLE_MAX,
        validators=[validate_name_text],
        help_text=_("Who gave it: an association, a university, a vendor, a state office."),
    )
    completed_on = forms.DateField(
        label=_("Completed on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The last day of the training; not in the future."),
    )
    hours = forms.DecimalField(
        label=_("Hours"),
        max_digits=5,
        decimal_places=2,
        help_text=_("Hours of instruction, more than 0 and at most %(max)d, e.g. 3.5."),
    )
    standards = EditionPartsField(
        label=_("Standards it addresses"),
        queryset=Standard.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    evidence = forms.FileField(
        label=_("Evidence"),
        help_text=_(
            "A certificate of completion, a transcript or an agenda with your name: "
            "a PDF, PNG or JPEG file of at most %(size)s MB."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, user, report: SelfReport | None = None, **kwargs):
        if report is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": report.title,
                    "provider": report.provider,
                    "completed_on": report.completed_on,
                    "hours": report.hours,
                    "standards": [s.pk for s in report.standards.all()],
                    "version": report.version,
                },
            )
        super().__init__(*args, **kwargs)
        self.user = user
        self.report = report
        self.checked = None
        limit = settings.EVIDENCE_MAX_BYTES
        self.fields["evidence"].help_text = self.fields["evidence"].help_text % {
            "size": f"{limit / 1_048_576:g}"
        }
        self.fields["hours"].help_text = self.fields["hours"].help_text % {"max": HOURS_MAX}
        self.fields["evidence"].widget.attrs["accept"] = ACCEPTED_EVIDENCE
        edition = current_edition()
        self.fields["standards"].queryset = edition_standard_list(edition)
        self.fields["standards"].language = edition.language if edition else ""
        today = timezone.localdate()
        self.fields["completed_on"].widget.attrs["max"] = today.isoformat()
        if report is not None:
            self.fields["evidence"].required = False
            self.fields["evidence"].label = _("New evidence (optional)")
            self.fields["version"].required = True
        else:
            del self.fields["version"]
        self.helper = _selfreport_helper()

    def clean_hours(self):
        hours = self.cleaned_data["hours"]
        if not (Decimal(0) < hours <= HOURS_MAX):
            raise forms.ValidationError(
                _("Enter the hours: more than 0 and at most %(max)d.") % {"max": HOURS_MAX}
            )
        return hours

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if not upload:
            return upload
        self.checked = check_evidence(upload)
        return upload


class SelfReportVersionForm(forms.Form):
    """A button on a report (withdraw it), with the version its page showed."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, user, report: SelfReport, **kwargs):
        kwargs.setdefault("initial", {"version": report.version})
        super().__init__(*args, **kwargs)
        self.user = user
        self.report = report
        self.helper = _selfreport_helper()


class SelfReportDecisionForm(forms.Form):
    """A manager's decision on a waiting report: approve, or return with a note."""

    APPROVE = "approve"
    RETURN = "return"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (APPROVE, _("Approve: the hours count")),
            (RETURN, _("Return with a note: the person corrects it")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note to the person"),
        max_length=NOTE_MAX,
        required=False,
        validators=[validate_visible_text],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you return it: say what to correct or add."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, user, report: SelfReport, **kwargs):
        kwargs.setdefault("initial", {"version": report.version})
        super().__init__(*args, **kwargs)
        self.user = user
        self.report = report
        self.helper = _selfreport_helper()

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.RETURN and not (data.get("note") or "").strip():
            self.add_error("note", _("Say what to correct or why: the note is required."))
        return data


class SelfReportReverseForm(forms.Form):
    """A manager withdraws an approval, saying why."""

    note = forms.CharField(
        label=_("Why the approval is withdrawn"),
        max_length=NOTE_MAX,
        error_messages={"required": _("Say why: the note is required.")},
        validators=[validate_visible_text],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The person reads this note; the hours stop counting."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, user, report: SelfReport, **kwargs):
        kwargs.setdefault("initial", {"version": report.version})
        super().__init__(*args, **kwargs)
        self.user = user
        self.report = report
        self.helper = _selfreport_helper()


# --- courses, offerings, registrations, attendance, calendar ---


def _course_helper(submit_label=None) -> FormHelper:
    """The page writes the <form> tag itself (with the submission token)."""
    helper = FormHelper()
    helper.form_tag = False
    helper.attrs = {"novalidate": "", "data-submit-once": ""}
    if submit_label:
        helper.add_input(Submit("submit", submit_label))
    return helper


HOURS_MESSAGE = _("Enter the hours: more than 0 and at most %(max)s.") % {"max": HOURS_MAX}


class CourseForm(forms.Form):
    """A course's description and what it addresses. On creation, also its owner."""

    owner = forms.ChoiceField(
        label=_("Published by"),
        help_text=_("Who offers the course: your office, or an association you administer."),
    )
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX, validators=[validate_name_text])
    provider = forms.CharField(
        label=_("Provider"),
        max_length=TITLE_MAX,
        validators=[validate_name_text],
        help_text=_("Who teaches it: your office, the association, the Election Center…"),
    )
    format = forms.ChoiceField(label=_("Format"), choices=Course.Format.choices)
    hours = forms.DecimalField(
        label=_("Hours"),
        max_digits=5,
        decimal_places=2,
        validators=[
            MinValueValidator(0.01, message=HOURS_MESSAGE),
            MaxValueValidator(HOURS_MAX, message=HOURS_MESSAGE),
        ],
        help_text=_("The hours a participant earns, at most %(max)s.") % {"max": HOURS_MAX},
    )
    ceus = forms.DecimalField(
        label=_("CEUs"),
        required=False,
        max_digits=5,
        decimal_places=2,
        min_value=0.01,
        help_text=_("Continuing-education units as the provider states them, if any."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        validators=[validate_visible_text],
    )
    standards = EditionPartsField(
        label=_("Standards it addresses"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    items = EditionPartsField(
        label=_("Application items it addresses"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose at least one standard or one application item."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user: User, course: Course | None = None, **kwargs):
        if course is not None and not args:
            kwargs.setdefault(
                "initial",
                {
                    **{
                        name: getattr(course, name)
                        for name in (
                            "title",
                            "provider",
                            "format",
                            "hours",
                            "ceus",
                            "description",
                            "version",
                        )
                    },
                    "standards": list(course.standards.all()),
                    "items": list(course.items.all()),
                },
            )
        super().__init__(*args, **kwargs)
        self.user = user
        self.course = course
        edition = current_edition()
        self.fields["standards"].queryset = edition_standard_list(edition)
        self.fields["items"].queryset = edition_items(edition)
        for name in ("standards", "items"):
            self.fields[name].language = edition.language if edition else ""
        self.owners = {owner.key: owner for owner in publishing_owners(user)}
        if course is None:
            self.fields["owner"].choices = [(key, o.name) for key, o in self.owners.items()]
            del self.fields["version"]
        else:
            del self.fields["owner"]
        self.helper = _course_helper(
            _("Publish the course") if course is None else _("Save changes")
        )

    def clean(self):
        cleaned = super().clean()
        if (
            not cleaned.get("standards")
            and not cleaned.get("items")
            and not (self.has_error("standards") or self.has_error("items"))
        ):
            self.add_error("items", _("Choose at least one standard or one application item."))
        return cleaned

    @property
    def chosen_owner(self):
        return self.owners[self.cleaned_data["owner"]]

    def course_fields(self) -> dict:
        data = self.cleaned_data
        return {
            name: data[name] if name != "description" else data[name] or ""
            for name in (
                "title",
                "provider",
                "format",
                "hours",
                "ceus",
                "description",
                "standards",
                "items",
            )
        }


class CourseArchiveForm(forms.Form):
    """Stop offering a course, or offer it again."""

    archive = forms.TypedChoiceField(
        choices=[("1", _("Archive")), ("0", _("Offer again"))],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )


class CatalogueFilterForm(forms.Form):
    """Search and filters of the course catalogue, read from the query string."""

    q = forms.CharField(
        label=_("Search"),
        max_length=SEARCH_MAX,
        required=False,
        strip=True,
        help_text=_("A title or provider, or part of one."),
    )
    standard = forms.ModelChoiceField(
        label=_("Standard"),
        queryset=None,
        required=False,
        empty_label=_("Any standard"),
        widget=EditionLanguageSelect,
    )
    format = forms.ChoiceField(
        label=_("Format"), required=False, choices=[("", _("Any format")), *Course.Format.choices]
    )

    def __init__(self, data=None):
        super().__init__(data if data is not None else {})
        self.fields["standard"].queryset = edition_standard_list(current_edition()).select_related(
            "edition"
        )
        self.fields["standard"].label_from_instance = lambda s: f"{s.number}. {s.short_title}"
        self.fields["q"].widget.attrs.update(
            {"type": "search", "autocomplete": "off", "class": "form-control"}
        )
        for name in ("standard", "format"):
            self.fields[name].widget.attrs["class"] = "form-select"

    def value(self, name: str):
        if not self.is_valid():
            return None
        return self.cleaned_data.get(name) or None

    @property
    def active(self) -> bool:
        return any(self.value(name) for name in self.fields)


DATETIME_INPUT = "%Y-%m-%dT%H:%M"


def _datetime_field(label, help_text=""):
    return forms.DateTimeField(
        label=label,
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
        help_text=help_text,
    )


class OfferingForm(forms.Form):
    """One date of a course: when, where, how many seats, who teaches it."""

    starts_at = _datetime_field(_("Starts"), _("Date and time, local time of the portal."))
    ends_at = _datetime_field(_("Ends"))
    place = forms.CharField(
        label=_("Place"),
        max_length=TITLE_MAX,
        required=False,
        validators=[validate_visible_text],
        help_text=_("An address, a room, or “Online” with how to join."),
    )
    capacity = forms.IntegerField(
        label=_("Seats"),
        required=False,
        min_value=1,
        max_value=100_000,
        help_text=_("Leave empty for no limit."),
    )
    trainer = forms.EmailField(
        label=_("Trainer's email address"),
        required=False,
        help_text=_("Someone in the course's office or association; they record attendance."),
    )
    signing_session = forms.ModelChoiceField(
        label=_("Signing session"),
        queryset=None,
        required=False,
        empty_label=_("None"),
        help_text=_(
            "If people sign the pledge at this course, choose its signing session: everyone "
            "who checks in there can then be marked present in one step."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, course: Course, offering=None, **kwargs):
        if offering is not None and not args:
            kwargs.setdefault(
                "initial",
                {
                    "starts_at": offering.starts_at,
                    "ends_at": offering.ends_at,
                    "place": offering.place,
                    "capacity": offering.capacity,
                    "trainer": offering.trainer.email if offering.trainer else "",
                    "signing_session": offering.signing_session_id,
                    "version": offering.version,
                },
            )
        super().__init__(*args, **kwargs)
        self.course = course
        self.fields["signing_session"].queryset = signing_sessions_for(course)
        self.fields["signing_session"].label_from_instance = lambda session: (
            f"{session.title} · {timezone.localtime(session.starts_at):%Y-%m-%d %H:%M}"
        )
        if offering is None:
            del self.fields["version"]
        self.helper = _course_helper(_("Add the date") if offering is None else _("Save changes"))

    def clean_trainer(self):
        email = (self.cleaned_data.get("trainer") or "").strip()
        if not email:
            return None
        person = User.objects.filter(email__iexact=email, is_active=True).first()
        if person is None or owner_person(self.course, person.pk) is None:
            raise forms.ValidationError(
                _("Nobody with this email address is in the course's office or association.")
            )
        return person

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The course must end after it starts."))
        return cleaned

    def offering_fields(self) -> dict:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in ("starts_at", "ends_at", "place", "capacity", "trainer", "signing_session")
        }


class ConfirmForm(forms.Form):
    """No fields: a button (register, cancel, confirm an import, replace an address)."""


class AttendanceForm(forms.Form):
    """Who was present, among the people listed on the page. Only the listed people are
    changed, so someone added from another tab meanwhile is never unmarked."""

    listed = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.MultipleHiddenInput
    )
    present = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, sheet: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {person.pk: person for person in sheet}
        choices = [(pk, str(pk)) for pk in self.people]
        self.fields["listed"].choices = choices
        self.fields["present"].choices = choices

    def clean(self):
        cleaned = super().clean()
        listed = set(cleaned.get("listed") or [])
        present = set(cleaned.get("present") or []) & listed
        cleaned["present_people"] = [self.people[pk] for pk in present]
        cleaned["absent_people"] = [self.people[pk] for pk in listed - present]
        return cleaned


class AttendanceSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find someone"),
        max_length=SEARCH_MAX,
        required=False,
        min_length=2,
        strip=True,
        help_text=_("Part of a name or email address, at least 2 characters."),
    )

    def __init__(self, data=None):
        super().__init__(data if data is not None else {})
        self.fields["q"].widget.attrs.update(
            {"type": "search", "autocomplete": "off", "class": "form-control"}
        )


class AttendanceAddForm(forms.Form):
    """Someone of the course's office or association, marked present."""

    person = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, course: Course, **kwargs):
        super().__init__(*args, **kwargs)
        self.course = course

    def clean_person(self):
        person = owner_person(self.course, self.cleaned_data["person"])
        if person is None:
            raise forms.ValidationError(
                _("This person is not in the course's office or association.")
            )
        return person


class CourseImportForm(forms.Form):
    owner = forms.ChoiceField(label=_("Published by"))
    file = forms.FileField(
        label=_("Course list (CSV)"),
        help_text=_(
            "Columns: title, provider, format, hours, ceus, standards, items, description. "
            "UTF-8, with a header line."
        ),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.owners = {owner.key: owner for owner in publishing_owners(user)}
        self.fields["owner"].choices = [(key, o.name) for key, o in self.owners.items()]
        self.fields["file"].widget.attrs["accept"] = ".csv,text/csv"
        self.helper = _course_helper(_("Preview"))
        self.parsed = None

    @property
    def chosen_owner(self):
        return self.owners[self.cleaned_data["owner"]]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.COURSE_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s KB. Split it into smaller files.")
                % {"limit": limit // 1024}
            )
        try:
            self.parsed = courses_parse(upload.read(limit + 1))
        except CourseFileError as error:
            raise forms.ValidationError(str(error)) from None
        return upload
