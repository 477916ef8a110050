# ruff: noqa: RUF001
"""Report figures for `make bench` at full scale, in a separate PostgreSQL database.

Run by run.py as its own process (it needs PostgreSQL settings; run.py's page table uses
SQLite). Drops and recreates the database `standards_portal_bench` on 127.0.0.1, migrates,
seeds the demo (standards, cycles), then generates with COPY: 20 associations (the first
covering every office), 2,000 offices (one of 5,000 people, one of 50), 100,000 officials
with memberships (a manager and supervisors per office) and one cycle of submitted
assessments, 38 answers each (3.8 million). Rebuilds the summaries, then measures
(min / median over BENCH_REPEAT rounds):

1. the association report for the all-offices association (selector, and the whole page
   through the test client) against one plain SQL GROUP BY over the answers that yields
   the same figures (per office, item and rating; plus participation per office);
2. the office report PDF for the 50-person office (the view: data, template, WeasyPrint)
   against WeasyPrint rendering the same saved HTML;
3. throughput under gunicorn + wrk (benchmarks/throughput.py) of the assessment form,
   the office report page and the association report page, as a ratio of /healthz;
4. peak Python memory (tracemalloc) and RSS growth while streaming the CSV of the
   5,000-person office;
5. the lists of people at 5,000 people in one office (`generate_workers_office`: a
   manager, supervisors and officials with submitted assessments, and 4,500 election
   workers, a third of them without email): the people list, the office's pledges, the
   office's assessments and the manager's team (whom the workers report to), each on its
   first page and searched, and the office report of that office.

BENCH_ONLY=lists sets up the database and measures 5 alone (no 100,000 officials), for a
quick run on a busy machine; it writes benchmarks/out/lists_section.md.

Writes the Markdown section to benchmarks/out/reports_section.md (run.py includes it) and
drops the database at the end (BENCH_KEEP_DB=1 keeps it).

Sizes: BENCH_SCALE=full (default) or small (200 offices, 12,000 officials, 5
associations); BENCH_OFFICES / BENCH_OFFICIALS / BENCH_ASSOCIATIONS override.
"""

import json
import os
import random
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
OUT.mkdir(parents=True, exist_ok=True)
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

PG = {"host": "127.0.0.1", "port": 5432, "user": os.environ.get("PGUSER", "postgres")}
DBNAME = os.environ.get("BENCH_DATABASE", "standards_portal_bench")
DATABASE_URL = f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{DBNAME}"
SCALE = os.environ.get("BENCH_SCALE", "full")
_DEFAULTS = {"full": (2000, 100_000, 20), "small": (200, 12_000, 5)}[SCALE]
OFFICES = int(os.environ.get("BENCH_OFFICES", _DEFAULTS[0]))
OFFICIALS = int(os.environ.get("BENCH_OFFICIALS", _DEFAULTS[1]))
ASSOCIATIONS = int(os.environ.get("BENCH_ASSOCIATIONS", _DEFAULTS[2]))
BIG_OFFICE = int(os.environ.get("BENCH_BIG_OFFICE", "5000"))
PDF_OFFICE = 50
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
PASSWORD = "standards-demo-2026"  # the demo password (README)
SECTION = OUT / "reports_section.md"
LISTS_SECTION = OUT / "lists_section.md"
WORKERS_OFFICE = int(os.environ.get("BENCH_WORKERS_OFFICE", "5000"))
WORKERS_SHARE = 0.9  # of that office: election workers; the rest are staff

os.environ.update(
    DATABASE_URL=DATABASE_URL,
    DJANGO_SETTINGS_MODULE="standards_portal.settings",
    DEBUG="false",
    SECRET_KEY=os.environ.get("SECRET_KEY") or "benchmark-only-" + "k" * 50,
    SEAL_DEVELOPMENT=os.environ.get("SEAL_DEVELOPMENT") or "true",
    LOG_SIGNING_KEY_DEVELOPMENT=os.environ.get("LOG_SIGNING_KEY_DEVELOPMENT") or "true",
    SECURE_SSL_REDIRECT="false",
    ALLOWED_HOSTS="127.0.0.1,testserver",
    SITE_URL="https://127.0.0.1",
    TASKS_IMMEDIATE="true",
    DATABASE_POOL="false",  # this process; gunicorn gets the production pool
    LOG_LEVEL="WARNING",
    # The generated people sign in without a second step (MFA is covered by its own tests).
    MFA_REQUIRED="false",
)
os.environ.pop("SQLITE_PATH", None)


