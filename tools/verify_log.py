#!/usr/bin/env python3
"""Check the Standards Portal's public log of pledges from outside the portal.

Needs Python 3.11+ and the `cryptography` package, nothing else (no Django, no portal
code): copy this one file anywhere.

    verify_log.py checkpoint  --url URL --key KEY [--save FILE]
    verify_log.py inclusion   --url URL --key KEY CODE [--checkpoint FILE]
    verify_log.py consistency --url URL --key KEY (--mirror DIR | --checkpoint FILE)
    verify_log.py mirror      --url URL --key KEY DIR [--full]

URL is the portal's address (https://portal.example.org). KEY is the log's public key as
the portal's /log/ page shows it: the base64 public key, the verifier key
(name+id+base64), or a file holding either or a PEM public key.

checkpoint   fetches the latest signed checkpoint and checks its signature.
inclusion    checks that the pledge with this verification code (as printed on its
             certificate) is in a signed checkpoint: the latest, or one saved earlier.
consistency  checks that today's log still begins with the history of a saved checkpoint.
mirror       keeps a copy of the log in DIR: the first run saves the checkpoint and every
             entry; each later run checks the new checkpoint against the saved one
             (consistency proof), fetches the new entries, checks that all of them hash to
             the signed root, and only then saves. --full fetches every entry again and
             names the first one that differs from the copy.

Exit codes:
  0  every check passed
  1  a check failed: a bad signature, a proof that does not hold, entries that do not
     match the signed root, or a log whose history differs from the saved one
  2  bad arguments, or the portal could not be reached or answered something unexpected
"""

import argparse
import base64
import binascii
import hashlib
import json
import os
import re
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PAGE = 1000  # entries per request; the portal serves at most this many at once
TIMEOUT = 30


class Failed(Exception):
    """A check failed: exit 1."""


class Trouble(Exception):
    """Bad arguments or an unusable answer: exit 2."""


# --- RFC 9162 Merkle trees ---------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_root(leaves: list[bytes]) -> bytes:
    """MTH over leaf hashes, level by level (an odd last node moves up unchanged)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = list(leaves)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def verify_inclusion(index: int, size: int, leaf: bytes, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, path: list[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2."""
    if not 0 < first <= second:
        return False
    if first == second:
        return not path and first_root == second_root
    if not path:
        return False
    if first & (first - 1) == 0:
        path = [first_root, *path]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


# --- keys and signed checkpoints ---------------------------------------------------------


@dataclass
class Key:
    public: Ed25519PublicKey
    raw: bytes
    name: str | None = None  # known when given as a verifier key

    def key_id(self, name: str) -> bytes:
        return hashlib.sha256(name.encode() + b"\n\x01" + self.raw).digest()[:4]


# A C2SP verifier key: name+key id (8 hex digits)+base64(0x01 || public key).
_VERIFIER_KEY = re.compile(r"^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)$")


def load_key(text: str) -> Key:
    if os.path.isfile(text):
        text = Path(text).read_text()
    text = text.strip()
    try:
        if "BEGIN PUBLIC KEY" in text:
            public = serialization.load_pem_public_key(text.encode())
            if not isinstance(public, Ed25519PublicKey):
                raise Trouble("the key is not an Ed25519 key")
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return Key(public, raw)
        verifier = _VERIFIER_KEY.match(text)
        if verifier:
            name, _hex_id, encoded = verifier.groups()
            blob = base64.b64decode(encoded, validate=True)
            if len(blob) != 33 or blob[0] != 1:
                raise Trouble("the verifier key is not an Ed25519 key")
            return Key(Ed25519PublicKey.from_public_bytes(blob[1:]), blob[1:], name)
        raw = base64.b64decode(text, validate=True)
        return Key(Ed25519PublicKey.from_public_bytes(raw), raw)
    except (ValueError, binascii.Error) as error:
        raise Trouble(f"cannot read the public key: {error}") from error


@dataclass
class Checkpoint:
    origin: str
    size: int
    root: bytes
    timestamp: str
    note: str

    def describe(self) -> str:
        return f"{self.size} entries, root {self.root.hex()}, signed {self.timestamp}"


_SIGNATURE = re.compile(r"^\u2014 (\S+) ([A-Za-z0-9+/=]+)$")


