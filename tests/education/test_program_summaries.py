"""The program summaries per office: kept by every write in the same transaction, moved
by differences on the offices concerned only, and equal to a rebuild from scratch."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Membership, User
from education import services
from education.models import Credit, Enrollment, ProgramOfficeSummary
from education.selectors import add_months

from ..factories import MembershipFactory, OfficeFactory
from .program_helpers import course, days_ago, earn, program

pytestmark = pytest.mark.django_db


def rows() -> dict:
    return {
        (r.program_id, r.office_id): (r.enrolled, r.completed, r.hours)
        for r in ProgramOfficeSummary.objects.all()
        if r.enrolled or r.completed or r.hours
    }


def standings() -> list:
    return list(
        Enrollment.objects.order_by("pk").values_list(
            "pk", "office_id", "period_start", "period_end", "hours", "met", "lapsed", "ended_at"
        )
    )


@pytest.fixture
def setup(world, edition):
    admin = world.association_admin
    required = course(world.association, by=admin, title="Ballot security", hours="6")
    other = course(world.association, by=admin, title="Poll worker training", hours="8")
    made = program(world.association, by=admin, hours="12", months=12, courses=[required])
    world.association.offices.add(world.other_office)
    return world, made, required, other


def move(person, office) -> User:
    """The person leaves their office and joins another (as accounts records it)."""
    Membership.objects.filter(user=person, ended_at__isnull=True).update(ended_at=timezone.now())
    MembershipFactory(user=person, office=office)
    return User.objects.get(pk=person.pk)


def test_enrolling_counts_the_person_in_their_office_and_leaving_takes_them_out(setup):
    world, made, _required, other = setup
    enrollment = services.enrol(user=world.official, program=made)
    assert rows() == {(made.pk, world.office.pk): (1, 0, Decimal(0))}
    services.enrol(user=world.colleague, program=made)
    earn(world.colleague, other, on=days_ago(0))
    assert rows() == {(made.pk, world.office.pk): (2, 0, Decimal(8))}
    services.enrolment_leave(enrollment=enrollment, by=world.official)
    assert rows() == {(made.pk, world.office.pk): (1, 0, Decimal(8))}


def test_meeting_the_period_moves_the_completed_count(setup):
    world, made, required, other = setup
    services.enrol(user=world.official, program=made, started_on=days_ago(10))
    earn(world.official, other, on=days_ago(5))
    earn(world.official, required, on=days_ago(4))
    assert rows() == {(made.pk, world.office.pk): (1, 1, Decimal(14))}
    services.credit_remove(credit=Credit.objects.filter(course=required).get())
    assert rows() == {(made.pk, world.office.pk): (1, 0, Decimal(8))}


def test_a_change_of_office_moves_the_counts_at_the_daily_run(setup):
    world, made, _required, other = setup
    services.enrol(user=world.official, program=made)
    earn(world.official, other, on=days_ago(0))
    moved = move(world.official, world.other_office)
    assert services.standings_roll() == 1
    assert rows() == {(made.pk, world.other_office.pk): (1, 0, Decimal(8))}
    assert services.standings_roll() == 0  # nothing left to move
    # The person's next write would have moved them too.
    assert Enrollment.objects.get().office == world.other_office
    assert moved.active_membership.office == world.other_office


def test_a_period_that_ended_moves_on_at_the_daily_run(setup):
    world, made, required, other = setup
    services.enrol(user=world.official, program=made, started_on=days_ago(100))
    earn(world.official, other, on=days_ago(50))
    earn(world.official, required, on=days_ago(40))
    assert rows() == {(made.pk, world.office.pk): (1, 1, Decimal(14))}
    # A year later the period has ended: the next one starts with nothing.
    later = timezone.localdate() + timezone.timedelta(days=300)
    assert services.standings_roll(today=later) == 1
    assert rows() == {(made.pk, world.office.pk): (1, 0, Decimal(0))}
    enrollment = Enrollment.objects.get()
    assert enrollment.period_start == add_months(days_ago(100), 12)
    assert enrollment.period_end > later


def test_the_command_rebuilds_what_was_lost(setup):
    world, made, _required, other = setup
    services.enrol(user=world.official, program=made)
    services.enrol(user=world.other_official, program=made)
    earn(world.official, other, on=days_ago(0))
    kept = rows()
    ProgramOfficeSummary.objects.all().delete()
    Enrollment.objects.update(hours=0, office=None)
    out = io.StringIO()
    call_command("rebuild_program_summaries", stdout=out)
    assert "Rebuilt 2 program summaries." in out.getvalue()
    assert rows() == kept


def test_a_write_touches_its_office_row_only_whatever_the_number_of_offices(
    setup,
):
    world, made, _required, other = setup
    services.enrol(user=world.official, program=made)

    def cost() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as context:
            services.progress_changed(user=world.official)
        return len(context)

    few = cost()
    for n in range(30):
        office = OfficeFactory(name=f"Office {n}")
        world.association.offices.add(office)
        person = MembershipFactory(office=office).user
        services.enrol(user=person, program=made)
    assert cost() == few
    before = {r.office_id: r.updated_at for r in ProgramOfficeSummary.objects.all()}
    earn(world.official, other, on=days_ago(0))
    after = {r.office_id: r.updated_at for r in ProgramOfficeSummary.objects.all()}
    assert [pk for pk in after if after[pk] != before[pk]] == [world.office.pk]


ACTIONS = st.sampled_from(
    ["enrol", "enrol_past", "leave", "earn", "earn_required", "remove", "move"]
)
STEPS = st.lists(st.tuples(st.integers(0, 2), ACTIONS, st.integers(0, 500)), max_size=14)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_maintained_summaries_equal_a_rebuild_after_any_sequence(setup, steps):
    world, made, required, other = setup
    with transaction.atomic():
        people = [world.official, world.colleague, world.other_official]
        offices = [world.office, world.other_office]
        for who, action, days in steps:
            person = User.objects.get(pk=people[who].pk)
            current = Enrollment.objects.filter(user=person, ended_at__isnull=True).first()
            if action in ("enrol", "enrol_past") and person.active_membership is not None:
                start = days_ago(days) if action == "enrol_past" else None
                services.enrol(user=person, program=made, started_on=start)
            elif action == "leave" and current is not None:
                services.enrolment_leave(enrollment=current, by=person)
            elif action in ("earn", "earn_required"):
                taken = required if action == "earn_required" else other
                earn(person, taken, on=days_ago(days))
            elif action == "remove":
                credit = Credit.objects.filter(user=person).order_by("pk").first()
                if credit is not None:
                    services.credit_remove(credit=credit)
            elif action == "move":
                office = person.active_membership.office
                move(
                    person, offices[1 - offices.index(office)] if office in offices else offices[0]
                )
        services.standings_roll()
        maintained = (rows(), standings())
        services.program_summaries_rebuild()
        assert (rows(), standings()) == maintained
        transaction.set_rollback(True)
