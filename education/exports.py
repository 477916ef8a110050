"""Exports of continuing education: PDFs and CSV as (filename, content_type, data).

Each topic has its own section below.
"""

import datetime
from decimal import Decimal
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext

from core.documents import csv_stream, pdf_from_html
from pledges.codes import format_code
from pledges.exports import qr_svg

from . import selectors
from .models import Completion, Program

# --- certification programs (E) ---

CERTIFICATE_CSS = "css/certificate.css"


def completion_verification_url(completion: Completion) -> str:
    return settings.SITE_URL + reverse("education:completion-verify", args=[completion.code])


def completion_certificate_pdf(completion: Completion) -> tuple[str, str, bytes]:
    """The certificate of completion of one program period: who, which program, which
    period, the hours and requirements met, and the code anyone can check it by."""
    person = completion.user
    url = completion_verification_url(completion)
    language = person.preferred_language or settings.LANGUAGE_CODE
    program = completion.program
    requirements = selectors.program_requirements([program])
    credits = selectors.credit_lines(person.pk)
    period = selectors.Period(0, completion.period_start, completion.period_end)
    result = selectors.period_result(requirements.rules[program.pk], credits, period)
    courses = sorted((requirements.courses[pk] for pk in result.course_ids_done), key=str)
    standards = sorted(
        (requirements.standards[pk] for pk in result.standard_ids_covered),
        key=lambda s: s.number,
    )
    with translation.override(language):
        html = render_to_string(
            "education/program_certificate.html",
            {
                "completion": completion,
                "program": program,
                "person_name": person.full_name,
                "courses": courses,
                "standards": standards,
                "code": format_code(completion.code),
                "verification_url": url,
                "qr": mark_safe(  # noqa: S308 — segno's own SVG markup, title escaped
                    qr_svg(url, title=gettext("QR code linking to the verification page"))
                ),
                "language": language,
            },
        )
        reason = gettext("Certificate of completion %(code)s") % {
            "code": format_code(completion.code)
        }
    data = pdf_from_html(
        html,
        stylesheets=(CERTIFICATE_CSS,),
        base_url=settings.STATIC_URL,
        seal_reason=reason,
        seal_contact=url,
    )
    name = slugify(person.full_name) or "person"
    filename = (
        f"certificate-of-completion-{slugify(program.name)[:60]}-"
        f"{completion.period_start:%Y-%m-%d}-{name}.pdf"
    )
    return filename, "application/pdf", data


def office_program_csv(office, program: Program, enrollments) -> tuple[str, str, object]:
    """The office's people in the program, one row each (the manager's identified list),
    streamed."""
    today = timezone.localdate()

    def rows():
        yield [
            gettext("Name"),
            gettext("Email"),
            gettext("Enrolled since"),
            gettext("Current period from"),
            gettext("Current period until"),
            gettext("Hours in the current period"),
            gettext("Hours required"),
            gettext("Status"),
        ]
        for enrollment in enrollments.iterator(chunk_size=500):
            standing = selectors.standing_of(
                met=enrollment.met,
                lapsed=enrollment.lapsed,
                period_end=enrollment.period_end,
                today=today,
            )
            yield [
                enrollment.user.full_name,
                enrollment.user.email or "",
                enrollment.started_on.isoformat(),
                enrollment.period_start.isoformat() if enrollment.period_start else "",
                enrollment.period_end.isoformat() if enrollment.period_end else "",
                str(enrollment.hours),
                str(program.hours_required),
                str(standing.label),
            ]

    filename = f"program-{slugify(program.name)[:60]}-{slugify(office.name)[:60]}.csv"
    return filename, "text/csv; charset=utf-8", csv_stream(rows())


