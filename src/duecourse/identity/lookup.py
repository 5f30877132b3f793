"""Looking up one new record against the people already known (``open_case``).

:class:`Index` is built once over the known records: each blocking rule's keys are kept sorted,
so a new record's candidates are found by binary search (no comparison with everyone). The
candidates are compared and scored with the same comparisons, model and vetoes as batch linkage,
and the best record of each person is returned with its match probability and its explanation
(the match-weight waterfall). The answer is advice to the officer, never a decision: above the
auto-link threshold a person may be linked without review; between the thresholds an officer
confirms or rejects the match; below, the record is a new person.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .blocking import BLOCKING_RULES, MAX_BLOCK
from .compare import Table, compare_pairs
from .linker import Explanation, explanation_from, probability, veto_mask, vetoes
from .model import Model
from .records import Record

__all__ = ["Candidate", "Index"]

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Candidate:
    person_id: str
    record_id: str  # the person's record that matches best
    probability: float
    decision: str  # "auto_link", "review" or "new_person"
    waterfall: Explanation


def _sorted_keys(table: Table) -> list[tuple[I64, I64]]:
    """Per column of each blocking rule's key: the keys sorted, and the rows they belong to."""
    out: list[tuple[I64, I64]] = []
    for rule in BLOCKING_RULES:
        k = rule.key(table)
        cols = [k] if k.ndim == 1 else [k[:, j] for j in range(k.shape[1])]
        for c in cols:
            rows = np.nonzero(c >= 0)[0]
            order = np.argsort(c[rows], kind="stable")
            out.append((c[rows][order], rows[order]))
    return out


class Index:
    """An in-memory index of known records for one-at-a-time lookups."""

    def __init__(self, records: Sequence[Record], model: Model,
                 persons: Mapping[str, str] | None = None) -> None:
        """``persons`` maps record id → person id (from :func:`link`); by default each record
        is its own person. The model's prior is set for the known records and the new one."""
        self.model = model.for_population(len(records) + 1)
        self.records = list(records)
        self.table = Table.from_records(self.records)
        ids = self.table.record_ids
        self.person_of = [persons.get(r, r) for r in ids] if persons is not None else list(ids)
        self._keys = _sorted_keys(self.table)  # per rule column: sorted keys, their rows

    def extended(self, records: Sequence[Record], persons: Mapping[str, str]) -> Index:
        """This index with ``records`` added (new record ids): only they are prepared; the
        sorted keys are laid out again (at a million records a few seconds, not the half minute
        of a new index)."""
        out = copy.copy(self)
        out.records = self.records + list(records)
        out.model = self.model.for_population(len(out.records) + 1)
        out.table = self.table.extended(records)
        out._keys = _sorted_keys(out.table)
        return out.with_persons(persons)

    def with_persons(self, persons: Mapping[str, str]) -> Index:
        """The same index (records, keys, model) with other persons: after a linkage run or a
        confirmed match nothing needs rebuilding but who is whom."""
        out = copy.copy(self)
        out.person_of = [persons.get(r, r) for r in self.table.record_ids]
        return out

    def __len__(self) -> int:
        return self.table.n

    def candidates(self, record: Record) -> tuple[Table, I64]:
        """The new record as a one-row table (sharing this index's codes), and the rows of the
        known records that share a blocking key with it."""
        q = Table.from_records([record], vocabs=self.table.vocabs)
        found: list[I64] = []
        col = 0
        for rule in BLOCKING_RULES:
            k = rule.key(q)
            qkeys = [int(k[0])] if k.ndim == 1 else [int(x) for x in k[0]]
            for key in qkeys:
                sorted_keys, rows = self._keys[col]
                col += 1
                if key < 0:
                    continue
                lo = int(np.searchsorted(sorted_keys, key, "left"))
                hi = int(np.searchsorted(sorted_keys, key, "right"))
                if 0 < hi - lo <= MAX_BLOCK:
                    found.append(rows[lo:hi])
        if not found:
            return q, np.zeros(0, np.int64)
        return q, np.unique(np.concatenate(found))

    def top(self, record: Record, k: int = 5) -> list[Candidate]:
        """The ``k`` most probable known persons for ``record``, best first (one entry per
        person, with the waterfall of its best-matching record)."""
        q, rows = self.candidates(record)
        if len(rows) == 0:
            return []
        p = compare_pairs(q, np.zeros(len(rows), np.int64), self.table, rows)
        weight = self.model.match_weight(p.levels)
        v = vetoes(p, veto_mask(self.model.vetoes))
        order = np.argsort(-weight, kind="stable")
        out: list[Candidate] = []
        seen: set[str] = set()
        for i in order.tolist():
            row = int(rows[i])
            person = self.person_of[row]
            if person in seen:
                continue
            seen.add(person)
            exp = explanation_from(p.levels[i], bool(p.swapped[i]), int(v[i]), record,
                                   self.records[row], self.model)
            out.append(Candidate(person, self.table.record_ids[row],
                                 float(probability(np.array([weight[i]]))[0]), exp.decision, exp))
            if len(out) == k:
                break
        return out
