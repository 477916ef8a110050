"""Pages and the signed-in person served from memory, and never after a write."""

import re

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.services import Answer, assessment_save, assessment_start
from standards_portal.accounts.models import AuditEntry
from standards_portal.pagecache import freshness
from standards_portal.pagecache.decorators import cached_page
from standards_portal.pagecache.models import Generation

from ..pledges.conftest import sign

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def signed_in(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)
    return client


def get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def first_item(assessment):
    return assessment.cycle.edition.standards.first().items.first()


@pytest.fixture
def draft(world, cycle):
    return assessment_start(user=world.official, cycle=cycle)


def save_comment(assessment, text):
    assessment.refresh_from_db()
    return assessment_save(
        assessment=assessment,
        by=assessment.user,
        version=assessment.version,
        answers={first_item(assessment).pk: Answer(rating=3, comment=text)},
    )


def test_the_form_is_served_again_with_one_query_and_a_fresh_token(draft):
    client = signed_in(draft.user)
    url = reverse("assessments:assessment-edit", args=[draft.pk])
    first, first_queries = get(client, url)
    again, again_queries = get(client, url)
    assert first_queries > 3
    assert again_queries == 1  # the session, which brings the generation
    assert TOKEN.sub("", first) == TOKEN.sub("", again)
    tokens = set(TOKEN.findall(first)) | set(TOKEN.findall(again))
    assert len(tokens) == 2  # one per response, each masked afresh


@pytest.mark.parametrize(
    ("who", "page"),
    [
        ("official", "home"),
        ("official", "form"),
        ("official", "detail"),
        ("official", "results"),
        ("official", "pledges"),
        ("official", "pledge"),
        ("supervisor", "team"),
        ("manager", "office assessments"),
        ("manager", "office pledges"),
    ],
)
def test_pages_of_records_are_served_from_memory_and_show_the_next_write(world, draft, who, page):
    pledge = sign(world.official, draft.cycle)
    urls = {
        "home": reverse("home"),
        "form": reverse("assessments:assessment-edit", args=[draft.pk]),
        "detail": reverse("assessments:assessment-detail", args=[draft.pk]),
        "results": reverse("assessments:assessment-results", args=[draft.pk]),
        "pledges": reverse("pledges:pledge-list"),
        "pledge": reverse("pledges:pledge-detail", args=[pledge.pk]),
        "team": reverse("assessments:team-list"),
        "office assessments": reverse("assessments:office-list"),
        "office pledges": reverse("pledges:pledge-office"),
    }
    client = signed_in(getattr(world, who))
    first, _queries = get(client, urls[page])
    again, queries = get(client, urls[page])
    assert queries == 1
    assert TOKEN.sub("", again) == TOKEN.sub("", first)
    # Someone else's change: the cycle's name, shown on every one of these pages.
    draft.cycle.name = "Autumn review"
    draft.cycle.save(update_fields=["name"])
    after, queries = get(client, urls[page])
    assert queries > 1
    assert "Autumn review" in after
    assert "Autumn review" not in first


def test_the_token_of_a_served_page_is_accepted(draft):
    client = signed_in(draft.user, enforce_csrf_checks=True)
    url = reverse("assessments:assessment-edit", args=[draft.pk])
    client.get(url)
    page, _queries = get(client, url)
    token = TOKEN.search(page).group(1)
    draft.refresh_from_db()
    item = first_item(draft)
    response = client.post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "version": draft.version,
            f"item_{item.pk}_rating": "4",
            "action": "save",
        },
    )
    assert response.status_code == 302
    assert draft.responses.get(item=item).rating == 4


def test_a_write_in_this_process_is_seen_at_once(draft):
    client = signed_in(draft.user)
    url = reverse("assessments:assessment-edit", args=[draft.pk])
    get(client, url)
    get(client, url)
    save_comment(draft, "Checked the poll book seals twice")
    page, queries = get(client, url)
    assert "Checked the poll book seals twice" in page
    assert queries > 3


def test_each_person_and_language_gets_their_own_page(world, draft):
    official, supervisor = signed_in(world.official), signed_in(world.supervisor)
    home = reverse("home")
    get(official, home)
    get(supervisor, home)
    assert get(official, home)[0] != get(supervisor, home)[0]
    english, _queries = get(official, home)
    world.official.preferred_language = "es"
    world.official.save(update_fields=["preferred_language"])
    spanish, _queries = get(official, home)
    assert spanish != english
    assert 'lang="es"' in spanish


def test_a_message_is_shown_once_and_never_kept(draft):
    client = signed_in(draft.user)
    url = reverse("assessments:assessment-edit", args=[draft.pk])
    get(client, url)
    draft.refresh_from_db()
    client.post(url, {"version": draft.version, "action": "save"})
    saved = "Your answers are saved"
    assert saved in get(client, url)[0]
    assert saved not in get(client, url)[0]
    assert saved not in get(client, url)[0]


