"""``duecourse case show`` prints stored text as typed: Rich markup in a name is not read as
markup (a name holding ``[/]`` ended in a traceback) and terminal control codes are written out,
never sent to the terminal (issue 16, item 2). The person is invented."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from duecourse.bootstrap import build_app
from duecourse.cli import app as cli
from duecourse.cli import shown
from duecourse.domain.commands import Actor, parse_command

pytestmark = pytest.mark.sqlite


def test_markup_and_control_codes_in_a_name(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    app = build_app(f"sqlite:///{path}", seed=3)
    officer = Actor("o1", "officer", "An Officer")
    app.register_actor(officer)
    out = app.do(parse_command("open_case", {
        "person": {"family_name": "Smith [/] [bold red]", "given_name": "Ann\x1b[2J\x07",
                   "nationalities": ["MX"]},
        "encounter": "interior", "location": "Newark", "legal_basis": "INA 237(a)(1)(B)"}),
        officer, datetime(2026, 3, 1, 8, tzinfo=UTC))
    app.ctx.engine.dispose()
    if not out.accepted:  # a validator refusing such a name is as good
        return
    res = CliRunner().invoke(cli, ["case", "show", str(out.case_id), "--db",
                                   f"sqlite:///{path}"])
    assert res.exit_code == 0, res.output
    flat = " ".join(res.output.split())
    assert "Smith [/] [bold red]" in flat and "Ann\\x1b[2J\\x07" in flat
    assert "\x1b" not in res.output and "\x07" not in res.output


def test_shown() -> None:
    assert shown("[/]") == "\\[/]"
    assert shown("a\x1bb\x00") == "a\\x1bb\\x00"
    assert shown("José Núñez") == "José Núñez"
