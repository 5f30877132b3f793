"""``duecourse audit verify --read-models``: a deadline marked met in the database (issue 14's
security review: it vanished from every work queue and no check noticed) is named, and the
command exits non-zero; an untouched store passes."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from duecourse.bootstrap import build_app
from duecourse.cli import app as cli
from duecourse.domain.commands import Actor, parse_command

pytestmark = pytest.mark.sqlite
T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)


def _store(tmp_path: Path) -> tuple[Path, str]:
    """A store with one case whose 48-hour custody clock (CUS-48) is running."""
    path = tmp_path / "store.sqlite"
    app = build_app(f"sqlite:///{path}", seed=2)
    officer = Actor("o1", "officer", "An Officer")
    app.register_actor(officer)
    case = app.do(parse_command("open_case", {
        "person": {"family_name": "Example", "given_name": "Ana", "nationalities": ["MX"]},
        "encounter": "interior", "location": "Newark", "legal_basis": "INA 237(a)(1)(B)"}),
        officer, T0).case_id
    assert case is not None
    out = app.do(parse_command("record_arrest", {
        "basis": "warrantless", "reason_to_believe": "admitted overstay",
        "likely_to_escape": "no fixed address"}), officer, T0 + timedelta(hours=1), case_id=case)
    assert out.accepted
    app.ctx.engine.dispose()
    return path, case


def _verify(path: Path) -> tuple[int, str]:
    res = CliRunner().invoke(cli, ["audit", "verify", "--db", f"sqlite:///{path}",
                                   "--read-models"])
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    return res.exit_code, " ".join(res.output.split())  # Rich wraps long lines


def test_an_untouched_store_passes(tmp_path: Path) -> None:
    path, _ = _store(tmp_path)
    code, out = _verify(path)
    assert code == 0, out
    assert "read models match" in out


def test_a_deadline_marked_met_fails_the_check(tmp_path: Path) -> None:
    path, case = _store(tmp_path)
    with sqlite3.connect(path) as con:
        con.execute("UPDATE deadlines SET state = 'met' WHERE case_id = ? AND "
                    "deadline_id = 'CUS-48'", (case,))
    code, out = _verify(path)
    assert code == 1, out
    assert f"deadlines {case} CUS-48: state is 'met', the events give 'due'" in out
