import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from pledges.models import Edition, RatingLevel

from ..pledges.conftest import fresh_login

ROLES = [
    "official",
    "supervisor",
    "manager",
    "other_official",
    "analyst",
    "association_admin",
    "site_admin",
]

# Anonymous readers cost nothing but the edition look-up on the rating-scale page.
PAGES = {
    "help:help-index": 0,
    "help:help-pledge": 0,
    "help:help-rating-scale": 2,
    "help:help-review": 0,
    "help:help-privacy": 0,
    "help:help-accessibility": 0,
}


@pytest.mark.parametrize(("route", "queries"), PAGES.items())
def test_help_page_reads_no_more_than_the_edition_when_signed_out(
    client, edition, django_assert_num_queries, route, queries
):
    with django_assert_num_queries(queries):
        response = client.get(reverse(route))
    assert response.status_code == 200
    assert b"<h1" in response.content


@pytest.mark.parametrize("role", ROLES)
def test_every_help_page_renders_for_every_role(client, world, edition, role):
    fresh_login(client, getattr(world, role))
    for route in PAGES:
        response = client.get(reverse(route))
        assert response.status_code == 200, route
        assert response.content.count(b"<h1") == 1, route


def test_help_pages_refuse_other_methods(client, edition):
    assert client.post(reverse("help:help-privacy")).status_code == 405


def test_rating_scale_shows_the_levels_of_the_published_edition(client, edition):
    content = client.get(reverse("help:help-rating-scale")).content.decode()
    levels = list(RatingLevel.objects.filter(edition=edition).order_by("value"))
    assert len(levels) == 4
    positions = []
    for level in levels:
        assert level.label in content
        assert level.description in content
        positions.append(content.index(level.label))
    assert positions == sorted(positions)


def test_rating_scale_explains_when_nothing_is_published(client, edition):
    Edition.objects.update(published_at=None)
    response = client.get(reverse("help:help-rating-scale"))
    assert response.status_code == 200
    assert "The levels will be shown here once the standards are published." in (
        response.content.decode()
    )


def test_privacy_page_states_the_small_group_minimum(client, db, settings):
    settings.SMALL_CELL_MINIMUM = 7
    content = client.get(reverse("help:help-privacy")).content.decode()
    assert "fewer than 7 people is hidden" in content


def test_help_index_offers_the_introduction_again_only_when_signed_in(client, world):
    again = reverse("home") + "?introduction=1#welcome"
    assert again not in client.get(reverse("help:help-index")).content.decode()
    fresh_login(client, world.official)
    assert again in client.get(reverse("help:help-index")).content.decode()


def test_help_is_linked_from_every_page(client, edition):
    content = client.get(reverse("standards")).content.decode()
    assert f'href="{reverse("help:help-index")}"' in content


# The first-visit introduction on the home page.


def _home(client):
    return client.get(reverse("home")).content.decode()


def test_introduction_shows_until_dismissed(client, world, cycle):
    fresh_login(client, world.official)
    assert 'id="welcome"' in _home(client)
    response = client.post(reverse("help:welcome-dismiss"))
    assert response.status_code == 302
    assert response["Location"] == reverse("home") + "#main"
    world.official.refresh_from_db()
    assert world.official.welcomed_at is not None
    assert 'id="welcome"' not in _home(client)
    # The help index link brings it back without changing anything.
    content = client.get(reverse("home") + "?introduction=1").content.decode()
    assert 'id="welcome"' in content


def test_dismissing_twice_keeps_the_first_time(client, world):
    fresh_login(client, world.official)
    client.post(reverse("help:welcome-dismiss"))
    first = User.objects.get(pk=world.official.pk).welcomed_at
    assert client.post(reverse("help:welcome-dismiss")).status_code == 302
    assert User.objects.get(pk=world.official.pk).welcomed_at == first


