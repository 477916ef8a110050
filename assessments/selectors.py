"""Reads for assessments, already scoped and joined; a fixed number of queries each."""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    DateField,
    DateTimeField,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from accounts.models import Membership, Office, User
from accounts.selectors import direct_reports, iso, person_ref, staff_listed
from education.models import Course
from education.selectors import (
    courses_addressing,
    ids_of,
    open_offerings,
    shown_hours,
    training_by_standard,
    with_addressed,
)
from pledges.models import ApplicationItem, Cycle, Edition, RatingLevel, Standard
from pledges.selectors import active_pledges_by_user

from .models import Assessment, ItemResponse, Review, ReviewItem, StandardGoal, Transition

GAP_THRESHOLD = 2


def assessment_for_user(user: User, cycle: Cycle) -> Assessment | None:
    return (
        Assessment.objects.filter(user=user, cycle=cycle)
        .select_related("cycle", "cycle__edition", "reviewer")
        .first()
    )


# An edition's text does not change once published (editions are loaded from fixtures and
# a new text is a new edition), so each server process reads its structure once, and
# builds once what depends on it alone (the form's fields, the grid's fragments). Saving
# or deleting any part of an edition empties the cache (an unpublished edition in the
# admin, and test databases).
_EDITION_CACHE: dict[tuple, object] = {}


def _forget_editions(**kwargs) -> None:
    _EDITION_CACHE.clear()


def per_edition(key: tuple, build):
    """What `build()` makes of an edition, kept for this process under `key`, whose
    first parts name the edition (and the language, when the result is in words)."""
    try:
        return _EDITION_CACHE[key]
    except KeyError:
        value = _EDITION_CACHE[key] = build()
        return value


for _model in (Edition, Standard, ApplicationItem, RatingLevel):
    post_save.connect(_forget_editions, sender=_model, dispatch_uid=f"edition-cache-{_model}")
    post_delete.connect(_forget_editions, sender=_model, dispatch_uid=f"edition-del-{_model}")


def standards_with_items(edition_id: int) -> list[Standard]:
    """The edition's standards, each with its items: two queries, then none in this process.

    The objects are shared between requests: read them, never change them.
    """
    key = ("standards", edition_id)
    if key not in _EDITION_CACHE:
        standards = list(
            Standard.objects.filter(edition_id=edition_id)
            .order_by("number")
            .prefetch_related(
                Prefetch("items", queryset=ApplicationItem.objects.order_by("number"))
            )
        )
        if not standards:
            return standards
        _EDITION_CACHE[key] = standards
    return _EDITION_CACHE[key]


def rating_scale(edition_id: int) -> list[RatingLevel]:
    """The edition's rating levels, lowest first (read once per process, like the items)."""
    key = ("scale", edition_id)
    if key not in _EDITION_CACHE:
        levels = list(RatingLevel.objects.filter(edition_id=edition_id).order_by("value"))
        if not levels:
            return levels
        _EDITION_CACHE[key] = levels
    return _EDITION_CACHE[key]


def item_count(edition_id: int) -> int:
    """How many items the edition has (no query once its structure is read)."""
    return sum(len(standard.items.all()) for standard in standards_with_items(edition_id))


def responses_by_item(assessment: Assessment) -> dict[int, ItemResponse]:
    return {r.item_id: r for r in ItemResponse.objects.filter(assessment=assessment)}


def saved_answers(assessment: Assessment) -> tuple[list[tuple], list[tuple]]:
    """The answers and goals as saved, as plain rows for the form (two queries):
    (item id, rating, not applicable, reason, comment) and (standard id, goal, date)."""
    answers = ItemResponse.objects.filter(assessment=assessment).values_list(
        "item_id", "rating", "not_applicable", "na_reason", "comment"
    )
    goals = StandardGoal.objects.filter(assessment=assessment).values_list(
        "standard_id", "goal", "target_date"
    )
    return list(answers), list(goals)


