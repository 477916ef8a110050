"""`make faults`: the portal under load while things break, on 127.0.0.1 only.

1. A background worker (`manage.py db_worker`) killed with SIGKILL while it renders a
   report PDF: the file must never be offered half-written; we record whether the task is
   retried or marked failed.
2. The database cut off during the load of `benchmarks/load.py` (50 officials saving and
   submitting): requests must fail cleanly (503, never a 500 or a dropped connection) and
   succeed again without restarting gunicorn (its worker processes are compared before
   and after), and no acknowledged answer may be lost.

   --fault restart    `pg_ctlcluster --skip-systemctl-redirect <version> main restart`:
                      the whole PostgreSQL cluster restarts (every database on it!).
   --fault terminate  pg_terminate_backend on this run's own database only, every 0.2 s
                      for --outage seconds: safe next to other users of the cluster.

Writes benchmarks/FAULTS.md (or --output).
"""

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # benchmarks/load.py

ROOT = load.ROOT


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


def restart_cluster() -> tuple[float, float, str]:
    version = pg_version()
    started = time.monotonic()
    done = subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    finished = time.monotonic()
    # pg_ctlcluster returns once the server accepts connections again; make sure.
    for _ in range(100):
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0:
            break
        time.sleep(0.1)
    up = time.monotonic()
    note = f"pg_ctlcluster {version} main restart: exit {done.returncode} {done.stderr.strip()}"
    return started, max(finished, up), note


def terminate_backends(database: str, seconds: float) -> tuple[float, float, str]:
    started = time.monotonic()
    killed = 0
    with psycopg.connect(**load.PG, dbname="postgres", autocommit=True) as conn:
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
    env = load.server_env(database, port)
    log = open(load.OUT / "worker-fault.log", "w")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [load.PY, "manage.py", "db_worker", "--queue-name", "*"],
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
        [load.PY, "manage.py", "db_worker", "--queue-name", "*"],
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
    parser.add_argument("--fault", choices=["restart", "terminate"], default="restart")
    parser.add_argument("--seconds", type=float, default=40, help="length of the load")
    parser.add_argument("--at", type=float, default=12, help="fault this many s into the load")
    parser.add_argument("--outage", type=float, default=5, help="terminate: for how long")
    parser.add_argument("--officials", type=int, default=50)
    parser.add_argument("--database", default="standards_portal_faults")
    parser.add_argument("--skip-worker", action="store_true")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "FAULTS.md"))
    args = parser.parse_args()
    if not 1 <= args.officials <= 200 or not 5 <= args.seconds <= 600:
        parser.error("officials must be 1-200 and seconds 5-600")

    load.OUT.mkdir(parents=True, exist_ok=True)
    port = load.free_port()
    started_at = time.gmtime()
    host = load.machine()
    print(f"== database {args.database} on 127.0.0.1 (dropped and created)")
    load.admin(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    load.admin(f'CREATE DATABASE "{args.database}"')
    try:
        load.setup_django(args.database, port)
        people = load.prepare(args.database, args.officials)
        report = load.versions()
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
                    fault["start"], fault["end"], fault["note"] = restart_cluster()
                else:
                    fault["start"], fault["end"], fault["note"] = terminate_backends(
                        args.database, args.outage
                    )

            threading.Thread(target=run, daemon=True).start()

        with load.gunicorn(args.database, port, load.OUT / "gunicorn-faults.log") as server:
            pids_before = load.worker_pids(server.pid)
            prober = threading.Thread(target=probe, args=(port, stop, timeline), daemon=True)
            prober.start()
            officials, hits, began, span = load.run_load(
                port, people, seconds=args.seconds, think=0.2, on_start=inject
            )
            stop.set()
            prober.join(timeout=20)
            pids_after = load.worker_pids(server.pid)
            master_alive = server.poll() is None
        connections.close_all()
        stats = load.check_database(officials, exact_versions=False)
    finally:
        from django.db import connections

        connections.close_all()
        load.admin(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')

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
        (h.started + h.seconds for h in hits if h.status in (200, 302) and h.started >= f_end),
        default=None,
    )
    health = [(t - f_start, s) for t, s, _d in timeline]
    health_down = [t for t, s in health if s != 200 and t >= -1]
    ok = (
        not unclean
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
        f"- Load: `benchmarks/load.py`'s {args.officials} officials for {args.seconds:g} s "
        f"against gunicorn (2 sync workers, psycopg pool, production settings); the fault "
        f"{args.at:g} s in. Run: `benchmarks/faults.py --fault {args.fault}`.",
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
        "| first success after the database was back | "
        + (f"{first_ok_after - f_end:+.1f} s |" if first_ok_after is not None else "none |"),
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
        *load.latency_table(load.summarize(hits, span, officials, began)),
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