def test_dismissing_needs_a_post_with_a_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    fresh_login(client, world.official)
    assert client.get(reverse("help:welcome-dismiss")).status_code == 405
    assert client.post(reverse("help:welcome-dismiss")).status_code == 403
    assert User.objects.get(pk=world.official.pk).welcomed_at is None


def test_dismissing_signed_out_asks_to_sign_in_and_changes_nothing(client, world):
    response = client.post(reverse("help:welcome-dismiss"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not User.objects.filter(welcomed_at__isnull=False).exists()


def test_dismissing_touches_only_the_person_themselves(client, world):
    fresh_login(client, world.manager)
    client.post(reverse("help:welcome-dismiss"))
    assert list(User.objects.filter(welcomed_at__isnull=False)) == [world.manager]


STEPS = {
    # role: links that must appear in the introduction, and links that must not.
    "official": (
        ["pledges:pledge-sign", "assessments:assessment-mine"],
        ["assessments:team-list", "accounts:invitation-create", "admin:pledges_cycle_changelist"],
    ),
    "supervisor": (
        ["pledges:pledge-sign", "assessments:team-list"],
        ["accounts:invitation-create"],
    ),
    "manager": (
        [
            "pledges:pledge-sign",
            "accounts:invitation-create",
            "pledges:pledge-office",
            "reports:office-report-home",
        ],
        ["admin:pledges_cycle_changelist"],
    ),
    "analyst": (
        ["reports:association-report"],
        ["pledges:pledge-sign", "accounts:association-detail", "accounts:invitation-create"],
    ),
    "association_admin": (
        ["reports:association-report", "accounts:association-detail"],
        ["pledges:pledge-sign"],
    ),
    "site_admin": (
        [
            "admin:pledges_cycle_changelist",
            "admin:pledges_edition_changelist",
            "accounts:audit-log",
        ],
        ["pledges:pledge-sign", "reports:association-report"],
    ),
}


def _url(world, name):
    if name in ("reports:association-report", "accounts:association-detail"):
        return reverse(name, args=[world.association.pk])
    return reverse(name)


def _welcome_section(content: str) -> str:
    start = content.index('id="welcome"')
    return content[start : content.index("</section>", start)]


@pytest.mark.parametrize("role", STEPS)
def test_introduction_gives_each_role_its_next_steps(client, world, cycle, role):
    fresh_login(client, getattr(world, role))
    panel = _welcome_section(_home(client))
    shown, hidden = STEPS[role]
    for name in shown:
        assert f'href="{_url(world, name)}"' in panel, name
    for name in hidden:
        assert f'href="{_url(world, name)}"' not in panel, name
    assert f'action="{reverse("help:welcome-dismiss")}"' in panel


def test_introduction_for_someone_without_an_office_says_what_will_appear(client, world):
    loner = User.objects.create_user(email="loner@example.org", full_name="Lone Person")
    fresh_login(client, loner)
    panel = _welcome_section(_home(client))
    assert "When an office manager invites you, your first steps will show here." in panel


@pytest.mark.parametrize("role", ["official", "manager", "analyst", "site_admin"])
def test_introduction_costs_no_query(client, world, cycle, role):
    user = getattr(world, role)
    fresh_login(client, user)
    _home(client)  # warm caches shared by every request
    with CaptureQueriesContext(connection) as first_visit:
        assert 'id="welcome"' in _home(client)
    User.objects.filter(pk=user.pk).update(welcomed_at="2026-01-01T00:00:00Z")
    with CaptureQueriesContext(connection) as later:
        assert 'id="welcome"' not in _home(client)
    assert len(first_visit) == len(later)


def test_privacy_page_states_the_session_limits_from_the_settings(client, db, settings):
    settings.SESSION_IDLE_TIMEOUT = 20 * 60
    settings.SESSION_COOKIE_AGE = 4 * 60 * 60
    content = " ".join(client.get(reverse("help:help-privacy")).content.decode().split())
    assert "signed out after 20 minutes without use, and after 4 hours in any case" in content
