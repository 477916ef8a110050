"""`make faults`: the portal under load while things break, on 127.0.0.1 only.

1. A background worker (`manage.py db_worker`) killed with SIGKILL while it renders a
   report PDF: the file must never be offered half-written; we record whether the task is
   retried or marked failed.
2. The database cut off while officials save and submit (50 threads below, each one
   official signing in, saving all 38 answers again and again, now and then from a stale
   page, which must be refused with 409, and submitting): requests must fail cleanly
   (503, never a 500 or a dropped connection) and succeed again without restarting
   gunicorn (its worker processes are compared before and after), and no acknowledged
   answer may be lost.

   --fault stop       PostgreSQL stopped (`pg_ctl stop -m fast`) for --outage seconds (20),
                      then started again: no request may wait more than 3 s while it is
                      away, and the first success must come within 2 s of its return.
   --fault restart    PostgreSQL restarted (`pg_ctl restart -m fast`), a few seconds.
   --fault terminate  pg_terminate_backend on this run's database, every 0.2 s for
                      --outage seconds (5).

The PostgreSQL that is stopped is one of the run's own: a throwaway cluster (`initdb` in a
temporary directory, a free port on 127.0.0.1, trust for local connections; as root, run
as the `postgres` user), removed at the end. The shared server on 127.0.0.1:5432 is never
touched; `--shared-server` uses it instead (then only `--fault terminate` is allowed).

Writes benchmarks/FAULTS.md (or --output).
"""

import argparse
import contextlib
import http.client
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # benchmarks/harness.py

ROOT = harness.ROOT
PASSWORD = harness.PASSWORD
LOAD_DOMAIN = "load.test"
REQUEST_TIMEOUT = 60
VERSION = re.compile(r'name="version" value="(\d+)"')
ITEM = re.compile(r'name="item_(\d+)_rating"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --------------------------------------------------------------------------- the officials


def prepare(officials: int) -> list[tuple[str, int]]:
    """A fresh database with the demo and `officials` people with open assessments."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import Membership, User
    from accounts.services import membership_start, user_create
    from assessments.services import assessment_start
    from pledges.selectors import current_cycle

    harness.prepare_demo()
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
        headers, body = harness.browser_request(
            self.port, path, self.cookies, form, **{"User-Agent": "standards-portal-load/1.0"}
        )
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


# --------------------------------------------------------------------------- the faults


def pg_version() -> str:
    versions = sorted(os.listdir("/etc/postgresql"), key=lambda v: float(v))
    return versions[-1]


def probe(port: int, stop: threading.Event, timeline: list) -> None:
    """/healthz every 0.25 s: (time, status) — what a load balancer would see."""
    import http.client

    while not stop.is_set():
        started = time.monotonic()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
            conn.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
            status = conn.getresponse().status
            conn.close()
        except OSError:
            status = 0
        timeline.append((started, status, time.monotonic() - started))
        stop.wait(0.25)


class OwnCluster:
    """A PostgreSQL server of this run's own, on a free port of 127.0.0.1, removed at the end."""

    def __init__(self):
        self.bin = Path(f"/usr/lib/postgresql/{pg_version()}/bin")
        self.root = Path(tempfile.mkdtemp(prefix="standards-portal-faults-"))
        self.data = self.root / "data"
        self.log = harness.OUT / "faults-postgresql.log"
        self.port = harness.free_port()
        # initdb and postgres refuse to run as root.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.root, "postgres")
            self.log.touch()
            shutil.chown(self.log, "postgres")

    def command(self, tool: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.as_user, str(self.bin / tool), *args],
            capture_output=True,
            text=True,
            timeout=120,
        )

    def pg_ctl(self, action: str, *args: str) -> subprocess.CompletedProcess:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root}"
        return self.command(
            "pg_ctl", action, "-D", str(self.data), "-l", str(self.log), "-o", options, *args
        )

    def __enter__(self):
        done = self.command(
            "initdb", "-D", str(self.data), "-U", harness.PG["user"], "--auth=trust",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr.strip()}")
        self.start()
        return self

    def __exit__(self, *exc):
        self.pg_ctl("stop", "-m", "immediate", "-w")
        shutil.rmtree(self.root, ignore_errors=True)

    def start(self) -> None:
        done = self.pg_ctl("start", "-w", "-t", "60")
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {done.stderr.strip()}; see {self.log}")

    def ready(self) -> bool:
        host = ["-h", "127.0.0.1", "-p", str(self.port), "-q"]
        return self.command("pg_isready", *host).returncode == 0

    def wait_ready(self) -> float:
        while not self.ready():
            time.sleep(0.05)
        return time.monotonic()


