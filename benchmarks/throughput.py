"""Throughput of pages under gunicorn, measured with wrk, as a ratio of /healthz.

gunicorn as `make serve` runs it (2 sync workers, production settings: DEBUG=false,
psycopg pool) except SECURE_SSL_REDIRECT=false, bound to 127.0.0.1 on a free port. Each
page is checked with one curl (must answer 200), warmed, then loaded with
`wrk -t2 -c8 -d<BENCH_WRK_SECONDS>s` carrying the session cookie and the proxy's
X-Forwarded-Proto header. /healthz is measured first and last; the ratio uses the faster
run (the server's limit; the other is usually disturbed by other work on the machine).
Called by reports_bench.py with the bench database; returns Markdown lines.
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
SECONDS = min(15, int(os.environ.get("BENCH_WRK_SECONDS", "10")))
THREADS, CONNECTIONS = 2, 8
RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
TOTAL = re.compile(r"(\d+) requests in")
ERRORS = re.compile(r"Socket errors:.*")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _curl(port: int, url: str, cookie: str | None) -> int:
    command = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "30"]
    command += ["-H", "X-Forwarded-Proto: https"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    result = subprocess.run([*command, f"http://127.0.0.1:{port}{url}"], capture_output=True)
    return int(result.stdout or 0)


@contextlib.contextmanager
def gunicorn(database_url: str, port: int):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DATABASE_POOL="true",
        DEBUG="false",
        SEAL_DEVELOPMENT=env.get("SEAL_DEVELOPMENT") or "true",
        LOG_SIGNING_KEY_DEVELOPMENT=env.get("LOG_SIGNING_KEY_DEVELOPMENT") or "true",
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL=f"https://127.0.0.1:{port}",
        TASKS_IMMEDIATE="false",
        LOG_LEVEL="WARNING",
    )
    log = OUT / "gunicorn-bench.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [
                *(GUNICORN, "standards_portal.wsgi:application", "--bind", f"127.0.0.1:{port}"),
                *("--workers", "2", "--forwarded-allow-ips", "127.0.0.1"),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while _curl(port, "/healthz", None) != 200:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not answer /healthz; see {log}")
                time.sleep(0.3)
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(port: int, url: str, cookie: str | None) -> dict:
    # wrk's default 2 s timeout would abandon queued requests of slow pages (8 connections
    # on 2 workers queue ~4 deep) and count less than the server did.
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency"]
    command += ["--timeout", "10s"]
    command += ["-H", "X-Forwarded-Proto: https"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    result = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{url}"], capture_output=True, text=True
    )
    text = result.stdout
    latency = {p: _ms(v, u) for p, v, u in LATENCY.findall(text)}
    non_2xx = NON_2XX.search(text)
    errors = ERRORS.search(text)
    return {
        "rps": float(RATE.search(text).group(1)),
        "requests": int(TOTAL.search(text).group(1)),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "errors": errors.group(0) if errors else "",
        "p50": latency.get("50"),
        "p99": latency.get("99"),
    }


def run(pages: list[tuple[str, str, str | None]], database_url: str) -> list[str]:
    """pages: (name, url, cookie header value or None); the first is /healthz."""
    head = ["### 3. Throughput under gunicorn", ""]
    if shutil.which("wrk") is None:
        print("throughput: wrk is missing (apt-get install -y wrk); not measured")
        return [*head, "Not measured: `wrk` is not installed (`apt-get install -y wrk`).", ""]
    port = free_port()
    rows = []
    load_before = os.getloadavg()[0]
    with gunicorn(database_url, port):
        for name, url, cookie in pages:
            status = _curl(port, url, cookie)
            if status != 200:
                raise RuntimeError(f"{url} answered {status}, not 200, before the load")
            for _ in range(5):
                _curl(port, url, cookie)
            result = wrk(port, url, cookie)
            rows.append((name, url, status, result))
            print(f"throughput: {name}: {result}")
        name, url, cookie = pages[0]
        _curl(port, url, cookie)  # waits out the requests the last run left queued
        again = wrk(port, url, cookie)
        rows.append((f"{name}, again at the end", url, 200, again))
        print(f"throughput: {name} again: {again}")
    load_after = os.getloadavg()[0]
    limit = max(rows[0][3]["rps"], rows[-1][3]["rps"])
    lines = [
        *head,
        f"gunicorn (2 sync workers, production settings, `DEBUG=false`, psycopg pool, "
        f"`SECURE_SSL_REDIRECT=false`) on 127.0.0.1; `wrk -t{THREADS} -c{CONNECTIONS} "
        f"-d{SECONDS}s --timeout 10s` on the same 2-core machine (wrk and PostgreSQL "
        f"share the cores), "
        f"signed in with a session cookie; every page answered 200 to curl before the load. "
        f"Ratio to the faster of the two /healthz runs ({limit:.0f} req/s), the server's "
        f"limit; the other shows how steady the machine was. No target: issue #8's (these "
        f"pages at 0.40 of /healthz) was met only by serving whole pages from memory, and "
        f"that cache is gone (issue #15); every request here renders its page, and the "
        f"targets are the page table's ratios above and the people `make load` holds. "
        f"1-minute load average "
        f"{load_before:.1f} before gunicorn started and "
        f"{load_after:.1f} at the end (the load itself keeps ~2 busy; well above that, "
        f"something else was running and the figures are low).",
        "",
        "| page | URL | req/s | ratio to /healthz | p50 ms | p99 ms | requests | non-2xx |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, url, _status, r in rows:
        p50 = f"{r['p50']:.1f}" if r["p50"] is not None else "?"
        p99 = f"{r['p99']:.1f}" if r["p99"] is not None else "?"
        lines.append(
            f"| {name} | `{url}` | {r['rps']:.1f} | {r['rps'] / limit:.3f} | {p50} | {p99} "
            f"| {r['requests']:,} | {r['non_2xx']} |"
        )
    errors = [f"{name}: {r['errors']}" for name, _u, _s, r in rows if r["errors"]]
    if errors:
        lines += ["", "wrk socket errors: " + "; ".join(errors)]
    lines.append("")
    return lines
