"""Reliability: two writers on one case, idempotency keys, and a process killed mid-write.

DESIGN.md's bar: no lost or duplicated event when the process is killed mid-write or two clerks
act on one case at once; the ledger verifies afterwards.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from duecourse.app.ledger import iso
from duecourse.app.outcome import Outcome
from duecourse.bootstrap import App, build_app
from duecourse.domain.case import CaseState
from duecourse.domain.commands import Actor, parse_command
from duecourse.domain.errors import ConcurrencyConflict
from duecourse.store import repository
from duecourse.store.tables import cases, commands, events, ledger

O1 = Actor("o1", "officer")
S1 = Actor("s1", "supervisor")
D1 = Actor("d1", "detention")
D2 = Actor("d2", "detention")
T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)
PERSON = {"family_name": "Example", "given_name": "Ana", "nationalities": ["MX"], "languages": ["es"]}


def open_detained_case(app: App) -> str:
    """A case with a person detained after a warrantless arrest (version 4)."""
    for a in (O1, S1, D1, D2):
        app.register_actor(a)
    out = app.do(parse_command("open_case", {
        "person": PERSON, "encounter": "interior", "location": "Newark",
        "legal_basis": "INA 237(a)(1)(B)"}), O1, T0)
    case_id = str(out.case_id)
    for actor, name, data, hours in [
        (O1, "record_arrest", {"basis": "warrantless", "reason_to_believe": "admitted overstay",
                               "likely_to_escape": "no fixed address"}, 1),
        (S1, "record_examination", {}, 2),
        (O1, "determine_custody", {"decision": "detain", "authority": "236(a)",
                                   "reason": "flight risk: no fixed address"}, 3),
    ]:
        out = app.do(parse_command(name, data), actor, T0 + timedelta(hours=hours), case_id=case_id)
        assert out.accepted, out.refusals
    return case_id


def place(facility: str) -> Any:
    return parse_command("place", {"facility": facility, "classification": "B",
                                   "reason": "nearest bed for the classification"})


def event_seqs(app: App, case_id: str) -> list[int]:
    with app.ctx.engine.connect() as conn:
        return list(conn.execute(select(events.c.seq).where(events.c.case_id == case_id)
                                 .order_by(events.c.seq)).scalars())


def count(app: App, *where: Any, table: Any = ledger) -> int:
    app.flush_ledger()  # on PostgreSQL the entries wait in the queue for the sequencer
    with app.ctx.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def run_pair(work: Callable[[int], Outcome]) -> list[Outcome | BaseException]:
    """Run ``work(0)`` and ``work(1)`` in two threads; return each result or exception."""
    results: list[Outcome | BaseException] = [RuntimeError("did not run")] * 2

    def target(i: int) -> None:
        try:
            results[i] = work(i)
        except BaseException as e:  # handed back to the test
            results[i] = e

    threads = [threading.Thread(target=target, args=(i,)) for i in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
        assert not th.is_alive(), "a writer hung"
    return results


def assert_one_won(results: list[Outcome | BaseException], case_id: str, v: int) -> Outcome:
    won = [r for r in results if isinstance(r, Outcome)]
    lost = [r for r in results if not isinstance(r, Outcome)]
    assert len(won) == 1 and len(lost) == 1, results
    assert won[0].accepted and won[0].version == v + 1
    conflict = lost[0]
    assert isinstance(conflict, ConcurrencyConflict), repr(conflict)
    assert (conflict.case_id, conflict.expected, conflict.actual) == (case_id, v, v + 1)
    msg = str(conflict)
    assert case_id in msg and f"expected version {v}" in msg and f"found {v + 1}" in msg
    assert "nothing was written" in msg
    return won[0]


def assert_contiguous_and_verified(app: App, case_id: str, version: int) -> None:
    assert event_seqs(app, case_id) == list(range(1, version + 1))
    with app.ctx.engine.connect() as conn:
        assert conn.execute(select(cases.c.version).where(cases.c.id == case_id)).scalar_one() == (
            version)
    report = app.verify()
    assert report.ok, [p.what for p in report.problems]


# --- two writers on one case ------------------------------------------------------------------


def two_writers_with_expected_version(url: str) -> None:
    setup = build_app(url, seed=1)
    case_id = open_detained_case(setup)
    apps = [build_app(url, seed=10 + i) for i in range(2)]  # two clerks, two processes' worth
    both_read = threading.Barrier(2, timeout=30)
    at = T0 + timedelta(hours=4)
    accepted_before = count(setup, ledger.c.kind == "command_accepted")

    def clerk(i: int) -> Outcome:
        actor = (D1, D2)[i]
        v = apps[i].get_case(case_id, actor, "detention_management", at).state.version
        both_read.wait()  # both have read version v before either writes
        return apps[i].do(place(("ELZICDF", "DHDFNJ")[i]), actor, at, case_id=case_id, expected_version=v)

    won = assert_one_won(run_pair(clerk), case_id, 4)
    assert_contiguous_and_verified(setup, case_id, 5)
    assert count(setup, ledger.c.kind == "command_accepted") == accepted_before + 1
    if setup.ctx.engine.dialect.name == "sqlite":  # integrated before the commit
        assert won.ledger_seq is not None and won.ledger_seq >= 0
        assert entry_key(entry_at(setup, won.ledger_seq)) == outcome_key(won)
    else:  # integrated by the sequencer after the commit: the winner's entry is there now
        assert won.ledger_seq is None
        with setup.ctx.engine.connect() as conn:
            keys = [entry_key(r) for r in conn.execute(select(ledger))]
        assert outcome_key(won) in keys


def entry_at(app: App, seq: int) -> Any:
    with app.ctx.engine.connect() as conn:
        return conn.execute(select(ledger).where(ledger.c.seq == seq)).one()


def entry_key(row: Any) -> tuple[str, str, str, int]:
    """What identifies a command's ledger entry: its kind, case, command and the case version
    it left (each accepted command advances the version)."""
    body = json.loads(row.body)
    return (row.kind, row.case_id, body.get("command", ""), body.get("case_version", -1))


def outcome_key(out: Outcome) -> tuple[str, str, str, int]:
    return ("command_accepted" if out.accepted else "command_refused", out.case_id or "",
            out.command, out.version)


@pytest.mark.postgres
def test_two_writers_expected_version_postgres(pg_url: str) -> None:
    two_writers_with_expected_version(pg_url)


@pytest.mark.sqlite
def test_two_writers_expected_version_sqlite(tmp_path: Path) -> None:
    """The writer lock (BEGIN IMMEDIATE) serialises them: the second finds the new version."""
    two_writers_with_expected_version(f"sqlite:///{tmp_path}/race.sqlite")


@pytest.mark.postgres
def test_two_writers_same_version_without_expected_version_postgres(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both handlers load version v inside their transactions before either writes; the
    compare-and-swap on the case row lets exactly one through."""
    setup = build_app(pg_url, seed=1)
    case_id = open_detained_case(setup)
    apps = [build_app(pg_url, seed=10 + i) for i in range(2)]
    both_loaded = threading.Barrier(2, timeout=30)
    load_case = repository.load_case  # what the handler calls, through the module

    def load_then_wait(conn: Any, cid: str) -> CaseState | None:
        state = load_case(conn, cid)
        both_loaded.wait()
        return state

    monkeypatch.setattr(repository, "load_case", load_then_wait)
    at = T0 + timedelta(hours=4)
    results = run_pair(lambda i: apps[i].do(place(("ELZICDF", "DHDFNJ")[i]), (D1, D2)[i], at,
                                            case_id=case_id))
    assert_one_won(results, case_id, 4)
    monkeypatch.undo()
    assert_contiguous_and_verified(setup, case_id, 5)


