"""Courses in the browser: a manager publishes a course and adds a date, an official
registers and downloads the .ics, the trainer marks them present."""

import datetime
from pathlib import Path

import icalendar
import pytest
from django.utils import timezone

from education.models import Course, Credit, Offering, Registration

from ..factories import PASSWORD
from .conftest import sign_in


def open_training(page, width):
    """Follow the Training link of the main navigation (behind the menu button on a
    narrow screen)."""
    nav = page.get_by_role("navigation", name="Main")
    if width < 768:
        page.get_by_role("button", name="Show menu").click()
    nav.get_by_role("link", name="Training", exact=True).click()
    page.wait_for_url("**/education/")


@pytest.mark.parametrize("width", [1280, 320])
def test_a_course_from_publication_to_hours(page, browser, live_server, world, cycle, axe, width):
    page.set_viewport_size({"width": width, "height": 900})

    # The manager publishes a course for the office.
    sign_in(page, world.manager.email, PASSWORD)
    page.wait_for_url("**/")
    open_training(page, width)
    axe(page, f"education-catalogue-empty-{width}")
    page.get_by_role("link", name="Publish a course").click()
    page.wait_for_url("**/education/courses/new/")
    axe(page, f"education-course-new-{width}")
    page.get_by_label("Title").fill("Chain of custody")
    page.get_by_label("Provider").fill("Riverside County Elections")
    page.get_by_label("Hours").fill("0")
    page.get_by_role("button", name="Publish the course").click()
    page.get_by_text("Enter the hours: more than 0 and at most 80.").first.wait_for()
    page.get_by_text("Choose at least one standard or one application item.").first.wait_for()
    axe(page, f"education-course-new-errors-{width}")
    page.get_by_label("Hours").fill("2.5")
    page.get_by_label("4.2", exact=False).first.check()
    page.get_by_role("button", name="Publish the course").click()
    page.get_by_text("“Chain of custody” is published.").wait_for()
    course = Course.objects.get()
    assert (course.office, course.hours) == (world.office, 2.5)
    axe(page, f"education-course-detail-publisher-{width}")

    # … and adds a date, taught by the supervisor.
    page.get_by_role("link", name="Add a date").click()
    page.wait_for_url(f"**/education/courses/{course.pk}/offerings/new/")
    axe(page, f"education-offering-new-{width}")
    day = timezone.localdate() + datetime.timedelta(days=3)
    page.get_by_label("Starts").fill(f"{day:%Y-%m-%d}T09:00")
    page.get_by_label("Ends").fill(f"{day:%Y-%m-%d}T11:30")
    page.get_by_label("Place").fill("Riverside training room")
    page.get_by_label("Seats").fill("12")
    page.get_by_label("Trainer's email address").fill(world.supervisor.email)
    page.get_by_role("button", name="Add the date").click()
    page.get_by_text("The date is added.").wait_for()
    offering = Offering.objects.get()
    assert (offering.trainer, offering.capacity) == (world.supervisor, 12)

    # The official finds it in the catalogue and registers.
    official = browser.new_context(base_url=live_server.url, locale="en-US", accept_downloads=True)
    tab = official.new_page()
    tab.set_default_timeout(10_000)
    tab.set_viewport_size({"width": width, "height": 900})
    sign_in(tab, world.official.email, PASSWORD)
    tab.goto("/education/")
    tab.get_by_text("Riverside training room").wait_for()
    axe(tab, f"education-catalogue-{width}")
    tab.get_by_role("link", name="Chain of custody").click()
    axe(tab, f"education-course-detail-{width}")
    tab.get_by_role("button", name="Register").click()
    tab.get_by_text("You are registered.").wait_for()
    assert Registration.objects.get().user == world.official
    axe(tab, f"education-course-registered-{width}")
    with tab.expect_download() as download:
        tab.get_by_role("link", name="Add to calendar (.ics)").click()
    calendar = icalendar.Calendar.from_ical(Path(download.value.path()).read_bytes())
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Chain of custody"
    assert event.decoded("dtstart") == offering.starts_at
    official.close()

    # The day comes (written directly, as time passing would); the trainer marks the
    # official present.
    Offering.objects.filter(pk=offering.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        ends_at=timezone.now() - datetime.timedelta(minutes=30),
    )
    trainer = browser.new_context(base_url=live_server.url, locale="en-US")
    tab = trainer.new_page()
    tab.set_default_timeout(10_000)
    tab.set_viewport_size({"width": width, "height": 900})
    sign_in(tab, world.supervisor.email, PASSWORD)
    tab.goto("/education/")
    tab.get_by_role("link", name="Attendance: Chain of custody", exact=False).click()
    tab.wait_for_url(f"**/education/offerings/{offering.pk}/attendance/")
    axe(tab, f"education-attendance-{width}")
    tab.get_by_label(world.official.full_name).check()
    tab.get_by_role("button", name="Save attendance").click()
    tab.get_by_text("1 marked present").wait_for()
    axe(tab, f"education-attendance-saved-{width}")
    credit = Credit.objects.get()
    assert (credit.user, credit.hours) == (world.official, course.hours)
    trainer.close()
