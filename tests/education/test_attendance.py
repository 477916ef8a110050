"""Attendance: the trainer's list, hours written once through the ledger, taken back when
unticked, and who may keep the list."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from education import services
from education.models import Attendance, Credit, Offering

from ..factories import MembershipFactory
from ..pledges.conftest import fresh_login
from .course_helpers import make_course, make_offering, standard

pytestmark = pytest.mark.django_db


@pytest.fixture
def offering(world, cycle):
    course = make_course(
        world.manager, title="Chain of custody", hours="2.5", standards=(4,), items=("2.1",)
    )
    offering = make_offering(course, world.manager, days=3, trainer=world.supervisor)
    for person in (world.official, world.colleague):
        services.registration_create(offering=offering, user=person)
    Offering.objects.filter(pk=offering.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=3),
        ends_at=timezone.now() - datetime.timedelta(hours=1),
    )
    offering.refresh_from_db()
    return offering


def save(client, offering, present, listed, token=None):
    data = {"listed": [p.pk for p in listed], "present": [p.pk for p in present]}
    if token:
        data["submission"] = token
    return client.post(reverse("education:offering-attendance", args=[offering.pk]), data)


def test_the_trainer_marks_people_present_and_their_hours_count_once(client, world, offering):
    fresh_login(client, world.supervisor)
    page = client.get(reverse("education:offering-attendance", args=[offering.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert world.official.full_name in text and world.colleague.full_name in text
    everyone = [world.official, world.colleague]
    token = "7c1a2b3c-3333-4c8e-9d7e-000000000001"
    assert save(client, offering, [world.official], everyone, token).status_code == 302
    credit = Credit.objects.get()
    assert (credit.user, credit.hours, credit.course, credit.office) == (
        world.official,
        offering.course.hours,
        offering.course,
        world.office,
    )
    assert credit.earned_on == timezone.localdate(offering.starts_at)
    assert credit.attendance.source == Attendance.Source.LIST
    assert credit.attendance.recorded_by == world.supervisor
    # The course's standard and the standard of its item.
    assert sorted(s.number for s in credit.standards.all()) == [2, 4]
    # Sent again, or saved again from another tab: nothing counted twice.
    assert save(client, offering, [world.official], everyone, token).status_code == 302
    assert save(client, offering, [world.official], everyone).status_code == 302
    assert Credit.objects.count() == 1
    assert Attendance.objects.count() == 1


def test_unticking_someone_takes_their_hours_away(client, world, offering):
    fresh_login(client, world.manager)
    everyone = [world.official, world.colleague]
    save(client, offering, everyone, everyone)
    assert Credit.objects.count() == 2
    save(client, offering, [world.colleague], everyone)
    assert list(Credit.objects.values_list("user", flat=True)) == [world.colleague.pk]
    assert not Attendance.objects.filter(user=world.official).exists()
    actions = list(
        AuditEntry.objects.filter(action__startswith="education.attendance").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == [
        "education.attendance_recorded",
        "education.attendance_recorded",
        "education.attendance_removed",
    ]


def test_only_the_people_listed_on_the_page_change(client, world, offering):
    """Someone marked present from another tab after this page was shown is not
    unmarked by it."""
    fresh_login(client, world.supervisor)
    services.attendance_record(offering=offering, by=world.manager, present=[world.colleague])
    save(client, offering, [world.official], [world.official])
    assert sorted(Credit.objects.values_list("user", flat=True)) == sorted(
        [world.official.pk, world.colleague.pk]
    )


def test_someone_who_did_not_register_is_added_by_search(client, world, offering):
    walk_in = MembershipFactory(office=world.office, user__full_name="Wanda Walkin").user
    fresh_login(client, world.supervisor)
    url = reverse("education:offering-attendance", args=[offering.pk])
    page = client.get(url, {"q": "walkin"}).content.decode()
    assert "Wanda Walkin" in page
    # Another office's people are not offered, nor accepted.
    assert (
        world.other_official.full_name
        not in client.get(url, {"q": world.other_official.full_name[:5]}).content.decode()
    )
    add = reverse("education:offering-attendance-add", args=[offering.pk])
    assert client.post(add, {"person": world.other_official.pk}).status_code == 400
    assert client.post(add, {"person": "nobody"}).status_code == 400
    assert client.post(add, {"person": walk_in.pk}).status_code == 302
    assert Credit.objects.get().user == walk_in
    page = client.get(url).content.decode()
    assert "added, not registered" in page


def test_attendance_waits_for_the_day_of_the_course(client, world, cycle):
    course = make_course(world.manager)
    future = make_offering(course, world.manager, days=5, trainer=world.supervisor)
    services.registration_create(offering=future, user=world.official)
    fresh_login(client, world.supervisor)
    page = client.get(reverse("education:offering-attendance", args=[future.pk]))
    assert "Attendance can be recorded from the day of the course" in page.content.decode()
    response = save(client, future, [world.official], [world.official])
    assert response.status_code == 409
    assert not Credit.objects.exists()


def test_a_cancelled_date_has_no_attendance(client, world, offering):
    Offering.objects.filter(pk=offering.pk).update(cancelled_at=timezone.now())
    fresh_login(client, world.manager)
    response = save(client, offering, [world.official], [world.official])
    assert response.status_code == 409
    assert not Credit.objects.exists()


def test_who_may_keep_the_attendance_list(client, world, offering):
    url = reverse("education:offering-attendance", args=[offering.pk])
    expected = {
        world.supervisor: 200,  # the trainer
        world.manager: 200,  # the course's publisher
        world.official: 403,  # sees the course, does not keep its list
        world.other_manager: 404,
        world.analyst: 404,
        world.association_admin: 404,  # an office's course, not the association's
    }
    for person, status in expected.items():
        fresh_login(client, person)
        assert client.get(url).status_code == status, person
    client.logout()
    assert client.get(url).status_code == 302
    fresh_login(client, world.official)
    assert save(client, offering, [world.official], [world.official]).status_code == 403
    assert not Credit.objects.exists()


def test_hours_are_never_counted_twice_for_one_attendance(world, offering):
    from django.db import IntegrityError, transaction

    services.attendance_record(offering=offering, by=world.manager, present=[world.official])
    attendance = Attendance.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        services.credit_add(
            user=world.official,
            hours=offering.course.hours,
            earned_on=timezone.localdate(),
            attendance=attendance,
            standards=[standard(4)],
        )
    assert Credit.objects.count() == 1


def test_an_association_course_takes_people_of_every_member_office(client, world, cycle):
    from ..factories import OfficeFactory

    member = OfficeFactory(name="Pine County Elections")
    world.association.offices.add(member)
    pine = MembershipFactory(office=member, user__full_name="Pat Pine").user
    course = make_course(world.association_admin, association=world.association, title="CERA")
    offering = make_offering(course, world.association_admin, days=0, trainer=pine)
    fresh_login(client, world.association_admin)
    url = reverse("education:offering-attendance", args=[offering.pk])
    assert "Pat Pine" in client.get(url, {"q": "Pine"}).content.decode()
    add = reverse("education:offering-attendance-add", args=[offering.pk])
    assert client.post(add, {"person": world.official.pk}).status_code == 302
    credit = Credit.objects.get()
    assert (credit.user, credit.office) == (world.official, world.office)
    # The trainer from a member office keeps the list too.
    fresh_login(client, pine)
    assert client.get(url).status_code == 200


def test_everyone_who_checked_in_at_the_signing_session_is_marked_present(
    client, world, cycle, offering
):
    from pledges.models import Pledge
    from signing.services import attendance_join, session_create

    session = session_create(
        by=world.manager,
        office=world.office,
        title="Chain of custody training",
        place="Room B",
        starts_at=timezone.now() - datetime.timedelta(minutes=30),
        ends_at=timezone.now() + datetime.timedelta(hours=2),
        cycle=cycle,
        audience="staff",
        capacity=40,
    )
    for person in (world.official, world.other_supervisor):
        attendance_join(session=session, user=person, identified_by=Pledge.IdentifiedBy.values[0])
    fresh_login(client, world.manager)
    # The course's publisher ties the date to the session.
    local = timezone.localtime(offering.starts_at)
    response = client.post(
        reverse("education:offering-edit", args=[offering.pk]),
        {
            "starts_at": local.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": timezone.localtime(offering.ends_at).strftime("%Y-%m-%dT%H:%M"),
            "place": offering.place,
            "trainer": world.supervisor.email,
            "signing_session": session.pk,
            "version": offering.version,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    url = reverse("education:offering-attendance", args=[offering.pk])
    page = client.get(url).content.decode()
    assert "2 people checked in at" in page
    button = reverse("education:offering-attendance-session", args=[offering.pk])
    assert client.post(button).status_code == 302
    assert client.post(button).status_code == 302  # twice: nothing counted twice
    present = Attendance.objects.filter(offering=offering).order_by("user_id")
    assert sorted(a.user_id for a in present) == sorted(
        [world.official.pk, world.other_supervisor.pk]
    )
    assert {a.source for a in present} == {Attendance.Source.SESSION}
    assert Credit.objects.count() == 2


def test_a_session_of_another_office_cannot_be_tied_to_a_date(client, world, cycle, offering):
    from signing.services import session_create

    elsewhere = session_create(
        by=world.other_manager,
        office=world.other_office,
        title="Elsewhere",
        place="Room C",
        starts_at=timezone.now() + datetime.timedelta(days=1),
        ends_at=timezone.now() + datetime.timedelta(days=1, hours=2),
        cycle=cycle,
        audience="staff",
        capacity=40,
    )
    with pytest.raises(ValidationError, match="signing session"):
        services.offering_update(
            offering=offering, by=world.manager, version=offering.version, signing_session=elsewhere
        )
    fresh_login(client, world.manager)
    button = reverse("education:offering-attendance-session", args=[offering.pk])
    response = client.post(button)
    assert response.status_code == 409
    assert "not tied to a signing session" in response.content.decode()


def test_a_date_with_attendance_keeps_its_day(world, offering):
    services.attendance_record(offering=offering, by=world.manager, present=[world.official])
    with pytest.raises(ValidationError, match="its day can no longer change"):
        services.offering_update(
            offering=offering,
            by=world.manager,
            version=offering.version,
            starts_at=offering.starts_at - datetime.timedelta(days=1),
        )
    assert Credit.objects.get().earned_on == timezone.localdate(offering.starts_at)
