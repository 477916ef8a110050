"""`manage.py run_daily_jobs`: every daily job in order, each on its own, one line each."""

import datetime
import io
import uuid

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import AuditEntry
from core.models import SubmissionToken
from pledges.models import LogCheckpoint
from records.management.commands.run_daily_jobs import JOBS
from records.models import RecordsBundle

DAY = datetime.timedelta(days=1)


@pytest.fixture
def leftovers(world):
    """Something for each housekeeping job to do: an expired session, an old submission
    token and a bundle past its expiry."""
    now = timezone.now()
    Session.objects.create(session_key="x" * 32, session_data="", expire_date=now - DAY)
    token = SubmissionToken.objects.create(user=world.manager, token=uuid.uuid4())
    SubmissionToken.objects.filter(pk=token.pk).update(created_at=now - 3 * DAY)
    RecordsBundle.objects.create(
        office=world.office,
        requested_by=world.manager,
        status=RecordsBundle.Status.READY,
        filename="records.zip",
        content=b"PK",
        finished_at=now - 8 * DAY,
        expires_at=now - DAY,
    )


def run() -> list[str]:
    out = io.StringIO()
    try:
        call_command("run_daily_jobs", stdout=out)
    finally:
        run.lines = out.getvalue().splitlines()
    return run.lines


def test_every_daily_job_runs_in_order_with_one_line_each(world, leftovers):
    lines = run()
    assert [line.split(":")[0] for line in lines] == [
        "clearsessions",
        "clear_submission_tokens",
        "publish_checkpoint",
        "apply_retention",
        "expire_bundles",
        "send_pledge_reminders",
        "send_lapse_reminders",
        "send_course_reminders",
    ]
    assert all(line.split(": ")[1] == "ok" for line in lines), lines
    assert lines[1] == "clear_submission_tokens: ok: 1 submission tokens deleted."
    assert lines[3].startswith("apply_retention: ok: Erased: sign_in_evidence 0")
    assert lines[4] == "expire_bundles: ok: 1 bundle file(s) deleted."
    # What each did, in the database.
    assert not Session.objects.exists()
    assert not SubmissionToken.objects.exists()
    assert LogCheckpoint.objects.count() == 1
    assert AuditEntry.objects.filter(action=AuditEntry.Action.RECORDS_RETENTION_APPLIED).exists()
    assert RecordsBundle.objects.get().status == RecordsBundle.Status.EXPIRED


def test_a_failing_job_does_not_stop_the_others_and_the_run_fails(world, leftovers, settings):
    # A misconfigured log key: the checkpoint cannot be signed.
    settings.LOG_SIGNING_KEY = "not a key"
    settings.LOG_SIGNING_KEY_FILE = ""
    with pytest.raises(
        CommandError, match=f"1 of {len(JOBS)} daily jobs failed: publish_checkpoint"
    ):
        run()
    lines = run.lines
    assert len(lines) == len(JOBS)
    assert lines[2] == (
        "publish_checkpoint: FAILED: LOG_SIGNING_KEY must be an Ed25519 private key: PEM, "
        "or 32 bytes in base64."
    )
    # The jobs after it still ran.
    outcomes = [line.split(": ")[1] for line in lines]
    assert outcomes == ["ok", "ok", "FAILED"] + ["ok"] * (len(JOBS) - 3)
    assert not LogCheckpoint.objects.exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.RECORDS_RETENTION_APPLIED).exists()
    assert RecordsBundle.objects.get().status == RecordsBundle.Status.EXPIRED


def test_the_command_exits_non_zero_when_a_job_failed(world, settings, capsys):
    from django.core.management import ManagementUtility

    settings.LOG_SIGNING_KEY = "not a key"
    settings.LOG_SIGNING_KEY_FILE = ""
    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(["manage.py", "run_daily_jobs"]).execute()
    assert exit_.value.code == 1
    assert "publish_checkpoint: FAILED" in capsys.readouterr().out
