"""`make bench`: server time and query count of each page, beside /healthz; then the
reports at scale in PostgreSQL (benchmarks/reports_bench.py, its own process).

The page table runs in-process against its own SQLite database seeded with the demo, so
the figures measure the portal's own work (view, queries, templates), not the network.
reports_bench.py generates 100,000 officials and 3.8 million answers in a separate
PostgreSQL database and measures the reports, the PDF, gunicorn throughput (wrk) and the
CSV's memory. Writes benchmarks/RESULTS.md with the machine, date, versions and the total
time. BENCH_SCALE=small for a quick run; BENCH_SKIP_SCALE=1 for the page table only.
"""

import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
OUT.mkdir(parents=True, exist_ok=True)
DB = OUT / "bench.sqlite3"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "standards_portal.settings")
os.environ["SQLITE_PATH"] = str(DB)
os.environ.pop("DATABASE_URL", None)
os.environ["TASKS_IMMEDIATE"] = "true"
os.environ["ALLOWED_HOSTS"] = "testserver"
# Production settings, without the HTTPS redirect (the test client speaks plain HTTP).
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "k" * 50)
os.environ["SECURE_SSL_REDIRECT"] = "false"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from accounts.models import User  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))
# Memory: every page type served this many times in one process (issue #8: 1,000).
MEMORY_ROUNDS = int(os.environ.get("BENCH_MEMORY_ROUNDS", "1000"))
QUERY_BUDGET = 10
FORM_LIMIT_MS, SAVE_LIMIT_MS, PDF_LIMIT_MS, RSS_LIMIT_MB = 20, 100, 800, 150


def pages() -> list[tuple[str, str, str | None]]:
    """(name, url, who: demo email or None for anonymous), /healthz first."""
    from accounts.models import Association, User
    from assessments.models import Assessment
    from pledges.models import Pledge

    official = User.objects.get(email="official@demo.test")
    manager = User.objects.get(email="manager@demo.test")
    draft = Assessment.objects.filter(user=official, state__in=Assessment.EDITABLE_STATES).first()
    done = Assessment.objects.filter(user=official, state="accepted").first()
    pledge = Pledge.objects.filter(user=manager, withdrawn_at__isnull=True).first()
    office = manager.active_membership.office_id
    association = Association.objects.filter(roles__user__email="analyst@demo.test").first()
    return [
        ("health check (limit)", "/healthz", None),
        ("public standards page", "/standards/", None),
        ("home — anonymous", "/", None),
        ("home — official", "/", "official@demo.test"),
        ("home — supervisor", "/", "supervisor@demo.test"),
        ("home — manager", "/", "manager@demo.test"),
        ("home — analyst", "/", "analyst@demo.test"),
        ("self-assessment form — official", f"/assessments/{draft.pk}/edit/", official.email),
        ("results — official", f"/assessments/{done.pk}/results/", official.email),
        ("team — supervisor", "/assessments/team/", "supervisor@demo.test"),
        ("office assessments — manager", "/assessments/office/", manager.email),
        ("office report — manager", f"/reports/offices/{office}/", manager.email),
        (
            "association report — analyst",
            f"/reports/associations/{association.pk}/",
            "analyst@demo.test",
        ),
        ("my pledges — manager", "/pledges/", manager.email),
        ("pledge — manager", f"/pledges/{pledge.pk}/", manager.email),
        ("office pledges — manager", "/pledges/office/", manager.email),
        ("people — manager", "/people/", manager.email),
        ("audit log — manager", "/people/audit/", manager.email),
    ]


# What limits the figures: written from cProfile and query captures of the full-size run
# (benchmarks/reports_bench.py with BENCH_KEEP_DB=1) on 2026-11-25; not regenerated.
NOTES = """
## What limited the figures before issue #8 (profiled 2026-11-25; not regenerated)

Since then the office benchmarks are cached and the association report selects offices by
subquery (see the issue #8 section).

- **Association report, 2,000 offices** (selector ~320 ms, page ~470 ms). The selector
  reads ~76,000 summary rows in 8 queries (~145 ms of SQL). Several of those queries pass
  the 2,000 office ids as an `IN (...)` list, which costs ~100 ms of Python in psycopg's
  query splitting (`_split_query`, 62 ms under the profiler) and Django's lookup
  preparation (`get_prep_lookup`, 42 ms); a subquery (`office__associations=...`) would
  avoid it. `_distributions` builds ~22,000 Decimal averages (office x standard) in Python
  (~35 ms under the profiler). The page adds the template's 2,000-row office table
  (about half the profiled page time). The target holds because the scan must read 3.8
  million answers (~1.6 s).
- **Office report page, 50 people** (~200 ms in-process, 8.7 req/s under gunicorn): the
  report itself takes ~16 ms; `office_benchmarks` takes ~150 ms because it recomputes
  `_distributions` over every office of each of the office's associations (here 2,000 +
  ~105 offices) on every view. Its cost grows with association size, not office size;
  caching the per-association distribution per cycle (it changes only when an assessment
  is submitted, accepted or reopened), or computing the quartiles in SQL, would remove it.
  The PDF pays the same ~0.1 s, which is most of its overhead over WeasyPrint.
- **PDF**: WeasyPrint layout is ~90 % of the time. The generated people have no pledges
  and no supervisor reviews, so the funnel's pledged step and the self-vs-supervisor
  section are empty; a real office's PDF may be somewhat longer.
- **CSV**: streams (one query over the answer rows); the peak includes building the
  identified 5,000-person report before the first row.
- **Throughput**: 2 sync workers on 2 cores shared with wrk and PostgreSQL, so the ratios
  are CPU-bound; a page's req/s is about 2 / (its server time). (Before the final /healthz
  run waited for the association report's queued requests to drain, its p99 was ~1.6 s.)
- **Noise**: the same code measured WeasyPrint at 1.09 s and 1.27 s median in two full
  runs an hour apart, so the PDF's "< 1.5 s" has little margin on this machine.
"""


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){mem}, {platform.system()} {platform.release()}"


