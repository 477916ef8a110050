"""Demo continuing education: the Centennial association's certification program, courses
tied to the items the demo people rated lowest, course dates past and ahead, attendance,
self-reported training (one approved, one returned, one waiting), and people at every
stage of the program: complete, on track, lapsing soon, not started.

Built through the education services after the assessments exist (the courses follow
their low ratings). Two kinds of history the services refuse on purpose are written
directly, as `assessments_import` does for past assessments: course dates in the past
(`offering_create` takes only future dates) and the registrations for them. Attendance,
hours, self-reports, approvals and enrolments all go through the services.
Idempotent: once the program exists, the education demo is there and nothing is added.
"""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Membership, User
from assessments.models import ItemResponse, StandardGoal
from education.evidence import check_evidence
from education.models import Course, Offering, Program, Registration
from education.services import (
    attendance_record,
    course_publish,
    enrol,
    offering_create,
    program_create,
    self_report_approve,
    self_report_return,
    self_report_submit,
)
from pledges.models import ApplicationItem, Standard

from .base import Demo

PROGRAM_NAME = "Demonstration Certified Elections Administrator program"
PROGRAM_DESCRIPTION = (
    "A fictional program for the demonstration: 40 hours of continuing education every "
    "24 months, including training on standard 2 (continuing education and "
    "self-evaluation)."
)
PROVIDER = "Centennial Association of Election Officials"

# Association courses: (title, format, hours, which low-rated item it addresses (0 = the
# lowest), also standard 2, description).
ASSOCIATION_COURSES = [
    (
        "Election law update conference",
        Course.Format.CONFERENCE,
        "16",
        0,
        True,
        "Two days of sessions on this year's changes to election law and rules.",
    ),
    (
        "Chain of custody in practice",
        Course.Format.IN_PERSON,
        "8",
        1,
        False,
        "Seals, logs and transfers, practised with real equipment.",
    ),
    (
        "Serving every voter: accessibility essentials",
        Course.Format.ONLINE,
        "6",
        2,
        False,
        "Accessible polling places, materials and communication.",
    ),
    (
        "Ethics and the public trust",
        Course.Format.ONLINE,
        "4",
        3,
        True,
        "Conflicts of interest, impartiality and transparency, with case studies.",
    ),
]
OFFICE_COURSE = (
    "Riverside procedures refresher",
    Course.Format.IN_PERSON,
    "3",
    "Our own procedures for the coming election, walked through together.",
)
# Past dates, in days before today, of each association course (in the order above) and
# of the office's course.
PAST_DAYS = [400, 150, 60, 30]
OFFICE_PAST_DAYS = 20
# People's stages in the program: (person, months since they enrolled, courses attended by
# index into ASSOCIATION_COURSES, the office course too, approved self-reported hours).
STAGES = {
    # Complete: 16 + 8 + 6 + 4 + 8 reported = 42 hours, standard 2 covered.
    "supervisor": (20, [0, 1, 2, 3], False, "8"),
    # On track: 22 hours, fourteen months in.
    "supervisor2": (14, [0, 2], False, None),
    # Lapsing soon: 11 hours with a month of the period left.
    "manager": (23, [1], True, None),
    # Not started: enrolled this month, no hours yet.
    "official": (0, [], False, None),
}
# How many further Riverside and Pine staff enrol and attend the conference (the
# association's aggregate progress); Cedar's two enrolled stay below the minimum.
RIVERSIDE_ENROLLED = 8
PINE_ENROLLED = 7
CEDAR_ENROLLED = 2


