"""The sequencer on PostgreSQL (issue 14): writers only queue; an elected sequencer integrates.
Killed with SIGKILL in the middle of a load run, it loses and repeats nothing: the next one
integrates the queue and the ledger verifies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from duecourse.app.sequencer import queued_count
from duecourse.bootstrap import build_app
from duecourse.domain.commands import Actor, parse_command
from duecourse.store.tables import ledger

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 5, 1, 8, tzinfo=UTC)
OFFICER, SUPERVISOR = Actor("o1", "officer"), Actor("s1", "supervisor")


def _sequencer(url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", "from duecourse.cli import main; main()", "audit", "sequencer",
         "--db", url, "--interval", "0.01"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())


def _ledger_size(app: object) -> int:
    with app.ctx.engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(select(func.count()).select_from(ledger)).scalar_one())


def _wait(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_sequencer_killed_mid_load_loses_and_repeats_nothing(pg_url: str) -> None:
    app = build_app(pg_url, seed=11)
    for a in (OFFICER, SUPERVISOR):
        app.register_actor(a)
    app.flush_ledger()
    before = _ledger_size(app)
    done: list[int] = []

    def load() -> None:
        for n in range(240):
            out = app.do(parse_command("open_case", {
                "person": {"family_name": f"Load{n}", "given_name": "Ana",
                           "nationalities": ["GT"]},
                "encounter": "interior", "location": "Newark",
                "legal_basis": "INA 237(a)(1)(B)"}), OFFICER, T0 + timedelta(minutes=n))
            assert out.accepted and out.ledger_seq is None  # queued, not integrated inline
            assert out.case_id is not None
            app.get_case(out.case_id, SUPERVISOR, "supervision", T0 + timedelta(minutes=n, seconds=1))
            done.append(2)

    first = _sequencer(pg_url)
    writer = threading.Thread(target=load)
    writer.start()
    try:
        _wait(lambda: _ledger_size(app) > before + 60, 60, "the first sequencer to integrate")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        during = _ledger_size(app)
        time.sleep(0.3)  # nothing integrates while no sequencer runs
        assert _ledger_size(app) == during
        second = _sequencer(pg_url)
        try:
            writer.join(120)
            assert not writer.is_alive()
            with app.ctx.engine.connect() as conn:
                _wait(lambda: queued_count(conn) == 0, 60, "the second sequencer to drain")
        finally:
            second.terminate()
            second.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
        writer.join(1)
    assert sum(done) == 480
    assert _ledger_size(app) == before + 480  # none lost, none twice
    with app.ctx.engine.connect() as conn:
        distinct = conn.execute(select(func.count()).select_from(
            select(ledger.c.at, ledger.c.actor_id, ledger.c.body).distinct().subquery())
        ).scalar_one()
    assert distinct == before + 480
    report = app.verify()
    assert report.ok and report.queued == 0, [p.what for p in report.problems]


def test_one_sequencer_is_elected(pg_url: str) -> None:
    app = build_app(pg_url, seed=12)
    one, two = app.start_sequencer(), app.start_sequencer()
    assert one is not None and two is not None
    try:
        _wait(lambda: one.active.is_set() or two.active.is_set(), 10, "an election")
        time.sleep(0.2)
        assert one.active.is_set() != two.active.is_set()
    finally:
        one.stop()
        two.stop()
