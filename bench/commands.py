"""Benchmark: commands per second through the full stack, on SQLite and on PostgreSQL.

Every command goes through ``App.do`` → ``do_command``: authorise, load and fold the case, every
guard in force, events, read models, the ledger leaf (RFC 6962 §2.1) queued in ``ledger_queue``
and the commit. N cases are opened and each is driven through a
lawful lifecycle of 15 more commands (arrest, examination, custody, placement, NTA, order, waiver and its
confirmation by a second person, I-205, travel document, medical clearance, removal, closing) and
one command the law refuses, 17 in all; the
cases advance together, one step at a time, as a busy office would. Afterwards the whole
store is verified with ``verify_store`` (every leaf, checkpoint signature, root and event hash)
and that rate is reported too.

On PostgreSQL the ledger's sequencer (app/sequencer.py) runs during the measurement as it does in
a deployment: every worker starts one (``App.start_sequencer``) and one is elected; it integrates
the queued leaves in batches and signs a checkpoint (a C2SP signed note) for each batch. The
bench samples the queue every 20 ms (its depth, and the lag from a leaf's commit to its
integration: the time until every leaf committed at a sample has left the queue) and what the
database's backends are doing (``pg_stat_activity``: average count in each wait event), counts
the sequencer's batches, stops it at the end and integrates what is left (``App.flush_ledger``),
timed apart. On SQLite every writer integrates its own leaf before it commits.

    python bench/commands.py [--cases N] [--workers 1,2] [--pg URL] [--no-pg] [--keys] [--json]

SQLite runs on a file database in a temporary folder (WAL, synchronous=NORMAL). PostgreSQL runs
in a database of its own, ``duecourse_bench``, created fresh on the server named by ``--pg`` and
dropped afterwards. ``--workers W`` drives the cases from W processes at once (each its own
share of the cases, one connection each, as W web workers would); the rate is all commands over
the time from the first start to the last finish, and every worker's latencies are pooled.
``--keys`` gives every command an idempotency key (one more read and one more insert each).
CPU per command (the workers, PostgreSQL's processes, and the machine as a whole) is printed as
the yardstick to compare hours by: the VM's speed varies within a day.
Goals (2 cores): ≥ 2,000 commands/s on SQLite; ≥ 1,500 on PostgreSQL with two workers (issue 14).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import queue
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from duecourse.app.audit import verify_store
from duecourse.app.sequencer import Sequencer
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
from procstat import PgCpu, QueueSampler  # bench/procstat.py, beside this script

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
    (20 * H, OFFICER, lambda t: DetermineCustody(decision="detain", authority="236(a)",
                                                 reason="flight risk: no fixed address")),
    (21 * H, DETENTION, lambda t: Place(facility="PIC", classification="A",
                                        reason="nearest bed for the classification")),
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
class Ledgered:
    """What the sequencer did during the measurement (PostgreSQL): its batches, the queue's
    depth and the lag from commit to integration, sampled; and the flush at the end."""

    batches: list[int] = field(default_factory=list)
    depth: list[int] = field(default_factory=list)
    lag_ms: list[float] = field(default_factory=list)
    left_at_end: int = 0
    flush_seconds: float = 0.0
    waits: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        b, d = self.batches, self.depth
        return {
            "sequencer_batches": len(b),
            "batch_mean": round(statistics.fmean(b), 1) if b else 0,
            "batch_max": max(b, default=0),
            "queue_depth_mean": round(statistics.fmean(d), 1) if d else 0,
            "queue_depth_max": max(d, default=0),
            "lag_p50_ms": round(pct(self.lag_ms, 50), 1),
            "lag_p99_ms": round(pct(self.lag_ms, 99), 1),
            "lag_max_ms": round(max(self.lag_ms, default=0.0), 1),
            "left_at_end": self.left_at_end, "flush_seconds": round(self.flush_seconds, 3),
            "pg_backends": self.waits,
        }


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
    cpu: dict[str, float] = field(default_factory=dict)
    ledgered: Ledgered | None = None

    @property
    def per_second(self) -> float:
        return self.commands / self.seconds

    def pct(self, p: float) -> float:
        return pct(self.latencies_ms, p)

    def cpu_per_command_ms(self) -> dict[str, float]:
        """CPU seconds spent per command, in ms: the yardstick between hours."""
        return {k: round(v * 1000 / self.commands, 3) for k, v in self.cpu.items()
                if k.endswith("_seconds")}

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
            "cpu": {k: round(v, 3) for k, v in self.cpu.items()},
            "cpu_per_command_ms": self.cpu_per_command_ms(),
            "ledger": self.ledgered.as_dict() if self.ledgered else None,
        }


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return 0.0
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def person(i: int) -> PersonData:
    return PersonData(family_name=f"Bench{i:06d}", given_name="Synthetic",
                      birth_date=date(1990, 1, 1) + timedelta(days=i % 9000),
                      nationalities=("MX",), languages=("es",))


@dataclass
class Slice:
    """What one worker measured: per-command latencies, refusals, its start and end, its CPU
    seconds over the drive, and the batches its sequencer integrated (if it was elected)."""

    latencies_ms: list[float]
    refused: int
    started: float
    ended: float
    cpu_seconds: float = 0.0
    batches: list[int] = field(default_factory=list)


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

    started, cpu0 = time.monotonic(), time.process_time()
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
    return Slice(lat, refused, started, time.monotonic(), time.process_time() - cpu0)


def start_sequencer(app: App) -> tuple[Sequencer | None, list[int]]:
    """The process's background sequencer (PostgreSQL; None on SQLite) and the list that
    collects the size of every batch it integrates while elected."""
    batches: list[int] = []
    seq = app.start_sequencer()
    if seq is not None:
        seq.on_batch = lambda done: batches.append(done.count)
    return seq, batches


def _worker(url: str, key_pem: str, w: int, indices: list[int], keys: bool, go: Any,
            out: Any, done: Any) -> None:
    os.environ.setdefault("DUECOURSE_ENV", "development")
    app = build_app(url, seed=100 + w, signing_key=load_private_key(key_pem), migrate=False)
    seq, batches = start_sequencer(app)
    go.wait()
    out.put(drive_slice(app, indices, keys))
    done.wait()  # every worker has finished: the elected sequencer may stop now
    if seq is not None:
        seq.stop()
    out.put(batches)
    app.ctx.engine.dispose()


def _get(out: Any, procs: list[Any]) -> Any:
    """The next message from the workers; RuntimeError if one of them died instead."""
    while True:
        with contextlib.suppress(queue.Empty):
            return out.get(timeout=1.0)
        if any(p.exitcode not in (None, 0) for p in procs):
            raise RuntimeError("a worker failed")


def _machine_busy() -> float:
    """Busy CPU seconds of the whole machine since boot."""
    xs = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(xs) - xs[3] - xs[4]) / os.sysconf("SC_CLK_TCK")


def drive(url: str, backend: str, n: int, keys: bool, workers: int) -> Result:
    """Drive ``n`` cases on ``url`` with ``workers`` processes (1: in this process)."""
    key_pem = generate_private_key_pem()
    app = build_app(url, seed=1, signing_key=load_private_key(key_pem))
    pg = app.ctx.engine.dialect.name == "postgresql"
    sampler = QueueSampler(url, waits=True) if pg else None
    pg_cpu = PgCpu(app.ctx.engine) if pg else None
    try:
        for a in ACTORS:
            app.register_actor(a)
        app.flush_ledger()
        busy0, me0, pg_seconds = _machine_busy(), time.process_time(), 0.0
        if pg_cpu is not None:
            pg_cpu.reset()
        if workers == 1:
            seq, batches = start_sequencer(app)
            if sampler is not None:
                sampler.start()
            slices = [drive_slice(app, list(range(n)), keys)]
            if seq is not None:
                seq.stop()
            slices[0].batches = batches
            slices[0].cpu_seconds = time.process_time() - me0  # the sequencer thread's too
            pg_seconds = pg_cpu.seconds() if pg_cpu is not None else 0.0
        else:
            ctx = mp.get_context("spawn")
            go, done, out = ctx.Event(), ctx.Event(), ctx.Queue()
            procs = [ctx.Process(target=_worker, args=(url, key_pem, w, list(range(w, n, workers)),
                                                        keys, go, out, done))
                     for w in range(workers)]
            for p in procs:
                p.start()
            time.sleep(1.0)  # let every worker import, connect and elect a sequencer
            busy0 = _machine_busy()
            if pg_cpu is not None:
                pg_cpu.reset()
            if sampler is not None:
                sampler.start()
            go.set()
            slices = [_get(out, procs) for _ in procs]
            pg_seconds = pg_cpu.seconds() if pg_cpu is not None else 0.0  # backends still open
            done.set()
            counts = [_get(out, procs) for _ in procs]
            for sl, b in zip(slices, counts, strict=True):
                sl.batches = b
            for p in procs:
                p.join()
        ended = max(s.ended for s in slices)
        if sampler is not None:
            sampler.halt.set()
            sampler.join()
            if workers == 1:
                slices[0].cpu_seconds -= sampler.cpu_seconds
        cpu = {"workers_seconds": sum(s.cpu_seconds for s in slices),
               "postgres_seconds": pg_seconds,
               "machine_busy_seconds": _machine_busy() - busy0}
        lat = [x for s in slices for x in s.latencies_ms]
        seconds = ended - min(s.started for s in slices)
        ledgered = None
        if sampler is not None:
            t = time.perf_counter()
            left = app.flush_ledger()
            ledgered = Ledgered([b for s in slices for b in s.batches], sampler.depth,
                                sampler.lag_ms, left, time.perf_counter() - t, {
                                    k: round(v / max(1, len(sampler.depth)), 2)
                                    for k, v in sampler.waits.most_common(6)})
        app.checkpoint(BASE + 30 * D)
        t = time.perf_counter()
        report = verify_store(app.ctx.engine, app.ctx.signing_key.public_key())
        verify_seconds = time.perf_counter() - t
        return Result(backend, workers, n, len(lat), seconds, lat,
                      sum(s.refused for s in slices), report.ledger.entries, verify_seconds,
                      report.ok and not report.queued, cpu, ledgered)
    finally:
        app.ctx.engine.dispose()


def run_sqlite(n: int, keys: bool, workers: int) -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        return drive(url, "SQLite (file, WAL)", n, keys, workers)


def run_pg(server_url: str, n: int, keys: bool, workers: int, db: str = BENCH_DB) -> Result:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{db}"'))
    url = make_url(server_url).set(database=db).render_as_string(hide_password=False)
    try:
        return drive(url, "PostgreSQL", n, keys, workers)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
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
    console = Console(width=150)
    console.print(t)
    for r in results:
        d = r.as_dict()
        console.print(f"{r.backend}, {r.workers} worker(s): CPU per command (ms) "
                      f"{d['cpu_per_command_ms']}", highlight=False)
        if d["ledger"]:
            console.print(f"  sequencer and queue: {d['ledger']}", highlight=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=1000, help="cases to drive (17 commands each)")
    parser.add_argument("--pg", default=os.environ.get("DUECOURSE_BENCH_PG_URL", DEFAULT_PG),
                        help="PostgreSQL server URL (the database --db-name is created there)")
    parser.add_argument("--db-name", default=BENCH_DB,
                        help="the scratch database's name (created fresh, dropped afterwards)")
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
            results.append(run_pg(args.pg, args.cases, args.keys, w, args.db_name))
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
