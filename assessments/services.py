"""Every write to assessments and reviews. Each locks the assessment row first.

All state changes go through `_change_state`, the single place where a transition is
recorded, audited and announced, and where the report summaries are kept current.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import Membership, User
from core.mail import send_templated_email
from pledges.models import ApplicationItem, Cycle
from pledges.selectors import previous_cycle

from .models import (
    COMMENT_MAX,
    GOAL_MAX,
    NA_REASON_MAX,
    NOTE_MAX,
    Assessment,
    ItemResponse,
    Review,
    ReviewItem,
    StandardGoal,
    Transition,
)
from .selectors import rating_scale, standards_with_items
from .summaries import summaries_apply

State = Assessment.State


class AssessmentRefused(Exception):
    """The action is not allowed now; `status` is the HTTP status a view should answer with."""

    def __init__(self, message: str, *, status: int = 409):
        super().__init__(message)
        self.message = message
        self.status = status


class InvalidAnswers(AssessmentRefused):
    """Answers that break the scale or the rules; nothing was saved."""

    def __init__(self, message: str, *, errors: dict | None = None):
        super().__init__(message, status=400)
        self.errors = errors or {}


class SaveConflict(AssessmentRefused):
    """The assessment changed since the form was loaded; `changes` says what."""

    def __init__(self, message: str, *, current_version: int, changes: list[dict]):
        super().__init__(message, status=409)
        self.current_version = current_version
        self.changes = changes


@dataclass(frozen=True)
class Answer:
    rating: int | None = None
    not_applicable: bool = False
    na_reason: str = ""
    comment: str = ""

    @property
    def is_blank(self) -> bool:
        return self.rating is None and not self.not_applicable and not self.comment


@dataclass(frozen=True)
class Goal:
    goal: str = ""
    target_date: datetime.date | None = None


@dataclass(frozen=True)
class ReviewAnswer:
    rating: int | None = None
    comment: str = ""


# ----------------------------------------------------------------------------- helpers


def _lock(assessment: Assessment) -> Assessment:
    """The assessment re-read under a row lock, with what the checks need."""
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("cycle", "cycle__edition", "user", "office", "reviewer")
        .get(pk=assessment.pk)
    )


def _require_open(cycle: Cycle) -> None:
    if not cycle.is_open():
        raise AssessmentRefused(
            _("The %(cycle)s cycle is closed; assessments can no longer be changed.")
            % {"cycle": cycle.name},
            status=403,
        )


def _require_owner(assessment: Assessment, by: User) -> None:
    if assessment.user_id != by.pk:
        raise AssessmentRefused(_("Only the person assessed can change these answers."), status=403)


def _require_editable(assessment: Assessment) -> None:
    if not assessment.is_editable:
        raise AssessmentRefused(
            _("This assessment is %(state)s and can no longer be edited.")
            % {"state": assessment.get_state_display().lower()},
            status=409,
        )


def _current_membership(user: User) -> Membership | None:
    return (
        Membership.objects.filter(user=user, ended_at__isnull=True)
        .select_related("office", "reports_to")
        .first()
    )


def _edition_items(assessment: Assessment) -> dict[int, ApplicationItem]:
    """The edition's items by id, each with its standard (read once per process)."""
    standards = standards_with_items(assessment.cycle.edition_id)
    return {item.pk: item for standard in standards for item in standard.items.all()}


def _scale(assessment: Assessment) -> set[int]:
    return {level.value for level in rating_scale(assessment.cycle.edition_id)}


def _check_text(value: str, limit: int, label: str) -> None:
    if len(value) > limit:
        raise InvalidAnswers(
            _("%(label)s is too long: at most %(limit)d characters.")
            % {"label": label, "limit": limit}
        )


def _email_people(
    *, assessment: Assessment, template: str, recipients: list[User], by: User, note: str = ""
) -> None:
    from django.urls import reverse

    seen = set()
    for person in recipients:
        if person is None or person.pk in seen or not person.email:
            continue
        seen.add(person.pk)
        send_templated_email(
            to=person.email,
            template=f"assessments/email/{template}",
            language=person.preferred_language,
            context={
                "recipient": person,
                "assessment": assessment,
                "official": assessment.user,
                "cycle": assessment.cycle,
                "by": by,
                "note": note,
                "path": reverse("assessments:assessment-detail", args=[assessment.pk]),
                "review_path": reverse("assessments:assessment-review", args=[assessment.pk]),
            },
        )


