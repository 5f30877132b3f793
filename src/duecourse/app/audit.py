"""``duecourse audit verify``: recompute every leaf, root, signature and event hash from the
stored rows, and name the first entry that does not verify."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from ..audit.checkpoint import Checkpoint
from ..audit.merkle import Frontier
from ..audit.verify import StoredEntry, VerifyProblem, VerifyReport, verify_ledger
from ..store.tables import checkpoints, events, ledger, ledger_head
from . import ledger as L
from .context import AppContext


@dataclass
class AuditReport:
    ledger: VerifyReport
    events_checked: int
    event_problems: list[VerifyProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.ledger.ok and not self.event_problems

    @property
    def first_problem(self) -> VerifyProblem | None:
        cands = [p for p in (self.ledger.first_problem, *self.event_problems[:1]) if p]
        return min(cands, key=lambda p: p.seq if p.seq is not None else -1) if cands else None

    @property
    def problems(self) -> list[VerifyProblem]:
        return sorted([*self.ledger.problems, *self.event_problems],
                      key=lambda p: p.seq if p.seq is not None else -1)


def _rows(conn: Connection, event_refs: dict[tuple[str, int], tuple[int, str]]
          ) -> Iterator[StoredEntry]:
    q = select(ledger).order_by(ledger.c.seq).execution_options(yield_per=5000)
    for r in conn.execute(q):
        row = dict(r._mapping)
        if row["kind"] == "command_accepted":
            try:
                for ev in json.loads(row["body"]).get("events", []):
                    event_refs[(row["case_id"], int(ev["seq"]))] = (int(row["seq"]), ev["hash"])
            except (ValueError, TypeError, KeyError):
                pass  # the body itself is then reported as not matching its leaf hash
        yield StoredEntry(int(row["seq"]), L.entry_bytes(row), row["leaf_hash"])


def verify_store(ctx: AppContext, progress: Callable[[int], None] | None = None) -> AuditReport:
    public = ctx.signing_key.public_key()
    with ctx.engine.connect() as conn:
        cps = [Checkpoint(int(c.size), c.root_hex, c.at, c.key_id, c.signature_hex)
               for c in conn.execute(select(checkpoints).order_by(checkpoints.c.size))]
        h = conn.execute(select(ledger_head.c.size, ledger_head.c.frontier)).first()
        head = (int(h.size), Frontier.from_json(h.frontier).root().hex()) if h else None
        refs: dict[tuple[str, int], tuple[int, str]] = {}
        report = verify_ledger(_rows(conn, refs), cps, public, head=head, progress=progress)
        problems, checked = _verify_events(conn, refs)
    return AuditReport(report, checked, problems)


def _verify_events(conn: Connection, refs: dict[tuple[str, int], tuple[int, str]]
                   ) -> tuple[list[VerifyProblem], int]:
    problems: list[VerifyProblem] = []
    checked = 0
    q = select(events).order_by(events.c.id).execution_options(yield_per=5000)
    for r in conn.execute(q):
        row = dict(r._mapping)
        checked += 1
        key = (row["case_id"], int(row["seq"]))
        ref = refs.pop(key, None)
        if ref is None:
            problems.append(VerifyProblem(None, f"event {row['seq']} of case {row['case_id']} "
                                          f"(row id {row['id']}) is not recorded in the ledger "
                                          "(it was inserted or altered outside duecourse)",
                                          "event"))
        elif L.event_hash(row) != ref[1]:
            problems.append(VerifyProblem(ref[0], f"event {row['seq']} of case {row['case_id']} "
                                          f"(row id {row['id']}) does not match the hash in "
                                          f"ledger entry {ref[0]} (the event was altered)", "event"))
    for (case_id, seq), (lseq, _h) in sorted(refs.items(), key=lambda kv: kv[1][0]):
        problems.append(VerifyProblem(lseq, f"event {seq} of case {case_id}, recorded in ledger "
                                      f"entry {lseq}, is missing from the event store", "event"))
    return problems, checked
