"""The Fellegi–Sunter model: m and u probabilities per comparison level, a prior, two thresholds.

For a pair of records, each comparison (given name, family name, birth date, sex, nationality,
A-number, location, document number) lands on one level. A level's *m* is how often two records of the same
person land there, its *u* how often two records of different people do. The evidence of a
level is its match weight ``log2(m / u)``; a pair's match weight is the prior's log-odds
``log2(λ / (1 - λ))`` (λ: the probability that two records drawn at random are the same person)
plus the weights of its levels, and its match probability is ``2^w / (1 + 2^w)``. A field missing
on either side adds nothing.

Training follows Splink's unsupervised recipe on our own comparison vectors: u from pairs of
records drawn at random (nearly all of them different people), m by expectation maximisation on
blocked pairs with u held fixed — one session blocked on the birth date (which teaches the
m of everything but the birth date) and one blocked on the names (which teaches the birth
date's) — and λ by one more EM pass over every candidate pair. :func:`fit_em` is the EM itself.

The model is stored as JSON with a data card (what it was trained on, when, how, and its measured
accuracy); :func:`default_model` reads the one shipped with duecourse.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..domain.errors import InvalidInput
from .blocking import candidate_pairs, date_key, pairs_in_blocks
from .compare import COMPARISONS, DOB, FAMILY, GIVEN, Comparison, Table, compare_pairs, present
from .records import Record

__all__ = [
    "FORMAT",
    "VETOES",
    "EMResult",
    "LevelParams",
    "Model",
    "Thresholds",
    "default_model",
    "fit_em",
    "train",
]

FORMAT = "duecourse-identity-model/1"
M_FLOOR = 1e-4
F64 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int8]


@dataclass(frozen=True)
class Thresholds:
    """Above ``auto_link`` a pair links by itself; below ``new_person`` it is no match; between,
    a person decides (the review queue). Vetoed pairs never link by themselves."""

    auto_link: float = 0.999
    new_person: float = 0.9

    def __post_init__(self) -> None:
        if not 0.0 < self.new_person <= self.auto_link < 1.0:
            raise InvalidInput("thresholds", "need 0 < new_person <= auto_link < 1")


VETOES = ("a_number", "birth_date", "household", "sibling", "household_given_name_unknown")


@dataclass(frozen=True)
class LevelParams:
    name: str
    description: str
    m: float | None  # None for the "missing" level: no evidence
    u: float | None

    @property
    def weight(self) -> float:
        if self.m is None or self.u is None:
            return 0.0
        return math.log2(self.m / self.u)


@dataclass(frozen=True)
class Model:
    prior: float  # λ: probability that two records drawn at random are the same person
    levels: tuple[tuple[LevelParams, ...], ...]  # per comparison, in COMPARISONS order
    thresholds: Thresholds = field(default_factory=Thresholds)
    data_card: Mapping[str, Any] = field(default_factory=dict)
    vetoes: tuple[str, ...] = VETOES  # which vetoes apply (see linker); all by default
    population: int | None = None  # records the prior is set for (None: those trained on)

    def __post_init__(self) -> None:
        unknown = set(self.vetoes) - set(VETOES)
        if unknown:
            raise InvalidInput("vetoes", f"unknown vetoes {sorted(unknown)}; known: {list(VETOES)}")
        if not 0.0 < self.prior < 1.0:
            raise InvalidInput("prior", "must be strictly between 0 and 1")
        if len(self.levels) != len(COMPARISONS):
            raise InvalidInput("comparisons", f"the model has {len(self.levels)} comparisons, "
                               f"duecourse compares {len(COMPARISONS)}")
        for comp, lv in zip(COMPARISONS, self.levels, strict=True):
            if tuple(p.name for p in lv) != comp.levels:
                raise InvalidInput("comparisons", f"levels of '{comp.name}' are "
                                   f"{[p.name for p in lv]}, expected {list(comp.levels)}")

    # --- scoring --------------------------------------------------------------------------------

    @property
    def prior_weight(self) -> float:
        return math.log2(self.prior / (1.0 - self.prior))

    def weight_table(self) -> F64:
        """(comparisons, max levels) match weights; unused cells are 0."""
        width = max(len(c.levels) for c in COMPARISONS)
        out = np.zeros((len(COMPARISONS), width))
        for k, lv in enumerate(self.levels):
            for j, p in enumerate(lv):
                out[k, j] = p.weight
        return out

    def match_weight(self, levels: I8) -> F64:
        """Match weight (log2 odds) of each row of a (pairs, comparisons) level matrix."""
        wt = self.weight_table()
        total = np.full(levels.shape[0], self.prior_weight)
        for k in range(levels.shape[1]):
            total += wt[k][levels[:, k]]
        return total

    def for_population(self, n: int) -> Model:
        """The model for linking ``n`` records: the prior scaled down when ``n`` is larger than
        the population it is set for, never up.

        Two records drawn at random from more records are less likely to be one person: the
        pairs of one person grow with the records, all pairs with their square, so λ goes as
        1 / (n - 1). A model trained on 200,000 records and used on a million would otherwise
        link too readily. On fewer records it keeps its prior: the cautious side.
        """
        base = self.population or int(self.data_card.get("records") or 0)
        if base < 2 or n <= base:
            return self
        return replace(self, prior=self.prior * (base - 1) / (n - 1), population=n)

    def with_thresholds(self, auto_link: float, new_person: float) -> Model:
        return replace(self, thresholds=Thresholds(auto_link, new_person))

    def with_vetoes(self, *names: str) -> Model:
        return replace(self, vetoes=tuple(names))

    def with_card(self, **items: Any) -> Model:
        return replace(self, data_card={**self.data_card, **items})

    # --- storage --------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "prior": self.prior,
            "thresholds": {"auto_link": self.thresholds.auto_link,
                           "new_person": self.thresholds.new_person},
            "vetoes": list(self.vetoes),
            **({"population": self.population} if self.population else {}),
            "comparisons": [
                {"name": c.name, "levels": [
                    {"name": p.name, "description": p.description, "m": p.m, "u": p.u,
                     "weight": round(p.weight, 4)} for p in lv]}
                for c, lv in zip(COMPARISONS, self.levels, strict=True)],
            "data_card": dict(self.data_card),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Model:
        if d.get("format") != FORMAT:
            raise InvalidInput("format", f"not a duecourse identity model (expected {FORMAT!r})")
        try:
            stored = {c["name"]: tuple(
                LevelParams(p["name"], p.get("description", ""),
                            None if p["m"] is None else float(p["m"]),
                            None if p["u"] is None else float(p["u"])) for p in c["levels"])
                for c in d["comparisons"]}
            unknown = set(stored) - {c.name for c in COMPARISONS}
            if unknown:
                raise InvalidInput("comparisons", f"the model compares {sorted(unknown)}, which "
                                   "duecourse does not")
            # A comparison added to duecourse after the model was trained weighs nothing in it.
            levels = tuple(stored.get(c.name) or _unweighted(c) for c in COMPARISONS)
            th = d.get("thresholds", {})
            return cls(prior=float(d["prior"]), levels=levels,
                       thresholds=Thresholds(float(th.get("auto_link", 0.999)),
                                             float(th.get("new_person", 0.9))),
                       data_card=dict(d.get("data_card", {})),
                       vetoes=tuple(d.get("vetoes", VETOES)),
                       population=int(d["population"]) if d.get("population") else None)
        except (KeyError, TypeError, ValueError) as e:
            raise InvalidInput("model", f"malformed model file: {e}") from None

    @classmethod
    def from_json(cls, text: str) -> Model:
        return cls.from_dict(json.loads(text))

    @classmethod
    def load(cls, path: str | Path) -> Model:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))


def _unweighted(c: Comparison) -> tuple[LevelParams, ...]:
    return tuple(LevelParams(n, d, None, None) for n, d in zip(c.levels, c.descriptions, strict=True))


def default_model() -> Model:
    """The model shipped with duecourse (``identity/models/default.json``)."""
    text = resources.files("duecourse.identity").joinpath("models/default.json").read_text("utf-8")
    return Model.from_json(text)


# --- expectation maximisation -------------------------------------------------------------------

@dataclass(frozen=True)
class EMResult:
    m: list[F64]  # per comparison, per non-missing level
    u: list[F64]
    prior: float
    iterations: int
    converged: bool


def _patterns(levels: I8, n_levels: Sequence[int]) -> tuple[I8, F64]:
    """Distinct rows of a level matrix and how often each occurs."""
    code = np.zeros(levels.shape[0], np.int64)
    for k, nl in enumerate(n_levels):
        code = code * nl + levels[:, k]
    code.sort()
    starts = np.r_[0, np.nonzero(code[1:] != code[:-1])[0] + 1] if len(code) else np.zeros(0, np.int64)
    uniq = code[starts]
    counts = np.diff(np.r_[starts, len(code)])
    pats = np.zeros((len(uniq), len(n_levels)), np.int8)
    rest = uniq.copy()
    for k in range(len(n_levels) - 1, -1, -1):
        pats[:, k] = rest % n_levels[k]
        rest //= n_levels[k]
    return pats, counts.astype(np.float64)


def fit_em(levels: I8, n_levels: Sequence[int], *, m: Sequence[F64], u: Sequence[F64],
           prior: float, fix_u: bool = True, fix_m: bool = False,
           active: Sequence[bool] | None = None, max_iter: int = 200,
           tol: float = 1e-7) -> EMResult:
    """Fellegi–Sunter EM over a (pairs, comparisons) level matrix.

    The last level of each comparison is "missing" and carries no evidence. ``m`` and ``u`` give
    starting (or, when fixed, final) probabilities of the other levels. Inactive comparisons are
    ignored (a session blocked on a field learns nothing about that field). Returns the
    estimates of m (and u, unless fixed) and of the share of matching pairs.
    """
    k_n = len(n_levels)
    act = list(active) if active is not None else [True] * k_n
    pats, counts = _patterns(levels, n_levels)
    m_ = [np.asarray(x, np.float64).copy() for x in m]
    u_ = [np.asarray(x, np.float64).copy() for x in u]
    lam = prior
    it = 0
    converged = False
    for it in range(1, max_iter + 1):  # noqa: B007
        log_pm = np.zeros(len(pats))
        log_pu = np.zeros(len(pats))
        for k in range(k_n):
            if not act[k]:
                continue
            lv = pats[:, k]
            obs = lv < n_levels[k] - 1
            log_pm[obs] += np.log(m_[k][lv[obs]])
            log_pu[obs] += np.log(u_[k][lv[obs]])
        a = math.log(lam) + log_pm
        b = math.log1p(-lam) + log_pu
        post = 1.0 / (1.0 + np.exp(np.clip(b - a, -700, 700)))  # P(match | pattern)
        wm = counts * post
        wu = counts * (1.0 - post)
        new_lam = float(wm.sum() / counts.sum())
        delta = abs(new_lam - lam)
        lam = min(max(new_lam, 1e-12), 1 - 1e-12)
        for k in range(k_n):
            if not act[k]:
                continue
            nl = n_levels[k] - 1
            lv = pats[:, k]
            obs = lv < nl
            if not fix_m:
                num = np.bincount(lv[obs], weights=wm[obs], minlength=nl)[:nl]
                if num.sum() > 0:
                    new_m = np.maximum(num / num.sum(), M_FLOOR)
                    new_m /= new_m.sum()
                    delta = max(delta, float(np.abs(new_m - m_[k]).max()))
                    m_[k] = new_m
            if not fix_u:
                num = np.bincount(lv[obs], weights=wu[obs], minlength=nl)[:nl]
                if num.sum() > 0:
                    new_u = np.maximum(num / num.sum(), 1e-12)
                    new_u /= new_u.sum()
                    delta = max(delta, float(np.abs(new_u - u_[k]).max()))
                    u_[k] = new_u
        if delta < tol:
            converged = True
            break
    return EMResult(m_, u_, lam, it, converged)


# --- training -----------------------------------------------------------------------------------

def _initial_m(n_obs: int) -> F64:
    """A starting guess: most true pairs agree exactly, the rest spread over weaker levels."""
    if n_obs == 1:
        return np.ones(1)
    m = np.full(n_obs, 0.1 / (n_obs - 1))
    m[0] = 0.9
    return m


def _u_from_random_pairs(t: Table, n_pairs: int,
                        rng: np.random.Generator) -> tuple[list[F64], list[bool], int]:
    """u of each level from random pairs; which comparisons were observed at all; pairs drawn."""
    n = t.n
    left = rng.integers(0, n, n_pairs)
    right = rng.integers(0, n, n_pairs)
    keep = left != right
    p = compare_pairs(t, left[keep], t, right[keep])
    us: list[F64] = []
    seen: list[bool] = []
    for k, comp in enumerate(COMPARISONS):
        nl = len(comp.levels) - 1
        lv = p.levels[:, k]
        counts = np.bincount(lv[lv < nl], minlength=nl)[:nl].astype(np.float64)
        # Half a count for a level never seen among random pairs: its u is small, not zero.
        us.append((counts + 0.5) / (counts.sum() + 0.5 * nl))
        seen.append(bool(counts.sum() > 0))
    return us, seen, int(keep.sum())


def _sample(left: npt.NDArray[np.int64], right: npt.NDArray[np.int64], cap: int,
            rng: np.random.Generator) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    if len(left) <= cap:
        return left, right
    pick = rng.choice(len(left), cap, replace=False)
    return left[pick], right[pick]


def train(data: Sequence[Record] | Table, *, seed: int = 0, u_pairs: int = 1_000_000,
          em_pairs: int = 1_000_000, trained_on: str = "", trained_at: date | None = None,
          thresholds: Thresholds | None = None,
          candidates: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None,
          across_sources_only: bool = False) -> Model:
    """Train a model on unlabelled records (no ground truth is used).

    ``trained_on`` describes the data for the data card, ``trained_at`` is the training date
    (the caller's clock). Pair counts bound the work: ``u_pairs`` random pairs for u, at most
    ``em_pairs`` blocked pairs per EM session. ``candidates``: the blocked pairs that linkage will
    compare, if already computed (for the prior). ``across_sources_only``: the model will link
    lists that are each free of duplicates, so only pairs across sources can match (the prior is
    their share).
    """
    t = data if isinstance(data, Table) else Table.from_records(data)
    if t.n < 2:
        raise InvalidInput("records", "training needs at least two records")
    rng = np.random.default_rng(seed)
    n_levels = [len(c.levels) for c in COMPARISONS]
    u, seen, n_u = _u_from_random_pairs(t, u_pairs, rng)
    m0 = [_initial_m(nl - 1) for nl in n_levels]

    sessions: list[dict[str, Any]] = []
    estimates: list[list[F64 | None]] = [[] for _ in COMPARISONS]

    def session(name: str, key: npt.NDArray[np.int64], blocked: set[int]) -> None:
        # Pairs grow with the square of the records kept: keep a share of the records that
        # gives about twice em_pairs, rather than building every pair and sampling after.
        _, counts = np.unique(key[key >= 0], return_counts=True)
        total = float((counts * (counts - 1) / 2).sum())
        if total > 2 * em_pairs:
            key = np.where(rng.random(len(key)) < math.sqrt(2 * em_pairs / total), key, -1)
        lo, hi = pairs_in_blocks(key)
        lo, hi = _sample(lo, hi, em_pairs, rng)
        if len(lo) == 0:
            return
        p = compare_pairs(t, lo, t, hi)
        active = [k not in blocked for k in range(len(COMPARISONS))]
        r = fit_em(p.levels, n_levels, m=m0, u=u, prior=0.1, active=active)
        sessions.append({"blocked_on": name, "pairs": len(lo), "iterations": r.iterations,
                         "converged": r.converged, "match_share": round(r.prior, 6)})
        for k in range(len(COMPARISONS)):
            if active[k]:
                estimates[k].append(r.m[k])

    session("birth_date", date_key(t), {DOB})
    g, f = t.given.first_key, t.family.first_key
    names = np.where(present(g, f), g.astype(np.int64) * (1 << 21) + f, -1)
    session("given_and_family_name", names, {GIVEN, FAMILY})
    m: list[F64] = []
    for k in range(len(COMPARISONS)):
        ests = [e for e in estimates[k] if e is not None]
        m.append(np.mean(ests, axis=0) if ests else m0[k])

    # λ: the share of matches among every candidate pair, scaled to all pairs.
    lo, hi = (candidates if candidates is not None
              else candidate_pairs(t, across_sources_only=across_sources_only))
    lo_s, hi_s = _sample(lo, hi, em_pairs, rng)
    p = compare_pairs(t, lo_s, t, hi_s)
    r = fit_em(p.levels, n_levels, m=m, u=u, prior=0.1, fix_m=True, fix_u=True)
    total_pairs = t.n * (t.n - 1) / 2
    if across_sources_only:
        _, per_source = np.unique(np.array(t.sources, dtype=object), return_counts=True)
        total_pairs = (t.n ** 2 - float((per_source.astype(np.float64) ** 2).sum())) / 2
    prior = min(max(r.prior * len(lo) / total_pairs, 1e-12), 0.5)

    # A field no training record carries teaches nothing: its levels carry no weight (m and u
    # unknown) rather than the starting guess, and the data card says so.
    levels = tuple(
        tuple(LevelParams(name, desc,
                          None if j == len(comp.levels) - 1 or not seen[k] else float(m[k][j]),
                          None if j == len(comp.levels) - 1 or not seen[k] else float(u[k][j]))
              for j, (name, desc) in enumerate(zip(comp.levels, comp.descriptions, strict=True)))
        for k, comp in enumerate(COMPARISONS))
    card: dict[str, Any] = {
        "trained_on": trained_on or f"{t.n} records",
        "records": t.n,
        "trained_at": (trained_at.isoformat() if trained_at else None),
        "method": ("Fellegi-Sunter; u from random pairs, m by expectation maximisation on "
                   "blocked pairs with u fixed, prior by EM over all candidate pairs"),
        "u_random_pairs": n_u,
        "em_sessions": sessions,
        "candidate_pairs": len(lo),
        "seed": seed,
        "not_learned": [c.name for c, ok in zip(COMPARISONS, seen, strict=True) if not ok],
        "measured_accuracy": None,
    }
    return Model(prior=prior, levels=levels, thresholds=thresholds or Thresholds(), data_card=card)
