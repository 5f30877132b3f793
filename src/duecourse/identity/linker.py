"""Linking records to persons: scores, vetoes, the two thresholds, clusters, explanations.

:func:`link` compares every candidate pair (see :mod:`.blocking`), scores it with the model, and
sorts it into one of three bins:

- **auto-link**: probability at or above ``thresholds.auto_link`` and no veto;
- **review**: between the two thresholds, or above the upper one but vetoed — a person decides;
- **new person**: below ``thresholds.new_person`` — no link.

Vetoes (household-aware rules that no weight of evidence overrides; ``Model.vetoes`` lists
those in force):

- ``a_number``: both records carry an A-number and they differ;
- ``birth_date``: birth dates more than a year apart (not a day/month swap);
- ``household``: the records share an address and their birth dates disagree, or their sexes
  differ;
- ``sibling``: the given names are different (not equal, close, nickname or initial) while the
  records share an address or a family name;
- ``household_given_name_unknown``: the records share an address and one has no given name or
  only an initial, without the same birth date and sex.

The last three tell relatives apart and do not apply when both records carry the same A-number
or the same document number (relatives never share one; their A-numbers are often one digit
apart, which is a veto itself). A different document number is no veto: one person may hold a
passport and a consular card, or renew a passport.

The address, the family name, often the nationality and, for twins, the birth date are shared
by everyone in a household, so they cannot tell its members apart: identity must come from the
personal fields. This is what keeps siblings, twins, and a father and his namesake son from
being linked as one person. The first four say "two people" and are *cannot-links* for
clustering; the last only says "unsure".

Persons are built from auto-links only, and a component of auto-links that holds a cannot-link
is taken apart (:func:`_split_component`): plain connected components would let one wrong link
chain two people together (A–B and B–C linked although A and C are plainly two people). The
links refused this way go to review. A record whose only links await review keeps a person of
its own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .blocking import candidate_pairs
from .compare import (
    ANUM,
    CHUNK,
    COMPARISONS,
    DOB,
    DOC,
    FAMILY,
    GIVEN,
    LOC,
    SEX,
    Pairs,
    Table,
    compare_pairs,
    in_chunks,
)
from .model import Model
from .one_per_person import Declared
from .records import Record

__all__ = [
    "VETO_A_NUMBER",
    "VETO_BIRTH_DATE",
    "VETO_HOUSEHOLD",
    "VETO_SIBLING",
    "VETO_UNNAMED",
    "Explanation",
    "LinkResult",
    "ScoredPair",
    "WaterfallStep",
    "explain",
    "link",
    "veto_mask",
    "veto_names",
    "vetoes",
]

VETO_A_NUMBER = 1
VETO_BIRTH_DATE = 2
VETO_HOUSEHOLD = 4
VETO_SIBLING = 8
VETO_UNNAMED = 16
_VETO_NAMES = ((VETO_A_NUMBER, "a_number"), (VETO_BIRTH_DATE, "birth_date"),
               (VETO_HOUSEHOLD, "household"), (VETO_SIBLING, "sibling"),
               (VETO_UNNAMED, "household_given_name_unknown"))
# Vetoes that say "two people" (a cannot-link for clustering); VETO_UNNAMED only says "unsure".
CONTRADICTIONS = VETO_A_NUMBER | VETO_BIRTH_DATE | VETO_HOUSEHOLD | VETO_SIBLING

NONE, REVIEW, AUTO = 0, 1, 2
U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

_G = COMPARISONS[GIVEN]
_F = COMPARISONS[FAMILY]
_D = COMPARISONS[DOB]
_L = COMPARISONS[LOC]
_A = COMPARISONS[ANUM]
_DOC_EXACT = COMPARISONS[DOC].level("exact")

def _levels_in(comp: int, names: tuple[str, ...]) -> npt.NDArray[np.bool_]:
    """A lookup table: is level j of comparison ``comp`` one of ``names``?"""
    c = COMPARISONS[comp]
    out = np.zeros(len(c.levels), dtype=bool)
    out[[c.level(x) for x in names]] = True
    return out


_GIVEN_RELATED = _levels_in(GIVEN, ("exact", "close", "nickname"))
_FAMILY_AGREE = _levels_in(FAMILY, ("exact", "part", "close"))
_DOB_AGREE_OR_MISSING = _levels_in(DOB, ("exact", "swapped", "close", "missing"))
_SAME_ADDRESS = _levels_in(LOC, ("address", "address_close"))


def veto_mask(names: tuple[str, ...]) -> int:
    """The bits of the named vetoes."""
    return sum(bit for bit, name in _VETO_NAMES if name in names)


def vetoes(p: Pairs, enabled: int = 0xFF) -> U8:
    """Veto bits of each compared pair (0: none), keeping only the ``enabled`` bits."""
    lv = p.levels
    out = np.zeros(len(p.left), np.uint8)
    out[lv[:, ANUM] == COMPARISONS[ANUM].level("different")] |= VETO_A_NUMBER
    out[p.dob_far] |= VETO_BIRTH_DATE
    # The household rules tell relatives apart by their personal fields; they do not apply when
    # a shared A-number or document number already says whose record it is (relatives never
    # share one).
    relatives_possible = (lv[:, ANUM] != _A.level("exact")) & (lv[:, DOC] != _DOC_EXACT)
    same_address = _SAME_ADDRESS[lv[:, LOC]]
    household = relatives_possible & same_address & (
        ~_DOB_AGREE_OR_MISSING[lv[:, DOB]] | (lv[:, SEX] == COMPARISONS[SEX].level("different")))
    out[household] |= VETO_HOUSEHOLD
    sibling = relatives_possible & (lv[:, GIVEN] == _G.level("different")) & (
        same_address | _FAMILY_AGREE[lv[:, FAMILY]])
    out[sibling] |= VETO_SIBLING
    # At a shared address an initial or no given name is enough only with the same birth date
    # and sex (twins then differ in given names, on the records that carry them: clustering).
    nameless = (lv[:, GIVEN] == _G.level("missing")) | (lv[:, GIVEN] == _G.level("initial"))
    unnamed = relatives_possible & same_address & nameless & ~(
        (lv[:, DOB] == _D.level("exact")) & (lv[:, SEX] == COMPARISONS[SEX].level("exact")))
    out[unnamed] |= VETO_UNNAMED
    return out & np.uint8(enabled)


def veto_names(bits: int) -> tuple[str, ...]:
    return tuple(name for bit, name in _VETO_NAMES if bits & bit)


def probability(weight: F64) -> F64:
    return 1.0 / (1.0 + np.exp2(-np.clip(weight, -1000, 1000)))


@dataclass(frozen=True)
class ScoredPair:
    left: str  # record id
    right: str
    probability: float
    match_weight: float
    vetoes: tuple[str, ...]
    competition_weight: float = 0.0  # already in match_weight (see :mod:`.one_per_person`)


@dataclass
class LinkResult:
    """Every candidate pair scored, the decision on each, and the persons (clusters).

    Columnar, so that a million records stay light: ``left``/``right`` index ``record_ids``.
    ``person_of[i]`` is the person id of record ``record_ids[i]``: the smallest record id of
    its cluster, so it is stable for the same input.
    """

    record_ids: list[str]
    left: I64
    right: I64
    match_weight: F64
    veto: U8
    decision: U8  # NONE, REVIEW, AUTO per pair (after clustering)
    person_of: list[str]
    refused_links: int  # auto-link pairs turned to review because they would chain two people
    # Match weight each pair gained or lost between one-record-per-person lists (None: none did).
    competition: F64 | None = None

    @property
    def probability(self) -> F64:
        """Match probability of each pair (computed from the match weights)."""
        return probability(self.match_weight)

    def _pairs(self, mask: npt.NDArray[np.bool_]) -> list[ScoredPair]:
        ids = self.record_ids
        w = self.match_weight[mask]
        gained = np.zeros(len(w)) if self.competition is None else self.competition[mask]
        return [ScoredPair(ids[a], ids[b], float(p), float(x), veto_names(int(v)), float(c))
                for a, b, p, x, v, c in zip(self.left[mask], self.right[mask], probability(w), w,
                                            self.veto[mask], gained, strict=True)]

    @property
    def auto_links(self) -> list[ScoredPair]:
        return self._pairs(self.decision == AUTO)

    @property
    def auto_link_count(self) -> int:
        return int((self.decision == AUTO).sum())

    @property
    def review(self) -> list[ScoredPair]:
        """Pairs a person must decide, strongest first; only pairs still in different clusters."""
        out = self._pairs(self.decision == REVIEW)
        out.sort(key=lambda s: -s.match_weight)
        return out

    @property
    def clusters(self) -> dict[str, str]:
        """record id → person id."""
        return dict(zip(self.record_ids, self.person_of, strict=True))

    def review_items(self) -> int:
        """Distinct pairs of persons with at least one pair under review: the queue's length."""
        pid = {p: i for i, p in enumerate(dict.fromkeys(self.person_of))}
        idx = np.array([pid[p] for p in self.person_of], np.int64)
        m = self.decision == REVIEW
        a, b = idx[self.left[m]], idx[self.right[m]]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        return len(np.unique(lo * len(pid) + hi))

    def iter_review(self) -> Iterator[ScoredPair]:
        yield from self.review


