"""Pending invitations for the Riverside office, made by its manager.

No email is sent: the demo shows the invitations list, not an inbox. That is why the
demo checks and saves each invitation by the model's rules instead of calling
`accounts.services.invitation_create`, which sends the link. Idempotent: an invitation
still pending is kept (its expiry moved on if it has passed); one accepted or revoked in
an earlier demo session is left be.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import Invitation, Membership

from .base import Demo, email

# (email local part, name, role, reports to (a demo person key))
PENDING = [
    ("jordan.lee", "Jordan Lee", Membership.Role.OFFICIAL, "supervisor"),
    ("pat.morgan", "Pat Morgan", Membership.Role.SUPERVISOR, "manager"),
    ("casey.nguyen", "Casey Nguyen", Membership.Role.OFFICIAL, "supervisor2"),
]


def seed_invitations(demo: Demo) -> None:
    """Invite three people to Riverside, unless invited before."""
    office = demo.offices["riverside"]
    expires = timezone.now() + timedelta(days=settings.INVITATION_DAYS)
    for local, name, role, boss in PENDING:
        earlier = Invitation.objects.filter(office=office, email__iexact=email(local))
        pending = earlier.filter(accepted_at__isnull=True, revoked_at__isnull=True).first()
        if pending is not None and pending.is_expired():
            pending.expires_at = expires
            pending.save(update_fields=["expires_at"])
        if earlier.exists():
            continue
        invitation = Invitation(
            email=email(local),
            full_name=name,
            office=office,
            role=role,
            reports_to=demo.people[boss],
            invited_by=demo.people["manager"],
            expires_at=expires,
        )
        invitation.full_clean()
        invitation.save()