def read_checkpoint(note: str, key: Key) -> Checkpoint:
    """Parse a signed note and check its signature with the key; Failed if it does not hold."""
    body, separator, signatures = note.partition("\n\n")
    if not separator:
        raise Trouble("not a signed note: no blank line before the signatures")
    body += "\n"
    lines = body.split("\n")[:-1]
    if len(lines) < 3:
        raise Trouble("not a checkpoint: it needs an origin, a size and a root hash")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    try:
        size = int(size_text)
        root = base64.b64decode(root_text, validate=True)
    except (ValueError, binascii.Error) as error:
        raise Trouble(f"not a checkpoint: {error}") from error
    timestamp = next((ln.split(" ", 1)[1] for ln in lines[3:] if ln.startswith("timestamp ")), "")
    if key.name is not None and key.name != origin:
        raise Failed(f"the checkpoint is of log {origin!r}, the key of {key.name!r}")
    wanted = key.key_id(origin)
    for line in signatures.splitlines():
        match = _SIGNATURE.match(line)
        if not match or match.group(1) != origin:
            continue
        blob = base64.b64decode(match.group(2))
        if blob[:4] != wanted:
            continue
        try:
            key.public.verify(blob[4:], body.encode())
        except InvalidSignature:
            raise Failed("the checkpoint's signature does not match its text") from None
        return Checkpoint(origin, size, root, timestamp, note)
    raise Failed("the checkpoint carries no signature by this key")


# --- talking to the portal ---------------------------------------------------------------


