"""Forms for the assessment grid, submitting, reviewing and the manager's actions."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, User
from core.text import validate_visible_text
from education.models import Registration
from education.selectors import registrations_to_link
from pledges.models import RatingLevel, Standard

from .models import COMMENT_MAX, GOAL_MAX, NA_REASON_MAX, NOTE_MAX, Assessment, Review
from .selectors import per_edition
from .services import Answer, Goal, ReviewAnswer

NA = "na"
FIELD_NAME = re.compile(r"^(item|goal|review)_(\d+)_")


def _foreign_keys(data, known: set[int], prefix: str) -> bool:
    """True when the submitted data names an item or standard this form does not have."""
    for key in data:
        match = FIELD_NAME.match(key)
        if match and match.group(1) == prefix and int(match.group(2)) not in known:
            return True
    return False


def _edition_fields(standards: list[Standard], scale: list[RatingLevel]) -> dict:
    """An edition's item and goal fields. They depend on the edition alone and no form
    changes them, so they are built once per edition and shared (see `per_edition`)."""
    rating_choices = [(str(level.value), level.label) for level in scale] + [
        (NA, _("Not applicable"))
    ]
    fields = {}
    for standard in standards:
        for item in standard.items.all():
            fields[f"item_{item.pk}_rating"] = forms.ChoiceField(
                label=item.title,
                choices=rating_choices,
                required=False,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": _("Choose one of the ratings on the scale.")},
            )
            fields[f"item_{item.pk}_na_reason"] = forms.CharField(
                label=_("Why it does not apply"),
                max_length=NA_REASON_MAX,
                required=False,
                validators=[validate_visible_text],
            )
            fields[f"item_{item.pk}_comment"] = forms.CharField(
                label=_("Comment or example (optional)"),
                max_length=COMMENT_MAX,
                required=False,
                validators=[validate_visible_text],
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        fields[f"goal_{standard.pk}_text"] = forms.CharField(
            label=_("Improvement goal (optional)"),
            max_length=GOAL_MAX,
            required=False,
            validators=[validate_visible_text],
            widget=forms.Textarea(attrs={"rows": 2}),
        )
        fields[f"goal_{standard.pk}_date"] = forms.DateField(
            label=_("Target date (optional)"),
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}),
            error_messages={"invalid": _("Enter a date such as 2026-12-31.")},
        )
    return fields


class AssessmentForm(forms.Form):
    """All of an assessment's items and goals, as posted; fields are named after item and
    standard ids. The page itself is drawn by `assessments.grid`."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    action = forms.ChoiceField(
        choices=[("save", _("Save draft")), ("submit", _("Save and continue"))], required=False
    )

    def __init__(
        self,
        *args,
        user: User,
        assessment: Assessment,
        standards: list[Standard],
        scale: list[RatingLevel],
        **kwargs,
    ):
        self.user = user
        self.assessment = assessment
        self.standards = standards
        self.scale = scale
        super().__init__(*args, initial={"version": assessment.version}, **kwargs)
        edition_id = assessment.cycle.edition_id
        self.fields.update(
            per_edition((edition_id, "form-fields"), lambda: _edition_fields(standards, scale))
        )
        self.item_ids = {item.pk for standard in standards for item in standard.items.all()}
        self.standard_ids = {standard.pk for standard in standards}

    def clean_version(self):
        version = self.cleaned_data["version"]
        # A version the assessment has not reached yet would pass the conflict check
        # and overwrite answers saved in another tab since this form was loaded.
        if version > self.assessment.version:
            raise ValidationError(_("The form was incomplete. Reload the page."), code="version")
        return version

    @property
    def tampered(self) -> bool:
        return self.is_bound and (
            _foreign_keys(self.data, self.item_ids, "item")
            or _foreign_keys(self.data, self.standard_ids, "goal")
        )

    def clean(self):
        cleaned = super().clean()
        if self.tampered:
            raise ValidationError(
                _("The form contained items that are not part of this assessment."),
                code="tampered",
            )
        for item_id in self.item_ids:
            rating = cleaned.get(f"item_{item_id}_rating")
            reason = (cleaned.get(f"item_{item_id}_na_reason") or "").strip()
            if rating == NA and not reason:
                self.add_error(
                    f"item_{item_id}_na_reason",
                    _("Say briefly why this item does not apply to you."),
                )
        return cleaned

    def answers(self) -> dict[int, Answer]:
        answers = {}
        for item_id in self.item_ids:
            rating = self.cleaned_data.get(f"item_{item_id}_rating") or ""
            not_applicable = rating == NA
            answers[item_id] = Answer(
                rating=int(rating) if rating and not not_applicable else None,
                not_applicable=not_applicable,
                na_reason=(self.cleaned_data.get(f"item_{item_id}_na_reason") or "").strip()
                if not_applicable
                else "",
                comment=(self.cleaned_data.get(f"item_{item_id}_comment") or "").strip(),
            )
        return answers

    def goals(self) -> dict[int, Goal]:
        return {
            standard_id: Goal(
                goal=(self.cleaned_data.get(f"goal_{standard_id}_text") or "").strip(),
                target_date=self.cleaned_data.get(f"goal_{standard_id}_date"),
            )
            for standard_id in self.standard_ids
        }


