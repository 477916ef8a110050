"""Records in the demo: one confidential participant in Maple (whose pledge registry is
public) and a legal hold the Riverside records officer placed for a records request."""

from accounts.models import Membership
from accounts.services import user_confidential_set
from pledges.models import Pledge
from records.models import LegalHold
from records.retention import hold_place

from .base import Demo

HOLD_REASON = "Public records request 2026-114 (county clerk): keep until answered."


def seed_records(demo: Demo) -> None:
    """Idempotent: the same person is made confidential, and the hold placed, once."""
    maple = demo.offices["maple"]
    listed = (
        Pledge.objects.filter(office=maple, listed_publicly=True, withdrawn_at__isnull=True)
        .filter(user__memberships__office=maple, user__memberships__role=Membership.Role.OFFICIAL)
        .order_by("user__email")
        .select_related("user")
        .first()
    )
    if listed is not None:
        user_confidential_set(
            person=listed.user, confidential=True, by=demo.people["maple.manager"]
        )
    riverside = demo.offices["riverside"]
    if not LegalHold.objects.filter(office=riverside, reason=HOLD_REASON).exists():
        hold_place(by=demo.people["records"], reason=HOLD_REASON, office=riverside)
