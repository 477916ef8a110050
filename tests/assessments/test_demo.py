import time

from assessments.models import Assessment, Review, Transition
from demo.people import seed


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
