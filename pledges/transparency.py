"""The public transparency log of pledges: an append-only RFC 9162 Merkle tree.

Every chained record (pledge or withdrawal) becomes a leaf, in chain order, in the same
transaction that chains it. A leaf holds public fields only (see `leaf_data`), never a
name, an address or a browser. The portal signs checkpoints of the tree (size, root hash,
time) with an Ed25519 key, as C2SP signed notes; anyone holding an earlier checkpoint can
ask for a consistency proof and see whether history was rewritten (`tools/verify_log.py`).

`latest_checkpoint()` and `inclusion_proof_for(record)` return plain JSON-ready dicts for
the other parts of the portal (certificates, records-request bundles).
"""

import base64
import datetime
import functools
import hashlib
import heapq
import json
import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from . import merkle
from .models import ChainHead, LogCheckpoint, LogLeaf, LogNode, Pledge, PledgeWithdrawal

LEAF_VERSION = 1
# What a page of /log/leaves may hold at most.
MAX_LEAVES = 1000


# --- leaves ----------------------------------------------------------------------------


def code_sha256(code: str) -> str:
    """The digest of a verification code that the log publishes in place of the code.

    The code itself opens the public verification page, which names the signer; the log
    must not list every code. Whoever holds a certificate can compute this digest.
    """
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def leaf_data(
    *,
    kind: str,
    sequence: int,
    code: str,
    record_hash: str,
    moment: datetime.datetime,
    text_sha256: str = "",
) -> str:
    """A record's leaf: canonical JSON (sorted keys, no spaces, ASCII) of public fields."""
    content = {
        "v": LEAF_VERSION,
        "kind": kind,
        "sequence": sequence,
        "code_sha256": code_sha256(code),
        "record_hash": record_hash,
    }
    if kind == "pledge":
        content["text_sha256"] = text_sha256
        content["signed_at"] = _utc(moment)
    else:
        content["withdrawn_at"] = _utc(moment)
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _leaf(record, *, is_withdrawal: bool, model=LogLeaf) -> LogLeaf:
    """The (unsaved, unindexed) leaf of a saved chained record."""
    if is_withdrawal:
        data = leaf_data(
            kind="withdrawal",
            sequence=record.sequence,
            code=record.pledge.verification_code,
            record_hash=record.record_hash,
            moment=record.withdrawn_at,
        )
        code = record.pledge.verification_code
    else:
        data = leaf_data(
            kind="pledge",
            sequence=record.sequence,
            code=record.verification_code,
            record_hash=record.record_hash,
            moment=record.signed_at,
            text_sha256=record.text_sha256,
        )
        code = record.verification_code
    return model(
        sequence=record.sequence,
        code_sha256=code_sha256(code),
        data=data,
        leaf_hash=merkle.leaf_hash(data.encode("ascii")).hex(),
    )


def _append_leaves(leaves: list[LogLeaf], *, models) -> None:
    """Give the leaves their indexes after the last one; store them and the subtrees they close."""
    leaf_model, node_model = models.leaf, models.node
    last = leaf_model.objects.order_by("-index").values_list("index", flat=True).first()
    size = 0 if last is None else last + 1
    known = _node_hashes(set(merkle.frontier(size)), models=models)
    made = merkle.append(size, known, [bytes.fromhex(leaf.leaf_hash) for leaf in leaves])
    for offset, leaf in enumerate(leaves):
        leaf.index = size + offset
    leaf_model.objects.bulk_create(leaves, batch_size=1000)
    node_model.objects.bulk_create(
        [
            node_model(level=level, index=index, hash=digest.hex())
            for (level, index), digest in made.items()
            if level > 0
        ],
        batch_size=1000,
    )


class LogModels:
    """The model classes the log is written with (the real ones, or a migration's)."""

    def __init__(self, *, pledge, withdrawal, leaf, node):
        self.pledge, self.withdrawal, self.leaf, self.node = pledge, withdrawal, leaf, node


_MODELS = LogModels(pledge=Pledge, withdrawal=PledgeWithdrawal, leaf=LogLeaf, node=LogNode)


