# ruff: noqa: RUF001
"""Certification programs at scale for `make bench`, in a PostgreSQL database of its own.

Run by run.py as its own process (after reports_bench.py), or alone:

    .venv/bin/python benchmarks/education_bench.py

Drops and recreates the database `standards_portal_bench_education` on 127.0.0.1,
migrates, then generates as reports_bench.py does (COPY): 2,000 offices in one
association, 100,000 officials with memberships, one certification program and an
enrolment of every official, with the standing `services.progress_changed` keeps on
each (period, hours, met); the summaries per office are built from them
(`program_summaries_from_standings`, the rebuild's GROUP BY). Then measures, min / median
over BENCH_REPEAT rounds after one warm-up:

1. the association's progress view (`program_association_view`, summaries only);
2. the whole page through the test client, as the association's analyst;
3. the CSV per office;
4. against a plain SQL GROUP BY over the 100,000 enrolments that yields the same figures
   (what the view would cost without the summaries; it still reads no ledger);
5. one person's write (`progress_changed`): what keeping the summaries costs.

Writes benchmarks/out/education_section.md and drops the database (BENCH_KEEP_DB=1 keeps it).
Sizes: BENCH_SCALE=full (default) or small; BENCH_OFFICES / BENCH_OFFICIALS override.
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
OUT.mkdir(parents=True, exist_ok=True)
sys.path.insert(0, str(ROOT))

PG = {"host": "127.0.0.1", "port": 5432, "user": os.environ.get("PGUSER", "postgres")}
DBNAME = os.environ.get("BENCH_EDUCATION_DATABASE", "standards_portal_bench_education")
DATABASE_URL = f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{DBNAME}"
SCALE = os.environ.get("BENCH_SCALE", "full")
_DEFAULTS = {"full": (2000, 100_000), "small": (200, 12_000)}[SCALE]
OFFICES = int(os.environ.get("BENCH_OFFICES", _DEFAULTS[0]))
OFFICIALS = int(os.environ.get("BENCH_OFFICIALS", _DEFAULTS[1]))
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
SECTION = OUT / "education_section.md"

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
    DATABASE_POOL="false",
    LOG_LEVEL="WARNING",
    MFA_REQUIRED="false",
)
os.environ.pop("SQLITE_PATH", None)

SCAN_SQL = """
SELECT e.office_id, COUNT(*), COUNT(*) FILTER (WHERE e.met), SUM(e.hours)
FROM education_enrollment e
WHERE e.program_id = %s AND e.ended_at IS NULL
  AND e.office_id IN (SELECT office_id FROM accounts_association_offices WHERE association_id = %s)
