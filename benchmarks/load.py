"""`make load`: 50 officials saving and submitting their assessments at once.

Creates its own PostgreSQL database on 127.0.0.1 (standards_portal_load), migrates it,
seeds the demo and 50 more officials with open assessments, starts gunicorn (2 sync
workers, production settings) and lets 50 threads act as officials: sign in, load the
38-item form, save answers again and again (now and then from a stale page, which must be
refused with 409), then save and submit. Afterwards it counts in the database: every
official's stored answers must be exactly their last acknowledged save, one row per item,
the version must have moved once per acknowledged save, and every assessment must be
submitted. Writes benchmarks/LOAD.md.

    .venv/bin/python benchmarks/load.py [--seconds 60] [--officials 50] [--think 0.2]

Talks to 127.0.0.1 only; stops by itself (every request times out after 60 s, the
officials stop at the deadline, the whole run is capped at seconds + 180 s).
"""

import argparse
import contextlib
import http.client
import math
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
PY = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
PG = {"host": "127.0.0.1", "port": 5432, "user": os.environ.get("PGUSER", "postgres")}
PASSWORD = "standards-demo-2026"  # the demo password (README)
LOAD_DOMAIN = "load.test"
REQUEST_TIMEOUT = 60
VERSION = re.compile(r'name="version" value="(\d+)"')
ITEM = re.compile(r'name="item_(\d+)_rating"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def database_url(name: str) -> str:
    return f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{name}"


def server_env(database: str, port: int) -> dict:
    """Production settings, except that TLS is the (absent) proxy's job."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(database),
        DEBUG="false",
        SECRET_KEY=env.get("SECRET_KEY") or "load-test-only-" + "k" * 60,
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL=f"https://127.0.0.1:{port}",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="WARNING",
        TASKS_IMMEDIATE="false",
        DATABASE_POOL="true",
    )
    env.pop("TESTING", None)
    return env


def admin(sql: str) -> None:
    with psycopg.connect(**PG, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_django(database: str, port: int) -> None:
    os.environ.update(server_env(database, port))
    # This process seeds and counts; plain connections, so none is left in a pool that a
    # database fault could cut off.
    os.environ["DATABASE_POOL"] = "false"
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "standards_portal.settings")
    import django

    django.setup()


def prepare(database: str, officials: int) -> list[tuple[str, int]]:
    """A fresh database with the demo and `officials` people with open assessments."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from accounts.models import Membership, User
    from accounts.services import membership_start, user_create
    from assessments.services import assessment_start
    from pledges.selectors import current_cycle

    with open(os.devnull, "w") as quiet:
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("migrate", verbosity=0, stdout=quiet)
        call_command("createcachetable", verbosity=0)
        call_command("seed_demo", stdout=quiet)
    cycle = current_cycle()
    supervisor = User.objects.get(email="supervisor@demo.test")
    office = supervisor.active_membership.office
    password = make_password(PASSWORD)
    people = []
    for n in range(1, officials + 1):
        user = user_create(email=f"official{n:03}@{LOAD_DOMAIN}", full_name=f"Load Official {n}")
        user.password = password
        user.save(update_fields=["password"])
        membership_start(
            user=user, office=office, role=Membership.Role.OFFICIAL, reports_to=supervisor
        )
        assessment = assessment_start(user=user, cycle=cycle)
        people.append((user.email, assessment.pk))
    return people


@contextlib.contextmanager
def gunicorn(database: str, port: int, log: Path):
    """gunicorn as `make serve` runs it: 2 sync workers, whitenoise for static files."""
    env = server_env(database, port)
    with open(log, "w") as out:
        process = subprocess.Popen(
            [
                GUNICORN,
                "standards_portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--forwarded-allow-ips",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    conn.request("GET", "/healthz")
                    if conn.getresponse().status == 200:
                        break
                except OSError:
                    pass
                if process.poll() is not None:
                    raise RuntimeError(f"gunicorn exited; see {log}")
                time.sleep(0.3)
            else:
                raise RuntimeError(f"gunicorn did not answer /healthz; see {log}")
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["ps", "--ppid", str(master), "-o", "pid="], capture_output=True)
    return sorted(int(p) for p in out.stdout.split())


@dataclass
class Hit:
    kind: str
    status: int  # 0: no answer (connection refused, reset, timeout)
    started: float
    seconds: float


@dataclass
class Result:
    email: str
    assessment: int
    acknowledged: dict = field(default_factory=dict)  # item -> (rating, comment)
    saves: int = 0
    submitted: bool = False
    intended_409: int = 0
    rate_limited: int = 0
    fresh_pages: int = 0  # form pages loaded after a save that showed that save
    stale_pages: int = 0  # ... that did not (served from before it)
    unexpected: list = field(default_factory=list)


class Official(threading.Thread):
    """One simulated official in a browser: cookies, CSRF token, the form's version."""

    def __init__(self, port, email, assessment, *, deadline, hard_stop, think, hits, seed):
        super().__init__(daemon=True, name=email)
        self.port = port
        # Each official from their own loopback address, as people at their own desks:
        # sign-in is rate-limited per address (django-allauth: 30 a minute).
        self.source = (f"127.0.{1 + seed // 250}.{1 + seed % 250}", 0)
        self.base = f"https://127.0.0.1:{port}"
        self.result = Result(email, assessment)
        self.deadline = deadline
        self.hard_stop = hard_stop
        self.think = think
        self.hits = hits
        self.rng = random.Random(seed)
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.version = 0
        self.items: list[int] = []
        self.ready = threading.Event()
        self.go = threading.Event()

    # --- HTTP ---------------------------------------------------------------------
    def request(self, kind, method, path, form=None):
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "User-Agent": "standards-portal-load/1.0",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.base
            headers["Referer"] = self.base + path
        started = time.monotonic()
        try:
            conn = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT, source_address=self.source
            )
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            status = response.status
            location = response.getheader("Location", "")
            for raw in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(raw).items():
                    if morsel.value and morsel["max-age"] != "0":
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            conn.close()
        except (OSError, http.client.HTTPException):
            status, text, location = 0, "", ""
        self.hits.append(Hit(kind, status, started, time.monotonic() - started))
        return status, text, location

    def unexpected(self, kind, status):
        self.result.unexpected.append((kind, status))
        # As a person would: wait a moment (the 503 page asks for it), then reload.
        time.sleep(0.5 if status in (0, 503) else 0.1)

    # --- steps --------------------------------------------------------------------
    def sign_in(self) -> bool:
        while time.monotonic() < self.hard_stop:
            status, text, _ = self.request("sign-in page", "GET", "/accounts/login/")
            match = CSRF.search(text)
            if status != 200 or not match:
                self.unexpected("sign-in page", status)
                continue
            status, _, location = self.request(
                "sign in",
                "POST",
                "/accounts/login/",
                {
                    "csrfmiddlewaretoken": match.group(1),
                    "login": self.result.email,
                    "password": PASSWORD,
                },
            )
            if status == 302 and "/accounts/login" not in location:
                return True
            if status == 429:  # the sign-in rate limit: wait, as the page asks
                self.result.rate_limited += 1
                time.sleep(10)
                continue
            self.unexpected("sign in", status)
        return False

    def load_form(self) -> bool:
        path = f"/assessments/{self.result.assessment}/edit/"
        while time.monotonic() < self.hard_stop:
            status, text, _ = self.request("load form", "GET", path)
            versions = VERSION.findall(text)
            csrf = CSRF.search(text)
            if status == 200 and versions and csrf:
                self._check_fresh(text)
                self.version = int(versions[-1])
                self.csrf = csrf.group(1)
                self.items = sorted({int(i) for i in ITEM.findall(text)})
                return True
            self.unexpected("load form", status)
        return False

    def _check_fresh(self, text: str) -> None:
        """After an acknowledged save the form, whichever worker serves it and whatever it
        keeps in memory, must show that save's comments."""
        if not self.result.acknowledged:
            return
        if all(comment in text for _rating, comment in self.result.acknowledged.values()):
            self.result.fresh_pages += 1
        else:
            self.result.stale_pages += 1

    def answers(self, round_no: int) -> dict:
        return {
            item: (self.rng.randint(1, 4), f"{self.result.email} round {round_no} item {item}")
            for item in self.items
        }

    def post_form(self, kind: str, answers: dict, version: int, action: str):
        form = {"csrfmiddlewaretoken": self.csrf, "version": str(version), "action": action}
        for item, (rating, comment) in answers.items():
            form[f"item_{item}_rating"] = str(rating)
            form[f"item_{item}_comment"] = comment
        return self.request(kind, "POST", f"/assessments/{self.result.assessment}/edit/", form)

    def save(self, round_no: int, action: str = "save") -> bool:
        answers = self.answers(round_no)
        kind = "save" if action == "save" else "save and continue"
        status, _, _ = self.post_form(kind, answers, self.version, action)
        if status == 302:
            self.result.acknowledged = answers
            self.result.saves += 1
            return True
        self.unexpected("save", status)
        return False

    def stale_save(self, round_no: int) -> None:
        """A second tab still showing the previous version: must be refused, never applied."""
        status, _, _ = self.post_form(
            "stale save", self.answers(round_no), self.version - 1, "save"
        )
        if status == 409:
            self.result.intended_409 += 1
        else:
            self.unexpected("stale save", status)

    def submit(self) -> bool:
        path = f"/assessments/{self.result.assessment}/submit/"
        status, text, _ = self.request("submit page", "GET", path)
        csrf = CSRF.search(text)
        if status != 200 or not csrf:
            self.unexpected("submit page", status)
            return False
        status, _, location = self.request(
            "submit", "POST", path, {"csrfmiddlewaretoken": csrf.group(1), "note": "Load test."}
        )
        if status == 302 and location.rstrip("/").endswith(str(self.result.assessment)):
            self.result.submitted = True
            return True
        self.unexpected("submit", status)
        return False

    def run(self):
        if not (self.sign_in() and self.load_form()):
            self.ready.set()
            return
        self.ready.set()
        self.go.wait()
        round_no = 0
        while time.monotonic() < self.deadline:
            round_no += 1
            if round_no % 7 == 0 and self.version > 1:
                self.stale_save(round_no)
            else:
                self.save(round_no)
            if not self.load_form():
                return
            time.sleep(self.rng.uniform(0, 2 * self.think))
        # Last round: save and go on to submit, until it is done (or the hard stop).
        while time.monotonic() < self.hard_stop and not self.result.submitted:
            round_no += 1
            if self.save(round_no, action="submit") and self.submit():
                break
            if not self.load_form():
                return


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))  # nearest rank
    return ordered[index]


