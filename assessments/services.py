"""Every write to assessments and reviews. Each locks the assessment row first.

All state changes go through `_change_state`, the single place where a transition is
recorded, audited and announced, and where the report summaries are kept current.
`assessments_import` alone loads finished history in bulk, with its own times, and then
rebuilds the summaries.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.audit import audit_record
from accounts.models import Membership, User
from accounts.permissions import shown_name
from core.mail import send_templated_email
from education.models import Registration
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
from .summaries import summaries_apply, summaries_rebuild

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


# Built once (putting it together costs as much as running it); never evaluated itself.
_LOCKED = Assessment.objects.select_for_update(of=("self",)).select_related(
    "cycle", "cycle__edition", "user", "office", "reviewer"
)


def _lock(assessment: Assessment) -> Assessment:
    """The assessment re-read under a row lock, with what the checks need."""
    return _LOCKED.get(pk=assessment.pk)


def require_open(cycle: Cycle) -> None:
    """Refuse any change once the cycle has closed."""
    if not cycle.is_open():
        raise AssessmentRefused(
            _("The %(cycle)s cycle is closed; assessments can no longer be changed.")
            % {"cycle": cycle.name},
            status=403,
        )


def _require_owner(assessment: Assessment, by: User) -> None:
    if assessment.user_id != by.pk:
        raise AssessmentRefused(_("Only the person assessed can change these answers."), status=403)


def require_editable(assessment: Assessment) -> None:
    """Refuse changes to answers once submitted (until returned or reopened)."""
    if not assessment.is_editable:
        raise AssessmentRefused(
            _("This assessment is %(state)s and can no longer be edited.")
            % {"state": assessment.get_state_display().lower()},
            status=409,
        )


def require_submittable(assessment: Assessment) -> None:
    """Refuse to submit what is already submitted or accepted."""
    if not assessment.is_editable:
        raise AssessmentRefused(
            _("This assessment is already %(state)s.")
            % {"state": assessment.get_state_display().lower()}
        )


def require_submitted(assessment: Assessment) -> None:
    """Refuse to review anything but a submitted assessment."""
    if assessment.state != State.SUBMITTED:
        raise AssessmentRefused(
            _("Only a submitted assessment can be reviewed; this one is %(state)s.")
            % {"state": assessment.get_state_display().lower()}
        )


ELECTION_WORKERS_NOT_ASSESSED = _lazy(
    "Election workers sign the pledge but do not take the self-assessment. Nothing was "
    "created. If your role has changed, ask your office manager."
)


def require_assessed(membership: Membership | None) -> None:
    """Refuse the self-assessment to an election worker: they are never asked for it."""
    if membership is not None and membership.role == Membership.Role.ELECTION_WORKER:
        raise AssessmentRefused(str(ELECTION_WORKERS_NOT_ASSESSED), status=403)


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

        # Names as this recipient may read them: a confidential participant's only for
        # themselves and their office's manager and records officer.
        def name(someone, recipient=person):
            if someone is None:
                return ""
            return shown_name(someone, recipient, office_id=assessment.office_id)

        send_templated_email(
            to=person.email,
            template=f"assessments/email/{template}",
            language=person.preferred_language,
            context={
                "recipient": person,
                "assessment": assessment,
                "official": assessment.user,
                "official_name": name(assessment.user),
                "by_name": name(by),
                "reviewer_name": name(assessment.reviewer if assessment.reviewer_id else None),
                "cycle": assessment.cycle,
                "by": by,
                "note": note,
                "path": reverse("assessments:assessment-detail", args=[assessment.pk]),
                "review_path": reverse("assessments:assessment-review", args=[assessment.pk]),
            },
        )


def _stamp(assessment: Assessment, to_state: str, now) -> list[str]:
    """Set the state, version and times of a move to `to_state`; the fields changed."""
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
    return fields


def _assign_reviewer(assessment: Assessment) -> bool:
    """The official's supervisor becomes the reviewer; True if that changed it."""
    membership = _current_membership(assessment.user)
    if (
        membership is None
        or not membership.reports_to_id
        or membership.reports_to_id == assessment.reviewer_id
    ):
        return False
    assessment.reviewer_id = membership.reports_to_id
    assessment.reviewer = membership.reports_to
    return True


def _notify(*, assessment: Assessment, action: str, by: User, note: str) -> None:
    """Email the people a state change concerns, never the person who made it."""
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


