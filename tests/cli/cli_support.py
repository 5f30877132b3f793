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


# The reader the identity commands that show records name (``--user``, ``--as``, ``--purpose``):
# ``initialised`` registers them.
READER_ID = "s-reader"
READ_AS = ("--user", READER_ID, "--as", "supervisor", "--purpose", "supervision")


def initialised(url: str, *, reader: bool = False) -> str:
    """``url`` after ``duecourse init`` made its store (every other command refuses a database
    that does not exist), with the supervisor ``READ_AS`` names registered if ``reader``; the
    URL."""
    from duecourse.bootstrap import build_app
    from duecourse.domain.commands import Actor

    code, out, err = run("init", "--db", url)
    assert code == 0, out + err
    if reader:
        app = build_app(url, migrate=False)
        app.register_actor(Actor(READER_ID, "supervisor", "A Supervisor"))
        app.ctx.engine.dispose()
    return url
