"""The education demo: a program, courses tied to low ratings, attendance, self-reports
in each outcome, people at every stage, and nothing added by a second run."""

from decimal import Decimal

from django.utils import timezone

from assessments import selectors as assessment_selectors
from assessments.models import Assessment
from demo.education import PROGRAM_NAME, evidence_pdf
from demo.seed import seed
from education.evidence import check_evidence
from education.models import (
    Completion,
    Course,
    Credit,
    Enrollment,
    Offering,
    Program,
    Registration,
    SelfReport,
)


def test_the_demo_has_a_program_and_people_at_every_stage(edition):
    demo = seed(edition)
    program = Program.objects.get(name=PROGRAM_NAME)
    assert program.association == demo.association
    assert (program.hours_required, program.period_months) == (Decimal(40), 24)
    people = demo.people
    standing = {
        key: Enrollment.objects.get(program=program, user=people[key], ended_at__isnull=True)
        for key in ("supervisor", "supervisor2", "manager", "official")
    }
    # Complete: a certificate of completion for the current period.
    assert standing["supervisor"].met
    assert Completion.objects.filter(program=program, user=people["supervisor"]).exists()
    # On track: hours, not yet met, most of the period left.
    assert 0 < standing["supervisor2"].hours < 40 and not standing["supervisor2"].met
    # Lapsing soon: short of the hours with little time left.
    lapsing = standing["manager"]
    assert not lapsing.met and (lapsing.period_end - timezone.localdate()).days < 62
    # Not started.
    assert standing["official"].hours == 0
    # Cedar's two enrolled people are fewer than the minimum: the analyst sees them hidden.
    assert Enrollment.objects.filter(program=program, office=demo.offices["cedar"]).count() == 2


def test_the_demo_courses_follow_low_ratings_and_have_dates(edition):
    demo = seed(edition)
    official = demo.people["official"]
    courses = Course.objects.filter(association=demo.association)
    assert courses.count() == 4
    assert Course.objects.filter(office=demo.offices["riverside"]).exists()
    now = timezone.now()
    for course in Course.objects.all():
        assert Offering.objects.filter(course=course, starts_at__gt=now).exists()
    assert Offering.objects.filter(starts_at__lt=now).count() >= 5
    assert Credit.objects.filter(attendance__isnull=False).count() >= 20
    # Someone registered for last week's refresher, waiting to be marked present.
    assert Registration.objects.filter(
        offering__starts_at__lt=now, offering__attendance__isnull=True
    ).exists()
    # The official's own results suggest a course.
    assessment = Assessment.objects.get(user=official, cycle=demo.cycles[-1])
    data = assessment_selectors.with_training(
        assessment_selectors.results(assessment), viewer=official
    )
    suggested = [s for row in data.low for s in row.suggestions] + [
        s for sr in data.standards for s in sr.suggestions
    ]
    assert suggested


def test_the_demo_self_reports_and_seeding_again_adds_nothing(edition):
    demo = seed(edition)
    states = dict(SelfReport.objects.values_list("user__email", "state"))
    assert states[demo.people["supervisor"].email] == SelfReport.State.APPROVED
    assert states[demo.people["official"].email] == SelfReport.State.SUBMITTED
    returned = SelfReport.objects.get(state=SelfReport.State.RETURNED)
    assert returned.note
    counts = [
        model.objects.count()
        for model in (Course, Offering, Registration, Credit, SelfReport, Enrollment, Program)
    ]
    seed(edition)
    assert counts == [
        model.objects.count()
        for model in (Course, Offering, Registration, Credit, SelfReport, Enrollment, Program)
    ]


def test_the_demo_evidence_is_a_pdf_the_upload_check_accepts():
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from pypdf import PdfReader

    data = evidence_pdf("Seminar (day 1)")
    assert "Certificate of attendance" in PdfReader(BytesIO(data)).pages[0].extract_text()
    assert check_evidence(SimpleUploadedFile("c.pdf", data)).content_type == "application/pdf"