def _change_state(
    *, assessment: Assessment, action: str, to_state: str, by: User, note: str = ""
) -> Transition:
    """Move a locked assessment to a new state: record, keep the summaries, audit, notify."""
    now = timezone.now()
    from_state = assessment.state
    fields = _stamp(assessment, to_state, now)
    # Reporting lines decide the reviewer at first submission; managers reassign after.
    first = action == Transition.Action.SUBMITTED
    if (first or (assessment.reviewer_id is None and to_state == State.SUBMITTED)) and (
        _assign_reviewer(assessment)
    ):
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
    _notify(assessment=assessment, action=action, by=by, note=note)
    return transition


# ----------------------------------------------------------------------------- the official


@transaction.atomic
def assessment_start(*, user: User, cycle: Cycle, copy_previous: bool = False) -> Assessment:
    """Find or create the person's assessment for the cycle, optionally from last cycle's."""
    require_open(cycle)
    membership = _current_membership(user)
    if membership is None:
        raise AssessmentRefused(
            _("You need to belong to an office to assess yourself."), status=403
        )
    require_assessed(membership)
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


def _copied_answers(assessment, earlier, items, version, now) -> list[ItemResponse]:
    """Last cycle's answers for the items not answered yet. Editions may differ between
    cycles: the same standard and item number is the same item."""
    by_code = {(i.standard.number, i.number): i for i in items.values()}
    existing = {r.item_id: r for r in assessment.responses.all()}
    copies = []
    for old in ItemResponse.objects.filter(assessment=earlier).select_related("item__standard"):
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
                changed_in_version=version,
                updated_at=now,
            )
        )
    return copies


def _copied_goals(assessment, earlier, items, version, now) -> list[StandardGoal]:
    """Last cycle's goals for the standards without one. Their target dates have passed:
    the person sets new ones."""
    existing = {g.standard_id: g for g in assessment.goals.all()}
    standards = {i.standard.number: i.standard for i in items.values()}
    goals = []
    for old in StandardGoal.objects.filter(assessment=earlier).select_related("standard"):
        standard = standards.get(old.standard.number)
        if standard is None or (standard.pk in existing and existing[standard.pk].goal):
            continue
        goals.append(
            StandardGoal(
                assessment=assessment,
                standard=standard,
                goal=old.goal,
                changed_in_version=version,
                updated_at=now,
            )
        )
    return goals


@transaction.atomic
def assessment_copy_previous(*, assessment: Assessment, by: User, version: int) -> Assessment:
    """Copy last cycle's answers and goals into the items not yet answered; stays a draft."""
    assessment = _lock(assessment)
    _require_owner(assessment, by)
    require_open(assessment.cycle)
    require_editable(assessment)
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
    now = timezone.now()
    assessment.version += 1
    copies = _copied_answers(assessment, earlier, items, assessment.version, now)
    _upsert_responses(copies)
    _upsert_goals(_copied_goals(assessment, earlier, items, assessment.version, now))
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


def _answer_key(answer: Answer) -> tuple:
    reason = answer.na_reason if answer.not_applicable else ""
    return (answer.rating, answer.not_applicable, reason, answer.comment)


def _validate_save(assessment, items: dict, answers: dict, goals: dict) -> None:
    if set(answers) - set(items):
        raise InvalidAnswers(_("The form contained items that are not part of this assessment."))
    if set(goals) - {item.standard_id for item in items.values()}:
        raise InvalidAnswers(
            _("The form contained standards that are not part of this assessment.")
        )
    scale = _scale(assessment)
    for item_id, answer in answers.items():
        _validate_answer(item_id, answer, scale)
    for goal in goals.values():
        _check_text(goal.goal, GOAL_MAX, _("An improvement goal"))


def _saved(assessment: Assessment) -> tuple[dict, dict]:
    """The saved answers and goals as plain rows, by item and by standard (two queries)."""
    answers = {
        row[0]: row[1:]
        for row in assessment.responses.values_list(
            "item_id", "rating", "not_applicable", "na_reason", "comment", "changed_in_version"
        )
    }
    goals = {
        row[0]: row[1:]
        for row in assessment.goals.values_list(
            "standard_id", "goal", "target_date", "changed_in_version"
        )
    }
    return answers, goals


