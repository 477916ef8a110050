"""Every report URL against every role, bad input, and pinned query counts."""

import pytest
from django.urls import reverse

from ..factories import OfficeFactory
from .conftest import staff_with_answers

ROLES = [
    "manager",
    "supervisor",
    "other_supervisor",
    "official",
    "colleague",
    "other_manager",
    "other_official",
    "analyst",
    "association_admin",
    "other_analyst",
    "site_admin",
]

OFFICE = {"manager": 200, "supervisor": 200, "other_supervisor": 200, "official": 403}
ASSOCIATION = {"analyst": 200, "association_admin": 200}


def office_url(world, name="office-report"):
    return reverse(f"reports:{name}", args=[world.office.pk])


def association_url(world, name="association-report"):
    return reverse(f"reports:{name}", args=[world.association.pk])


@pytest.fixture
def results(world, cycle):
    staff_with_answers(world.office, cycle, [1, 2, 3, 4, 4], reports_to=world.supervisor)
    staff_with_answers(world.office, cycle, [2, 3, 3, 3, 3], reports_to=world.other_supervisor)


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("name", ["office-report", "office-report-pdf", "office-report-csv"])
def test_office_reports_are_for_the_office_manager_and_its_supervisors(
    client, world, results, who, name
):
    client.force_login(getattr(world, who))
    # colleagues without a team may know the office: 403; everyone else outside: 404.
    expected = OFFICE.get(who, 403 if who == "colleague" else 404)
    assert client.get(office_url(world, name)).status_code == expected


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize(
    "name", ["association-report", "association-report-pdf", "association-report-csv"]
)
def test_association_reports_are_for_its_analysts_and_administrators(
    client, world, results, who, name
):
    client.force_login(getattr(world, who))
    assert client.get(association_url(world, name)).status_code == ASSOCIATION.get(who, 404)


@pytest.mark.parametrize(
    "path",
    [
        lambda w: reverse("reports:office-report", args=[w.office.pk]),
        lambda w: reverse("reports:office-report-csv", args=[w.office.pk]),
        lambda w: reverse("reports:association-report", args=[w.association.pk]),
        lambda w: reverse("reports:office-report-home"),
        lambda w: reverse("reports:association-list"),
    ],
)
def test_anonymous_people_are_sent_to_sign_in(client, world, path):
    response = client.get(path(world))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_supervisor_sees_their_team_only_and_no_names(client, world, results):
    client.force_login(world.supervisor)
    body = client.get(office_url(world)).content.decode()
    assert "Team of" in body
    assert "Staff by standard" not in body
    assert world.colleague.full_name not in body
    assert 'name="team"' not in body


def test_a_manager_sees_names_and_can_filter_by_team(client, world, results):
    client.force_login(world.manager)
    body = client.get(office_url(world)).content.decode()
    assert "Staff by standard" in body and world.official.full_name in body
    response = client.get(office_url(world), {"team": world.supervisor.pk})
    assert response.status_code == 200
    assert "Team of" in response.content.decode()


def test_the_home_link_redirects_to_the_users_own_office(client, world):
    client.force_login(world.manager)
    response = client.get(reverse("reports:office-report-home"))
    assert response["Location"] == office_url(world)
    client.force_login(world.official)
    assert client.get(reverse("reports:office-report-home")).status_code == 403
    client.force_login(world.analyst)
    assert client.get(reverse("reports:office-report-home")).status_code == 404


def test_the_association_list_leads_to_the_only_association(client, world):
    client.force_login(world.analyst)
    response = client.get(reverse("reports:association-list"))
    assert response["Location"] == association_url(world)
    client.force_login(world.site_admin)
    response = client.get(reverse("reports:association-list"))
    assert response.status_code == 200
    assert "not an analyst or administrator" in response.content.decode()


