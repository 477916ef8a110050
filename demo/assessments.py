"""Demo self-assessments in every state across the two demo cycles, with reviews, and the
member offices' finished ones that give the reports real figures.

Last year's cycle is closed and everything happened in the past, so the demo loads its
history through `assessments_import`, which also rebuilds the report summaries.
Idempotent: people who already have an assessment in a cycle are left alone. The patterns
come from fixed seeds.
"""

import datetime
import random
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import Membership, User
from assessments.models import (
    Assessment,
    ItemResponse,
    Review,
    ReviewItem,
    StandardGoal,
    Transition,
)
from assessments.services import AssessmentRecord, ReviewRecord, assessments_import
from pledges.models import ApplicationItem, Cycle, RatingLevel

from .base import Demo, MemberOffice

State = Assessment.State
Action = Transition.Action

# The states of the demo supervisor's team in the current cycle, in turn; None: not started.
TEAM_STATES = [
    State.SUBMITTED,
    State.SUBMITTED,
    State.RETURNED,
    State.SUBMITTED,
    State.ACCEPTED,
    State.SUBMITTED,
    State.DRAFT,
    None,
]
NOT_ASSESSED = {"admin", "analyst", "analyst2", "association.admin"}

COMMENTS = [
    "I keep a checklist for this and review it before every election.",
    "Our office trained on this last spring; I led two of the sessions.",
    "I do this, but not always in writing.",
    "I ask our county attorney whenever a rule changes.",
    "I would like more practice here, especially during early voting.",
    "I post updates on our website and answer voters' calls myself.",
    "This is part of my weekly routine.",
    "I have started doing this since the last audit.",
]
NA_REASONS = [
    "I do not handle ballots in my role.",
    "Our office contracts this out to the state.",
    "My role does not involve public communications.",
]
REVIEW_COMMENTS = [
    "I have seen you do this consistently — rate yourself higher.",
    "Let's talk about an example from the last election.",
    "Agreed; this is a strength of yours.",
    "I'd like to see this written down in our procedures.",
    "Good progress since last year.",
]
GOALS = [
    "Attend the state association's training on this standard.",
    "Write down the procedure and share it with the team.",
    "Mentor one new colleague before the next election.",
    "Review the relevant statutes every quarter.",
]
RETURN_NOTES = [
    "Thank you. Please add examples for the items where we differ, and look again at standard 5.",
    "A few items have no comment; please add one or two examples of your practice.",
]
ACCEPT_NOTE = "Thank you — a thoughtful assessment."
RESUBMIT_NOTE = "Added examples as you asked."


@dataclass(frozen=True)
class Plan:
    """One assessment to make: whose, in which cycle, in which state, how much answered."""

    membership: Membership
    cycle: Cycle
    state: str
    fraction: float


def seed_assessments(demo: Demo) -> None:
    """Import the assessments the demo people do not have yet, with their history."""
    edition_id = demo.cycles[-1].edition_id
    items = list(
        ApplicationItem.objects.filter(standard__edition_id=edition_id).order_by("position")
    )
    scale = RatingLevel.objects.filter(edition_id=edition_id).values_list("value", flat=True)
    if not items or not scale:
        return
    top = max(scale)
    rng = random.Random(3811)
    plans = _plans(demo, rng)
    starts = [_start(rng, plan.cycle) for plan in plans]
    records = [
        _record(rng, plan, start, items, top) for plan, start in zip(plans, starts, strict=True)
    ]
    records += _member_records(demo, items, top)
    assessments_import(records=records)


