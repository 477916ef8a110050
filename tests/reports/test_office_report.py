"""Office figures against hand-computed small cases, with suppression at 4 and 5 people."""

from decimal import Decimal

from assessments.models import Assessment
from pledges.models import Pledge
from reports.selectors import office_report

from .conftest import answered, items_of, person, reviewed, staff_with_answers


def test_five_people_give_exact_distributions_and_averages(world, cycle):
    staff_with_answers(world.office, cycle, [1, 2, 3, 4, 4])
    report = office_report(world.office, cycle)
    assert not report.hidden
    assert report.respondents == 5
    first = report.items[0]
    assert first.figure.counts.ratings == [1, 1, 1, 2]
    assert first.figure.average == Decimal("2.80")  # (1 + 2 + 3 + 4 + 4) / 5
    assert first.figure.percents == [20, 20, 20, 40, 0]
    assert first.figure.low_share == 40
    assert report.standards[0].figure.average == Decimal("2.80")
    assert len(report.items) == 38


def test_four_people_show_no_figure(world, cycle):
    staff_with_answers(world.office, cycle, [1, 2, 3, 4])
    report = office_report(world.office, cycle)
    assert report.hidden
    assert all(row.figure.hidden and row.figure.average is None for row in report.items)
    assert report.strongest == [] and report.weakest == []


def test_an_item_rated_by_four_is_hidden_and_left_out_of_its_standard(world, cycle):
    items = items_of(cycle)
    first = items[0].position
    for rating, na in [(1, ()), (2, ()), (3, ()), (4, ()), (4, (first,))]:
        answered(person(world.office), world.office, cycle, rating, na=na, rebuild=False)
    staff_with_answers(world.office, cycle, [])
    report = office_report(world.office, cycle)
    assert report.items[0].figure.hidden  # 4 ratings, one N/A
    assert not report.items[1].figure.hidden
    # The standard pools only visible items: subtracting items cannot reveal item 1.1.
    standard = report.standards[0]
    visible = [r for r in standard.items if not r.figure.hidden]
    assert standard.figure.counts.rated == sum(r.figure.counts.rated for r in visible)


def test_the_funnel_counts_staff_pledges_submissions_and_acceptances(world, cycle):
    staff_with_answers(world.office, cycle, [3, 3, 3], state=Assessment.State.ACCEPTED)
    staff_with_answers(world.office, cycle, [2, 2])
    report = office_report(world.office, cycle)
    # world gives the office 5 people; ten in all now.
    assert report.funnel.staff == 10
    assert (report.funnel.submitted, report.funnel.accepted) == (5, 3)
    assert report.funnel.percent(report.funnel.submitted) == 50
    assert report.funnel.pledged == Pledge.objects.filter(office=world.office).count() == 0


def test_a_team_of_five_is_hidden_when_the_rest_of_the_office_is_two(world, cycle):
    staff_with_answers(world.office, cycle, [1, 2, 3, 4, 4], reports_to=world.supervisor)
    staff_with_answers(world.office, cycle, [2, 2], reports_to=world.other_supervisor)
    team = office_report(world.office, cycle, team_lead=world.supervisor)
    assert team.hidden  # office (7) minus team (5) would reveal the other two
    staff_with_answers(world.office, cycle, [2, 2, 2], reports_to=world.other_supervisor)
    team = office_report(world.office, cycle, team_lead=world.supervisor)
    assert not team.hidden
    assert team.items[0].figure.average == Decimal("2.80")


def test_change_since_the_previous_cycle(world, cycle, earlier_cycle):
    staff_with_answers(world.office, earlier_cycle, [2, 2, 2, 2, 2])
    staff_with_answers(world.office, cycle, [3, 3, 3, 3, 3])
    report = office_report(world.office, cycle)
    assert report.previous == earlier_cycle
    assert report.standards[0].previous_average == Decimal("2.00")
    assert report.standards[0].change == Decimal("1.00")
    assert report.items[0].change == Decimal("1.00")
    assert report.previous_overall == Decimal("2.00")


def test_self_and_supervisor_gaps_need_five_reviewed_people(world, cycle):
    people = staff_with_answers(world.office, cycle, [2, 2, 2, 2, 2])
    for user in people[:4]:
        reviewed(Assessment.objects.get(user=user), world.manager, 4)
    assert office_report(world.office, cycle).gaps == []
    reviewed(Assessment.objects.get(user=people[4]), world.manager, 3)
    gap = office_report(world.office, cycle).gaps[0].gap
    assert gap.pairs == 5
    assert (gap.self_average, gap.supervisor_average) == (Decimal("2.00"), Decimal("3.80"))


def test_the_identified_table_gives_each_persons_average_per_standard(world, cycle):
    user = person(world.office)
    answered(user, world.office, cycle, 2, overrides={1: 4})  # item 1.1 rated 4
    report = office_report(world.office, cycle, identified=True)
    row = next(p for p in report.people if p.membership.user_id == user.pk)
    assert row.state == "submitted"
    assert row.averages[0] == Decimal("2.40")  # standard 1 has 5 items: (4 + 2*4) / 5
    assert row.averages[1] == Decimal("2.00")
    assert office_report(world.office, cycle).people is None


def test_two_visible_teams_cannot_reveal_a_small_third_by_subtraction(world, cycle):
    staff_with_answers(world.office, cycle, [1, 2, 3, 4, 4], reports_to=world.supervisor)
    staff_with_answers(world.office, cycle, [2, 3, 3, 3, 3], reports_to=world.other_supervisor)
    staff_with_answers(world.office, cycle, [4, 4], reports_to=world.manager)
    # office - team A - team B = the manager's two direct reports: one of A, B goes too.
    shown = [
        not office_report(world.office, cycle, team_lead=lead).hidden
        for lead in (world.supervisor, world.other_supervisor)
    ]
    assert shown.count(True) <= 1
    assert office_report(world.office, cycle, team_lead=world.manager).hidden
