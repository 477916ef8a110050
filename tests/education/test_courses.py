"""Courses: who sees them, who publishes them, the catalogue, the CSV import."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from education import selectors
from education.models import Course, CourseImport

from ..factories import MembershipFactory, OfficeFactory
from ..pledges.conftest import fresh_login
from .course_helpers import item, make_course, make_offering, standard

pytestmark = pytest.mark.django_db


@pytest.fixture
def courses(world, cycle):
    """An office course, an association course, another office's course and an archived
    course of the office."""
    archived = make_course(world.manager, title="Old course")
    Course.objects.filter(pk=archived.pk).update(is_active=False)
    return {
        "office": make_course(world.manager, title="Office course"),
        "association": make_course(
            world.association_admin, association=world.association, title="Association course"
        ),
        "other_office": make_course(world.other_manager, title="Other office course"),
        "archived": archived,
    }


def titles(queryset):
    return sorted(course.title for course in queryset)


def test_a_person_sees_the_courses_of_their_office_and_its_associations(world, courses):
    assert titles(selectors.visible_courses(world.official)) == [
        "Association course",
        "Office course",
    ]
    assert titles(selectors.visible_courses(world.other_official)) == ["Other office course"]
    # Analysts and administrators without an office take no course.
    assert titles(selectors.visible_courses(world.analyst)) == []


def test_courses_addressing_items_and_standards_in_constant_queries(
    world, cycle, django_assert_num_queries
):
    first = make_course(world.manager, title="A", standards=(), items=("2.1",))
    make_course(world.manager, title="B", standards=(3,))
    make_offering(first, world.manager, days=5)
    make_offering(first, world.manager, days=15)
    user = type(world.official).objects.get(pk=world.official.pk)
    wanted, second = item("2.1"), standard(2)
    with django_assert_num_queries(3):  # membership, courses, their offerings
        found = list(selectors.courses_addressing(user, items=[wanted], standards=[]))
    assert [c.title for c in found] == ["A"]
    assert len(found[0].upcoming) == 2
    for n in range(5):
        course = make_course(world.manager, title=f"More {n}", standards=(2,))
        make_offering(course, world.manager, days=3 + n)
    user = type(world.official).objects.get(pk=world.official.pk)
    with django_assert_num_queries(3):
        found = list(selectors.courses_addressing(user, items=[wanted], standards=[second]))
    assert len(found) == 6
    assert all(len(c.upcoming) >= 1 for c in found)


def test_the_catalogue_searches_and_filters(client, world, courses):
    make_course(world.manager, title="Accessible polling places", standards=(6,), format="online")
    client.force_login(world.official)
    url = reverse("education:home")
    page = client.get(url).content.decode()
    assert "Office course" in page and "Association course" in page
    assert "Other office course" not in page and "Old course" not in page
    page = client.get(url, {"q": "polling"}).content.decode()
    assert "Accessible polling places" in page and "Office course" not in page
    standard_six = standard(6)
    page = client.get(url, {"standard": standard_six.pk}).content.decode()
    assert "Accessible polling places" in page and "Office course" not in page
    page = client.get(url, {"format": "in_person"}).content.decode()
    assert "Accessible polling places" not in page and "Office course" in page
    assert client.get(url, {"format": "carrier-pigeon"}).status_code == 400
    assert client.get(url, {"q": "x" * 101}).status_code == 400


def test_the_catalogue_shows_each_course_next_date_and_paginates(client, world, cycle):
    course = make_course(world.manager, title="Course 00")
    offering = make_offering(course, world.manager, days=4, place="Main hall")
    for n in range(1, 25):
        make_course(world.manager, title=f"Course {n:02d}")
    client.force_login(world.official)
    page = client.get(reverse("education:home")).content.decode()
    assert "Main hall" in page
    assert page.count('class="card mb-3"') == 20
    second = client.get(reverse("education:home"), {"page": 2}).content.decode()
    assert second.count('class="card mb-3"') == 5
    assert offering.place in page


@pytest.mark.parametrize("rows", [1, 12])
def test_catalogue_and_course_detail_query_counts_do_not_grow(
    client, world, cycle, rows, django_assert_num_queries
):
    for n in range(rows):
        course = make_course(world.manager, title=f"Course {n}", standards=(1, 2), items=("2.1",))
        make_offering(course, world.manager, days=3 + n, capacity=10)
        make_offering(course, world.manager, days=30 + n)
    client.force_login(world.official)
    url = reverse("education:home")
    client.get(url)
    # session, user with membership, cycles (the edition), count, page, upcoming dates,
    # associations administered, offerings trained, standards of the filter
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200
    detail = reverse("education:course-detail", args=[course.pk])
    client.get(detail)
    # session, user with membership, course, offerings with seats and own registration,
    # standards, items
    with django_assert_num_queries(6):
        assert client.get(detail).status_code == 200


def test_a_manager_publishes_a_course_for_their_office(client, world, cycle):
    fresh_login(client, world.manager)
    url = reverse("education:course-create")
    page = client.get(url).content.decode()
    assert world.office.name in page
    assert world.association.name not in page  # not an administrator there
    response = client.post(
        url,
        {
            "owner": f"office-{world.office.pk}",
            "title": "Chain of custody",
            "provider": "Riverside County Elections",
            "format": "in_person",
            "hours": "2.5",
            "ceus": "0.25",
            "description": "Ballot handling, step by step.",
            "standards": [standard(4).pk],
            "items": [item("4.2").pk],
        },
    )
    course = Course.objects.get(title="Chain of custody")
    assert response.status_code == 302
    assert response["Location"] == reverse("education:course-detail", args=[course.pk])
    assert (course.office, course.association, course.created_by) == (
        world.office,
        None,
        world.manager,
    )
    assert list(course.items.all()) == [item("4.2")]
    entry = AuditEntry.objects.get(action="education.course_published")
    assert (entry.actor, entry.office, entry.object_id) == (
        world.manager,
        world.office,
        str(course.pk),
    )


def test_an_association_administrator_publishes_for_their_association(client, world, cycle):
    fresh_login(client, world.association_admin)
    response = client.post(
        reverse("education:course-create"),
        {
            "owner": f"association-{world.association.pk}",
            "title": "CERA course 101",
            "provider": "Election Center",
            "format": "conference",
            "hours": "12",
            "standards": [standard(2).pk],
        },
    )
    assert response.status_code == 302
    course = Course.objects.get()
    assert (course.association, course.office) == (world.association, None)
    # Another association is not theirs to publish for: refused, nothing saved.
    response = client.post(
        reverse("education:course-create"),
        {
            "owner": f"association-{world.other_association.pk}",
            "title": "Sneaky",
            "provider": "Election Center",
            "format": "online",
            "hours": "1",
            "standards": [standard(2).pk],
        },
    )
    assert response.status_code == 422
    assert Course.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hours": "0"}, "Enter the hours: more than 0 and at most 80."),
        ({"hours": "80.5"}, "Enter the hours: more than 0 and at most 80."),
        ({"hours": "-3"}, "Enter the hours: more than 0 and at most 80."),
        ({"standards": [], "items": []}, "Choose at least one standard or one application item."),
        ({"title": ""}, "This field is required."),
        ({"title": "Olivia \u202enehC"}, "invisible"),
        ({"format": "telepathy"}, "Select a valid choice."),
    ],
)
def test_the_course_form_refuses_bad_input(client, world, cycle, change, message):
    fresh_login(client, world.manager)
    data = {
        "owner": f"office-{world.office.pk}",
        "title": "Chain of custody",
        "provider": "Riverside",
        "format": "in_person",
        "hours": "2",
        "standards": [standard(4).pk],
        **change,
    }
    response = client.post(reverse("education:course-create"), data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Course.objects.exists()


def test_items_of_another_edition_are_refused(client, world, cycle):
    from pledges.models import ApplicationItem, Edition, Standard

    old = Edition.objects.create(
        code="1999-en",
        title="Old",
        publisher="X",
        year=1999,
        preamble="-",
        pledge_heading="-",
        source_sha256="0" * 64,
    )
    old_standard = Standard.objects.create(edition=old, number=1, short_title="Old", statement="-")
    old_item = ApplicationItem.objects.create(
        standard=old_standard, number=1, position=1, title="Old", text="-"
    )
    fresh_login(client, world.manager)
    response = client.post(
        reverse("education:course-create"),
        {
            "owner": f"office-{world.office.pk}",
            "title": "Chain of custody",
            "provider": "Riverside",
            "format": "in_person",
            "hours": "2",
            "items": [old_item.pk],
        },
    )
    assert response.status_code == 422
    assert not Course.objects.exists()


def test_the_same_title_and_provider_twice_is_a_message_not_an_error(client, world, cycle):
    make_course(world.manager, title="Chain of custody", provider="Riverside")
    fresh_login(client, world.manager)
    response = client.post(
        reverse("education:course-create"),
        {
            "owner": f"office-{world.office.pk}",
            "title": "CHAIN OF CUSTODY",
            "provider": "riverside",
            "format": "in_person",
            "hours": "2",
            "standards": [standard(4).pk],
        },
    )
    assert response.status_code == 422
    assert "already has a course with this title" in response.content.decode()
    assert Course.objects.count() == 1


def test_publishing_is_for_managers_and_association_administrators(client, world, cycle):
    url = reverse("education:course-create")
    for person in (world.official, world.supervisor, world.analyst):
        client.force_login(person)
        assert client.get(url).status_code == 403
    course = make_course(world.manager)
    edit = reverse("education:course-edit", args=[course.pk])
    client.force_login(world.official)
    assert client.get(edit).status_code == 403  # sees it, may not change it
    client.force_login(world.other_manager)
    assert client.get(edit).status_code == 404  # does not see it
    client.force_login(world.association_admin)
    assert client.get(edit).status_code == 404  # an office's course, not the association's


def test_an_edit_from_an_older_page_is_refused(client, world, cycle):
    course = make_course(world.manager, title="Chain of custody")
    fresh_login(client, world.manager)
    url = reverse("education:course-edit", args=[course.pk])
    data = {
        "title": "Chain of custody (2026)",
        "provider": course.provider,
        "format": "online",
        "hours": "3",
        "standards": [standard(2).pk],
        "version": 1,
    }
    assert client.post(url, data).status_code == 302
    course.refresh_from_db()
    assert (course.title, course.format, course.version) == ("Chain of custody (2026)", "online", 2)
    data["title"] = "Overwritten"
    response = client.post(url, data)  # the same page, sent again later: version 1
    assert response.status_code == 422
    assert "Someone else changed this" in response.content.decode()
    course.refresh_from_db()
    assert course.title == "Chain of custody (2026)"
    assert AuditEntry.objects.filter(action="education.course_changed").count() == 1


def test_archiving_takes_a_course_out_of_the_catalogue_and_back(client, world, cycle):
    course = make_course(world.manager, title="Chain of custody")
    fresh_login(client, world.manager)
    url = reverse("education:course-archive", args=[course.pk])
    assert client.post(url, {"archive": "1"}).status_code == 302
    assert not selectors.visible_courses(world.official).exists()
    client.force_login(world.official)
    detail = reverse("education:course-detail", args=[course.pk])
    assert client.get(detail).status_code == 404
    fresh_login(client, world.manager)
    assert "archived" in client.get(detail).content.decode()
    assert client.post(url, {"archive": "0"}).status_code == 302
    assert selectors.visible_courses(world.official).get() == course
    assert client.post(url, {"archive": "maybe"}).status_code == 400
    assert list(
        AuditEntry.objects.filter(action__startswith="education.course_").values_list(
            "action", flat=True
        )
    ) == ["education.course_restored", "education.course_archived", "education.course_published"]


# --- the CSV import ---

CSV = (
    "title,provider,format,hours,ceus,standards,items,description\n"
    "Voter registration law update,State association,in_person,6,0.6,2,2.1;2.3,Annual\n"
    "Accessible polling places,Election Center,online,3,,,6.1;6.2,\n"
)


def csv_file(text=CSV, name="courses.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def upload(client, world, text=CSV, **extra):
    return client.post(
        reverse("education:course-import"),
        {"owner": f"office-{world.office.pk}", "file": csv_file(text, **extra)},
    )


def test_importing_courses_previews_then_publishes_once(client, world, cycle):
    fresh_login(client, world.manager)
    response = upload(client, world)
    preview = CourseImport.objects.get()
    assert response["Location"] == reverse("education:course-import-preview", args=[preview.pk])
    page = client.get(response["Location"]).content.decode()
    assert "2 courses will be published." in page
    assert not Course.objects.exists()
    token = "3f6a1a7e-1111-4c8e-9d7e-000000000001"
    response = client.post(response["Location"], {"submission": token})
    assert response.status_code == 302
    course = Course.objects.get(title="Voter registration law update")
    assert sorted(i.code for i in course.items.all()) == ["2.1", "2.3"]
    assert list(course.standards.all()) == [standard(2)]
    assert str(course.ceus) == "0.60"
    assert Course.objects.count() == 2
    # The same confirmation sent again (a double click): nothing twice.
    again = client.post(
        reverse("education:course-import-preview", args=[preview.pk]), {"submission": token}
    )
    assert again.status_code == 302
    assert Course.objects.count() == 2
    # The same file uploaded again: every line is skipped.
    response = upload(client, world)
    page = client.get(response["Location"]).content.decode()
    assert "0 courses will be published." in page
    assert "2 lines will be skipped (already published)." in page
    entry = AuditEntry.objects.get(action="education.courses_imported")
    assert entry.details == {"created": 2, "rows": 2}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            CSV + ",Nobody,online,2,,2,,\n",
            "The title is missing.",
        ),
        (CSV + "Too long,X,online,81,,2,,\n", "The hours must be a number more than 0"),
        (CSV + "Zero,X,online,0,,2,,\n", "The hours must be a number more than 0"),
        (CSV + "Odd,X,carrier pigeon,2,,2,,\n", "The format must be in_person"),
        (CSV + "Nothing,X,online,2,,,,\n", "Name at least one standard or application item."),
        (CSV + "Eleven,X,online,2,,11,,\n", "No standard numbered 11 in the current edition."),
        (CSV + "Item,X,online,2,,,2.9,\n", "No application item 2.9 in the current edition."),
        (
            CSV + "Voter registration law update,State association,online,2,,2,,\n",
            "The same title and provider are on line 2.",
        ),
        (CSV + "Short,X,online\n", "This line has 3 cells instead of 8."),
    ],
)
def test_a_bad_line_is_shown_and_nothing_is_published(client, world, cycle, text, message):
    fresh_login(client, world.manager)
    response = upload(client, world, text)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not CourseImport.objects.exists()
    assert not Course.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"%PDF-1.4\n%binary", "This is not a CSV text file."),
        (b"title,provider\n\xff\xfe", "The file is not UTF-8 text."),
        (b"name,email\nA,b@c.d\n", "The first line must name the columns"),
        (b"title,provider,format,hours\n", "The file has a header line but no course in it."),
    ],
)
def test_a_file_that_is_not_a_course_list_is_refused(client, world, cycle, content, message):
    fresh_login(client, world.manager)
    response = client.post(
        reverse("education:course-import"),
        {
            "owner": f"office-{world.office.pk}",
            "file": SimpleUploadedFile("c.csv", content, content_type="text/csv"),
        },
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not CourseImport.objects.exists()


def test_a_file_over_the_size_limit_is_refused(client, world, cycle, settings):
    settings.COURSE_IMPORT_MAX_BYTES = 1024
    fresh_login(client, world.manager)
    response = upload(client, world, CSV + ("x" * 2000))
    assert response.status_code == 422
    assert "larger than 1 KB" in response.content.decode()


def test_a_preview_belongs_to_whoever_uploaded_it(client, world, cycle):
    fresh_login(client, world.manager)
    location = upload(client, world)["Location"]
    colleague = MembershipFactory(office=world.office, role="manager").user
    # A second manager of the same office does not see another's upload.
    fresh_login(client, colleague)
    assert client.get(location).status_code == 404
    assert client.post(location).status_code == 404
    client.force_login(world.official)
    assert client.get(location).status_code == 403
    assert not Course.objects.exists()


def test_an_import_no_longer_in_scope_is_gone(client, world, cycle):
    """A manager who moves to another office no longer confirms the old office's file."""
    fresh_login(client, world.manager)
    location = upload(client, world)["Location"]
    membership = world.manager.active_membership
    membership.ended_at = timezone.now()
    membership.save(update_fields=["ended_at"])
    MembershipFactory(user=world.manager, office=OfficeFactory(), role="manager")
    fresh_login(client, world.manager)
    assert client.post(location).status_code == 404
    assert not Course.objects.exists()


def test_old_unconfirmed_uploads_are_dropped(world, cycle):
    from education import services

    old = services.course_import_create(
        owner_filter={"office": world.office},
        uploaded_by=world.other_manager,
        filename="old.csv",
        sha256="0" * 64,
        rows=[{"line": 2}],
    )
    CourseImport.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=2)
    )
    services.course_import_create(
        owner_filter={"office": world.office},
        uploaded_by=world.manager,
        filename="new.csv",
        sha256="1" * 64,
        rows=[{"line": 2}],
    )
    assert list(CourseImport.objects.values_list("filename", flat=True)) == ["new.csv"]