def run_load(port, people, *, seconds, think, on_start=None):
    """Sign everyone in, then let them work for `seconds`; return (officials, hits, span)."""
    hits: list[Hit] = []
    start_by = time.monotonic() + 300
    officials = [
        Official(
            port,
            email,
            pk,
            deadline=start_by + seconds,
            hard_stop=start_by + seconds + 180,
            think=think,
            hits=hits,
            seed=n,
        )
        for n, (email, pk) in enumerate(people)
    ]
    for official in officials:
        official.start()
    for official in officials:
        official.ready.wait(timeout=300)
    began = time.monotonic()
    for official in officials:
        official.deadline = began + seconds
        official.hard_stop = began + seconds + 180
        official.go.set()
    if on_start is not None:
        on_start(began)
    for official in officials:
        official.join(timeout=max(1, began + seconds + 200 - time.monotonic()))
    return officials, hits, began, time.monotonic() - began


def check_database(officials, *, exact_versions: bool) -> dict:
    """What the database holds, against what each official was told was saved."""
    from django.db.models import Count

    from assessments.models import Assessment, ItemResponse

    stats = {
        "officials": len(officials),
        "submitted": 0,
        "rows": 0,
        "expected_rows": 0,
        "duplicates": 0,
        "lost_or_wrong": 0,
        "version_mismatch": 0,
    }
    for official in officials:
        result = official.result
        assessment = Assessment.objects.get(pk=result.assessment)
        stats["submitted"] += assessment.state == "submitted"
        rows = ItemResponse.objects.filter(assessment=assessment)
        stats["duplicates"] += rows.values("item").annotate(n=Count("id")).filter(n__gt=1).count()
        stored = {r.item_id: (r.rating, r.comment) for r in rows}
        stats["rows"] += len(stored)
        stats["expected_rows"] += len(official.items)
        expected = result.acknowledged
        stats["lost_or_wrong"] += sum(
            1 for item in official.items if stored.get(item) != expected.get(item)
        )
        # Each acknowledged save changes every comment, so it moves the version by one;
        # submitting moves it once more.
        expected_version = 1 + result.saves + result.submitted
        if exact_versions:
            stats["version_mismatch"] += assessment.version != expected_version
        else:
            stats["version_mismatch"] += assessment.version < expected_version
    return stats


