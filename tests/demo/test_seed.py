"""The demo seeded from scratch, then again: the same accounts, records in every state,
and nothing added by the second run."""

import time

from django.contrib.auth.hashers import check_password

from accounts.models import AuditEntry, Invitation, User
from assessments.models import Assessment, Review, Transition
from demo.base import DEMO_PASSWORD
from demo.seed import seed
from pledges.models import Pledge, PledgeWithdrawal
from pledges.selectors import current_cycle, verify_chain
from reports.selectors import association_report, office_benchmarks, office_report

from ..assessments.test_summaries import snapshot

README_ACCOUNTS = [
    "official",
    "supervisor",
    "manager",
    "maple.manager",
    "cedar.manager",
    "pine.manager",
    "analyst",
    "association.admin",
    "analyst2",
    "admin",
]


def test_the_readme_accounts_exist_with_the_demo_password(edition):
    demo = seed(edition)
    users = User.objects.filter(email__in=[f"{local}@demo.test" for local in README_ACCOUNTS])
    assert users.count() == len(README_ACCOUNTS)
    assert check_password(DEMO_PASSWORD, users.first().password)
    assert len({user.password for user in users}) == 1
    assert User.objects.get(email="admin@demo.test").is_superuser
    assert demo.people["official"].active_membership.office == demo.offices["riverside"]
    assert not demo.offices["aspen"].named_in_benchmarks
    assert AuditEntry.objects.filter(action="association.office_created").count() == 9


def test_demo_has_pending_riverside_invitations_and_seeding_twice_adds_none(edition):
    seed(edition)
    pending = Invitation.objects.filter(
        office__name="Riverside County Elections", accepted_at__isnull=True
    )
    assert pending.count() == 3
    seed(edition)
    assert Invitation.objects.count() == 3


def test_the_demo_has_pledges_a_withdrawal_and_a_public_registry(edition, client):
    started = time.perf_counter()
    result = seed(edition)
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
    seed(edition)
    assert Pledge.objects.count() == count
    assert PledgeWithdrawal.objects.count() == 1
    assert verify_chain().intact
    response = client.get(f"/pledges/registry/{result.offices['maple'].pk}/")
    assert response.status_code == 200


def test_the_demo_has_assessments_in_every_state_and_seeds_again_unchanged(edition):
    started = time.perf_counter()
    demo = seed(edition)
    assert time.perf_counter() - started < 10  # the whole demo; assessments are a fraction
    previous, current = demo.cycles
    states = set(Assessment.objects.values_list("state", flat=True))
    assert states == {"draft", "submitted", "returned", "accepted"}
    assert Assessment.objects.filter(cycle=previous).exists()
    mine = Assessment.objects.get(user=demo.people["official"], cycle=current)
    assert mine.state == "draft"
    assert 0 < mine.responses.count() < 38
    to_review = Assessment.objects.filter(
        reviewer=demo.people["supervisor"], cycle=current, state="submitted"
    )
    assert to_review.count() >= 3
    assert Review.objects.filter(decision="return").exists()
    assert Transition.objects.filter(action="resubmitted").exists()

    counts = (Assessment.objects.count(), Review.objects.count(), Transition.objects.count())
    seed(edition)
    assert counts == (
        Assessment.objects.count(),
        Review.objects.count(),
        Transition.objects.count(),
    )


def test_the_demo_shows_real_figures_suppression_and_a_benchmark(edition):
    demo = seed(edition)
    cycle = current_cycle()
    report = association_report(demo.association, cycle)
    assert report.overall.average is not None
    assert report.spread.shown  # at least five offices with enough results
    assert any(line.results_hidden for line in report.offices)  # small offices suppressed
    assert any(not line.named for line in report.offices)
    riverside = demo.offices["riverside"]
    own = office_report(riverside, cycle)
    assert not own.hidden and own.previous_overall is not None
    assert office_benchmarks(riverside, cycle, own)[0].position is not None

    pine = report.offices[[line.label for line in report.offices].index("Pine County Elections")]
    assert pine.pledged > 0
    assert verify_chain().intact  # the demo's pledges join the hash chain properly

    before = snapshot()
    pledges = Pledge.objects.count()
    counts = Assessment.objects.count()
    seed(edition)
    assert Assessment.objects.count() == counts
    assert Pledge.objects.count() == pledges
    assert snapshot() == before


def test_the_demo_has_a_confidential_participant_and_a_legal_hold_once(edition, client):
    from records.models import LegalHold

    result = seed(edition)
    (confidential,) = User.objects.filter(is_confidential=True)
    assert confidential.active_membership.office == result.offices["maple"]
    response = client.get(f"/pledges/registry/{result.offices['maple'].pk}/")
    page = response.content.decode()
    assert "a confidential participant" in page and confidential.full_name not in page
    (hold,) = LegalHold.objects.all()
    assert hold.office == result.offices["riverside"] and hold.lifted_at is None
    entries = AuditEntry.objects.count()
    seed(edition)
    assert LegalHold.objects.count() == 1
    assert User.objects.filter(is_confidential=True).count() == 1
    assert AuditEntry.objects.count() == entries
