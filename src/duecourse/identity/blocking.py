"""Blocking: which pairs of records are compared at all.

Comparing every pair of a million records (5 × 10¹¹ pairs) is out of reach, so only pairs that
agree on at least one *blocking key* are compared. Each rule below is built to catch the true
pairs that the others miss, so that together they keep recall high:

- ``names``: the phonetic keys of the first given name and the first family name, taken as an
  unordered pair (so names written in swapped order still meet, and transliteration variants
  with the same phonetic key too);
- ``name_prefixes``: the first three letters of the given and the family name, unordered (a typo
  later in a name that changes its phonetic key);
- ``birth_date_and_a_name``: the birth date with day and month in either order (a swapped date
  still meets), with any one of the phonetic keys of the first given name, the first family name
  or the last family name, or the first three letters of the family name (so a nickname, a
  second surname written alone, a typo in one name or names in swapped order are still caught);
- ``a_number``: the same A-number;
- ``document_number``: the same identity or travel document number, or one a single edit away
  (the number and its variants with one character deleted are its keys);
- ``address_and_a_name``: the same address with any one of those name keys (a birth date typo
  together with a changed name);
- ``birth_date_and_postcode``: the birth date (day and month in either order) and the postcode
  (both names changed or missing; in a household only twins share both).

A block larger than :data:`MAX_BLOCK` records is skipped (its pairs would add more cost than
evidence); the benchmark reports blocking recall so that this stays visible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .compare import NO_DATE, Table

__all__ = ["BLOCKING_RULES", "MAX_BLOCK", "BlockingRule", "block_keys", "candidate_pairs", "date_key",
           "pairs_in_blocks"]

I64 = npt.NDArray[np.int64]
MAX_BLOCK = 2000
_U64 = npt.NDArray[np.uint64]


def _mix(x: _U64) -> _U64:
    """SplitMix64's finaliser (Steele, Lea and Flood, OOPSLA 2014): every bit of the input
    changes about half the bits of the output."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _combine(*cols: npt.NDArray[np.integer]) -> I64:
    """One key per row from several codes: a 63-bit hash of the codes in order; -1 where any
    part is missing (negative).

    Any codes combine, however many distinct values a vocabulary holds or however far a birth
    year lies: a key is never refused. Two different combinations share a key with probability
    about 2⁻⁶³ per pair of keys, and then they only put a pair in front of the comparisons,
    which tell them apart (a lookup of one record computes the same keys without the rest)."""
    n = len(cols[0])
    out = np.zeros(n, np.uint64)
    bad = np.zeros(n, dtype=bool)
    with np.errstate(over="ignore"):
        for c in cols:
            c64 = c.astype(np.int64)
            bad |= c64 < 0
            out = _mix(out * np.uint64(0x9E3779B97F4A7C15) + c64.astype(np.uint64))
    key = (out >> np.uint64(1)).astype(np.int64)
    key[bad] = -1
    return key


def date_key(t: Table) -> I64:
    """Year, and day and month in either order (any year a date can have)."""
    lo = np.minimum(t.dob_m, t.dob_d).astype(np.int64)
    hi = np.maximum(t.dob_m, t.dob_d).astype(np.int64)
    key = t.dob_y.astype(np.int64) * 1000 + lo * 32 + hi
    key[t.dob == NO_DATE] = -1
    return key


def _names(t: Table) -> I64:
    g, f = t.given.first_key, t.family.first_key
    return _combine(np.minimum(g, f), np.maximum(g, f))


def _prefixes(t: Table) -> I64:
    """First three letters of the given and the family name, in either order."""
    g, f = t.given.prefix, t.family.prefix
    return _combine(np.minimum(g, f), np.maximum(g, f))


def _name_keys(t: Table) -> list[tuple[int, npt.NDArray[np.int32]]]:
    """Keys a record can be found by: the phonetic keys of the first given name and of the first
    and last family name, and the first three letters of the family name (a typo that changes
    its sound: George, Georg).

    Either name may have been written in the other's place, so a rule keyed on "a name" takes
    each of them in turn; the letters are kept apart from the sounds (their codes are of
    another vocabulary)."""
    sounds, letters = 0, 1
    return [(sounds, t.given.first_key), (sounds, t.family.first_key), (sounds, t.family.last_key),
            (letters, t.family.prefix)]