def fetch(base: str, path: str, **params) -> dict:
    url = base.rstrip("/") + path
    if not url.startswith(("http://", "https://")):
        raise Trouble(f"{base}: the portal's address starts with https:// (or http://)")
    if params:
        url += "?" + urllib.parse.urlencode(params)
    headers = {"Accept": "application/json", "User-Agent": "verify_log.py"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (checked above)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        try:
            detail = json.loads(error.read().decode("utf-8")).get("error", "")
        except ValueError:
            detail = ""
        raise Trouble(f"{url}: HTTP {error.code} {detail}".rstrip()) from None
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        raise Trouble(f"{url}: {error}") from None


def latest_checkpoint(base: str, key: Key) -> Checkpoint:
    return read_checkpoint(fetch(base, "/log/checkpoint")["note"], key)


def fetch_leaves(base: str, start: int, end: int) -> list[str]:
    """The leaf data of entries [start, end), each checked against its stated hash."""
    leaves: list[str] = []
    while start + len(leaves) < end:
        first = start + len(leaves)
        page = fetch(base, "/log/leaves", start=first, end=min(end, first + PAGE))
        served = page.get("leaves") or []
        if not served:
            raise Trouble(f"the portal served no entries from {first}")
        for offset, leaf in enumerate(served):
            if leaf["index"] != first + offset:
                raise Failed(f"entry {first + offset} was served out of order")
            leaves.append(leaf["data"])
    return leaves


def consistency(base: str, old: Checkpoint, new: Checkpoint) -> None:
    if new.size < old.size:
        raise Failed(
            f"the log shrank: it had {old.size} entries, it now claims {new.size}; "
            "its history was rewritten"
        )
    if old.size == 0:
        return
    proof = fetch(base, "/log/consistency", first=old.size, second=new.size)
    path = [bytes.fromhex(node) for node in proof["proof"]]
    if not verify_consistency(old.size, new.size, old.root, new.root, path):
        raise Failed(
            f"the log of {new.size} entries does not begin with the saved log of {old.size}: "
            "its history was rewritten"
        )


# --- commands ----------------------------------------------------------------------------


def normalize_code(code: str) -> str:
    return re.sub(r"[\s\-\u2010-\u2015\u2212]", "", code).upper()


def check_entry(proof: dict, size: int, root: bytes) -> dict:
    data = proof["leaf_data"]
    if leaf_hash(data.encode()).hex() != proof["leaf_hash"]:
        raise Failed(f"entry {proof['leaf_index']}: its data does not match its hash")
    path = [bytes.fromhex(node) for node in proof["audit_path"]]
    if not verify_inclusion(proof["leaf_index"], size, leaf_hash(data.encode()), path, root):
        raise Failed(f"entry {proof['leaf_index']} is not in the signed log of {size} entries")
    return json.loads(data)


def command_checkpoint(args, key: Key) -> str:
    checkpoint = latest_checkpoint(args.url, key)
    if args.save:
        Path(args.save).write_text(checkpoint.note)
    return f"Checkpoint of {checkpoint.origin}: {checkpoint.describe()}. Signature valid."


def command_inclusion(args, key: Key) -> str:
    code = normalize_code(args.code)
    if args.checkpoint:
        checkpoint = read_checkpoint(Path(args.checkpoint).read_text(), key)
    else:
        checkpoint = latest_checkpoint(args.url, key)
    proof = fetch(args.url, f"/log/proof/{code}", tree_size=checkpoint.size)
    entry = check_entry(proof, checkpoint.size, checkpoint.root)
    if entry.get("code_sha256") != hashlib.sha256(code.encode()).hexdigest():
        raise Failed("the entry served is not the one of this verification code")
    message = (
        f"Pledge {code} is entry {proof['leaf_index']} (signed {entry.get('signed_at')}) "
        f"of the log of {checkpoint.describe()}. Proof of inclusion holds."
    )
    if proof.get("withdrawal"):
        withdrawal = check_entry(proof["withdrawal"], checkpoint.size, checkpoint.root)
        if withdrawal.get("code_sha256") != entry["code_sha256"]:
            raise Failed("the withdrawal served is not of this pledge")
        message += f" It was withdrawn at {withdrawal.get('withdrawn_at')} (entry also proven)."
    return message


def _mirror_checkpoint(folder: Path, key: Key) -> Checkpoint | None:
    saved = folder / "checkpoint.txt"
    return read_checkpoint(saved.read_text(), key) if saved.exists() else None


def command_consistency(args, key: Key) -> str:
    if args.mirror:
        old = _mirror_checkpoint(Path(args.mirror), key)
        if old is None:
            raise Trouble(f"{args.mirror} holds no saved checkpoint; run mirror first")
    elif args.checkpoint:
        old = read_checkpoint(Path(args.checkpoint).read_text(), key)
    else:
        raise Trouble("give --mirror DIR or --checkpoint FILE")
    new = latest_checkpoint(args.url, key)
    consistency(args.url, old, new)
    return f"The log of {new.describe()} extends the saved log of {old.size} entries."


def _write(path: Path, text: str) -> None:
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as handle:
        handle.write(text)
    os.replace(handle.name, path)


def command_mirror(args, key: Key) -> str:
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    old = _mirror_checkpoint(folder, key)
    saved_file = folder / "leaves.jsonl"
    saved = saved_file.read_text().splitlines() if saved_file.exists() else []
    if old is not None and merkle_root([leaf_hash(d.encode()) for d in saved]) != old.root:
        raise Failed("the mirror's own entries do not match its saved checkpoint")
    new = latest_checkpoint(args.url, key)
    if old is not None:
        consistency(args.url, old, new)
    if args.full or old is None:
        leaves = fetch_leaves(args.url, 0, new.size)
        for index, (before, now) in enumerate(zip(saved, leaves, strict=False)):
            if before != now:
                raise Failed(f"entry {index} differs from the saved copy: history was rewritten")
    else:
        leaves = saved + fetch_leaves(args.url, len(saved), new.size)
    if merkle_root([leaf_hash(d.encode()) for d in leaves]) != new.root:
        raise Failed(f"the {new.size} entries served do not hash to the signed root")
    _write(saved_file, "".join(f"{d}\n" for d in leaves))
    history = folder / "checkpoints"
    history.mkdir(exist_ok=True)
    stamp = re.sub(r"[^0-9A-Za-z]", "", new.timestamp) or "undated"
    _write(history / f"{new.size:012d}-{stamp}.txt", new.note)
    _write(folder / "checkpoint.txt", new.note)
    if old is None:
        return f"Mirror started: {new.describe()}. Every entry hashes to the signed root."
    return (
        f"Mirror updated: {new.describe()}; consistent with the saved {old.size} entries; "
        "every entry hashes to the signed root."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("checkpoint", "inclusion", "consistency", "mirror"):
        sub = commands.add_parser(name)
        sub.add_argument("--url", required=True, help="the portal's address")
        sub.add_argument("--key", required=True, help="the log's public key, or a file")
        if name == "checkpoint":
            sub.add_argument("--save", help="write the signed checkpoint to this file")
        if name == "inclusion":
            sub.add_argument("code", help="the verification code on the certificate")
            sub.add_argument("--checkpoint", help="a saved checkpoint to check against")
        if name == "consistency":
            sub.add_argument("--mirror", help="a mirror folder")
            sub.add_argument("--checkpoint", help="a saved checkpoint file")
        if name == "mirror":
            sub.add_argument("folder", help="where the copy is kept")
            sub.add_argument("--full", action="store_true", help="fetch every entry again")
    args = parser.parse_args(argv)
    run = {
        "checkpoint": command_checkpoint,
        "inclusion": command_inclusion,
        "consistency": command_consistency,
        "mirror": command_mirror,
    }[args.command]
    try:
        print(run(args, load_key(args.key)))
    except Failed as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    except Trouble as trouble:
        print(f"ERROR: {trouble}", file=sys.stderr)
        return 2
    except (KeyError, TypeError, ValueError) as error:
        print(f"ERROR: unexpected answer from the portal: {error!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