def _refuse_conflicts(assessment, items, version, answers, goals, saved, saved_goals) -> None:
    """Saved elsewhere since the form was loaded at `version`: refuse if anything changed
    since then is now sent differently. A double click or an identical save is no conflict."""
    changes = [
        {
            "item": items[item_id],
            "response": ItemResponse(
                item_id=item_id, rating=row[0], not_applicable=row[1], na_reason=row[2],
                comment=row[3],
            ),
        }
        for item_id, row in saved.items()
        if row[4] > version and item_id in answers and row[:4] != _answer_key(answers[item_id])
    ]  # fmt: skip
    changes.sort(key=lambda c: c["item"].position)
    standards = {i.standard_id: i.standard for i in items.values()}
    goal_changes = sorted(
        (
            standard_id
            for standard_id, row in saved_goals.items()
            if row[2] > version
            and standard_id in goals
            and row[:2] != (goals[standard_id].goal, goals[standard_id].target_date)
        ),
        key=lambda pk: standards[pk].number,
    )
    for standard_id in goal_changes:
        goal, target_date, _changed = saved_goals[standard_id]
        changes.append(
            {
                "standard": standards[standard_id],
                "goal": StandardGoal(goal=goal, target_date=target_date),
            }
        )
    if changes:
        raise SaveConflict(
            _(
                "This assessment was saved elsewhere (another tab or device) after you "
                "opened it. Nothing of yours was saved and nothing was overwritten."
            ),
            current_version=assessment.version,
            changes=changes,
        )


def _changed_rows(assessment, answers, goals, saved, saved_goals, version, now):
    """The answers and goals that differ from what is saved, as rows to write. They were
    validated above (`_validate_save`) and the database's constraints hold them too."""
    rows = [
        ItemResponse(
            assessment=assessment,
            item_id=item_id,
            rating=answer.rating,
            not_applicable=answer.not_applicable,
            na_reason=answer.na_reason if answer.not_applicable else "",
            comment=answer.comment,
            changed_in_version=version,
            updated_at=now,
        )
        for item_id, answer in answers.items()
        if (saved[item_id][:4] != _answer_key(answer) if item_id in saved else not answer.is_blank)
    ]
    goal_rows = [
        StandardGoal(
            assessment=assessment,
            standard_id=standard_id,
            goal=goal.goal,
            target_date=goal.target_date,
            changed_in_version=version,
            updated_at=now,
        )
        for standard_id, goal in goals.items()
        if (
            saved_goals[standard_id][:2] != (goal.goal, goal.target_date)
            if standard_id in saved_goals
            else goal.goal or goal.target_date is not None
        )
    ]
    return rows, goal_rows


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
    require_open(assessment.cycle)
    require_editable(assessment)
    items = _edition_items(assessment)
    _validate_save(assessment, items, answers, goals)
    saved, saved_goals = _saved(assessment)
    if assessment.version != version:
        _refuse_conflicts(assessment, items, version, answers, goals, saved, saved_goals)
    now = timezone.now()
    rows, goal_rows = _changed_rows(
        assessment, answers, goals, saved, saved_goals, assessment.version + 1, now
    )
    if not rows and not goal_rows:
        return assessment
    _upsert_responses(rows)
    _upsert_goals(goal_rows)
    assessment.version += 1
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
    require_open(assessment.cycle)
    require_submittable(assessment)
    # A draft begun before the person became an election worker stays a draft: their
    # figures are never counted.
    require_assessed(_current_membership(by))
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


