"""The continuing-education journey end to end (the issue's "done when"): an official with
a low rating sees a suggested course on their results, registers, links it to their goal,
is marked present by the trainer, and sees the hours count toward the association's
program; the manager approves training the official reported; the analyst sees the
member offices' progress, suppressed where small. Every page checked with axe at the
width of the run."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Membership
from assessments import services as assessment_services
from assessments.models import StandardGoal
from demo.education import evidence_pdf
from education import services
from education.evidence import check_evidence
from education.models import Credit, Enrollment, Offering, SelfReport

from ..assessments.test_training_links import low_assessment
from ..factories import PASSWORD, MembershipFactory, OfficeFactory
from ..reports.conftest import items_of
from .conftest import sign_in


def new_tab(browser, live_server, width):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    tab.set_viewport_size({"width": width, "height": 900})
    return context, tab


@pytest.mark.parametrize("width", [1280, 320])
def test_from_a_low_rating_to_certified_hours(browser, live_server, world, cycle, axe, width):
    first = items_of(cycle)[0]
    admin = world.association_admin
    course = services.course_publish(
        by=admin,
        association=world.association,
        title="Election law update",
        provider="Centennial Association",
        format="in_person",
        hours=Decimal(6),
        items=[first],
    )
    starts = timezone.now() + datetime.timedelta(days=2)
    offering = services.offering_create(
        course=course,
        by=admin,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=6),
        place="Conference centre",
        trainer=world.supervisor,
    )
    program = services.program_create(
        association=world.association,
        by=admin,
        name="Demonstration Certified Elections Administrator program",
        hours_required=Decimal(40),
        period_months=24,
    )
    services.enrol(
        user=world.official,
        program=program,
        started_on=timezone.localdate() - datetime.timedelta(days=30),
    )
    assessment = low_assessment(
        world.official,
        cycle,
        goals={first.standard.pk: assessment_services.Goal(goal="Know this year's changes.")},
    )
    report = services.self_report_submit(
        user=world.official,
        title="Poll worker trainer workshop",
        provider="Secretary of State",
        completed_on=timezone.localdate() - datetime.timedelta(days=12),
        hours=Decimal(3),
        evidence=check_evidence(SimpleUploadedFile("c.pdf", evidence_pdf("Workshop"))),
    )
    # Pine: eight people enrolled (shown). The official's office, one person, is
    # suppressed, and Maple's six with it, or the total would give that one away.
    for name, size in (("Pine County Elections", 8), ("Maple City Clerk", 6)):
        office = OfficeFactory(name=name)
        world.association.offices.add(office)
        for _n in range(size):
            services.enrol(
                user=MembershipFactory(office=office, role=Membership.Role.OFFICIAL).user,
                program=program,
            )

    # The official's results suggest the course; they open it and register.
    context, page = new_tab(browser, live_server, width)
    sign_in(page, world.official.email, PASSWORD)
    page.goto(f"/assessments/{assessment.pk}/results/")
    courses = page.get_by_role("region", name="Courses for the items rated 1 or 2")
    courses.get_by_text("next on", exact=False).first.wait_for()
    axe(page, f"journey-results-{width}")
    courses.get_by_role("link", name="Election law update").first.click()
    page.wait_for_url(f"**/education/courses/{course.pk}/")
    axe(page, f"journey-course-{width}")
    page.get_by_role("button", name="Register").click()
    page.get_by_text("You are registered.").wait_for()
    axe(page, f"journey-registered-{width}")

    # … and link the registration to their goal for the standard.
    page.goto(f"/assessments/{assessment.pk}/results/")
    page.get_by_role(
        "link", name=f"Link a course registration to goal {first.standard.number}"
    ).click()
    axe(page, f"journey-goal-link-{width}")
    page.get_by_label("Course registration").select_option(index=1)
    page.get_by_role("button", name="Save").click()
    page.get_by_text("The course is linked to your goal.").wait_for()
    page.get_by_text("Course for this goal:").wait_for()
    axe(page, f"journey-goal-linked-{width}")
    goal = StandardGoal.objects.get(assessment=assessment, standard=first.standard)
    assert goal.registration.offering == offering
    context.close()

    # The day comes (written directly, as time passing would); the trainer marks them present.
    Offering.objects.filter(pk=offering.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=7),
        ends_at=timezone.now() - datetime.timedelta(hours=1),
    )
    context, page = new_tab(browser, live_server, width)
    sign_in(page, world.supervisor.email, PASSWORD)
    page.goto(f"/education/offerings/{offering.pk}/attendance/")
    axe(page, f"journey-attendance-{width}")
    page.get_by_label(world.official.full_name).check()
    page.get_by_role("button", name="Save attendance").click()
    page.get_by_text("1 marked present").wait_for()
    context.close()
    assert Credit.objects.get(user=world.official).hours == Decimal(6)

    # The manager approves the training the official reported.
    context, page = new_tab(browser, live_server, width)
    sign_in(page, world.manager.email, PASSWORD)
    page.goto("/education/approvals/")
    axe(page, f"journey-approvals-{width}")
    page.get_by_role("link", name="Poll worker trainer workshop").click()
    page.get_by_label("Approve: the hours count").check()
    page.get_by_role("button", name="Save the decision").click()
    page.get_by_text("Approved", exact=True).first.wait_for()
    axe(page, f"journey-approved-{width}")
    context.close()
    report.refresh_from_db()
    assert report.state == SelfReport.State.APPROVED

    # The official sees both count toward the program: 9 of 40 hours.
    context, page = new_tab(browser, live_server, width)
    sign_in(page, world.official.email, PASSWORD)
    page.goto(f"/education/programs/{program.pk}/")
    hours = page.get_by_role("row", name="Hours").first.inner_text()
    assert hours.split()[1].startswith("9") and "of 40" in hours, hours
    axe(page, f"journey-program-{width}")
    # … and the results page shows the training beside the standard since the last one.
    page.goto(f"/assessments/{assessment.pk}/results/")
    page.get_by_text("Course for this goal:").wait_for()
    axe(page, f"journey-results-after-{width}")
    context.close()
    enrollment = Enrollment.objects.get(user=world.official, program=program)
    assert enrollment.hours == Decimal(9)

    # The analyst sees the member offices' progress: Pine shown, Riverside suppressed.
    context, page = new_tab(browser, live_server, width)
    sign_in(page, world.analyst.email, PASSWORD)
    page.goto(f"/education/associations/{world.association.pk}/programs/{program.pk}/")
    table = page.get_by_role("table", name="Progress per member office")
    assert (
        table.get_by_role("row", name="Pine County Elections")
        .get_by_role("cell")
        .all_inner_texts()[0]
        == "8"
    )
    for hidden in (world.office.name, "Maple City Clerk"):
        cells = table.get_by_role("row", name=hidden).get_by_role("cell")
        assert cells.all_inner_texts() == ["Suppressed"]
    axe(page, f"journey-association-{width}")
    context.close()
