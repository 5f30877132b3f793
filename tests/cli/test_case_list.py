"""``duecourse case list`` says how many cases there are and pages through them (issue 17,
item 8: it showed 20 of 306 without saying so)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from duecourse.bootstrap import build_app
from duecourse.cli import app as cli
from duecourse.domain.commands import Actor, parse_command

pytestmark = pytest.mark.sqlite


def test_the_list_says_how_many_and_pages(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    app = build_app(url, seed=3)
    officer = Actor("o1", "officer", "An Officer")
    app.register_actor(officer)
    start = datetime(2026, 3, 1, 8, tzinfo=UTC)
    for i in range(25):
        out = app.do(parse_command("open_case", {
            "person": {"family_name": "Sample", "given_name": f"Person{'abcdefghijklmnopqrstuvwxy'[i]}",
                       "nationalities": ["MX"]},
            "encounter": "interior", "location": "Newark", "legal_basis": "INA 237(a)(1)(B)"}),
            officer, start + timedelta(minutes=i))
        assert out.accepted, out.refusals
    app.ctx.engine.dispose()
    runner = CliRunner(env={"COLUMNS": "200"})
    reader = ["--user", "o1", "--as", "officer", "--purpose", "case_work"]
    first = runner.invoke(cli, ["case", "list", "--db", url, *reader])
    assert first.exit_code == 0, first.output
    assert "25 case(s); shown 1–20; the next page: --offset 20" in first.output
    second = runner.invoke(cli, ["case", "list", "--db", url, "--offset", "20", *reader])
    assert "25 case(s); shown 21–25" in second.output and "next page" not in second.output
    ids = set(re.findall(r"C-[0-9A-Z]+", first.output)) | set(re.findall(r"C-[0-9A-Z]+",
                                                                          second.output))
    assert len(ids) == 25  # every case on one of the two pages, none twice
    none = runner.invoke(cli, ["case", "list", "--db", url, "--custody", "detained",
                                *reader])
    assert "0 case(s) with custody detained; shown 0–0" in none.output