def _check_review(assessment: Assessment, by: User, decision: str, note: str, items) -> None:
    """Refuse a review by anyone but the assigned reviewer, out of turn, or off the scale."""
    if assessment.user_id == by.pk:
        raise AssessmentRefused(_("You cannot review your own assessment."), status=403)
    if assessment.reviewer_id != by.pk:
        raise AssessmentRefused(
            _("Only the assigned reviewer can review this assessment."), status=403
        )
    require_open(assessment.cycle)
    require_submitted(assessment)
    if decision not in Review.Decision.values:
        raise InvalidAnswers(_("Choose to accept the assessment or return it for revision."))
    if decision == Review.Decision.RETURN and not note.strip():
        raise InvalidAnswers(_("Say what to revise when you return an assessment."))
    _check_text(note, NOTE_MAX, _("The note"))
    if set(items) - set(_edition_items(assessment)):
        raise InvalidAnswers(_("The form contained items that are not part of this assessment."))
    scale = _scale(assessment)
    for answer in items.values():
        if answer.rating is not None and answer.rating not in scale:
            raise InvalidAnswers(_("A rating must be one of the scale's values."))
        _check_text(answer.comment, COMMENT_MAX, _("A comment"))


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
    _check_review(assessment, by, decision, note, items)
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
    accepted = decision == Review.Decision.ACCEPT
    _change_state(
        assessment=assessment,
        action=Transition.Action.ACCEPTED if accepted else Transition.Action.RETURNED,
        to_state=State.ACCEPTED if accepted else State.RETURNED,
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
    require_open(assessment.cycle)
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
    require_open(assessment.cycle)
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


# ----------------------------------------------------------------------------- importing history

# For whoever loads history from elsewhere (a script or a command): like the management
# commands, its own messages are in English only.


@dataclass(frozen=True)
class ReviewRecord:
    """A finished review to import: the review and the reviewer's item ratings, unsaved."""

    review: Review
    items: Sequence[ReviewItem] = ()


@dataclass(frozen=True)
class AssessmentRecord:
    """A finished assessment to import with everything that belongs to it, all unsaved;
    the import links each part to the assessment."""

    assessment: Assessment
    responses: Sequence[ItemResponse] = ()
    goals: Sequence[StandardGoal] = ()
    transitions: Sequence[Transition] = ()
    reviews: Sequence[ReviewRecord] = ()


# The states each action moves an assessment between, as `_change_state` records them.
_STEPS = {
    Transition.Action.SUBMITTED: (State.DRAFT, State.SUBMITTED),
    Transition.Action.RESUBMITTED: (State.RETURNED, State.SUBMITTED),
    Transition.Action.RETURNED: (State.SUBMITTED, State.RETURNED),
    Transition.Action.ACCEPTED: (State.SUBMITTED, State.ACCEPTED),
    Transition.Action.REOPENED: (State.ACCEPTED, State.RETURNED),
}


def _clean(instance, *exclude: str) -> None:
    # Relations and constraints are checked by the import itself: both cost a query a row.
    instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)


def _import_check_assessment(record: AssessmentRecord) -> None:
    assessment = record.assessment
    if assessment.pk is not None:
        raise ValidationError("The assessment is already saved.")
    if None in (assessment.user_id, assessment.office_id, assessment.cycle_id):
        raise ValidationError("An assessment needs a person, an office and a cycle.")
    _clean(assessment, "user", "office", "cycle", "reviewer")
    if assessment.version < 1:
        raise ValidationError("The version starts at 1.")
    if assessment.reviewer_id is not None and assessment.reviewer_id == assessment.user_id:
        raise ValidationError("Nobody can review their own assessment.")
    if (assessment.submitted_at is None) != (assessment.state == State.DRAFT):
        raise ValidationError("Every assessment but a draft has a submission time.")
    if (assessment.accepted_at is None) == (assessment.state == State.ACCEPTED):
        raise ValidationError("An accepted assessment, and only one, has an acceptance time.")
    state = State.DRAFT
    for transition in record.transitions:
        _clean(transition, "assessment", "by")
        _check_text(transition.note, NOTE_MAX, _("The note"))
        step = (transition.from_state, transition.to_state)
        if transition.by_id is None or state != step[0] or _STEPS.get(transition.action) != step:
            raise ValidationError("Each transition must follow from the one before.")
        state = transition.to_state
    if state != assessment.state:
        raise ValidationError("The transitions must lead from draft to the assessment's state.")


def _import_check_answers(
    record: AssessmentRecord, items: dict[int, ApplicationItem], scale: set[int]
) -> None:
    seen = set()
    for response in record.responses:
        if response.item_id not in items:
            raise ValidationError("An answer is to an item that is not part of this assessment.")
        if response.item_id in seen:
            raise ValidationError("An item is answered twice.")
        seen.add(response.item_id)
        _clean(response, "assessment", "item")
        answer = Answer(
            rating=response.rating,
            not_applicable=response.not_applicable,
            na_reason=response.na_reason,
            comment=response.comment,
        )
        _validate_answer(response.item_id, answer, scale)
    answered = {response.item_id for response in record.responses if response.is_answered}
    if record.assessment.state != State.DRAFT and answered != set(items):
        raise ValidationError("A submitted assessment answers every item.")
    standards = {item.standard_id for item in items.values()}
    chosen = [goal.standard_id for goal in record.goals]
    if set(chosen) - standards or len(set(chosen)) != len(chosen):
        raise ValidationError("A goal is for a standard that is not part of this assessment.")
    for goal in record.goals:
        _clean(goal, "assessment", "standard")
        _check_text(goal.goal, GOAL_MAX, _("An improvement goal"))


