from accounts.models import Invitation
from demo.people import seed


def test_demo_has_pending_riverside_invitations_and_seeding_twice_adds_none(edition):
    seed(edition)
    pending = Invitation.objects.filter(
        office__name="Riverside County Elections", accepted_at__isnull=True
    )
    assert pending.count() == 3
    seed(edition)
    assert Invitation.objects.count() == 3
