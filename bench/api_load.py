"""Benchmark: the web app and REST API under load, against PostgreSQL holding many cases.

Seeding: a database of its own, ``duecourse_bench_api``, is created fresh on the server named by
``--pg`` (dropped first if it exists), migrated, and filled with ``--cases`` synthetic cases
(``sim.population``: invented people, never real ones) through the real handlers (``App.do``), so
that every read model — cases, persons, deadlines, events, the ledger — is what a deployment
would hold. Each case is opened and its person arrested without a warrant, then:

- 70 % are examined and still await the custody decision (CUS-48 running, due within 4–47 h);
- 20 % are detained: examined, custody decided (detain, INA 236(a)), placed in a facility, a
  Notice to Appear issued and served (a hearing ~45 days on);
- 10 % are released on recognizance after examination.

Seeding runs in ``--seed-workers`` processes (spawn; each its own ``build_app``, its engine
swapped for one connection without the ping and with ``synchronous_commit=off``: the same rows,
written faster) while this process runs the ledger's sequencer, integrates what is left
(``App.flush_ledger``) and ends with ``VACUUM ANALYZE``. ``--reuse`` keeps the database and skips
seeding if it already holds at least ``--cases`` cases (the ledger key is kept in the temporary
directory for that); ``--seed-only`` seeds, keeps the database and stops.

Load: the real server is started on a free port, ``DUECOURSE_ENV=development``: it is
``duecourse serve --workers N`` itself (each worker runs a ledger sequencer and one is elected,
as in a deployment); with ``--trace`` it is uvicorn's multi-process server, with duecourse's HTTP
protocol, over a factory (``server_app`` below) that builds what ``serve`` builds and records the
size of every batch its sequencer integrates.
Fifty officer accounts are created with a bearer token each, then ``--clients`` concurrent clients
(asyncio, one ``httpx.AsyncClient`` each, keep-alive) run for ``--warmup`` seconds (not counted)
and ``--duration`` seconds (counted), each sending one request after another (``--think-ms``
adds a random pause between them) in the mix ``--mix queue:case:command``:

- ``queue``: ``GET /api/v1/queue?purpose=case_work&limit=50`` (the work queue);
- ``case``: ``GET /api/v1/cases/{random case}?purpose=case_work`` (the case page's data);
- ``command``: ``POST /api/v1/cases/{random case}/commands`` with ``determine_custody`` (detain,
  INA 236(a)): accepted on the cases in custody, refused (409, LIFECYCLE) on the released ones.

Every request's latency is measured at the client (client-side time included; the client, the
server and PostgreSQL share the machine). The table gives p50, p95, p99, max, count, errors and
throughput per kind; then the CPU used by the load generator, the server, PostgreSQL (the
bench database's backends and the server's background processes) and the whole machine (in
cores), and what those backends were doing (``pg_stat_activity`` sampled 10 times a second;
average number of backends in each state and wait event); and the ledger: leaves queued and
integrated, the sequencer's batches (from PostgreSQL's count of updates to the ledger head: one
per batch), the queue's depth and the lag from a leaf's commit to its integration (the queue
sampled every 25 ms). ``--trace`` serves through the factory (also for one worker) and records,
in the server, the size of every sequencer batch, every garbage collection by generation, and
every HTTP request from receipt to its last byte (the counted seconds only).

    python bench/api_load.py [--cases 100000] [--workers 2] [--clients 50] [--duration 30]
                             [--warmup 5] [--mix 1:2:1] [--think-ms 2000,1000,0] [--seed-workers 2]
                             [--pg URL] [--reuse] [--keep] [--seed-only] [--trace]
                             [--profile N] [--json]

``--profile N`` also runs N requests of each kind in-process, one at a time (``httpx`` over
ASGI, the sync endpoints run inline so that one thread does all the work), with every SQL
statement timed, then under cProfile (CPU time), and prints where the time goes, with
``EXPLAIN ANALYZE`` of the work queue. Goals (issue 3, 2 cores): p99 < 50 ms for reads and
< 100 ms for commands at a person's pace; issue 14: back to back, served until the cores (not a
lock) are the limit (≥ 1.9 of 2 busy) with p99 < 150 ms. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import multiprocessing as mp
import os
import pstats
import queue
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from duecourse.app.accounts import do_create_account, do_issue_token, get_account
from duecourse.app.sequencer import Integrated, Sequencer
from duecourse.audit.checkpoint import generate_private_key_pem, load_private_key
from duecourse.bootstrap import App, build_app
from duecourse.domain.commands import (
    Actor,
    Command,
    DetermineCustody,
    IssueNta,
    OpenCase,
    Place,
    RecordArrest,
    RecordExamination,
    ServeNta,
)
from duecourse.sim.population import generate_population
from duecourse.store.tables import cases
from duecourse.web.server import HTTP_PROTOCOL
from procstat import PgCpu, QueueSampler, proc_cpu  # bench/procstat.py, beside this script

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_DB = "duecourse_bench_api"
KEY_FILE = Path(tempfile.gettempdir()) / f"{BENCH_DB}.ledger-key.pem"


def use_database(name: str) -> None:
    """Seed and load the database ``name`` (``--db-name``), its ledger key kept beside it."""
    global BENCH_DB, KEY_FILE
    BENCH_DB, KEY_FILE = name, Path(tempfile.gettempdir()) / f"{name}.ledger-key.pem"
KINDS = ("queue", "case", "command")
GOALS_MS = {"queue": 50.0, "case": 50.0, "command": 100.0}  # p99
ACCOUNTS = 50

SEED_OFFICER = Actor("bench-seed-o1", "officer", "Seed officer one")
SEED_EXAMINER = Actor("bench-seed-o2", "officer", "Seed officer two")
SEED_DETENTION = Actor("bench-seed-d1", "detention", "Seed detention officer")
OFFICES = (("Newark, NJ", "NEW"), ("Houston, TX", "HOU"), ("Chicago, IL", "CHI"),
           ("Phoenix, AZ", "PHO"), ("Miami, FL", "MIA"), ("Atlanta, GA", "ATL"))
# Facilities of the packaged catalogue (codes) with units for men and women.
FACILITIES = ("ELZICDF", "HOUICDF", "PRLDCTX", "EAZ", "CSCNWWA")
H, D = timedelta(hours=1), timedelta(days=1)
COMMAND_BODY = {"command": "determine_custody", "with": {
    "decision": "detain", "authority": "236(a)", "reason": "flight risk: no fixed address"}}


# -- seeding ------------------------------------------------------------------------------------


def _weekday_morning(t: datetime) -> datetime:
    t = t.replace(hour=14, minute=0, second=0, microsecond=0)
    while t.weekday() >= 5:
        t += D
    return t


def seed_steps(i: int, minor: bool, language: str, now: datetime
               ) -> list[tuple[datetime, Actor, Command]]:
    """The commands after ``open_case`` for case ``i`` (its times all before ``now``)."""
    rng = random.Random(i)
    group = i % 20
    arrest = RecordArrest(basis="warrantless", reason_to_believe="admitted overstay of a visa",
                          likely_to_escape="no fixed address")
    if group < 14 or minor:  # awaiting the custody decision; CUS-48 due within 4-47 hours
        t0 = now - timedelta(seconds=rng.uniform(1 * 3600, 44 * 3600))
        return [(t0, SEED_OFFICER, arrest),
                (t0 + timedelta(minutes=20), SEED_EXAMINER, RecordExamination())]
    t0 = now - timedelta(seconds=rng.uniform(3 * 86400, 15 * 86400))
    steps: list[tuple[datetime, Actor, Command]] = [
        (t0, SEED_OFFICER, arrest), (t0 + 0.5 * H, SEED_EXAMINER, RecordExamination())]
    if group >= 18:
        return [*steps, (t0 + 2 * H, SEED_OFFICER,
                         DetermineCustody(decision="recognizance", authority="236(a)",
                                          reason="no flight risk: fixed address"))]
    court = OFFICES[i % len(OFFICES)][1]
    return [*steps,
            (t0 + 2 * H, SEED_OFFICER, DetermineCustody(decision="detain", authority="236(a)",
                                                        reason="flight risk: no fixed address")),
            (t0 + 3 * H, SEED_DETENTION, Place(facility=FACILITIES[i % len(FACILITIES)],
                                               classification="A",
                                               reason="nearest bed for the classification")),
            (t0 + 4 * H, SEED_OFFICER, IssueNta(
                charges=("237(a)(1)(B)",), allegations=("remained beyond the admitted period",),
                hearing_at=_weekday_morning(t0 + 45 * D), court=court,
                counsel_list_date=(t0 - 20 * D).date())),
            (t0 + 5 * H, SEED_OFFICER, ServeNta(method="personal", language=language))]


def _seed_engine(app: App, url: str) -> None:
    """Seeding only: one connection, no ping before each use, and commits that do not wait for
    the WAL flush (the rows written are the same)."""
    app.ctx.engine.dispose()
    engine = create_engine(url, pool_size=1, max_overflow=0)

    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("SET synchronous_commit TO off")
        cur.close()
        dbapi_conn.commit()

    event.listen(engine, "connect", on_connect)
    app.ctx.engine = engine


def _seed_worker(url: str, key_pem: str, w: int, indices: list[int], now_iso: str,
                 progress: Any) -> None:
    os.environ.setdefault("DUECOURSE_ENV", "development")
    app = build_app(url, seed=1000 + w, signing_key=load_private_key(key_pem), migrate=False)
    _seed_engine(app, url)
    now = datetime.fromisoformat(now_iso)
    people = generate_population(len(indices), seed=1000 + w, as_of=now.date())
    commands = refused = done = 0
    for i, p in zip(indices, people, strict=True):
        steps = seed_steps(i, p.minor, p.language, now)
        location = OFFICES[i % len(OFFICES)][0]
        out = app.do(OpenCase(person=p.data, encounter="interior", location=location,
                              legal_basis="INA 237(a)(1)(B)"), SEED_OFFICER, steps[0][0] - 0.5 * H)
        commands += 1
        refused += not out.accepted
        for at, actor, cmd in steps:
            o = app.do(cmd, actor, at, case_id=out.case_id)
            commands += 1
            refused += not o.accepted
        done += 1
        if done % 50 == 0:
            progress.put(("cases", 50))
    progress.put(("cases", done % 50))
    progress.put(("done", commands, refused))
    app.ctx.engine.dispose()


def db_url(server_url: str) -> str:
    return make_url(server_url).set(database=BENCH_DB).render_as_string(hide_password=False)


def count_cases(url: str) -> int | None:
    """Cases in the bench database, or None if there is no such database."""
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return int(c.execute(select(func.count()).select_from(cases)).scalar_one())
    except Exception:  # no database, or no tables
        return None
    finally:
        engine.dispose()


@dataclass
class Seeded:
    url: str
    cases: int
    seconds: float  # 0 when reused
    commands: int
    refused: int
    reused: bool
    vacuum_seconds: float = 0.0


def seed(server_url: str, n: int, workers: int, reuse: bool, quiet: bool) -> Seeded:
    url = db_url(server_url)
    if reuse and KEY_FILE.exists():
        have = count_cases(url)
        if have is not None and have >= n:
            return Seeded(url, have, 0.0, 0, 0, True)
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))
    admin.dispose()
    key_pem = generate_private_key_pem()
    KEY_FILE.touch(mode=0o600)
    KEY_FILE.write_text(key_pem, encoding="utf-8")
    app = build_app(url, seed=1, signing_key=load_private_key(key_pem))  # migrates
    for a in (SEED_OFFICER, SEED_EXAMINER, SEED_DETENTION):
        app.register_actor(a)
    sequencer = app.start_sequencer()  # the workers queue their leaves; this process integrates
    now = datetime.now(UTC).replace(microsecond=0)
    ctx = mp.get_context("spawn")
    progress = ctx.Queue()
    procs = [ctx.Process(target=_seed_worker, args=(url, key_pem, w, list(range(w, n, workers)),
                                                    now.isoformat(), progress))
             for w in range(workers)]
    started = time.monotonic()
    for p in procs:
        p.start()
    commands = refused = finished = 0
    with Progress(TextColumn("seeding cases"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TimeRemainingColumn(), disable=quiet,
                  transient=False) as bar:
        task = bar.add_task("seed", total=n)
        while finished < workers:
            try:
                msg = progress.get(timeout=2)
            except queue.Empty:
                if any(p.exitcode not in (None, 0) for p in procs):
                    raise RuntimeError("a seeding worker failed") from None
                continue
            if msg[0] == "cases":
                bar.advance(task, msg[1])
            else:
                commands += msg[1]
                refused += msg[2]
                finished += 1
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise RuntimeError(f"a seeding worker failed (exit code {p.exitcode})")
    if sequencer is not None:
        sequencer.stop()
    app.flush_ledger()
    app.ctx.engine.dispose()
    seconds = time.monotonic() - started
    vac = create_engine(url, isolation_level="AUTOCOMMIT")
    with vac.connect() as c:  # as autovacuum would have by the time a store is this size
        c.execute(text("VACUUM ANALYZE"))
    vac.dispose()
    return Seeded(url, n, seconds, commands, refused, False,
                  time.monotonic() - started - seconds)


# -- the server ---------------------------------------------------------------------------------


def server_app() -> Any:
    """uvicorn factory for ``--trace``: what ``duecourse serve`` builds, from DUECOURSE_DB; with
    DUECOURSE_BENCH_TRACE (a folder) the sequencer's batches, the garbage collections and the
    requests are recorded too."""
    from duecourse.app.collector import settle
    from duecourse.config import load_settings
    from duecourse.web.server import build_web
    from duecourse.web.settings import load_web_settings

    settings = load_settings()
    web_settings = load_web_settings(settings, serving=True)
    app = build_app(settings.db_url, migrate=False)
    trace = os.environ.get("DUECOURSE_BENCH_TRACE")
    if trace:  # written every half second (uvicorn's workers may end without atexit)
        times = trace_gc()
        trace_batches(app, times.setdefault("sequencer_batch", []),
                      times.setdefault("sequencer_batch_at", []))
        out = Path(trace) / f"trace-{os.getpid()}.json"

        def dump() -> None:
            while True:
                time.sleep(0.5)
                out.write_text(json.dumps(times), encoding="utf-8")

        threading.Thread(target=dump, daemon=True).start()
        web = timed(build_web(app, web_settings), times.setdefault("server_request_ms", []),
                    times.setdefault("server_request_at", []))
    else:
        web = build_web(app, web_settings)
    settle()  # as duecourse serve does
    return web


def timed(asgi: Any, into: list[float], at: list[float]) -> Any:
    """The ASGI app, each HTTP request's time in the server (from receipt to the last byte sent)
    appended to ``into``, and when it ended (epoch seconds) to ``at``."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await asgi(scope, receive, send)
            return
        t = time.perf_counter()
        try:
            await asgi(scope, receive, send)
        finally:
            into.append((time.perf_counter() - t) * 1000)
            at.append(time.time())

    return app


