"""RFC 9162 Merkle trees: hashing, inclusion and consistency proofs, and their checks.

Pure functions, no database. A tree is read through `get(level, index)`, the hash of the
complete subtree over leaves [index * 2**level, (index + 1) * 2**level); level 0 is a
leaf's hash. Every range an RFC 9162 proof needs starts on a multiple of a power of two at
least its size, so it is a handful of such complete subtrees.
"""

import hashlib
from collections.abc import Callable, Iterable

NodeGetter = Callable[[int, int], bytes]


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_hash(start: int, end: int, get: NodeGetter) -> bytes:
    """MTH(D[start:end]) for a range that starts on a multiple of its split."""
    size = end - start
    if size <= 0:
        return EMPTY_ROOT
    if size & (size - 1) == 0:
        level = size.bit_length() - 1
        if start % size:
            raise ValueError(f"range [{start}, {end}) is not aligned")
        return get(level, start >> level)
    k = _split(size)
    return node_hash(range_hash(start, start + k, get), range_hash(start + k, end, get))


def root(size: int, get: NodeGetter) -> bytes:
    return range_hash(0, size, get)


def inclusion_path(index: int, size: int, get: NodeGetter) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1, nearest the leaf first."""
    if not 0 <= index < size:
        raise ValueError("the leaf is not in the tree")

    def path(m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = _split(n)
        if m - start < k:
            return [*path(m, start, start + k), range_hash(start + k, end, get)]
        return [*path(m, start + k, end), range_hash(start, start + k, get)]

    return path(index, 0, size)


def consistency_path(first: int, second: int, get: NodeGetter) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1; empty when the sizes are equal."""
    if not 0 < first <= second:
        raise ValueError("sizes must satisfy 0 < first <= second")

    def subproof(m: int, start: int, end: int, whole: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if whole else [range_hash(start, end, get)]
        k = _split(n)
        if m <= k:
            return [*subproof(m, start, start + k, whole), range_hash(start + k, end, get)]
        return [*subproof(m - k, start + k, end, False), range_hash(start, start + k, get)]

    return subproof(first, 0, second, True)


def nodes_needed(compute: Callable[[NodeGetter], object]) -> set[tuple[int, int]]:
    """The (level, index) pairs a computation reads: its shape never depends on the hashes."""
    seen: set[tuple[int, int]] = set()

    def record(level: int, index: int) -> bytes:
        seen.add((level, index))
        return bytes(32)

    compute(record)
    return seen


def frontier(size: int) -> list[tuple[int, int]]:
    """The complete subtrees a tree of this size ends with, left to right."""
    nodes, start = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size & (1 << level):
            nodes.append((level, start >> level))
            start += 1 << level
    return nodes


def append(
    size: int, known: dict[tuple[int, int], bytes], leaf_hashes: Iterable[bytes]
) -> dict[tuple[int, int], bytes]:
    """The complete subtrees that appending these leaves completes (leaves included).

    `known` holds at least the frontier of the tree of `size` leaves.
    """
    made: dict[tuple[int, int], bytes] = {}
    nodes = dict(known)
    for digest in leaf_hashes:
        level, index = 0, size
        nodes[(0, index)] = made[(0, index)] = digest
        while index & 1:
            digest = node_hash(nodes[(level, index - 1)], digest)
            level, index = level + 1, index >> 1
            nodes[(level, index)] = made[(level, index)] = digest
        size += 1
    return made


def _lsb(value: int) -> bool:
    return bool(value & 1)


def verify_inclusion(
    index: int, size: int, leaf: bytes, path: list[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does this path lead from the leaf hash to the root?"""
    if not 0 <= index < size:
        return False
    fn, sn, result = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return False
        if _lsb(fn) or fn == sn:
            result = node_hash(sibling, result)
            while not _lsb(fn) and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and result == expected_root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, path: list[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree of `second` leaves an extension of the first?"""
    if not 0 < first <= second:
        return False
    if first == second:
        return not path and first_root == second_root
    if not path:
        return False
    if first & (first - 1) == 0:
        path = [first_root, *path]
    fn, sn = first - 1, second - 1
    while _lsb(fn):
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if _lsb(fn) or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not _lsb(fn) and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0
