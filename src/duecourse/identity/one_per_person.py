"""Sources that hold each person once: the candidates of a record compete.

An agency may declare that a source holds **one record per person** — a roster, a transfer list
from another custody, a deduplicated register. Between two such sources a record matches at most
one record of the other, and two records of the same such source are never one person (not
compared; a cannot-link for the clustering when blocking pairs them). The
pairwise model scores every pair as if it were alone; under the declaration the posterior of a
pair also depends on the record's other candidates in the other list:

    odds'(a, b) = O(a, b) / (q + Σ O(a, b') + Σ O(a', b))

where ``O = 2 ** match_weight`` is the pair's own posterior odds, the sums run over the other
candidates of ``a`` in ``b``'s source and of ``b`` in ``a``'s source, and ``q`` is the chance that
a record has no match in the other list (the prior of "none of them"). ``q`` is estimated from
the data as ``1 − M / size`` of the larger list (the larger ``q`` of the two sides, so the
smaller raise), where ``M`` is the expected number of matches between the two lists (the sum of
the pairwise probabilities of their pairs that no veto refuses). A lone candidate between two
lists that overlap fully is raised; two candidates for one record lower each other.

``q`` is never taken below :data:`NULL_FLOOR`: duecourse never believes that more than 99.9 % of
a list has a match in the other, so a lone candidate's odds are raised at most 1,000-fold (about
10 bits of match weight). The adjustment is one more bar of the match-weight waterfall
("one record per person"), stored beside the pair, and vetoes still refuse what they refuse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["NULL_FLOOR", "Declared"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]
B = npt.NDArray[np.bool_]

NULL_FLOOR = 0.001


@dataclass(frozen=True)
class Declared:
    """Each record's source as a number, and whether each source holds one record per person
    (worked out once per linkage: a million records are a million strings to look at)."""

    source: I64
    holds_one: B

    @classmethod
    def of(cls, sources: Sequence[str], declared: frozenset[str]) -> Declared | None:
        """None when no source is declared."""
        if not declared:
            return None
        index: dict[str, int] = {}
        codes = np.fromiter((index.setdefault(s, len(index)) for s in sources), np.int64,
                            count=len(sources))
        return cls(codes, np.array([name in declared for name in index], bool))

    def same_source(self, left: I64, right: I64) -> B:
        """Pairs of two records of the same declared source: never one person, not compared."""
        s = self.source
        out: B = (s[left] == s[right]) & self.holds_one[s[left]]
        return out

    def competition(self, left: I64, right: I64, weight: F64, veto: U8) -> F64 | None:
        """The match weight each pair gains (or loses) from the declaration: 0 for a pair unless
        both of its records come from declared sources (different ones); None when no pair does
        (a million records make tens of millions of pairs: no array of zeros for them)."""
        s, flag = self.source, self.holds_one
        sl, sr = s[left], s[right]
        both = flag[sl] & flag[sr] & (sl != sr)
        if not both.any():
            return None
        out = np.zeros(len(left))
        idx = np.flatnonzero(both)
        a, b, sa, sb, w = left[idx], right[idx], sl[idx], sr[idx], weight[idx]
        k = np.int64(len(flag))
        # log2 of Σ odds over a's other candidates in b's source, and b's in a's source.
        row = _log2_others(np.unique(a * k + sb, return_inverse=True)[1], w)
        col = _log2_others(np.unique(b * k + sa, return_inverse=True)[1], w)
        q = np.log2(_none_of_them(s, sa, sb, w, veto[idx]))
        out[idx] = -np.logaddexp2(np.logaddexp2(q, row), col)
        return out


def _log2_others(group: I64, w: F64) -> F64:
    """For each pair, log2 of the summed odds ``2 ** w`` of the other pairs of its group (−inf
    when it is alone), without overflow and without subtracting a large odds from a sum that
    holds it: the sum is scaled by the group's largest odds, and the largest pair's others are
    summed on their own."""
    order = np.lexsort((-w, group))
    g = group[order]
    top = np.ones(len(g), bool)
    top[1:] = g[1:] != g[:-1]
    best = np.empty(int(g.max()) + 1)
    best[g[top]] = w[order][top]
    term = np.exp2(w - best[group])  # ≤ 1; the group's largest is 1
    is_top = np.zeros(len(w), bool)
    is_top[order[top]] = True
    rest = np.bincount(group, np.where(is_top, 0.0, term))  # all but the largest
    scaled = np.where(is_top, rest[group], 1.0 + np.maximum(rest[group] - term, 0.0))
    with np.errstate(divide="ignore"):
        out: F64 = best[group] + np.log2(scaled)
    return out


def _none_of_them(s: I64, sa: I64, sb: I64, w: F64, veto: U8) -> F64:
    """``q`` of each pair: the chance that a record of the larger list has no match in the
    other, from the expected number of matches between the two lists."""
    size = np.bincount(s)
    lo, hi = np.minimum(sa, sb), np.maximum(sa, sb)
    k = np.int64(len(size))
    _, pair_of = np.unique(lo * k + hi, return_inverse=True)
    p = np.where(veto == 0, 1.0 / (1.0 + np.exp2(-np.clip(w, -200.0, 200.0))), 0.0)
    expected = np.bincount(pair_of, p)[pair_of]
    share = expected / np.maximum(size[lo], size[hi])
    return np.maximum(1.0 - np.minimum(share, 1.0), NULL_FLOOR)