def restart_cluster(cluster: OwnCluster) -> tuple[float, float, str]:
    started = time.monotonic()
    done = cluster.pg_ctl("restart", "-m", "fast", "-w")
    up = cluster.wait_ready()
    note = f"pg_ctl restart -m fast: exit {done.returncode} {done.stderr.strip()}"
    return started, up, note


def stop_cluster(cluster: OwnCluster, seconds: float) -> tuple[float, float, str]:
    """Stop PostgreSQL, leave it stopped until `seconds` after the stop began, start it."""
    started = time.monotonic()
    stopped = cluster.pg_ctl("stop", "-m", "fast", "-w")
    down = time.monotonic()
    time.sleep(max(0.0, started + seconds - time.monotonic()))
    cluster.start()
    up = cluster.wait_ready()
    note = (
        f"pg_ctl stop -m fast (exit {stopped.returncode}, {down - started:.1f} s), "
        f"pg_ctl start {seconds:g} s after the stop began"
    )
    return started, up, note


def terminate_backends(database: str, seconds: float) -> tuple[float, float, str]:
    started = time.monotonic()
    killed = 0
    with psycopg.connect(**harness.PG, dbname="postgres", autocommit=True) as conn:
        while time.monotonic() < started + seconds:
            rows = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [database],
            ).fetchall()
            killed += len(rows)
            time.sleep(0.2)
    note = f"pg_terminate_backend on {database} every 0.2 s for {seconds:g} s: {killed} killed"
    return started, time.monotonic(), note


