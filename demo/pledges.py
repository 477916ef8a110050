"""Demo pledges: most people sign in both cycles; one withdraws; Maple publishes its registry.

The demo's official@demo.test has no pledge in the current cycle, so a visitor can sign.
Idempotent: people who already have a pledge in a cycle are left alone.
"""

import datetime
import random

from django.utils import timezone

from accounts.models import Membership
from pledges.chain import CONSENT_TEXT
from pledges.models import Pledge, PledgeWithdrawal
from pledges.services import pledge_text, pledges_import

SIGN_SHARE = {0: 0.9, 1: 0.75}  # previous cycle, current cycle
KEEP_UNSIGNED = {"official"}
WITHDRAWS = "supervisor2"
USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/130.0 Safari/537.36"


def _moment(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.datetime:
    days = max((last - first).days, 0)
    day = first + datetime.timedelta(days=rng.randint(0, days))
    at = datetime.datetime.combine(day, datetime.time(rng.randint(8, 17), rng.randint(0, 59)))
    return timezone.make_aware(at, timezone.get_default_timezone())


def seed_demo(demo) -> None:
    memberships = {
        m.user_id: m
        for m in Membership.objects.filter(
            user__in=demo.people.values(), ended_at__isnull=True
        ).select_related("user")
    }
    locals_by_user = {user.pk: local for local, user in demo.people.items()}
    existing = set(
        Pledge.objects.filter(user_id__in=memberships, cycle__in=demo.cycles).values_list(
            "user_id", "cycle_id"
        )
    )
    today = timezone.localdate()
    pledges: list[Pledge] = []
    withdrawals: list[tuple[int, PledgeWithdrawal]] = []
    for index, cycle in enumerate(demo.cycles):
        _text, digest = pledge_text(cycle)
        last_day = min(cycle.closes_on, today - datetime.timedelta(days=1))
        last_day = max(last_day, cycle.opens_on)
        is_current = index == len(demo.cycles) - 1
        for user_id, membership in sorted(memberships.items()):
            local = locals_by_user[user_id]
            # One generator per person and cycle: a re-run makes the same choices.
            rng = random.Random(f"pledges:{cycle.name}:{local}")
            signs = rng.random() < SIGN_SHARE.get(index, 0.8)
            if is_current and local in KEEP_UNSIGNED:
                continue
            if is_current and local == WITHDRAWS:
                signs = True
            if not signs or (user_id, cycle.pk) in existing:
                continue
            signed_at = _moment(rng, cycle.opens_on, last_day)
            pledges.append(
                Pledge(
                    user_id=user_id,
                    office_id=membership.office_id,
                    cycle=cycle,
                    edition_id=cycle.edition_id,
                    typed_name=membership.user.full_name,
                    consent_text=str(CONSENT_TEXT),
                    signed_at=signed_at,
                    ip_address=f"192.0.2.{rng.randint(1, 254)}",
                    user_agent=USER_AGENT,
                    auth_method=Pledge.AuthMethod.PASSWORD,
                    text_sha256=digest,
                    listed_publicly=rng.random() < 0.6,
                )
            )
            if is_current and local == WITHDRAWS:
                withdrawals.append(
                    (
                        len(pledges) - 1,
                        PledgeWithdrawal(
                            reason="Signed on behalf of the wrong office; will sign again "
                            "after my transfer is complete.",
                            withdrawn_at=signed_at + datetime.timedelta(hours=2),
                            ip_address=pledges[-1].ip_address,
                            user_agent=USER_AGENT,
                            auth_method=Pledge.AuthMethod.PASSWORD,
                        ),
                    )
                )
    # The chain is ordered by when records were made; signing times go in order too.
    order = sorted(range(len(pledges)), key=lambda i: pledges[i].signed_at)
    position = {old: new for new, old in enumerate(order)}
    pledges = [pledges[i] for i in order]
    withdrawals = [(position[i], w) for i, w in withdrawals]
    if pledges:
        pledges_import(pledges=pledges, withdrawals=withdrawals)
