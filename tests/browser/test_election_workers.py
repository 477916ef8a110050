"""A manager adds the season's election workers from a roster with phone numbers, finds
them in the paged people list, and deactivates them after the election: by keyboard
where a person would, every page checked with axe-core at 1280 and 320 px."""

import re

from accounts.models import Membership

from ..factories import PASSWORD
from .conftest import sign_in

WIDTHS = (1280, 320)


def axe_at_widths(page, axe, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        axe(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def roster(tmp_path, supervisor_email: str):
    lines = ["name,email,phone,role,reports_to_email"]
    for n in range(1, 56):
        email = "" if n % 3 == 0 else f"poll{n:02d}@example.org"
        lines.append(f"Poll Worker {n:02d},{email},(303) 555-{n + 200:04d},election_worker,")
    lines.append("Bad Phone,,555-555-0123,election_worker,")
    path = tmp_path / "poll-workers.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, lines


def test_a_manager_uploads_searches_pages_and_deactivates_election_workers(
    page, world, cycle, axe, tmp_path
):
    path, lines = roster(tmp_path, world.supervisor.email)
    sign_in(page, world.manager.email, PASSWORD)
    page.goto("/people/roster/")
    page.get_by_label("Roster file (CSV)").set_input_files(str(path))
    page.get_by_role("button", name="Preview").click()
    assert "is not a phone number we can use" in page.content()
    axe_at_widths(page, axe, "workers-roster-errors")

    path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    page.get_by_label("Roster file (CSV)").set_input_files(str(path))
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url(re.compile(r".*/people/roster/\d+/$"))
    assert "55 election workers will be added" in page.content()
    axe_at_widths(page, axe, "workers-roster-preview")
    page.get_by_role("button", name="Add 55 election workers").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/people/?role=election_worker")
    assert "55 election workers added." in page.content()
    assert Membership.objects.filter(role="election_worker", ended_at__isnull=True).count() == 55

    # Paged: 50 on the first page, the rest on the second, the filter kept.
    pages = page.get_by_role("navigation", name="Pages of the people list")
    assert pages.get_by_role("link", name="Page 1").get_attribute("aria-current") == "page"
    axe_at_widths(page, axe, "workers-people-list")
    pages.get_by_role("link", name="Next page").click()
    page.wait_for_url("**role=election_worker&page=2")
    assert "Poll Worker 55" in page.content() and "Poll Worker 01" not in page.content()

    # Search by phone, typed as people write it.
    page.goto("/people/")
    page.get_by_label("Search", exact=True).focus()
    page.keyboard.type("303 555 0207")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=303+555+0207**")
    assert "Poll Worker 07" in page.content() and "Poll Worker 08" not in page.content()
    axe_at_widths(page, axe, "workers-people-search")

    # After the election: all of them at once, with the count shown first.
    page.goto("/people/")
    page.get_by_role("link", name="Deactivate election workers").click()
    page.wait_for_url("**/people/election-workers/deactivate/")
    assert "55 election workers will be deactivated." in page.content()
    axe_at_widths(page, axe, "workers-deactivate")
    page.get_by_role("button", name="Deactivate 55 election workers").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/people/")
    assert "55 election workers have been deactivated" in page.content()
    assert not Membership.objects.filter(role="election_worker", ended_at__isnull=True).exists()
    assert Membership.objects.filter(role="election_worker").count() == 55  # kept
    axe_at_widths(page, axe, "workers-after-deactivation")
