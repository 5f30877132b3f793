"""No personal data in any log line of a test run (issue 16). Loaded by tests/conftest.py.

For the whole session, on every xdist worker, a handler at DEBUG on the root logger writes each
formatted record (with its traceback) to a file of the run; duecourse logs at DEBUG, uvicorn at
INFO (its access log, as served), and every one of their loggers propagates to the root. The
plugin also collects every synthetic person the run writes: their family and given names and
A-number, where a case's person is stored (``repository.insert_person``) and where identity
records are read in (``app.identity.parse_rows_checked``). At the end of the run the controller
reads every worker's log and persons and fails the run (exit status 1, the offending lines
listed) if a log line holds a name of three letters or more (a whole word, any letter case) or an
A-number (its digits, however grouped).

SQLAlchemy logs as deployed (warnings and errors; its engines hide statement parameters): its
statement and row logging at INFO/DEBUG is off in every deployment and would cost the suite more
than it checks.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

DIR_KEY = "duecourse_log_dir"
PROPAGATE = ("duecourse", "uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy",
             "sqlalchemy.engine", "sqlalchemy.pool")
_WORD = re.compile(r"[^\W\d_]+")
_DIGITS = re.compile(r"\d[\d\- ]*\d")
_FRAME = re.compile(r"[\w./-]+\.py:\d+ in [\w<>]+")


def name_words(*names: str) -> set[str]:
    """The words of a person's names that are matched: three letters or more, lower case."""
    return {w.lower() for n in names for w in _WORD.findall(n or "") if len(w) >= 3}


def a_number_digits(a_number: str) -> str:
    """An A-number as the digits it is matched by ("" when it has too few to mean anything)."""
    digits = re.sub(r"\D", "", a_number or "")
    return digits if len(digits) >= 7 else ""


def schema_words() -> set[str]:
    """The words of the store's table and column names ("persons", "family", "name", "key"):
    a statement in a log line names them, and a test's person called "Name" is not found
    there."""
    from duecourse.store.tables import metadata

    return {w for t in metadata.tables.values() for n in (t.name, *t.columns.keys())
            for w in name_words(n.replace("_", " "))}


def offending(lines: Iterable[str], names: set[str], numbers: set[str]) -> list[str]:
    """The lines that hold one of ``names`` (whole words, any case) or ``numbers`` (digits,
    grouped with dashes or spaces or not)."""
    found = []
    for line in lines:
        # A frame of an incident ("pages/routes.py:244 in queue") names code, not a person: a
        # person called "Pages" is not found there.
        words = {w.lower() for w in _WORD.findall(_FRAME.sub(" ", line))}
        digits = {re.sub(r"\D", "", d) for d in _DIGITS.findall(line)}
        hits = sorted(words & names) + sorted(
            n for n in numbers if any(n in d for d in digits))
        if hits:
            found.append(f"{line.rstrip()}   <-- {', '.join(hits)}")
    return found


class LogLeaks:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
        self.worker = workerinput["workerid"] if workerinput else "main"
        self.controller = workerinput is None
        self.dir = (Path(workerinput[DIR_KEY]) if workerinput
                    else Path(tempfile.mkdtemp(prefix="duecourse-test-logs-")))
        self.names: set[str] = set()
        self.numbers: set[str] = set()
        self.report: list[str] = []
        self.handler = logging.FileHandler(self.dir / f"{self.worker}.log", encoding="utf-8",
                                           delay=True)
        self.handler.setLevel(logging.DEBUG)
        self.handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self._undo: list[Callable[[], None]] = []

    # -- the session ---------------------------------------------------------------------------

    def start(self) -> None:
        logging.getLogger().addHandler(self.handler)
        logging.getLogger("duecourse").setLevel(logging.DEBUG)
        if logging.getLogger("uvicorn").level == logging.NOTSET:
            logging.getLogger("uvicorn").setLevel(logging.INFO)
        self.propagate()
        self._wrap("duecourse.store.repository", "insert_person", self._person)
        self._wrap("duecourse.app.identity", "parse_rows_checked", self._records)

    def propagate(self) -> None:
        """uvicorn's own logging configuration turns propagation off: turned on again."""
        for name in PROPAGATE:
            logging.getLogger(name).propagate = True

    def stop(self) -> None:
        logging.getLogger().removeHandler(self.handler)
        self.handler.close()
        for undo in reversed(self._undo):
            undo()
        (self.dir / f"{self.worker}.persons").write_text(json.dumps(
            {"names": sorted(self.names), "numbers": sorted(self.numbers)}), encoding="utf-8")

    def check(self) -> None:
        """The controller, after every worker stopped: every log line against every person."""
        names: set[str] = set()
        numbers: set[str] = set()
        for f in self.dir.glob("*.persons"):
            got = json.loads(f.read_text(encoding="utf-8"))
            names.update(got["names"])
            numbers.update(got["numbers"])
        names -= schema_words()
        for log in sorted(self.dir.glob("*.log")):
            with log.open(encoding="utf-8", errors="replace") as lines:
                self.report += [f"{log.name}: {hit}" for hit in offending(lines, names, numbers)]
        if not self.report:
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- where persons are written ----------------------------------------------------------------

    def _wrap(self, module: str, name: str, seen: Callable[[Any, Any], None]) -> None:
        import importlib

        mod = importlib.import_module(module)
        original = getattr(mod, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            out = original(*args, **kwargs)
            seen(args, out)
            return out

        setattr(mod, name, wrapper)
        self._undo.append(lambda: setattr(mod, name, original))

    def _person(self, args: Any, _: Any) -> None:
        p = args[2]
        self.names |= name_words(p.family_name, p.given_name)
        if n := a_number_digits(p.a_number):
            self.numbers.add(n)

    def _records(self, _: Any, records: Any) -> None:
        for r in records:
            self.names |= name_words(getattr(r, "family_name", ""), getattr(r, "given_name", ""))
            if n := a_number_digits(getattr(r, "a_number", "")):
                self.numbers.add(n)


_KEY = pytest.StashKey[LogLeaks]()


def pytest_configure(config: pytest.Config) -> None:
    leaks = LogLeaks(config)
    config.stash[_KEY] = leaks
    leaks.start()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:  # pytest-xdist: each worker logs into the run's dir
    node.workerinput[DIR_KEY] = str(node.config.stash[_KEY].dir)


def pytest_runtest_setup(item: pytest.Item) -> None:
    item.config.stash[_KEY].propagate()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    leaks = session.config.stash[_KEY]
    leaks.stop()
    if leaks.controller:
        leaks.check()
        if leaks.report:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    leaks = config.stash[_KEY]
    if leaks.controller and leaks.report:
        terminalreporter.section("personal data in log lines", red=True)
        terminalreporter.write_line(f"{len(leaks.report)} log line(s) of this run hold a "
                                    f"synthetic person's name or A-number (logs kept in "
                                    f"{leaks.dir}):")
        for line in leaks.report[:50]:
            terminalreporter.write_line(line)
