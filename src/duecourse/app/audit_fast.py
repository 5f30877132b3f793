"""The quick pass of ``duecourse audit verify``: the same checks as the careful pass in
``audit.py``, on rows read straight from the database driver, that only answers "everything
verifies" or "look carefully".

It re-derives every entry's bytes and every event's hash from the stored columns, in Python,
exactly as the careful pass does (the formats of ``ledger.entry_bytes_of``, ``leaf_bytes_of``
and ``event_hash_of``, which give the generic encoder's bytes for the column types duecourse
writes), rebuilds the Merkle tree (RFC 6962 §2.1) and checks every signed checkpoint, the head
and the coverage as ``verify_ledger`` does. It answers "all verified" only when every entry sits
at its position with its stored leaf hash, every checkpoint (in the store or kept outside it)
carries a good signature by the key in force at its size and the root of the entries it covers,
the head names the whole ledger, a checkpoint in the store covers every entry, and the events
are exactly those the entries record, each with its recorded hash. Anything else — a column of
another type, text that cannot be decoded, any problem at all — ends it with ``None``, and the
careful pass reads the store again and names what is wrong. It never reports a problem itself,
so every finding comes from one place.

On PostgreSQL a large ledger is read by two processes at once, on the caller's snapshot of the
database (a repeatable-read transaction, shared through ``pg_export_snapshot``): each takes half
of the ledger, cut at a multiple of ``CHUNK`` (a power of two), and half of the events, cut at a
case id. Each computes the leaves of its half and the root of every complete chunk of ``CHUNK``
leaves — the roots of perfect subtrees of the ledger's tree — and, at every checkpoint's size
inside a chunk, that chunk's partial peaks; this process merges the chunk roots into the roots
at the checkpoints' sizes. Each process matches the events of its cases against the recorded
hashes of its cases, the entries of the other half sending theirs across. Nothing is hashed or
put together by the database: it only hands over the rows.
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing as mp
import pickle
import queue as queues
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from json.encoder import encode_basestring
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from ..audit.merkle import EMPTY_ROOT, Frontier, root_of_peaks
from ..audit.verify import (
    AnyCheckpoint,
    NoteCheckpoint,
    VerifyReport,
    is_external,
    key_for,
    signature_problem,
)
from . import ledger as L

CHUNK = 1 << 14
"""Leaves per chunk: the unit of work and of progress, and where the ledger may be cut."""
PARALLEL_FROM = 8 * CHUNK
"""A ledger this long (PostgreSQL) is read by two processes; a shorter one in this process."""
_BATCH = 20_000
_COLUMNS = "seq, at, kind, actor_id, actor_role, purpose, case_id, body, leaf_hash, leaf_format"
_LEDGER_SQL = f"SELECT {_COLUMNS} FROM ledger ORDER BY seq"
_EVENT_COLUMNS = "case_id, seq, kind, at, actor_id, actor_role, data"
_EVENTS_SQL = f"SELECT {_EVENT_COLUMNS} FROM events"
# The events an accepted entry records, as ``ledger.append`` writes them (canonical JSON, keys
# sorted). A body the pattern misreads cannot pass: every event must then match exactly one
# recorded hash and every recorded hash one event, or the careful pass (which parses the JSON)
# takes over.
_RECORDED = re.compile(r'\{"hash":"([0-9a-f]{64})","kind":"[a-z_]+","seq":([0-9]+)\}')
# The leaf of an entry (RFC 6962 §2.1: 0x00 || its canonical bytes) and an event's hashed bytes:
# the formats of ``ledger.leaf_bytes_of``, ``entry_bytes_of`` and ``event_hash_of``.
_LEAF_2 = "\x00" + L.LEAF_TEXT
_LEAF_1 = "\x00" + L.LEGACY_ENTRY_TEXT
_EVENT = L.EVENT_TEXT

Refs = dict[tuple[str, int], str]


class _LookCarefully(Exception):
    """Something the quick pass does not judge: the careful pass decides."""


@dataclass
class Part:
    """What one reader found in its stretch of the ledger, from position ``lo``."""

    lo: int
    count: int = 0
    roots: list[bytes] = field(default_factory=list)
    """The roots of its complete chunks (perfect subtrees of ``CHUNK`` leaves), in order."""
    peaks: dict[int, list[bytes]] = field(default_factory=dict)
    """At each wanted size inside a chunk: the peaks of that chunk's leaves so far."""
    events: int = 0


