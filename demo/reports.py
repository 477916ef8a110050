"""Demo: two more member offices with finished assessments, then the summaries rebuilt.

The demo association's own offices are small, so most of their results are suppressed
(which the demo should show); two larger offices make the benchmarks and the spread of
office averages visible. Idempotent: people, pledges and assessments that exist are kept.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Office
from assessments.models import Assessment, ItemResponse, Transition
from assessments.summaries import summaries_rebuild
from pledges.chain import CONSENT_TEXT
from pledges.models import ApplicationItem, Pledge
from pledges.services import pledge_text, pledges_import

# (name, state, kind, staff, base rating): base sets each office's typical level.
OFFICES = [
    ("Pine County Elections", "CO", Office.Kind.COUNTY, 9, 2.9),
    ("Spruce City Elections", "CO", Office.Kind.CITY, 7, 2.2),
]
FIRST = ["Alma", "Bo", "Cyd", "Dana", "Eli", "Fay", "Gus", "Hope", "Ike"]


def _rating(rng: random.Random, base: float, position: int) -> int:
    # Later standards run a little lower, so the reports have strengths and needs to show.
    return max(1, min(4, round(base - position / 60 + rng.uniform(-0.9, 0.9))))


@transaction.atomic
def seed_demo(demo) -> None:
    """Add two demo member offices with finished assessments and rebuild the summaries."""
    from .people import _person, _place

    rng = random.Random(5150)
    current = demo.cycles[-1]
    items = list(
        ApplicationItem.objects.filter(standard__edition_id=current.edition_id).order_by("position")
    )
    pledges: list[Pledge] = []
    for name, state, kind, staff, base in OFFICES:
        office, _created = Office.objects.get_or_create(
            name=name, state=state, defaults={"kind": kind}
        )
        demo.association.offices.add(office)
        key = name.split()[0].lower()
        manager = _person(f"{key}.manager", f"{FIRST[-1]} {name.split()[0]}")
        _place(manager, office, Membership.Role.MANAGER, None)
        people = []
        for n in range(staff):
            user = _person(f"{key}.{n + 1}", f"{FIRST[n % len(FIRST)]} {name.split()[0]}-{n + 1}")
            _place(user, office, Membership.Role.OFFICIAL, manager)
            people.append(user)
        for cycle in demo.cycles:
            done = set(
                Assessment.objects.filter(cycle=cycle, user__in=people).values_list(
                    "user_id", flat=True
                )
            )
            signed = set(
                Pledge.objects.filter(cycle=cycle, user__in=people).values_list(
                    "user_id", flat=True
                )
            )
            _text, digest = pledge_text(cycle)
            shift = -0.3 if cycle != current else 0.0
            for n, user in enumerate(people):
                if cycle == current and n % 4 == 3:
                    continue  # a quarter have not finished this cycle
                at = min(
                    timezone.now() - datetime.timedelta(days=1),
                    timezone.make_aware(
                        datetime.datetime.combine(cycle.opens_on, datetime.time(10))
                    )
                    + datetime.timedelta(days=20 + n),
                )
                if user.pk not in signed:
                    pledges.append(
                        Pledge(
                            user=user,
                            office=office,
                            cycle=cycle,
                            edition_id=cycle.edition_id,
                            typed_name=user.full_name,
                            consent_text=str(CONSENT_TEXT),
                            signed_at=at - datetime.timedelta(days=3),
                            ip_address="192.0.2.20",
                            auth_method=Pledge.AuthMethod.PASSWORD,
                            text_sha256=digest,
                        )
                    )
                if user.pk in done:
                    continue
                accepted = n % 2 == 0
                assessment = Assessment.objects.create(
                    user=user,
                    office=office,
                    cycle=cycle,
                    reviewer=manager,
                    state=Assessment.State.ACCEPTED if accepted else Assessment.State.SUBMITTED,
                    created_at=at,
                    updated_at=at,
                    submitted_at=at,
                    accepted_at=at + datetime.timedelta(days=2) if accepted else None,
                    version=3,
                )
                ItemResponse.objects.bulk_create(
                    ItemResponse(
                        assessment=assessment,
                        item=item,
                        rating=_rating(rng, base + shift, item.position),
                        updated_at=at,
                    )
                    for item in items
                )
                Transition.objects.create(
                    assessment=assessment,
                    action=Transition.Action.SUBMITTED,
                    from_state=Assessment.State.DRAFT,
                    to_state=Assessment.State.SUBMITTED,
                    by=user,
                    at=at,
                )
                if accepted:
                    Transition.objects.create(
                        assessment=assessment,
                        action=Transition.Action.ACCEPTED,
                        from_state=Assessment.State.SUBMITTED,
                        to_state=Assessment.State.ACCEPTED,
                        by=manager,
                        at=at + datetime.timedelta(days=2),
                    )
    if pledges:
        # The chain is ordered by signing time, as pledges_import expects.
        pledges_import(pledges=sorted(pledges, key=lambda p: p.signed_at))
    summaries_rebuild()
