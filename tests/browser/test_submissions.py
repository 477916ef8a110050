"""A submission whose answer is lost on the way back, sent again from the same page."""

from assessments.models import Assessment
from tests.assessments.conftest import make_assessment

from ..factories import PASSWORD
from .conftest import sign_in


def test_a_submit_whose_answer_was_lost_is_already_saved_when_sent_again(page, world, cycle, axe):
    assessment = make_assessment(world.official, cycle)
    sign_in(page, world.official.email, PASSWORD)
    page.goto(f"/assessments/{assessment.pk}/submit/")

    def deliver_then_lose_the_answer(route):
        route.fetch()  # the server receives the form and commits it...
        route.abort("connectionreset")  # ...but the answer never reaches the browser

    page.route("**/submit/", deliver_then_lose_the_answer)
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_timeout(500)
    assert Assessment.objects.get(pk=assessment.pk).state == "submitted"
    page.unroute("**/submit/")

    # The browser shows its own error page; reloading it sends the same form again.
    page.reload()
    page.wait_for_url(f"**/assessments/{assessment.pk}/")
    assert page.get_by_text("This form had already been sent and saved.").is_visible()
    axe(page, "submission-already-saved")
    assert list(
        Assessment.objects.get(pk=assessment.pk).transitions.values_list("action", flat=True)
    ) == ["submitted"]
