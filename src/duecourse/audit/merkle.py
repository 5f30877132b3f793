"""RFC 6962 Merkle tree hashing, compact frontiers and proofs.

Everything here is a small pure function over SHA-256 digests (32-byte ``bytes``):

* hashing and the Merkle Tree Hash (MTH): RFC 6962 §2.1 (= RFC 9162 §2.1.1);
* audit (inclusion) paths: RFC 6962 §2.1.1, verified per RFC 9162 §2.1.3.2;
* consistency proofs: RFC 6962 §2.1.2, verified per RFC 9162 §2.1.4.2;
* the frontier (the roots of the perfect subtrees given by the binary
  decomposition of the tree size), which lets the current root be kept up to date
  one append at a time without rereading earlier leaves.

Leaves are always passed around as *leaf hashes* (``leaf_hash(data)``), never raw data,
so proofs and roots can be produced from what the ledger stores.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Frontier",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_from_leaf_hashes",
    "root_of_peaks",
    "verify_consistency",
    "verify_inclusion",
]

_sha256 = hashlib.sha256

HASH_SIZE = 32
"""Length in bytes of every hash in the tree (SHA-256)."""

EMPTY_ROOT: bytes = _sha256(b"").digest()
"""MTH({}) = SHA-256() — the root of the empty tree (RFC 6962 §2.1)."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d): the hash of one leaf (RFC 6962 §2.1).

    The 0x00 prefix separates leaves from interior nodes, so no interior node can
    be passed off as a leaf (second-preimage resistance, RFC 6962 §2.1).
    """
    return _sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node (RFC 6962 §2.1)."""
    return _sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly less than ``n`` (n > 1), as in RFC 6962 §2.1."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of a list of leaf hashes (RFC 6962 §2.1).

    Computed bottom-up one level at a time: adjacent pairs are hashed together and a
    lone node at the right end of a level is carried up unchanged. This yields exactly
    the tree RFC 6962 §2.1 defines by splitting at the largest power of two below n,
    with n - 1 node hashes and no recursion. The empty tree hashes to SHA-256().
    """
    n = len(hashes)
    if n == 0:
        return EMPTY_ROOT
    sha = _sha256
    level: Sequence[bytes] = hashes
    while n > 1:
        it = iter(level)
        upper = [sha(b"\x01" + left + right).digest() for left, right in zip(it, it, strict=False)]
        if n & 1:
            upper.append(level[n - 1])
        level = upper
        n = len(upper)
    return level[0]


def _range_root(hashes: Sequence[bytes], start: int, end: int) -> bytes:
    """MTH(D[start:end]) (RFC 6962 §2.1)."""
    if start == 0 and end == len(hashes):
        return root_from_leaf_hashes(hashes)
    return root_from_leaf_hashes(hashes[start:end])


class Frontier:
    """The compact range [0, size): roots of the perfect subtrees of a tree of ``size`` leaves.

    A tree of n leaves (RFC 6962 §2.1) is, left to right, one perfect subtree for each
    bit set in n, largest first; these subtree roots ("peaks") are all that is needed
    to compute MTH(D[n]) and to extend the tree with another leaf. Appending costs
    O(1) amortised hashes and the state is at most 64 hashes, so a ledger can keep
    ``to_json()`` next to its entries and update it in the same transaction.
    """

    __slots__ = ("_peaks", "_size")

    def __init__(self) -> None:
        self._size = 0
        self._peaks: list[bytes] = []

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    @property
    def peaks(self) -> tuple[bytes, ...]:
        """Roots of the perfect subtrees, largest (leftmost) first."""
        return tuple(self._peaks)

    def append(self, leaf_hash: bytes) -> None:
        """Append one leaf hash, merging equal-sized subtrees (RFC 6962 §2.1 node hashing).

        Each trailing 1-bit of the old size is a perfect subtree that the new leaf
        completes into a larger one.
        """
        if len(leaf_hash) != HASH_SIZE:
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, got {len(leaf_hash)}")
        peaks = self._peaks
        h = leaf_hash
        m = self._size
        while m & 1:
            h = _sha256(b"\x01" + peaks.pop() + h).digest()
            m >>= 1
        peaks.append(h)
        self._size += 1

    def extend(self, leaf_hashes: Sequence[bytes]) -> None:
        """Append several leaf hashes in order."""
        for h in leaf_hashes:
            self.append(h)

    def root(self) -> bytes:
        """MTH of the leaves appended so far (RFC 6962 §2.1): the peaks folded right to left."""
        return root_of_peaks(self._peaks)

    def copy(self) -> Frontier:
        """An independent copy."""
        other = Frontier()
        other._size = self._size
        other._peaks = list(self._peaks)
        return other

    def to_json(self) -> str:
        """Compact JSON ``{"peaks":[hex, ...],"size":n}`` for storage next to the ledger."""
        return json.dumps(
            {"peaks": [p.hex() for p in self._peaks], "size": self._size},
            sort_keys=True,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, data: str | bytes | Mapping[str, object]) -> Frontier:
        """Inverse of :meth:`to_json`; accepts the JSON text or the already-decoded object.

        Raises ValueError unless there is exactly one 32-byte peak per 1-bit of size.
        """
        obj: object = json.loads(data) if isinstance(data, str | bytes) else data
        if not isinstance(obj, Mapping):
            raise ValueError("a frontier is a JSON object with 'size' and 'peaks'")
        size = obj.get("size")
        peaks_hex = obj.get("peaks")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ValueError("frontier 'size' must be a non-negative integer")
        if not isinstance(peaks_hex, list) or not all(isinstance(p, str) for p in peaks_hex):
            raise ValueError("frontier 'peaks' must be a list of hex strings")
        if len(peaks_hex) != size.bit_count():
            raise ValueError(
                f"a frontier of size {size} has {size.bit_count()} peaks, got {len(peaks_hex)}"
            )
        peaks = [bytes.fromhex(p) for p in peaks_hex]
        if any(len(p) != HASH_SIZE for p in peaks):
            raise ValueError(f"every frontier peak must be {HASH_SIZE} bytes")
        f = cls()
        f._size = size
        f._peaks = peaks
        return f

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Frontier):
            return NotImplemented
        return self._size == other._size and self._peaks == other._peaks

    def __repr__(self) -> str:
        return f"Frontier(size={self._size}, root={self.root().hex()})"


def root_of_peaks(peaks: Sequence[bytes]) -> bytes:
    """MTH from the roots of a tree's perfect subtrees, largest (leftmost) first (RFC 6962
    §2.1): folded right to left; the empty tree's root for no peaks."""
    if not peaks:
        return EMPTY_ROOT
    r = peaks[-1]
    for p in reversed(peaks[:-1]):
        r = _sha256(b"\x01" + p + r).digest()
    return r