def admin(sql: str) -> None:
    with psycopg.connect(**PG, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def _timed(fn, repeat=REPEAT) -> tuple[float, float]:
    fn()  # warm
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return min(times), statistics.median(times)


def office_sizes() -> list[int]:
    """The big office, the 50-person office, then the rest in pairs around the mean."""
    rng = random.Random(7)
    rest = OFFICES - 2
    total = OFFICIALS - BIG_OFFICE - PDF_OFFICE
    mean, extra = divmod(total, rest)
    sizes = [mean + (1 if n < extra else 0) for n in range(rest)]
    for n in range(0, rest - 1, 2):
        d = rng.randint(0, min(30, mean - 6))
        sizes[n] += d
        sizes[n + 1] -= d
    return [BIG_OFFICE, PDF_OFFICE, *sizes]


def _copy(cursor, table: str, columns: list[str], lines) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        buffer = []
        size = 0
        for line in lines:
            buffer.append(line)
            size += 1
            if size >= 100_000:
                copy.write("".join(buffer))
                buffer, size = [], 0
        if buffer:
            copy.write("".join(buffer))


def _next_id(cursor, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
    return cursor.fetchone()[0]


def _reset_sequence(cursor, table: str) -> None:
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
    )


def generate(cycle, items) -> dict:
    """Offices, associations, people, memberships, assessments and answers, in bulk."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import (
        Association,
        AssociationRole,
        Membership,
        Office,
        User,
    )
    from assessments.models import Assessment, ItemResponse
    from assessments.summaries import summaries_rebuild

    timings = {}
    started = time.perf_counter()
    rng = random.Random(42)
    sizes = office_sizes()
    now = timezone.now().isoformat()
    password = make_password(PASSWORD)  # hashed once, shared by every generated person
    item_ids = [item.pk for item in items]
    user_t, member_t = User._meta.db_table, Membership._meta.db_table
    assess_t, answer_t = Assessment._meta.db_table, ItemResponse._meta.db_table

    with transaction.atomic():
        offices = Office.objects.bulk_create(
            Office(name=f"Bench office {n:05d}", state="CO", named_in_benchmarks=n % 7 != 0)
            for n in range(OFFICES)
        )
        associations = Association.objects.bulk_create(
            Association(name=f"Bench association {n:02d}", state="CO") for n in range(ASSOCIATIONS)
        )
        through = Association.offices.through
        links = [through(association_id=associations[0].pk, office_id=o.pk) for o in offices]
        per = max(1, OFFICES // max(1, ASSOCIATIONS - 1))
        for n, association in enumerate(associations[1:]):
            links += [
                through(association_id=association.pk, office_id=o.pk)
                for o in offices[n * per : (n + 1) * per]
            ]
        through.objects.bulk_create(links, batch_size=5000)
        timings["offices and associations"] = time.perf_counter() - started

        with connection.cursor() as cursor:
            first_user = _next_id(cursor, user_t)
            first_assessment = _next_id(cursor, assess_t)
            people = []  # (user id, office index, role, reports_to user id)
            uid = first_user
            for index, size in enumerate(sizes):
                manager = uid
                supervisor = None
                for n in range(size):
                    if n == 0:
                        people.append((uid, index, "manager", None))
                    elif n % 10 == 1:
                        supervisor = uid
                        people.append((uid, index, "supervisor", manager))
                    else:
                        people.append((uid, index, "official", supervisor))
                    uid += 1
            t = time.perf_counter()
            _copy(
                cursor,
                user_t,
                [
                    *("id", "password", "is_superuser", "email", "phone", "full_name"),
                    *("preferred_language", "is_active", "is_staff", "is_confidential"),
                    "date_joined",
                ],
                (
                    # No phone number: the column holds "" (the field's blank value).
                    f"{u}\t{password}\tf\tb{u}@bench.test\t\tBench Person {u}\ten\tt\tf\tf\t{now}\n"
                    for u, _o, _r, _s in people
                ),
            )
            _reset_sequence(cursor, user_t)
            timings["users (COPY)"] = time.perf_counter() - t
            t = time.perf_counter()
            _copy(
                cursor,
                member_t,
                ["user_id", "office_id", "role", "reports_to_id", "started_at"],
                (
                    f"{u}\t{offices[o].pk}\t{r}\t{'\\N' if s is None else s}\t{now}\n"
                    for u, o, r, s in people
                ),
            )
            timings["memberships (COPY)"] = time.perf_counter() - t
            t = time.perf_counter()
            _copy(
                cursor,
                assess_t,
                [
                    *("id", "user_id", "office_id", "cycle_id", "state", "version"),
                    *("created_at", "updated_at", "submitted_at"),
                ],
                (
                    f"{first_assessment + k}\t{u}\t{offices[o].pk}\t{cycle.pk}\tsubmitted\t1"
                    f"\t{now}\t{now}\t{now}\n"
                    for k, (u, o, _r, _s) in enumerate(people)
                ),
            )
            _reset_sequence(cursor, assess_t)
            timings["assessments (COPY)"] = time.perf_counter() - t

            t = time.perf_counter()
            tails = {r: f"\t{r}\tf\t\t\t1\t{now}\n" for r in (1, 2, 3, 4)}
            tails[0] = f"\t\\N\tt\tNot part of my role\t\t1\t{now}\n"

            def answers():
                k = first_assessment
                for size in sizes:
                    base = rng.uniform(1.8, 3.4)
                    weights = [max(0.03, 1 - abs(r - base) / 1.6) for r in (1, 2, 3, 4)]
                    weights.append(0.02 * sum(weights))  # N/A
                    ratings = iter(rng.choices((1, 2, 3, 4, 0), weights=weights, k=size * 38))
                    for aid in range(k, k + size):
                        head = f"{aid}\t"
                        for iid in item_ids:
                            yield f"{head}{iid}{tails[next(ratings)]}"
                    k += size

            _copy(
                cursor,
                answer_t,
                [
                    *("assessment_id", "item_id", "rating", "not_applicable", "na_reason"),
                    *("comment", "changed_in_version", "updated_at"),
                ],
                answers(),
            )
            timings["item answers (COPY)"] = time.perf_counter() - t

        # Who signs in for the pages: the 50-person office's manager, an analyst of the
        # all-offices association.
        analyst = User.objects.create(
            email="analyst@bench.test", full_name="Bench Analyst", password=password
        )
        AssociationRole.objects.create(
            user=analyst, association=associations[0], role=AssociationRole.Role.ANALYST
        )
    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {user_t}, {member_t}, {assess_t}, {answer_t}")
    timings["ANALYZE"] = time.perf_counter() - t
    t = time.perf_counter()
    summaries_rebuild()
    timings["summaries_rebuild"] = time.perf_counter() - t
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timings["total"] = time.perf_counter() - started
    pdf_manager = User.objects.get(pk=first_user + BIG_OFFICE)
    return {
        "association": associations[0],
        "big_office": offices[0],
        "pdf_office": offices[1],
        "pdf_manager": pdf_manager,
        "big_manager": User.objects.get(pk=first_user),
        "analyst": analyst,
        "timings": timings,
    }


def generate_workers_office(cycle, items) -> dict:
    """One office of WORKERS_OFFICE people, mostly election workers (every third without
    an email address, each with a phone number), reporting to its manager; its staff with
    submitted assessments. COPY, as `generate`."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Membership, Office, User
    from assessments.models import Assessment, ItemResponse
    from assessments.summaries import summaries_rebuild

    started = time.perf_counter()
    now = timezone.now().isoformat()
    password = make_password(PASSWORD)
    workers = int(WORKERS_OFFICE * WORKERS_SHARE)
    staff = WORKERS_OFFICE - workers
    user_t, member_t = User._meta.db_table, Membership._meta.db_table
    assess_t, answer_t = Assessment._meta.db_table, ItemResponse._meta.db_table
    with transaction.atomic():
        office = Office.objects.create(name="Bench poll workers office", state="CO")
        with connection.cursor() as cursor:
            first = _next_id(cursor, user_t)
            people = []  # (user id, role, reports to, email or None, phone)
            for n in range(WORKERS_OFFICE):
                uid = first + n
                if n == 0:
                    role, boss = "manager", None
                elif n < staff:
                    role, boss = ("supervisor", first) if n % 10 == 1 else ("official", first + 1)
                else:
                    role, boss = "election_worker", first
                email = None if role == "election_worker" and n % 3 == 0 else f"w{uid}@bench.test"
                people.append((uid, role, boss, email, f"+1720{n:07d}"))
            _copy(
                cursor,
                user_t,
                [
                    *("id", "password", "is_superuser", "email", "phone", "full_name"),
                    *("preferred_language", "is_active", "is_staff", "is_confidential"),
                    "date_joined",
                ],
                (
                    f"{u}\t{password}\tf\t{'\\N' if e is None else e}\t{p}"
                    f"\tBench Worker {u}\ten\tt\tf\tf\t{now}\n"
                    for u, _r, _b, e, p in people
                ),
            )
            _reset_sequence(cursor, user_t)
            _copy(
                cursor,
                member_t,
                ["user_id", "office_id", "role", "reports_to_id", "started_at"],
                (
                    f"{u}\t{office.pk}\t{r}\t{'\\N' if b is None else b}\t{now}\n"
                    for u, r, b, _e, _p in people
                ),
            )
            first_assessment = _next_id(cursor, assess_t)
            assessed = [u for u, r, _b, _e, _p in people if r != "election_worker"]
            _copy(
                cursor,
                assess_t,
                [
                    *("id", "user_id", "office_id", "cycle_id", "state", "version"),
                    *("created_at", "updated_at", "submitted_at"),
                ],
                (
                    f"{first_assessment + k}\t{u}\t{office.pk}\t{cycle.pk}\tsubmitted\t1"
                    f"\t{now}\t{now}\t{now}\n"
                    for k, u in enumerate(assessed)
                ),
            )
            _reset_sequence(cursor, assess_t)
            _copy(
                cursor,
                answer_t,
                [
                    *("assessment_id", "item_id", "rating", "not_applicable", "na_reason"),
                    *("comment", "changed_in_version", "updated_at"),
                ],
                (
                    f"{first_assessment + k}\t{item.pk}\t{1 + (k + item.pk) % 4}\tf\t\t\t1\t{now}\n"
                    for k in range(len(assessed))
                    for item in items
                ),
            )
            cursor.execute(f"ANALYZE {user_t}, {member_t}, {assess_t}, {answer_t}")
    summaries_rebuild()
    return {
        "office": office,
        "manager": User.objects.get(pk=first),
        "workers": workers,
        "staff": staff,
        "seconds": time.perf_counter() - started,
    }


def _open_cycle() -> None:
    """This year's cycle of the published edition, open (the lists-only run)."""
    import datetime

    from pledges.models import Cycle, Edition

    year = datetime.date.today().year
    Cycle.objects.get_or_create(
        name=str(year),
        defaults={
            "edition": Edition.objects.filter(published_at__isnull=False).order_by("-year").first(),
            "opens_on": datetime.date(year, 1, 1),
            "closes_on": datetime.date(year, 12, 31),
        },
    )


def measure_lists(office_data: dict) -> list[tuple]:
    """(page, URL, queries, status, min ms, median ms) of each list at that office's size."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(headers={"x-forwarded-proto": "https"})
    client.force_login(office_data["manager"])
    office = office_data["office"]
    search = "?q=Bench+Worker+12"
    pages = [
        ("people list, first page", "/people/"),
        ("people list, searched", f"/people/{search}"),
        ("people list, election workers, page 40", "/people/?role=election_worker&page=40"),
        ("office pledges, first page", "/pledges/office/"),
        ("office pledges, searched", f"/pledges/office/{search}"),
        ("office assessments, first page", "/assessments/office/"),
        ("office assessments, searched", f"/assessments/office/{search}"),
        ("team (the manager's 4,500+ reports), first page", "/assessments/team/"),
        ("team, searched", f"/assessments/team/{search}"),
        ("office report (identified, 5,000 people)", f"/reports/offices/{office.pk}/"),
    ]
    rows = []
    for name, url in pages:
        client.get(url)  # warm: the chain check, the edition, the benchmarks
        with CaptureQueriesContext(connection) as ctx:
            status = client.get(url).status_code
        ms = _timed(lambda u=url: client.get(u))
        rows.append((name, url, len(ctx.captured_queries), status, *ms))
        print(f"lists: {name} {ms} {len(ctx.captured_queries)} q {status}")
    return rows


def render_lists(office_data: dict, rows: list[tuple]) -> list[str]:
    lines = [
        "",
        f"### 5. Lists of people at {WORKERS_OFFICE:,} people in one office",
        "",
        f"One office of {WORKERS_OFFICE:,} people: {office_data['workers']:,} election workers "
        f"(every third without an email address, all with a phone number) reporting to the "
        f"manager, and {office_data['staff']:,} staff with submitted assessments (generated "
        f"in {office_data['seconds']:.1f} s). Signed in as its manager, in-process test "
        f"client; min / median of {REPEAT} runs after a warm-up. Lists show 50 people a page "
        "(`core.listing`); their query counts, the same at any size, are pinned by "
        "tests/accounts/test_pagination.py.",
        "",
        "| page | URL | status | min ms | median ms |",
        "|---|---|---:|---:|---:|",
    ]
    for name, url, _queries, status, low, median in rows:
        lines.append(f"| {name} | `{url}` | {status} | {low:.1f} | {median:.1f} |")
    return lines


SCAN_SQL = """
SELECT a.office_id, r.item_id, r.rating, r.not_applicable, COUNT(*)
FROM assessments_itemresponse r JOIN assessments_assessment a ON a.id = r.assessment_id
WHERE a.cycle_id = %s AND a.state IN ('submitted', 'accepted')
  AND a.office_id IN (SELECT office_id FROM accounts_association_offices WHERE association_id = %s)
GROUP BY a.office_id, r.item_id, r.rating, r.not_applicable
"""
PARTICIPATION_SQL = """
SELECT a.office_id, a.state, COUNT(*)
FROM assessments_assessment a
WHERE a.cycle_id = %s
  AND a.office_id IN (SELECT office_id FROM accounts_association_offices WHERE association_id = %s)
GROUP BY a.office_id, a.state
"""


def form_page(cycle) -> tuple[object, str]:
    """A demo official with an editable assessment, and the URL of its form."""
    from accounts.models import User
    from assessments.models import Assessment
    from assessments.services import assessment_start

    editable = (
        Assessment.objects.filter(
            cycle=cycle, state__in=Assessment.EDITABLE_STATES, user__email="official@demo.test"
        ).first()
        or Assessment.objects.filter(cycle=cycle, state__in=Assessment.EDITABLE_STATES).first()
    )
    if editable is None:
        editable = assessment_start(user=User.objects.get(email="official@demo.test"), cycle=cycle)
    return editable.user, f"/assessments/{editable.pk}/edit/"


def main() -> None:
    import django

    started = time.perf_counter()
    admin(f'DROP DATABASE IF EXISTS "{DBNAME}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{DBNAME}"')
    django.setup()

    import throughput
    import weasyprint
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections
    from django.template.loader import render_to_string
    from django.test import Client
    from django.utils import translation

    from accounts.models import User
    from assessments.exports import _static_fetcher
    from assessments.models import ItemResponse
    from pledges.models import ApplicationItem
    from pledges.selectors import current_cycle
    from reports import exports, selectors

    with open(os.devnull, "w") as quiet:
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("migrate", verbosity=0, stdout=quiet)
        call_command("createcachetable", verbosity=0)
        if os.environ.get("BENCH_ONLY") == "lists":
            # The lists need the standards and an open cycle, not the demo.
            call_command("load_standards", stdout=quiet)
            _open_cycle()
        else:
            call_command("seed_demo", stdout=quiet)
    setup_seconds = time.perf_counter() - started
    cycle = current_cycle()
    items = list(ApplicationItem.objects.filter(standard__edition_id=cycle.edition_id))
    if os.environ.get("BENCH_ONLY") == "lists":
        workers_office = generate_workers_office(cycle, items)
        LISTS_SECTION.write_text(
            "\n".join(render_lists(workers_office, measure_lists(workers_office))) + "\n"
        )
        connections.close_all()
        if os.environ.get("BENCH_KEEP_DB") != "1":
            admin(f'DROP DATABASE IF EXISTS "{DBNAME}" WITH (FORCE)')
        print(f"lists: done in {time.perf_counter() - started:.0f} s")
        return
    data = generate(cycle, items)
    generate_seconds = data["timings"]["total"]
    association, pdf_office, big_office = (
        data["association"],
        data["pdf_office"],
        data["big_office"],
    )
    answers = ItemResponse.objects.count()
    people = User.objects.filter(email__endswith="@bench.test").count() - 1
    print(f"reports: {people} officials, {answers} answers, generated in {generate_seconds:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        db_size = cursor.fetchone()[0]

    # 1. Association report against the scan.
    def report():
        selectors.association_report(association, cycle)

    analyst_client = Client(headers={"x-forwarded-proto": "https"})
    analyst_client.force_login(data["analyst"])
    association_url = f"/reports/associations/{association.pk}/"
    assert analyst_client.get(association_url).status_code == 200

    def report_page():
        response = analyst_client.get(association_url)
        assert response.status_code == 200

    def scan():
        with connection.cursor() as cursor:
            cursor.execute(SCAN_SQL, [cycle.pk, association.pk])
            cursor.fetchall()
            cursor.execute(PARTICIPATION_SQL, [cycle.pk, association.pk])
            cursor.fetchall()

    report_ms = _timed(report)
    page_ms = _timed(report_page)
    scan_ms = _timed(scan)
    print(f"association report {report_ms}, page {page_ms}, scan {scan_ms}")

    # 2. Office report PDF (the view) against WeasyPrint on the saved HTML.
    manager_client = Client(headers={"x-forwarded-proto": "https"})
    manager_client.force_login(data["pdf_manager"])
    pdf_url = f"/reports/offices/{pdf_office.pk}/report.pdf"

    def pdf():
        response = manager_client.get(pdf_url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        b"".join(response.streaming_content) if response.streaming else response.content

    report_data = selectors.office_report(pdf_office, cycle, identified=True)
    benchmarks = selectors.office_benchmarks(pdf_office, cycle, report_data)
    language = settings.LANGUAGE_CODE
    with translation.override(language):
        html = render_to_string(
            "reports/office_report_pdf.html",
            {**exports.office_context(report_data, benchmarks=benchmarks), "language": language},
        )
    (OUT / "office_report_50.html").write_text(html)

    def weasy():
        weasyprint.HTML(
            string=html, base_url=settings.SITE_URL + "/", url_fetcher=_static_fetcher()
        ).write_pdf(pdf_tags=True, custom_metadata=True)

    pdf_repeat = max(3, REPEAT)
    pdf_ms = _timed(pdf, repeat=pdf_repeat)
    weasy_ms = _timed(weasy, repeat=pdf_repeat)
    print(f"pdf {pdf_ms}, weasyprint {weasy_ms}")

    # 4. CSV of the 5,000-person office: Python heap peak, and RSS growth.
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    t = time.perf_counter()
    big = selectors.office_report(big_office, cycle, identified=True)
    _name, _type, chunks = exports.office_report_csv(big)
    csv_bytes = sum(len(chunk) for chunk in chunks)
    csv_seconds = time.perf_counter() - t
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) * 1024
    print(f"csv {csv_bytes} bytes in {csv_seconds:.1f} s, peak {peak / 1e6:.1f} MB")

    # 5. The lists of people at 5,000 people in one office.
    workers_office = generate_workers_office(cycle, items)
    lists = render_lists(workers_office, measure_lists(workers_office))

    # 3. Throughput under gunicorn.
    form_user, form_url = form_page(cycle)
    supervisor = User.objects.get(email="supervisor@demo.test")
    pages = [
        ("/healthz (reference)", "/healthz", None),
        ("assessment form (demo official)", form_url, form_user),
        ("home page (demo official)", "/", form_user),
        ("team page (demo supervisor)", "/assessments/team/", supervisor),
        (
            f"office report, {PDF_OFFICE}-person office (manager)",
            f"/reports/offices/{pdf_office.pk}/",
            data["pdf_manager"],
        ),
        (f"association report, {OFFICES:,} offices (analyst)", association_url, data["analyst"]),
    ]
    sessions = []
    for name, url, who in pages:
        cookie = None
        if who is not None:
            client = Client()
            client.force_login(who)
            name_ = settings.SESSION_COOKIE_NAME
            cookie = f"{name_}={client.cookies[name_].value}"
        sessions.append((name, url, cookie))
    connections.close_all()
    wrk = throughput.run(sessions, DATABASE_URL)

    section = render(
        scale={
            "offices": OFFICES,
            "officials": people,
            "associations": ASSOCIATIONS,
            "answers": answers,
            "db_size": db_size,
        },
        timings={"setup (create, migrate, seed demo)": setup_seconds, **data["timings"]},
        report_ms=report_ms,
        page_ms=page_ms,
        scan_ms=scan_ms,
        pdf_ms=pdf_ms,
        weasy_ms=weasy_ms,
        pdf_repeat=pdf_repeat,
        csv=(csv_bytes, csv_seconds, peak, rss_growth),
        wrk=wrk,
    )
    SECTION.write_text("\n".join([*section, *lists]) + "\n")
    (OUT / "reports_meta.json").write_text(json.dumps({"postgresql": pg_version}))
    connections.close_all()
    if os.environ.get("BENCH_KEEP_DB") != "1":
        admin(f'DROP DATABASE IF EXISTS "{DBNAME}" WITH (FORCE)')
    print(f"reports: done in {time.perf_counter() - started:.0f} s")


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def render(*, scale, timings, report_ms, page_ms, scan_ms, pdf_ms, weasy_ms, pdf_repeat, csv, wrk):
    ratio = report_ms[1] / scan_ms[1]
    page_ratio = page_ms[1] / scan_ms[1]
    pdf_ratio = pdf_ms[1] / weasy_ms[1]
    csv_bytes, csv_seconds, peak, rss_growth = csv
    lines = [
        "",
        "## Reports at scale (PostgreSQL)",
        "",
        f"Generated in a separate PostgreSQL database (`{DBNAME}`, dropped afterwards), "
        f"scale `{SCALE}`: {scale['associations']} associations (one covering all "
        f"{scale['offices']:,} offices), {scale['offices']:,} offices (one of {BIG_OFFICE:,} "
        f"people, one of {PDF_OFFICE}), {scale['officials']:,} officials with memberships, one "
        f"cycle of submitted assessments: **{scale['answers']:,} item answers** (including the "
        f"demo's); database {scale['db_size']}. Generated people have no pledges (the funnel's "
        f"'pledged' step is 0). In-process measures: min / median of {REPEAT} runs "
        f"(PDF: {pdf_repeat}) after one warm-up.",
        "",
        "Set-up times: "
        + "; ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
        + ".",
        "",
        "| measure | min | median | target | result |",
        "|---|---:|---:|---|---|",
        f"| 1. association report, selector (`association_report`, {scale['offices']:,} offices) "
        f"| {report_ms[0]:.1f} ms | {report_ms[1]:.1f} ms | ≤ 0.5 × scan "
        f"| {ratio:.3f} × scan — {_verdict(ratio <= 0.5)} |",
        f"| 1. association report, whole page (test client: view, selector, charts, template) "
        f"| {page_ms[0]:.1f} ms | {page_ms[1]:.1f} ms | ≤ 0.5 × scan "
        f"| {page_ratio:.3f} × scan — {_verdict(page_ratio <= 0.5)} |",
        f"| 1. plain SQL GROUP BY over the answers (office × item × rating) + participation "
        f"| {scan_ms[0]:.1f} ms | {scan_ms[1]:.1f} ms | | |",
        f"| 2. office report PDF, {PDF_OFFICE} people (view: data + template + WeasyPrint) "
        f"| {pdf_ms[0]:.0f} ms | {pdf_ms[1]:.0f} ms | ≤ 1.25 × WeasyPrint and < 1.5 s "
        f"| {pdf_ratio:.2f} ×, {pdf_ms[1] / 1000:.3f} s — "
        f"{_verdict(pdf_ratio <= 1.25 and pdf_ms[1] < 1500)} |",
        f"| 2. WeasyPrint alone on the same saved HTML | {weasy_ms[0]:.0f} ms "
        f"| {weasy_ms[1]:.0f} ms | | |",
        f"| 4. peak Python memory (tracemalloc) streaming the CSV of {BIG_OFFICE:,} people "
        f"({csv_bytes / 1e6:.1f} MB of CSV in {csv_seconds:.1f} s) | | {peak / 1e6:.1f} MB "
        f"| < 50 MB | {_verdict(peak < 50e6)} |",
        f"| 4. process RSS high-water growth during the same export | | "
        f"{rss_growth / 1e6:.1f} MB | (< 50 MB) | {_verdict(rss_growth < 50e6)} |",
        "",
    ]
    lines += wrk
    return lines


if __name__ == "__main__":
    main()
