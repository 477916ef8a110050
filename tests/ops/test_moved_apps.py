"""The apps moved (reports out of assessments, accounts out of standards_portal) with the
same labels and tables, the summaries changed owner and the page cache went: a database
made before all that migrates forward with its records kept (see premove.py)."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from .test_backup_restore import admin_execute, database_url

ROOT = Path(__file__).resolve().parents[2]


def run_premove(env: dict) -> dict:
    result = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("premove.py"))],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "standards_portal.settings", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


@pytest.fixture
def fresh_database(tmp_path):
    """The environment of a process that uses a new, empty database of the run's kind."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")}
    if connection.vendor != "postgresql":
        yield {**env, "SQLITE_PATH": str(tmp_path / "before.sqlite3")}
        return
    name = f"premove_{uuid.uuid4().hex[:12]}"
    admin_execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**env, "DATABASE_URL": database_url(name), "DATABASE_POOL": "false"}
    finally:
        admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db
def test_a_database_made_before_the_move_migrates_forward_with_its_records(fresh_database):
    after = run_premove(fresh_database)
    assert after["item_summary"] == [3, 4, 7]  # read through assessments' model now
    assert after["participation"] == [7, 5, 0]  # with a version from here on
    assert after["report_file"] == ["old.pdf", "%PDF-old"]
    assert after["members_version"] == 0
    # Same tables as before; the page cache's is gone.
    assert after["tables"] == [
        "reports_itemsummary",
        "reports_participationsummary",
        "reports_reportfile",
    ]
    assert after["unapplied"] == []