def catch_up(*, models: LogModels = _MODELS) -> int:
    """Append every chained record not yet in the log, in chain order; how many were added.

    Called with the chain head locked (or from a migration). The data migration that brings
    existing pledges into the log passes its historical models.
    """
    last = models.leaf.objects.order_by("-index").values_list("sequence", flat=True).first()
    after = last or 0
    pledges = (
        models.pledge.objects.filter(sequence__gt=after)
        .only("sequence", "verification_code", "record_hash", "signed_at", "text_sha256")
        .order_by("sequence")
    )
    withdrawals = (
        models.withdrawal.objects.filter(sequence__gt=after)
        .select_related("pledge")
        .only("sequence", "record_hash", "withdrawn_at", "pledge__verification_code")
        .order_by("sequence")
    )
    records = heapq.merge(
        ((p.sequence, False, p) for p in pledges.iterator(2000)),
        ((w.sequence, True, w) for w in withdrawals.iterator(2000)),
        key=lambda item: item[0],
    )
    leaves = [
        _leaf(record, is_withdrawal=is_withdrawal, model=models.leaf)
        for _sequence, is_withdrawal, record in records
    ]
    if leaves:
        _append_leaves(leaves, models=models)
    return len(leaves)


def log_append(records: list[Pledge | PledgeWithdrawal]) -> None:
    """Add just-chained records to the log, in the transaction and under the lock that
    chained them."""
    records = sorted(records, key=lambda r: r.sequence)
    if not records:
        return
    last = LogLeaf.objects.order_by("-index").values_list("sequence", flat=True).first()
    if (last or 0) != records[0].sequence - 1:
        # The log is behind the chain (records made before it existed): bring it level.
        catch_up()
        return
    leaves = [_leaf(r, is_withdrawal=isinstance(r, PledgeWithdrawal)) for r in records]
    _append_leaves(leaves, models=_MODELS)


# --- reading the tree ------------------------------------------------------------------


class LogIncomplete(RuntimeError):
    """A subtree hash the log should hold is missing."""


def _node_hashes(pairs: set[tuple[int, int]], *, models: LogModels = _MODELS) -> dict:
    """The stored hashes of these complete subtrees (level 0: leaves), in at most two queries."""
    found: dict[tuple[int, int], bytes] = {}
    leaf_indexes = [index for level, index in pairs if level == 0]
    if leaf_indexes:
        for index, digest in models.leaf.objects.filter(index__in=leaf_indexes).values_list(
            "index", "leaf_hash"
        ):
            found[(0, index)] = bytes.fromhex(digest)
    upper = [(level, index) for level, index in pairs if level > 0]
    if upper:
        condition = Q()
        for level, index in upper:
            condition |= Q(level=level, index=index)
        for level, index, digest in models.node.objects.filter(condition).values_list(
            "level", "index", "hash"
        ):
            found[(level, index)] = bytes.fromhex(digest)
    if len(found) != len(pairs):
        raise LogIncomplete(f"the log lacks {sorted(pairs - found.keys())[:5]}")
    return found


def _computed(compute):
    """Run a merkle computation against the stored tree, reading only the nodes it needs."""
    known = _node_hashes(merkle.nodes_needed(compute))
    return compute(lambda level, index: known[(level, index)])


def log_size() -> int:
    last = LogLeaf.objects.order_by("-index").values_list("index", flat=True).first()
    return 0 if last is None else last + 1


def tree_root(size: int) -> bytes:
    return _computed(lambda get: merkle.root(size, get))


def leaves_range(start: int, end: int) -> list[dict]:
    """The leaves [start, end) that exist, as the public reads them."""
    return [
        {"index": index, "data": data, "leaf_hash": digest}
        for index, data, digest in LogLeaf.objects.filter(index__gte=start, index__lt=end)
        .order_by("index")
        .values_list("index", "data", "leaf_hash")
    ]


def consistency_proof(first: int, second: int) -> dict:
    """The RFC 9162 proof that the tree of `second` leaves extends the tree of `first`."""
    path = _computed(lambda get: merkle.consistency_path(first, second, get))
    return {"first": first, "second": second, "proof": [node.hex() for node in path]}


