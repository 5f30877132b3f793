"""RFC 6962 Merkle tree: known-answer vectors, a recursive reference, and properties."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from duecourse.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

# Known-answer vectors: the 8-leaf tree used by the certificate-transparency test suites
# (transparency-dev/merkle testonly/constants.go and proof/verify_test.go), used as data.
CT_LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
# Root for every tree size 0..8.
CT_ROOTS = [
    bytes.fromhex(h)
    for h in [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
]
# Perfect-subtree node hashes of the 8-leaf tree, by level (0 = leaf hashes).
CT_NODES = [
    [
        bytes.fromhex(h)
        for h in [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
        ]
    ],
    [
        bytes.fromhex(h)
        for h in [
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        ]
    ],
    [
        bytes.fromhex(h)
        for h in [
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ]
    ],
    [bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")],
]
N0, N1, N2, N3 = CT_NODES
# Frontier peaks (compact range [0, size)) for sizes 0..8.
CT_PEAKS: list[list[bytes]] = [
    [],
    [N0[0]],
    [N1[0]],
    [N1[0], N0[2]],
    [N2[0]],
    [N2[0], N0[4]],
    [N2[0], N1[2]],
    [N2[0], N1[2], N0[6]],
    [N3[0]],
]
# (0-based leaf index, tree size, audit path)
CT_INCLUSION: list[tuple[int, int, list[bytes]]] = [
    (0, 1, []),
    (0, 8, [N0[1], N1[1], N2[1]]),
    (5, 8, [N0[4], N1[3], N2[0]]),
    (2, 3, [N1[0]]),
    (1, 5, [N0[0], N1[1], N0[4]]),
]
# (old size, new size, consistency proof)
CT_CONSISTENCY: list[tuple[int, int, list[bytes]]] = [
    (1, 1, []),
    (1, 8, [N0[1], N1[1], N2[1]]),
    (6, 8, [N1[2], N1[3], N2[0]]),
    (2, 5, [N1[1], N0[4]]),
    (6, 7, [N1[2], N0[6], N2[0]]),
]
CT_HASHES = [leaf_hash(d) for d in CT_LEAVES]

SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


# --- A deliberately naive reference, transcribed from the RFC 6962 definitions. ---


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: list[bytes]) -> bytes:
    """MTH(D[n]) of RFC 6962 §2.1, recursively, over leaf hashes."""
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return d[0]
    k = _k(len(d))
    return node_hash(ref_mth(d[:k]), ref_mth(d[k:]))


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 §2.1.1."""
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of RFC 6962 §2.1.2."""
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = _k(n)
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def hashes_for(n: int, salt: bytes = b"") -> list[bytes]:
    return [leaf_hash(salt + i.to_bytes(4, "big")) for i in range(n)]


def flip(h: bytes, bit: int = 3) -> bytes:
    return bytes([h[0] ^ (1 << bit)]) + h[1:]


# --- Hashing and roots ---


def test_leaf_and_node_prefixes() -> None:
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert (
        node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    )
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT


def test_leaf_hashes_match_vectors() -> None:
    assert CT_HASHES == N0


@pytest.mark.parametrize("size", range(9))
def test_roots_match_vectors(size: int) -> None:
    assert root_from_leaf_hashes(CT_HASHES[:size]) == CT_ROOTS[size]


def test_node_vectors_are_consistent() -> None:
    for level in range(1, 4):
        below = CT_NODES[level - 1]
        assert CT_NODES[level] == [
            node_hash(below[2 * i], below[2 * i + 1]) for i in range(len(below) // 2)
        ]


def test_root_matches_reference_up_to_300() -> None:
    hs = hashes_for(300)
    for n in range(301):
        assert root_from_leaf_hashes(hs[:n]) == ref_mth(hs[:n]), n


def test_root_accepts_tuple() -> None:
    assert root_from_leaf_hashes(tuple(CT_HASHES)) == CT_ROOTS[8]


@pytest.mark.slow
def test_root_of_many_leaves_equals_frontier_root() -> None:
    hs = hashes_for(100_003)
    root = root_from_leaf_hashes(hs)
    f = Frontier()
    f.extend(hs)
    assert f.root() == root


# --- Frontier ---


@pytest.mark.parametrize("size", range(9))
def test_frontier_peaks_match_vectors(size: int) -> None:
    f = Frontier()
    f.extend(CT_HASHES[:size])
    assert f.size == size
    assert list(f.peaks) == CT_PEAKS[size]
    assert f.root() == CT_ROOTS[size]


def test_frontier_root_equals_mth_for_every_size_to_300() -> None:
    hs = hashes_for(300)
    f = Frontier()
    assert f.root() == EMPTY_ROOT == root_from_leaf_hashes([])
    for n, h in enumerate(hs, start=1):
        f.append(h)
        assert f.size == n
        assert len(f.peaks) == n.bit_count()
        assert f.root() == root_from_leaf_hashes(hs[:n]), n


@given(st.lists(st.binary(max_size=40), max_size=200))
def test_frontier_root_equals_mth_random(data: list[bytes]) -> None:
    hs = [leaf_hash(d) for d in data]
    f = Frontier()
    f.extend(hs)
    assert f.root() == root_from_leaf_hashes(hs) == ref_mth(hs)


@given(st.integers(min_value=0, max_value=2000), st.integers(min_value=0, max_value=50))
@settings(max_examples=50)
def test_frontier_json_round_trip_and_resume(size: int, more: int) -> None:
    hs = hashes_for(size + more, salt=b"j")
    f = Frontier()
    f.extend(hs[:size])
    text = f.to_json()
    g = Frontier.from_json(text)
    assert g == f
    assert g.root() == f.root()
    assert Frontier.from_json(json.loads(text)) == f
    g.extend(hs[size:])  # resuming from storage gives the same tree as never stopping
    assert g.root() == root_from_leaf_hashes(hs)


def test_frontier_json_shape() -> None:
    f = Frontier()
    f.extend(CT_HASHES[:7])
    assert json.loads(f.to_json()) == {"size": 7, "peaks": [p.hex() for p in CT_PEAKS[7]]}


@pytest.mark.parametrize(
    "bad",
    [
        "[]",
        '{"size": -1, "peaks": []}',
        '{"size": true, "peaks": []}',
        '{"size": 3, "peaks": ["' + "00" * 32 + '"]}',
        '{"size": 1, "peaks": ["00"]}',
        '{"size": 1, "peaks": [1]}',
        '{"size": 1}',
    ],
)
def test_frontier_from_json_rejects_malformed(bad: str) -> None:
    with pytest.raises(ValueError):
        Frontier.from_json(bad)


def test_frontier_rejects_wrong_length_leaf() -> None:
    with pytest.raises(ValueError):
        Frontier().append(b"short")


def test_frontier_copy_is_independent() -> None:
    f = Frontier()
    f.extend(CT_HASHES[:3])
    g = f.copy()
    g.append(CT_HASHES[3])
    assert f.size == 3 and g.size == 4
    assert f.root() == CT_ROOTS[3] and g.root() == CT_ROOTS[4]


# --- Inclusion proofs ---


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION)
def test_inclusion_vectors(index: int, size: int, path: list[bytes]) -> None:
    assert inclusion_proof(CT_HASHES[:size], index) == path
    assert verify_inclusion(CT_HASHES[index], index, size, path, CT_ROOTS[size])


def _inclusion_probes(
    index: int, size: int, path: list[bytes], root: bytes, leaf: bytes
) -> list[tuple[bytes, int, int, list[bytes], bytes]]:
    """Corruptions of a good proof, in the style of the transparency-dev test suite."""
    probes = [
        (leaf, index - 1, size, path, root),
        (leaf, index + 1, size, path, root),
        (leaf, index ^ 2, size, path, root),
        (leaf, index, size * 2, path, root),
        (leaf, index, size // 2, path, root),
        (b"WrongLeaf", index, size, path, root),
        (flip(leaf), index, size, path, root),
        (leaf, index, size, path, EMPTY_ROOT),
        (leaf, index, size, path, SOME_HASH),
        (leaf, index, size, [*path, b""], root),
        (leaf, index, size, [*path, root], root),
        (leaf, index, size, [b"", *path], root),
        (leaf, index, size, [root, *path], root),
    ]
    for i in range(len(path)):
        bad = list(path)
        bad[i] = flip(bad[i])
        probes.append((leaf, index, size, bad, root))
    if path:
        probes.append((leaf, index, size, path[:-1], root))
    if len(path) > 1:
        probes.append((leaf, index, size, [path[0], SOME_HASH, *path[1:]], root))
    return probes


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION)
def test_inclusion_vectors_reject_corruptions(index: int, size: int, path: list[bytes]) -> None:
    for probe in _inclusion_probes(index, size, path, CT_ROOTS[size], CT_HASHES[index]):
        assert not verify_inclusion(*probe), probe


def test_inclusion_round_trip_all_sizes_to_64() -> None:
    hs = hashes_for(65)
    for n in range(1, 65):
        tree = hs[:n]
        root = root_from_leaf_hashes(tree)
        bigger = root_from_leaf_hashes(hs[: n + 1])
        for i in range(n):
            path = inclusion_proof(tree, i)
            assert path == ref_path(i, tree), (i, n)
            assert verify_inclusion(tree[i], i, n, path, root), (i, n)
            if n > 1:
                assert not verify_inclusion(tree[(i + 1) % n], i, n, path, root)
                assert not verify_inclusion(tree[i], (i + 1) % n, n, path, root)
                # A path alone does not bind the tree size (the signed tree head does), but
                # it never proves inclusion under the root of a different tree.
                assert not verify_inclusion(tree[i], i, n + 1, path, bigger)


def test_inclusion_degenerate_inputs() -> None:
    h = leaf_hash(b"data")
    assert verify_inclusion(h, 0, 1, [], h)
    assert not verify_inclusion(h, 0, 1, [], b"")
    assert not verify_inclusion(b"", 0, 1, [], h)
    for index, size in [(0, 0), (1, 0), (2, 1), (-1, 1)]:
        assert not verify_inclusion(SOME_HASH, index, size, [], EMPTY_ROOT)
    with pytest.raises(IndexError):
        inclusion_proof([], 0)
    with pytest.raises(IndexError):
        inclusion_proof(CT_HASHES, 8)
    with pytest.raises(IndexError):
        inclusion_proof(CT_HASHES, -1)


@given(st.data())
@settings(max_examples=200)
def test_inclusion_property(data: st.DataObject) -> None:
    n = data.draw(st.integers(min_value=1, max_value=700))
    i = data.draw(st.integers(min_value=0, max_value=n - 1))
    tree = hashes_for(n, salt=b"p")
    root = root_from_leaf_hashes(tree)
    path = inclusion_proof(tree, i)
    assert len(path) <= (n - 1).bit_length()
    assert verify_inclusion(tree[i], i, n, path, root)
    if path:
        k = data.draw(st.integers(min_value=0, max_value=len(path) - 1))
        bit = data.draw(st.integers(min_value=0, max_value=7))
        bad = list(path)
        bad[k] = flip(bad[k], bit)
        assert not verify_inclusion(tree[i], i, n, bad, root)


# --- Consistency proofs ---


@pytest.mark.parametrize(("old", "new", "proof"), CT_CONSISTENCY)
def test_consistency_vectors(old: int, new: int, proof: list[bytes]) -> None:
    assert consistency_proof(CT_HASHES[:new], old) == proof
    assert verify_consistency(old, new, CT_ROOTS[old], CT_ROOTS[new], proof)


@pytest.mark.parametrize(("old", "new", "proof"), [c for c in CT_CONSISTENCY if c[2]])
def test_consistency_vectors_reject_corruptions(old: int, new: int, proof: list[bytes]) -> None:
    r1, r2 = CT_ROOTS[old], CT_ROOTS[new]
    probes: list[tuple[int, int, bytes, bytes, list[bytes]]] = [
        (old - 1, new, r1, r2, proof),
        (old + 1, new, r1, r2, proof),
        (old ^ 2, new, r1, r2, proof),
        (old, new * 2, r1, r2, proof),
        (old, new // 2, r1, r2, proof),
        (old, new, b"WrongRoot", r2, proof),
        (old, new, r1, b"WrongRoot", proof),
        (old, new, r2, r1, proof),
        (old, new, r1, r2, []),
        (old, new, r1, r2, [*proof, b""]),
        (old, new, r1, r2, [*proof, r1]),
        (old, new, r1, r2, [*proof, r2]),
        (old, new, r1, r2, [b"", *proof]),
        (old, new, r1, r2, [r1, *proof]),
        (old, new, r1, r2, [r2, *proof]),
        (old, new, r1, r2, [proof[0], *proof]),
        (old, new, r1, r2, proof[:-1]),
    ]
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = flip(bad[i], 4)
        probes.append((old, new, r1, r2, bad))
    for probe in probes:
        assert not verify_consistency(*probe), probe


def test_consistency_edge_cases() -> None:
    r1, r2 = SOME_HASH, flip(SOME_HASH)
    e = EMPTY_ROOT
    assert verify_consistency(0, 0, e, e, [])
    assert verify_consistency(0, 1, e, r2, [])
    assert verify_consistency(1, 1, r2, r2, [])
    assert not verify_consistency(0, 0, r1, r2, [])
    assert not verify_consistency(0, 1, r1, r2, [])  # the empty tree's root is SHA-256()
    assert not verify_consistency(1, 1, r1, r2, [])
    assert not verify_consistency(1, 0, r1, r2, [])  # time travel
    assert not verify_consistency(2, 1, r1, r2, [])
    assert not verify_consistency(1, 2, r1, r2, [])  # empty proof
    assert not verify_consistency(0, 0, e, e, [e])  # roots match but proof not empty
    assert not verify_consistency(0, 1, e, e, [e])
    assert not verify_consistency(1, 1, e, e, [e])
    assert consistency_proof(CT_HASHES, 0) == []
    assert consistency_proof(CT_HASHES, 8) == []
    with pytest.raises(IndexError):
        consistency_proof(CT_HASHES, 9)
    with pytest.raises(IndexError):
        consistency_proof(CT_HASHES, -1)


def test_consistency_round_trip_all_sizes_to_64() -> None:
    hs = hashes_for(64)
    roots = [root_from_leaf_hashes(hs[:n]) for n in range(65)]
    for n in range(1, 65):
        tree = hs[:n]
        for m in range(0, n + 1):
            proof = consistency_proof(tree, m)
            if 0 < m < n:
                assert proof == ref_subproof(m, tree, True), (m, n)
            assert verify_consistency(m, n, roots[m], roots[n], proof), (m, n)
            if 0 < m < n:
                assert not verify_consistency(m, n, roots[m], roots[n - 1], proof)
                assert not verify_consistency(m, n, roots[m - 1], roots[n], proof)
                other = hashes_for(n, salt=b"other")
                assert not verify_consistency(m, n, roots[m], root_from_leaf_hashes(other), proof)


@given(st.data())
@settings(max_examples=200)
def test_consistency_property(data: st.DataObject) -> None:
    n = data.draw(st.integers(min_value=2, max_value=700))
    m = data.draw(st.integers(min_value=1, max_value=n - 1))
    tree = hashes_for(n, salt=b"c")
    old_root, new_root = root_from_leaf_hashes(tree[:m]), root_from_leaf_hashes(tree)
    proof = consistency_proof(tree, m)
    assert verify_consistency(m, n, old_root, new_root, proof)
    k = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
    bad = list(proof)
    bad[k] = flip(bad[k], data.draw(st.integers(min_value=0, max_value=7)))
    assert not verify_consistency(m, n, old_root, new_root, bad)
    # An old tree that differs in any one leaf is not a prefix of the new one.
    j = data.draw(st.integers(min_value=0, max_value=m - 1))
    forged = list(tree[:m])
    forged[j] = flip(forged[j])
    assert not verify_consistency(m, n, root_from_leaf_hashes(forged), new_root, proof)
