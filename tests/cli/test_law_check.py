"""`duecourse law check`: the packaged scenarios pass, cover every guard both ways, and a malformed
or failing scenario file is reported with the file, the step and the field."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from duecourse.cli import app
from duecourse.law.rules import all_guards

# Every registered guard must have an accepted and a refused scenario (LAW.md ids and our own).
GUARD_IDS = tuple(dict.fromkeys(g.id for g in all_guards()))
# Guards no well-formed command can break, so no scenario step can be refused citing them: the
# blank text they would refuse is refused first, when the command is read (InvalidInput).
NEVER_REFUSED_BY_A_SCENARIO = {
    "LOP": "a legal orientation is only recorded, never a condition; its one refusal (a blank "
           "provider) is made when the command is read",
    "TEXT": "the same blank-text check as the command reader, for commands built in code",
}

SCENARIOS = Path(str(resources.files("duecourse.law") / "scenarios"))


def _scenario_files() -> list[Path]:
    return sorted(SCENARIOS.glob("*.yaml"))


@functools.cache
def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _run(*args: str) -> tuple[int, str]:
    # A wide console, so that Rich does not wrap the lines we look into.
    result = CliRunner().invoke(app, ["law", "check", *args], env={"COLUMNS": "1000"})
    return result.exit_code, result.output


def _flat(text: str) -> str:
    return " ".join(text.split())


# -- the packaged scenarios --------------------------------------------------------------------


def test_packaged_scenarios_all_pass() -> None:
    files = _scenario_files()
    assert files, f"no scenario files in {SCENARIOS}"
    code, out = _run(str(SCENARIOS))
    assert code == 0, out
    assert out.strip().splitlines()[-1] == f"{len(files)} passed, 0 failed"


def test_every_scenario_names_tested_rules_and_a_title() -> None:
    known = {g.id for g in all_guards()}
    for path in _scenario_files():
        data = _load(path)
        assert str(data.get("title", "")).strip(), f"{path.name}: no title"
        rules = data.get("rules") or []
        assert rules, f"{path.name}: lists no rules"
        assert set(rules) <= known, f"{path.name}: unknown rule ids {set(rules) - known}"


def _commands_of(guard_id: str) -> frozenset[str]:
    return frozenset().union(*(g.commands for g in all_guards() if g.id == guard_id))


@pytest.mark.parametrize("guard_id", GUARD_IDS)
def test_each_guard_has_a_refused_and_an_accepted_scenario(guard_id: str) -> None:
    commands = _commands_of(guard_id)
    assert commands, f"{guard_id} is not a registered guard"
    refused_in: list[str] = []
    accepted_in: list[str] = []
    for path in _scenario_files():
        data = _load(path)
        steps = [s for s in data["steps"] if "do" in s]
        if any(s["expect"] == "refused" and guard_id in (s.get("citing") or []) for s in steps):
            refused_in.append(path.name)
        if guard_id in (data.get("rules") or []) and any(
            s["expect"] == "accepted" and s["do"] in commands for s in steps
        ):
            accepted_in.append(path.name)
    assert refused_in or guard_id in NEVER_REFUSED_BY_A_SCENARIO, (
        f"no scenario has a step refused citing {guard_id}")
    assert accepted_in, (f"no scenario listing {guard_id} in its rules has an accepted step of "
                         f"a command it guards ({', '.join(sorted(commands))})")


# -- malformed scenario files --------------------------------------------------------------------

GOOD_HEAD = """\
title: A malformed scenario
rules: [PROT-CTRY]
people:
  ana: {family_name: Example, given_name: Ana, birth_date: 1990-04-02, nationalities: [MX], languages: [es]}
actors:
  o1: {role: officer}
  s1: {role: supervisor}
  c1: {role: counsel}