def trace_gc() -> dict[str, list[float]]:
    """Time every garbage collection of this process, by generation (ms)."""
    import gc

    pauses: dict[str, list[float]] = {"gc0_ms": [], "gc1_ms": [], "gc2_ms": []}
    started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses[f"gc{info['generation']}_ms"].append((time.perf_counter() - started[0]) * 1e3)

    gc.callbacks.append(on_gc)
    return pauses


def trace_batches(app: App, sizes: list[float], at: list[float]) -> None:
    """Record the size of every batch the process's sequencer integrates while elected, and
    when (epoch seconds): the web app starts it (``App.start_sequencer``) when it starts."""
    start = app.start_sequencer

    def started() -> Sequencer | None:
        seq = start()
        if seq is not None:
            def on_batch(done: Integrated) -> None:
                sizes.append(float(done.count))
                at.append(time.time())

            seq.on_batch = on_batch
        return seq

    app.start_sequencer = started  # type: ignore[method-assign]


def read_traces(folder: Path, since: float = 0.0, until: float = float("inf")
                ) -> dict[str, dict[str, float]]:
    """The servers' traces pooled; requests and batches only from ``since`` to ``until`` (epoch
    seconds: the counted window), so that warm-up does not count."""
    pooled: dict[str, list[float]] = {}
    for f in folder.glob("trace-*.json"):
        data = json.loads(f.read_text(encoding="utf-8"))
        for name in ("server_request", "sequencer_batch"):
            values = data.pop(f"{name}_ms" if name == "server_request" else name, [])
            at = data.pop(f"{name}_at", [])
            pooled.setdefault(name + ("_ms" if name == "server_request" else ""), []).extend(
                v for v, t in zip(values, at, strict=False) if since <= t <= until)
        for k, v in data.items():
            pooled.setdefault(k, []).extend(v)
    return summarise(pooled)


