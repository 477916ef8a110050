"""Self-assessments: one per person per cycle, with the supervisor's reviews, and the
summaries of counted answers that the reports read.

State changes happen only in `assessments.services`, which keeps the summaries current in
the same transaction (`assessments.summaries`); these models hold fields, named
constraints and small invariant checks.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.text import validate_visible_text

# Length limits, shared by the forms, the services and the database constraints.
COMMENT_MAX = 2000
NA_REASON_MAX = 300
GOAL_MAX = 1000
NOTE_MAX = 2000
RATING_MIN = 1
RATING_MAX = 9  # the widest scale an edition may define (RatingLevel allows 1..9)

# The rating values the summaries count separately: the published scale runs from 1 to 4.
SUMMARY_VALUES = (1, 2, 3, 4)

# `comment__length` in the constraints below: SQLite does not enforce a varchar length.
models.TextField.register_lookup(Length)
models.CharField.register_lookup(Length)


class Assessment(models.Model):
    """One official's self-assessment for one cycle."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for revision")
        ACCEPTED = "accepted", _("Accepted")

    EDITABLE_STATES = (State.DRAFT, State.RETURNED)
    # Counted in the summaries and reports: the answers are final unless the assessment
    # is returned or reopened, which takes it out again (both lead to "returned").
    COUNTED_STATES = (State.SUBMITTED, State.ACCEPTED)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("person"),
    )
    office = models.ForeignKey(
        "accounts.Office",
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("office at the time"),
    )
    cycle = models.ForeignKey("pledges.Cycle", on_delete=models.PROTECT, related_name="assessments")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments_to_review",
        verbose_name=_("reviewer"),
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    version = models.PositiveIntegerField(
        _("version"), default=1, help_text=_("Raised by every save; detects concurrent edits.")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    class Meta:
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")
        ordering = ["-cycle__opens_on", "user__full_name"]
        indexes = [
            models.Index(fields=["cycle", "office", "state"], name="assessment_cycle_office_idx"),
            models.Index(fields=["reviewer", "state"], name="assessment_reviewer_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user", "cycle"], name="assessment_one_per_user_cycle"),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "submitted", "returned", "accepted"]),
                name="assessment_state_valid",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="assessment_version_positive"),
            models.CheckConstraint(
                condition=~Q(reviewer=F("user")), name="assessment_not_own_reviewer"
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.cycle}"

    @property
    def is_editable(self) -> bool:
        return self.state in self.EDITABLE_STATES


class ItemResponse(models.Model):
    """The official's answer to one application item: a rating, or N/A with a reason."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="responses")
    item = models.ForeignKey(
        "pledges.ApplicationItem", on_delete=models.PROTECT, related_name="responses"
    )
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    na_reason = models.CharField(
        _("reason it does not apply"),
        max_length=NA_REASON_MAX,
        blank=True,
        validators=[validate_visible_text],
    )
    comment = models.TextField(
        _("comment or example"),
        max_length=COMMENT_MAX,
        blank=True,
        validators=[validate_visible_text],
    )
    # The assessment version that last wrote this answer: tells a stale form what changed.
    changed_in_version = models.PositiveIntegerField(_("changed in version"), default=1)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("item response")
        verbose_name_plural = _("item responses")
        ordering = ["assessment", "item__position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="response_one_per_item"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True)
                | Q(rating__gte=RATING_MIN, rating__lte=RATING_MAX),
                name="response_rating_range",
            ),
            models.CheckConstraint(
                condition=Q(not_applicable=False, na_reason="")
                | Q(not_applicable=True, rating__isnull=True) & ~Q(na_reason=""),
                name="response_na_needs_reason_and_no_rating",
            ),
            models.CheckConstraint(
                condition=Q(comment__length__lte=COMMENT_MAX),
                name="response_comment_length",
            ),
            models.CheckConstraint(
                condition=Q(na_reason__length__lte=NA_REASON_MAX),
                name="response_na_reason_length",
            ),
        ]

    def __str__(self):
        return f"{self.assessment} · {self.item_id}"

    @property
    def is_answered(self) -> bool:
        return self.rating is not None or self.not_applicable

    def clean(self):
        if self.not_applicable:
            if self.rating is not None:
                raise ValidationError(_("An item marked not applicable cannot also have a rating."))
            if not self.na_reason.strip():
                raise ValidationError(
                    {"na_reason": _("Say briefly why this item does not apply to you.")}
                )
        elif self.na_reason:
            raise ValidationError({"na_reason": _("Only a not-applicable item has a reason.")})
        if self.rating is not None and not RATING_MIN <= self.rating <= RATING_MAX:
            raise ValidationError({"rating": _("This rating is not on the scale.")})


class StandardGoal(models.Model):
    """An improvement goal the official sets for one standard."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="goals")
    standard = models.ForeignKey("pledges.Standard", on_delete=models.PROTECT, related_name="+")
    goal = models.TextField(
        _("improvement goal"), max_length=GOAL_MAX, blank=True, validators=[validate_visible_text]
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)
    # The course the person signed up for to work on this goal (docs/education.md). Kept
    # when the registration is cancelled; emptied only if the registration is deleted.
    registration = models.ForeignKey(
        "education.Registration",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("course registration"),
    )
    changed_in_version = models.PositiveIntegerField(_("changed in version"), default=1)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("improvement goal")
        verbose_name_plural = _("improvement goals")
        ordering = ["assessment", "standard__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "standard"], name="goal_one_per_standard"
            ),
            models.CheckConstraint(
                condition=Q(goal__length__lte=GOAL_MAX), name="goal_text_length"
            ),
        ]

    def __str__(self):
        return f"{self.assessment} · {self.standard_id}"