@pytest.mark.sqlite
def test_two_writers_without_expected_version_sqlite_are_serialised(tmp_path: Path) -> None:
    """On SQLite a handler takes the write lock before it reads the case, so two writers cannot
    both read version v: the second is judged on the first's result, and nothing is lost."""
    url = f"sqlite:///{tmp_path}/race.sqlite"
    setup = build_app(url, seed=1)
    case_id = open_detained_case(setup)
    apps = [build_app(url, seed=10 + i) for i in range(2)]
    start = threading.Barrier(2, timeout=30)
    at = T0 + timedelta(hours=4)

    def clerk(i: int) -> Outcome:
        start.wait()
        # Two hold rooms: both placements are lawful one after the other (a second placement
        # in a detention facility would be a transfer).
        room = parse_command("place", {"facility": f"Station {i} hold room",
                                       "facility_type": "hold_room", "classification": "B",
                                       "reason": "processing at the station"})
        return apps[i].do(room, (D1, D2)[i], at, case_id=case_id)

    results = run_pair(clerk)
    assert all(isinstance(r, Outcome) and r.accepted for r in results), results
    assert sorted(r.version for r in results if isinstance(r, Outcome)) == [5, 6]
    assert_contiguous_and_verified(setup, case_id, 6)


# --- idempotency keys ---------------------------------------------------------------------------


