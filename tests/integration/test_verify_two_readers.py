"""The quick pass of ``audit verify`` on PostgreSQL reads a large ledger in two processes
(app/audit_fast.py); here with chunks of 16 leaves so that a small store takes that path. It
must say "all verified" for an untouched store, and hand every tampered one to the careful pass,
whichever half the tampering is in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from duecourse.app import audit, audit_fast
from duecourse.bootstrap import App, build_app
from duecourse.domain.commands import Actor, parse_command

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 5, 1, 8, tzinfo=UTC)
OFFICER = Actor("o1", "officer")


@pytest.fixture
def store(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[App, list[Any]]]:
    monkeypatch.setattr(audit_fast, "CHUNK", 16)
    monkeypatch.setattr(audit_fast, "PARALLEL_FROM", 64)
    answers: list[Any] = []
    real = audit_fast.verify_quickly

    def watched(*a: Any, **k: Any) -> Any:
        answers.append(out := real(*a, **k))
        return out

    monkeypatch.setitem(vars(audit), "verify_quickly", watched)
    app = build_app(pg_url, seed=5)
    app.register_actor(OFFICER)
    for n in range(60):
        at = T0 + timedelta(minutes=n)
        out = app.do(parse_command("open_case", {
            "person": {"family_name": f"Núñez{n}", "given_name": "Ana", "nationalities": ["MX"]},
            "encounter": "interior", "location": "Newark", "legal_basis": "INA 237(a)(1)(B)"}),
            OFFICER, at)
        app.do(parse_command("record_arrest", {
            "basis": "warrantless", "reason_to_believe": "admitted overstay",
            "likely_to_escape": "no fixed address"}), OFFICER, at + timedelta(seconds=1),
            case_id=out.case_id)
    app.checkpoint(T0 + timedelta(days=1))
    yield app, answers
    app.ctx.engine.dispose()


def _tamper(app: App, sql: str) -> None:
    with app.ctx.engine.begin() as conn:
        conn.execute(text(sql))


def test_untouched_store_verifies_in_two_processes(store: tuple[App, list[Any]],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    app, answers = store
    used: list[bool] = []
    real = audit_fast._in_two

    def in_two(*a: Any) -> Any:
        used.append(True)
        return real(*a)

    monkeypatch.setattr(audit_fast, "_in_two", in_two)
    rep = app.verify()
    assert rep.ok, rep.problems
    assert used and answers[-1] is not None
    assert rep.ledger.entries >= 121 and rep.events_checked == 120


@pytest.mark.parametrize("sql", [
    "UPDATE events SET data = data || ' ' WHERE id = (SELECT min(id) FROM events)",
    "UPDATE events SET data = data || ' ' WHERE id = (SELECT max(id) FROM events)",
    "DELETE FROM events WHERE id = (SELECT max(id) FROM events)",
    "UPDATE events SET case_id = 'C-ZZZZZZZZZZ' WHERE id = (SELECT min(id) FROM events)",
    "UPDATE ledger SET body = body || ' ' WHERE seq = 10",
    "UPDATE ledger SET body = body || ' ' WHERE seq = (SELECT max(seq) - 3 FROM ledger)",
    "DELETE FROM ledger WHERE seq = 48",
], ids=["event-low", "event-high", "event-deleted", "event-moved", "entry-first-half",
        "entry-second-half", "entry-at-the-cut"])
def test_tampering_in_either_half_goes_to_the_careful_pass(store: tuple[App, list[Any]],
                                                           sql: str) -> None:
    app, answers = store
    _tamper(app, sql)
    rep = app.verify()
    assert not rep.ok
    assert answers[-1] is None