def summarize(hits: list[Hit], span: float, officials, began: float) -> dict:
    """Sign-in is shown on its own; everything else counts from the start of the timed phase."""
    intended = sum(o.result.intended_409 for o in officials)
    failed = [
        h
        for h in hits
        if not (200 <= h.status < 400)
        and h.status != 409
        and (h.status, h.kind) != (429, "sign in")
    ]
    unexpected_409 = [h for h in hits if h.status == 409 and h.kind != "stale save"]
    signing_in = ("sign-in page", "sign in")
    kinds = {}
    for hit in hits:
        if hit.kind in signing_in or hit.started >= began:
            kinds.setdefault(hit.kind, []).append(hit.seconds * 1000)
    work = [h.seconds * 1000 for h in hits if h.kind not in signing_in and h.started >= began]
    return {
        "requests": len(hits),
        "failed": len(failed) + len(unexpected_409),
        "failed_by_status": {
            s: sum(1 for h in failed if h.status == s) for s in sorted({h.status for h in failed})
        },
        "intended_409": intended,
        "rate_limited": sum(o.result.rate_limited for o in officials),
        "span": span,
        "kinds": kinds,
        "work": work,
        "saves": sum(o.result.saves for o in officials),
        "fresh_pages": sum(o.result.fresh_pages for o in officials),
        "stale_pages": sum(o.result.stale_pages for o in officials),
    }


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem = f", {int(Path('/proc/meminfo').read_text().split()[1]) / 1024 / 1024:.0f} GiB"
    load = ""
    with contextlib.suppress(OSError):
        load = f"; load average at start {os.getloadavg()[0]:.1f}"
    return f"{os.cpu_count()} cores ({cpu}){mem}, {platform.system()} {platform.release()}{load}"