# -- the readers --------------------------------------------------------------------------------


def scan_ledger(rows: Iterable[tuple[Any, ...]], part: Part, wanted: Sequence[int],
                low: Refs, high: Refs | None = None, split: str = "",
                tick: Callable[[int], None] | None = None) -> None:
    """Check each row's position and stored leaf hash, build the tree's chunks, and collect
    the events each accepted entry records: into ``low``, or for case ids from ``split`` on
    into ``high`` (when given). Raises _LookCarefully at the first thing amiss."""
    sha, e, find = hashlib.sha256, encode_basestring, _RECORDED.findall
    leaf2, leaf1 = _LEAF_2, _LEAF_1
    targets = iter(sorted({s for s in wanted if s > part.lo and s % CHUNK}))
    target = next(targets, -1)
    expected = part.lo
    peaks: list[bytes] = []
    m = 0  # leaves in the current chunk
    for seq, at, kind, actor_id, actor_role, purpose, case_id, body, leaf, fmt in rows:
        if seq != expected or seq.__class__ is not int:
            raise _LookCarefully
        if fmt == 2:
            data = leaf2 % (e(actor_id), e(actor_role), e(at), e(body), e(case_id), e(kind),
                            e(purpose))
        else:
            data = leaf1 % (e(actor_id), e(actor_role), e(at), e(body), e(case_id), e(kind),
                            e(purpose), seq)
        h = sha(data.encode("utf-8")).digest()
        if h.hex() != leaf:
            raise _LookCarefully
        if kind == "command_accepted":
            into = low if high is None or case_id < split else high
            for digest, event_seq in find(body):
                key = (case_id, int(event_seq))
                if key in into:
                    raise _LookCarefully  # two entries claim one event
                into[key] = digest
        # Frontier append within the chunk (RFC 6962 §2.1): one merge per trailing 1-bit.
        k = m
        while k & 1:
            h = sha(b"\x01" + peaks.pop() + h).digest()
            k >>= 1
        peaks.append(h)
        m += 1
        expected += 1
        if m == CHUNK:
            part.roots.append(peaks.pop())
            m = 0
            if tick is not None:
                tick(expected)
        elif expected == target:
            part.peaks[expected] = list(peaks)
            target = next(targets, -1)
    if m:
        part.peaks[expected] = peaks
    part.count = expected - part.lo


def scan_events(rows: Iterable[tuple[Any, ...]], into: Refs,
                event_at: Callable[[Any], str | None]) -> int:
    """Hash each event from its columns into ``into`` (its case and number → hash); the
    number of events. Raises _LookCarefully for a second event under one case and number."""
    sha, e, fmt, iso = hashlib.sha256, encode_basestring, _EVENT, L.iso
    n = 0
    for case_id, seq, kind, at, actor_id, actor_role, data in rows:
        hashed_at: str | None
        if at.__class__ is datetime and at.year >= 1000:  # what ``iso`` gives, in UTC
            if at.tzinfo is None:  # PostgreSQL's own UTC value (``_events_cursor``)
                hashed_at = at.isoformat(timespec="microseconds") + "Z"
            else:
                hashed_at = at.isoformat(timespec="microseconds")
                hashed_at = hashed_at[:26] + "Z" if hashed_at[26:] == "+00:00" else iso(at)
        elif (hashed_at := event_at(at)) is None:
            raise _LookCarefully
        if seq.__class__ is not int:
            raise _LookCarefully
        key = (case_id, seq)
        if key in into:
            raise _LookCarefully
        into[key] = sha((fmt % (e(actor_id), e(actor_role), e(hashed_at), e(case_id), e(data),
                                e(kind), seq)).encode("utf-8")).hexdigest()
        n += 1
    return n


