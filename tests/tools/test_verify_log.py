"""tools/verify_log.py against a running portal, as a journalist or an association runs it.

The portal is the test's live server; the tool runs as a separate process and knows only
the portal's address and public key. Each tampering a dishonest operator could do to the
records (rewrite, reorder, drop, and then recompute the chain and the log to hide it) is
detected against a mirror taken earlier, while the portal's own chain check stays green.
"""

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from pledges import transparency
from pledges.chain import GENESIS_HASH, record_hash
from pledges.models import ChainHead, LogLeaf, LogNode, Pledge, PledgeEvidence, PledgeWithdrawal
from pledges.selectors import verify_chain
from pledges.services import pledge_withdraw

from ..pledges.conftest import META, sign

TOOL = Path(settings.BASE_DIR) / "tools" / "verify_log.py"


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def portal(live_server, world, cycle):
    """Four pledges and a withdrawal; each signature is followed by its checkpoint."""
    pledges = [sign(u, cycle) for u in (world.official, world.colleague, world.manager)]
    pledge_withdraw(pledge=pledges[1], by=world.colleague, reason="Left", request_meta=META)
    pledges.append(sign(world.supervisor, cycle))
    return live_server.url, transparency.public_key_info(), pledges


def verify_log(portal, command, *args, key=None):
    url, info, _pledges = portal
    return subprocess.run(
        [sys.executable, str(TOOL), command, "--url", url, "--key", key or info["base64"], *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_tool_needs_no_django():
    source = TOOL.read_text()
    imports = {
        line.split()[1].split(".")[0]
        for line in source.splitlines()
        if line.startswith(("import ", "from "))
    }
    assert imports <= set(sys.stdlib_module_names) | {"cryptography"}


def test_the_latest_checkpoint_is_signed_by_the_published_key(portal, tmp_path):
    # Published after each signature without anyone running a command.
    result = verify_log(portal, "checkpoint", "--save", str(tmp_path / "cp.txt"))
    assert result.returncode == 0, result.stderr
    assert "5 entries" in result.stdout and "Signature valid" in result.stdout
    # The verifier key form and a PEM file work too.
    _url, info, _pledges = portal
    assert verify_log(portal, "checkpoint", key=info["vkey"]).returncode == 0
    (tmp_path / "key.pem").write_text(info["pem"])
    assert verify_log(portal, "checkpoint", key=str(tmp_path / "key.pem")).returncode == 0


def test_a_checkpoint_signed_by_another_key_fails(portal):
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = Ed25519PrivateKey.generate().public_key()
    raw = other.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    result = verify_log(portal, "checkpoint", key=base64.b64encode(raw).decode())
    assert result.returncode == 1
    assert "no signature by this key" in result.stderr


def test_a_certificates_code_is_proven_in_the_log(portal, tmp_path):
    _url, _info, pledges = portal
    result = verify_log(portal, "inclusion", pledges[0].code_display)
    assert result.returncode == 0, result.stderr
    assert "entry 0" in result.stdout and "Proof of inclusion holds" in result.stdout
    withdrawn = verify_log(portal, "inclusion", pledges[1].verification_code)
    assert withdrawn.returncode == 0 and "withdrawn" in withdrawn.stdout
    # Against a checkpoint saved before the last signature.
    saved = tmp_path / "cp.txt"
    verify_log(portal, "checkpoint", "--save", str(saved))
    sign(pledges[0].user.__class__.objects.get(pk=pledges[0].user_id), pledges[0].cycle)
    result = verify_log(
        portal, "inclusion", pledges[2].verification_code, "--checkpoint", str(saved)
    )
    assert result.returncode == 0 and "log of 5 entries" in result.stdout


def test_an_unknown_code_is_an_error_not_a_pass(portal):
    result = verify_log(portal, "inclusion", "ABCD-EFGH-JKLM-NPQR")
    assert result.returncode == 2 and "404" in result.stderr


def test_a_mirror_follows_an_honest_log(portal, tmp_path, world, cycle):
    mirror = tmp_path / "mirror"
    first = verify_log(portal, "mirror", str(mirror))
    assert first.returncode == 0, first.stderr
    assert len((mirror / "leaves.jsonl").read_text().splitlines()) == 5
    Pledge.objects.filter(user=world.official).update()  # nothing changes
    sign(world.other_official, cycle)
    sign(world.other_manager, cycle)
    again = verify_log(portal, "mirror", str(mirror))
    assert again.returncode == 0, again.stderr
    assert "7 entries" in again.stdout and "consistent with the saved 5" in again.stdout
    assert verify_log(portal, "mirror", str(mirror), "--full").returncode == 0
    assert verify_log(portal, "consistency", "--mirror", str(mirror)).returncode == 0
    assert len(list((mirror / "checkpoints").iterdir())) == 2


# --- a dishonest operator -------------------------------------------------------------------


def _rechain_and_relog(records):
    """Hide an edit: number the records afresh, recompute every hash, rebuild the log from
    them and sign a checkpoint. The portal's own chain check cannot tell."""
    for offset, record in enumerate(records):
        type(record).objects.filter(pk=record.pk).update(sequence=10_000 + offset)
    previous = GENESIS_HASH
    for number, record in enumerate(records, start=1):
        record.refresh_from_db()
        record.sequence = number
        record.previous_hash = previous
        record.record_hash = previous = record_hash(record, previous)
        record.save(update_fields=["sequence", "previous_hash", "record_hash"])
    ChainHead.objects.filter(id=1).update(sequence=len(records), record_hash=previous)
    LogNode.objects.all().delete()
    LogLeaf.objects.all().delete()
    transparency.checkpoint_publish()


def _records():
    return sorted(
        [*Pledge.objects.all(), *PledgeWithdrawal.objects.select_related("pledge")],
        key=lambda r: r.sequence,
    )


def rewrite(pledges):
    Pledge.objects.filter(pk=pledges[0].pk).update(typed_name="Somebody Else")
    _rechain_and_relog(_records())


def reorder(pledges):
    records = _records()
    records[0], records[2] = records[2], records[0]
    _rechain_and_relog(records)


def drop(pledges):
    PledgeEvidence.objects.filter(pledge=pledges[2]).delete()
    Pledge.objects.filter(pk=pledges[2].pk).delete()
    _rechain_and_relog(_records())


def serve_other_leaves(pledges):
    """The log's tables edited directly: the served entries no longer match the root."""
    leaf = LogLeaf.objects.get(index=2)
    LogLeaf.objects.filter(pk=leaf.pk).update(data=leaf.data.replace("pledge", "withdrawal"))


@pytest.fixture
def tampering_allowed():
    """On PostgreSQL the append-only triggers (installed here, as migrations do) would
    refuse the tampering: the tamperer sets them aside, as a database superuser can."""
    if connection.vendor != "postgresql":
        yield
        return
    guards = [
        importlib.import_module(f"pledges.migrations.{name}")
        for name in ("0004_append_only_guard", "0009_log_append_only_guard")
    ]
    with connection.cursor() as cursor:
        for guard in guards:
            cursor.execute(guard.INSTALL)
        cursor.execute("SET session_replication_role = replica")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")
        for guard in guards:
            cursor.execute(guard.REMOVE)


@pytest.mark.parametrize("tamper", [rewrite, reorder, drop], ids=lambda f: f.__name__)
def test_a_rewritten_history_is_detected_against_an_earlier_mirror(
    portal, tmp_path, tamper, world, cycle, tampering_allowed
):
    _url, _info, pledges = portal
    mirror = tmp_path / "mirror"
    assert verify_log(portal, "mirror", str(mirror)).returncode == 0
    tamper(pledges)
    sign(world.other_official, cycle)  # and the log grows on as if nothing happened
    assert verify_chain().intact  # the portal's own check is satisfied
    result = verify_log(portal, "mirror", str(mirror))
    assert result.returncode == 1, result.stdout
    assert "history was rewritten" in result.stderr
    consistency = verify_log(portal, "consistency", "--mirror", str(mirror))
    assert consistency.returncode == 1 and "history was rewritten" in consistency.stderr
    # The mirror kept the history it had verified.
    assert len((mirror / "leaves.jsonl").read_text().splitlines()) == 5


def test_entries_that_do_not_match_the_signed_root_are_detected(
    portal, tmp_path, tampering_allowed
):
    _url, _info, pledges = portal
    serve_other_leaves(pledges)
    result = verify_log(portal, "mirror", str(tmp_path / "mirror"))
    assert result.returncode == 1
    assert "do not hash to the signed root" in result.stderr
