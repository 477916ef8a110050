"""Dates of a course and registering for them: seats, double clicks, cancellations,
confirmation and reminder emails."""

import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from education import services
from education.models import Offering, Registration

from ..factories import MembershipFactory, UserFactory
from ..pledges.conftest import fresh_login
from .course_helpers import make_course, make_offering

pytestmark = pytest.mark.django_db

TOKEN = "5b0c7d7e-2222-4c8e-9d7e-00000000000{}"


@pytest.fixture
def course(world, cycle):
    return make_course(world.manager, title="Chain of custody")


def offering_data(**change):
    starts = timezone.localtime() + datetime.timedelta(days=7)
    data = {
        "starts_at": starts.strftime("%Y-%m-%dT09:00"),
        "ends_at": starts.strftime("%Y-%m-%dT12:00"),
        "place": "Riverside training room",
        "capacity": "12",
        "trainer": "",
    }
    return {**data, **change}


def test_a_manager_adds_a_date_with_a_trainer(client, world, course):
    fresh_login(client, world.manager)
    url = reverse("education:offering-create", args=[course.pk])
    response = client.post(url, offering_data(trainer=world.supervisor.email.upper()))
    assert response.status_code == 302
    offering = Offering.objects.get()
    assert (offering.capacity, offering.trainer, offering.place) == (
        12,
        world.supervisor,
        "Riverside training room",
    )
    assert timezone.localtime(offering.starts_at).hour == 9
    assert AuditEntry.objects.filter(action="education.offering_created").count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ends_at": "2020-01-01T08:00"}, "The course must end after it starts."),
        ({"starts_at": "2020-01-01T08:00", "ends_at": "2020-01-01T09:00"}, "in the future"),
        ({"capacity": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"starts_at": "tomorrow"}, "Enter a valid date/time."),
        ({"trainer": "stranger@example.org"}, "Nobody with this email address"),
        ({"place": "Room \u202e1"}, "invisible"),
    ],
)
def test_a_bad_date_is_refused_with_a_message(client, world, course, change, message):
    fresh_login(client, world.manager)
    response = client.post(
        reverse("education:offering-create", args=[course.pk]), offering_data(**change)
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Offering.objects.exists()


def test_a_trainer_from_another_office_is_refused(client, world, course):
    fresh_login(client, world.manager)
    response = client.post(
        reverse("education:offering-create", args=[course.pk]),
        offering_data(trainer=world.other_official.email),
    )
    assert response.status_code == 422
    assert not Offering.objects.exists()


def test_an_official_registers_once_and_gets_a_confirmation(
    client, world, course, mailoutbox, django_capture_on_commit_callbacks
):
    offering = make_offering(course, world.manager, capacity=5)
    client.force_login(world.official)
    url = reverse("education:offering-register", args=[offering.pk])
    with_token = {"submission": TOKEN.format(1)}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, with_token)
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert (registration.user, registration.offering) == (world.official, offering)
    # The same click again: answered "already saved", nothing twice.
    again = client.post(url, with_token)
    assert again.status_code == 302
    # Another click (a second tab): the registration already held.
    client.post(url, {"submission": TOKEN.format(2)})
    assert Registration.objects.count() == 1
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [world.official.email]
    assert "Registered: Chain of custody" in message.subject
    assert "Riverside" not in message.subject
    assert reverse("education:course-detail", args=[course.pk]) in message.body
    page = client.get(reverse("education:course-detail", args=[course.pk])).content.decode()
    assert "You are registered" in page
    assert reverse("education:registration-ics", args=[registration.pk]) in page


def test_a_full_date_says_so_and_registers_nobody(client, world, course):
    offering = make_offering(course, world.manager, capacity=1)
    services.registration_create(offering=offering, user=world.colleague)
    client.force_login(world.official)
    response = client.post(reverse("education:offering-register", args=[offering.pk]))
    assert response.status_code == 409
    assert "This course date is full." in response.content.decode()
    assert Registration.objects.count() == 1


def test_a_started_or_cancelled_date_takes_no_registration(client, world, course):
    started = make_offering(course, world.manager, days=0)
    cancelled = make_offering(course, world.manager, days=3)
    services.offering_cancel(offering=cancelled, by=world.manager)
    client.force_login(world.official)
    response = client.post(reverse("education:offering-register", args=[started.pk]))
    assert response.status_code == 409
    assert "already started" in response.content.decode()
    response = client.post(reverse("education:offering-register", args=[cancelled.pk]))
    assert response.status_code == 409
    assert "was cancelled" in response.content.decode()
    assert not Registration.objects.exists()


def test_people_who_do_not_see_the_course_cannot_register(client, world, course):
    offering = make_offering(course, world.manager)
    url = reverse("education:offering-register", args=[offering.pk])
    for person in (world.other_official, world.analyst):
        client.force_login(person)
        assert client.post(url).status_code == 404
    assert client.post(reverse("education:offering-register", args=[99999])).status_code == 404
    assert not Registration.objects.exists()


def test_the_database_keeps_one_active_registration_per_person(world, course):
    from django.db import IntegrityError, transaction

    offering = make_offering(course, world.manager)
    Registration.objects.create(offering=offering, user=world.official)
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(offering=offering, user=world.official)


