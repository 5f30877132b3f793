"""Benchmark: verify a ledger — the verifier alone, and ``duecourse audit verify`` through a store.

Without ``--pg`` or ``--sqlite``: builds N entries in memory with ~200-byte canonical JSON bodies,
their leaf hashes, a signed checkpoint every ``--checkpoint-every`` entries and the head, then
times one pass of ``duecourse.audit.verify.verify_ledger`` and prints the rate. Only the
verification is timed.

With ``--pg`` (a scratch database on the server, created fresh and dropped afterwards unless
``--keep``) or ``--sqlite`` (a file in a temporary folder): builds a store of N ledger entries
as the write path leaves them — leaves of format 2 (``ledger.leaf_bytes_of``; 60 % accepted
commands, each recording its events' hashes, 5 % refused ones, 35 % reads), the events they
record in ``events`` (a case's events numbered from 1; one accepted command in twenty records a
second, ``deadline_missed``), a signed note (C2SP) every ``--checkpoint-every`` entries in
``checkpoints`` and the head with its frontier and latest note — then times ``verify_store``,
what ``duecourse audit verify`` runs: every leaf recomputed from the stored columns, every
checkpoint signature and root, the head, and every event's hash. It reports which pass answered
(the quick pass says only "all verified"; otherwise the careful pass names the problems), and
with ``--careful`` also times the careful pass alone. ``--reuse`` keeps a store of the same size
built by an earlier ``--keep`` run.

    python bench/ledger_verify.py [--entries N] [--checkpoint-every K]
    python bench/ledger_verify.py --pg [URL] [--entries N] [--keep] [--reuse] [--careful]
    python bench/ledger_verify.py --sqlite [--entries N] [--careful]

Goal (issue 14, 2 cores, PostgreSQL on the same machine): ``audit verify`` through the database
≥ 200,000 entries/s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import make_url

from duecourse.audit.canonical import canonical_json
from duecourse.audit.checkpoint import (
    Checkpoint,
    generate_private_key_pem,
    key_id,
    load_private_key,
    sign_checkpoint,
)
from duecourse.audit.merkle import Frontier, leaf_hash
from duecourse.audit.verify import StoredEntry, verify_ledger

AT = "2025-01-01T00:00:00Z"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_DB = "duecourse_bench_verify"


def key_file(name: str) -> Path:
    """Where the ledger key of the store ``name`` is kept (for ``--reuse``)."""
    return Path(tempfile.gettempdir()) / f"{name}.ledger-key.pem"

BASE = datetime(2026, 3, 2, 8, tzinfo=UTC)


# -- the verifier alone -------------------------------------------------------------------------


def build(
    n: int, checkpoint_every: int, key: Ed25519PrivateKey
) -> tuple[list[StoredEntry], list[Checkpoint], tuple[int, str]]:
    """N synthetic entries, their checkpoints and the head."""
    entries: list[StoredEntry] = []
    checkpoints: list[Checkpoint] = []
    frontier = Frontier()
    for seq in range(n):
        body = canonical_json(
            {
                "seq": seq,
                "at": "2025-01-01T00:00:00.000000Z",
                "actor": f"officer-{seq % 977:04d}",
                "case": f"case-{seq // 13:08d}",
                "event": "notice_served",
                "payload": {"deadline": "2025-02-01", "channel": "post", "ref": seq * 7919},
                "pad": "x" * 24,
            }
        )
        h = leaf_hash(body)
        entries.append(StoredEntry(seq, body, h.hex()))
        frontier.append(h)
        if checkpoint_every and (seq + 1) % checkpoint_every == 0:
            checkpoints.append(sign_checkpoint(key, seq + 1, frontier.root().hex(), AT))
    return entries, checkpoints, (frontier.size, frontier.root().hex())


def in_memory(n: int, checkpoint_every: int) -> int:
    key = Ed25519PrivateKey.generate()
    started = time.perf_counter()
    entries, checkpoints, head = build(n, checkpoint_every, key)
    built = time.perf_counter() - started
    avg = sum(len(e.body) for e in entries) / max(len(entries), 1)
    print(
        f"built {len(entries):,} entries (avg body {avg:.0f} bytes) and "
        f"{len(checkpoints):,} checkpoints in {built:.2f} s"
    )

    report = verify_ledger(entries, checkpoints, key.public_key(), head=head)
    print(
        f"verified {report.entries:,} entries, {report.checkpoints:,} checkpoints "
        f"in {report.seconds:.3f} s: {report.entries_per_second:,.0f} entries/s"
    )
    print(f"root {report.root_hex} ok={report.ok}")
    if not report.ok:
        print(f"first problem: {report.first_problem}", file=sys.stderr)
        return 1
    return 0


# -- a store as the write path leaves it --------------------------------------------------------

_COMMANDS = (("record_arrest", "arrest_recorded"), ("record_examination", "examination_recorded"),
             ("determine_custody", "custody_determined"), ("place", "placed"),
             ("issue_nta", "nta_issued"), ("serve_nta", "nta_served"))
_ROLES = (("b-o1", "officer"), ("b-o2", "officer"), ("b-s1", "supervisor"),
          ("b-d1", "detention"), ("b-c1", "counsel"))


def _event_data(i: int, kind: str) -> dict[str, Any]:
    """An event's data, 100-300 bytes of JSON, some of it not ASCII (as people's names are)."""
    data: dict[str, Any] = {"basis": "warrantless", "likely_to_escape": "no fixed address",
                            "reason_to_believe": "admitted overstay", "ref": i * 7919}
    if i % 7 == 0:
        data["person"] = {"family_name": f"Núñez-{i % 1000}", "given_name": "José María",
                          "languages": ["es"], "nationalities": ["MX"]}
    if kind == "deadline_missed":
        data = {"citation": "8 CFR 287.3(d)", "deadline": "CUS-48", "due_at":
                "2026-03-04T08:00:00.000000Z", "escalated_to": "supervisor",
                "met_at": "2026-03-04T09:00:00.000000Z"}
    return data


def synthetic_rows(n: int) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """N ledger rows (in order, without ``seq``) and the event rows each records."""
    from duecourse.app import ledger as L

    versions: dict[int, int] = {}
    for i in range(n):
        at = BASE + timedelta(milliseconds=i)
        case = (i // 3) % max(1, n // 40)  # about 13 entries per case, interleaved
        case_id = f"C-{case:010d}"
        actor_id, role = _ROLES[i % len(_ROLES)]
        slot = i % 20
        evs: list[dict[str, Any]] = []
        if slot < 12:
            v = versions.get(case, 0)
            command, kind = _COMMANDS[v % len(_COMMANDS)]
            kinds = [kind] + (["deadline_missed"] if slot == 0 else [])
            for k in kinds:
                v += 1
                evs.append({"case_id": case_id, "seq": v, "kind": k, "at": at,
                            "actor_id": actor_id, "actor_role": role, "data": json.dumps(
                                _event_data(i, k), sort_keys=True, separators=(",", ":"),
                                ensure_ascii=False)})
            versions[case] = v
            item = L.LedgerItem("command_accepted", at, actor_id, role, case_id, {
                "command": command, "case_version": v,
                "events": [{"seq": e["seq"], "kind": e["kind"], "hash": L.event_hash(e)}
                           for e in evs]})
        elif slot == 12:
            item = L.LedgerItem("command_refused", at, actor_id, role, case_id, {
                "command": "issue_nta", "case_version": versions.get(case, 0),
                "command_hash": f"{i:064x}", "refusals": [{"code": "LIFECYCLE", "message":
                                                          "the NTA was already served"}]})
        else:
            item = L.LedgerItem("read", at, actor_id, role, "", {
                "record": "case", "cases": [case_id]}, purpose="case_work")
        yield _ledger_row(item), evs


def _ledger_row(it: Any) -> dict[str, Any]:
    """The columns of an entry of format 2 and its leaf hash, as the sequencer stores them."""
    from duecourse.app import ledger as L

    row: dict[str, Any] = {
        "at": L.iso(it.at), "kind": it.kind, "actor_id": it.actor_id, "actor_role": it.actor_role,
        "purpose": it.purpose, "case_id": it.case_id,
        "body": json.dumps(it.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
    }
    row["leaf_hash"] = leaf_hash(L.leaf_bytes_of(**row)).hex()
    return row


def build_store(engine: Engine, n: int, every: int, key: Ed25519PrivateKey) -> None:
    """Fill an empty, migrated store with ``n`` entries (see the module docstring)."""
    from duecourse.app import ledger as L
    from duecourse.app.sequencer import keep_checkpoint
    from duecourse.audit.note import checkpoint_body, sign_note
    from duecourse.store.tables import events, ledger, ledger_head

    with engine.connect() as c:
        origin = c.execute(text("SELECT origin FROM ledger_head")).scalar_one()
    frontier, kid = Frontier(), key_id(key.public_key())
    ledger_rows: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    pg = engine.dialect.name == "postgresql"

    def flush(conn: Any) -> None:
        if pg:
            _copy(conn, "ledger", ledger_rows)
            _copy(conn, "events", event_rows)
        else:
            conn.execute(insert(ledger), ledger_rows)
            if event_rows:
                conn.execute(insert(events), event_rows)
        ledger_rows.clear()
        event_rows.clear()

    with engine.begin() as conn:
        for seq, (row, evs) in enumerate(synthetic_rows(n)):
            frontier.append(bytes.fromhex(row["leaf_hash"]))
            ledger_rows.append({**row, "seq": seq, "leaf_format": L.LEAF_FORMAT})
            event_rows.extend(evs)
            size = seq + 1
            if size % every == 0 or size == n:
                note = sign_note(checkpoint_body(origin, size, frontier.root()), origin, key)
                flush(conn)
                keep_checkpoint(conn, size, frontier.root().hex(), note, kid, BASE)
        conn.execute(ledger_head.update().where(ledger_head.c.id == 1).values(
            size=n, frontier=frontier.to_json(), key_id=kid, checkpoint=sign_note(
                checkpoint_body(origin, n, frontier.root()), origin, key)))


def _copy(conn: Any, table: str, rows: list[dict[str, Any]]) -> None:
    """``rows`` into ``table`` by COPY (PostgreSQL)."""
    if not rows:
        return
    cols = list(rows[0])
    cur = conn.connection.dbapi_connection.cursor()
    with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row([r[c] for c in cols])


def _vacuum(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def through_store(url: str, n: int, every: int, reuse: bool, careful: bool) -> int:
    """Build (or reuse) the store at ``url`` and time ``verify_store`` over it."""
    kf = key_file(Path(make_url(url).database or "verify").name)
    from duecourse.app import audit, audit_fast
    from duecourse.bootstrap import build_app

    os.environ.setdefault("DUECOURSE_ENV", "development")
    reused = reuse and kf.exists() and _size(url) == n
    if not reused:
        kf.touch(mode=0o600)
        kf.write_text(generate_private_key_pem(), encoding="utf-8")
    key = load_private_key(kf.read_text(encoding="utf-8"))
    app = build_app(url, seed=1, signing_key=key)
    engine = app.ctx.engine
    if not reused:
        t = time.perf_counter()
        build_store(engine, n, every, key)
        if engine.dialect.name == "postgresql":
            _vacuum(url)
        print(f"built a store of {n:,} entries in {time.perf_counter() - t:.1f} s")
    with engine.connect() as c:
        counts = c.execute(text("SELECT (SELECT count(*) FROM ledger), (SELECT count(*) FROM "
                                "events), (SELECT count(*) FROM checkpoints)")).one()
    print(f"{engine.dialect.name}: {counts[0]:,} entries, {counts[1]:,} events, "
          f"{counts[2]:,} signed checkpoints")
    quick: list[bool] = []
    real_quick = audit_fast.verify_quickly

    def watched(*a: Any, **k: Any) -> Any:
        out = real_quick(*a, **k)
        quick.append(out is not None)
        return out

    patched = vars(audit)  # which pass answered: the quick pass as verify_store calls it
    patched["verify_quickly"] = watched
    public = key.public_key()
    bad = 0
    runs = [("audit verify (verify_store)", False)] + ([("careful pass alone", True)]
                                                        if careful else [])
    for label, only_careful in runs:
        quick.clear()
        if only_careful:
            patched["verify_quickly"] = lambda *a, **k: None
        engine.dispose()  # each run from a cold pool, as the command is
        pg = PgServerCpu(engine)
        t, c0 = time.perf_counter(), _cpu()
        report = audit.verify_store(engine, public)
        seconds, cpu, pg_cpu = time.perf_counter() - t, _cpu() - c0, pg.seconds()
        passed = "quick pass" if quick and quick[0] else "careful pass"
        n = max(1, report.ledger.entries)
        print(f"{label}: {report.ledger.entries:,} entries and {report.events_checked:,} "
              f"events in {seconds:.2f} s: {report.ledger.entries / seconds:,.0f} entries/s "
              f"(answered by the {passed}) ok={report.ok}; CPU: this process and its readers "
              f"{cpu:.2f} s ({cpu / n * 1e6:.2f} µs an entry), the PostgreSQL server "
              f"{pg_cpu:.2f} s ({pg_cpu / n * 1e6:.2f} µs an entry; all its databases)")
        if not report.ok:
            print(f"first problem: {report.first_problem}", file=sys.stderr)
            bad = 1
    patched["verify_quickly"] = real_quick
    engine.dispose()
    return bad


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended (the readers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


class PgServerCpu:
    """CPU seconds of the whole PostgreSQL server on this machine (its live processes and the
    ones it has reaped): the readers' backends end before the clock stops. Other databases'
    work on the same server counts too."""

    def __init__(self, engine: Engine) -> None:
        self.postmaster: int | None = None
        if engine.dialect.name == "postgresql":
            with engine.connect() as c:
                backend = int(c.execute(text("SELECT pg_backend_pid()")).scalar_one())
            self.postmaster = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1]
                                  .split()[1])
        self.start = self._now()

    def _now(self) -> float:
        if self.postmaster is None:
            return 0.0
        total, tick = 0.0, os.sysconf("SC_CLK_TCK")
        for p in Path("/proc").iterdir():
            if not p.name.isdigit():
                continue
            try:
                f = (p / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(p.name) == self.postmaster:
                total += (int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])) / tick
            elif int(f[1]) == self.postmaster:
                total += (int(f[11]) + int(f[12])) / tick
        return total

    def seconds(self) -> float:
        return self._now() - self.start


def _size(url: str) -> int | None:
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return int(c.execute(text("SELECT size FROM ledger_head")).scalar_one())
    except Exception:  # no database, no table
        return None
    finally:
        engine.dispose()


def on_pg(server: str, db: str, n: int, every: int, keep: bool, reuse: bool,
          careful: bool) -> int:
    url = make_url(server).set(database=db).render_as_string(hide_password=False)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    if not (reuse and _size(url) == n):
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
            c.execute(text(f'CREATE DATABASE "{db}"'))
    try:
        return through_store(url, n, every, reuse, careful)
    finally:
        if not (keep or reuse):
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
            key_file(db).unlink(missing_ok=True)
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--checkpoint-every", type=int, default=10_000,
                        help="entries between signed checkpoints (the store keeps one every "
                             "1,000: use 1000 for a store like the sequencer's)")
    parser.add_argument("--pg", nargs="?", const=os.environ.get("DUECOURSE_BENCH_PG_URL",
                                                                DEFAULT_PG),
                        help="verify through a PostgreSQL store on this server (default "
                             f"{DEFAULT_PG})")
    parser.add_argument("--db-name", default=BENCH_DB, help="the scratch database's name")
    parser.add_argument("--sqlite", action="store_true", help="verify through a SQLite file")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL store")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse a kept store of the same size (implies --keep)")
    parser.add_argument("--careful", action="store_true", help="also time the careful pass")
    args = parser.parse_args(argv)
    if args.pg:
        return on_pg(args.pg, args.db_name, args.entries, args.checkpoint_every, args.keep,
                     args.reuse, args.careful)
    if args.sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            try:
                return through_store(f"sqlite:///{Path(tmp) / 'verify.sqlite'}", args.entries,
                                     args.checkpoint_every, False, args.careful)
            finally:
                key_file("verify.sqlite").unlink(missing_ok=True)
    return in_memory(args.entries, args.checkpoint_every)


if __name__ == "__main__":
    raise SystemExit(main())
