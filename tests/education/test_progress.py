"""A person's progress in a program: periods from the day they enrolled, hours earned
inside each, required courses and standards, completion once per period, and lapses."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError

from accounts.models import AuditEntry
from education import selectors, services
from education.models import Completion, Enrollment
from education.selectors import Standing, add_months, period_at, period_on

from .program_helpers import course, days_ago, earn, program, standards_of

pytestmark = pytest.mark.django_db


# --- periods ---------------------------------------------------------------------------


def test_a_period_runs_from_the_start_for_its_months_and_ends_the_day_before_the_next():
    first = period_at(datetime.date(2026, 3, 15), 24, 0)
    assert (first.start, first.end) == (datetime.date(2026, 3, 15), datetime.date(2028, 3, 14))
    second = period_at(datetime.date(2026, 3, 15), 24, 1)
    assert second.start == datetime.date(2028, 3, 15)


def test_month_ends_stay_month_ends_and_never_drift():
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2027, 12, 31), 2) == datetime.date(2028, 2, 29)
    # Counted from the start every time: the third period starts on the 31st again.
    assert period_at(datetime.date(2026, 1, 31), 1, 2).start == datetime.date(2026, 3, 31)
    assert period_at(datetime.date(2026, 1, 31), 1, 0).end == datetime.date(2026, 2, 27)


@pytest.mark.parametrize(
    ("day", "index"),
    [
        (datetime.date(2026, 3, 15), 0),
        (datetime.date(2027, 3, 14), 0),  # the last day of the first period
        (datetime.date(2027, 3, 15), 1),  # the first day of the second
        (datetime.date(2031, 3, 14), 4),
        (datetime.date(2020, 1, 1), 0),  # before the start: the first period
    ],
)
def test_the_period_holding_a_day(day, index):
    assert period_on(datetime.date(2026, 3, 15), 12, day).index == index


# --- progress --------------------------------------------------------------------------


@pytest.fixture
def setup(world, edition):
    admin = world.association_admin
    required = course(world.association, by=admin, title="Ballot security", hours="6")
    other = course(
        world.association,
        by=admin,
        title="Accessible polling places",
        hours="8",
        standards=standards_of(edition, 4),
    )
    made = program(
        world.association,
        by=admin,
        hours="12",
        months=12,
        courses=[required],
        standards=standards_of(edition, 4),
    )
    return world, made, required, other


def test_hours_inside_the_period_count_and_those_before_the_start_do_not(setup):
    world, made, _required, other = setup
    person = world.official
    earn(person, other, on=days_ago(400))  # before the enrolment's start
    enrollment = services.enrol(user=person, program=made, started_on=days_ago(30))
    earn(person, other, on=days_ago(10))
    progress = selectors.program_progress(enrollment)
    assert progress.current.hours == Decimal("8")
    assert progress.current.hours_missing == Decimal("4")
    assert [c.title for c in progress.current_courses_missing] == ["Ballot security"]
    assert [s.number for s in progress.current_standards_covered] == [4]
    assert progress.current_standards_missing == []
    assert not progress.current.met
    assert progress.standing == Standing.ON_TRACK
    assert progress.current.period.end == add_months(days_ago(30), 12) - datetime.timedelta(1)
    assert not Completion.objects.exists()


def test_meeting_every_requirement_records_one_completion_and_tells_the_person(
    setup, django_capture_on_commit_callbacks
):
    world, made, required, other = setup
    person = world.official
    enrollment = services.enrol(user=person, program=made, started_on=days_ago(30))
    earn(person, other, on=days_ago(20))
    assert not Completion.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        earn(person, required, on=days_ago(5))
    completion = Completion.objects.get()
    assert (completion.user, completion.program) == (person, made)
    assert completion.period_start == days_ago(30)
    assert completion.hours == Decimal("14")
    assert len(completion.code) == 16
    enrollment.refresh_from_db()
    assert enrollment.met and enrollment.hours == Decimal("14")
    assert selectors.program_progress(enrollment).standing == Standing.COMPLETE
    assert AuditEntry.objects.filter(action="education.period_completed").count() == 1
    assert [m.subject for m in mail.outbox] == ["You met the requirements of CERA"]
    assert f"/education/programs/{made.pk}/" in mail.outbox[0].body
    # More hours in the same period: still one completion.
    earn(person, other, on=days_ago(2))
    assert Completion.objects.count() == 1


def test_the_database_refuses_a_second_completion_for_the_same_period(setup):
    world, made, required, other = setup
    person = world.official
    services.enrol(user=person, program=made, started_on=days_ago(30))
    earn(person, other, on=days_ago(20))
    earn(person, required, on=days_ago(5))
    first = Completion.objects.get()
    with pytest.raises(IntegrityError):
        Completion.objects.create(
            program=made,
            user=person,
            period_start=first.period_start,
            period_end=first.period_end,
            hours=1,
            code="X" * 16,
        )


def test_an_unmet_period_that_ended_is_a_lapse_and_the_next_starts_afresh(setup):
    world, made, required, other = setup
    person = world.official
    # Enrolled 13 months ago: the first period ended last month.
    start = days_ago(400)
    earn(person, other, on=days_ago(390))  # 8 of 12 hours, no required course: unmet
    enrollment = services.enrol(user=person, program=made, started_on=start)
    progress = selectors.program_progress(enrollment)
    assert progress.current.period.index == 1
    assert progress.current.hours == 0
    assert progress.lapsed
    assert progress.standing == Standing.LAPSED
    enrollment.refresh_from_db()
    assert enrollment.lapsed and not enrollment.met
    # Meeting the new period: complete again, the lapse behind it.
    earn(person, other, on=days_ago(3))
    earn(person, required, on=days_ago(2))
    enrollment.refresh_from_db()
    assert enrollment.met
    assert selectors.program_progress(enrollment).standing == Standing.COMPLETE


def test_a_late_credit_inside_an_earlier_period_completes_that_period(setup):
    world, made, required, other = setup
    person = world.official
    enrollment = services.enrol(user=person, program=made, started_on=days_ago(400))
    assert enrollment.lapsed
    earn(person, other, on=days_ago(390))
    earn(person, required, on=days_ago(380))
    completion = Completion.objects.get()
    assert completion.period_start == days_ago(400)
    enrollment.refresh_from_db()
    assert not enrollment.lapsed


def test_a_period_ending_soon_and_unmet_lapses_soon(setup, settings):
    world, made, _required, _other = setup
    settings.EDUCATION_LAPSE_REMINDER_DAYS = 60
    enrollment = services.enrol(user=world.official, program=made, started_on=days_ago(330))
    progress = selectors.program_progress(enrollment)
    assert 0 <= progress.days_left <= 60
    assert progress.standing == Standing.LAPSES_SOON


def test_hours_taken_off_the_ledger_withdraw_the_completion_and_meeting_again_restores_it(setup):
    world, made, required, other = setup
    person = world.official
    services.enrol(user=person, program=made, started_on=days_ago(30))
    earn(person, other, on=days_ago(20))
    credit = earn(person, required, on=days_ago(5))
    completion = Completion.objects.get()
    services.credit_remove(credit=credit)
    completion.refresh_from_db()
    assert completion.withdrawn_at is not None
    assert AuditEntry.objects.filter(action="education.completion_withdrawn").count() == 1
    earn(person, required, on=days_ago(4))
    completion.refresh_from_db()
    assert completion.withdrawn_at is None
    assert Completion.objects.count() == 1


def test_my_programs_lists_active_enrolments_only_in_constant_queries(
    setup, django_assert_num_queries
):
    world, made, _required, other = setup
    person = world.official
    second = program(world.association, by=world.association_admin, name="Voter services")
    services.enrol(user=person, program=made, started_on=days_ago(30))
    left = services.enrol(user=person, program=second, started_on=days_ago(30))
    earn(person, other, on=days_ago(3))
    assert [p.program for p in selectors.my_programs(person)] == [made, second]
    services.enrolment_leave(enrollment=left, by=person)
    with django_assert_num_queries(4):
        found = selectors.my_programs(person)
    assert [p.program for p in found] == [made]
    # More programs, courses and credits: the same number of queries.
    for n in range(3):
        extra = program(world.association, by=world.association_admin, name=f"Extra {n}")
        services.enrol(user=person, program=extra, started_on=days_ago(30))
        earn(person, other, on=days_ago(n + 1))
    with django_assert_num_queries(4):
        assert len(selectors.my_programs(person)) == 4


def test_enrolling_twice_returns_the_same_enrolment(setup):
    world, made, *_ = setup
    first = services.enrol(user=world.official, program=made)
    again = services.enrol(user=world.official, program=made)
    assert first.pk == again.pk
    assert Enrollment.objects.count() == 1
    assert AuditEntry.objects.filter(action="education.enrolled").count() == 1


def test_only_people_of_member_offices_enrol_in_open_programs(setup):
    world, made, *_ = setup
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.enrol(user=world.other_official, program=made)
    services.program_close(program=made, by=world.association_admin)
    with pytest.raises(ValidationError):
        services.enrol(user=world.official, program=made)
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize("days", [-1, "future"])
def test_a_start_in_the_future_or_too_long_ago_is_refused(setup, days):
    world, made, *_ = setup
    from django.core.exceptions import ValidationError

    start = days_ago(-3) if days == "future" else days_ago(366 * 10 + 5)
    with pytest.raises(ValidationError):
        services.enrol(user=world.official, program=made, started_on=start)
    assert not Enrollment.objects.exists()