@pytest.mark.django_db(transaction=True)
def test_two_people_racing_for_the_last_seat_get_one_seat(world, cycle):
    """Both requests count the seats under the offering's lock: one wins, one is told."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers already; the lock matters on PostgreSQL")
    course = make_course(world.manager, title="Race")
    offering = make_offering(course, world.manager, capacity=1)
    results = []

    def register(user):
        try:
            services.registration_create(offering=offering, user=user)
            results.append("ok")
        except services.RegistrationRefused:
            results.append("full")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=register, args=(u,)) for u in (world.official, world.colleague)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["full", "ok"]
    assert Registration.objects.filter(cancelled_at__isnull=True).count() == 1


def test_a_person_cancels_and_may_register_again(client, world, course):
    offering = make_offering(course, world.manager, capacity=1)
    registration, _ = services.registration_create(offering=offering, user=world.official)
    client.force_login(world.official)
    url = reverse("education:registration-cancel", args=[registration.pk])
    assert client.post(url).status_code == 302
    registration.refresh_from_db()
    assert registration.cancelled_at is not None
    assert client.post(url).status_code == 302  # twice: nothing more
    # The seat is free again: a colleague takes it.
    services.registration_create(offering=offering, user=world.colleague)
    client.force_login(world.colleague)
    assert client.post(url).status_code == 404  # not theirs
    assert list(
        AuditEntry.objects.filter(action__startswith="education.regist").values_list(
            "action", flat=True
        )
    ) == ["education.registered", "education.registration_cancelled", "education.registered"]


def test_a_started_course_cannot_be_cancelled(client, world, course):
    offering = make_offering(course, world.manager)
    registration, _ = services.registration_create(offering=offering, user=world.official)
    Offering.objects.filter(pk=offering.pk).update(starts_at=timezone.now())
    client.force_login(world.official)
    response = client.post(reverse("education:registration-cancel", args=[registration.pk]))
    assert response.status_code == 409
    registration.refresh_from_db()
    assert registration.cancelled_at is None


def test_a_date_edited_from_an_older_page_or_below_its_seats_is_refused(client, world, course):
    offering = make_offering(course, world.manager, capacity=3)
    services.registration_create(offering=offering, user=world.official)
    services.registration_create(offering=offering, user=world.colleague)
    fresh_login(client, world.manager)
    url = reverse("education:offering-edit", args=[offering.pk])
    local = timezone.localtime(offering.starts_at)
    data = offering_data(
        starts_at=local.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(local + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        capacity="1",
        version="1",
    )
    response = client.post(url, data)
    assert response.status_code == 422
    assert "2 people are registered" in response.content.decode()
    data["capacity"] = "20"
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 422  # version 1 again: stale
    offering.refresh_from_db()
    assert (offering.capacity, offering.version) == (20, 2)


def test_cancelling_a_date_tells_everyone_registered(
    client, world, course, mailoutbox, django_capture_on_commit_callbacks
):
    offering = make_offering(course, world.manager)
    no_email = MembershipFactory(office=world.office).user
    type(no_email).objects.filter(pk=no_email.pk).update(email=None)  # an election worker
    no_email.refresh_from_db()
    for person in (world.official, world.colleague, no_email):
        services.registration_create(offering=offering, user=person)
    mailoutbox.clear()
    fresh_login(client, world.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("education:offering-cancel", args=[offering.pk]))
    assert response.status_code == 302
    offering.refresh_from_db()
    assert offering.cancelled_at is not None
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [world.official.email, world.colleague.email]
    )
    assert all(m.subject.startswith("Cancelled: Chain of custody") for m in mailoutbox)
    client.force_login(world.official)
    assert client.post(reverse("education:offering-cancel", args=[offering.pk])).status_code == 403


def test_reminders_go_out_once_before_the_course(
    world, course, mailoutbox, django_capture_on_commit_callbacks
):
    soon = make_offering(course, world.manager, days=1)
    later = make_offering(course, world.manager, days=10)
    cancelled_registration = make_offering(course, world.manager, days=1)
    no_email = MembershipFactory(office=world.office).user
    type(no_email).objects.filter(pk=no_email.pk).update(email=None)  # an election worker
    no_email.refresh_from_db()
    services.registration_create(offering=soon, user=world.official)
    services.registration_create(offering=soon, user=no_email)
    services.registration_create(offering=later, user=world.colleague)
    gone, _ = services.registration_create(offering=cancelled_registration, user=world.colleague)
    services.registration_cancel(registration=gone, by=world.colleague)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_course_reminders")
    assert [m.to for m in mailoutbox] == [[world.official.email]]
    assert mailoutbox[0].subject.startswith("Reminder: Chain of custody")
    reminded = Registration.objects.get(offering=soon, user=world.official)
    assert reminded.reminded_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_course_reminders")
        assert services.course_reminders_send() == 0
    assert len(mailoutbox) == 1
    # Ten days ahead with --days 10: the colleague's turn, once.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.course_reminders_send(days=10) == 1
    assert len(mailoutbox) == 2
    assert AuditEntry.objects.filter(action="education.course_reminder_sent").count() == 2


def test_a_person_without_an_office_cannot_make_a_calendar_address(client, world):
    client.force_login(world.analyst)
    assert client.post(reverse("education:calendar-feed-reset")).status_code == 403
    other = UserFactory()
    client.force_login(other)
    assert client.post(reverse("education:calendar-feed-reset")).status_code == 403