def evidence_pdf(title: str) -> bytes:
    """A small, valid one-page PDF standing in for a certificate of attendance."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 14 Tf 72 720 Td (Certificate of attendance: {text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _evidence(title: str):
    return check_evidence(
        SimpleUploadedFile("certificate.pdf", evidence_pdf(title), "application/pdf")
    )


def _low_items(demo: Demo) -> list[ApplicationItem]:
    """The current edition's items the demo's Riverside people rated 1 or 2 most often,
    then the official's own lowest-rated, so that their results suggest a course."""
    edition_id = demo.cycles[-1].edition_id
    riverside = demo.offices["riverside"]
    counted = (
        ItemResponse.objects.filter(
            assessment__office=riverside,
            assessment__cycle__in=demo.cycles,
            item__standard__edition_id=edition_id,
        )
        .values("item_id", "item__position")
        .annotate(low=Count("pk", filter=Q(rating__lte=2)))
        .order_by("-low", "item__position")
    )
    ids = [row["item_id"] for row in counted[:4]]
    own = (
        ItemResponse.objects.filter(
            assessment__user=demo.people["official"],
            assessment__cycle=demo.cycles[-1],
            rating__isnull=False,
        )
        .order_by("rating", "item__position")
        .values_list("item_id", flat=True)
        .first()
    )
    if own is not None and own not in ids:
        ids[-1] = own
    items = ApplicationItem.objects.in_bulk(ids)
    return [items[i] for i in ids if i in items]


def _goal_standard(demo: Demo) -> Standard | None:
    """A standard the official set a goal for this cycle: a course addresses it too."""
    goal = (
        StandardGoal.objects.filter(
            assessment__user=demo.people["official"], assessment__cycle=demo.cycles[-1]
        )
        .exclude(goal="")
        .select_related("standard")
        .order_by("standard__number")
        .first()
    )
    return goal.standard if goal is not None else None


def _past_offering(course: Course, days: int, place: str, trainer: User | None) -> Offering:
    """A course date in the past (history: `offering_create` takes only future dates)."""
    day = timezone.localdate() - datetime.timedelta(days=days)
    starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    hours = max(1, int(course.hours))
    offering = Offering(
        course=course,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=min(hours, 8), days=(hours - 1) // 8),
        place=place,
        trainer=trainer,
        created_at=starts - datetime.timedelta(days=30),
    )
    offering.full_clean()
    offering.save()
    return offering


def _upcoming(course: Course, days: int, place: str, by: User, capacity: int) -> Offering:
    day = timezone.localdate() + datetime.timedelta(days=days)
    starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30)))
    return offering_create(
        course=course,
        by=by,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=min(8, max(1, int(course.hours)))),
        place=place,
        capacity=capacity,
    )


def _attended(offering: Offering, people: list[User], by: User) -> None:
    """Their registrations (history) and the trainer's attendance list (the service,
    which records each person's hours once)."""
    if not people:
        return
    Registration.objects.bulk_create(
        Registration(
            offering=offering,
            user=user,
            registered_at=offering.starts_at - datetime.timedelta(days=14),
        )
        for user in people
    )
    attendance_record(offering=offering, by=by, present=people)


def _months_ago(months: int) -> datetime.date:
    today = timezone.localdate()
    year, month = divmod(today.month - 1 - months, 12)
    return today.replace(year=today.year + year, month=month + 1, day=1)


