"""The help pages and the first-visit introduction read at grade 8 or below (docs/help.md)."""

import pytest
from django.urls import reverse

from ..pledges.conftest import fresh_login
from .readability import grade, syllables, visible_text

TARGET_GRADE = 8

HELP_ROUTES = [
    "help:help-index",
    "help:help-pledge",
    "help:help-rating-scale",
    "help:help-review",
    "help:help-privacy",
    "help:help-accessibility",
]


@pytest.mark.parametrize(
    ("word", "count"),
    [
        ("the", 1),
        ("pledge", 1),
        ("standards", 2),
        ("review", 2),
        ("assessment", 3),
        ("supervisor", 4),
        ("accessibility", 6),
    ],
)
def test_syllable_heuristic(word, count):
    assert syllables(word) == count


def test_grade_separates_plain_from_dense_text():
    plain = "You sign once a year. Then you rate your work. Your boss reads it."
    dense = (
        "Notwithstanding the aforementioned considerations, administrative personnel "
        "responsible for organizational accountability must systematically demonstrate "
        "comprehensive institutional compliance with jurisdictional regulations."
    )
    assert grade(plain) < 3
    assert grade(dense) > 20


def test_visible_text_skips_hidden_parts_and_ends_blocks():
    html = (
        '<main id="main"><h1>Title</h1><p>One <span class="visually-hidden">secret</span>'
        "two</p><script>x = 1</script><ul><li>Item</li></ul></main><footer>Not here</footer>"
    )
    text = " ".join(visible_text(html).split())
    assert text == "Title . One two . Item ."


@pytest.mark.parametrize("route", HELP_ROUTES)
def test_help_page_reads_at_grade_eight_or_below(client, edition, route):
    text = visible_text(client.get(reverse(route)).content.decode())
    assert len(text.split()) > 50, "too little text to judge"
    assert grade(text) <= TARGET_GRADE, text


@pytest.mark.parametrize(
    "role", ["official", "supervisor", "manager", "analyst", "association_admin", "site_admin"]
)
def test_introduction_reads_at_grade_eight_or_below(client, world, cycle, role):
    fresh_login(client, getattr(world, role))
    text = visible_text(client.get(reverse("home")).content.decode(), root_id="welcome")
    assert len(text.split()) > 30, "too little text to judge"
    assert grade(text) <= TARGET_GRADE, text