def goals_by_standard(assessment: Assessment) -> dict[int, StandardGoal]:
    """The goals by standard id, each with the course registration linked to it."""
    goals = StandardGoal.objects.filter(assessment=assessment).select_related(
        "registration__offering__course"
    )
    return {g.standard_id: g for g in goals}


def latest_review(assessment: Assessment) -> Review | None:
    """The most recent review, with its items by item id in `item_map`."""
    review = (
        Review.objects.filter(assessment=assessment)
        .select_related("reviewer")
        .prefetch_related("items")
        .order_by("-created_at", "-id")
        .first()
    )
    if review is not None:
        review.item_map = {ri.item_id: ri for ri in review.items.all()}
    return review


def timeline(assessment: Assessment) -> list[Transition]:
    return list(
        Transition.objects.filter(assessment=assessment).select_related("by").order_by("at", "id")
    )


def previous_assessment(assessment: Assessment) -> Assessment | None:
    """The person's assessment in the cycle before this one (one query)."""
    earlier = Cycle.objects.filter(opens_on__lt=assessment.cycle.opens_on).order_by("-opens_on")
    return (
        Assessment.objects.filter(
            user_id=assessment.user_id, cycle=Subquery(earlier.values("pk")[:1])
        )
        .select_related("cycle")
        .first()
    )


def assessments_visible_to(user: User) -> QuerySet[Assessment]:
    """Every assessment this person may read: their own, their team's, their office's."""
    if not user.is_authenticated:
        return Assessment.objects.none()
    membership = user.active_membership
    own = Assessment.objects.filter(user=user)
    if membership is None:
        return own.select_related("user", "cycle", "office", "reviewer")
    visible = own | Assessment.objects.filter(reviewer=user, office_id=membership.office_id)
    report_ids = Membership.objects.filter(
        reports_to=user, office_id=membership.office_id, ended_at__isnull=True
    ).values("user_id")
    visible = visible | Assessment.objects.filter(
        user_id__in=report_ids, office_id=membership.office_id
    )
    if membership.role == Membership.Role.MANAGER:
        visible = visible | Assessment.objects.filter(office_id=membership.office_id)
    return visible.select_related("user", "cycle", "cycle__edition", "office", "reviewer")


# What lists of people show of each one's assessment: its state and reviewer.
_LISTED = Assessment.objects.select_related("reviewer").order_by()


@dataclass
class TeamRow:
    membership: Membership
    pledge: object
    assessment: Assessment | None

    @property
    def needs_review(self) -> bool:
        return self.assessment is not None and self.assessment.state == Assessment.State.SUBMITTED

    @property
    def not_asked(self) -> bool:
        """An election worker: never asked for the self-assessment."""
        return self.membership.role == Membership.Role.ELECTION_WORKER


# The assessment states a list of people can be filtered by, with two more: "not_started"
# (staff without one this cycle) and "not_asked" (election workers).
NOT_STARTED, NOT_ASKED = "not_started", "not_asked"


def with_assessment_state(
    memberships: QuerySet[Membership], cycle: Cycle, state: str = "", office: Office | None = None
) -> QuerySet[Membership]:
    """Memberships narrowed by their person's assessment in the cycle (in `office`, when
    given): a state, not started, or not asked (election workers)."""
    worker = Q(role=Membership.Role.ELECTION_WORKER)
    if state == NOT_ASKED:
        return memberships.filter(worker)
    if not state:
        return memberships
    theirs = Assessment.objects.filter(user=OuterRef("user_id"), cycle=cycle)
    if office is not None:
        theirs = theirs.filter(office=office)
    if state == NOT_STARTED:
        return memberships.exclude(worker).filter(~Exists(theirs))
    if state in Assessment.State.values:
        return memberships.filter(Exists(theirs.filter(state=state)))
    return memberships