def seed_education(demo: Demo) -> Program | None:
    """Create the education demo, unless its program is there already."""
    association = demo.association
    existing = Program.objects.filter(association=association, name=PROGRAM_NAME).first()
    if existing is not None:
        return existing
    people = demo.people
    admin, manager = people["association.admin"], people["manager"]
    riverside = demo.offices["riverside"]
    edition_id = demo.cycles[-1].edition_id
    standard_two = Standard.objects.get(edition_id=edition_id, number=2)
    low = _low_items(demo)
    goal_standard = _goal_standard(demo)

    courses = []
    for n, (title, form, hours, item_index, with_two, description) in enumerate(
        ASSOCIATION_COURSES
    ):
        standards = [standard_two] if with_two else []
        if n == len(ASSOCIATION_COURSES) - 1 and goal_standard is not None:
            standards.append(goal_standard)
        courses.append(
            course_publish(
                by=admin,
                association=association,
                title=title,
                provider=PROVIDER,
                format=form,
                hours=Decimal(hours),
                description=description,
                standards=standards,
                items=[low[item_index]] if item_index < len(low) else [],
            )
        )
    title, form, hours, description = OFFICE_COURSE
    office_course = course_publish(
        by=manager,
        office=riverside,
        title=title,
        provider=riverside.name,
        format=form,
        hours=Decimal(hours),
        description=description,
        items=low[:1],
    )
    program = program_create(
        association=association,
        by=admin,
        name=PROGRAM_NAME,
        description=PROGRAM_DESCRIPTION,
        hours_required=Decimal(40),
        period_months=24,
        required_standards=[standard_two],
    )

    # The stages: enrolled first, then the training, so that each credit moves them on.
    for key, (months, _taken, _office, _reported) in STAGES.items():
        enrol(user=people[key], program=program, started_on=_months_ago(months))
    riverside_staff = _staff(riverside, exclude=set(STAGES), people=people)
    pine = next(m for m in demo.member_offices if m.office.name.startswith("Pine"))
    cedar_staff = _staff(demo.offices["cedar"], exclude=set(), people=people)
    extra = (
        riverside_staff[:RIVERSIDE_ENROLLED]
        + pine.staff[:PINE_ENROLLED]
        + cedar_staff[:CEDAR_ENROLLED]
    )
    for n, user in enumerate(extra):
        # Enrolled before the conference, so its hours count for them all.
        enrol(user=user, program=program, started_on=_months_ago(14 + n % 6))

    place = "Centennial Association conference centre, Denver"
    for n, (made, days) in enumerate(zip(courses, PAST_DAYS, strict=True)):
        attendees = [people[k] for k, stage in STAGES.items() if n in stage[1]]
        if n == 0:  # the conference: the further enrolled people came too
            attendees += [u for u in extra if u not in attendees]
        offering = _past_offering(made, days, place, trainer=None)
        _attended(offering, attendees, admin)
    office_past = _past_offering(office_course, OFFICE_PAST_DAYS, "Riverside training room", None)
    _attended(office_past, [people[k] for k, stage in STAGES.items() if stage[2]], manager)
    # Registered for last week's refresher, not yet marked present: the manager's list.
    late = _past_offering(office_course, 5, "Riverside training room", people["supervisor"])
    Registration.objects.create(
        offering=late,
        user=riverside_staff[RIVERSIDE_ENROLLED % len(riverside_staff)],
        registered_at=late.starts_at - datetime.timedelta(days=7),
    )

    # Dates ahead, for registering: every course has one.
    for n, made in enumerate(courses):
        _upcoming(made, 14 + 9 * n, place, admin, capacity=40)
    _upcoming(office_course, 10, "Riverside training room", manager, capacity=12)

    _self_reports(people, riverside_staff, standard_two)
    return program


def _staff(office, *, exclude: set[str], people: dict[str, User]) -> list[User]:
    """The office's current officials, by email, leaving out the named demo accounts."""
    named = {people[key].pk for key in exclude if key in people}
    return list(
        User.objects.filter(
            memberships__office=office,
            memberships__ended_at__isnull=True,
            memberships__role=Membership.Role.OFFICIAL,
        )
        .exclude(pk__in=named)
        .order_by("email")
    )


def _self_reports(people: dict[str, User], riverside_staff: list[User], standard_two) -> None:
    """One approved (the supervisor's, part of their 40 hours), one returned with a note,
    and the official's waiting for the manager."""
    manager = people["manager"]
    today = timezone.localdate()
    approved = self_report_submit(
        user=people["supervisor"],
        title="State election law seminar",
        provider="Colorado County Clerks Association",
        completed_on=today - datetime.timedelta(days=90),
        hours=Decimal(STAGES["supervisor"][3]),
        evidence=_evidence("State election law seminar"),
        standards=[standard_two],
    )
    self_report_approve(report=approved, by=manager, version=approved.version)
    returned = self_report_submit(
        user=riverside_staff[0],
        title="Webinar: keeping voter lists current",
        provider="National voter registration webinar series",
        completed_on=today - datetime.timedelta(days=40),
        hours=Decimal(2),
        evidence=_evidence("Keeping voter lists current"),
    )
    self_report_return(
        report=returned,
        by=manager,
        version=returned.version,
        note="The certificate does not show the hours. Please attach one that does.",
    )
    self_report_submit(
        user=people["official"],
        title="Poll worker trainer workshop",
        provider="Secretary of State's office",
        completed_on=today - datetime.timedelta(days=12),
        hours=Decimal(3),
        evidence=_evidence("Poll worker trainer workshop"),
        standards=[standard_two],
    )
