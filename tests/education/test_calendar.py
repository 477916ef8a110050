"""Registrations as iCalendar: one .ics per registration, and the personal feed at an
unguessable address, read back with the icalendar library."""

import datetime

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from education import services
from education.models import CalendarFeed, Offering

from .course_helpers import make_course, make_offering

pytestmark = pytest.mark.django_db


@pytest.fixture
def registration(world, cycle):
    course = make_course(world.manager, title="Chain of custody", hours="2.5")
    offering = make_offering(course, world.manager, days=6, place="Riverside room 2")
    registration, _ = services.registration_create(offering=offering, user=world.official)
    return registration


def events(content: bytes) -> list:
    calendar = icalendar.Calendar.from_ical(content)
    return list(calendar.walk("VEVENT"))


def test_a_registration_downloads_as_an_ics_event(client, world, registration):
    client.force_login(world.official)
    response = client.get(reverse("education:registration-ics", args=[registration.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="chain-of-custody.ics"'
    assert "no-store" in response["Cache-Control"]
    (event,) = events(response.content)
    offering = registration.offering
    assert str(event["summary"]) == "Chain of custody"
    assert event.decoded("dtstart") == offering.starts_at
    assert event.decoded("dtend") == offering.ends_at
    assert str(event["location"]) == "Riverside room 2"
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["uid"]).startswith(f"registration-{registration.pk}@")
    assert reverse("education:course-detail", args=[offering.course_id]) in str(event["url"])


def test_only_the_person_downloads_their_registration(client, world, registration):
    url = reverse("education:registration-ics", args=[registration.pk])
    for person in (world.colleague, world.manager, world.other_official, world.analyst):
        client.force_login(person)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_the_feed_lists_the_persons_courses_with_stable_ids(client, world, registration):
    client.force_login(world.official)
    response = client.post(reverse("education:calendar-feed-reset"))
    assert response["Location"] == reverse("education:my-training")
    feed = CalendarFeed.objects.get(user=world.official)
    assert len(feed.token) >= 43
    client.logout()
    url = reverse("education:calendar-feed", args=[feed.token])
    response = client.get(url)  # no sign-in: calendar applications cannot sign in
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert {"private", "no-store"} <= {v.strip() for v in response["Cache-Control"].split(",")}
    (event,) = events(response.content)
    uid = str(event["uid"])
    assert uid == str(events(response.content)[0]["uid"])
    # The date moves: the same event, a higher sequence.
    offering = registration.offering
    services.offering_update(
        offering=offering,
        by=world.manager,
        version=offering.version,
        starts_at=offering.starts_at + datetime.timedelta(days=1),
        ends_at=offering.ends_at + datetime.timedelta(days=1),
    )
    (moved,) = events(client.get(url).content)
    assert str(moved["uid"]) == uid
    assert moved["sequence"] > event["sequence"]
    # Someone else's course is not in it.
    other = make_offering(registration.offering.course, world.manager, days=8)
    services.registration_create(offering=other, user=world.colleague)
    assert len(events(client.get(url).content)) == 1


def test_cancellations_show_as_cancelled_events(client, world, registration):
    feed = services.calendar_feed_reset(user=world.official)
    url = reverse("education:calendar-feed", args=[feed.token])
    services.registration_cancel(registration=registration, by=world.official)
    (event,) = events(client.get(url).content)
    assert str(event["status"]) == "CANCELLED"
    # Registered again: only the active registration is shown.
    again, _ = services.registration_create(offering=registration.offering, user=world.official)
    (event,) = events(client.get(url).content)
    assert (str(event["status"]), str(event["uid"]).split("@")[0]) == (
        "CONFIRMED",
        f"registration-{again.pk}",
    )
    # The organiser cancels the date.
    services.offering_cancel(offering=registration.offering, by=world.manager)
    (event,) = events(client.get(url).content)
    assert str(event["status"]) == "CANCELLED"


def test_courses_long_past_leave_the_feed(client, world, registration):
    feed = services.calendar_feed_reset(user=world.official)
    Offering.objects.filter(pk=registration.offering_id).update(
        starts_at=timezone.now() - datetime.timedelta(days=90),
        ends_at=timezone.now() - datetime.timedelta(days=90, hours=-2),
    )
    assert events(client.get(reverse("education:calendar-feed", args=[feed.token])).content) == []


def test_replacing_the_address_stops_the_old_one(client, world, registration):
    old = services.calendar_feed_reset(user=world.official).token
    client.force_login(world.official)
    client.post(reverse("education:calendar-feed-reset"))
    new = CalendarFeed.objects.get(user=world.official).token
    assert new != old
    client.logout()
    assert client.get(reverse("education:calendar-feed", args=[old])).status_code == 404
    assert client.get(reverse("education:calendar-feed", args=[new])).status_code == 200
    assert AuditEntry.objects.filter(action="education.calendar_feed_reset").count() == 2


@pytest.mark.parametrize("token", ["nope", "x" * 200, "%00", "' OR 1=1 --"])
def test_a_wrong_address_is_not_found(client, world, registration, token):
    services.calendar_feed_reset(user=world.official)
    assert client.get(f"/education/calendar/{token}.ics").status_code == 404


def test_a_deactivated_persons_feed_is_gone(client, world, registration):
    feed = services.calendar_feed_reset(user=world.official)
    type(world.official).objects.filter(pk=world.official.pk).update(is_active=False)
    assert client.get(reverse("education:calendar-feed", args=[feed.token])).status_code == 404


def test_the_feed_reads_a_fixed_number_of_queries(
    client, world, registration, django_assert_num_queries
):
    feed = services.calendar_feed_reset(user=world.official)
    url = reverse("education:calendar-feed", args=[feed.token])
    for days in range(8, 14):
        services.registration_create(
            offering=make_offering(registration.offering.course, world.manager, days=days),
            user=world.official,
        )
    with django_assert_num_queries(2):  # the feed with its person, the registrations
        assert len(events(client.get(url).content)) == 7


def test_the_training_page_shows_the_address(client, world, registration):
    client.force_login(world.official)
    page = client.get(reverse("education:my-training")).content.decode()
    assert "Get my calendar address" in page
    feed = services.calendar_feed_reset(user=world.official)
    page = client.get(reverse("education:my-training")).content.decode()
    assert reverse("education:calendar-feed", args=[feed.token]) in page
