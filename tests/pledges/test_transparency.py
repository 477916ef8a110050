"""The public log of pledges: RFC 9162 hashing and proofs, the stored tree, checkpoints
and the public endpoints."""

import base64
import hashlib
import importlib
import io
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import call_command
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from pledges import merkle, transparency
from pledges.exports import pledge_certificate_pdf
from pledges.models import LogCheckpoint, LogLeaf, LogNode, Pledge
from pledges.services import pledge_withdraw, pledges_import

from .conftest import META, sign

# --- an independent, naive RFC 9162 implementation, straight from the RFC's text ---------


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_mth(d: list[bytes]) -> bytes:
    if not d:
        return _h(b"")
    if len(d) == 1:
        return _h(b"\x00" + d[0])
    k = _k(len(d))
    return _h(b"\x01" + naive_mth(d[:k]) + naive_mth(d[k:]))


def naive_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*naive_path(m, d[:k]), naive_mth(d[k:])]
    return [*naive_path(m - k, d[k:]), naive_mth(d[:k])]


def naive_subproof(m: int, d: list[bytes], whole: bool) -> list[bytes]:
    if m == len(d):
        return [] if whole else [naive_mth(d)]
    k = _k(len(d))
    if m <= k:
        return [*naive_subproof(m, d[:k], whole), naive_mth(d[k:])]
    return [*naive_subproof(m - k, d[k:], False), naive_mth(d[:k])]


def stored(data: list[bytes]):
    """The complete subtrees the log would store for these leaves, as a node getter."""
    nodes = merkle.append(0, {}, [merkle.leaf_hash(x) for x in data])
    return lambda level, index: nodes[(level, index)]


# The Certificate Transparency reference leaves and tree heads (RFC 6962 test data; the
# hashing is the same in RFC 9162).
CT_LEAVES = [bytes.fromhex(x) for x in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
)]  # fmt: skip
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}
CT_CONSISTENCY = {
    (1, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}


def test_roots_match_the_certificate_transparency_reference_heads():
    assert merkle.EMPTY_ROOT.hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    for size in range(1, 9):
        get = stored(CT_LEAVES[:size])
        assert merkle.root(size, get).hex() == CT_ROOTS[size - 1]
        assert naive_mth(CT_LEAVES[:size]).hex() == CT_ROOTS[size - 1]


def test_proofs_match_the_reference_proofs():
    get = stored(CT_LEAVES)
    root = bytes.fromhex(CT_ROOTS[7])
    for (index, size), expected in CT_INCLUSION.items():
        path = merkle.inclusion_path(index, size, get)
        assert [p.hex() for p in path] == expected
        assert merkle.verify_inclusion(index, size, merkle.leaf_hash(CT_LEAVES[index]), path, root)
    for (first, second), expected in CT_CONSISTENCY.items():
        path = merkle.consistency_path(first, second, get)
        assert [p.hex() for p in path] == expected
        first_root = bytes.fromhex(CT_ROOTS[first - 1])
        second_root = bytes.fromhex(CT_ROOTS[second - 1])
        assert merkle.verify_consistency(first, second, first_root, second_root, path)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_every_inclusion_proof_is_the_rfcs_and_only_it_verifies(size_and_index):
    size, index = size_and_index
    data = [i.to_bytes(4, "big") for i in range(size)]
    get = stored(data)
    root = naive_mth(data)
    assert merkle.root(size, get) == root
    path = merkle.inclusion_path(index, size, get)
    assert path == naive_path(index, data)
    leaf = merkle.leaf_hash(data[index])
    assert merkle.verify_inclusion(index, size, leaf, path, root)
    assert not merkle.verify_inclusion(index, size, merkle.leaf_hash(b"forged"), path, root)
    if size > 1:
        assert not merkle.verify_inclusion((index + 1) % size, size, leaf, path, root)
        assert not merkle.verify_inclusion(index, size, leaf, path[:-1], root)
    assert not merkle.verify_inclusion(index, size, leaf, path, _h(b"another root"))


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))))
def test_every_consistency_proof_is_the_rfcs_and_only_it_verifies(sizes):
    first, second = sizes
    data = [i.to_bytes(4, "big") for i in range(second)]
    get = stored(data)
    old, new = naive_mth(data[:first]), naive_mth(data)
    path = merkle.consistency_path(first, second, get)
    assert path == naive_subproof(first, data, True)
    assert merkle.verify_consistency(first, second, old, new, path)
    # A rewritten old history (one entry changed) is caught.
    rewritten = naive_mth([b"rewritten", *data[1:first]])
    assert not merkle.verify_consistency(first, second, rewritten, new, path)
    if first < second:
        assert not merkle.verify_consistency(first, second, old, _h(b"another"), path)