def _plans(demo: Demo, rng: random.Random) -> list[Plan]:
    """Last cycle most people finished; this cycle everyone is somewhere along the way."""
    previous, current = demo.cycles[0], demo.cycles[-1]
    people = {p.pk: key for key, p in demo.people.items() if key not in NOT_ASSESSED}
    memberships = Membership.objects.filter(
        user_id__in=people, ended_at__isnull=True
    ).select_related("user", "office")
    done = set(
        Assessment.objects.filter(cycle__in=demo.cycles, user_id__in=people).values_list(
            "user_id", "cycle_id"
        )
    )
    supervisor, official = demo.people["supervisor"], demo.people["official"]
    plans, team = [], 0
    for m in sorted(memberships, key=lambda m: people[m.user_id]):
        # Every choice is drawn whether or not the record exists, so a second run makes
        # the same choices and finds them all done.
        roll = rng.random()
        earlier = State.ACCEPTED if rng.random() < 0.8 else State.SUBMITTED
        draw = rng.choice(
            [State.SUBMITTED, State.ACCEPTED, State.ACCEPTED, State.RETURNED, State.DRAFT, None]
        )
        fraction = rng.choice([0.2, 0.5, 0.8])
        if roll < 0.85 and (m.user_id, previous.pk) not in done:
            plans.append(Plan(m, previous, earlier if m.reports_to_id else State.DRAFT, 1.0))
        if m.user_id == official.pk:
            state, fraction = State.DRAFT, 0.4
        elif m.reports_to_id == supervisor.pk:
            # The demo supervisor always has several to review, and one of each other state.
            state = TEAM_STATES[team % len(TEAM_STATES)]
            team += 1
        elif m.reports_to_id:
            state = draw
        else:
            state = State.DRAFT if draw in (State.DRAFT, State.SUBMITTED, State.ACCEPTED) else None
        if state is not None and (m.user_id, current.pk) not in done:
            plans.append(Plan(m, current, state, fraction if state == State.DRAFT else 1.0))
    return plans


def _start(rng: random.Random, cycle: Cycle) -> datetime.datetime:
    opened = timezone.make_aware(datetime.datetime.combine(cycle.opens_on, datetime.time(9)))
    start = opened + datetime.timedelta(days=rng.randint(5, 60), minutes=rng.randint(0, 600))
    now = timezone.now()
    return start if start <= now else now - datetime.timedelta(days=1)


def _rating(rng: random.Random, value: float, top: int, spread: float = 0.8) -> int:
    return max(1, min(top, round(value + rng.uniform(-spread, spread))))


def _record(
    rng: random.Random, plan: Plan, start: datetime.datetime, items: list[ApplicationItem], top: int
) -> AssessmentRecord:
    """One demo person's assessment: answers, two goals, and its way to `plan.state`."""
    m = plan.membership
    base = rng.uniform(1.8, 3.6)
    offsets = {s: rng.uniform(-0.9, 0.9) for s in {item.standard_id for item in items}}
    chosen = items if plan.fraction >= 1 else rng.sample(items, round(len(items) * plan.fraction))
    responses = _answers(rng, chosen, base, offsets, top, start)
    own = {response.item_id: response.rating for response in responses}
    goals = [
        StandardGoal(
            standard_id=standard_id,
            goal=rng.choice(GOALS),
            target_date=plan.cycle.closes_on - datetime.timedelta(days=30),
            updated_at=start,
        )
        for standard_id in rng.sample(sorted(offsets), 2)
    ]
    assessment = Assessment(
        user=m.user,
        office=m.office,
        cycle=plan.cycle,
        reviewer_id=m.reports_to_id,
        state=plan.state,
        created_at=start,
        updated_at=start,
    )
    transitions, reviews = (
        ([], []) if plan.state == State.DRAFT else _history(rng, plan, start, own, top)
    )
    for transition in transitions:
        assessment.submitted_at = assessment.submitted_at or transition.at
        assessment.updated_at = transition.at
    if plan.state == State.ACCEPTED:
        assessment.accepted_at = assessment.updated_at
    assessment.version = 1 + len(transitions)
    return AssessmentRecord(
        assessment=assessment,
        responses=responses,
        goals=goals,
        transitions=transitions,
        reviews=reviews,
    )


def _answers(
    rng: random.Random,
    items: list[ApplicationItem],
    base: float,
    offsets: dict,
    top: int,
    at: datetime.datetime,
) -> list[ItemResponse]:
    """A rating around the person's level in each standard; now and then N/A or a comment."""
    responses = []
    for item in items:
        na = rng.random() < 0.04
        responses.append(
            ItemResponse(
                item=item,
                rating=None if na else _rating(rng, base + offsets[item.standard_id], top),
                not_applicable=na,
                na_reason=rng.choice(NA_REASONS) if na else "",
                comment=rng.choice(COMMENTS) if rng.random() < 0.3 else "",
                updated_at=at,
            )
        )
    return responses