def _change_state(
    *, assessment: Assessment, action: str, to_state: str, by: User, note: str = ""
) -> Transition:
    """Move a locked assessment to a new state: record, audit, notify."""
    now = timezone.now()
    from_state = assessment.state
    assessment.state = to_state
    assessment.version += 1
    assessment.updated_at = now
    fields = ["state", "version", "updated_at"]
    if to_state == State.SUBMITTED:
        assessment.submitted_at = now
        fields.append("submitted_at")
    if to_state == State.ACCEPTED:
        assessment.accepted_at = now
        fields.append("accepted_at")
    elif assessment.accepted_at is not None:
        assessment.accepted_at = None
        fields.append("accepted_at")
    if action == Transition.Action.SUBMITTED or (
        assessment.reviewer_id is None and to_state == State.SUBMITTED
    ):
        # Reporting lines decide the reviewer at first submission; managers reassign after.
        membership = _current_membership(assessment.user)
        if (
            membership is not None
            and membership.reports_to_id
            and membership.reports_to_id != assessment.reviewer_id
        ):
            assessment.reviewer_id = membership.reports_to_id
            assessment.reviewer = membership.reports_to
            fields.append("reviewer")
    assessment.full_clean(validate_constraints=False, validate_unique=False)
    assessment.save(update_fields=fields)
    summaries_apply(assessment=assessment, from_state=from_state, to_state=to_state)
    transition = Transition(
        assessment=assessment,
        action=action,
        from_state=from_state,
        to_state=to_state,
        by=by,
        at=now,
        note=note,
    )
    transition.full_clean(exclude=["assessment", "by"], validate_constraints=False)
    transition.save()
    audit_record(
        action=f"assessment.{action}",
        actor=by,
        obj=assessment,
        office=assessment.office,
        from_state=from_state,
        to_state=to_state,
        version=assessment.version,
        note=note or None,
    )
    reviewer = assessment.reviewer if assessment.reviewer_id else None
    if action in (Transition.Action.SUBMITTED, Transition.Action.RESUBMITTED):
        recipients = [reviewer]
    elif action == Transition.Action.REOPENED:
        recipients = [assessment.user, reviewer]
    else:
        recipients = [assessment.user]
    _email_people(
        assessment=assessment,
        template=action,
        recipients=[p for p in recipients if p is not None and p.pk != by.pk],
        by=by,
        note=note,
    )
    return transition


# ----------------------------------------------------------------------------- the official


@transaction.atomic
def assessment_start(*, user: User, cycle: Cycle, copy_previous: bool = False) -> Assessment:
    """Find or create the person's assessment for the cycle, optionally from last cycle's."""
    _require_open(cycle)
    membership = _current_membership(user)
    if membership is None:
        raise AssessmentRefused(
            _("You need to belong to an office to assess yourself."), status=403
        )
    assessment, created = Assessment.objects.get_or_create(
        user=user,
        cycle=cycle,
        defaults={"office": membership.office, "reviewer_id": membership.reports_to_id},
    )
    if created:
        audit_record(
            action="assessment.started", actor=user, obj=assessment, office=membership.office
        )
    if copy_previous:
        assessment = assessment_copy_previous(
            assessment=assessment, by=user, version=assessment.version
        )
    return assessment


@transaction.atomic
def assessment_copy_previous(*, assessment: Assessment, by: User, version: int) -> Assessment:
    """Copy last cycle's answers and goals into the items not yet answered; stays a draft."""
    assessment = _lock(assessment)
    _require_owner(assessment, by)
    _require_open(assessment.cycle)
    _require_editable(assessment)
    if assessment.version != version:
        raise SaveConflict(
            _("Your assessment changed since you opened this page. Reload it and try again."),
            current_version=assessment.version,
            changes=[],
        )
    earlier_cycle = previous_cycle(assessment.cycle)
    earlier = (
        Assessment.objects.filter(user=assessment.user, cycle=earlier_cycle).first()
        if earlier_cycle
        else None
    )
    if earlier is None:
        raise AssessmentRefused(_("There is no assessment from last cycle to start from."))
    items = _edition_items(assessment)
    by_code = {(i.standard.number, i.number): i for i in items.values()}
    existing = {r.item_id: r for r in assessment.responses.all()}
    new_version = assessment.version + 1
    now = timezone.now()
    copies = []
    for old in ItemResponse.objects.filter(assessment=earlier).select_related("item__standard"):
        # Editions may differ between cycles; the same standard and item number is the same item.
        item = by_code.get((old.item.standard.number, old.item.number))
        if item is None or (item.pk in existing and existing[item.pk].is_answered):
            continue
        copies.append(
            ItemResponse(
                assessment=assessment,
                item=item,
                rating=old.rating,
                not_applicable=old.not_applicable,
                na_reason=old.na_reason,
                comment=old.comment,
                changed_in_version=new_version,
                updated_at=now,
            )
        )
    _upsert_responses(copies)
    goals = []
    existing_goals = {g.standard_id: g for g in assessment.goals.all()}
    standards = {i.standard.number: i.standard for i in items.values()}
    for old in StandardGoal.objects.filter(assessment=earlier).select_related("standard"):
        standard = standards.get(old.standard.number)
        if standard is None or (standard.pk in existing_goals and existing_goals[standard.pk].goal):
            continue
        # Last cycle's target date has passed; the person sets a new one.
        goals.append(
            StandardGoal(
                assessment=assessment,
                standard=standard,
                goal=old.goal,
                changed_in_version=new_version,
                updated_at=now,
            )
        )
    _upsert_goals(goals)
    assessment.version = new_version
    assessment.updated_at = now
    assessment.save(update_fields=["version", "updated_at"])
    audit_record(
        action="assessment.copied_previous",
        actor=by,
        obj=assessment,
        office=assessment.office,
        items=len(copies),
        from_assessment=earlier.pk,
    )
    return assessment


