"""Shared by the CLI tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path


def ledger_time(at: object) -> datetime:
    """A ledger entry's time, aware in UTC, as either store gives it back."""
    when = at if isinstance(at, datetime) else datetime.fromisoformat(str(at).replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


# The columns of ``duecourse identity import``, and a file of rows under them.
IDENTITY_HEADER = ("record_id,family_name,given_name,birth_date,sex,nationality,address,city,"
                   "postcode,a_number")


def write_records(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([IDENTITY_HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    """The CLI run in process: its exit code, standard output and standard error."""
    from typer.testing import CliRunner

    from duecourse.cli import app

    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def initialised(url: str) -> str:
    """``url`` after ``duecourse init`` made its store (every other command refuses a database
    that does not exist); the URL, to pass on."""
    code, out, err = run("init", "--db", url)
    assert code == 0, out + err
    return url