def versions() -> str:
    import weasyprint

    return (
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"SQLite {connection.Database.sqlite_version}, WeasyPrint {weasyprint.__version__}"
    )


def rss_mb() -> float:
    """This process's resident memory now (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(fn, repeat: int) -> tuple[float, float]:
    """min and median ms of `repeat` calls after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return min(times), statistics.median(times)


def measure_save(email: str, url: str) -> tuple[float, float, int]:
    """Saving all 38 answers in one request: min/median ms and the queries of one save."""
    from assessments.models import Assessment
    from assessments.selectors import standards_with_items

    client = Client(headers={"x-forwarded-proto": "https"})
    client.force_login(User.objects.get(email=email))
    pk = int(url.strip("/").split("/")[1])
    items = [
        item.pk
        for standard in standards_with_items(Assessment.objects.get(pk=pk).cycle.edition_id)
        for item in standard.items.all()
    ]
    state = {"n": 0}

    def save():
        # Alternate the rating so that every save writes all 38 answers.
        state["n"] += 1
        rating = str(1 + state["n"] % 4)
        data = {"version": str(Assessment.objects.get(pk=pk).version), "action": "save"}
        data.update({f"item_{i}_rating": rating for i in items})
        data.update({f"item_{i}_comment": f"Example {state['n']}" for i in items})
        response = client.post(url, data)
        assert response.status_code == 302, response.status_code

    save()
    # The version read above is one query of the bench's own, not of the request.
    version = Assessment.objects.get(pk=pk).version
    data = {"version": str(version), "action": "save"}
    data.update({f"item_{i}_rating": "4" for i in items})
    with CaptureQueriesContext(connection) as ctx:
        assert client.post(url, data).status_code == 302
    queries = len(ctx.captured_queries)
    best, median = timed(save, REPEAT * 4)
    return best, median, queries


def measure_pdfs(official: str, done_url: str, manager: str, pledge_url: str) -> list[tuple]:
    """Personal results PDF and pledge certificate: the view against WeasyPrint alone on
    the HTML the view rendered (same fonts, styles and fetcher, prepared once)."""
    from standards_portal import documents

    saved = {}
    original = documents.pdf_from_html

    def keep(html, **kwargs):
        saved["args"] = (html, kwargs)
        return original(html, **kwargs)

    rows = []
    for name, email, url, module in (
        (
            "personal results PDF",
            official,
            done_url.replace("results/", "results.pdf"),
            "assessments.exports",
        ),
        ("pledge certificate PDF", manager, pledge_url + "certificate.pdf", "pledges.exports"),
    ):
        exporter = __import__(module, fromlist=["pdf_from_html"])
        client = Client(headers={"x-forwarded-proto": "https"})
        client.force_login(User.objects.get(email=email))
        exporter.pdf_from_html = keep
        try:
            first = time.perf_counter()
            response = client.get(url)
            first_ms = (time.perf_counter() - first) * 1000
        finally:
            exporter.pdf_from_html = original
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf", url
        html, kwargs = saved["args"]
        view = timed(lambda c=client, u=url: c.get(u), REPEAT)
        alone = timed(lambda h=html, k=kwargs: original(h, **k), REPEAT)
        rows.append((name, url, first_ms, view, alone))
        print(f"{name}: first {first_ms:.0f} ms, view {view}, weasyprint {alone}")
    return rows