def _upsert_responses(rows: list[ItemResponse]) -> None:
    if rows:
        ItemResponse.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["assessment", "item"],
            update_fields=[
                "rating",
                "not_applicable",
                "na_reason",
                "comment",
                "changed_in_version",
                "updated_at",
            ],
        )


def _upsert_goals(rows: list[StandardGoal]) -> None:
    if rows:
        StandardGoal.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["assessment", "standard"],
            update_fields=["goal", "target_date", "changed_in_version", "updated_at"],
        )


def _validate_answer(item_id: int, answer: Answer, scale: set[int]) -> None:
    if answer.not_applicable:
        if answer.rating is not None:
            raise InvalidAnswers(_("An item cannot be both rated and not applicable."))
        if not answer.na_reason.strip():
            raise InvalidAnswers(
                _("Give a short reason for each item you mark not applicable."),
                errors={item_id: "na_reason"},
            )
    if answer.rating is not None and (
        not isinstance(answer.rating, int)
        or isinstance(answer.rating, bool)
        or answer.rating not in scale
    ):
        raise InvalidAnswers(
            _("A rating must be one of the scale's values: %(values)s.")
            % {"values": ", ".join(str(v) for v in sorted(scale))}
        )
    _check_text(answer.comment, COMMENT_MAX, _("A comment"))
    _check_text(answer.na_reason, NA_REASON_MAX, _("A not-applicable reason"))


def _response_key(response: ItemResponse) -> tuple:
    return (response.rating, response.not_applicable, response.na_reason, response.comment)


def _answer_key(answer: Answer) -> tuple:
    reason = answer.na_reason if answer.not_applicable else ""
    return (answer.rating, answer.not_applicable, reason, answer.comment)