def test_turned_off_it_renders_every_time(draft, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client = signed_in(draft.user)
    url = reverse("assessments:assessment-edit", args=[draft.pk])
    get(client, url)
    assert get(client, url)[1] > 3


def test_a_deactivated_person_is_signed_out_at_their_next_request(world):
    client = signed_in(world.official)
    get(client, reverse("home"))
    get(client, reverse("home"))
    world.official.is_active = False
    world.official.save(update_fields=["is_active"])
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert world.official.email not in response.content.decode()
    assert client.get(reverse("assessments:team-list")).status_code == 302


def _request(user):
    request = RequestFactory().get("/somewhere/")
    request.user = user
    request.session = Client().session
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.parametrize("kind", ["writes", "error", "cookie", "session"])
def test_what_a_view_does_besides_rendering_keeps_it_out(world, kind):
    calls = []

    @cached_page
    def view(request):
        calls.append(1)
        response = HttpResponse(f"page {len(calls)}", status=404 if kind == "error" else 200)
        if kind == "writes":
            AuditEntry.objects.create(action="report.downloaded", actor_label="test")
        elif kind == "cookie":
            response.set_cookie("seen", "1")
        elif kind == "session":
            request.session["seen"] = 1
        return response

    world.official.page_generation = Generation.objects.get().value
    view(_request(world.official))
    view(_request(world.official))
    assert len(calls) == 2


def test_a_plain_view_is_kept(world):
    calls = []

    @cached_page
    def view(request):
        calls.append(1)
        return HttpResponse("page")

    world.official.page_generation = Generation.objects.get().value
    assert view(_request(world.official)).content == b"page"
    assert view(_request(world.official)).content == b"page"
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("sql", "write"),
    [
        ('SELECT "accounts_user"."id" FROM "accounts_user"', False),
        ('SAVEPOINT "s1"', False),
        ('RELEASE SAVEPOINT "s1"', False),
        ('INSERT INTO "assessments_itemresponse" ("rating") VALUES (%s)', True),
        ('UPDATE "assessments_assessment" SET "version" = 2', True),
        ('DELETE FROM "pledges_pledge" WHERE id = 1', True),
        ("WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x", True),
        ('ALTER TABLE "accounts_user" ADD COLUMN "x" int', True),
        ('UPDATE "django_session" SET "session_data" = %s', False),
        ('INSERT INTO "django_session" ("session_key") VALUES (%s)', False),
        ('DELETE FROM "pagecache_generation"', False),
        ('update "usersessions_usersession" set "last_seen_at" = %s', False),
    ],
)
def test_writes_are_told_from_reads(sql, write):
    assert freshness.is_write(sql) is write


@pytest.mark.django_db(transaction=True)
def test_another_process_write_is_seen_after_its_commit(world, cycle):
    draft = assessment_start(user=world.official, cycle=cycle)
    client = signed_in(world.official)
    url = reverse("assessments:assessment-edit", args=[draft.pk])
    get(client, url)
    assert get(client, url)[1] == 1
    before = Generation.objects.get().value
    local = freshness._local
    save_comment(draft, "Counted the provisional ballots with a witness")
    # Saving 38 answers or one is one transaction: the shared number moves once.
    assert Generation.objects.get().value == before + 1
    # As another process would see it: only the shared number has moved.
    freshness._local = local
    page, queries = get(client, url)
    assert "Counted the provisional ballots with a witness" in page
    assert queries > 3


@pytest.mark.django_db(transaction=True)
def test_a_write_outside_a_transaction_is_raised_before_the_next_statement(world):
    before = Generation.objects.get().value
    AuditEntry.objects.create(action="report.downloaded", actor_label="test")
    assert connection.pagecache_pending
    assert Generation.objects.get().value == before + 1  # raised before this read ran
    assert not connection.pagecache_pending


@pytest.mark.django_db(transaction=True)
def test_the_response_waits_for_the_raise(world, rf):
    before = Generation.objects.get().value

    def view(request):
        AuditEntry.objects.create(action="report.downloaded", actor_label="test")
        return HttpResponse("done")

    freshness.FlushMiddleware(view)(rf.get("/"))
    assert not connection.pagecache_pending
    with transaction.atomic():
        assert Generation.objects.get().value == before + 1


def test_with_sessions_in_the_cache_the_person_brings_the_generation(draft, settings):
    # Another session engine: the session from the cache, the generation with the person.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client = signed_in(draft.user)
    url = reverse("assessments:assessment-edit", args=[draft.pk])
    get(client, url)
    assert get(client, url)[1] == 1  # the person, with the generation
    save_comment(draft, "Sealed the transfer case in front of both parties")
    page, queries = get(client, url)
    assert "Sealed the transfer case in front of both parties" in page
    assert queries > 3


def test_how_long_a_page_is_kept_follows_the_setting_when_it_is_stored(settings):
    store = freshness.memory("test-store")
    settings.PAGE_CACHE_SECONDS = 0
    freshness.keep(store, "page", b"kept")
    assert store.get("page") is None
    settings.PAGE_CACHE_SECONDS = 60
    freshness.keep(store, "page", b"kept")
    assert store.get("page") == b"kept"


def test_a_newer_generation_drops_what_can_no_longer_be_served(settings):
    store = freshness.memory("test-drop")
    generation = freshness._seen[0] + 1000
    old = freshness.key(generation, "page")
    freshness.keep(store, old, b"kept")
    assert freshness.key(generation, "page") == old
    assert store.get(old) == b"kept"
    freshness.key(generation + 1, "page")
    assert store.get(old) is None