def test_appending_one_leaf_at_a_time_stores_what_one_batch_stores():
    data = [bytes([i]) for i in range(70)]
    one_by_one: dict = {}
    for size, item in enumerate(data):
        known = {node: one_by_one[node] for node in merkle.frontier(size)}
        one_by_one.update(merkle.append(size, known, [merkle.leaf_hash(item)]))
    assert one_by_one == merkle.append(0, {}, [merkle.leaf_hash(x) for x in data])


# --- the stored log -------------------------------------------------------------------------


@pytest.fixture
def chain(world, cycle):
    pledges = [sign(u, cycle) for u in (world.official, world.colleague, world.manager)]
    pledge_withdraw(pledge=pledges[1], by=world.colleague, reason="Left", request_meta=META)
    pledges.append(sign(world.supervisor, cycle))
    return pledges


def _leaf_data() -> list[bytes]:
    return [d.encode() for d in LogLeaf.objects.order_by("index").values_list("data", flat=True)]


def test_every_chained_record_joins_the_log_in_chain_order(chain):
    leaves = list(LogLeaf.objects.order_by("index"))
    assert [(leaf.index, leaf.sequence) for leaf in leaves] == [(i, i + 1) for i in range(5)]
    contents = [json.loads(leaf.data) for leaf in leaves]
    assert [c["kind"] for c in contents] == ["pledge"] * 3 + ["withdrawal", "pledge"]
    # The withdrawal names the pledge it withdraws by the same code digest.
    assert contents[3]["code_sha256"] == contents[1]["code_sha256"]
    assert contents[0]["record_hash"] == chain[0].record_hash
    assert (
        contents[0]["code_sha256"]
        == hashlib.sha256(chain[0].verification_code.encode()).hexdigest()
    )
    assert transparency.tree_root(5) == naive_mth(_leaf_data())
    assert LogNode.objects.count() == 3  # (1, 0), (1, 1) and (2, 0)


def test_the_log_holds_no_personal_data(chain, world):
    text = " ".join(LogLeaf.objects.values_list("data", flat=True))
    people = (world.official, world.colleague, world.manager, world.supervisor)
    private = [META.ip_address, META.user_agent, "Left"]
    private += [p.full_name for p in people] + [p.email for p in people]
    private += [p.verification_code for p in chain]
    assert [value for value in private if value in text] == []
    keys = {key for data in _leaf_data() for key in json.loads(data)}
    assert keys == {
        "v", "kind", "sequence", "code_sha256", "record_hash", "text_sha256", "signed_at",
        "withdrawn_at",
    }  # fmt: skip


def test_existing_pledges_join_the_log_through_the_migration(chain):
    """The data migration backfills a log made before it; the chain keeps verifying."""
    before = _leaf_data()
    LogNode.objects.all().delete()
    LogLeaf.objects.all().delete()
    migration = importlib.import_module("pledges.migrations.0008_log_backfill")
    from django.apps import apps

    migration.backfill(apps, None)
    assert _leaf_data() == before
    assert transparency.tree_root(5) == naive_mth(before)
    call_command("verify_pledges")