@transaction.atomic
def assessment_save(
    *,
    assessment: Assessment,
    by: User,
    version: int,
    answers: dict[int, Answer],
    goals: dict[int, Goal] | None = None,
) -> Assessment:
    """Save a draft, writing only what changed; refuse to overwrite newer answers."""
    goals = goals or {}
    assessment = _lock(assessment)
    _require_owner(assessment, by)
    _require_open(assessment.cycle)
    _require_editable(assessment)
    items = _edition_items(assessment)
    foreign = set(answers) - set(items)
    if foreign:
        raise InvalidAnswers(_("The form contained items that are not part of this assessment."))
    standard_ids = {item.standard_id for item in items.values()}
    if set(goals) - standard_ids:
        raise InvalidAnswers(
            _("The form contained standards that are not part of this assessment.")
        )
    scale = _scale(assessment)
    for item_id, answer in answers.items():
        _validate_answer(item_id, answer, scale)
    for goal in goals.values():
        _check_text(goal.goal, GOAL_MAX, _("An improvement goal"))

    existing = {r.item_id: r for r in assessment.responses.all()}
    existing_goals = {g.standard_id: g for g in assessment.goals.all()}
    if assessment.version != version:
        # Saved elsewhere since this form was loaded. Only answers changed since then and
        # now submitted differently are conflicts; a double click or an identical save is not.
        standards = {i.standard_id: i.standard for i in items.values()}
        changes = [
            {"item": items[r.item_id], "response": r}
            for r in existing.values()
            if r.changed_in_version > version
            and r.item_id in answers
            and _response_key(r) != _answer_key(answers[r.item_id])
        ]
        changes.sort(key=lambda c: c["item"].position)
        goal_changes = [
            g
            for g in existing_goals.values()
            if g.changed_in_version > version
            and g.standard_id in goals
            and (g.goal, g.target_date)
            != (goals[g.standard_id].goal, goals[g.standard_id].target_date)
        ]
        for g in sorted(goal_changes, key=lambda g: standards[g.standard_id].number):
            changes.append({"standard": standards[g.standard_id], "goal": g})
        if changes:
            raise SaveConflict(
                _(
                    "This assessment was saved elsewhere (another tab or device) after you "
                    "opened it. Nothing of yours was saved and nothing was overwritten."
                ),
                current_version=assessment.version,
                changes=changes,
            )

    new_version = assessment.version + 1
    now = timezone.now()
    rows = []
    for item_id, answer in answers.items():
        old = existing.get(item_id)
        if old is None and answer.is_blank:
            continue
        if old is not None and _response_key(old) == _answer_key(answer):
            continue
        row = ItemResponse(
            assessment=assessment,
            item_id=item_id,
            rating=answer.rating,
            not_applicable=answer.not_applicable,
            na_reason=answer.na_reason if answer.not_applicable else "",
            comment=answer.comment,
            changed_in_version=new_version,
            updated_at=now,
        )
        row.full_clean(
            exclude=["assessment", "item"], validate_unique=False, validate_constraints=False
        )
        rows.append(row)
    goal_rows = []
    for standard_id, goal in goals.items():
        old = existing_goals.get(standard_id)
        if old is None and not goal.goal and goal.target_date is None:
            continue
        if old is not None and (old.goal, old.target_date) == (goal.goal, goal.target_date):
            continue
        row = StandardGoal(
            assessment=assessment,
            standard_id=standard_id,
            goal=goal.goal,
            target_date=goal.target_date,
            changed_in_version=new_version,
            updated_at=now,
        )
        row.full_clean(
            exclude=["assessment", "standard"], validate_unique=False, validate_constraints=False
        )
        goal_rows.append(row)
    if not rows and not goal_rows:
        return assessment
    _upsert_responses(rows)
    _upsert_goals(goal_rows)
    assessment.version = new_version
    assessment.updated_at = now
    assessment.save(update_fields=["version", "updated_at"])
    return assessment


def missing_items(assessment: Assessment) -> list[ApplicationItem]:
    """The edition's items this assessment has not yet answered, in order."""
    answered = ItemResponse.objects.filter(assessment=assessment).filter(
        Q(rating__isnull=False) | Q(not_applicable=True)
    )
    return list(
        ApplicationItem.objects.filter(standard__edition_id=assessment.cycle.edition_id)
        .exclude(pk__in=answered.values("item_id"))
        .select_related("standard")
        .order_by("position")
    )


@transaction.atomic
def assessment_submit(*, assessment: Assessment, by: User, note: str = "") -> Assessment:
    """Submit a complete draft (or a returned assessment) for review."""
    assessment = _lock(assessment)
    _require_owner(assessment, by)
    _require_open(assessment.cycle)
    if not assessment.is_editable:
        raise AssessmentRefused(
            _("This assessment is already %(state)s.")
            % {"state": assessment.get_state_display().lower()}
        )
    _check_text(note, NOTE_MAX, _("The note"))
    missing = missing_items(assessment)
    if missing:
        raise AssessmentRefused(
            _("Answer every item before submitting: %(count)d left.") % {"count": len(missing)},
            status=400,
        )
    action = (
        Transition.Action.RESUBMITTED
        if assessment.state == State.RETURNED
        else Transition.Action.SUBMITTED
    )
    _change_state(assessment=assessment, action=action, to_state=State.SUBMITTED, by=by, note=note)
    return assessment


# ----------------------------------------------------------------------------- the reviewer