def measure_memory(rounds: int) -> dict:
    """Serve every page type `rounds` times (each PDF rounds // 20 times) in a fresh
    process, as one server process would: its resident memory (VmRSS, after a garbage
    collection) once warm (after the first tenth) and at the end."""
    result = subprocess.run(
        [sys.executable, __file__, "--memory", str(rounds)],
        cwd=ROOT,
        env=os.environ,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    return __import__("json").loads(result.stdout.strip().splitlines()[-1])


def serve_for_memory(rounds: int) -> None:
    """The --memory process: prints {"start", "warm", "end" (MB), "requests"} as JSON."""
    import gc
    import json

    page_list = [p for p in pages() if p[1] != "/healthz"]
    done = next(p for p in page_list if p[0].startswith("results"))
    pledge = next(p for p in page_list if p[0].startswith("pledge —"))
    pdfs = [
        (done[1].replace("results/", "results.pdf"), done[2]),
        (pledge[1] + "certificate.pdf", pledge[2]),
    ]
    clients = {}
    for _name, _url, who in page_list:
        if who not in clients:
            clients[who] = Client(headers={"x-forwarded-proto": "https"})
            if who:
                clients[who].force_login(User.objects.get(email=who))
    gc.collect()
    start, warm, served = rss_mb(), None, 0
    every = max(1, rounds // 20)
    for n in range(rounds):
        for _name, url, who in page_list:
            assert clients[who].get(url).status_code == 200, url
            served += 1
        if n % every == 0:
            for url, who in pdfs:
                assert clients[who].get(url).status_code == 200, url
                served += 1
        if n == max(1, rounds // 10) - 1:
            gc.collect()
            warm = rss_mb()
    gc.collect()
    print(json.dumps({"start": start, "warm": warm, "end": rss_mb(), "requests": served}))


def measure(client: Client, url: str) -> tuple[float, float, int, int]:
    """Return (min ms, median ms, queries, status) over REPEAT rounds of REQUESTS requests."""
    client.get(url)  # warm caches and templates
    with CaptureQueriesContext(connection) as ctx:
        status = client.get(url).status_code
    queries = len(ctx.captured_queries)
    rounds = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        for _ in range(REQUESTS):
            client.get(url)
        rounds.append((time.perf_counter() - start) * 1000 / REQUESTS)
    return min(rounds), statistics.median(rounds), queries, status


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--memory":
        serve_for_memory(int(sys.argv[2]))
        return
    bench_started = time.perf_counter()
    if DB.exists():
        DB.unlink()
    started = time.perf_counter()
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", stdout=quiet)
    setup_seconds = time.perf_counter() - started

    rows = []
    page_list = pages()
    for name, url, who in page_list:
        client = Client(headers={"x-forwarded-proto": "https"})
        if who:
            client.force_login(User.objects.get(email=who))
        # Rendered: what each request costs with the page cache off. Served: the same
        # page again with it on (production), while nothing is written.
        with override_settings(PAGE_CACHE_SECONDS=0):
            best, median, queries, status = measure(client, url)
        served = measure(client, url)
        rows.append((name, url, best, median, queries, status, served))
        print(
            f"{name:34} {url:28} min {best:7.2f} ms  median {median:7.2f} ms  {queries:3} q"
            f"  served {served[0]:6.2f} ms {served[2]:2} q"
        )
    form = next(r for r in rows if r[0].startswith("self-assessment form"))
    save = measure_save("official@demo.test", form[1])
    print(f"save 38 answers: min {save[0]:.1f} ms, median {save[1]:.1f} ms, {save[2]} queries")
    done_url = next(r[1] for r in rows if r[0].startswith("results"))
    pledge_url = next(r[1] for r in rows if r[0].startswith("pledge —"))
    pdfs = measure_pdfs("official@demo.test", done_url, "manager@demo.test", pledge_url)
    memory = measure_memory(MEMORY_ROUNDS)
    print(f"memory: {memory}")

    limit = rows[0][3]
    commit = (
        os.environ.get("BENCH_COMMIT")
        or subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    )
    lines = [
        "# Benchmark results",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- Machine: {machine()}",
        f"- Versions: {versions()}; commit {commit or 'unknown'}",
        f"- Method: in-process Django test client against a seeded SQLite database; "
        f"{REPEAT} rounds of {REQUESTS} requests per page, per-request server time; "
        f"query count of one request. Demo data: migrate + standards + seed took "
        f"{setup_seconds:.1f} s.",
        "",
        "## Pages (SQLite, in-process)",
        "",
        "Rendered: the page cache off (`PAGE_CACHE_SECONDS=0`), every request does all "
        "its work. Served: the production setting, the same request again while nothing "
        "is written — the home, assessment, team, office and pledge pages come whole from "
        "memory, the others reuse the signed-in person (docs/performance.md).",
        "",
        "| page | URL | rendered min ms | rendered median ms | ratio to /healthz "
        "| queries | served min ms | served queries | status |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, url, best, median, queries, status, served in rows:
        lines.append(
            f"| {name} | `{url}` | {best:.2f} | {median:.2f} | {median / limit:.1f} "
            f"| {queries} | {served[0]:.2f} | {served[2]} | {status} |"
        )
    worst = max(r[4] for r in rows)
    lines += [
        "",
        f"Most queries on any of these pages: **{worst}** (budget {QUERY_BUDGET}: "
        f"{'met' if worst <= QUERY_BUDGET else '**missed**'}; every route as every role is "
        "pinned by tests/perf/test_query_budget.py).",
        "",
        "## Self-assessment: form and save (SQLite, in-process)",
        "",
        "| measure | min ms | median ms | limit | queries | result |",
        "|---|---:|---:|---|---:|---|",
        f"| form page, 38 items (GET), rendered | {form[2]:.2f} | {form[3]:.2f} "
        f"| ≤ {FORM_LIMIT_MS} ms | {form[4]} | {_verdict(form[3] <= FORM_LIMIT_MS)} |",
        f"| form page, served from memory | {form[6][0]:.2f} | {form[6][1]:.2f} "
        f"| ≤ {FORM_LIMIT_MS} ms | {form[6][2]} | {_verdict(form[6][1] <= FORM_LIMIT_MS)} |",
        f"| save all 38 answers (one POST, bulk upsert) | {save[0]:.1f} | {save[1]:.1f} "
        f"| ≤ {SAVE_LIMIT_MS} ms | {save[2]} | {_verdict(save[1] <= SAVE_LIMIT_MS)} |",
        "",
        "## PDFs (in-process)",
        "",
        "Limit: WeasyPrint alone rendering the HTML the view produced (same fonts, styles and "
        "fetcher). The first request of the process also prepares the fonts and stylesheets "
        "(read once per process, not per document).",
        "",
        "| document | URL | first request ms | min ms | median ms "
        "| WeasyPrint alone min / median ms | limit | result |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for name, url, first_ms, view, alone in pdfs:
        lines.append(
            f"| {name} | `{url}` | {first_ms:.0f} | {view[0]:.0f} | {view[1]:.0f} "
            f"| {alone[0]:.0f} / {alone[1]:.0f} | < {PDF_LIMIT_MS} ms "
            f"| {_verdict(view[1] < PDF_LIMIT_MS)} |"
        )
    before, warm, after, served = (memory[k] for k in ("start", "warm", "end", "requests"))
    lines += [
        "",
        "## Memory (one process)",
        "",
        f"A fresh process (Django, production settings, the bench database) serving every "
        f"page type above except /healthz {MEMORY_ROUNDS:,} times each, and the two PDFs "
        f"every {max(1, MEMORY_ROUNDS // 20)} rounds ({served:,} requests); resident memory "
        "(VmRSS) after a garbage collection.",
        "",
        "| before | after the first tenth | at the end | growth after the first tenth "
        "| limit | result |",
        "|---:|---:|---:|---:|---|---|",
        f"| {before:.0f} MB | {warm:.0f} MB | {after:.0f} MB | {after - warm:+.1f} MB "
        f"| < {RSS_LIMIT_MB} MB, no growth "
        f"| {_verdict(after < RSS_LIMIT_MB and after - warm < 10)} |",
    ]
    section = OUT / "reports_section.md"
    section.unlink(missing_ok=True)
    scale_ok = True
    if os.environ.get("BENCH_SKIP_SCALE") != "1":
        # Its own process: PostgreSQL settings, where this one is configured for SQLite.
        env = {k: v for k, v in os.environ.items() if k not in ("SQLITE_PATH", "DEBUG")}
        scale_ok = (
            subprocess.run(
                [sys.executable, str(ROOT / "benchmarks" / "reports_bench.py")], cwd=ROOT, env=env
            ).returncode
            == 0
        )
    if section.exists():
        meta = OUT / "reports_meta.json"
        if meta.exists():
            pg = __import__("json").loads(meta.read_text())["postgresql"]
            lines[4] = lines[4].replace("; commit", f", PostgreSQL server {pg}; commit")
        lines += section.read_text().splitlines()
    elif os.environ.get("BENCH_SKIP_SCALE") == "1":
        lines += ["", "Reports at scale: skipped (BENCH_SKIP_SCALE=1)."]
    else:
        lines += ["", "Reports at scale: **failed** — see the output of `make bench`."]
    lines += NOTES.splitlines()
    total = time.perf_counter() - bench_started
    lines += ["", f"Total `make bench` time (this run, excluding the venv): {total / 60:.1f} min."]
    lines.append("")
    (ROOT / "benchmarks" / "RESULTS.md").write_text("\n".join(lines) + "\n")
    print(f"Wrote benchmarks/RESULTS.md in {total / 60:.1f} min (DEBUG={settings.DEBUG})")
    if not scale_ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
