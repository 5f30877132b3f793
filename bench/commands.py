"""Benchmark: commands per second through the full stack, on SQLite and on PostgreSQL.

Every command goes through ``App.do`` → ``do_command``: authorise, load and fold the case, every
guard in force, events, read models, the ledger entry (RFC 6962 leaf, head frontier, a signed
checkpoint every 1,000 entries) and the commit. N cases are opened and each is driven through a
lawful lifecycle of 15 more commands (arrest, examination, custody, placement, NTA, order, waiver and its
confirmation by a second person, I-205, travel document, medical clearance, removal, closing) and
one command the law refuses, 17 in all; the
cases advance together, one step at a time, as a busy office would. Afterwards the whole
store is verified with ``verify_store`` (every leaf, checkpoint signature, root and event hash)
and that rate is reported too.

    python bench/commands.py [--cases N] [--workers 1,2] [--pg URL] [--no-pg] [--keys] [--json]

SQLite runs on a file database in a temporary folder (WAL, synchronous=NORMAL). PostgreSQL runs
in a database of its own, ``duecourse_bench``, created fresh on the server named by ``--pg`` and
dropped afterwards. ``--workers W`` drives the cases from W processes at once (each its own
share of the cases, one connection each, as W web workers would); the rate is all commands over
the time from the first start to the last finish, and every worker's latencies are pooled.
``--keys`` gives every command an idempotency key (one more read and one more insert each).
Goals (DESIGN.md, 2 cores): ≥ 2,000 commands/s on SQLite, ≥ 1,000 on PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from duecourse.app.audit import verify_store
from duecourse.audit.checkpoint import generate_private_key_pem, load_private_key
from duecourse.bootstrap import App, build_app
from duecourse.domain.commands import (
    Actor,
    CloseCase,
    Command,
    ConfirmEntry,
    DetermineCustody,
    IssueNta,
    IssueRemovalWarrant,
    OpenCase,
    Place,
    RecordArrest,
    RecordExamination,
    RecordMedicalClearance,
    RecordOrder,
    RecordRemoval,
    RecordTravelDocument,
    ScheduleRemoval,
    ServeNta,
    WaiveAppeal,
)
from duecourse.domain.person import PersonData

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_DB = "duecourse_bench"
BASE = datetime(2026, 3, 2, 8, tzinfo=UTC)

OFFICER, EXAMINER = Actor("b-o1", "officer"), Actor("b-o2", "officer")
SUPERVISOR, COUNSEL = Actor("b-s1", "supervisor"), Actor("b-c1", "counsel")
CONFIRMER = Actor("b-s2", "supervisor")
DETENTION, TRANSPORT = Actor("b-d1", "detention"), Actor("b-t1", "transport")
ACTORS = (OFFICER, EXAMINER, SUPERVISOR, CONFIRMER, COUNSEL, DETENTION, TRANSPORT)

H, D, MIN = timedelta(hours=1), timedelta(days=1), timedelta(minutes=1)

# (offset from the case's start, actor, command). Hearing 20 days on (NTA-10), counsel list a
# month old (COUNSEL-LIST), order waived so it is final at once (FINAL), then removal.
Step = tuple[timedelta, Actor, Callable[[datetime], Command]]
LIFECYCLE: tuple[Step, ...] = (
    (1 * H, OFFICER, lambda t: RecordArrest(basis="warrantless", reason_to_believe="admitted overstay",
                                            likely_to_escape="no fixed address")),
    (2 * H, EXAMINER, lambda t: RecordExamination()),
    (20 * H, OFFICER, lambda t: DetermineCustody(decision="detain", authority="236(a)")),
    (21 * H, DETENTION, lambda t: Place(facility="BENCH-FAC", classification="A")),
    (22 * H, OFFICER, lambda t: IssueNta(charges=("237(a)(1)(B)",), allegations=("overstayed",),
                                         hearing_at=t + 20 * D, court="NEW",
                                         counsel_list_date=(t - 30 * D).date())),
    (23 * H, OFFICER, lambda t: ServeNta(method="personal", language="es")),
    (21 * D, COUNSEL, lambda t: RecordOrder(outcome="removal", decision_mode="oral",
                                            designated_country="MX", issued_by="NEW",
                                            reference="IJ-BENCH", issued_on=t.date())),
    # Counsel records the respondent's waiver from the judge's order; a second person confirms
    # it against that order (event 9 of the case: it is the ninth command accepted).
    (21 * D + H, COUNSEL, lambda t: WaiveAppeal(party="respondent", before="NEW", language="es",
                                               reference="IJ-BENCH")),
    (21 * D + 2 * H, CONFIRMER, lambda t: ConfirmEntry(entry=9, document_checked="IJ-BENCH")),
    (22 * D, SUPERVISOR, lambda t: IssueRemovalWarrant()),
    (22 * D + H, OFFICER, lambda t: RecordTravelDocument(country="MX",
                                                         valid_until=date(2027, 12, 31))),
    (22 * D + 90 * MIN, DETENTION, lambda t: RecordMedicalClearance(
        valid_until=date(2027, 12, 31))),
    (22 * D + 2 * H, SUPERVISOR, lambda t: ScheduleRemoval(destination="MX",
                                                           depart_at=t + 2 * D, transport="T-1")),
    (24 * D, TRANSPORT, lambda t: RecordRemoval(destination="MX")),
    (24 * D + H, OFFICER, lambda t: CloseCase(reason="removed")),
)


@dataclass
class Result:
    backend: str
    workers: int
    cases: int
    commands: int
    seconds: float
    latencies_ms: list[float]
    refused: int
    ledger_entries: int
    verify_seconds: float
    verified: bool

    @property
    def per_second(self) -> float:
        return self.commands / self.seconds

    def pct(self, p: float) -> float:
        xs = sorted(self.latencies_ms)
        return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]

    def as_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend, "workers": self.workers, "cases": self.cases,
            "commands": self.commands, "seconds": round(self.seconds, 3),
            "commands_per_second": round(self.per_second),
            "p50_ms": round(self.pct(50), 3), "p99_ms": round(self.pct(99), 3),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 3), "refused": self.refused,
            "ledger_entries": self.ledger_entries, "verify_seconds": round(self.verify_seconds, 3),
            "ledger_entries_verified_per_second": round(self.ledger_entries / self.verify_seconds),
            "verified": self.verified,
        }


def person(i: int) -> PersonData:
    return PersonData(family_name=f"Bench{i:06d}", given_name="Synthetic",
                      birth_date=date(1990, 1, 1) + timedelta(days=i % 9000),
                      nationalities=("MX",), languages=("es",))


@dataclass
class Slice:
    """What one worker measured: per-command latencies, refusals, its start and end."""

    latencies_ms: list[float]
    refused: int
    started: float
    ended: float


def drive_slice(app: App, indices: list[int], keys: bool) -> Slice:
    """Open a case for each index and drive it through the lifecycle, the cases advancing
    together one step at a time; then one command per case that the law refuses."""
    lat: list[float] = []
    refused = 0
    clock = time.perf_counter

    def do(cmd: Command, actor: Actor, at: datetime, case_id: str | None, key: str) -> Any:
        nonlocal refused
        t = clock()
        out = app.do(cmd, actor, at, case_id=case_id, idempotency_key=key if keys else None)
        lat.append((clock() - t) * 1000)
        refused += not out.accepted
        return out

    started = time.monotonic()
    case_ids: list[str] = []
    for i in indices:
        at = BASE + timedelta(seconds=i)
        out = do(OpenCase(person=person(i), encounter="interior", location="Newark",
                          legal_basis="INA 237(a)(1)(B)"), OFFICER, at, None, f"bench-{i}-0")
        case_ids.append(out.case_id)
    for k, (offset, actor, make) in enumerate(LIFECYCLE, 1):
        for i, cid in zip(indices, case_ids, strict=True):
            at = BASE + timedelta(seconds=i) + offset
            do(make(at), actor, at, cid, f"bench-{i}-{k}")
    # A second NTA on a served case is refused (LIFECYCLE): refusals are ledgered too.
    for i, cid in zip(indices, case_ids, strict=True):
        at = BASE + timedelta(seconds=i) + 25 * D
        do(LIFECYCLE[4][2](at), OFFICER, at, cid, f"bench-{i}-x")
    return Slice(lat, refused, started, time.monotonic())


def _worker(url: str, key_pem: str, w: int, indices: list[int], keys: bool, go: Any,
            out: Any) -> None:
    os.environ.setdefault("DUECOURSE_ENV", "development")
    app = build_app(url, seed=100 + w, signing_key=load_private_key(key_pem), migrate=False)
    go.wait()
    out.put(drive_slice(app, indices, keys))
    app.ctx.engine.dispose()


def drive(url: str, backend: str, n: int, keys: bool, workers: int) -> Result:
    """Drive ``n`` cases on ``url`` with ``workers`` processes (1: in this process)."""
    key_pem = generate_private_key_pem()
    app = build_app(url, seed=1, signing_key=load_private_key(key_pem))
    try:
        for a in ACTORS:
            app.register_actor(a)
        if workers == 1:
            slices = [drive_slice(app, list(range(n)), keys)]
        else:
            ctx = mp.get_context("spawn")
            go, out = ctx.Event(), ctx.Queue()
            procs = [ctx.Process(target=_worker, args=(url, key_pem, w, list(range(w, n, workers)),
                                                        keys, go, out)) for w in range(workers)]
            for p in procs:
                p.start()
            time.sleep(0.5)  # let every worker import and connect before the clock starts
            go.set()
            slices = [out.get() for _ in procs]
            for p in procs:
                p.join()
        lat = [x for s in slices for x in s.latencies_ms]
        seconds = max(s.ended for s in slices) - min(s.started for s in slices)
        app.checkpoint(BASE + 30 * D)
        t = time.perf_counter()
        report = verify_store(app.ctx)
        verify_seconds = time.perf_counter() - t
        return Result(backend, workers, n, len(lat), seconds, lat,
                      sum(s.refused for s in slices), report.ledger.entries, verify_seconds,
                      report.ok)
    finally:
        app.ctx.engine.dispose()


def run_sqlite(n: int, keys: bool, workers: int) -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        return drive(url, "SQLite (file, WAL)", n, keys, workers)


def run_pg(server_url: str, n: int, keys: bool, workers: int) -> Result:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))
    url = make_url(server_url).set(database=BENCH_DB).render_as_string(hide_password=False)
    try:
        return drive(url, "PostgreSQL", n, keys, workers)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        admin.dispose()


def print_table(results: list[Result]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"duecourse commands through the full stack ({os.cpu_count()} CPUs)")
    for col in ("backend", "workers", "cases", "commands", "commands/s", "p50 ms", "p99 ms",
                "refused", "ledger entries", "verified/s", "ok"):
        t.add_column(col, justify="right")
    for r in results:
        d = r.as_dict()
        t.add_row(r.backend, str(r.workers), str(r.cases), f"{r.commands:,}",
                  f"{d['commands_per_second']:,}",
                  f"{d['p50_ms']:.2f}", f"{d['p99_ms']:.2f}", str(r.refused),
                  f"{r.ledger_entries:,}", f"{d['ledger_entries_verified_per_second']:,}",
                  "yes" if r.verified else "NO")
    Console(width=150).print(t)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=1000, help="cases to drive (17 commands each)")
    parser.add_argument("--pg", default=os.environ.get("DUECOURSE_BENCH_PG_URL", DEFAULT_PG),
                        help="PostgreSQL server URL (a database duecourse_bench is created there)")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--keys", action="store_true", help="give every command an idempotency key")
    parser.add_argument("--workers", default="1",
                        help="worker processes, one figure per value: 1 or e.g. 1,2,4")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    workers = [int(w) for w in str(args.workers).split(",")]
    os.environ.setdefault("DUECOURSE_ENV", "development")

    results: list[Result] = []
    for w in workers:
        if not args.no_sqlite:
            results.append(run_sqlite(args.cases, args.keys, w))
        if not args.no_pg:
            results.append(run_pg(args.pg, args.cases, args.keys, w))
    if args.json:
        print(json.dumps([r.as_dict() for r in results], indent=2))
    else:
        print_table(results)
    expected_refused = args.cases
    bad = [r for r in results if not r.verified or r.refused != expected_refused]
    for r in bad:
        print(f"{r.backend}: verified={r.verified}, refused {r.refused} (expected "
              f"{expected_refused})", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