@transaction.atomic
def assessment_review(
    *,
    assessment: Assessment,
    by: User,
    decision: str,
    note: str = "",
    items: dict[int, ReviewAnswer] | None = None,
) -> Review:
    """Record the reviewer's item ratings and decision: accept, or return with a note."""
    items = items or {}
    assessment = _lock(assessment)
    if assessment.user_id == by.pk:
        raise AssessmentRefused(_("You cannot review your own assessment."), status=403)
    if assessment.reviewer_id != by.pk:
        raise AssessmentRefused(
            _("Only the assigned reviewer can review this assessment."), status=403
        )
    _require_open(assessment.cycle)
    if assessment.state != State.SUBMITTED:
        raise AssessmentRefused(
            _("Only a submitted assessment can be reviewed; this one is %(state)s.")
            % {"state": assessment.get_state_display().lower()}
        )
    if decision not in Review.Decision.values:
        raise InvalidAnswers(_("Choose to accept the assessment or return it for revision."))
    if decision == Review.Decision.RETURN and not note.strip():
        raise InvalidAnswers(_("Say what to revise when you return an assessment."))
    _check_text(note, NOTE_MAX, _("The note"))
    edition_items = _edition_items(assessment)
    if set(items) - set(edition_items):
        raise InvalidAnswers(_("The form contained items that are not part of this assessment."))
    scale = _scale(assessment)
    for answer in items.values():
        if answer.rating is not None and answer.rating not in scale:
            raise InvalidAnswers(_("A rating must be one of the scale's values."))
        _check_text(answer.comment, COMMENT_MAX, _("A comment"))
    review = Review(
        assessment=assessment,
        reviewer=by,
        decision=decision,
        note=note,
        assessment_version=assessment.version,
    )
    review.full_clean(exclude=["assessment", "reviewer"], validate_constraints=False)
    review.save()
    ReviewItem.objects.bulk_create(
        ReviewItem(review=review, item_id=item_id, rating=a.rating, comment=a.comment)
        for item_id, a in items.items()
        if a.rating is not None or a.comment
    )
    if decision == Review.Decision.ACCEPT:
        _change_state(
            assessment=assessment,
            action=Transition.Action.ACCEPTED,
            to_state=State.ACCEPTED,
            by=by,
            note=note,
        )
    else:
        _change_state(
            assessment=assessment,
            action=Transition.Action.RETURNED,
            to_state=State.RETURNED,
            by=by,
            note=note,
        )
    return review


# ----------------------------------------------------------------------------- the office manager


def _require_manager(assessment: Assessment, by: User) -> None:
    membership = _current_membership(by)
    if (
        membership is None
        or membership.role != Membership.Role.MANAGER
        or membership.office_id != assessment.office_id
    ):
        raise AssessmentRefused(_("Only this office's manager can do this."), status=403)


@transaction.atomic
def assessment_reopen(*, assessment: Assessment, by: User, note: str) -> Assessment:
    """Reopen an accepted assessment so the official can revise it (office managers only)."""
    assessment = _lock(assessment)
    _require_manager(assessment, by)
    _require_open(assessment.cycle)
    if assessment.state != State.ACCEPTED:
        raise AssessmentRefused(_("Only an accepted assessment can be reopened."))
    if not note.strip():
        raise InvalidAnswers(_("Say why the assessment is reopened."))
    _check_text(note, NOTE_MAX, _("The note"))
    _change_state(
        assessment=assessment,
        action=Transition.Action.REOPENED,
        to_state=State.RETURNED,
        by=by,
        note=note,
    )
    return assessment


@transaction.atomic
def assessment_reassign_reviewer(*, assessment: Assessment, by: User, reviewer: User) -> Assessment:
    """Give the assessment another reviewer: a supervisor or manager of the same office."""
    assessment = _lock(assessment)
    _require_manager(assessment, by)
    _require_open(assessment.cycle)
    if assessment.state == State.ACCEPTED:
        raise AssessmentRefused(_("An accepted assessment needs no reviewer; reopen it first."))
    if reviewer.pk == assessment.user_id:
        raise InvalidAnswers(_("Nobody can review their own assessment."))
    eligible = Membership.objects.filter(
        user=reviewer,
        office_id=assessment.office_id,
        ended_at__isnull=True,
        role__in=[Membership.Role.SUPERVISOR, Membership.Role.MANAGER],
        user__is_active=True,
    ).exists()
    if not eligible:
        raise InvalidAnswers(_("The reviewer must be a supervisor or manager in this office."))
    if reviewer.pk == assessment.reviewer_id:
        return assessment
    previous = assessment.reviewer
    assessment.reviewer = reviewer
    assessment.updated_at = timezone.now()
    assessment.save(update_fields=["reviewer", "updated_at"])
    audit_record(
        action="assessment.reviewer_reassigned",
        actor=by,
        obj=assessment,
        office=assessment.office,
        previous_reviewer=previous.email if previous else None,
        reviewer=reviewer.email,
    )
    _email_people(
        assessment=assessment,
        template="reviewer_assigned",
        recipients=[reviewer, assessment.user],
        by=by,
    )
    return assessment