class StartForm(forms.Form):
    copy_previous = forms.BooleanField(required=False)

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


class SubmitForm(forms.Form):
    note = forms.CharField(
        label=_("Note to your reviewer (optional)"),
        max_length=NOTE_MAX,
        required=False,
        validators=[validate_visible_text],
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


class ReviewForm(forms.Form):
    """The reviewer's rating and comment per item, and the decision."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=Review.Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose to accept the assessment or return it.")},
    )
    note = forms.CharField(
        label=_("Note to the official"),
        help_text=_("Required when you return the assessment: say what to revise."),
        max_length=NOTE_MAX,
        required=False,
        validators=[validate_visible_text],
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(
        self, *args, user: User, assessment: Assessment, standards, scale, previous=None, **kwargs
    ):
        self.user = user
        self.assessment = assessment
        super().__init__(*args, **kwargs)
        choices = [("", _("No rating"))] + [(str(level.value), level.label) for level in scale]
        self.item_ids = set()
        for standard in standards:
            for item in standard.items.all():
                self.item_ids.add(item.pk)
                self.fields[f"review_{item.pk}_rating"] = forms.TypedChoiceField(
                    label=_("Your rating"),
                    choices=choices,
                    coerce=int,
                    empty_value=None,
                    required=False,
                    error_messages={"invalid_choice": _("Choose one of the ratings on the scale.")},
                )
                self.fields[f"review_{item.pk}_comment"] = forms.CharField(
                    label=_("Your comment"),
                    max_length=COMMENT_MAX,
                    required=False,
                    validators=[validate_visible_text],
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
                old = previous.get(item.pk) if previous else None
                if old is not None:
                    self.initial[f"review_{item.pk}_rating"] = str(old.rating or "")
                    self.initial[f"review_{item.pk}_comment"] = old.comment

    def clean(self):
        cleaned = super().clean()
        if _foreign_keys(self.data, self.item_ids, "review"):
            raise ValidationError(
                _("The form contained items that are not part of this assessment."),
                code="tampered",
            )
        if (
            cleaned.get("decision") == Review.Decision.RETURN
            and not (cleaned.get("note") or "").strip()
        ):
            self.add_error("note", _("Say what to revise when you return an assessment."))
        return cleaned

    def items(self) -> dict[int, ReviewAnswer]:
        return {
            item_id: ReviewAnswer(
                rating=self.cleaned_data.get(f"review_{item_id}_rating"),
                comment=(self.cleaned_data.get(f"review_{item_id}_comment") or "").strip(),
            )
            for item_id in self.item_ids
        }


class ReopenForm(forms.Form):
    note = forms.CharField(
        label=_("Why reopen it?"),
        max_length=NOTE_MAX,
        validators=[validate_visible_text],
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the assessment is reopened.")},
    )

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


class ReviewerForm(forms.Form):
    reviewer = forms.ModelChoiceField(
        label=_("Reviewer"),
        queryset=User.objects.none(),
        error_messages={"invalid_choice": _("Choose a supervisor or manager of this office.")},
    )

    def __init__(self, *args, user: User, assessment: Assessment, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = (
            User.objects.filter(
                memberships__office_id=assessment.office_id,
                memberships__ended_at__isnull=True,
                memberships__role__in=[Membership.Role.SUPERVISOR, Membership.Role.MANAGER],
                is_active=True,
            )
            .exclude(pk=assessment.user_id)
            .order_by("full_name")
        )
        self.fields["reviewer"].initial = assessment.reviewer_id


class GoalRegistrationForm(forms.Form):
    """Which of the person's own course registrations works toward a goal."""

    registration = forms.ModelChoiceField(
        label=_("Course registration"),
        queryset=Registration.objects.none(),
        required=False,
        empty_label=_("None: remove the link"),
        error_messages={"invalid_choice": _("Choose one of your own course registrations.")},
    )

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        field = self.fields["registration"]
        field.queryset = registrations_to_link(user)
        field.label_from_instance = _registration_label


def _registration_label(registration) -> str:
    offering = registration.offering
    when = date_format(timezone.localtime(offering.starts_at), "DATE_FORMAT")
    parts = [offering.course.title, when]
    if offering.place:
        parts.append(offering.place)
    if offering.cancelled_at is not None:
        parts.append(str(_("date cancelled")))
    return " · ".join(parts)
