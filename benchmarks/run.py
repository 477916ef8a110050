"""`make bench`: each page's cost as a multiple of an anonymous /healthz, the save of 38
answers, a sign-in, the PDFs and one process's memory (SQLite, in-process); then the
reports at scale in PostgreSQL (benchmarks/reports_bench.py, its own process).

The page table runs in-process against its own SQLite database seeded with the demo, so
the figures measure the portal's own work (view, queries, templates), not the network;
every measured request follows a save (benchmarks/pages.py). Writes
benchmarks/RESULTS.md with the machine, date, versions and the total time.
BENCH_SCALE=small for a quick run; BENCH_SKIP_SCALE=1 for the in-process part only.
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
# PDFs are sealed as in production, with the development seal (docs/records.md).
os.environ.setdefault("SEAL_DEVELOPMENT", "true")
os.environ.setdefault("LOG_SIGNING_KEY_DEVELOPMENT", "true")

import django  # noqa: E402

django.setup()

import pages as bench_pages  # noqa: E402  benchmarks/pages.py
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
# Memory: every page type served this many times in one process (issue #8: 1,000).
MEMORY_ROUNDS = int(os.environ.get("BENCH_MEMORY_ROUNDS", "1000"))
QUERY_BUDGET = 10
PDF_LIMIT_MS, RSS_LIMIT_MB = 800, 150
# Sealing (core.seal) may add at most this share to a certificate's time (issue #18).
SEAL_LIMIT = 0.15


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


def measure_pdfs(official: str, done_url: str, manager: str, pledge_url: str) -> list[tuple]:
    """Personal results PDF and pledge certificate: the view against WeasyPrint alone on
    the HTML the view rendered (same fonts, styles and fetcher, prepared once), and the
    seal alone on the PDF WeasyPrint made."""
    from core import documents, seal

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
        render = {key: kwargs[key] for key in ("stylesheets", "base_url") if key in kwargs}
        view = timed(lambda c=client, u=url: c.get(u), REPEAT)
        alone = timed(lambda h=html, k=render: documents.render_pdf(h, **k), REPEAT)
        unsealed = documents.render_pdf(html, **render)
        sealing = timed(lambda d=unsealed: seal.seal_pdf(d), max(REPEAT, 20))
        rows.append((name, url, first_ms, view, alone, sealing))
        print(f"{name}: first {first_ms:.0f} ms, view {view}, weasyprint {alone}, seal {sealing}")
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

    page_list = [(p.name, p.url, p.who) for p in bench_pages.pages() if p.url != "/healthz"]
    done = next(p for p in page_list if p[0].startswith("results"))
    pledge = next(p for p in page_list if p[0].startswith("pledge —"))
    pdfs = [
        (done[1].replace("results/", "results.pdf"), done[2]),
        (pledge[1] + "certificate.pdf", pledge[2]),
    ]
    clients = {}
    for _name, _url, who in page_list:
        if who not in clients:
            clients[who] = bench_pages.client_for(who)
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

    page_list = bench_pages.measure(bench_pages.pages())
    for page in page_list:
        print(
            f"{page.name:36} cpu {statistics.median(page.cpu):7.2f} ms"
            f"  x{statistics.median(page.ratios):5.1f}  {page.queries:2} q  {page.status}"
        )
    sign_in = bench_pages.sign_in_cost()
    print(f"sign-in: {sign_in}")
    done_url = next(p.url for p in page_list if p.name.startswith("results"))
    pledge_url = next(p.url for p in page_list if p.name.startswith("pledge —"))
    pdfs = measure_pdfs("official@demo.test", done_url, "manager@demo.test", pledge_url)
    memory = measure_memory(MEMORY_ROUNDS)
    print(f"memory: {memory}")

    commit = (
        os.environ.get("BENCH_COMMIT")
        or subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    )
    worst = max(p.queries for p in page_list)
    lines = [
        "# Benchmark results",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- Machine: {machine()}",
        f"- Versions: {versions()}; commit {commit or 'unknown'}",
        f"- Method: in-process Django test client, production settings, a SQLite database "
        f"seeded with the demo (migrate + standards + seed took {setup_seconds:.1f} s). "
        f"{bench_pages.ROUNDS} rounds; in each, {bench_pages.PER_ROUND} requests of every "
        "page, each request right after a save of the official's 38 answers (not timed), "
        "so nothing a page shows can have been kept from before. A page's figure is the "
        "median over the rounds of its median CPU time divided by that round's anonymous "
        "/healthz: both sides share the machine's state. No page is cached.",
        "",
        "## Pages (SQLite, in-process)",
        "",
        *bench_pages.table(page_list, sign_in),
        "",
        f"Most queries on any of these pages: **{worst}** (budget {QUERY_BUDGET}: "
        f"{_verdict(worst <= QUERY_BUDGET)}; every route as every role is pinned by "
        "tests/perf/test_query_budget.py).",
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
    for name, url, first_ms, view, alone, _sealing in pdfs:
        lines.append(
            f"| {name} | `{url}` | {first_ms:.0f} | {view[0]:.0f} | {view[1]:.0f} "
            f"| {alone[0]:.0f} / {alone[1]:.0f} | < {PDF_LIMIT_MS} ms "
            f"| {_verdict(view[1] < PDF_LIMIT_MS)} |"
        )
    lines += [
        "",
        "Sealing (`core.seal`, PAdES B-B with the development seal, EC P-256): the view "
        "above includes it; here it is timed alone on the PDF WeasyPrint made, and set "
        "against the view without it (view median minus seal median).",
        "",
        "| document | seal min / median ms | view without the seal, median ms "
        "| sealing adds | limit | result |",
        "|---|---:|---:|---:|---|---|",
    ]
    for name, _url, _first_ms, view, _alone, sealing in pdfs:
        share = sealing[1] / (view[1] - sealing[1])
        limited = name == "pledge certificate PDF"
        lines.append(
            f"| {name} | {sealing[0]:.1f} / {sealing[1]:.1f} | {view[1] - sealing[1]:.0f} "
            f"| {share:.1%} | {f'≤ {SEAL_LIMIT:.0%}' if limited else '—'} "
            f"| {_verdict(share <= SEAL_LIMIT) if limited else '—'} |"
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
    # Certification programs at scale (benchmarks/education_bench.py): its own process and
    # PostgreSQL database, like the reports.
    education_section = OUT / "education_section.md"
    education_section.unlink(missing_ok=True)
    if os.environ.get("BENCH_SKIP_SCALE") != "1":
        env = {k: v for k, v in os.environ.items() if k not in ("SQLITE_PATH", "DEBUG")}
        scale_ok = (
            subprocess.run(
                [sys.executable, str(ROOT / "benchmarks" / "education_bench.py")],
                cwd=ROOT,
                env=env,
            ).returncode
            == 0
            and scale_ok
        )
        if education_section.exists():
            lines += education_section.read_text().splitlines()
        else:
            lines += ["", "Certification programs at scale: **failed** — see `make bench`."]
    total = time.perf_counter() - bench_started
    lines += ["", f"Total `make bench` time (this run, excluding the venv): {total / 60:.1f} min."]
    lines.append("")
    (ROOT / "benchmarks" / "RESULTS.md").write_text("\n".join(lines) + "\n")
    print(f"Wrote benchmarks/RESULTS.md in {total / 60:.1f} min (DEBUG={settings.DEBUG})")
    if not scale_ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