def inclusion_proof(hashes: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(m, D[n]): the audit path for leaf ``index`` in the tree of ``hashes`` (RFC 6962 §2.1.1).

    Returned bottom-up (sibling of the leaf first), as RFC 6962 §2.1.1 and
    RFC 9162 §2.1.3.1 order it. The RFC's recursion is unrolled top-down with the
    subtree hashes collected in reverse; total work is O(n) hashes.
    """
    n = len(hashes)
    if not 0 <= index < n:
        raise IndexError(f"leaf index {index} is outside a tree of {n} leaves")
    path: list[bytes] = []
    start, end, m = 0, n, index
    while end - start > 1:
        k = _split(end - start)
        if m < k:
            path.append(_range_root(hashes, start + k, end))
            end = start + k
        else:
            path.append(_range_root(hashes, start, start + k))
            start += k
            m -= k
    path.reverse()
    return path


def consistency_proof(hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(m, D[n]) between the first ``old_size`` leaves and all of ``hashes`` (RFC 6962 §2.1.2).

    Follows SUBPROOF(m, D[n], b) of RFC 6962 §2.1.2, unrolled; the result is in the
    RFC's order (deepest node first). For old_size 0 or old_size == n the proof is
    empty (RFC 9162 §2.1.4: nothing needs proving).
    """
    n = len(hashes)
    if not 0 <= old_size <= n:
        raise IndexError(f"old size {old_size} is outside 0..{n}")
    if old_size in (0, n):
        return []
    proof: list[bytes] = []
    start, end, m, complete = 0, n, old_size, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            proof.append(_range_root(hashes, start + k, end))
            end = start + k
        else:
            proof.append(_range_root(hashes, start, start + k))
            start += k
            m -= k
            complete = False
    if not complete:
        proof.append(_range_root(hashes, start, end))
    proof.reverse()
    return proof


def _all_hashes(*hashes: bytes) -> bool:
    return all(len(h) == HASH_SIZE for h in hashes)


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Check an audit path (RFC 6962 §2.1.1) with the algorithm of RFC 9162 §2.1.3.2.

    True only if ``proof`` shows that ``leaf_hash`` is leaf ``index`` of the tree of
    ``size`` leaves whose MTH is ``root``. Any malformed input gives False.
    """
    if not 0 <= index < size or not _all_hashes(leaf_hash, root, *proof):
        return False
    fn, sn = index, size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:  # only when fn == sn: climb past left-edge levels
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Check a consistency proof (RFC 6962 §2.1.2) with the algorithm of RFC 9162 §2.1.4.2.

    True only if the tree of ``old_size`` leaves with root ``old_root`` is a prefix
    of the tree of ``new_size`` leaves with root ``new_root``. Edge cases outside
    the RFC's 0 < old_size < new_size: equal sizes need equal roots and an empty
    proof; old_size 0 needs old_root = SHA-256() and an empty proof.
    """
    if not 0 <= old_size <= new_size or not _all_hashes(old_root, new_root, *proof):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two: the old root is a node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:  # only when fn == sn: climb past left-edge levels
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