def worker_fault(database: str, port: int) -> dict:
    """Kill db_worker with SIGKILL while it renders a report PDF; what is offered then?"""
    from django.db import transaction
    from django.test import Client
    from django_tasks_db.models import DBTaskResult

    from accounts.models import User
    from pledges.selectors import current_cycle
    from reports.services import report_file_request

    manager = User.objects.get(email="manager@demo.test")
    office = manager.active_membership.office
    DBTaskResult.objects.all().delete()  # nothing else queued ahead of ours
    with transaction.atomic():
        report_file = report_file_request(
            by=manager, cycle=current_cycle(), office=office, identified=True
        )
    env = harness.server_env(database, port)
    log = open(harness.OUT / "worker-fault.log", "w")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [harness.PY, "manage.py", "db_worker", "--queue-name", "*"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    state_at_kill = "never started"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        task = DBTaskResult.objects.order_by("-enqueued_at").first()
        if task is not None and task.status == "RUNNING":
            time.sleep(0.3)  # into the rendering
            report_file.refresh_from_db()
            state_at_kill = f"task RUNNING, file {report_file.status}"
            break
        if task is not None and task.status in ("SUCCESSFUL", "FAILED"):
            state_at_kill = f"task already {task.status}"
            break
        time.sleep(0.01)
    worker.kill()
    worker.wait()
    report_file.refresh_from_db()
    after_kill = (report_file.status, len(bytes(report_file.content)))

    client = Client(HTTP_HOST="127.0.0.1", headers={"x-forwarded-proto": "https"})
    client.force_login(manager)
    download = client.get(f"/reports/files/{report_file.pk}/", secure=True).status_code
    status_json = client.get(f"/reports/files/{report_file.pk}/status", secure=True).json()

    # A fresh worker for 20 s: does anything pick the task up again?
    worker = subprocess.Popen(
        [harness.PY, "manage.py", "db_worker", "--queue-name", "*"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    time.sleep(20)
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
    log.close()
    report_file.refresh_from_db()
    task = DBTaskResult.objects.order_by("-enqueued_at").first()
    content = bytes(report_file.content)
    after_new_worker = (report_file.status, len(content))

    # The portal's own answer: once pending longer than REPORT_FILE_TIMEOUT (its minimum,
    # 30 s, here), the report page shows the file as failed and offers to try again.
    from django.test import override_settings
    from django.utils import timezone

    waited = (timezone.now() - report_file.queued_at).total_seconds()
    time.sleep(max(0.0, 31 - waited))
    with override_settings(REPORT_FILE_TIMEOUT=30):
        page = client.get(f"/reports/offices/{office.pk}/", secure=True)
    report_file.refresh_from_db()
    after_timeout = (report_file.status, page.status_code, b"Try again" in page.content)
    download_after_timeout = client.get(f"/reports/files/{report_file.pk}/", secure=True)
    return {
        "after_timeout": after_timeout,
        "download_after_timeout": download_after_timeout.status_code,
        "state_at_kill": state_at_kill,
        "after_kill": after_kill,
        "download_after_kill": download,
        "status_after_kill": status_json.get("status"),
        "after_new_worker": after_new_worker,
        "task_after_new_worker": task.status if task else "none",
        "complete_pdf": content.startswith(b"%PDF-") and b"%%EOF" in content[-1024:],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fault", choices=["stop", "restart", "terminate"], default="stop")
    parser.add_argument("--seconds", type=float, default=40, help="length of the load")
    parser.add_argument("--at", type=float, default=12, help="fault this many s into the load")
    parser.add_argument(
        "--outage", type=float, help="stop, terminate: for how long (default 20 s, 5 s)"
    )
    parser.add_argument(
        "--shared-server",
        action="store_true",
        help="use the PostgreSQL on 127.0.0.1:5432 (only with --fault terminate)",
    )
    parser.add_argument("--officials", type=int, default=50)
    parser.add_argument("--database", default="standards_portal_faults")
    parser.add_argument("--skip-worker", action="store_true")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "FAULTS.md"))
    args = parser.parse_args()
    if not 1 <= args.officials <= 200 or not 5 <= args.seconds <= 600:
        parser.error("officials must be 1-200 and seconds 5-600")
    if args.shared_server and args.fault != "terminate":
        parser.error("the shared server is never stopped: use --fault terminate with it")
    outage = args.outage if args.outage is not None else 20 if args.fault == "stop" else 5

    harness.OUT.mkdir(parents=True, exist_ok=True)
    port = harness.free_port()
    started_at = time.gmtime()
    host = harness.machine()
    cluster = contextlib.nullcontext() if args.shared_server else OwnCluster()
    with cluster as own:
        if own is not None:
            harness.PG["port"] = own.port
            print(f"== a PostgreSQL of its own on 127.0.0.1:{own.port} ({own.root})")
        print(f"== database {args.database} on 127.0.0.1 (dropped and created)")
        harness.recreate_database(args.database)
        try:
            harness.setup_django(args.database, port)
            people = prepare(args.officials)
            report = harness.versions()
            worker = None
            if not args.skip_worker:
                print("== worker killed mid-PDF")
                worker = worker_fault(args.database, port)
                print(f"   {worker}")
            from django.db import connections

            connections.close_all()

            print(f"== {args.fault} during the load of {args.officials} officials")
            fault: dict = {}
            timeline: list = []
            stop = threading.Event()

            def inject(began: float) -> None:
                def run() -> None:
                    time.sleep(max(0.0, began + args.at - time.monotonic()))
                    if args.fault == "restart":
                        fault["start"], fault["end"], fault["note"] = restart_cluster(own)
                    elif args.fault == "stop":
                        fault["start"], fault["end"], fault["note"] = stop_cluster(own, outage)
                    else:
                        fault["start"], fault["end"], fault["note"] = terminate_backends(
                            args.database, outage
                        )

                threading.Thread(target=run, daemon=True).start()

            with harness.gunicorn(
                args.database, port, harness.OUT / "gunicorn-faults.log"
            ) as server:
                pids_before = harness.worker_pids(server.pid)
                prober = threading.Thread(target=probe, args=(port, stop, timeline), daemon=True)
                prober.start()
                officials, hits, began, span = run_load(
                    port, people, seconds=args.seconds, think=0.2, on_start=inject
                )
                stop.set()
                prober.join(timeout=20)
                pids_after = harness.worker_pids(server.pid)
                master_alive = server.poll() is None
            connections.close_all()
            stats = check_database(officials, exact_versions=False)
        finally:
            harness.drop_database(args.database)

    # --- the figures ----------------------------------------------------------------
    f_start, f_end = fault.get("start", began), fault.get("end", began)
    window = [h for h in hits if h.started + h.seconds >= f_start - 0.5]
    during = [h for h in window if h.started <= f_end + 30]
    by_status: dict[int, int] = {}
    for hit in during:
        by_status[hit.status] = by_status.get(hit.status, 0) + 1
    unclean = [h for h in hits if h.status not in (200, 302, 409, 503)]
    bad = [h for h in hits if h.status == 503]
    last_503_end = max((h.started + h.seconds for h in bad), default=None)
    first_ok_after = min(
        (
            h.started + h.seconds
            for h in hits
            if h.status in (200, 302) and h.started + h.seconds >= f_end
        ),
        default=None,
    )
    # While the database was away: every request that overlapped the outage, and /healthz.
    overlapping = [h for h in hits if h.started <= f_end and h.started + h.seconds >= f_start]
    longest = max(overlapping, key=lambda h: h.seconds, default=None)
    health_during = [d for t, _s, d in timeline if t <= f_end and t + d >= f_start]
    health = [(t - f_start, s) for t, s, _d in timeline]
    health_down = [t for t, s in health if s != 200 and t >= -1]
    fast = args.fault != "stop" or (
        longest is not None
        and longest.seconds <= 3.0
        and first_ok_after is not None
        and first_ok_after - f_end <= 2.0
        and max(health_during, default=0.0) <= 1.0
    )
    ok = (
        fast
        and not unclean
        and stats["lost_or_wrong"] == 0
        and stats["duplicates"] == 0
        and stats["submitted"] == stats["officials"]
        and master_alive
        and pids_before == pids_after
    )
    worker_ok = worker is None or (
        worker["download_after_kill"] == 404 and worker["after_kill"][0] != "ready"
    )
    lines = [
        "# Faults: the database and the worker going away under load",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', started_at)}",
        f"- Machine: {host}",
        f"- Versions: {report}",
        f"- Load: {args.officials} officials (threads in `benchmarks/faults.py`) for "
        f"{args.seconds:g} s against gunicorn (2 sync workers, psycopg pool, production "
        f"settings); the fault {args.at:g} s in, on "
        f"{'the shared PostgreSQL' if args.shared_server else 'a PostgreSQL cluster of its own'}."
        f" Run: `benchmarks/faults.py --fault {args.fault}`.",
        "",
        f"## Database: {args.fault}",
        "",
        f"**{'PASS' if ok else 'FAIL'}** — {len(unclean)} requests failed uncleanly "
        f"(500, dropped connection or other), {len(bad)} answered the friendly 503, "
        f"{stats['lost_or_wrong']} answers lost, {stats['submitted']}/{stats['officials']} "
        f"submitted, gunicorn {'not restarted' if pids_before == pids_after else 'RESTARTED'}.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| fault | {fault.get('note', 'not run')} |",
        f"| fault lasted (command start → PostgreSQL accepting again) | {f_end - f_start:.1f} s |",
        f"| requests around the fault (-0.5 s … +30 s), by status | "
        f"{', '.join(f'{k}: {v}' for k, v in sorted(by_status.items()))} |",
        f"| requests in the whole run | {len(hits)} |",
        f"| 503 answers in the whole run | {len(bad)} |",
        f"| unclean failures (500, connection refused/reset, timeout) | {len(unclean)} |",
        "| last 503 finished, after the database was back | "
        + (f"{last_503_end - f_end:+.1f} s |" if last_503_end is not None else "none |"),
        "| first success after the database was back (at most 2 s for a stop) | "
        + (f"{first_ok_after - f_end:+.1f} s |" if first_ok_after is not None else "none |"),
        "| longest request while the database was away (at most 3 s for a stop) | "
        + (
            f"{longest.seconds:.2f} s ({longest.kind}, HTTP {longest.status}); "
            f"{len(overlapping)} requests overlapped the outage |"
            if longest is not None
            else "none |"
        ),
        "| longest /healthz while the database was away (at most 1 s) | "
        + (f"{max(health_during):.2f} s |" if health_during else "none |"),
        "| /healthz not 200 (s from fault start) | "
        + (
            f"{min(health_down):.1f} … {max(health_down):.1f} ({len(health_down)} probes) |"
            if health_down
            else "never |"
        ),
        f"| gunicorn workers before / after | {pids_before} / {pids_after} "
        f"(master {'alive' if master_alive else 'GONE'}) |",
        f"| answer rows stored / expected | {stats['rows']} / {stats['expected_rows']} |",
        f"| answers differing from the last acknowledged save (lost) | {stats['lost_or_wrong']} |",
        f"| duplicated answers | {stats['duplicates']} |",
        f"| assessments submitted | {stats['submitted']} of {stats['officials']} |",
        "",
        "Latency over the whole run (client side, with the fault in it):",
        "",
        *latency_table(summarize(hits, span, officials, began)),
        "",
    ]
    if worker is not None:
        lines += [
            "## Worker killed (SIGKILL) while rendering a report PDF",
            "",
            f"**{'PASS' if worker_ok else 'FAIL'}** (never a corrupt file offered) — "
            f"retried or marked failed: "
            f"**{'yes' if worker['after_timeout'][0] == 'failed' else 'NO'}** (marked failed "
            "by the portal once pending longer than `REPORT_FILE_TIMEOUT`; the task queue "
            "itself does not retry a task whose worker died).",
            "",
            "| measure | value |",
            "|---|---|",
            f"| state when killed | {worker['state_at_kill']} |",
            f"| report file after the kill (status, bytes stored) | {worker['after_kill']} |",
            f"| download link after the kill | HTTP {worker['download_after_kill']} "
            f"(status endpoint says `{worker['status_after_kill']}`) |",
            f"| after a new worker ran for 20 s (status, bytes) | {worker['after_new_worker']} |",
            f"| the task in django-tasks-db after that | {worker['task_after_new_worker']} |",
            f"| stored content is a complete PDF | {worker['complete_pdf']} |",
            "| report page once pending longer than `REPORT_FILE_TIMEOUT` (30 s here): "
            f'file status, page status, "Try again" shown | {worker["after_timeout"]} |',
            f"| download link then | HTTP {worker['download_after_timeout']} |",
            "",
        ]
    Path(args.output).write_text("\n".join(lines))
    print("\n".join(lines))
    return 0 if ok and worker_ok else 1


if __name__ == "__main__":
    sys.exit(main())