def test_same_key_twice_is_applied_once(db_url: str) -> None:
    app = build_app(db_url, seed=1)
    case_id = open_detained_case(app)
    at = T0 + timedelta(hours=4)
    first = app.do(place("ELZICDF"), D1, at, case_id=case_id, idempotency_key="place-1")
    again = app.do(place("ELZICDF"), D1, at + timedelta(minutes=5), case_id=case_id,
                   idempotency_key="place-1")
    assert first.accepted and not first.replayed
    assert again.replayed and again.as_dict() == first.as_dict()
    assert event_seqs(app, case_id) == [1, 2, 3, 4, 5]
    accepted = count(app, ledger.c.kind == "command_accepted", ledger.c.case_id == case_id)
    assert accepted == 5  # open, arrest, examination, custody, place: once
    assert count(app, table=commands) == 1
    assert_contiguous_and_verified(app, case_id, 5)


def test_refused_command_retried_with_its_key_returns_the_stored_refusal(db_url: str) -> None:
    app = build_app(db_url, seed=1)
    case_id = open_detained_case(app)
    at = T0 + timedelta(hours=4)
    removal = parse_command("schedule_removal", {
        "destination": "MX", "depart_at": "2026-03-05T09:00:00Z", "transport": "T-1"})
    first = app.do(removal, S1, at, case_id=case_id, idempotency_key="rm-1")
    assert not first.accepted and "FINAL" in first.rule_ids
    refused_before = count(app, ledger.c.kind == "command_refused")
    again = app.do(removal, S1, at + timedelta(hours=1), case_id=case_id, idempotency_key="rm-1")
    assert again.replayed and again.as_dict() == first.as_dict()
    assert again.refusals == first.refusals and again.ledger_seq == first.ledger_seq
    assert count(app, ledger.c.kind == "command_refused") == refused_before
    assert_contiguous_and_verified(app, case_id, 4)


@pytest.mark.parametrize("what", ["open_case", "place"])
def test_same_key_from_two_threads_is_applied_once(db_url: str, what: str) -> None:
    setup = build_app(db_url, seed=1)
    case_id = open_detained_case(setup)
    apps = [build_app(db_url, seed=10 + i) for i in range(2)]
    start = threading.Barrier(2, timeout=30)
    at = T0 + timedelta(hours=4)
    cases_before = count(setup, table=cases)
    accepted_before = count(setup, ledger.c.kind == "command_accepted")

    def clerk(i: int) -> Outcome:
        start.wait()
        if what == "open_case":
            return apps[i].do(parse_command("open_case", {
                "person": PERSON, "encounter": "court", "location": "Newark",
                "legal_basis": "INA 237(a)(1)(B)"}), O1, at, idempotency_key="k-2")
        return apps[i].do(place("ELZICDF"), D1, at, case_id=case_id, idempotency_key="k-2")

    results = run_pair(clerk)
    assert all(isinstance(r, Outcome) for r in results), results
    outs = [r for r in results if isinstance(r, Outcome)]
    assert sorted(o.replayed for o in outs) == [False, True]
    assert outs[0].as_dict() == outs[1].as_dict() and outs[0].accepted
    assert count(setup, ledger.c.kind == "command_accepted") == accepted_before + 1
    if what == "open_case":
        assert count(setup, table=cases) == cases_before + 1
        assert_contiguous_and_verified(setup, str(outs[0].case_id), 1)
    else:
        assert_contiguous_and_verified(setup, case_id, 5)


# --- a process killed mid-write -----------------------------------------------------------------

WRITER = textwrap.dedent('''
    """Issue commands in a loop until killed."""
    import itertools
    import sys
    from datetime import UTC, datetime, timedelta

    from duecourse.bootstrap import build_app
    from duecourse.domain.commands import Actor, parse_command

    url, run = sys.argv[1], int(sys.argv[2])
    app = build_app(url, seed=run, migrate=False)
    o1, s1, d1 = Actor("o1", "officer"), Actor("s1", "supervisor"), Actor("d1", "detention")
    t0 = datetime(2026, 3, 1, 8, tzinfo=UTC) + timedelta(days=30 * run)
    person = {"family_name": "Example", "given_name": "Ana", "nationalities": ["MX"]}
    steps = [
        (o1, "record_arrest", {"basis": "warrantless", "reason_to_believe": "r",
                               "likely_to_escape": "e"}),
        (s1, "record_examination", {}),
        (o1, "determine_custody", {"decision": "detain", "authority": "236(a)",
                                   "reason": "flight risk: no fixed address"}),
        (d1, "place", {"facility": "ELZICDF", "classification": "B",
                       "reason": "nearest bed for the classification"}),
        (s1, "schedule_removal", {"destination": "MX", "depart_at": "2026-12-01T09:00:00Z",
                                  "transport": "T-1"}),  # refused: no order
        (d1, "transfer", {"facility": "DHDFNJ", "attorney_notified": True,
                          "reason": "bed space: the facility is at capacity"}),
    ]
    for i in itertools.count():
        at = t0 + timedelta(minutes=i)
        out = app.do(parse_command("open_case", {
            "person": person, "encounter": "interior", "location": "Newark",
            "legal_basis": "INA 237(a)(1)(B)"}), o1, at, idempotency_key=f"r{run}-{i}-open")
        for n, (actor, name, data) in enumerate(steps):
            app.do(parse_command(name, data), actor, at + timedelta(seconds=n + 1),
                   case_id=out.case_id, idempotency_key=f"r{run}-{i}-{n}")
        app.get_case(out.case_id, s1, "supervision", at)
        print(i, flush=True)
''')