def _leaf_proof(leaf: LogLeaf, path: list[bytes]) -> dict:
    return {
        "leaf_index": leaf.index,
        "sequence": leaf.sequence,
        "leaf_data": leaf.data,
        "leaf_hash": leaf.leaf_hash,
        "audit_path": [node.hex() for node in path],
    }


def inclusion_proof_for(record: Pledge, tree_size: int | None = None) -> dict | None:
    """The proof that a pledge's leaf is in the tree of `tree_size` (default: the latest
    checkpoint's), with that tree's root and checkpoint (None if none has exactly that size)
    and, once the pledge is withdrawn within that tree, the withdrawal's proof.

    None when the pledge is not in that tree (or no checkpoint exists yet).
    """
    checkpoint = _checkpoint_of_size(tree_size) if tree_size else _latest()
    size = tree_size or (checkpoint.tree_size if checkpoint else 0)
    leaves = {
        leaf.sequence: leaf
        for leaf in LogLeaf.objects.filter(
            code_sha256=code_sha256(record.verification_code), index__lt=size
        )
    }
    leaf = leaves.pop(record.sequence, None)
    if leaf is None:
        return None
    withdrawal = next(iter(leaves.values()), None)

    def compute(get):
        return (
            merkle.inclusion_path(leaf.index, size, get),
            merkle.inclusion_path(withdrawal.index, size, get) if withdrawal else None,
            None if checkpoint else merkle.root(size, get),
        )

    path, withdrawal_path, root = _computed(compute)
    return {
        **_leaf_proof(leaf, path),
        "tree_size": size,
        "root_hash": checkpoint.root_hash if checkpoint else root.hex(),
        "checkpoint": checkpoint_dict(checkpoint) if checkpoint else None,
        "withdrawal": _leaf_proof(withdrawal, withdrawal_path) if withdrawal else None,
    }


def leaf_of(record: Pledge) -> LogLeaf | None:
    return LogLeaf.objects.filter(sequence=record.sequence).first()


# --- the signing key -------------------------------------------------------------------


def _write_new_key(path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
        handle.write(pem)
    os.chmod(handle.name, 0o600)
    try:
        # Linking fails if another process made the key first: theirs is kept.
        os.link(handle.name, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(handle.name)


@functools.cache
def _load_key(raw: str, path: str, create: bool):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
    )

    if raw:
        text = raw.strip()
        if "BEGIN" in text:
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            try:
                key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(text, validate=True))
            except ValueError as error:
                raise ImproperlyConfigured(
                    "LOG_SIGNING_KEY must be an Ed25519 private key: PEM, or 32 bytes in base64."
                ) from error
    elif path:
        file = Path(path)
        if not file.exists():
            if not create:
                raise ImproperlyConfigured(f"LOG_SIGNING_KEY_FILE {path} does not exist.")
            _write_new_key(file)
        key = serialization.load_pem_private_key(file.read_bytes(), password=None)
    else:
        raise ImproperlyConfigured("Set LOG_SIGNING_KEY or LOG_SIGNING_KEY_FILE.")
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("The log signing key must be an Ed25519 key.")
    return key


def signing_key():
    """The Ed25519 key that signs checkpoints (made on first use in development)."""
    return _load_key(
        settings.LOG_SIGNING_KEY,
        str(settings.LOG_SIGNING_KEY_FILE or ""),
        settings.LOG_SIGNING_KEY_DEVELOPMENT,
    )


def origin() -> str:
    """The log's name, the first line of every checkpoint and the signer's name."""
    return settings.LOG_ORIGIN or f"{urlsplit(settings.SITE_URL).netloc}/log"