def versions() -> str:
    import django
    import gunicorn as gunicorn_package
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return (
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"PostgreSQL {pg_version}, psycopg {psycopg.__version__}, "
        f"gunicorn {gunicorn_package.__version__}; commit {commit or 'unknown'}"
    )


def latency_table(summary: dict) -> list[str]:
    lines = [
        "| request | count | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    order = [
        "sign-in page",
        "sign in",
        "load form",
        "save",
        "stale save",
        "save and continue",
        "submit page",
        "submit",
    ]
    rows = [(k, summary["kinds"][k]) for k in order if k in summary["kinds"]]
    rows.append(("all in the timed phase", summary["work"]))
    for kind, values in rows:
        lines.append(
            f"| {kind} | {len(values)} | {percentile(values, 50):.0f} | "
            f"{percentile(values, 95):.0f} | {percentile(values, 99):.0f} | "
            f"{max(values):.0f} |"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("LOAD_SECONDS", 60)))
    parser.add_argument("--officials", type=int, default=50)
    parser.add_argument("--think", type=float, default=0.2, help="mean pause between saves (s)")
    parser.add_argument("--database", default="standards_portal_load")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "LOAD.md"))
    args = parser.parse_args()
    if not 1 <= args.officials <= 200 or not 1 <= args.seconds <= 900:
        parser.error("officials must be 1-200 and seconds 1-900")

    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    started_at = time.gmtime()
    host = machine()
    print(f"== database {args.database} on 127.0.0.1 (dropped and created)")
    admin(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{args.database}"')
    try:
        setup_django(args.database, port)
        t0 = time.monotonic()
        people = prepare(args.database, args.officials)
        print(
            f"   migrated, demo and {len(people)} officials seeded in {time.monotonic() - t0:.0f} s"
        )
        with gunicorn(args.database, port, OUT / "gunicorn-load.log"):
            print(f"== {args.officials} officials for {args.seconds:g} s against 127.0.0.1:{port}")
            officials, hits, began, span = run_load(
                port, people, seconds=args.seconds, think=args.think
            )
        summary = summarize(hits, span, officials, began)
        stats = check_database(officials, exact_versions=True)
        report = versions()
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            admin(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')

    ok = (
        summary["failed"] == 0
        and stats["lost_or_wrong"] == 0
        and stats["duplicates"] == 0
        and stats["version_mismatch"] == 0
        and stats["submitted"] == stats["officials"]
        and stats["rows"] == stats["expected_rows"]
        and summary["stale_pages"] == 0
    )
    after_sign_in = len(summary["work"])
    lines = [
        "# Load: officials saving and submitting at once",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', started_at)}",
        f"- Machine: {host}",
        f"- Versions: {report}",
        f"- Set-up: gunicorn, 2 sync workers, production settings (`DEBUG=false`, psycopg "
        f"pool), PostgreSQL on 127.0.0.1; {args.officials} simulated officials (threads, "
        f"`benchmarks/load.py`) signed in first, then for {args.seconds:g} s each loaded the "
        f"38-item form, saved all 38 answers with new ratings and comments, reloaded, and "
        f"paused {args.think:g} s on average; every 7th round they saved from a stale page "
        f"(a second tab), which must be refused with 409; at the end each saved and "
        f"submitted. Static files and sign-in hashing (PBKDF2) are not part of the timed "
        f"phase; the sign-in rows are shown for reference.",
        "",
        f"**{'PASS' if ok else 'FAIL'}** — {summary['failed']} failed requests, "
        f"{stats['lost_or_wrong']} lost or wrong answers, {stats['duplicates']} duplicated, "
        f"{stats['submitted']}/{stats['officials']} submitted.",
        "",
        "## Throughput",
        "",
        f"- {after_sign_in} requests in the timed phase, {summary['span']:.1f} s "
        f"(the {args.seconds:g} s and the final submissions): "
        f"**{after_sign_in / summary['span']:.1f} requests/s**",
        f"- {summary['saves']} acknowledged saves of 38 answers: "
        f"**{summary['saves'] / summary['span']:.1f} saves/s** "
        f"({summary['saves'] * 38 / summary['span']:.0f} answers/s)",
        f"- {summary['intended_409']} stale saves refused with 409, as intended; "
        f"{summary['rate_limited']} sign-ins refused by the sign-in rate limit (429) and "
        f"retried 10 s later",
        "",
        "## Latency (client side, including queueing for the 2 workers)",
        "",
        f"With {args.officials} officials and 2 sync workers most of this is waiting: a "
        f"worker spends about 2 / {after_sign_in / summary['span']:.1f} requests/s = "
        f"{2000 * summary['span'] / after_sign_in:.0f} ms on each request.",
        "",
        *latency_table(summary),
        "",
        "## Counted in the database afterwards",
        "",
        "| check | result |",
        "|---|---:|",
        f"| failed requests (not 2xx/3xx, other than the intended 409s) | {summary['failed']} "
        f"{summary['failed_by_status'] or ''} |",
        f"| assessments submitted | {stats['submitted']} of {stats['officials']} |",
        f"| answer rows stored / expected (38 per official) | {stats['rows']} / "
        f"{stats['expected_rows']} |",
        f"| items with more than one row (duplicated) | {stats['duplicates']} |",
        f"| answers differing from the last acknowledged save (lost) | {stats['lost_or_wrong']} |",
        f"| assessments whose version ≠ 1 + acknowledged saves + submission | "
        f"{stats['version_mismatch']} |",
        f"| form pages reloaded after a save that did not show it (stale; the page cache, "
        f"docs/performance.md) | {summary['stale_pages']} of "
        f"{summary['stale_pages'] + summary['fresh_pages']} |",
        "",
    ]
    Path(args.output).write_text("\n".join(lines))
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
