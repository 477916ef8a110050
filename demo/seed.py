"""`seed`: the whole demo, built through the apps' own services, in one transaction.

Idempotent: a second run finds everything and adds nothing.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from pledges.models import Cycle, Edition

from .addenda import seed_addenda
from .assessments import seed_assessments
from .base import DEMO_DOMAIN, Demo
from .education import seed_education
from .idp import seed_demo_idp
from .invitations import seed_invitations
from .mfa import seed_demo_authenticators
from .people import seed_people
from .pledges import seed_pledges
from .records import seed_records
from .sessions import seed_sessions
from .workers import seed_workers


@transaction.atomic
def seed(edition: Edition) -> Demo:
    """Create (or find) the demo: people, pledges, assessments, invitations, records,
    second steps, the demo identity provider."""
    demo = seed_people(cycles=_cycles(edition))
    # Before the pledges and sessions: the office's poll workers, added from a roster.
    seed_workers(demo)
    # Before the pledges: the oath addendum's signer already has this cycle's pledge then.
    seed_addenda(demo)
    seed_pledges(demo)
    seed_assessments(demo)
    seed_invitations(demo)
    seed_records(demo)
    seed_sessions(demo)
    # After the assessments: the courses follow the items people rated low.
    seed_education(demo)
    # Privileged accounts must sign in with a second step: they share one documented
    # demo authenticator (`manage.py demo_mfa_code <email>` prints its code).
    seed_demo_authenticators(User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}"))
    # "Sign in with Riverside County (demo IdP)": the provider `make run` starts.
    seed_demo_idp(demo)
    return demo


def _cycles(edition: Edition) -> list[Cycle]:
    """Last year's cycle, closed, and this year's, open: found by name or created."""
    year = timezone.localdate().year
    cycles = []
    for name_year in (year - 1, year):
        cycle, _created = Cycle.objects.get_or_create(
            name=str(name_year),
            defaults={
                "edition": edition,
                "opens_on": datetime.date(name_year, 1, 1),
                "closes_on": datetime.date(name_year, 12, 31),
            },
        )
        cycles.append(cycle)
    return cycles
