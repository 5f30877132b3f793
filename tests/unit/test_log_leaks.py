"""The log check of the test run (tests/log_leaks.py) fails a run whose code writes a person's
name or A-number into a log line, and passes one that does not (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from log_leaks import a_number_digits, name_words, offending, schema_words

TESTS = Path(__file__).resolve().parents[1]

_SESSION = '''
import logging
from datetime import UTC, datetime

from duecourse.bootstrap import build_app
from duecourse.domain.commands import Actor, parse_command


def test_a_case_is_opened():
    app = build_app("sqlite://", seed=1)
    officer = Actor("o1", "officer", "An Officer")
    app.register_actor(officer)
    person = {"family_name": "Quokkaberry", "given_name": "Wenzeslaus",
              "a_number": "A208765431", "nationalities": ["MX"]}
    out = app.do(parse_command("open_case", {
        "person": person, "encounter": "interior", "location": "Newark",
        "legal_basis": "INA 237(a)(1)(B)"}), officer, datetime(2026, 3, 1, 8, tzinfo=UTC))
    assert out.accepted
    log = logging.getLogger("duecourse.app.handlers")
    log.warning("case opened for %s", LOGGED)
'''


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, logged: str,
         *args: str) -> pytest.RunResult:
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # a quick start: only what it uses
    monkeypatch.setenv("TMPDIR", str(pytester.path))  # the logs a failing run keeps go with it
    pytester.makeconftest('pytest_plugins = ["log_leaks"]\n')
    pytester.makepyfile(test_leak=_SESSION.replace("LOGGED", logged))
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


def test_a_name_in_a_log_line_fails_the_run(pytester: pytest.Pytester,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    run = _run(pytester, monkeypatch, "person['family_name'].upper()", "-p", "xdist",
               "-n", "2")
    assert run.ret == 1
    run.stdout.fnmatch_lines(["*personal data in log lines*",
                              "*case opened for QUOKKABERRY*<-- quokkaberry*"])
    run.stdout.fnmatch_lines(["*1 passed*"])  # the test itself passed: the log check failed


def test_an_a_number_in_a_log_line_fails_the_run(pytester: pytest.Pytester,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    run = _run(pytester, monkeypatch, "'A 208-765-431'")
    assert run.ret == 1
    run.stdout.fnmatch_lines(["*case opened for A 208-765-431*<-- 208765431*"])


def test_a_run_without_personal_data_in_its_logs_passes(pytester: pytest.Pytester,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    run = _run(pytester, monkeypatch, "out.case_id")
    assert run.ret == 0, run.stdout.str()
    assert "personal data in log lines" not in run.stdout.str()


def test_matching_whole_words_any_case_and_digits_however_grouped() -> None:
    names = name_words("de la Cruz", "Ana María")
    assert names == {"cruz", "ana", "maría"}
    numbers = {a_number_digits("A-208-765-432")}
    lines = ["refused CRUZ", "Cruzeiro and banana", "ana", "María's case", "A208765432",
             "a 208 765 432 here", "seq 2087654321", "id 20876543"]
    hits = offending(lines, names, numbers)
    assert [h.split("   <--")[0] for h in hits] == [
        "refused CRUZ", "ana", "María's case", "A208765432", "a 208 765 432 here",
        "seq 2087654321"]
    # the words of the store's own tables and columns are in every statement logged: not names
    assert {"name", "family", "given", "persons"} <= schema_words()
    assert not {"cruz", "ana", "quokkaberry"} & schema_words()



def test_an_incidents_frames_name_code_not_people() -> None:
    """A frame ("pages/routes.py:244 in queue") is not a person called Pages; a name elsewhere
    on the line still is."""
    line = "incident E-1: GET /cases raised RuntimeError at pages/routes.py:244 in queue"
    assert offending([line], {"pages", "queue"}, set()) == []
    assert offending([line + " for Pages"], {"pages"}, set()) != []