def duecourse_cli() -> list[str]:
    exe = Path(sys.executable).parent / "duecourse"
    return [str(exe)] if exe.exists() else [sys.executable, "-c",
                                            "from duecourse.cli import main; main()"]


def kill_writer_at_random(url: str, script: Path, run: int, rng: random.Random) -> int:
    """Start a writer, let it complete a few cases, SIGKILL it at a random moment."""
    proc = subprocess.Popen([sys.executable, str(script), url, str(run)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        for _ in range(2):  # two whole cases written: the writer is in its stride
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else "writer died"
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    return run


def assert_nothing_lost_or_duplicated(url: str) -> None:
    app = build_app(url, migrate=False)
    app.flush_ledger()  # what the killed writer queued (PostgreSQL) is integrated, not lost
    with app.ctx.engine.connect() as conn:
        versions = dict(conn.execute(select(cases.c.id, cases.c.version)).all())
        seqs: dict[str, list[int]] = {}
        for cid, seq in conn.execute(select(events.c.case_id, events.c.seq)
                                     .order_by(events.c.case_id, events.c.seq)):
            seqs.setdefault(cid, []).append(seq)
        entries = {r.seq: r for r in conn.execute(select(ledger))}
        remembered = list(conn.execute(select(commands.c.outcome, commands.c.actor_id,
                                              commands.c.at)))
    assert versions and set(seqs) == set(versions)
    for cid, v in versions.items():
        assert seqs[cid] == list(range(1, v + 1)), f"case {cid}: events {seqs[cid]}, version {v}"
    by_command = {(*entry_key(r), r.actor_id, r.at) for r in entries.values()}
    for text, actor_id, at in remembered:  # every remembered outcome has its ledger entry
        out = Outcome.from_dict(json.loads(text))
        key = (*outcome_key(out), actor_id, iso(at))
        if app.ctx.engine.dialect.name == "sqlite":  # the entry's position was known at once
            assert out.ledger_seq is not None and out.ledger_seq in entries
            assert (*entry_key(entries[out.ledger_seq]), entries[out.ledger_seq].actor_id,
                    entries[out.ledger_seq].at) == key
        else:  # integrated after the commit: found by what it records
            assert out.ledger_seq is None
            assert key in by_command, key
    report = app.verify()  # every accepted entry's events exist, and vice versa
    assert report.ok, [p.what for p in report.problems]
    res = subprocess.run([*duecourse_cli(), "audit", "verify", "--db", url],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "ledger verified" in res.stdout


def killed_mid_write(url: str, tmp_path: Path) -> None:
    app = build_app(url, seed=99)  # schema, ledger head and key exist before the writers start
    for a in (O1, S1, D1):
        app.register_actor(a)
    app.ctx.engine.dispose()
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    seed = random.SystemRandom().randrange(1 << 30)
    rng = random.Random(seed)
    for run in (1, 2):  # the second writer starts on the store the first one left behind
        kill_writer_at_random(url, script, run, rng)
        try:
            assert_nothing_lost_or_duplicated(url)
        except AssertionError as e:
            raise AssertionError(f"after kill {run} (random seed {seed}): {e}") from e


@pytest.mark.sqlite
def test_killed_mid_write_sqlite(tmp_path: Path) -> None:
    killed_mid_write(f"sqlite:///{tmp_path}/killed.sqlite", tmp_path)


@pytest.mark.postgres
def test_killed_mid_write_postgres(pg_url: str, tmp_path: Path) -> None:
    killed_mid_write(pg_url, tmp_path)