"""
OPEN = ("  - {at: 2026-03-01T08:00:00Z, as: o1, do: open_case, with: {person: ana, "
        "encounter: interior, location: Newark, legal_basis: \"INA 237(a)(1)(B)\"}, expect: accepted}\n")
ARREST = ("  - {at: 2026-03-01T09:00:00Z, as: o1, do: record_arrest, with: {case: ana, "
          "basis: warrantless, reason_to_believe: overstay, likely_to_escape: \"no address\"}, "
          "expect: accepted}\n")


def _write(tmp_path: Path, text: str, name: str = "bad.yaml") -> str:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return name


MALFORMED = {
    "unknown top-level key": (
        GOOD_HEAD + "verdict: guilty\nsteps:\n" + OPEN,
        ["bad.yaml", "verdict", "unknown key"],
    ),
    "misspelled command field": (
        GOOD_HEAD + "steps:\n" + OPEN + ARREST
        + "  - {at: 2026-03-02T09:00:00Z, as: s1, do: schedule_removal, with: {case: ana, "
          "destnation: MX, depart_at: 2026-03-05T09:00:00Z, transport: T-1}, expect: refused}\n",
        ["bad.yaml", "step 3", "with.destnation", "unknown field"],
    ),
    "unknown command": (
        GOOD_HEAD + "steps:\n" + OPEN
        + "  - {at: 2026-03-01T09:00:00Z, as: o1, do: deport_now, with: {case: ana}, expect: refused}\n",
        ["bad.yaml", "step 2", "'do'", "deport_now"],
    ),
    "bad datetime": (
        GOOD_HEAD + "steps:\n" + OPEN
        + "  - {at: 2026-13-45T08:00:00Z, as: o1, do: record_arrest, with: {case: ana, basis: "
          "warrantless, reason_to_believe: x, likely_to_escape: y}, expect: accepted}\n",
        ["bad.yaml", "step 2", "'at'", "2026-13-45"],
    ),
    "bad datetime in a command field": (
        GOOD_HEAD + "steps:\n" + OPEN
        + "  - {at: 2026-03-01T09:00:00Z, as: o1, do: issue_nta, with: {case: ana, charges: [x], "
          "allegations: [y], hearing_at: next tuesday, court: NEW, counsel_list_date: 2026-02-01}, "
          "expect: accepted}\n",
        ["bad.yaml", "step 2", "with.hearing_at", "next tuesday"],
    ),
    "missing expect": (
        GOOD_HEAD + "steps:\n" + OPEN
        + "  - {at: 2026-03-01T09:00:00Z, as: o1, do: record_arrest, with: {case: ana, basis: "
          "warrantless, reason_to_believe: x, likely_to_escape: y}}\n",
        ["bad.yaml", "step 2", "'expect'"],
    ),
    "unknown actor label": (
        GOOD_HEAD + "steps:\n" + OPEN
        + "  - {at: 2026-03-01T09:00:00Z, as: o9, do: record_arrest, with: {case: ana, basis: "
          "warrantless, reason_to_believe: x, likely_to_escape: y}, expect: accepted}\n",
        ["bad.yaml", "step 2", "'as'", "o9"],
    ),
    "unknown actor label in a command field": (
        GOOD_HEAD + "steps:\n" + OPEN + ARREST
        + "  - {at: 2026-03-01T10:00:00Z, as: o1, do: claim_citizenship, with: {case: ana, "
          "evidence: \"birth certificate\"}, expect: accepted}\n"
        + "  - {at: 2026-03-02T10:00:00Z, as: s1, do: resolve_citizenship, with: {case: ana, "
          "finding: not_citizen, evidence: records, counsel: c9}, expect: accepted}\n",
        ["bad.yaml", "step 4", "with.counsel", "c9"],
    ),
    "unknown person label": (
        GOOD_HEAD + "steps:\n" + OPEN
        + "  - {at: 2026-03-01T09:00:00Z, as: o1, do: record_arrest, with: {case: bob, basis: "
          "warrantless, reason_to_believe: x, likely_to_escape: y}, expect: accepted}\n",
        ["bad.yaml", "step 2", "with.case", "bob"],
    ),
    "bad YAML": (
        GOOD_HEAD + "steps:\n" + OPEN
        + "  - {at: 2026-03-01T09:00:00Z, as: o1, do: record_arrest, with: {case: ana\n",
        ["bad.yaml", "line", "(yaml)", "not valid YAML"],
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_file_is_reported_by_file_step_and_field(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, expected = MALFORMED[case]
    monkeypatch.chdir(tmp_path)
    name = _write(tmp_path, text)
    code, out = _run(name)
    assert code != 0, out
    flat = _flat(out)
    for part in expected:
        assert part in flat, f"{case}: {part!r} not in output:\n{out}"
    assert flat.endswith("0 passed, 1 failed")


def test_malformed_file_runs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The open_case of step 1 is valid, but the file is refused before any step runs.
    text, _ = MALFORMED["misspelled command field"]
    monkeypatch.chdir(tmp_path)
    code, out = _run(_write(tmp_path, text))
    assert code == 1, out
    assert "✓" not in out and "✗" not in out  # no step was run, none reported


def test_failing_scenario_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Wrong expectation: a warrantless arrest with both conditions recorded is accepted, not refused.
    text = GOOD_HEAD + "steps:\n" + OPEN + ARREST.replace("expect: accepted", "expect: refused")
    monkeypatch.chdir(tmp_path)
    code, out = _run(_write(tmp_path, text, "wrong.yaml"))
    assert code == 1, out
    flat = _flat(out)
    assert "FAIL wrong.yaml" in flat
    assert "step 2: o1 record_arrest: expected refused, got accepted" in flat
    assert out.strip().splitlines()[-1] == "0 passed, 1 failed"


def test_wrong_citation_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Refused, but not for the rule the scenario names: that is a failure too.
    text = (GOOD_HEAD + "steps:\n" + OPEN
            + "  - {at: 2026-03-01T09:00:00Z, as: o1, do: record_arrest, with: {case: ana, basis: "
              "warrantless, reason_to_believe: overstay}, expect: refused, citing: [ARR-3]}\n")
    monkeypatch.chdir(tmp_path)
    code, out = _run(_write(tmp_path, text, "cite.yaml"))
    assert code == 1, out
    assert "not citing ['ARR-3']" in _flat(out)
    assert out.strip().splitlines()[-1] == "0 passed, 1 failed"


def test_good_and_bad_files_together(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, GOOD_HEAD + "steps:\n" + OPEN + ARREST, "a-good.yaml")
    _write(tmp_path, MALFORMED["bad YAML"][0], "b-bad.yaml")
    code, out = _run(".")
    assert code == 1, out
    assert out.strip().splitlines()[-1] == "1 passed, 1 failed"