def association_program_csv(view) -> tuple[str, str, object]:
    """Progress per member office, suppressed as on the page: an office's figures only
    when enough people stand behind them, totals only over the rows shown."""

    def cell(line, value):
        return value if line.shown else gettext("not shown")

    def rows():
        yield [
            gettext("Office"),
            gettext("Enrolled (people)"),
            gettext("Met the current period (people)"),
            gettext("Met the current period (percent of enrolled)"),
            gettext("Average hours in the current period"),
        ]
        for line in view.offices:
            yield [
                line.label,
                cell(line, line.enrolled),
                cell(line, line.completed),
                cell(line, line.completed_rate),
                cell(line, line.average_hours),
            ]
        totals = view.shown_totals
        if totals is not None:
            label = (
                gettext("All member offices")
                if view.all_shown
                else gettext("The %(n)s offices shown above") % {"n": len(view.shown_offices)}
            )
            yield [
                label,
                totals.enrolled,
                totals.completed,
                totals.completed_rate,
                totals.average_hours,
            ]

    filename = (
        f"program-{slugify(view.program.name)[:60]}-{slugify(view.association.name)[:60]}.csv"
    )
    return filename, "text/csv; charset=utf-8", csv_stream(rows())


# --- hours per person of an office (D2) ---


def office_hours_csv(office, people) -> tuple[str, str, object]:
    """The office's people with their hours (the manager's identified list), streamed;
    `people` is `selectors.office_hours(...)`."""

    def rows():
        yield [
            gettext("Name"),
            gettext("Email"),
            gettext("Role"),
            gettext("Hours in all"),
            gettext("Hours in the last 12 months"),
            gettext("Reported training waiting for approval"),
        ]
        for membership in people.iterator(chunk_size=500):
            yield [
                membership.user.full_name,
                membership.user.email or "",
                str(membership.role_label),
                f"{Decimal(membership.hours_total):.2f}",
                f"{Decimal(membership.hours_recent):.2f}",
                membership.reports_waiting,
            ]

    stamp = timezone.localdate().isoformat()
    filename = f"training-hours-{slugify(office.name)[:60]}-{stamp}.csv"
    return filename, "text/csv; charset=utf-8", csv_stream(rows())


# --- calendar: registrations as iCalendar (D1) ---


def _calendar_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "standards-portal"


def _calendar(name: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Standards Portal//Continuing education//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


def registration_uid(registration) -> str:
    """The event's identifier: the same for a registration in every download and in the
    feed, so a calendar updates the event instead of adding a second one."""
    return f"registration-{registration.pk}@{_calendar_host()}"


def _event(registration, stamp) -> icalendar.Event:
    offering = registration.offering
    course = offering.course
    cancelled = registration.cancelled_at is not None or offering.cancelled_at is not None
    url = settings.SITE_URL + reverse("education:course-detail", args=[course.pk])
    event = icalendar.Event()
    event.add("uid", registration_uid(registration))
    event.add("dtstamp", stamp)
    event.add("dtstart", offering.starts_at)
    event.add("dtend", offering.ends_at)
    event.add("summary", course.title)
    # Every change to the date raises the offering's version; a cancellation is one more.
    event.add("sequence", offering.version + (1 if registration.cancelled_at else 0))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if offering.place:
        event.add("location", offering.place)
    description = gettext("%(provider)s · %(hours)s hours") % {
        "provider": course.provider,
        "hours": course.hours.normalize(),
    }
    event.add("description", f"{description}\n{url}")
    event.add("url", url)
    return event


def registration_ics(registration) -> tuple[str, str, bytes]:
    """One registration as an .ics file to add to a calendar."""
    calendar = _calendar(gettext("Standards Portal course"))
    calendar.add_component(_event(registration, timezone.now()))
    name = slugify(registration.offering.course.title)[:60] or "course"
    return f"{name}.ics", "text/calendar; charset=utf-8", calendar.to_ical()


def feed_ics(registrations) -> bytes:
    """The person's calendar feed: their registrations (see `feed_registrations`)."""
    calendar = _calendar(gettext("My courses · Standards Portal"))
    calendar.add("refresh-interval", datetime.timedelta(hours=12), parameters={"VALUE": "DURATION"})
    stamp = timezone.now()
    for registration in registrations:
        calendar.add_component(_event(registration, stamp))
    return calendar.to_ical()
