"""What `make load` (load.py) and `make faults` (faults.py) share.

A database of their own on the local PostgreSQL, the production settings the server runs
with, gunicorn and the background worker as child processes that are always stopped, an
SMTP sink for the email the worker sends, CPU time read from /proc, and a description of
the machine and the versions for the reports. Everything talks to 127.0.0.1 only.
"""

import contextlib
import http.client
import os
import platform
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
PY = sys.executable
BIN = Path(sys.executable).parent
GUNICORN = str(BIN / "gunicorn")
PG = {"host": "127.0.0.1", "port": 5432, "user": os.environ.get("PGUSER", "postgres")}
PASSWORD = "standards-demo-2026"  # the demo password (README); load accounts share it
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def database_url(name: str) -> str:
    return f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{name}"


def server_env(database: str, port: int, **extra: str) -> dict:
    """Production settings, except that TLS is the (absent) proxy's job.

    `MFA_REQUIRED=false`: the simulated supervisors, managers and analysts sign in with
    their password alone (they have no authenticator; with MFA required the portal would
    send them to set one up first).
    """
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(database),
        DEBUG="false",
        SECRET_KEY=env.get("SECRET_KEY") or "load-test-only-" + "k" * 60,
        SEAL_DEVELOPMENT=env.get("SEAL_DEVELOPMENT") or "true",
        LOG_SIGNING_KEY_DEVELOPMENT=env.get("LOG_SIGNING_KEY_DEVELOPMENT") or "true",
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL=f"https://127.0.0.1:{port}",
        SECURE_SSL_REDIRECT="false",
        MFA_REQUIRED="false",
        LOG_LEVEL="WARNING",
        TASKS_IMMEDIATE="false",
        DATABASE_POOL="true",
    )
    env.update(extra)
    env.pop("TESTING", None)
    return env


def admin(sql: str) -> None:
    with psycopg.connect(**PG, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def recreate_database(name: str) -> None:
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    from django.db import connections

    connections.close_all()
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_django(database: str, port: int, **extra: str) -> None:
    """This process as a Django client of the run's database (to seed and to count)."""
    os.environ.update(server_env(database, port, **extra))
    # Plain connections, so none is left in a pool that a database fault could cut off.
    os.environ["DATABASE_POOL"] = "false"
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "standards_portal.settings")
    import django

    django.setup()


def prepare_demo() -> None:
    """Static files, the schema, the cache table and the demo (`manage.py seed_demo`)."""
    from django.core.management import call_command

    with open(os.devnull, "w") as quiet:
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("migrate", verbosity=0, stdout=quiet)
        call_command("createcachetable", verbosity=0)
        call_command("seed_demo", stdout=quiet)


