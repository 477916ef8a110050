"""People demo records: a few pending invitations for the Riverside office.

Idempotent. No email is sent: the demo shows the invitations list, not an inbox.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import Invitation, Membership

# (email local part, name, role, reports to (a demo person key) or None)
PENDING = [
    ("jordan.lee", "Jordan Lee", Membership.Role.OFFICIAL, "supervisor"),
    ("pat.morgan", "Pat Morgan", Membership.Role.SUPERVISOR, "manager"),
    ("casey.nguyen", "Casey Nguyen", Membership.Role.OFFICIAL, "supervisor2"),
]


def seed_demo(demo) -> None:
    office = demo.offices["riverside"]
    manager = demo.people["manager"]
    expires = timezone.now() + timedelta(days=settings.INVITATION_DAYS)
    for local, name, role, boss in PENDING:
        email = f"{local}@demo.test"
        pending = Invitation.objects.filter(
            office=office, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).first()
        if pending is not None:
            if pending.is_expired():
                pending.expires_at = expires
                pending.save(update_fields=["expires_at"])
            continue
        if Invitation.objects.filter(office=office, email__iexact=email).exists():
            continue  # accepted or revoked in an earlier demo session: leave it be
        invitation = Invitation(
            email=email,
            full_name=name,
            office=office,
            role=role,
            reports_to=demo.people.get(boss),
            invited_by=manager,
            expires_at=expires,
        )
        invitation.full_clean()
        invitation.save()
