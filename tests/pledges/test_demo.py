import time

from demo import people as demo
from pledges.models import Pledge, PledgeWithdrawal
from pledges.selectors import verify_chain


def test_the_demo_has_pledges_a_withdrawal_and_a_public_registry(edition, client):
    started = time.perf_counter()
    result = demo.seed(edition)
    elapsed = time.perf_counter() - started
    previous, current = result.cycles
    assert Pledge.objects.filter(cycle=previous).count() > 30
    assert Pledge.objects.filter(cycle=current).count() > 25
    assert PledgeWithdrawal.objects.count() == 1
    assert not Pledge.objects.filter(
        user=result.people["official"], cycle=current, withdrawn_at__isnull=True
    ).exists()
    assert result.offices["maple"].publishes_registry
    assert verify_chain().intact
    assert elapsed < 15
    count = Pledge.objects.count()
    demo.seed(edition)
    assert Pledge.objects.count() == count
    assert PledgeWithdrawal.objects.count() == 1
    assert verify_chain().intact
    response = client.get(f"/pledges/registry/{result.offices['maple'].pk}/")
    assert response.status_code == 200