def _components(n: int, left: I64, right: I64) -> I64:
    """Connected components of the graph of ``n`` records and the given links: each record's
    label is the smallest record index of its component."""
    graph = coo_matrix((np.ones(len(left), np.int8), (left, right)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    smallest = np.full(int(label.max(initial=0)) + 1, n, np.int64)
    np.minimum.at(smallest, label, np.arange(n, dtype=np.int64))
    out: I64 = smallest[label]
    return out


def _split_component(nodes: list[int], edges: list[tuple[float, int, int]],
                     cannot: list[tuple[int, int]]) -> dict[int, int]:
    """Cluster one connected component of auto-links that holds cannot-link pairs.

    1. Set aside, one at a time, the record in the most remaining conflicts (ties: the one with
       the least link weight, then the lowest index) until no conflict is left among the rest.
    2. The rest form clusters by their links (no conflict remains among them); the records set
       aside form clusters among themselves, strongest link first, never across a conflict.
    3. A cluster of set-aside records joins a cluster of the rest it links to, unless a conflict
       lies between them.
    4. A record whose links to another cluster weigh at least half as much as its links within
       its own is ambiguous (a record without birth date linked to a father and to his son of
       the same name, say): it is taken out on its own, and a person decides.
    Returns each node's cluster label.
    """
    conflicts: dict[int, set[int]] = {v: set() for v in nodes}
    for a, b in cannot:
        conflicts[a].add(b)
        conflicts[b].add(a)
    support: dict[int, float] = dict.fromkeys(nodes, 0.0)
    adj: dict[int, list[tuple[int, float]]] = {v: [] for v in nodes}
    for w, a, b in edges:
        support[a] += w
        support[b] += w
        adj[a].append((b, w))
        adj[b].append((a, w))
    aside: set[int] = set()
    live = {v: len(c) for v, c in conflicts.items() if c}
    while live:
        v = max(live, key=lambda x: (live[x], -support[x], -x))
        aside.add(v)
        del live[v]
        for u in conflicts[v]:
            if u in live:
                live[u] -= 1
                if live[u] == 0:
                    del live[u]
    label = {v: v for v in nodes}

    def find(x: int) -> int:
        while label[x] != x:
            label[x] = label[label[x]]
            x = label[x]
        return x

    members: dict[int, set[int]] = {v: {v} for v in nodes}

    def banned(r: int) -> set[int]:
        out: set[int] = set()
        for x in members[r]:
            out |= conflicts[x]
        return out

    def merge(a: int, b: int, check: bool) -> None:
        ra, rb = find(a), find(b)
        if ra == rb:
            return
        if check and (banned(ra) & members[rb]):
            return
        if len(members[ra]) < len(members[rb]):
            ra, rb = rb, ra
        label[rb] = ra
        members[ra] |= members.pop(rb)

    ordered = sorted(edges, reverse=True)
    for _w, a, b in ordered:  # 2: the rest
        if a not in aside and b not in aside:
            merge(a, b, check=False)
    for _w, a, b in ordered:  # 2: the records set aside
        if a in aside and b in aside:
            merge(a, b, check=True)
    for _w, a, b in ordered:  # 3
        if (a in aside) != (b in aside):
            merge(a, b, check=True)
    out = {v: find(v) for v in nodes}
    for v in _ambiguous(nodes, adj, out):  # 4
        out[v] = -1 - v  # alone
    return out


def _ambiguous(nodes: list[int], adj: dict[int, list[tuple[int, float]]],
               label: dict[int, int]) -> list[int]:
    """Records whose links to another cluster weigh at least half their links within their own,
    most ambiguous first; each one found no longer counts for the others (a nameless record
    between twins makes itself ambiguous, not the twins' own records)."""
    gone: set[int] = set()
    while True:
        worst, worst_ratio = -1, 0.5
        for v in nodes:
            if v in gone:
                continue
            own = 0.0
            other: dict[int, float] = {}
            for u, w in adj[v]:
                if u in gone:
                    continue
                if label[u] == label[v]:
                    own += w
                else:
                    other[label[u]] = other.get(label[u], 0.0) + w
            if not other:
                continue
            ratio = max(other.values()) / own if own > 0 else float("inf")
            if ratio >= worst_ratio and (ratio > worst_ratio or worst < 0):
                worst, worst_ratio = v, ratio
        if worst < 0:
            return sorted(gone)
        gone.add(worst)


def _cluster(n: int, left: I64, right: I64, weight: F64, auto: npt.NDArray[np.bool_],
             cl: I64, cr: I64) -> tuple[I64, npt.NDArray[np.bool_]]:
    """Cluster id per record, and which auto pairs were refused (see module docstring);
    ``cl``/``cr``: the cannot-link pairs."""
    comp = _components(n, left[auto], right[auto])
    label = comp.copy()
    conflict = comp[cl] == comp[cr]
    if conflict.any():
        bad = np.zeros(n, dtype=bool)
        bad[comp[cl[conflict]]] = True
        in_bad = bad[comp]
        auto_idx = np.nonzero(auto & in_bad[left])[0]
        can_idx = np.nonzero(in_bad[cl] & conflict)[0]
        by_comp: dict[int, tuple[list[tuple[float, int, int]], list[tuple[int, int]]]] = {}
        for i in auto_idx.tolist():
            by_comp.setdefault(int(comp[left[i]]), ([], []))[0].append(
                (float(weight[i]), int(left[i]), int(right[i])))
        for i in can_idx.tolist():
            by_comp.setdefault(int(comp[cl[i]]), ([], []))[1].append((int(cl[i]), int(cr[i])))
        nodes_of: dict[int, list[int]] = {}
        for v in np.nonzero(in_bad)[0].tolist():
            nodes_of.setdefault(int(comp[v]), []).append(v)
        for c, (edges, cannots) in by_comp.items():
            for v, lab in _split_component(nodes_of[c], edges, cannots).items():
                label[v] = lab if lab >= 0 else n + v  # a label no component uses
    # The links kept are those within one label; clusters are their connected components.
    kept = auto & (label[left] == label[right])
    return _components(n, left[kept], right[kept]), auto & ~kept


def _score(t: Table, left: I64, right: I64, model: Model) -> tuple[F64, U8]:
    """Match weight and veto bits of each pair, compared a chunk at a time (as many at once as
    there are cores): the levels are not kept (a million records make tens of millions of
    pairs)."""
    weight = np.empty(len(left))
    v = np.empty(len(left), np.uint8)
    mask = veto_mask(model.vetoes)

    def one(k: int) -> None:
        p = compare_pairs(t, left[k:k + CHUNK], t, right[k:k + CHUNK])
        weight[k:k + CHUNK] = model.match_weight(p.levels)
        v[k:k + CHUNK] = vetoes(p, mask)

    in_chunks(len(left), one)
    return weight, v


def link(records: Sequence[Record], model: Model, *, across_sources_only: bool = False,
         one_per_person: frozenset[str] = frozenset()) -> LinkResult:
    """Link records to persons with ``model``. Pure: reads nothing, writes nothing.

    ``across_sources_only`` compares only records of different sources. ``one_per_person``
    names the sources declared to hold one record per person: their records are never linked
    to each other, and between two of them a record's candidates compete
    (:mod:`.one_per_person`).
    """
    return link_table(Table.from_records(records), model, across_sources_only=across_sources_only,
                      one_per_person=one_per_person)


def link_table(t: Table, model: Model, *, across_sources_only: bool = False,
               candidates: tuple[I64, I64] | None = None,
               one_per_person: frozenset[str] = frozenset()) -> LinkResult:
    """:func:`link` on a prepared table (``candidates``: pairs already blocked, if any)."""
    if candidates is None:
        candidates = candidate_pairs(t, across_sources_only=across_sources_only)
    model = model.for_population(t.n)
    left, right = candidates
    apart_l = apart_r = np.zeros(0, np.int64)
    declared = Declared.of(t.sources, one_per_person)
    if declared is not None:  # never one person: not scored, but a cannot-link for clustering
        apart = declared.same_source(left, right)
        apart_l, apart_r = left[apart], right[apart]
        left, right = left[~apart], right[~apart]
    weight, v = _score(t, left, right, model)
    gained = None if declared is None else declared.competition(left, right, weight, v)
    if gained is not None:
        weight += gained
    th = model.thresholds
    # Thresholds on the weight scale: p >= t  <=>  w >= log2(t / (1 - t)).
    auto = (weight >= np.log2(th.auto_link / (1 - th.auto_link))) & (v == 0)
    cannot = (v & CONTRADICTIONS) != 0
    comp, refused = _cluster(t.n, left, right, weight, auto,
                             np.concatenate([left[cannot], apart_l]),
                             np.concatenate([right[cannot], apart_r]))
    auto &= ~refused
    # Person ids: the smallest record id of each cluster.
    ids = t.record_ids
    rep: dict[int, str] = {}
    for i, c in enumerate(comp.tolist()):
        r = rep.get(c)
        if r is None or ids[i] < r:
            rep[c] = ids[i]
    person_of = [rep[c] for c in comp.tolist()]
    review = ~auto & (weight >= np.log2(th.new_person / (1 - th.new_person))) & (comp[left] != comp[right])
    decision = np.zeros(len(left), np.uint8)
    decision[review] = REVIEW
    decision[auto] = AUTO
    return LinkResult(ids, left, right, weight, v, decision, person_of, int(refused.sum()), gained)


# --- explanation --------------------------------------------------------------------------------

@dataclass(frozen=True)
class WaterfallStep:
    """One bar of the match-weight waterfall."""

    comparison: str  # "prior" for the first step
    level: str
    description: str
    left_value: str
    right_value: str
    match_weight: float  # this step's log2 Bayes factor (the prior's log2 odds for the first)
    cumulative_weight: float
    cumulative_probability: float


@dataclass(frozen=True)
class Explanation:
    left: str
    right: str
    steps: tuple[WaterfallStep, ...]
    match_weight: float
    probability: float
    vetoes: tuple[str, ...]
    names_swapped: bool
    decision: str  # "auto_link", "review" or "new_person"

    def as_dict(self) -> dict[str, object]:
        return {
            "left": self.left, "right": self.right, "probability": self.probability,
            "match_weight": self.match_weight, "vetoes": list(self.vetoes),
            "names_swapped": self.names_swapped, "decision": self.decision,
            "steps": [s.__dict__ for s in self.steps],
        }


# The comparison that reads each field a value can be flagged in (the place is read whole).
_COMPARED_IN = {"given_name": 0, "family_name": 1, "birth_date": 2, "sex": 3, "nationality": 4,
                "a_number": 5, "address": 6, "city": 6, "postcode": 6, "document_number": 7}


def _values(r: Record) -> tuple[str, ...]:
    """The values each comparison read; where it read nothing because the source's value was not
    valid, that value as given and why ("given as '1944-59-09' (not a date in the calendar)")."""
    loc = ", ".join(x for x in (r.address, r.city, r.postcode) if x)
    out = [r.given_name, r.family_name, r.birth_date.isoformat() if r.birth_date else "", r.sex,
           r.nationality, r.a_number, loc, r.document_number]
    for f in r.flags:
        k = _COMPARED_IN.get(f.field)
        if k is not None and not out[k]:
            out[k] = f"given as {f.given!r} ({f.reason}); not compared"
    return tuple(out)


def decide(prob: float, veto_bits: int, model: Model) -> str:
    th = model.thresholds
    if prob >= th.auto_link and not veto_bits:
        return "auto_link"
    if prob >= th.new_person:
        return "review"
    return "new_person"


def explanation_from(levels: npt.NDArray[np.int8], swapped: bool, veto_bits: int,
                     left: Record, right: Record, model: Model,
                     competition: float = 0.0) -> Explanation:
    """The waterfall of one compared pair (levels: one row of a :class:`Pairs` level matrix);
    ``competition``: the weight the pair gained or lost as its records' other candidates in two
    one-record-per-person sources were weighed (a last bar when not zero)."""
    steps: list[WaterfallStep] = []
    cum = model.prior_weight
    steps.append(WaterfallStep("prior", "", "two records drawn at random are the same person",
                               "", "", cum, cum, float(probability(np.array([cum]))[0])))
    lv_vals, rv_vals = _values(left), _values(right)
    if swapped:  # the right record's names were read crosswise
        rv_vals = (right.family_name, right.given_name, *rv_vals[2:])
    for k, comp in enumerate(COMPARISONS):
        j = int(levels[k])
        params = model.levels[k][j]
        cum += params.weight
        steps.append(WaterfallStep(comp.name, comp.levels[j], comp.descriptions[j], lv_vals[k],
                                   rv_vals[k], params.weight, cum,
                                   float(probability(np.array([cum]))[0])))
    if competition:
        cum += competition
        steps.append(WaterfallStep(
            "one_record_per_person", "raised" if competition > 0 else "lowered", _COMPETITION,
            left.source, right.source, competition, cum, float(probability(np.array([cum]))[0])))
    prob = float(probability(np.array([cum]))[0])
    return Explanation(left.record_id, right.record_id, tuple(steps), cum, prob,
                       veto_names(veto_bits), swapped, decide(prob, veto_bits, model))


_COMPETITION = ("both sources hold one record per person: each record matches at most one of the "
                "other's, so the other candidates of both records (and the chance that a record "
                "has no match there) are weighed against this one")


def explain(left: Record, right: Record, model: Model, competition: float = 0.0) -> Explanation:
    """Why the model scores this pair as it does: prior, then each comparison's level and weight
    (and ``competition``, see :func:`explanation_from`)."""
    t = Table.from_records([left, right])
    p = compare_pairs(t, np.array([0]), t, np.array([1]))
    bits = int(vetoes(p, veto_mask(model.vetoes))[0])
    return explanation_from(p.levels[0], bool(p.swapped[0]), bits, left, right, model, competition)
