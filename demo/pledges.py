"""Demo pledges: most people sign in both cycles, one withdraws, and the member offices'
finishers have signed too. All of them join the hash chain through `pledges_import`.

The demo's official@demo.test has no pledge in the current cycle, so a visitor can sign.
Two previous-cycle signatures show how a typed name is compared with the account's: the
manager added her middle initial (the same name, nothing recorded), and Maple's manager
signed with her former surname, confirmed it, and her pledge records that the names differ.
Idempotent: people who already have a pledge in a cycle are left alone.
"""

import datetime
import random

from django.utils import timezone

from accounts.models import Membership, User
from pledges.chain import CONSENT_TEXT
from pledges.models import Cycle, Pledge, PledgeWithdrawal
from pledges.names import names_agree
from pledges.services import pledge_text, pledges_import

from .base import Demo

SIGN_SHARE = {0: 0.9, 1: 0.75}  # previous cycle, current cycle
KEEP_UNSIGNED = {"official"}
WITHDRAWS = "supervisor2"
WITHDRAWAL_REASON = (
    "Signed on behalf of the wrong office; will sign again after my transfer is complete."
)
USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/130.0 Safari/537.36"
# Signatures typed otherwise than the account's name, in the previous cycle (index 0).
TYPED_NAMES = {"manager": "Maria J. Alvarez", "maple.manager": "Grace Moore"}


def seed_pledges(demo: Demo) -> None:
    """Add the demo's missing pledges and its one withdrawal to the chain in one import."""
    existing = set(Pledge.objects.filter(cycle__in=demo.cycles).values_list("user_id", "cycle_id"))
    digests = {cycle.pk: pledge_text(cycle)[1] for cycle in demo.cycles}
    pledges, withdrawals = _staff_pledges(demo, existing, digests)
    pledges += _member_pledges(demo, existing, digests)
    if not pledges:
        return
    # The chain is ordered by when records were made; signing times go in order too.
    order = sorted(range(len(pledges)), key=lambda i: pledges[i].signed_at)
    position = {old: new for new, old in enumerate(order)}
    pledges_import(
        pledges=[pledges[i] for i in order],
        withdrawals=[(position[i], withdrawal) for i, withdrawal in withdrawals],
    )


def _pledge(
    user: User,
    office_id: int,
    cycle: Cycle,
    digest: str,
    signed_at: datetime.datetime,
    *,
    typed_name: str = "",
    **extra,
) -> Pledge:
    typed_name = typed_name or user.full_name
    return Pledge(
        user=user,
        office_id=office_id,
        cycle=cycle,
        edition_id=cycle.edition_id,
        typed_name=typed_name,
        # As pledge_sign records it: a differing name is signed only once confirmed.
        account_name=user.full_name,
        name_mismatch=not names_agree(typed_name, user.full_name),
        consent_text=str(CONSENT_TEXT),
        signed_at=signed_at,
        auth_method=Pledge.AuthMethod.PASSWORD,
        text_sha256=digest,
        **extra,
    )


def _moment(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.datetime:
    days = max((last - first).days, 0)
    day = first + datetime.timedelta(days=rng.randint(0, days))
    at = datetime.datetime.combine(day, datetime.time(rng.randint(8, 17), rng.randint(0, 59)))
    return timezone.make_aware(at, timezone.get_default_timezone())


def _staff_pledges(
    demo: Demo, existing: set, digests: dict[int, str]
) -> tuple[list[Pledge], list[tuple[int, PledgeWithdrawal]]]:
    """The five demo offices' pledges, and the withdrawal of one (by its index)."""
    memberships = Membership.objects.filter(
        user__in=demo.people.values(), ended_at__isnull=True
    ).select_related("user")
    locals_by_user = {user.pk: local for local, user in demo.people.items()}
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    pledges, withdrawals = [], []
    for index, cycle in enumerate(demo.cycles):
        last_day = max(min(cycle.closes_on, yesterday), cycle.opens_on)
        current = index == len(demo.cycles) - 1
        for membership in sorted(memberships, key=lambda m: m.user_id):
            local = locals_by_user[membership.user_id]
            # One generator per person and cycle: a re-run makes the same choices.
            rng = random.Random(f"pledges:{cycle.name}:{local}")
            signs = rng.random() < SIGN_SHARE.get(index, 0.8)
            withdraws = current and local == WITHDRAWS
            if (current and local in KEEP_UNSIGNED) or not (signs or withdraws):
                continue
            if (membership.user_id, cycle.pk) in existing:
                continue
            pledge = _pledge(
                membership.user,
                membership.office_id,
                cycle,
                digests[cycle.pk],
                _moment(rng, cycle.opens_on, last_day),
                typed_name=TYPED_NAMES.get(local, "") if index == 0 else "",
                ip_address=f"192.0.2.{rng.randint(1, 254)}",
                user_agent=USER_AGENT,
                listed_publicly=rng.random() < 0.6,
            )
            pledges.append(pledge)
            if withdraws:
                withdrawals.append((len(pledges) - 1, _withdrawal(pledge)))
    return pledges, withdrawals


def _withdrawal(pledge: Pledge) -> PledgeWithdrawal:
    return PledgeWithdrawal(
        reason=WITHDRAWAL_REASON,
        withdrawn_at=pledge.signed_at + datetime.timedelta(hours=2),
        ip_address=pledge.ip_address,
        user_agent=USER_AGENT,
        auth_method=Pledge.AuthMethod.PASSWORD,
    )


def _member_pledges(demo: Demo, existing: set, digests: dict[int, str]) -> list[Pledge]:
    """Everyone in the member offices who finished a cycle signed three days before."""
    pledges = []
    for member in demo.member_offices:
        for cycle in demo.cycles:
            for _n, user, at in member.finishers(cycle, current=cycle == demo.cycles[-1]):
                if (user.pk, cycle.pk) not in existing:
                    pledges.append(
                        _pledge(
                            user,
                            member.office.pk,
                            cycle,
                            digests[cycle.pk],
                            at - datetime.timedelta(days=3),
                            ip_address="192.0.2.20",
                        )
                    )
    return pledges