def public_key_bytes() -> bytes:
    from cryptography.hazmat.primitives import serialization

    return (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


def key_id() -> bytes:
    """C2SP signed note key hash: SHA-256(name || "\\n" || 0x01 || public key)[:4]."""
    return hashlib.sha256(origin().encode() + b"\n\x01" + public_key_bytes()).digest()[:4]


def public_key_info() -> dict:
    """The public half of the key in the forms verifiers read."""
    from cryptography.hazmat.primitives import serialization

    raw = public_key_bytes()
    pem = (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    vkey = f"{origin()}+{key_id().hex()}+{base64.b64encode(b'\x01' + raw).decode()}"
    return {"base64": base64.b64encode(raw).decode(), "pem": pem, "vkey": vkey}


# --- checkpoints -----------------------------------------------------------------------


def checkpoint_body(*, name: str, size: int, root_hash: bytes, moment) -> str:
    """The signed text: origin, size, base64 root hash, time (C2SP tlog-checkpoint)."""
    stamp = moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{name}\n{size}\n{base64.b64encode(root_hash).decode()}\ntimestamp {stamp}\n"


def checkpoint_note(checkpoint: LogCheckpoint) -> str:
    """The checkpoint as a signed note: body, blank line, signature line."""
    name = checkpoint.body.split("\n", 1)[0]
    signature = base64.b64encode(
        bytes.fromhex(checkpoint.key_id) + base64.b64decode(checkpoint.signature)
    ).decode()
    return f"{checkpoint.body}\n\u2014 {name} {signature}\n"


def checkpoint_dict(checkpoint: LogCheckpoint) -> dict:
    return {
        "origin": checkpoint.body.split("\n", 1)[0],
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root_hash,
        "timestamp": checkpoint.published_at.astimezone(datetime.UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        ),
        "key_id": checkpoint.key_id,
        "note": checkpoint_note(checkpoint),
    }


def _latest() -> LogCheckpoint | None:
    return LogCheckpoint.objects.order_by("-published_at", "-pk").first()


def _checkpoint_of_size(size: int) -> LogCheckpoint | None:
    return LogCheckpoint.objects.filter(tree_size=size).order_by("-published_at", "-pk").first()


def latest_checkpoint() -> dict | None:
    """The newest signed checkpoint as a dict (see `checkpoint_dict`), or None."""
    checkpoint = _latest()
    return checkpoint_dict(checkpoint) if checkpoint else None


@transaction.atomic
def checkpoint_publish(*, only_if_grown: bool = False) -> LogCheckpoint | None:
    """Sign and store a checkpoint of the log as it is now (None if unchanged and asked so)."""
    ChainHead.objects.select_for_update().get_or_create(id=1)
    catch_up()
    size = log_size()
    latest = _latest()
    if only_if_grown and latest is not None and latest.tree_size >= size:
        return None
    moment = timezone.now().replace(microsecond=0)
    if latest is not None and moment <= latest.published_at:
        moment = latest.published_at + datetime.timedelta(seconds=1)
    root_hash = tree_root(size)
    body = checkpoint_body(name=origin(), size=size, root_hash=root_hash, moment=moment)
    checkpoint = LogCheckpoint(
        tree_size=size,
        root_hash=root_hash.hex(),
        published_at=moment,
        body=body,
        key_id=key_id().hex(),
        signature=base64.b64encode(signing_key().sign(body.encode())).decode(),
    )
    checkpoint.full_clean()
    checkpoint.save(force_insert=True)
    return checkpoint


def certificate_entry(pledge: Pledge) -> dict | None:
    """What a certificate prints of the log: the pledge's entry, the checkpoint that covers
    it (when one does yet) and where the proof is; None if the pledge is not in the log."""
    leaf = leaf_of(pledge)
    if leaf is None:
        return None
    checkpoint = _latest()
    covered = checkpoint is not None and leaf.index < checkpoint.tree_size
    url = settings.SITE_URL + reverse("log:log-inclusion-proof", args=[pledge.verification_code])
    return {
        "leaf_index": leaf.index,
        "tree_size": checkpoint.tree_size if covered else None,
        "root_hash": checkpoint.root_hash if covered else None,
        # Once covered, the proof against that checkpoint; before, against the latest one.
        "proof_url": f"{url}?tree_size={checkpoint.tree_size}" if covered else url,
    }
