"""``duecourse law list``: every guard with its own last-verified date and source (issue 15)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from duecourse.cli import app
from duecourse.law.rules import all_guards


def test_law_list_json_shows_every_guard_with_its_dates_and_source() -> None:
    result = CliRunner().invoke(app, ["law", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["id"] for r in rows} == {g.id for g in all_guards()}
    for r in rows:
        assert r["verified"] and r["source"].strip() and r["commands"], r["id"]
    by_id = {r["id"]: r for r in rows}
    assert by_id["ROLE"]["effective_from"] == "" and by_id["LIFECYCLE"]["effective_from"] == ""
    assert by_id["CUS-48"]["effective_from"] == "2001-09-20"
    assert by_id["REASON"]["source"].startswith("duecourse")


def test_law_list_table() -> None:
    result = CliRunner().invoke(app, ["law", "list"], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    # The console's width is fixed when the module is first imported: a cell may wrap.
    assert "always" in result.output and "verified" in result.output
    assert "ROLE" in result.output and "CUS-48" in result.output
