"""``duecourse case show`` prints stored text as typed: Rich markup in a name is not read as
markup (a name holding ``[/]`` ended in a traceback) and terminal control codes are written out,
never sent to the terminal (issue 16, item 2). The person is invented."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from cli_support import initialised, ledger_time
from sqlalchemy import select
from typer.testing import CliRunner

from duecourse.bootstrap import build_app
from duecourse.cli import app as cli
from duecourse.cli_text import shown
from duecourse.domain.commands import Actor, parse_command
from duecourse.domain.errors import InvalidInput
from duecourse.store.tables import ledger

pytestmark = pytest.mark.sqlite


def test_markup_in_a_name(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    app = build_app(f"sqlite:///{path}", seed=3)
    officer = Actor("o1", "officer", "An Officer")
    app.register_actor(officer)
    out = app.do(parse_command("open_case", {
        "person": {"family_name": "Smith [/] [bold red]", "given_name": "Ann [blink]",
                   "nationalities": ["MX"]},
        "encounter": "interior", "location": "Newark", "legal_basis": "INA 237(a)(1)(B)"}),
        officer, datetime(2026, 3, 1, 8, tzinfo=UTC))
    app.ctx.engine.dispose()
    assert out.accepted, out.refusals
    res = CliRunner().invoke(cli, ["case", "show", str(out.case_id), "--user", "o1", "--as",
                                   "officer", "--purpose", "case_work", "--db",
                                   f"sqlite:///{path}"])
    assert res.exit_code == 0, res.output
    flat = " ".join(res.output.split())
    assert "Smith [/] [bold red], Ann [blink]" in flat


def test_control_codes_never_reach_a_name() -> None:
    """Terminal control codes are refused at input (domain/valid.py); ``shown`` writes out any
    an older record holds."""
    with pytest.raises(InvalidInput, match="control or format character"):
        parse_command("open_case", {
            "person": {"family_name": "Smith", "given_name": "Ann\x1b[2J\x07"},
            "encounter": "interior", "location": "Newark", "legal_basis": "INA 237(a)(1)(B)"})


def test_a_read_is_done_now_as_someone_who_exists(tmp_path: Path) -> None:
    """Issue 16: ``case show --at 2001-01-01 --user anything`` wrote a backdated read under a
    made-up user id. The reader is an account or a registered actor, with their own role; the
    read is ledgered at the real time."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    app = build_app(url, seed=3)
    officer = Actor("o1", "officer", "An Officer")
    app.register_actor(officer)
    out = app.do(parse_command("open_case", {
        "person": {"family_name": "Sample", "given_name": "Ann", "nationalities": ["MX"]},
        "encounter": "interior", "location": "Newark", "legal_basis": "INA 237(a)(1)(B)"}),
        officer, datetime(2026, 3, 1, 8, tzinfo=UTC))
    case = str(out.case_id)
    runner = CliRunner()
    reader = ["--user", "o1", "--as", "officer", "--purpose", "case_work"]
    for args in (["--at", "2001-01-01T00:00:00Z", *reader],
                 ["--user", "anything", "--as", "officer", "--purpose", "case_work"],
                 ["--user", "o1", "--as", "supervisor", "--purpose", "case_work"],
                 ["--user", "", "--as", "officer", "--purpose", "case_work"]):
        res = runner.invoke(cli, ["case", "show", case, "--db", url, *args])
        assert res.exit_code != 0, args
    res = runner.invoke(cli, ["case", "show", case, "--db", url, *reader])
    assert res.exit_code == 0, res.output
    with app.ctx.engine.connect() as conn:
        reads = list(conn.execute(select(ledger).where(ledger.c.kind.in_(("read",
                                                                           "read_refused")))))
    app.ctx.engine.dispose()
    assert [(r.kind, r.actor_id, r.actor_role) for r in reads] == [("read", "o1", "officer")]
    assert abs((ledger_time(reads[0].at) - datetime.now(UTC)).total_seconds()) < 600


def test_shown() -> None:
    assert shown("[/]") == "\\[/]"
    assert shown("a\x1bb\x00") == "a\\x1bb\\x00"
    assert shown("José Núñez") == "José Núñez"


def test_other_commands_print_typed_text_as_typed(tmp_path: Path) -> None:
    """``identity import`` and ``calendar`` printed a source, a record id or a reason typed with
    terminal escape codes raw (an outside review): they go through ``shown`` too."""
    url = initialised(f"sqlite:///{tmp_path / 'store.sqlite'}")
    records = tmp_path / "esc.csv"
    records.write_bytes(b"record_id,family_name\nr\x1b]0;PWNED\x07x,Ng\nr\x1b]0;PWNED\x07x,Ng\n")
    res = CliRunner().invoke(cli, ["identity", "import", str(records), "--db", url,
                                   "--source", "e\x1b]0;T\x07s"])
    assert res.exit_code == 2 and "\\x1b" in res.output and "\x1b" not in res.output
    assert shown("a\u202eb") == "a\\u202eb"  # a bidirectional override is written out too