class Transition(models.Model):
    """One state change of an assessment, for the timeline: who, when, and why."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        RESUBMITTED = "resubmitted", _("Resubmitted")
        RETURNED = "returned", _("Returned for revision")
        ACCEPTED = "accepted", _("Accepted")
        REOPENED = "reopened", _("Reopened by the office manager")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    from_state = models.CharField(_("from"), max_length=16, choices=Assessment.State.choices)
    to_state = models.CharField(_("to"), max_length=16, choices=Assessment.State.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    note = models.TextField(
        _("note"), max_length=NOTE_MAX, blank=True, validators=[validate_visible_text]
    )

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_state=F("to_state")), name="transition_changes_state"
            ),
            models.CheckConstraint(
                condition=Q(note__length__lte=NOTE_MAX), name="transition_note_length"
            ),
        ]

    def __str__(self):
        return f"{self.assessment} {self.from_state}→{self.to_state}"


class Review(models.Model):
    """A supervisor's item-by-item review of a submitted assessment, and the decision."""

    class Decision(models.TextChoices):
        ACCEPT = "accept", _("Accept")
        RETURN = "return", _("Return for revision")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_given"
    )
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    note = models.TextField(
        _("note to the official"),
        max_length=NOTE_MAX,
        blank=True,
        validators=[validate_visible_text],
    )
    assessment_version = models.PositiveIntegerField(_("version reviewed"))
    created_at = models.DateTimeField(_("reviewed"), default=timezone.now)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=["accept", "return"]), name="review_decision_valid"
            ),
            models.CheckConstraint(
                condition=Q(decision="accept") | ~Q(note=""), name="review_return_needs_note"
            ),
            models.CheckConstraint(
                condition=Q(note__length__lte=NOTE_MAX), name="review_note_length"
            ),
        ]

    def __str__(self):
        return f"{self.assessment} · {self.get_decision_display()}"


class ReviewItem(models.Model):
    """The supervisor's own rating and comment on one item."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey("pledges.ApplicationItem", on_delete=models.PROTECT, related_name="+")
    rating = models.PositiveSmallIntegerField(_("supervisor's rating"), null=True, blank=True)
    comment = models.TextField(
        _("supervisor's comment"),
        max_length=COMMENT_MAX,
        blank=True,
        validators=[validate_visible_text],
    )

    class Meta:
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        ordering = ["review", "item__position"]
        constraints = [
            models.UniqueConstraint(fields=["review", "item"], name="review_item_one_per_item"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True)
                | Q(rating__gte=RATING_MIN, rating__lte=RATING_MAX),
                name="review_item_rating_range",
            ),
            models.CheckConstraint(
                condition=Q(comment__length__lte=COMMENT_MAX), name="review_item_comment_length"
            ),
        ]

    def __str__(self):
        return f"{self.review} · {self.item_id}"


# ----------------------------------------------------------------------------- summaries


class ItemSummary(models.Model):
    """Counts of each rating of one item among an office's counted assessments in a cycle."""

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    cycle = models.ForeignKey("pledges.Cycle", on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey("pledges.ApplicationItem", on_delete=models.CASCADE, related_name="+")
    count_1 = models.PositiveIntegerField(_("rated 1"), default=0)
    count_2 = models.PositiveIntegerField(_("rated 2"), default=0)
    count_3 = models.PositiveIntegerField(_("rated 3"), default=0)
    count_4 = models.PositiveIntegerField(_("rated 4"), default=0)
    count_na = models.PositiveIntegerField(_("not applicable"), default=0)
    respondents = models.PositiveIntegerField(_("respondents"), default=0)

    class Meta:
        db_table = "reports_itemsummary"  # made by the reports app, which used to keep it
        verbose_name = _("item summary")
        verbose_name_plural = _("item summaries")
        constraints = [
            models.UniqueConstraint(fields=["office", "cycle", "item"], name="item_summary_unique"),
            models.CheckConstraint(
                condition=Q(
                    respondents__gte=models.F("count_1")
                    + models.F("count_2")
                    + models.F("count_3")
                    + models.F("count_4")
                    + models.F("count_na")
                ),
                name="item_summary_counts_within_respondents",
            ),
        ]
        indexes = [models.Index(fields=["cycle", "office"], name="item_summary_cycle_idx")]

    def __str__(self):
        return f"{self.office_id}/{self.cycle_id}/{self.item_id}: {self.respondents}"


class ParticipationSummary(models.Model):
    """How many of an office's assessments in a cycle are counted, and how many accepted."""

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    cycle = models.ForeignKey("pledges.Cycle", on_delete=models.CASCADE, related_name="+")
    submitted = models.PositiveIntegerField(_("submitted or accepted"), default=0)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    version = models.PositiveBigIntegerField(
        _("version"),
        default=0,
        help_text=_(
            "Raised whenever the office's figures in the cycle change; never lowered, so "
            "caches of figures computed from them can key on it."
        ),
    )

    class Meta:
        db_table = "reports_participationsummary"
        verbose_name = _("participation summary")
        verbose_name_plural = _("participation summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "cycle"], name="participation_summary_unique"
            ),
            models.CheckConstraint(
                condition=Q(submitted__gte=models.F("accepted")),
                name="participation_accepted_within_submitted",
            ),
        ]
        indexes = [models.Index(fields=["cycle", "office"], name="participation_cycle_idx")]

    def __str__(self):
        return f"{self.office_id}/{self.cycle_id}: {self.submitted} ({self.accepted})"