def _import_check_reviews(
    record: AssessmentRecord, items: dict[int, ApplicationItem], scale: set[int]
) -> None:
    for entry in record.reviews:
        review = entry.review
        _clean(review, "assessment", "reviewer")
        if review.reviewer_id is None or review.reviewer_id == record.assessment.user_id:
            raise ValidationError("A review needs a reviewer other than the person assessed.")
        if review.decision == Review.Decision.RETURN and not review.note.strip():
            raise ValidationError("Say what to revise when you return an assessment.")
        _check_text(review.note, NOTE_MAX, _("The note"))
        rated = set()
        for row in entry.items:
            if row.item_id not in items or row.item_id in rated:
                raise ValidationError(
                    "A review rates an item that is not part of this assessment, or twice."
                )
            rated.add(row.item_id)
            _clean(row, "review", "item")
            if row.rating is not None and row.rating not in scale:
                raise ValidationError("A rating must be one of the scale's values.")
            _check_text(row.comment, COMMENT_MAX, _("A comment"))


def _import_check(records: Sequence[AssessmentRecord]) -> None:
    """Refuse the whole import, naming the first record the models' rules would not allow."""
    for number, record in enumerate(records, start=1):
        try:
            _import_check_assessment(record)
            items = _edition_items(record.assessment)
            scale = _scale(record.assessment)
            _import_check_answers(record, items, scale)
            _import_check_reviews(record, items, scale)
        except (ValidationError, InvalidAnswers) as error:
            messages = error.messages if isinstance(error, ValidationError) else [error.message]
            problem = " ".join(messages)
            raise ValidationError(
                "Assessment %(number)d: %(problem)s",
                code="invalid",
                params={"number": number, "problem": problem},
            ) from None
    keys = [(r.assessment.user_id, r.assessment.cycle_id) for r in records]
    existing = (
        Assessment.objects.filter(
            user_id__in={user for user, _cycle in keys}, cycle_id__in={c for _user, c in keys}
        )
        .order_by()
        .values_list("user_id", "cycle_id")
    )
    if len(set(keys)) != len(keys) or set(existing) & set(keys):
        raise ValidationError("A person can have only one assessment in a cycle.")


@transaction.atomic
def assessments_import(*, records: Sequence[AssessmentRecord]) -> list[Assessment]:
    """Load finished assessments kept elsewhere, with their history, in bulk; all or nothing."""
    if not records:
        return []
    _import_check(records)
    assessments = Assessment.objects.bulk_create([record.assessment for record in records])
    entries = [entry for record in records for entry in record.reviews]
    for record in records:
        reviews = [entry.review for entry in record.reviews]
        for part in (*record.responses, *record.goals, *record.transitions, *reviews):
            part.assessment = record.assessment
    ItemResponse.objects.bulk_create([row for record in records for row in record.responses])
    StandardGoal.objects.bulk_create([row for record in records for row in record.goals])
    Transition.objects.bulk_create([row for record in records for row in record.transitions])
    Review.objects.bulk_create([entry.review for entry in entries])
    for entry in entries:
        for row in entry.items:
            row.review = entry.review
    ReviewItem.objects.bulk_create([row for entry in entries for row in entry.items])
    if any(a.state in Assessment.COUNTED_STATES for a in assessments):
        summaries_rebuild()
    return assessments


# ----------------------------------------------------------------------------- goals and courses


@transaction.atomic
def goal_registration_link(
    *, goal: StandardGoal, by: User, registration: Registration | None
) -> StandardGoal:
    """Link one of the person's own course registrations to their improvement goal, or
    remove the link (`registration=None`). A second identical post changes nothing."""
    goal = (
        StandardGoal.objects.select_for_update()
        .select_related("assessment__office", "standard")
        .get(pk=goal.pk)
    )
    _require_owner(goal.assessment, by)
    if not goal.goal.strip():
        raise InvalidAnswers(_("Write the improvement goal first, then link a course to it."))
    if registration is not None and (
        registration.user_id != by.pk or registration.cancelled_at is not None
    ):
        raise InvalidAnswers(_("Choose one of your own course registrations."))
    new_id = registration.pk if registration is not None else None
    if goal.registration_id == new_id:
        return goal
    previous_id = goal.registration_id
    goal.registration = registration
    goal.updated_at = timezone.now()
    goal.save(update_fields=["registration", "updated_at"])
    audit_record(
        action="assessment.goal_registration",
        actor=by,
        obj=goal.assessment,
        office=goal.assessment.office,
        standard=goal.standard.number,
        registration=new_id,
        course=registration.offering.course.title if registration is not None else None,
        previous_registration=previous_id,
    )
    return goal