def test_another_offices_id_is_404_for_a_manager(client, world):
    client.force_login(world.manager)
    url = reverse("reports:office-report", args=[world.other_office.pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("reports:office-report", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"cycle": "abc"}, 400),
        ({"cycle": "999999"}, 404),
        ({"cycle": "-1"}, 400),
        ({"team": "x"}, 400),
        ({"team": "999999"}, 404),
    ],
)
def test_bad_filters_get_a_clear_answer_not_an_error(client, world, results, query, status):
    client.force_login(world.manager)
    response = client.get(office_url(world), query)
    assert response.status_code == status
    if status == 400:
        assert "from the list" in response.content.decode()


def test_a_team_from_another_office_is_not_found(client, world, results):
    client.force_login(world.manager)
    assert client.get(office_url(world), {"team": world.other_manager.pk}).status_code == 404


def test_a_future_cycle_is_not_found(client, world, results, edition):
    import datetime

    from ..factories import CycleFactory

    future = CycleFactory(
        edition=edition,
        opens_on=datetime.date.today() + datetime.timedelta(days=30),
        closes_on=datetime.date.today() + datetime.timedelta(days=90),
    )
    client.force_login(world.analyst)
    assert client.get(association_url(world), {"cycle": future.pk}).status_code == 404


def test_a_closed_cycle_can_be_reported_on(client, world, results, earlier_cycle):
    client.force_login(world.manager)
    response = client.get(office_url(world), {"cycle": earlier_cycle.pk})
    assert response.status_code == 200
    assert "Results of the 2025 cycle" in response.content.decode()


# ----------------------------------------------------------------------------- query counts


def _grow(world, cycle, extra_offices: int, people: int):
    for n in range(extra_offices):
        office = OfficeFactory(name=f"Member {n}")
        world.association.offices.add(office)
        staff_with_answers(office, cycle, [3] * people)
    staff_with_answers(world.office, cycle, [2] * people, reports_to=world.supervisor)


# The manager's report is identified and suppresses nothing: the same count at any size.
# Everyone here rates 2, so every item is a training need: one query reads the courses
# that address them and who took them (docs/education.md).
@pytest.mark.parametrize(
    ("offices", "people", "queries"), [(0, 1, 10), (0, 5, 10), (4, 12, 10), (8, 30, 10)]
)
def test_the_office_report_runs_a_fixed_number_of_queries(
    client, world, cycle, django_assert_num_queries, offices, people, queries
):
    _grow(world, cycle, offices, people)
    client.force_login(world.manager)
    client.get(office_url(world))  # the edition and the benchmarks are read once, then cached
    with django_assert_num_queries(queries):
        assert client.get(office_url(world)).status_code == 200


# With one person the team's results are suppressed, and with them its training needs.
@pytest.mark.parametrize(
    ("offices", "people", "queries"), [(0, 1, 7), (0, 5, 10), (4, 12, 10), (8, 30, 10)]
)
def test_a_team_report_runs_a_fixed_number_of_queries(
    client, world, cycle, django_assert_num_queries, offices, people, queries
):
    _grow(world, cycle, offices, people)
    if people >= 5:  # a team is shown only when the rest of the office is empty or large enough
        staff_with_answers(world.office, cycle, [3] * 5, reports_to=world.other_supervisor)
    warm_edition(cycle)  # read once per server process
    client.force_login(world.supervisor)
    with django_assert_num_queries(queries):
        assert client.get(office_url(world)).status_code == 200


# The results and the trend across cycles are read in one query.
@pytest.mark.parametrize(
    ("offices", "people", "queries"), [(0, 1, 9), (0, 5, 9), (4, 12, 9), (8, 30, 9)]
)
def test_the_association_report_runs_a_fixed_number_of_queries(
    client, world, cycle, django_assert_num_queries, offices, people, queries
):
    _grow(world, cycle, offices, people)
    warm_edition(cycle)  # read once per server process
    client.force_login(world.analyst)
    with django_assert_num_queries(queries):
        assert client.get(association_url(world)).status_code == 200


def warm_edition(cycle):
    from assessments.selectors import rating_scale, standards_with_items

    standards_with_items(cycle.edition_id)
    rating_scale(cycle.edition_id)
