import datetime

import pytest
from django.utils import timezone

from accounts.models import AuditEntry, Invitation, Membership


@pytest.fixture
def make_invitation(world):
    def make(**overrides):
        values = {
            "email": "new.person@example.org",
            "full_name": "New Person",
            "office": world.office,
            "role": Membership.Role.OFFICIAL,
            "invited_by": world.manager,
            "expires_at": timezone.now() + datetime.timedelta(days=14),
        }
        values.update(overrides)
        return Invitation.objects.create(**values)

    return make


@pytest.fixture
def snapshot(db):
    """Counts of everything a refused request must leave untouched."""

    def take():
        from accounts.models import Association, RosterUpload, User

        return {
            "invitations": Invitation.objects.count(),
            "pending": Invitation.objects.filter(
                accepted_at__isnull=True, revoked_at__isnull=True
            ).count(),
            "users": User.objects.count(),
            "active_users": User.objects.filter(is_active=True).count(),
            "memberships": list(
                Membership.objects.order_by("pk").values_list(
                    "pk", "role", "reports_to_id", "ended_at"
                )
            ),
            "audit": AuditEntry.objects.count(),
            "rosters": RosterUpload.objects.count(),
            "association_offices": sorted(
                (a.pk, o.pk) for a in Association.objects.all() for o in a.offices.all()
            ),
        }

    return take
