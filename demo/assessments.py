"""Demo self-assessments in every state across the two demo cycles, with reviews.

Idempotent: people who already have an assessment in a cycle are left alone. Written
with bulk_create so seeding stays fast; the patterns come from a fixed seed.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership
from assessments.models import (
    Assessment,
    ItemResponse,
    Review,
    ReviewItem,
    StandardGoal,
    Transition,
)
from pledges.models import ApplicationItem, RatingLevel

State = Assessment.State
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


def _rating(rng: random.Random, base: float, offset: float, top: int) -> int:
    return max(1, min(top, round(base + offset + rng.uniform(-0.8, 0.8))))


@transaction.atomic
def seed_demo(demo) -> None:
    """Give the demo people assessments in every state, with reviews and comments."""
    rng = random.Random(3811)
    previous, current = demo.cycles[0], demo.cycles[-1]
    items = list(
        ApplicationItem.objects.filter(standard__edition_id=current.edition_id)
        .select_related("standard")
        .order_by("position")
    )
    scale = list(
        RatingLevel.objects.filter(edition_id=current.edition_id).values_list("value", flat=True)
    )
    if not items or not scale:
        return
    top = max(scale)
    people = {
        p.pk: key
        for key, p in demo.people.items()
        if key not in ("admin", "analyst", "analyst2", "association.admin")
    }
    memberships = list(
        Membership.objects.filter(user_id__in=people, ended_at__isnull=True).select_related(
            "user", "office"
        )
    )
    memberships.sort(key=lambda m: people[m.user_id])
    done = set(
        Assessment.objects.filter(cycle__in=[previous, current], user_id__in=people).values_list(
            "user_id", "cycle_id"
        )
    )
    supervisor = demo.people.get("supervisor")
    official = demo.people.get("official")

    plans = []  # (membership, cycle, state, answered fraction)
    team_index = 0
    for m in memberships:
        has_reviewer = m.reports_to_id is not None
        # Every choice is drawn whether or not the record exists, so a second run makes
        # the same choices and finds them all done.
        roll = rng.random()
        earlier_state = State.ACCEPTED if rng.random() < 0.8 else State.SUBMITTED
        if not has_reviewer:
            earlier_state = State.DRAFT
        draw = rng.choice(
            [State.SUBMITTED, State.ACCEPTED, State.ACCEPTED, State.RETURNED, State.DRAFT, None]
        )
        fraction = rng.choice([0.2, 0.5, 0.8])
        # Last cycle: most people finished; a few never did.
        if roll < 0.85 and (m.user_id, previous.pk) not in done:
            plans.append((m, previous, earlier_state, 1.0))
        if official is not None and m.user_id == official.pk:
            state, fraction = State.DRAFT, 0.4
        elif supervisor is not None and m.reports_to_id == supervisor.pk:
            # The demo supervisor always has several to review, and one of each other state.
            state = TEAM_STATES[team_index % len(TEAM_STATES)]
            team_index += 1
        elif has_reviewer:
            state = draw
        else:
            state = State.DRAFT if draw in (State.DRAFT, State.SUBMITTED, State.ACCEPTED) else None
        if state is not None and (m.user_id, current.pk) not in done:
            plans.append((m, current, state, fraction if state == State.DRAFT else 1.0))
    if not plans:
        return

    assessments = []
    for m, cycle, state, _fraction in plans:
        start = timezone.make_aware(
            datetime.datetime.combine(cycle.opens_on, datetime.time(9))
        ) + datetime.timedelta(days=rng.randint(5, 60), minutes=rng.randint(0, 600))
        if start > timezone.now():
            start = timezone.now() - datetime.timedelta(days=1)
        assessments.append(
            Assessment(
                user=m.user,
                office=m.office,
                cycle=cycle,
                reviewer_id=m.reports_to_id,
                state=state,
                version=1,
                created_at=start,
                updated_at=start,
            )
        )
    assessments = Assessment.objects.bulk_create(assessments)
    if any(a.pk is None for a in assessments):
        lookup = {
            (a.user_id, a.cycle_id): a
            for a in Assessment.objects.filter(
                user_id__in=[a.user_id for a in assessments],
                cycle__in=[previous, current],
            )
        }
        assessments = [lookup[(a.user_id, a.cycle_id)] for a in assessments]

    responses, goals, transitions, reviews, review_rows = [], [], [], [], []
    for (m, _cycle, state, fraction), assessment in zip(plans, assessments, strict=True):
        base = rng.uniform(1.8, 3.6)
        offsets = {s: rng.uniform(-0.9, 0.9) for s in {i.standard_id for i in items}}
        chosen = items if fraction >= 1 else rng.sample(items, round(len(items) * fraction))
        own = {}
        for item in chosen:
            na = rng.random() < 0.04
            rating = None if na else _rating(rng, base, offsets[item.standard_id], top)
            own[item.pk] = rating
            responses.append(
                ItemResponse(
                    assessment=assessment,
                    item=item,
                    rating=rating,
                    not_applicable=na,
                    na_reason=rng.choice(NA_REASONS) if na else "",
                    comment=rng.choice(COMMENTS) if rng.random() < 0.3 else "",
                    changed_in_version=1,
                    updated_at=assessment.created_at,
                )
            )
        for standard_id in rng.sample(sorted(offsets), 2):
            goals.append(
                StandardGoal(
                    assessment=assessment,
                    standard_id=standard_id,
                    goal=rng.choice(GOALS),
                    target_date=assessment.cycle.closes_on - datetime.timedelta(days=30),
                    changed_in_version=1,
                    updated_at=assessment.created_at,
                )
            )
        if state == State.DRAFT:
            continue
        at = assessment.created_at + datetime.timedelta(days=rng.randint(1, 10))
        transitions.append(
            Transition(
                assessment=assessment,
                action=Transition.Action.SUBMITTED,
                from_state=State.DRAFT,
                to_state=State.SUBMITTED,
                by=m.user,
                at=at,
            )
        )
        assessment.submitted_at = at
        if state in (State.RETURNED, State.ACCEPTED) and m.reports_to_id:
            rounds = [State.RETURNED] if state == State.RETURNED else [State.ACCEPTED]
            if state == State.ACCEPTED and rng.random() < 0.4:
                rounds = [State.RETURNED, State.ACCEPTED]
            for decision_state in rounds:
                at += datetime.timedelta(days=rng.randint(1, 7))
                note = (
                    rng.choice(RETURN_NOTES)
                    if decision_state == State.RETURNED
                    else ("Thank you — a thoughtful assessment." if rng.random() < 0.5 else "")
                )
                review = Review(
                    assessment=assessment,
                    reviewer_id=m.reports_to_id,
                    decision="return" if decision_state == State.RETURNED else "accept",
                    note=note,
                    assessment_version=1,
                    created_at=at,
                )
                reviews.append(review)
                for item_pk, rating in own.items():
                    if rating is None:
                        continue
                    drift = rng.choice([0, 0, 0, 1, -1, 1, 2, -2]) if rng.random() < 0.9 else 0
                    review_rows.append(
                        (
                            review,
                            ReviewItem(
                                item_id=item_pk,
                                rating=max(1, min(top, rating + drift)),
                                comment=rng.choice(REVIEW_COMMENTS) if rng.random() < 0.12 else "",
                            ),
                        )
                    )
                transitions.append(
                    Transition(
                        assessment=assessment,
                        action=(
                            Transition.Action.RETURNED
                            if decision_state == State.RETURNED
                            else Transition.Action.ACCEPTED
                        ),
                        from_state=State.SUBMITTED,
                        to_state=decision_state,
                        by_id=m.reports_to_id,
                        at=at,
                        note=note,
                    )
                )
                if decision_state == State.RETURNED and rounds[-1] == State.ACCEPTED:
                    at += datetime.timedelta(days=rng.randint(1, 5))
                    transitions.append(
                        Transition(
                            assessment=assessment,
                            action=Transition.Action.RESUBMITTED,
                            from_state=State.RETURNED,
                            to_state=State.SUBMITTED,
                            by=m.user,
                            at=at,
                            note="Added examples as you asked.",
                        )
                    )
            if state == State.ACCEPTED:
                assessment.accepted_at = at
        assessment.version = 2 + len(reviews) % 3
        assessment.updated_at = at

    ItemResponse.objects.bulk_create(responses)
    StandardGoal.objects.bulk_create(goals)
    Transition.objects.bulk_create(transitions)
    Review.objects.bulk_create(reviews)
    for review, row in review_rows:
        row.review = review
    ReviewItem.objects.bulk_create([row for _, row in review_rows])
    Assessment.objects.bulk_update(
        assessments, ["submitted_at", "accepted_at", "version", "updated_at"]
    )