def _batches(cur: Any, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
    try:
        cur.execute(sql, params)
        while rows := cur.fetchmany(_BATCH):
            yield from rows
    finally:
        cur.close()


def _ahead(cur: Any, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
    """``_batches`` with the next batch fetched in a thread meanwhile, so that PostgreSQL
    produces it while this thread checks the current one (the reader processes only: the
    connection is then used by nothing else)."""
    batches: queues.Queue[Any] = queues.Queue(maxsize=2)

    def fetch() -> None:
        try:
            cur.execute(sql, params)
            while rows := cur.fetchmany(_BATCH):
                batches.put(rows)
            batches.put(None)
        except BaseException as e:  # handed to the reading thread
            batches.put(e)

    threading.Thread(target=fetch, daemon=True).start()
    while (rows := batches.get()) is not None:
        if isinstance(rows, BaseException):
            raise rows
        yield from rows
    cur.close()


def _cursor(dbapi: Any, name: str, postgresql: bool) -> Any:
    # PostgreSQL streams through a server-side cursor; SQLite reads as it goes anyway.
    if postgresql:
        cur = dbapi.cursor(name=name)
        cur.itersize = _BATCH
        return cur
    return dbapi.cursor()


def _events_cursor(dbapi: Any, name: str, postgresql: bool) -> Any:
    """On PostgreSQL, in binary, each event's time as the naive UTC datetime of its stored
    microseconds (a ``timestamptz`` is stored in UTC): no time zone to apply per row."""
    if not postgresql:
        return dbapi.cursor()
    from psycopg.types.datetime import TimestampBinaryLoader

    cur = dbapi.cursor(name=name, binary=True)
    cur.itersize = _BATCH
    cur.adapters.register_loader("timestamptz", TimestampBinaryLoader)
    return cur


# -- in this process ----------------------------------------------------------------------------


def _here(conn: Connection, wanted: Sequence[int], event_at: Callable[[Any], str | None],
          progress: Callable[[int], None] | None) -> list[Part]:
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    pg = conn.dialect.name == "postgresql"
    part, recorded, found = Part(0), Refs(), Refs()
    scan_ledger(_batches(_cursor(dbapi, "duecourse_verify_ledger", pg), _LEDGER_SQL), part,
                wanted, recorded, tick=progress)
    part.events = scan_events(_batches(_events_cursor(dbapi, "duecourse_verify_events", pg),
                                       _EVENTS_SQL), found, event_at)
    if found != recorded:
        raise _LookCarefully  # an event not recorded, recorded but missing, or altered
    return [part]


# -- in two processes (PostgreSQL) --------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    """One reader's share: ledger positions [lo, hi) (hi None: to the end) and the events of
    case ids below ``split`` (or from it on), on the exported snapshot."""

    index: int
    connect: dict[str, Any]
    snapshot: str
    lo: int
    hi: int | None
    split: str
    wanted: tuple[int, ...]


def _reader(job: _Job, inbox: Any, outbox: Any, results: Any) -> None:
    """A reader process: its stretch of the ledger and its share of the events."""
    try:
        results.put(("done", job.index, _read_share(job, inbox, outbox, results)))
    except BaseException as e:  # any failure hands over to the careful pass
        results.put(("careful", job.index, f"{type(e).__name__}: {e}"))


def _read_share(job: _Job, inbox: Any, outbox: Any, results: Any) -> Part:
    import psycopg

    connect = {**job.connect, "options": f"{job.connect.get('options', '')} -c TimeZone=UTC"}
    with psycopg.connect(**connect) as db:
        db.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        db.read_only = True
        db.execute(psycopg.sql.SQL("SET TRANSACTION SNAPSHOT {}").format(
            psycopg.sql.Literal(job.snapshot)))
        where, params = (("seq >= %s", [job.lo]) if job.hi is None else
                         ("seq >= %s AND seq < %s", [job.lo, job.hi]))
        # The events its entries record of the other share's cases go across.
        part, mine, theirs = Part(job.lo), Refs(), Refs()
        low, high = (mine, theirs) if job.index == 0 else (theirs, mine)
        scan_ledger(_ahead(_cursor(db, f"dv_ledger_{job.index}", True),
                           f"SELECT {_COLUMNS} FROM ledger WHERE {where} ORDER BY seq", params),
                    part, job.wanted, low, high, job.split,
                    tick=lambda n: results.put(("progress", job.index, n - job.lo)))
        outbox.put(pickle.dumps(theirs, pickle.HIGHEST_PROTOCOL))
        # Complementary conditions: every row is in exactly one share, whatever it holds.
        test = "IS TRUE" if job.index == 0 else "IS NOT TRUE"
        found = Refs()
        part.events = scan_events(_ahead(
            _events_cursor(db, f"dv_events_{job.index}", True),
            f'{_EVENTS_SQL} WHERE (case_id COLLATE "C" < %s) {test}', [job.split]),
            found, _no_text_times)
        sent: Refs = pickle.loads(inbox.get())
        if not sent.keys().isdisjoint(mine):
            raise _LookCarefully  # entries in both halves claim one event
        mine.update(sent)
        if found != mine:
            raise _LookCarefully
    return part


def _no_text_times(_value: Any) -> str | None:
    return None  # PostgreSQL hands over a timestamp; anything else is for the careful pass


def _one_snapshot(conn: Connection) -> bool:
    """PostgreSQL, in a transaction that reads one snapshot (which the readers then share)."""
    return conn.dialect.name == "postgresql" and conn.get_isolation_level() in (
        "REPEATABLE READ", "SERIALIZABLE")


def _context() -> Any:
    """Fork where there is fork (the readers need nothing imported again); else spawn."""
    try:
        return mp.get_context("fork")
    except ValueError:
        return mp.get_context("spawn")


def _in_two(conn: Connection, head_size: int, wanted: Sequence[int],
            progress: Callable[[int], None] | None, signed: Callable[[], bool]) -> list[Part]:
    """Read the ledger and the events in two processes on this transaction's snapshot; check
    the signatures (``signed``) meanwhile."""
    if conn.exec_driver_sql("SELECT count(*) FROM ledger WHERE seq IS NULL").scalar_one():
        raise _LookCarefully  # a row no range holds
    snapshot = str(conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one())
    split = _case_split(conn)
    mid = max(CHUNK, head_size // 2 // CHUNK * CHUNK)
    args, kwargs = conn.dialect.create_connect_args(conn.engine.url)
    connect = {k: v for k, v in kwargs.items() if k != "context"}
    if args:
        raise _LookCarefully
    ctx = _context()
    results, boxes = ctx.Queue(), [ctx.Queue(), ctx.Queue()]
    jobs = [_Job(0, connect, snapshot, 0, mid, split, tuple(wanted)),
            _Job(1, connect, snapshot, mid, None, split, tuple(wanted))]
    procs = [ctx.Process(target=_reader, args=(j, boxes[j.index], boxes[1 - j.index], results),
                         daemon=True) for j in jobs]
    for p in procs:
        p.start()
    try:
        if not signed():
            raise _LookCarefully
        return _collect(results, procs, progress)
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
            p.join()


def _collect(results: Any, procs: list[Any], progress: Callable[[int], None] | None
             ) -> list[Part]:
    done: dict[int, Part] = {}
    read = [0, 0]
    while len(done) < len(procs):
        try:
            what, index, value = results.get(timeout=5)
        except queues.Empty:
            if any(p.exitcode is not None and i not in done for i, p in enumerate(procs)):
                raise _LookCarefully from None  # a reader died without a word
            continue
        if what == "careful":
            raise _LookCarefully(value)
        if what == "progress":
            read[index] = value
            if progress is not None:
                progress(sum(read))
        else:
            done[index] = value
    return [done[0], done[1]]


def _case_split(conn: Connection) -> str:
    """A case id near the middle of the events' case ids (64 events sampled by id): only the
    split of the work depends on it, never what is checked."""
    sample = conn.exec_driver_sql(
        "SELECT e.case_id FROM (SELECT min(id) AS lo, max(id) AS hi FROM events) b, "
        "generate_series(0, 63) g, LATERAL (SELECT case_id FROM events WHERE id >= "
        "b.lo + (b.hi - b.lo) * g / 64 ORDER BY id LIMIT 1) e").scalars().all()
    ids = sorted(c for c in sample if isinstance(c, str))
    return ids[len(ids) // 2] if ids else ""


# -- the verdict --------------------------------------------------------------------------------


def roots_at(parts: Sequence[Part], sizes: Iterable[int]) -> tuple[int, dict[int, str]]:
    """The ledger's length and the root (hex) of its first ``s`` entries for each wanted size
    ``s`` up to that length and for the length itself: the chunk roots merged as the leaves of
    a tree of chunks, then the peaks of the chunk a size falls inside."""
    n = 0
    for p in parts:
        if p.lo != n:
            raise _LookCarefully  # the parts do not follow one another
        n += p.count
    chunk_roots = [r for p in parts for r in p.roots]
    partial = {s: v for p in parts for s, v in p.peaks.items()}
    chunks, roots = Frontier(), {0: EMPTY_ROOT.hex()}
    for s in sorted({s for s in sizes if 0 < s <= n} | {n}):
        q, r = divmod(s, CHUNK)
        while chunks.size < q:
            chunks.append(chunk_roots[chunks.size])
        roots[s] = root_of_peaks([*chunks.peaks, *(partial[s] if r else [])]).hex()
    return n, roots


def well_signed(checkpoints: Sequence[AnyCheckpoint], external: Sequence[NoteCheckpoint],
                schedule: Sequence[tuple[int, Ed25519PublicKey]]) -> bool:
    """Whether every checkpoint carries a good signature by the key in force at its size."""
    return all(signature_problem(cp, key_for(schedule, cp.size), schedule) is None
               for cp in [*checkpoints, *external])


def verdict(n: int, roots: dict[int, str], checkpoints: Sequence[AnyCheckpoint],
            external: Sequence[NoteCheckpoint], head: tuple[int, str] | None) -> bool:
    """Whether ``verify_ledger`` would find nothing wrong, the checkpoints being well signed
    (``well_signed``): every checkpoint of a size within the ledger and with its root; the head
    the whole ledger; an own checkpoint of the whole ledger (coverage)."""
    own = 0
    for cp in [*checkpoints, *external]:
        size = cp.size
        if size.__class__ is not int or not 0 <= size <= n or cp.root_hex.lower() != roots[size]:
            return False
        if not is_external(cp):
            own = max(own, size)
    if head is not None and (head[0] != n or head[1].lower() != roots[n]):
        return False
    return own == n


def _wanted(checkpoints: Sequence[AnyCheckpoint], external: Sequence[NoteCheckpoint],
            head: tuple[int, str] | None) -> list[int]:
    sizes = [cp.size for cp in [*checkpoints, *external]]
    if any(s.__class__ is not int or s < 0 for s in sizes):
        raise _LookCarefully
    return [*sizes, *([head[0]] if head is not None else [])]


Pinned = Callable[[Connection], tuple[list[AnyCheckpoint], tuple[int, str] | None]]


def verify_quickly(conn: Connection, pinned: Pinned, public: Ed25519PublicKey,
                   event_at: Callable[[Any], str | None],
                   progress: Callable[[int], None] | None,
                   chain: Sequence[tuple[int, Ed25519PublicKey]] = (),
                   external: Sequence[NoteCheckpoint] = ()) -> tuple[VerifyReport, int] | None:
    """(the ledger's report, events checked) when everything verifies, else None. ``pinned``
    reads the signed checkpoints and the stored head."""
    started = time.perf_counter()
    schedule = list(chain) if chain else [(0, public)]
    try:
        checkpoints, head = pinned(conn)
        wanted = _wanted(checkpoints, external, head)
        signed = functools.partial(well_signed, checkpoints, external, schedule)
        if head is not None and head[0] >= PARALLEL_FROM and _one_snapshot(conn):
            parts = _in_two(conn, head[0], wanted, progress, signed)
        elif signed():
            parts = _here(conn, wanted, event_at, progress)
        else:
            return None
        n, roots = roots_at(parts, wanted)
        if not verdict(n, roots, checkpoints, external, head):
            return None
    except (_LookCarefully, TypeError, ValueError, KeyError, IndexError, OSError,
            SQLAlchemyError, conn.dialect.loaded_dbapi.Error):
        return None  # the caller's connection is discarded with its transaction
    if progress is not None:
        progress(n)
    report = VerifyReport(entries=n, checkpoints=len(checkpoints), root_hex=roots[n],
                          seconds=time.perf_counter() - started)
    return report, sum(p.events for p in parts)