def test_a_bulk_import_joins_the_log_in_order(world, cycle, django_capture_on_commit_callbacks):
    sign(world.official, cycle)
    LogLeaf.objects.all().delete()  # as if signed before the log existed
    prepared = [
        Pledge(
            user=user,
            office=world.office,
            cycle=cycle,
            edition=cycle.edition,
            typed_name=user.full_name,
            consent_text="I agree.",
            auth_method=Pledge.AuthMethod.PASSWORD,
            text_sha256="0" * 64,
        )
        for user in (world.colleague, world.manager)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        pledges_import(pledges=prepared)
    assert list(LogLeaf.objects.order_by("index").values_list("sequence", flat=True)) == [1, 2, 3]
    # One checkpoint for the whole batch.
    assert list(LogCheckpoint.objects.values_list("tree_size", flat=True)) == [3]


def test_each_signature_is_followed_by_one_checkpoint(
    world, cycle, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign(world.official, cycle)
    assert LogCheckpoint.objects.get().tree_size == 1
    # Nothing new: the task signs nothing more; the daily command signs afresh anyway.
    from pledges.tasks import publish_checkpoint

    publish_checkpoint.call()
    assert LogCheckpoint.objects.count() == 1
    call_command("publish_checkpoint")
    assert list(LogCheckpoint.objects.values_list("tree_size", flat=True)) == [1, 1]


def _public_key() -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(
        base64.b64decode(transparency.public_key_info()["base64"])
    )


def test_a_checkpoint_is_a_signed_note_of_size_root_and_time(chain):
    checkpoint = transparency.checkpoint_publish()
    lines = checkpoint.body.split("\n")
    assert lines[0] == transparency.origin() == "127.0.0.1:8000/log"
    assert lines[1] == "5"
    assert base64.b64decode(lines[2]) == naive_mth(_leaf_data())
    assert lines[3].startswith("timestamp 20") and lines[3].endswith("Z") and lines[4] == ""
    _public_key().verify(base64.b64decode(checkpoint.signature), checkpoint.body.encode())
    note = transparency.latest_checkpoint()["note"]
    body, _blank, signature_line = note.partition("\n\n")
    assert body + "\n" == checkpoint.body
    name, blob = signature_line.removeprefix("\u2014 ").split()
    blob = base64.b64decode(blob)
    assert name == lines[0]
    assert (
        blob[:4]
        == hashlib.sha256(
            name.encode() + b"\n\x01" + base64.b64decode(transparency.public_key_info()["base64"])
        ).digest()[:4]
    )
    assert blob[4:] == base64.b64decode(checkpoint.signature)


def test_the_key_can_come_from_the_environment(settings, chain):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    settings.LOG_SIGNING_KEY = base64.b64encode(raw).decode()
    checkpoint = transparency.checkpoint_publish()
    key.public_key().verify(base64.b64decode(checkpoint.signature), checkpoint.body.encode())


def test_a_production_portal_without_a_key_refuses_to_sign(settings, chain):
    from django.core.checks import run_checks
    from django.core.exceptions import ImproperlyConfigured

    settings.LOG_SIGNING_KEY_FILE = ""
    with pytest.raises(ImproperlyConfigured):
        transparency.checkpoint_publish()
    assert [e.id for e in run_checks(tags=["security"]) if e.id.startswith("pledges.")] == [
        "pledges.E001"
    ]


# --- the public endpoints ---------------------------------------------------------------


@pytest.fixture
def published(chain):
    transparency.checkpoint_publish()
    return chain


def test_the_latest_checkpoint_is_public_and_briefly_cacheable(client, published):
    response = client.get(reverse("log:log-checkpoint"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=60"
    body = response.json()
    assert body["tree_size"] == 5 and body["root_hash"] == naive_mth(_leaf_data()).hex()


def test_no_checkpoint_yet_is_a_404(client, db):
    assert client.get(reverse("log:log-checkpoint")).status_code == 404


def test_leaves_are_served_in_capped_pages(client, published, monkeypatch):
    url = reverse("log:log-leaves")
    response = client.get(url, {"start": 1, "end": 3})
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"] and "public" in response["Cache-Control"]
    body = response.json()
    assert [leaf["index"] for leaf in body["leaves"]] == [1, 2] and body["end"] == 3
    assert body["leaves"][0]["data"] == _leaf_data()[1].decode()
    # Past the end of the log, only what exists, and only briefly cacheable.
    body = client.get(url, {"start": 3, "end": 100})
    assert body.json()["end"] == 5 and body["Cache-Control"] == "public, max-age=60"
    monkeypatch.setattr(transparency, "MAX_LEAVES", 2)
    assert client.get(url, {"start": 0, "end": 5}).json()["end"] == 2


@pytest.mark.parametrize(
    "query",
    [{}, {"start": 0}, {"start": "x", "end": 2}, {"start": -1, "end": 2}, {"start": 3, "end": 3},
     {"start": 4, "end": 2}, {"start": 5, "end": 9}, {"start": 2**70, "end": 2**71}],
)  # fmt: skip
def test_bad_leaf_ranges_are_400(client, published, query):
    response = client.get(reverse("log:log-leaves"), query)
    assert response.status_code == 400
    assert "error" in response.json() and "no-cache" in response["Cache-Control"]


def test_an_inclusion_proof_for_a_code_verifies(client, published):
    pledge = published[1]  # withdrawn since
    url = reverse("log:log-inclusion-proof", args=[pledge.code_display])
    response = client.get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "public, max-age=60"
    proof = response.json()
    root = bytes.fromhex(proof["checkpoint"]["root_hash"])
    assert proof["tree_size"] == 5 and proof["leaf_index"] == 1
    for entry in (proof, proof["withdrawal"]):
        path = [bytes.fromhex(p) for p in entry["audit_path"]]
        leaf = merkle.leaf_hash(entry["leaf_data"].encode())
        assert merkle.verify_inclusion(entry["leaf_index"], 5, leaf, path, root)
    # Against an earlier size: before the withdrawal was recorded.
    earlier = client.get(url, {"tree_size": 3})
    assert "immutable" in earlier["Cache-Control"]
    earlier = earlier.json()
    assert earlier["tree_size"] == 3 and earlier["withdrawal"] is None
    assert earlier["root_hash"] == naive_mth(_leaf_data()[:3]).hex()
    path = [bytes.fromhex(p) for p in earlier["audit_path"]]
    leaf = merkle.leaf_hash(earlier["leaf_data"].encode())
    assert merkle.verify_inclusion(1, 3, leaf, path, bytes.fromhex(earlier["root_hash"]))


def test_inclusion_proofs_refuse_what_they_cannot_prove(client, published):
    pledge = published[3]
    url = reverse("log:log-inclusion-proof", args=[pledge.verification_code])
    assert client.get(url, {"tree_size": 6}).status_code == 400
    assert client.get(url, {"tree_size": "x"}).status_code == 400
    assert client.get(url, {"tree_size": 4}).status_code == 404  # not yet in that tree
    unknown = reverse("log:log-inclusion-proof", args=["ABCD-EFGH-JKLM-NPQR"])
    assert client.get(unknown).status_code == 404
    assert client.get(reverse("log:log-inclusion-proof", args=["nope"])).status_code == 400


def test_a_consistency_proof_verifies(client, published):
    response = client.get(reverse("log:log-consistency-proof"), {"first": 3, "second": 5})
    assert response.status_code == 200 and "immutable" in response["Cache-Control"]
    path = [bytes.fromhex(p) for p in response.json()["proof"]]
    data = _leaf_data()
    assert merkle.verify_consistency(3, 5, naive_mth(data[:3]), naive_mth(data), path)
    latest = client.get(reverse("log:log-consistency-proof"), {"first": 2})
    assert latest.json()["second"] == 5 and latest["Cache-Control"] == "public, max-age=60"


@pytest.mark.parametrize(
    "query",
    [{}, {"first": 0}, {"first": 6}, {"first": 2, "second": 6}, {"first": 4, "second": 3},
     {"first": "a"}, {"first": 1, "second": -2}],
)  # fmt: skip
def test_bad_consistency_sizes_are_400(client, published, query):
    assert client.get(reverse("log:log-consistency-proof"), query).status_code == 400


def test_the_log_is_rate_limited_per_client(client, published, settings):
    from django.core.cache import cache

    cache.clear()
    settings.LOG_RATE_LIMIT = 2
    url = reverse("log:log-checkpoint")
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get(reverse("log:log-leaves"), {"start": 0, "end": 1}).status_code == 429


@pytest.mark.parametrize("more", [0, 70])
def test_the_proof_reads_a_fixed_number_of_queries(
    client, published, world, cycle, django_assert_num_queries, more
):
    from ..factories import UserFactory

    if more:
        pledges_import(
            pledges=[
                Pledge(
                    user=UserFactory(),
                    office=world.office,
                    cycle=cycle,
                    edition=cycle.edition,
                    typed_name="Someone",
                    consent_text="I agree.",
                    auth_method=Pledge.AuthMethod.PASSWORD,
                    text_sha256="0" * 64,
                )
                for _ in range(more)
            ]
        )
        transparency.checkpoint_publish()
    url = reverse("log:log-inclusion-proof", args=[published[0].verification_code])
    # The pledge, the checkpoint, its leaves, and the leaves and nodes of the path.
    with django_assert_num_queries(5):
        response = client.get(url)
    assert len(response.json()["audit_path"]) == (3 if not more else 7)


def test_the_log_page_shows_the_key_and_the_latest_checkpoint(client, published):
    response = client.get(reverse("log:log-home"))
    assert response.status_code == 200
    text = response.content.decode()
    info = transparency.public_key_info()
    assert info["base64"] in text and info["vkey"] in text
    assert transparency.latest_checkpoint()["root_hash"] in text


# --- the certificate ------------------------------------------------------------------


def _certificate_text(pledge) -> str:
    _name, _type, data = pledge_certificate_pdf(pledge)
    reader = PdfReader(io.BytesIO(data))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def test_the_certificate_names_its_log_entry_checkpoint_and_proof(published):
    pledge = published[2]
    text = _certificate_text(pledge)
    checkpoint = transparency.latest_checkpoint()
    assert "Publiclogofpledges:entry2ofthesignedcheckpointof5entries" in text
    assert checkpoint["root_hash"] in text
    assert f"/log/proof/{pledge.verification_code}?tree_size=5" in text


def test_a_certificate_before_the_next_checkpoint_links_to_the_latest_proof(chain):
    text = _certificate_text(chain[3])
    assert "Publiclogofpledges:entry4,inthenextsignedcheckpoint" in text
    assert text.count(f"/log/proof/{chain[3].verification_code}") == 1
    assert "tree_size" not in text


@pytest.mark.postgres
def test_postgresql_refuses_to_edit_or_delete_the_log(chain, world, cycle):
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    guard = importlib.import_module("pledges.migrations.0009_log_append_only_guard")
    with connection.cursor() as cursor:
        cursor.execute(guard.INSTALL)
    transparency.checkpoint_publish()
    for change in (
        lambda: LogLeaf.objects.filter(index=1).update(data="{}"),
        lambda: LogLeaf.objects.filter(index=4).delete(),
        lambda: LogNode.objects.update(hash="0" * 64),
        lambda: LogCheckpoint.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()
    sign(world.other_official, cycle)  # appending goes on
    assert transparency.log_size() == 6