# --------------------------------------------------------------------------- processes


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM to the process group it leads, then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def spawn(args: list[str], *, env: dict, log: Path) -> subprocess.Popen:
    """A child in a process group of its own, so that stopping it stops its children too."""
    with open(log, "a") as out:
        return subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_healthy(port: int, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {log.name} in benchmarks/out")
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer /healthz; see {log.name} in benchmarks/out")


def browser_request(
    port: int, path: str, cookies: dict[str, str], form: dict | None, **headers: str
) -> tuple[dict[str, str], str | None]:
    """The headers and body a browser behind the TLS proxy sends to 127.0.0.1:`port`
    (its cookies; a form as a same-origin POST), with `headers` added."""
    base = f"https://127.0.0.1:{port}"
    headers = {"Host": f"127.0.0.1:{port}", "X-Forwarded-Proto": "https", **headers}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if form is None:
        return headers, None
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["Origin"] = base
    headers["Referer"] = base + path
    return headers, urllib.parse.urlencode(form)


@contextlib.contextmanager
def gunicorn(database: str, port: int, log: Path, *, workers: int = 2, **extra: str):
    """gunicorn as `make serve` runs it: sync workers, whitenoise for static files."""
    log.write_text("")
    process = spawn(
        [
            GUNICORN,
            "standards_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--forwarded-allow-ips",
            "127.0.0.1",
        ],
        env=server_env(database, port, **extra),
        log=log,
    )
    try:
        wait_healthy(port, process, log)
        yield process
    finally:
        stop(process)


@contextlib.contextmanager
def db_worker(database: str, port: int, log: Path, **extra: str):
    """One background worker (`manage.py db_worker`), as `make worker` runs it."""
    process = spawn(
        [PY, "manage.py", "db_worker", "--queue-name", "*"],
        env=server_env(database, port, **extra),
        log=log,
    )
    try:
        time.sleep(1)
        if process.poll() is not None:
            raise RuntimeError(f"the worker exited; see {log.name} in benchmarks/out")
        yield process
    finally:
        stop(process)


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["ps", "--ppid", str(master), "-o", "pid="], capture_output=True)
    return sorted(int(p) for p in out.stdout.split())


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of one process so far (None once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # After the command: state is field 3, utime 14 and stime 15 (1-based, man 5 proc).
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def backend_pids(database: str) -> list[int]:
    """The PostgreSQL server processes serving one database now."""
    with psycopg.connect(**PG, dbname="postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        ).fetchall()
    return [pid for (pid,) in rows]


class CpuMeter:
    """CPU seconds spent by groups of processes between two readings.

    Groups are given as functions returning the current pids (gunicorn's workers, the
    database's backends...): a process that appears between the readings counts in full,
    one that ends is missed (its last seconds are lost; the figures are then low).
    """

    def __init__(self, groups: dict):
        self.groups = groups
        self.start: dict[str, dict[int, float]] = {}

    def _read(self) -> dict[str, dict[int, float]]:
        reading = {}
        for name, pids in self.groups.items():
            reading[name] = {}
            for pid in pids():
                value = cpu_seconds(pid)
                if value is not None:
                    reading[name][pid] = value
        return reading

    def begin(self) -> None:
        self.start = self._read()
        self.machine = machine_busy_seconds()
        self.started = time.monotonic()

    def end(self) -> dict:
        now = self._read()
        elapsed = time.monotonic() - self.started
        spent = {}
        for name, pids in now.items():
            before = self.start.get(name, {})
            spent[name] = sum(value - before.get(pid, 0.0) for pid, value in pids.items())
        spent["machine"] = machine_busy_seconds() - self.machine
        spent["elapsed"] = elapsed
        return spent


def machine_busy_seconds() -> float:
    """CPU seconds all cores have spent on anything but idling, since boot."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle, iowait
    busy = sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / CLOCK_TICKS


# --------------------------------------------------------------------------- mail sink


class SmtpSink:
    """A minimal SMTP server on 127.0.0.1 that accepts every message and keeps a count.

    In production the worker hands email to a relay; here it hands it to this, so that
    the worker does its real work (render, connect, send) and nothing leaves the machine.
    """

    def __init__(self):
        self.messages = 0
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.port = self.server.getsockname()[1]
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        with contextlib.suppress(OSError):
            self.server.close()

    def env(self) -> dict:
        return {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(self.port), "EMAIL_USE_TLS": "false"}

    def _serve(self) -> None:
        while True:
            try:
                conn, _address = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        with contextlib.suppress(OSError), conn, conn.makefile("rb") as reader:
            conn.sendall(b"220 load.test SMTP sink\r\n")
            while True:
                line = reader.readline()
                if not line:
                    return
                command = line[:4].upper()
                if command in (b"EHLO", b"HELO"):
                    conn.sendall(b"250 load.test\r\n")
                elif command == b"DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    while reader.readline() not in (b".\r\n", b".\n", b""):
                        pass
                    with self.lock:
                        self.messages += 1
                    conn.sendall(b"250 queued\r\n")
                elif command == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:  # MAIL, RCPT, RSET, NOOP
                    conn.sendall(b"250 ok\r\n")


# --------------------------------------------------------------------------- description


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


def commit() -> str:
    """The commit checked out, saying so when the tree holds changes not committed yet."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout

    head = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    changed = git("status", "--porcelain", "--untracked-files=no").strip()
    return f"{head} with uncommitted changes" if changed else head


def versions(*extra: str) -> str:
    """Python, Django, PostgreSQL, psycopg, gunicorn (and `extra` packages); the commit."""
    from importlib.metadata import version

    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    parts = [
        f"Python {platform.python_version()}",
        f"Django {django.get_version()}",
        f"PostgreSQL {pg_version}",
        f"psycopg {psycopg.__version__}",
        f"gunicorn {version('gunicorn')}",
        *(f"{name} {version(name)}" for name in extra),
    ]
    return f"{', '.join(parts)}; commit {commit()}"
