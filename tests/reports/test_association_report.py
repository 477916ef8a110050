"""Association figures from the summaries, with complementary suppression across offices."""

from decimal import Decimal

from reports.selectors import association_report, office_benchmarks, office_report

from ..factories import OfficeFactory
from .conftest import staff_with_answers


def member(world, name, **kwargs):
    office = OfficeFactory(name=name, **kwargs)
    world.association.offices.add(office)
    return office


def test_offices_participation_and_averages(world, cycle):
    staff_with_answers(world.office, cycle, [1, 2, 3, 4, 4])  # average 2.80
    maple = member(world, "Maple")
    staff_with_answers(maple, cycle, [3, 3, 3, 3, 3, 2])  # average 2.83
    report = association_report(world.association, cycle)
    lines = {line.label: line for line in report.offices}
    assert lines["Riverside County Elections"].average == Decimal("2.80")
    assert lines["Riverside County Elections"].staff == 10  # the world's five and five more
    assert lines["Riverside County Elections"].submitted_rate == 50
    assert lines["Maple"].average == Decimal("2.83")
    assert report.respondents == 11
    # (14 + 17) / 11 over every item
    assert report.overall.average == Decimal("2.82")
    assert report.items[0].figure.counts.ratings == [1, 2, 6, 2]


def test_a_small_office_and_its_complement_are_hidden(world, cycle):
    staff_with_answers(world.office, cycle, [3] * 6)
    small = member(world, "Tiny")
    staff_with_answers(small, cycle, [1, 1, 1])
    middle = member(world, "Middle")
    staff_with_answers(middle, cycle, [2] * 5)
    report = association_report(world.association, cycle)
    lines = {line.label: line for line in report.offices}
    assert lines["Tiny"].results_hidden and lines["Tiny"].average is None
    # Tiny's three would otherwise be total minus the others: the next smallest goes too.
    assert lines["Middle"].results_hidden and lines["Middle"].average is None
    assert not lines["Riverside County Elections"].results_hidden
    assert lines["Tiny"].participation_hidden  # a staff of three


def test_item_figures_are_hidden_when_all_but_one_office_is_small(world, cycle):
    staff_with_answers(world.office, cycle, [3] * 6)
    other = member(world, "Other")
    staff_with_answers(other, cycle, [1, 1, 1])
    report = association_report(world.association, cycle)
    # Riverside's manager knows their own figures; the rest is three people.
    assert all(row.figure.hidden for row in report.items)
    assert report.overall.average is None
    assert report.hidden
    assert report.totals.hidden and report.totals.submitted is None
    assert [(p.respondents, p.average) for p in report.trend] == [(None, None)]


def test_offices_that_opt_out_appear_unnamed_and_last(world, cycle):
    quiet = member(world, "Aardvark County", named_in_benchmarks=False)
    staff_with_answers(quiet, cycle, [3] * 5)
    report = association_report(world.association, cycle)
    assert [line.label for line in report.offices] == [
        "Riverside County Elections",
        "Unnamed office 1",
    ]
    assert "Aardvark" not in str([line.label for line in report.offices])
    # Neither its staff nor its shares, and no total over it: the total minus the named
    # offices would leave its counts, and its shares would then give its staff.
    unnamed = report.offices[1]
    assert (unnamed.pledged_rate, unnamed.submitted_rate, unnamed.accepted_rate) == (None,) * 3
    assert report.not_shown == 1
    assert report.shown_totals.staff == report.offices[0].staff


def test_the_spread_of_office_averages_and_the_benchmark(world, cycle):
    staff_with_answers(world.office, cycle, [1] * 5)
    for name, rating in [("B", 2), ("C", 3), ("D", 4)]:
        staff_with_answers(member(world, name), cycle, [rating] * 5)
    # Four offices: a manager who knows their own average could solve the quartiles for
    # the other three, so nothing comparative is shown, not even a position.
    report = association_report(world.association, cycle)
    assert report.spread.offices == 4 and not report.spread.shown
    assert report.spread.lower_quartile is None
    own = office_report(world.office, cycle)
    (benchmark,) = office_benchmarks(world.office, cycle, own)
    assert benchmark.office_average == Decimal("1.00")
    assert benchmark.position is None
    assert all(row["position"] is None for row in benchmark.standards)

    staff_with_answers(member(world, "E"), cycle, [4] * 6)
    report = association_report(world.association, cycle)
    spread = report.spread
    assert spread.offices == 5
    assert (spread.lowest, spread.median, spread.highest) == (1, 3, 4)
    assert (spread.lower_quartile, spread.upper_quartile) == (2, 4)
    (benchmark,) = office_benchmarks(world.office, cycle, office_report(world.office, cycle))
    assert benchmark.position == "low"


def test_the_trend_shows_each_cycle_once_large_enough(world, cycle, earlier_cycle):
    staff_with_answers(world.office, earlier_cycle, [2] * 4)
    staff_with_answers(world.office, cycle, [3] * 5)
    report = association_report(world.association, cycle)
    assert [(p.cycle, p.respondents, p.average) for p in report.trend] == [
        (earlier_cycle, None, None),
        (cycle, 5, Decimal("3.00")),
    ]


def test_an_office_joining_or_leaving_changes_the_cached_benchmark_at_once(world, cycle):
    from accounts import services as people

    staff_with_answers(world.office, cycle, [1] * 5)
    staff_with_answers(member(world, "B"), cycle, [2] * 5)
    newcomer = OfficeFactory(name="C")
    staff_with_answers(newcomer, cycle, [4] * 5)

    def spread_offices():  # as the report page reads them, each time afresh
        own = office_report(world.office, cycle)
        return office_benchmarks(world.office, cycle, own)[0].spread.offices

    assert spread_offices() == 2
    assert spread_offices() == 2  # now from the cache

    people.association_office_add(
        association=world.association, office=newcomer, by=world.association_admin
    )
    assert spread_offices() == 3

    people.association_office_remove(
        association=world.association, office=newcomer, by=world.association_admin
    )
    assert spread_offices() == 2


def test_a_submission_in_another_member_office_changes_the_cached_benchmark_at_once(world, cycle):
    """The spreads are cached, keyed on the offices' participation versions: a change
    through the services makes a new key, so the next report reads the new figures."""
    from assessments import services

    from ..assessments.conftest import all_answers
    from .conftest import person

    staff_with_answers(world.office, cycle, [1] * 5)
    staff_with_answers(member(world, "B"), cycle, [2] * 5)
    staff_with_answers(member(world, "D"), cycle, [3] * 5)
    third = member(world, "C")
    # Four: too few for an average of its own, and a smallest office is hidden beside it
    # so that the four cannot be worked out (complementary suppression).
    staff_with_answers(third, cycle, [4] * 4)

    def spread_offices():
        own = office_report(world.office, cycle)
        return office_benchmarks(world.office, cycle, own)[0].spread.offices

    assert spread_offices() == 2
    assert spread_offices() == 2  # from the cache now
    fifth = person(third)
    assessment = services.assessment_start(user=fifth, cycle=cycle)
    services.assessment_save(
        assessment=assessment, by=fifth, version=assessment.version, answers=all_answers(cycle)
    )
    services.assessment_submit(assessment=assessment, by=fifth)
    assert spread_offices() == 4