def _history(
    rng: random.Random, plan: Plan, start: datetime.datetime, own: dict, top: int
) -> tuple[list[Transition], list[ReviewRecord]]:
    """Submitted some days after starting; then returned, accepted, or returned and accepted."""
    user, reviewer_id = plan.membership.user, plan.membership.reports_to_id
    at = start + datetime.timedelta(days=rng.randint(1, 10))
    transitions = [_step(Action.SUBMITTED, State.DRAFT, State.SUBMITTED, user.pk, at)]
    reviews = []
    rounds = {State.RETURNED: [State.RETURNED], State.ACCEPTED: [State.ACCEPTED]}.get(plan.state)
    if not rounds or not reviewer_id:
        return transitions, reviews
    if plan.state == State.ACCEPTED and rng.random() < 0.4:
        rounds = [State.RETURNED, State.ACCEPTED]
    for decision in rounds:
        at += datetime.timedelta(days=rng.randint(1, 7))
        returned = decision == State.RETURNED
        note = rng.choice(RETURN_NOTES) if returned else (ACCEPT_NOTE if rng.random() < 0.5 else "")
        review = Review(
            reviewer_id=reviewer_id,
            decision=Review.Decision.RETURN if returned else Review.Decision.ACCEPT,
            note=note,
            assessment_version=1 + len(transitions),
            created_at=at,
        )
        reviews.append(ReviewRecord(review=review, items=_review_items(rng, own, top)))
        action = Action.RETURNED if returned else Action.ACCEPTED
        transitions.append(_step(action, State.SUBMITTED, decision, reviewer_id, at, note))
        if returned and rounds[-1] == State.ACCEPTED:
            at += datetime.timedelta(days=rng.randint(1, 5))
            transitions.append(
                _step(
                    Action.RESUBMITTED, State.RETURNED, State.SUBMITTED, user.pk, at, RESUBMIT_NOTE
                )
            )
    return transitions, reviews


def _step(
    action: str, from_state: str, to_state: str, by_id: int, at: datetime.datetime, note: str = ""
) -> Transition:
    return Transition(
        action=action, from_state=from_state, to_state=to_state, by_id=by_id, at=at, note=note
    )


def _review_items(rng: random.Random, own: dict, top: int) -> list[ReviewItem]:
    """The reviewer's ratings: mostly the official's own, some a step or two apart."""
    rows = []
    for item_pk, rating in own.items():
        if rating is None:
            continue
        drift = rng.choice([0, 0, 0, 1, -1, 1, 2, -2]) if rng.random() < 0.9 else 0
        rows.append(
            ReviewItem(
                item_id=item_pk,
                rating=max(1, min(top, rating + drift)),
                comment=rng.choice(REVIEW_COMMENTS) if rng.random() < 0.12 else "",
            )
        )
    return rows


def _member_records(demo: Demo, items: list[ApplicationItem], top: int) -> list[AssessmentRecord]:
    """The member offices' finishers: complete answers, half of them accepted by the manager."""
    rng = random.Random(5150)
    staff = [user for member in demo.member_offices for user in member.staff]
    done = set(
        Assessment.objects.filter(cycle__in=demo.cycles, user__in=staff).values_list(
            "user_id", "cycle_id"
        )
    )
    records = []
    for member in demo.member_offices:
        for cycle in demo.cycles:
            current = cycle == demo.cycles[-1]
            base = member.base + (0.0 if current else -0.3)
            for n, user, at in member.finishers(cycle, current=current):
                if (user.pk, cycle.pk) in done:
                    continue
                # Later standards run a little lower: the reports have strengths and needs.
                ratings = [_rating(rng, base - item.position / 60, top, 0.9) for item in items]
                answers = list(zip(items, ratings, strict=True))
                records.append(
                    _member_record(member, cycle, user, at, answers, accepted=n % 2 == 0)
                )
    return records


def _member_record(
    member: MemberOffice,
    cycle: Cycle,
    user: User,
    at: datetime.datetime,
    answers: list[tuple[ApplicationItem, int]],
    *,
    accepted: bool,
) -> AssessmentRecord:
    """A member office's assessment: submitted, and accepted by the manager two days later."""
    accepted_at = at + datetime.timedelta(days=2)
    transitions = [_step(Action.SUBMITTED, State.DRAFT, State.SUBMITTED, user.pk, at)]
    if accepted:
        transitions.append(
            _step(Action.ACCEPTED, State.SUBMITTED, State.ACCEPTED, member.manager.pk, accepted_at)
        )
    assessment = Assessment(
        user=user,
        office=member.office,
        cycle=cycle,
        reviewer=member.manager,
        state=State.ACCEPTED if accepted else State.SUBMITTED,
        version=1 + len(transitions),
        created_at=at,
        updated_at=at,
        submitted_at=at,
        accepted_at=accepted_at if accepted else None,
    )
    responses = [ItemResponse(item=item, rating=rating, updated_at=at) for item, rating in answers]
    return AssessmentRecord(assessment=assessment, responses=responses, transitions=transitions)
