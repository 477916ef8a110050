"""The public log's page: what it is, its key and latest checkpoint, on a wide and a small
screen."""

import pytest

from pledges import transparency

from ..pledges.conftest import sign


@pytest.mark.parametrize("width", [1280, 320])
def test_anyone_reads_the_log_page_with_its_key_and_checkpoint(page, world, cycle, axe, width):
    sign(world.official, cycle)
    checkpoint = transparency.checkpoint_publish()
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/log/")
    assert page.get_by_role("heading", level=1).inner_text() == "Public log of pledges"
    text = page.locator("main").inner_text()
    assert checkpoint.root_hash in text
    assert transparency.public_key_info()["base64"] in text
    axe(page, f"log-home-{width}")
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow
