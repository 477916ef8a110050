"""The office report's training needs: items many staff rated low, beside the courses
open to the office that address them and who took them (docs/education.md)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.summaries import summaries_rebuild
from education.models import Attendance, Course, Offering
from education.services import credit_add
from reports.selectors import office_report
from reports.selectors.figures import Counts, Figure, ItemRow
from reports.selectors.office import is_training_need

from .conftest import answered, items_of, person
from .test_exports import pdf_text, read_csv, warm_edition


def course(owner, title, *, items=(), standards=(), by):
    field = "association" if owner.__class__.__name__ == "Association" else "office"
    made = Course.objects.create(
        **{field: owner},
        title=title,
        provider="Centennial Association",
        format=Course.Format.ONLINE,
        hours=Decimal("4"),
        created_by=by,
    )
    made.items.set(items)
    made.standards.set(standards)
    return made


def took(user, course_, recorder):
    starts = timezone.now() - datetime.timedelta(days=10)
    offering = Offering.objects.create(
        course=course_, starts_at=starts, ends_at=starts + datetime.timedelta(hours=4)
    )
    attendance = Attendance.objects.create(
        offering=offering, user=user, source=Attendance.Source.LIST, recorded_by=recorder
    )
    return credit_add(
        user=user,
        hours=course_.hours,
        earned_on=starts.date(),
        course=course_,
        attendance=attendance,
    )


def staff(office, cycle, *, low: int, high: int, reports_to=None, position=1):
    """`low` people rating the item at `position` 1 (every other item 3), `high` rating all 3."""
    people = []
    for n in range(low + high):
        user = person(office, reports_to=reports_to)
        overrides = {position: 1} if n < low else None
        answered(user, office, cycle, 3, overrides=overrides, rebuild=False)
        people.append(user)
    summaries_rebuild()
    return people


def row(ratings):
    return ItemRow(item=None, figure=Figure(Counts(list(ratings), 0), hidden=False))


@pytest.mark.parametrize(
    ("ratings", "need"),
    [
        ((3, 0, 17, 0), True),  # three people, 15 %
        ((1, 1, 4, 0), True),  # two people, 33 %
        ((0, 2, 8, 0), False),  # two people, 20 %
        ((0, 0, 5, 5), False),
        ((1, 0, 0, 0), True),  # one of one (only a manager's report shows so small a figure)
    ],
)
def test_an_item_is_a_need_when_three_people_or_thirty_percent_rate_it_low(ratings, need):
    assert is_training_need(row(ratings)) is need


def test_a_hidden_figure_is_never_a_need():
    hidden = ItemRow(item=None, figure=Figure(Counts([5, 5, 0, 0], 0), hidden=True))
    assert not is_training_need(hidden)


def test_the_manager_sees_the_needs_the_courses_and_who_took_them(client, world, cycle):
    items = items_of(cycle)
    first = items[0]
    people = staff(world.office, cycle, low=4, high=6)
    office_course = course(
        world.office, "Reading the election code", items=[first], by=world.manager
    )
    association_course = course(
        world.association, "Standard one in practice", standards=[first.standard], by=world.manager
    )
    elsewhere = course(world.other_office, "Lakeside's own course", items=[first], by=world.manager)
    course(world.office, "Unrelated course", items=[items[-1]], by=world.manager)
    took(people[0], office_course, world.manager)
    took(people[1], office_course, world.manager)
    outsider = person(world.other_office)
    took(outsider, association_course, world.other_manager)  # not on this office's staff

    report = office_report(world.office, cycle, identified=True)
    assert [n.row.item for n in report.training_needs] == [first]
    need = report.training_needs[0]
    assert (need.low, need.share) == (4, 40)
    lines = {line.course.title: line for line in need.courses}
    assert set(lines) == {office_course.title, association_course.title}
    assert {m.user for m in lines[office_course.title].takers} == {people[0], people[1]}
    assert lines[association_course.title].takers == []

    client.force_login(world.manager)
    html = client.get(reverse("reports:office-report", args=[world.office.pk])).content.decode()
    section = html[html.index('id="training-needs-heading"') :]
    section = section[: section.index("</section>")]
    assert office_course.title in section and association_course.title in section
    assert elsewhere.title not in section and "Unrelated course" not in section
    assert people[0].full_name in section and people[1].full_name in section
    assert outsider.full_name not in section
    assert reverse("education:course-detail", args=[office_course.pk]) in section
    assert "4 people (40 %)" in section

    rows = read_csv(client.get(reverse("reports:office-report-csv", args=[world.office.pk])))
    start = rows.index(
        [
            "training_need", "title", "rated_1_or_2", "rated_1_or_2_percent",
            "course", "provider", "took",
        ]
    )  # fmt: skip
    needs = {r[4]: r for r in rows[start + 1 :] if r}
    assert needs[office_course.title][0] == f"{first.standard.number}.{first.number}"
    assert set(needs[office_course.title][6].split("; ")) == {
        people[0].full_name,
        people[1].full_name,
    }
    assert needs[association_course.title][6] == ""


def test_a_supervisor_sees_counts_suppressed_when_small_and_no_names(client, world, cycle):
    first = items_of(cycle)[0]
    team = staff(world.office, cycle, low=3, high=3, reports_to=world.supervisor)
    staff(world.office, cycle, low=0, high=5, reports_to=world.other_supervisor)
    few = course(world.office, "Taken by two", items=[first], by=world.manager)
    many = course(world.association, "Taken by five", items=[first], by=world.manager)
    for member in team[:2]:
        took(member, few, world.manager)
    for member in team[:5]:
        took(member, many, world.manager)

    client.force_login(world.supervisor)
    html = client.get(reverse("reports:office-report", args=[world.office.pk])).content.decode()
    section = html[html.index('id="training-needs-heading"') :]
    section = section[: section.index("</section>")]
    assert "Taken by two" in section and "taken by fewer than 5 people" in section
    assert "Taken by five" in section and "taken by 5 people" in section
    for member in team:
        assert member.full_name not in section

    rows = read_csv(client.get(reverse("reports:office-report-csv", args=[world.office.pk])))
    took_cells = {r[4]: r[6] for r in rows if len(r) == 7 and r[0] == f"{first.standard.number}.1"}
    assert took_cells == {"Taken by two": "suppressed", "Taken by five": "5"}


def test_no_needs_when_the_results_are_suppressed(world, cycle):
    first = items_of(cycle)[0]
    staff(world.office, cycle, low=3, high=0, reports_to=world.supervisor)
    course(world.office, "Reading the election code", items=[first], by=world.manager)
    report = office_report(world.office, cycle, team_lead=world.supervisor)
    assert report.hidden
    assert report.training_needs == []


def test_the_pdf_has_the_training_needs(client, world, cycle):
    first = items_of(cycle)[0]
    staff(world.office, cycle, low=3, high=2)
    course(world.office, "Reading the election code", items=[first], by=world.manager)
    client.force_login(world.manager)
    response = client.get(reverse("reports:office-report-pdf", args=[world.office.pk]))
    _reader, text = pdf_text(response.content)
    flat = " ".join(text.split())
    assert "Training needs" in flat
    assert "Reading the election code" in flat


@pytest.mark.parametrize("courses", [0, 1, 12])
def test_the_training_needs_cost_one_query_whatever_their_size(
    client, world, cycle, django_assert_num_queries, courses
):
    """Pinned: the manager's report with training needs is 10 queries (one for the needs'
    courses and their takers), the same with no course, one, or twelve taken by many."""
    items = items_of(cycle)
    people = staff(world.office, cycle, low=6, high=2)
    for n in range(courses):
        made = course(world.association, f"Course {n}", items=[items[n]], by=world.manager)
        for member in people[:3]:
            took(member, made, world.manager)
    warm_edition(cycle)
    client.force_login(world.manager)
    client.get(reverse("reports:office-report", args=[world.office.pk]))  # benchmarks cached
    with django_assert_num_queries(10):
        response = client.get(reverse("reports:office-report", args=[world.office.pk]))
    assert response.status_code == 200