def summarise(pooled: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    return {k: {"count": len(v), "mean": round(sum(v) / max(1, len(v)), 2),
                "p50": round(pct(v, 50), 2), "p99": round(pct(v, 99), 2),
                "max": round(max(v, default=0.0), 2)}
            for k, v in pooled.items()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    base: str
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_server(url: str, workers: int, logdir: Path, trace: Path | None = None) -> Server:
    port = free_port()
    env = {**os.environ, "DUECOURSE_ENV": "development", "DUECOURSE_DB": url,
           "DUECOURSE_LEDGER_KEY": KEY_FILE.read_text(encoding="utf-8"),
           "DUECOURSE_SECRET_KEY": secrets.token_hex(32)}
    if trace is not None:
        env["DUECOURSE_BENCH_TRACE"] = str(trace)
    if trace is None:
        exe = shutil.which("duecourse") or str(Path(sys.executable).with_name("duecourse"))
        argv = [exe, "serve", "--port", str(port), "--db", url, "--workers", str(workers)]
    else:
        argv = [sys.executable, "-m", "uvicorn", "api_load:server_app", "--factory",
                "--app-dir", str(Path(__file__).resolve().parent), "--host", "127.0.0.1",
                "--port", str(port), "--workers", str(workers), "--log-level", "info",
                "--no-proxy-headers", "--http", HTTP_PROTOCOL]
    log = logdir / f"server-{workers}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, env=env, cwd=logdir, stdout=out, stderr=subprocess.STDOUT)
    return Server(proc, f"http://127.0.0.1:{port}", log)


def wait_ready(server: Server, token: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"the server exited: {server.log.read_text(errors='replace')[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            r = httpx.get(f"{server.base}/api/v1/me", headers={"Authorization": f"Bearer {token}"},
                          timeout=2)
            if r.status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("the server did not answer in time")


def make_tokens(url: str, n: int) -> list[str]:
    """``n`` officer accounts (made once per database) and a fresh bearer token for each."""
    app = build_app(url, seed=7, signing_key=load_private_key(KEY_FILE.read_text(encoding="utf-8")),
                    migrate=False)
    tokens = []
    try:
        for k in range(n):
            username = f"bench-officer-{k:02d}"
            with app.ctx.engine.connect() as conn:
                account = get_account(conn, username)
            if account is None:
                account = do_create_account(app.ctx, None, username, "officer", None,
                                            name=f"Bench Officer {k:02d}",
                                            office=OFFICES[k % len(OFFICES)][0])
            tokens.append(do_issue_token(app.ctx, account, label="bench/api_load.py")[0])
    finally:
        app.ctx.engine.dispose()
    return tokens


def case_ids(url: str) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as c:
        ids = [r[0] for r in c.execute(select(cases.c.id).order_by(cases.c.id))]
    engine.dispose()
    return ids


OWN_SESSIONS = 7
"""Sessions the bench itself opens in the counted window (``run_load``)."""

# -- CPU and wait sampling ----------------------------------------------------------------------


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    children: dict[int, list[int]] = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                ppid = int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(p.name))
    out, todo = [], [pid]
    while todo:
        q = todo.pop()
        out.append(q)
        todo.extend(children.get(q, []))
    return out


def _postmaster(url: str) -> tuple[int, int]:
    """The PostgreSQL server's main process id (same machine) and its sessions so far to the
    bench database (``pg_stat_database.sessions``)."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as c:
        backend = int(c.execute(text("SELECT pg_backend_pid()")).scalar_one())
        sessions = int(c.execute(text("SELECT sessions FROM pg_stat_database "
                                      "WHERE datname = current_database()")).scalar_one())
        parent = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1]
    engine.dispose()
    return int(parent), sessions


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine since boot."""
    xs = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = xs[3] + xs[4]
    return float(sum(xs) - idle), float(sum(xs))


class WaitSampler(threading.Thread):
    """Samples ``pg_stat_activity`` for the bench database: what its backends are doing."""

    def __init__(self, url: str, every: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.engine = create_engine(url, pool_size=1)
        self.every = every
        self.stop = threading.Event()
        self.samples = 0
        self.counts: Counter[str] = Counter()

    def run(self) -> None:
        q = text("SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
                 "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                 "AND backend_type = 'client backend'")
        with self.engine.connect() as c:
            while not self.stop.wait(self.every):
                self.samples += 1
                for state, wtype, wevent in c.execute(q):
                    if state == "active":
                        self.counts[f"{wtype}:{wevent}" if wtype else "running (CPU)"] += 1
                    elif state == "idle in transaction":
                        self.counts["idle in transaction (client working)"] += 1
                c.rollback()
        self.engine.dispose()

    def summary(self) -> dict[str, float]:
        """Average number of backends in each state (over the samples)."""
        return {k: round(v / max(1, self.samples), 2) for k, v in self.counts.most_common(8)}


_LEDGER_COUNTS = text(
    "SELECT (SELECT size FROM ledger_head WHERE id = 1), "
    "(SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'ledger_head'), "
    "(SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'ledger_queue')")


def ledger_counts(url: str) -> tuple[int, int, int]:
    """(entries in the ledger, updates of its head so far — one per sequencer batch — and
    leaves queued so far). PostgreSQL's table counters lag by up to a second."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as c:
        size, batches, queued = c.execute(_LEDGER_COUNTS).one()
    engine.dispose()
    return int(size or 0), int(batches or 0), int(queued or 0)


# -- the load -----------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies_ms: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: Counter[str] = field(default_factory=Counter)
    statuses: dict[str, Counter[int]] = field(
        default_factory=lambda: {k: Counter() for k in KINDS})


OK_STATUS = {"queue": {200}, "case": {200}, "command": {200, 409, 412}}


async def send(c: httpx.AsyncClient, kind: str, rng: random.Random,
               ids: list[str]) -> httpx.Response:
    """One request of ``kind``: the work queue, a case page, or the command."""
    if kind == "queue":
        return await c.get("/api/v1/queue", params={"purpose": "case_work", "limit": 50})
    if kind == "case":
        return await c.get(f"/api/v1/cases/{rng.choice(ids)}", params={"purpose": "case_work"})
    return await c.post(f"/api/v1/cases/{rng.choice(ids)}/commands", json=COMMAND_BODY)


async def client(k: int, base: str, token: str, ids: list[str], weights: list[int],
                 warm_until: float, stop_at: float, think_ms: float, tally: Tally) -> None:
    rng = random.Random(k)
    clock = time.perf_counter
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"},
                                 timeout=60.0, limits=httpx.Limits(max_connections=1)) as c:
        while (t := clock()) < stop_at:
            kind = rng.choices(KINDS, weights)[0]
            try:
                status = (await send(c, kind, rng, ids)).status_code
            except httpx.HTTPError:
                status = -1
            dt = clock() - t
            if t >= warm_until:
                tally.latencies_ms[kind].append(dt * 1000)
                tally.statuses[kind][status] += 1
                if status not in OK_STATUS[kind]:
                    tally.errors[kind] += 1
            if think_ms:
                await asyncio.sleep(rng.expovariate(1000 / think_ms))


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


@dataclass
class LoadResult:
    workers: int
    clients: int
    seconds: float
    think_ms: float
    tally: Tally
    cpu: dict[str, float]
    waits: dict[str, float]
    ledger: dict[str, float] = field(default_factory=dict)
    trace: dict[str, dict[str, float]] = field(default_factory=dict)

    def kind(self, k: str) -> dict[str, Any]:
        xs = self.tally.latencies_ms[k]
        d: dict[str, Any] = {
            "count": len(xs), "errors": self.tally.errors[k],
            "per_second": round(len(xs) / self.seconds, 1),
            "p50_ms": round(pct(xs, 50), 1), "p95_ms": round(pct(xs, 95), 1),
            "p99_ms": round(pct(xs, 99), 1), "max_ms": round(max(xs, default=float("nan")), 1),
            "goal_p99_ms": GOALS_MS[k], "goal_met": bool(xs) and pct(xs, 99) < GOALS_MS[k]}
        if k == "command":
            d["accepted"] = self.tally.statuses[k][200]
            d["refused"] = self.tally.statuses[k][409]
            d["conflicts"] = self.tally.statuses[k][412]  # two clients on one case at once
        d["statuses"] = {str(s): n for s, n in sorted(self.tally.statuses[k].items())}
        return d

    def as_dict(self) -> dict[str, Any]:
        every = [x for k in KINDS for x in self.tally.latencies_ms[k]]
        rate = len(every) / self.seconds
        per = {k: round(self.cpu[f"{k}_cores"] * 1000 / rate, 2) if rate else None
               for k in ("server", "postgres", "load_generator")}
        return {"server_workers": self.workers, "clients": self.clients,
                "seconds": round(self.seconds, 1), "think_ms": self.think_ms,
                "requests_per_second": round(rate, 1),
                "p50_ms": round(pct(every, 50), 1), "p99_ms": round(pct(every, 99), 1),
                "kinds": {k: self.kind(k) for k in KINDS}, "cpu": self.cpu,
                "cpu_per_request_ms": per, "pg_backends": self.waits, "ledger": self.ledger,
                "trace": self.trace or None}


async def _drive(base: str, tokens: list[str], ids: list[str], clients: int, weights: list[int],
                 warmup: float, duration: float, think_ms: float, tally: Tally) -> None:
    t0 = time.perf_counter()
    await asyncio.gather(*(client(k, base, tokens[k % len(tokens)], ids, weights,
                                  t0 + warmup, t0 + warmup + duration, think_ms, tally)
                           for k in range(clients)))


def run_load(url: str, workers: int, tokens: list[str], ids: list[str], clients: int,
             weights: list[int], warmup: float, duration: float, think_ms: float,
             logdir: Path, trace: bool) -> LoadResult:
    folder = logdir / f"trace-{workers}-{think_ms:g}" if trace else None
    if folder is not None:
        folder.mkdir()
    server = start_server(url, workers, logdir, folder)
    result: LoadResult | None = None
    try:
        wait_ready(server, tokens[0])
        tally = Tally()
        waits, queue_sampler = WaitSampler(url), QueueSampler(url, every=0.025)
        cpu: dict[str, float] = {}
        ledger: dict[str, float] = {}
        window = [0.0, 0.0]

        async def go() -> None:
            task = asyncio.create_task(_drive(server.base, tokens, ids, clients, weights, warmup,
                                              duration, think_ms, tally))
            await asyncio.sleep(warmup)
            window[0] = time.time()
            pids = _tree(server.proc.pid)
            _postmaster_pid, sessions0 = _postmaster(url)
            s0 = sum(proc_cpu(p) for p in pids)
            pg = PgCpu(create_engine(url, poolclass=NullPool))
            size0, batches0, queued0 = ledger_counts(url)
            me0 = time.process_time()
            b0, t0 = _machine_busy()
            waits.start()
            queue_sampler.start()
            await asyncio.sleep(duration)  # measured over the counted seconds, not the drain
            waits.stop.set()
            queue_sampler.halt.set()
            window[1] = time.time()
            b1, t1 = _machine_busy()
            ncpu = os.cpu_count() or 1
            cpu["load_generator_cores"] = round((time.process_time() - me0) / duration, 2)
            cpu["server_cores"] = round((sum(proc_cpu(p) for p in pids) - s0) / duration, 2)
            cpu["postgres_cores"] = round(pg.seconds() / duration, 2)
            pg.engine.dispose()
            cpu["machine_busy_cores"] = round((b1 - b0) / (t1 - t0) * ncpu, 2)
            cpu["cores"] = ncpu
            cpu["load_average_1min"] = round(os.getloadavg()[0], 2)
            size1, batches1, queued1 = ledger_counts(url)
            # less this bench's own sessions: the samplers, the CPU and ledger probes, this one
            cpu["new_pg_sessions_per_second"] = round(
                (_postmaster(url)[1] - sessions0 - OWN_SESSIONS) / duration, 1)
            ledger.update(leaves_queued_per_second=round((queued1 - queued0) / duration, 1),
                          integrated_per_second=round((size1 - size0) / duration, 1),
                          batches_per_second=round((batches1 - batches0) / duration, 1),
                          batch_mean=round((size1 - size0) / max(1, batches1 - batches0), 1))
            await task

        asyncio.run(go())
        waits.join()
        queue_sampler.join()
        ledger.update(queue_sampler.summary())
        result = LoadResult(workers, clients, duration, think_ms, tally, cpu, waits.summary(),
                            ledger)
    finally:
        server.stop()
    if folder is not None:
        result.trace = read_traces(folder, *window)
    return result


# -- profiling ----------------------------------------------------------------------------------


def profile(url: str, token: str, ids: list[str], n: int) -> str:
    """``n`` requests of each kind in-process, one at a time, with every SQL statement timed and
    then under cProfile. The sync endpoints run inline (not in the thread pool) so that the
    profiler, which sees one thread, sees all of a request; ``EXPLAIN ANALYZE`` of the queue."""
    from unittest import mock

    import anyio.to_thread

    from duecourse.config import load_settings
    from duecourse.web.app import create_web_app
    from duecourse.web.settings import load_web_settings

    os.environ["DUECOURSE_LEDGER_KEY"] = KEY_FILE.read_text(encoding="utf-8")
    app: App = build_app(url, migrate=False)
    web = create_web_app(app, load_web_settings(load_settings(url)))
    sql: dict[str, list[float]] = {}
    last_queue: list[tuple[str, Any]] = []
    starts: dict[int, float] = {}

    @event.listens_for(app.ctx.engine, "before_cursor_execute")
    def before(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        starts[id(cursor)] = time.perf_counter()
        if "FROM deadlines JOIN cases" in statement:
            last_queue[:] = [(statement, params)]

    @event.listens_for(app.ctx.engine, "after_cursor_execute")
    def after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        shape = " ".join(statement.split())[:88]
        sql.setdefault(shape, []).append(time.perf_counter() - starts.pop(id(cursor)))

    async def inline(func: Any, *args: Any, **_: Any) -> Any:
        return func(*args)

    rng = random.Random(5)

    async def requests(kind: str, count: int) -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web),
                                     base_url="http://bench",
                                     headers={"Authorization": f"Bearer {token}"}) as c:
            for _ in range(count):
                r = await send(c, kind, rng, ids)
                if r.status_code not in OK_STATUS[kind]:
                    raise RuntimeError(f"{kind}: {r.status_code} {r.text[:200]}")

    out = io.StringIO()
    with mock.patch.object(anyio.to_thread, "run_sync", inline):
        for kind in KINDS:
            asyncio.run(requests(kind, 20))  # warm caches and the pool
            sql.clear()
            t, c0 = time.perf_counter(), time.process_time()
            asyncio.run(requests(kind, n))
            per = (time.perf_counter() - t) / n * 1000
            cpu = (time.process_time() - c0) / n * 1000
            sql_ms = {k: sum(v) / n * 1000 for k, v in sql.items()}
            counts = {k: len(v) / n for k, v in sql.items()}
            prof = cProfile.Profile(time.process_time)  # CPU: the waits are in the SQL table
            prof.enable()
            asyncio.run(requests(kind, n))
            prof.disable()
            db = sum(sql_ms.values())
            print(f"\n=== {kind}: {per:.2f} ms per request in-process, one at a time; SQL "
                  f"{db:.2f} ms of it in {sum(counts.values()):.1f} statements, the rest "
                  f"{per - db:.2f} ms; CPU of this process {cpu:.2f} ms ===", file=out)
            for shape, ms in sorted(sql_ms.items(), key=lambda kv: -kv[1])[:12]:
                print(f"  {ms:6.2f} ms  x{counts[shape]:4.1f}  {shape}", file=out)
            for title, order, restrict in (("own CPU time", "tottime", 25),
                                           ("cumulative CPU time", "cumulative", 45)):
                buf = io.StringIO()
                stats = pstats.Stats(prof, stream=buf).sort_stats(order)
                if isinstance(restrict, str):
                    stats.print_stats(restrict, 24)
                else:
                    stats.print_stats(restrict)
                lines = [ln for ln in buf.getvalue().splitlines() if ln.strip()]
                first = next((i for i, ln in enumerate(lines) if "ncalls" in ln), 0)
                print(f"  -- cProfile (x{n}), by {title} --", file=out)
                print("\n".join("  " + ln.replace(str(Path.cwd()) + "/", "")
                                 .replace(sys.prefix + "/lib/python3.11/site-packages/", "")
                                 for ln in lines[first:]), file=out)
    if last_queue:
        statement, params = last_queue[0]
        with app.ctx.engine.connect() as c:
            plan = c.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params).all()
        print("\n=== EXPLAIN ANALYZE of the work queue ===", file=out)
        print("\n".join("  " + r[0] for r in plan), file=out)
    app.flush_ledger()  # no sequencer runs in-process: what the requests queued
    app.ctx.engine.dispose()
    return out.getvalue()


# -- output -------------------------------------------------------------------------------------


def print_table(seeded: Seeded, results: list[LoadResult]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=160)
    how = (f"reused ({seeded.cases:,} cases)" if seeded.reused else
           f"{seeded.cases:,} cases, {seeded.commands:,} commands ({seeded.refused} refused) in "
           f"{seeded.seconds:,.0f} s ({seeded.commands / seeded.seconds:,.0f} commands/s), then "
           f"VACUUM ANALYZE {seeded.vacuum_seconds:,.0f} s")
    console.print(f"Seeding: {how}", highlight=False)
    for r in results:
        d = r.as_dict()
        pace = (f"each pausing ~{r.think_ms / 1000:g} s between requests" if r.think_ms
                else "back to back (no pause)")
        t = Table(title=f"duecourse API under load: {r.clients} clients {pace}, {r.workers} server "
                        f"worker(s), {r.seconds:.0f} s, {d['requests_per_second']:,} requests/s "
                        f"({os.cpu_count()} CPUs)")
        for col in ("kind", "count", "req/s", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms",
                    "goal p99", "met", "note"):
            t.add_column(col, justify="right")
        for k in KINDS:
            x = d["kinds"][k]
            note = (f"{x['accepted']} accepted, {x['refused']} refused, {x['conflicts']} "
                    "conflicts (412)") if k == "command" else ""
            t.add_row(k, f"{x['count']:,}", f"{x['per_second']:,}", str(x["errors"]),
                      f"{x['p50_ms']:.1f}", f"{x['p95_ms']:.1f}", f"{x['p99_ms']:.1f}",
                      f"{x['max_ms']:.1f}", f"< {x['goal_p99_ms']:.0f}",
                      "yes" if x["goal_met"] else "NO", note)
        console.print(t)
        console.print(f"All requests: p50 {d['p50_ms']} ms, p99 {d['p99_ms']} ms", highlight=False)
        console.print(f"CPU (cores busy): {d['cpu']}; PostgreSQL backends (average count): "
                      f"{d['pg_backends']}", highlight=False)
        # the yardstick between hours: the VM's speed varies
        console.print(f"CPU per request (ms): {d['cpu_per_request_ms']}", highlight=False)
        console.print(f"Ledger: {d['ledger']}", highlight=False)
        if r.trace:
            console.print(f"In the server (--trace): {r.trace}", highlight=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=100_000, help="cases to seed")
    parser.add_argument("--pg", default=os.environ.get("DUECOURSE_BENCH_PG_URL", DEFAULT_PG),
                        help=f"PostgreSQL server URL (a database {BENCH_DB} is created there)")
    parser.add_argument("--db-name", default=BENCH_DB,
                        help="the bench database's name (its ledger key is kept beside it)")
    parser.add_argument("--seed-workers", type=int, default=2, help="seeding processes")
    parser.add_argument("--reuse", action="store_true",
                        help="keep a seeded database holding at least --cases cases")
    parser.add_argument("--keep", action="store_true", help="do not drop the database afterwards")
    parser.add_argument("--seed-only", action="store_true",
                        help="seed (or reuse) the database, keep it and stop")
    parser.add_argument("--workers", default="2",
                        help="server worker processes (one per core), one run per value: e.g. 1,2")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring")
    parser.add_argument("--mix", default="1:2:1", help="weights of queue:case:command")
    parser.add_argument("--think-ms", default="2000,1000,0",
                        help="mean pause of each client between requests, ms (exponential; 0: "
                             "back to back), one run per value: by default ~2 s and ~1 s, as "
                             "people working at a screen, then none, the server saturated")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also profile N requests of each kind in-process")
    parser.add_argument("--trace", action="store_true",
                        help="record sequencer batches, garbage collections and request times in "
                             "the server (uvicorn factory, any --workers)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    use_database(args.db_name)
    weights = [int(x) for x in str(args.mix).split(":")]
    if len(weights) != len(KINDS):
        parser.error("--mix takes three weights, queue:case:command")
    os.environ.setdefault("DUECOURSE_ENV", "development")

    seeded = seed(args.pg, args.cases, args.seed_workers, args.reuse, args.json)
    if args.seed_only:
        print(json.dumps(vars(seeded)) if args.json else
              f"{seeded.cases:,} cases in {BENCH_DB} ({seeded.commands:,} commands, "
              f"{seeded.refused} refused, {seeded.seconds:,.0f} s; VACUUM ANALYZE "
              f"{seeded.vacuum_seconds:,.0f} s)")
        return 1 if seeded.refused else 0
    results: list[LoadResult] = []
    report = ""
    try:
        tokens = make_tokens(seeded.url, ACCOUNTS)
        ids = case_ids(seeded.url)
        with tempfile.TemporaryDirectory(prefix="api_load-") as tmp:
            for w in (int(x) for x in str(args.workers).split(",")):
                for think in (float(x) for x in str(args.think_ms).split(",")):
                    results.append(run_load(seeded.url, w, tokens, ids, args.clients, weights,
                                            args.warmup, args.duration, think, Path(tmp),
                                            args.trace))
        if args.profile:
            report = profile(seeded.url, tokens[0], ids, args.profile)
    finally:
        if not (args.keep or args.reuse):
            admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
            admin.dispose()
            KEY_FILE.unlink(missing_ok=True)
    if args.json:
        print(json.dumps({"cases": seeded.cases, "seed": {
            "reused": seeded.reused, "seconds": round(seeded.seconds, 1),
            "vacuum_seconds": round(seeded.vacuum_seconds, 1),
            "commands": seeded.commands, "refused": seeded.refused},
            "mix": dict(zip(KINDS, weights, strict=True)),
            "runs": [r.as_dict() for r in results], "profile": report or None}, indent=2))
    else:
        print_table(seeded, results)
        if report:
            print(report)
    bad = seeded.refused or any(r.tally.errors[k] for r in results for k in KINDS)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
