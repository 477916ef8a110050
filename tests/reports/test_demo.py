from assessments.models import Assessment
from demo.people import seed
from pledges.selectors import current_cycle
from reports.selectors import association_report, office_benchmarks, office_report

from ..assessments.test_summaries import snapshot


def test_the_demo_shows_real_figures_suppression_and_a_benchmark(edition):
    demo = seed(edition)
    cycle = current_cycle()
    report = association_report(demo.association, cycle)
    assert report.overall.average is not None
    assert report.spread.shown  # at least three offices with enough results
    assert any(line.results_hidden for line in report.offices)  # small offices suppressed
    assert any(not line.named for line in report.offices)
    riverside = demo.offices["riverside"]
    own = office_report(riverside, cycle)
    assert not own.hidden and own.previous_overall is not None
    assert office_benchmarks(riverside, cycle, own)[0].position is not None

    from pledges.models import Pledge
    from pledges.selectors import verify_chain

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