GROUP BY e.office_id
"""


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


def _copy(cursor, table: str, columns: list[str], lines) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        buffer = []
        for line in lines:
            buffer.append(line)
            if len(buffer) >= 100_000:
                copy.write("".join(buffer))
                buffer = []
        if buffer:
            copy.write("".join(buffer))


def _next_id(cursor, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
    return cursor.fetchone()[0]


def _reset_sequence(cursor, table: str) -> None:
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
    )


def office_sizes() -> list[int]:
    """Offices in pairs around the mean, a few of them small (suppressed in the view)."""
    rng = random.Random(7)
    mean, extra = divmod(OFFICIALS, OFFICES)
    sizes = [mean + (1 if n < extra else 0) for n in range(OFFICES)]
    for n in range(0, OFFICES - 1, 2):
        d = rng.randint(0, max(0, min(30, mean - 2)))
        sizes[n] += d
        sizes[n + 1] -= d
    return sizes


def generate() -> dict:
    """Offices, the association, people, memberships, a program, enrolments, summaries."""
    import datetime
    from decimal import Decimal

    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Association, AssociationRole, Membership, Office, User
    from education.models import Enrollment, Program
    from education.selectors import period_on
    from education.services import program_summaries_from_standings

    timings = {}
    started = time.perf_counter()
    rng = random.Random(42)
    sizes = office_sizes()
    now = timezone.now().isoformat()
    today = timezone.localdate()
    password = make_password("standards-demo-2026")
    user_t, member_t = User._meta.db_table, Membership._meta.db_table
    enrol_t = Enrollment._meta.db_table
    with transaction.atomic():
        offices = Office.objects.bulk_create(
            Office(name=f"Bench office {n:05d}", state="CO", named_in_benchmarks=n % 7 != 0)
            for n in range(OFFICES)
        )
        association = Association.objects.create(name="Bench association", state="CO")
        through = Association.offices.through
        through.objects.bulk_create(
            [through(association_id=association.pk, office_id=o.pk) for o in offices],
            batch_size=5000,
        )
        analyst = User.objects.create(
            email="analyst@bench.test", full_name="Bench Analyst", password=password
        )
        AssociationRole.objects.create(
            user=analyst, association=association, role=AssociationRole.Role.ANALYST
        )
        program = Program.objects.create(
            association=association,
            name="Certified Elections Administrator",
            hours_required=Decimal(40),
            period_months=24,
            created_by=analyst,
        )
        timings["offices, association, program"] = time.perf_counter() - started
        with connection.cursor() as cursor:
            first_user = _next_id(cursor, user_t)
            people = []  # (user id, office index)
            uid = first_user
            for index, size in enumerate(sizes):
                for _ in range(size):
                    people.append((uid, index))
                    uid += 1
            t = time.perf_counter()
            _copy(
                cursor,
                user_t,
                [
                    *("id", "password", "is_superuser", "email", "full_name"),
                    *("preferred_language", "is_active", "is_staff", "is_confidential"),
                    *("date_joined", "phone"),
                ],
                (
                    f"{u}\t{password}\tf\tb{u}@bench.test\tBench Person {u}\ten\tt\tf\tf\t{now}\t\n"
                    for u, _o in people
                ),
            )
            _reset_sequence(cursor, user_t)
            _copy(
                cursor,
                member_t,
                ["user_id", "office_id", "role", "started_at"],
                (f"{u}\t{offices[o].pk}\tofficial\t{now}\n" for u, o in people),
            )
            timings["users and memberships (COPY)"] = time.perf_counter() - t
            t = time.perf_counter()

            def enrolments():
                for u, o in people:
                    started_on = today - datetime.timedelta(days=rng.randint(0, 1500))
                    period = period_on(started_on, 24, today)
                    hours = Decimal(rng.choice((0, 4, 8, 12, 16, 24, 32, 40, 48)))
                    met = "t" if hours >= 40 else "f"
                    yield (
                        f"{program.pk}\t{u}\t{started_on}\t{offices[o].pk}\t{period.start}"
                        f"\t{period.end}\t{hours}\t{met}\t{'t' if rng.random() < 0.2 else 'f'}\n"
                    )

            _copy(
                cursor,
                enrol_t,
                [
                    *("program_id", "user_id", "started_on", "office_id", "period_start"),
                    *("period_end", "hours", "met", "lapsed"),
                ],
                enrolments(),
            )
            timings["enrolments with their standing (COPY)"] = time.perf_counter() - t
    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {user_t}, {member_t}, {enrol_t}")
    rows = program_summaries_from_standings()
    timings[f"summaries from the standings ({rows:,} rows)"] = time.perf_counter() - t
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timings["total"] = time.perf_counter() - started
    return {
        "association": association,
        "program": program,
        "analyst": analyst,
        "person": User.objects.get(pk=first_user),
        "timings": timings,
    }


def main() -> None:
    import django

    started = time.perf_counter()
    admin(f'DROP DATABASE IF EXISTS "{DBNAME}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{DBNAME}"')
    django.setup()

    from django.core.management import call_command
    from django.db import connection, connections, transaction
    from django.test import Client

    from education import exports, selectors, services

    with open(os.devnull, "w") as quiet:
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("migrate", verbosity=0, stdout=quiet)
        call_command("createcachetable", verbosity=0)
    setup_seconds = time.perf_counter() - started
    data = generate()
    association, program = data["association"], data["program"]
    print(f"education: generated in {data['timings']['total']:.1f} s")

    def view():
        selectors.program_association_view(program, association)

    client = Client(headers={"x-forwarded-proto": "https"})
    client.force_login(data["analyst"])
    url = f"/education/associations/{association.pk}/programs/{program.pk}/"
    assert client.get(url).status_code == 200

    def page():
        assert client.get(url).status_code == 200

    def csv_export():
        _name, _type, rows = exports.association_program_csv(
            selectors.program_association_view(program, association)
        )
        sum(len(row) for row in rows)

    def scan():
        with connection.cursor() as cursor:
            cursor.execute(SCAN_SQL, [program.pk, association.pk])
            cursor.fetchall()

    person = data["person"]

    def write():
        with transaction.atomic():
            services.progress_changed(user=person)

    view_ms, page_ms, csv_ms = _timed(view), _timed(page), _timed(csv_export)
    scan_ms, write_ms = _timed(scan), _timed(write)
    print(f"view {view_ms}, page {page_ms}, csv {csv_ms}, scan {scan_ms}, write {write_ms}")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    timings = {"setup (create, migrate)": setup_seconds, **data["timings"]}
    ratio = view_ms[1] / scan_ms[1]
    page_ratio = page_ms[1] / scan_ms[1]
    lines = [
        "",
        "## Certification programs at scale (PostgreSQL)",
        "",
        f"`benchmarks/education_bench.py` (run by `make bench`, or alone: "
        f"`.venv/bin/python benchmarks/education_bench.py`), in a database of its own "
        f"(`{DBNAME}`, dropped afterwards), PostgreSQL {pg_version}, scale `{SCALE}`: one "
        f"association of {OFFICES:,} member offices (every seventh unnamed), "
        f"{OFFICIALS:,} officials, all enrolled in one program with their standing kept "
        f"(period, hours, met); the summaries per office built from them. "
        f"Min / median of {REPEAT} runs after one warm-up.",
        "",
        "Set-up times: "
        + "; ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
        + ".",
        "",
        "| measure | min | median | compared |",
        "|---|---:|---:|---|",
        f"| association progress view, selector (`program_association_view`, "
        f"{OFFICES:,} offices, 2 queries) | {view_ms[0]:.1f} ms | {view_ms[1]:.1f} ms "
        f"| {ratio:.2f} × the scan |",
        f"| the whole page as the analyst (test client: view, template, {OFFICES:,} rows) "
        f"| {page_ms[0]:.1f} ms | {page_ms[1]:.1f} ms | {page_ratio:.2f} × the scan |",
        f"| the CSV per office (suppressed) | {csv_ms[0]:.1f} ms | {csv_ms[1]:.1f} ms | |",
        f"| plain SQL GROUP BY over the {OFFICIALS:,} enrolments (same figures, unsuppressed) "
        f"| {scan_ms[0]:.1f} ms | {scan_ms[1]:.1f} ms | |",
        f"| one person's write, `progress_changed` (recompute, move their office's row) "
        f"| {write_ms[0]:.1f} ms | {write_ms[1]:.1f} ms | |",
        "",
    ]
    SECTION.write_text("\n".join(lines) + "\n")
    connections.close_all()
    if os.environ.get("BENCH_KEEP_DB") != "1":
        admin(f'DROP DATABASE IF EXISTS "{DBNAME}" WITH (FORCE)')
    print(f"education: done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