def _with_each_name(base: Callable[[Table], I64]) -> Callable[[Table], I64]:
    def key(t: Table) -> I64:
        b = base(t)
        return np.stack([_combine(b, np.full(t.n, kind), k) for kind, k in _name_keys(t)], axis=1)
    return key


@dataclass(frozen=True)
class BlockingRule:
    """A rule keys each record (one key, or one per column of a 2-D key); -1: no key."""

    name: str
    key: Callable[[Table], I64]


BLOCKING_RULES: tuple[BlockingRule, ...] = (
    BlockingRule("names", _names),
    BlockingRule("name_prefixes", _prefixes),
    BlockingRule("birth_date_and_a_name", _with_each_name(date_key)),
    BlockingRule("a_number", lambda t: _combine(t.anum)),
    BlockingRule("document_number", lambda t: t.doc_near.astype(np.int64)),
    BlockingRule("address_and_a_name", _with_each_name(lambda t: t.addr.astype(np.int64))),
    BlockingRule("birth_date_and_postcode", lambda t: _combine(date_key(t), t.postcode)),
)


def pairs_in_blocks(key: I64, max_block: int = MAX_BLOCK) -> tuple[I64, I64]:
    """All pairs (i < j) of rows with a non-negative key in common, skipping oversized blocks.

    A 2-D key gives each row several keys; a pair sharing more than one is returned once per
    shared key (callers deduplicate)."""
    if key.ndim == 2:
        rows = np.repeat(np.arange(key.shape[0], dtype=np.int64), key.shape[1])
        lo, hi = pairs_in_blocks(key.ravel(), max_block)
        lo, hi = rows[lo], rows[hi]
        keep = lo != hi
        return np.minimum(lo[keep], hi[keep]), np.maximum(lo[keep], hi[keep])
    idx = np.nonzero(key >= 0)[0]
    if len(idx) < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.argsort(key[idx], kind="stable")
    idx = idx[order]
    k = key[idx]
    starts = np.r_[0, np.nonzero(np.diff(k))[0] + 1]
    sizes = np.diff(np.r_[starts, len(k)])
    lefts: list[I64] = []
    rights: list[I64] = []
    for s in np.unique(sizes):
        if s < 2 or s > max_block:
            continue
        st = starts[sizes == s]
        a, b = np.triu_indices(int(s), k=1)
        lefts.append(idx[(st[:, None] + a[None, :]).ravel()])
        rights.append(idx[(st[:, None] + b[None, :]).ravel()])
    if not lefts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    left, right = np.concatenate(lefts), np.concatenate(rights)
    lo, hi = np.minimum(left, right), np.maximum(left, right)
    return lo, hi


def candidate_pairs(t: Table, rules: tuple[BlockingRule, ...] = BLOCKING_RULES, *,
                    across_sources_only: bool = False) -> tuple[I64, I64]:
    """The union of every rule's pairs, each pair once, as (left, right) with left < right."""
    codes: list[I64] = []
    n = np.int64(t.n)
    for rule in rules:
        lo, hi = pairs_in_blocks(rule.key(t))
        codes.append(lo * n + hi)
    if not codes:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    allc = _sorted_unique(np.concatenate(codes))
    left, right = allc // n, allc % n
    if across_sources_only:
        src: dict[str, int] = {}
        s = np.array([src.setdefault(x, len(src)) for x in t.sources], dtype=np.int32)
        keep = s[left] != s[right]
        left, right = left[keep], right[keep]
    return left, right


def _sorted_unique(x: I64) -> I64:
    x.sort()
    if len(x) == 0:
        return x
    keep = np.empty(len(x), dtype=bool)
    keep[0] = True
    np.not_equal(x[1:], x[:-1], out=keep[1:])
    return x[keep]


def block_keys(t: Table) -> dict[str, I64]:
    """Each rule's key for every row (the lookup index keeps these)."""
    return {r.name: r.key(t) for r in BLOCKING_RULES}

