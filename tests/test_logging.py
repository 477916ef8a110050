"""The background worker as `make run` starts it: each of its log lines is printed once."""

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def development_env(tmp_path: Path) -> dict[str, str]:
    """The environment of `make run`: development settings, a database of its own."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "TESTING", "DATABASE_URL", "SITE_URL", "EMAIL_HOST", "PORT", "HOST"}
    }
    env.update(
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        MEDIA_ROOT=str(tmp_path / "media"),
        PYTHONUNBUFFERED="1",
    )
    return env


def test_each_worker_log_line_is_printed_once(tmp_path):
    env = development_env(tmp_path)
    manage("migrate", "-v", "0", env=env)
    manage(
        "shell",
        "-c",
        "from core.mail import send_email_task; "
        "send_email_task.enqueue(to=['a@example.org'], subject='Hello', body='Hi')",
        env=env,
    )
    worker = manage("db_worker", "--queue-name", "*", "--batch", "--no-startup-delay", env=env)

    output = (worker.stdout + worker.stderr).splitlines()
    task_lines = [line for line in output if line.startswith("Task id=")]
    # Started and finished, at least: the task ran and its lines were logged.
    assert len(task_lines) >= 2, output
    repeated = {line: n for line, n in Counter(output).items() if n > 1 and line.strip("-")}
    assert repeated == {}, output