def status_rows(
    memberships: list[Membership], cycle: Cycle | None, office: Office | None = None
) -> list[TeamRow]:
    """Rows of a status table for the memberships given (one page): their pledges and
    assessments in the cycle, in two queries."""
    if cycle is None or not memberships:
        return [TeamRow(m, None, None) for m in memberships]
    ids = [m.user_id for m in memberships]
    pledges = active_pledges_by_user(ids, cycle)
    assessments = _LISTED.filter(user_id__in=ids, cycle=cycle)
    if office is not None:
        assessments = assessments.filter(office=office)
    by_user = {a.user_id: a for a in assessments}
    return [TeamRow(m, pledges.get(m.user_id), by_user.get(m.user_id)) for m in memberships]


def team_awaiting_review(user: User, cycle: Cycle | None) -> int:
    """How many of the user's direct reports' assessments await review (one query)."""
    if cycle is None:
        return 0
    return Assessment.objects.filter(
        cycle=cycle,
        state=Assessment.State.SUBMITTED,
        user_id__in=direct_reports(user).values("user_id"),
    ).count()


def team_status(user: User, cycle: Cycle | None) -> list[TeamRow]:
    """The user's direct reports with their pledge and assessment for the cycle (3 queries)."""
    memberships = list(direct_reports(user))
    if cycle is None:
        return [TeamRow(m, None, None) for m in memberships]
    ids = [m.user_id for m in memberships]
    pledges = active_pledges_by_user(ids, cycle) if ids else {}
    assessments = (
        {a.user_id: a for a in _LISTED.filter(user_id__in=ids, cycle=cycle)} if ids else {}
    )
    return [TeamRow(m, pledges.get(m.user_id), assessments.get(m.user_id)) for m in memberships]


def office_assessments(office: Office, cycle: Cycle) -> list[TeamRow]:
    """Every current member of the office with their pledge and assessment (3 queries)."""
    memberships = list(staff_listed(office))
    ids = [m.user_id for m in memberships]
    pledges = active_pledges_by_user(ids, cycle) if ids else {}
    assessments = {a.user_id: a for a in _LISTED.filter(cycle=cycle, office=office)}
    return [TeamRow(m, pledges.get(m.user_id), assessments.get(m.user_id)) for m in memberships]


# ----------------------------------------------------------------------------- results


def _average(values: list[int]) -> Decimal | None:
    if not values:
        return None
    return (Decimal(sum(values)) / len(values)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class ItemResult:
    item: ApplicationItem
    response: ItemResponse | None
    previous: ItemResponse | None = None
    supervisor: ReviewItem | None = None
    # Courses for an item rated low (`with_training`).
    suggestions: list = field(default_factory=list)

    @property
    def rating(self):
        return self.response.rating if self.response else None

    @property
    def supervisor_rating(self):
        return self.supervisor.rating if self.supervisor else None

    @property
    def gap(self) -> int | None:
        if self.rating is None or self.supervisor_rating is None:
            return None
        return self.supervisor_rating - self.rating

    @property
    def big_gap(self) -> bool:
        return self.gap is not None and abs(self.gap) >= GAP_THRESHOLD


@dataclass
class StandardResult:
    standard: Standard
    items: list[ItemResult]
    average: Decimal | None = None
    previous_average: Decimal | None = None
    supervisor_average: Decimal | None = None
    goal: StandardGoal | None = None
    # Courses for the standard's goal, and the training since the last self-assessment
    # (`with_training`).
    suggestions: list = field(default_factory=list)
    training: object = None

    @property
    def change(self) -> Decimal | None:
        if self.average is None or self.previous_average is None:
            return None
        return self.average - self.previous_average


@dataclass
class Results:
    assessment: Assessment
    scale: list[RatingLevel]
    standards: list[StandardResult]
    lowest: list[ItemResult] = field(default_factory=list)
    previous: Assessment | None = None
    review: Review | None = None
    overall: Decimal | None = None
    previous_overall: Decimal | None = None
    # Set by `with_training`: the items rated low, and since when training is counted.
    low: list[ItemResult] = field(default_factory=list)
    training_since: datetime.date | None = None
    training_shown: bool = False

    @property
    def goals(self) -> list[StandardResult]:
        return [s for s in self.standards if s.goal is not None and s.goal.goal]

    @property
    def max_rating(self) -> int:
        return self.scale[-1].value if self.scale else 4


def results(assessment: Assessment) -> Results:
    """Averages per standard, lowest items and comparisons, in a fixed number of queries."""
    standards = standards_with_items(assessment.cycle.edition_id)
    scale = rating_scale(assessment.cycle.edition_id)
    responses = responses_by_item(assessment)
    goals = goals_by_standard(assessment)
    # Last cycle's answers and, through them, last cycle's assessment: one query. An
    # assessment left without a single answer compares with nothing.
    previous = None
    previous_by_code = {}
    earlier = Cycle.objects.filter(opens_on__lt=assessment.cycle.opens_on).order_by("-opens_on")
    earlier_answers = ItemResponse.objects.filter(
        assessment__user_id=assessment.user_id,
        assessment__cycle=Subquery(earlier.values("pk")[:1]),
    ).select_related("item__standard", "assessment__cycle")
    for r in earlier_answers:
        previous = r.assessment
        previous_by_code[(r.item.standard.number, r.item.number)] = r
    review = latest_review(assessment)
    review_items = review.item_map if review else {}
    standard_results = []
    all_items = []
    for standard in standards:
        rows = [
            ItemResult(
                item=item,
                response=responses.get(item.pk),
                previous=previous_by_code.get((standard.number, item.number)),
                supervisor=review_items.get(item.pk),
            )
            for item in standard.items.all()
        ]
        all_items.extend(rows)
        standard_results.append(
            StandardResult(
                standard=standard,
                items=rows,
                average=_average([r.rating for r in rows if r.rating is not None]),
                previous_average=_average(
                    [r.previous.rating for r in rows if r.previous and r.previous.rating]
                ),
                supervisor_average=_average(
                    [r.supervisor_rating for r in rows if r.supervisor_rating is not None]
                ),
                goal=goals.get(standard.pk),
            )
        )
    rated = [r for r in all_items if r.rating is not None]
    rated.sort(key=lambda r: (r.rating, r.item.standard_id, r.item.number))
    lowest_value = rated[0].rating if rated else None
    # The lowest-rated items: every item at the lowest rating, and at least five.
    lowest = [r for r in rated if r.rating == lowest_value] if rated else []
    if len(lowest) < 5:
        lowest = rated[:5]
    return Results(
        assessment=assessment,
        scale=scale,
        standards=standard_results,
        lowest=lowest,
        previous=previous,
        review=review,
        overall=_average([r.rating for r in rated]),
        previous_overall=_average([r.rating for r in previous_by_code.values() if r.rating]),
    )


# ----------------------------------------------------------------------------- personal data


def _personal_records(ids: list[int], *, reader: User, offices: dict[int, int]) -> dict[int, dict]:
    """Each assessment's answers, goals, transitions and reviews (four queries); people
    named as `reader` may read their names in the assessment's office (`offices`)."""
    records = {pk: {"responses": [], "goals": [], "transitions": [], "reviews": []} for pk in ids}
    responses = ItemResponse.objects.filter(assessment__in=ids).select_related("item__standard")
    for r in responses.order_by("item__position"):
        records[r.assessment_id]["responses"].append(
            {
                "item": r.item.code,
                "title": r.item.title,
                "rating": r.rating,
                "not_applicable": r.not_applicable,
                "not_applicable_reason": r.na_reason,
                "comment": r.comment,
                "updated_at": iso(r.updated_at),
            }
        )
    goals = StandardGoal.objects.filter(assessment__in=ids).select_related("standard")
    for g in goals.order_by("standard__number"):
        records[g.assessment_id]["goals"].append(
            {
                "standard": g.standard.number,
                "title": g.standard.short_title,
                "goal": g.goal,
                "target_date": iso(g.target_date),
            }
        )
    transitions = Transition.objects.filter(assessment__in=ids).select_related("by")
    for t in transitions.order_by("at", "pk"):
        records[t.assessment_id]["transitions"].append(
            {
                "action": t.get_action_display(),
                "from": t.from_state,
                "to": t.to_state,
                "by": person_ref(t.by, reader=reader, office_id=offices[t.assessment_id]),
                "at": iso(t.at),
                "note": t.note,
            }
        )
    for rv in _personal_reviews(ids):
        records[rv.assessment_id]["reviews"].append(
            {
                "reviewer": person_ref(
                    rv.reviewer, reader=reader, office_id=offices[rv.assessment_id]
                ),
                "decision": rv.get_decision_display(),
                "note": rv.note,
                "version_reviewed": rv.assessment_version,
                "at": iso(rv.created_at),
                "items": [
                    {"item": i.item.code, "rating": i.rating, "comment": i.comment}
                    for i in sorted(rv.items.all(), key=lambda i: i.item.position)
                ],
            }
        )
    return records


def _personal_reviews(ids: list[int]) -> QuerySet[Review]:
    return (
        Review.objects.filter(assessment__in=ids)
        .select_related("reviewer")
        .prefetch_related("items__item__standard")
        .order_by("created_at", "pk")
    )


def personal_assessments(user: User) -> list[dict]:
    """The person's self-assessments with everything in them, for the personal-data export."""
    assessments = list(
        Assessment.objects.filter(user=user)
        .select_related("office", "cycle__edition", "reviewer")
        .order_by("cycle__opens_on", "pk")
    )
    records = _personal_records(
        [a.pk for a in assessments], reader=user, offices={a.pk: a.office_id for a in assessments}
    )
    return [
        {
            "cycle": a.cycle.name,
            "edition_language": a.cycle.edition.language,  # of the item titles below
            "office": str(a.office),
            "state": a.get_state_display(),
            "reviewer": person_ref(a.reviewer, reader=user, office_id=a.office_id),
            "created_at": iso(a.created_at),
            "submitted_at": iso(a.submitted_at),
            "accepted_at": iso(a.accepted_at),
            **records[a.pk],
        }
        for a in assessments
    ]


# ----------------------------------------------------------------------------- training
# Continuing education beside the results (docs/education.md, "From a low rating to a
# course"): suggested courses for low ratings and goals, and the training since the last
# self-assessment.

# Ratings at or below this are low: each such item suggests courses.
LOW_RATING = 2
# The most courses suggested for one item or goal, soonest offered first.
SUGGESTIONS_EACH = 3


@dataclass
class Suggestion:
    """A course suggested for an item or a goal, with its next open date if it has one."""

    course: Course
    next_starts_at: datetime.datetime | None
    next_place: str
    items: frozenset[int]
    standards: frozenset[int]

    @property
    def hours_count(self) -> int:
        """For choosing "hour" or "hours": only exactly one hour is singular."""
        return 1 if self.course.hours == 1 else 2

    @property
    def hours_shown(self) -> Decimal:
        return shown_hours(self.course.hours)


def course_suggestions(viewer: User, *, items, standards) -> list[Suggestion]:
    """Courses the viewer may see that address these items or standards, each with the
    ids it addresses and its next open date: one query, whatever their number."""
    if not items and not standards:
        return []
    upcoming = open_offerings().filter(course=OuterRef("pk")).order_by("starts_at", "id")
    # Its next date and what it addresses come along in the same row, rather than in a
    # query each.
    courses = with_addressed(
        courses_addressing(viewer, items=items, standards=standards).prefetch_related(None)
    ).annotate(
        next_starts_at=Subquery(upcoming.values("starts_at")[:1]),
        next_place=Subquery(upcoming.values("place")[:1]),
    )
    suggestions = [
        Suggestion(
            course=course,
            next_starts_at=course.next_starts_at,
            next_place=course.next_place or "",
            items=ids_of(course.item_ids),
            standards=ids_of(course.standard_ids),
        )
        for course in courses
    ]
    # Courses with a date to register for first, soonest first; then by title.
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    suggestions.sort(key=lambda s: (s.next_starts_at or far, s.course.title.lower()))
    return suggestions


def training_since(assessment: Assessment, previous: Assessment | None = None):
    """From when training counts beside this assessment: the day the person submitted their
    assessment of the cycle before (or that cycle's first day if they did not submit one).

    A date when `previous` (that assessment, already read) is given; otherwise an SQL
    expression that the training's own query computes, rather than a query of its own
    (NULL in a first cycle: then nothing counts).
    """
    if previous is not None:
        if previous.submitted_at is not None:
            return timezone.localdate(previous.submitted_at)
        return previous.cycle.opens_on
    earlier = Cycle.objects.filter(opens_on__lt=assessment.cycle.opens_on).order_by("-opens_on")
    submitted = Assessment.objects.filter(
        user_id=assessment.user_id, cycle=Subquery(earlier.values("pk")[:1])
    ).values("submitted_at")[:1]
    return Coalesce(
        TruncDate(Subquery(submitted, output_field=DateTimeField())),
        Subquery(earlier.values("opens_on")[:1]),
        output_field=DateField(),
    )


def training_beside(assessment: Assessment, since) -> dict:
    """The person's training per standard number since `since` (`training_since`), up to
    the end of the assessment's cycle: one query."""
    return training_by_standard(assessment.user, since, until=assessment.cycle.closes_on)


def with_training(data: Results, *, viewer: User, suggest: bool = True) -> Results:
    """Add continuing education to the results: suggested courses for each item rated 1
    or 2 and each goal (courses the viewer may see: the person, or someone of the
    assessment's office), and the training since the last self-assessment beside each
    standard. Two queries at most."""
    data.low = [
        row
        for sr in data.standards
        for row in sr.items
        if row.rating is not None and row.rating <= LOW_RATING
    ]
    if suggest:
        goal_standards = [sr for sr in data.standards if sr.goal is not None and sr.goal.goal]
        suggestions = course_suggestions(
            viewer,
            # A goal's standard is addressed by courses tied to it or to any of its items.
            items=sorted(
                {row.item.pk for row in data.low}
                | {item.pk for sr in goal_standards for item in sr.standard.items.all()}
            ),
            standards=sorted(
                {row.item.standard_id for row in data.low}
                | {sr.standard.pk for sr in goal_standards}
            ),
        )
        for row in data.low:
            row.suggestions = [
                s
                for s in suggestions
                if row.item.pk in s.items or row.item.standard_id in s.standards
            ][:SUGGESTIONS_EACH]
        for sr in goal_standards:
            item_ids = {item.pk for item in sr.standard.items.all()}
            sr.suggestions = [
                s for s in suggestions if sr.standard.pk in s.standards or s.items & item_ids
            ][:SUGGESTIONS_EACH]
    since = training_since(data.assessment, data.previous)
    training = training_beside(data.assessment, since)
    # A date to show when known; without one, the training is shown only if there is some.
    data.training_since = since if isinstance(since, datetime.date) else None
    data.training_shown = data.training_since is not None or bool(training)
    for sr in data.standards:
        sr.training = training.get(sr.standard.number)
    return data


def goal_of(assessment: Assessment, standard_id) -> StandardGoal | None:
    """The assessment's written goal for a standard, with its linked registration."""
    try:
        standard_id = int(standard_id)
    except (TypeError, ValueError, OverflowError):
        return None
    return (
        StandardGoal.objects.filter(assessment=assessment, standard_id=standard_id)
        .exclude(goal="")
        .select_related("standard", "registration__offering__course")
        .first()
    )
