"""Known-bad fixtures: any edit of a stored event, ledger entry or checkpoint is found by
``duecourse audit verify``, which exits non-zero and names the entry concerned.

A small ledger (accepted and refused commands, reads, two checkpoints) is built once in a SQLite
file; each test copies it, changes one character of one stored value directly with sqlite3 (or
one byte of the file itself), and runs the real command line on the copy.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from duecourse.app.audit import _event_at, _pinned
from duecourse.app.audit_fast import verify_quickly
from duecourse.bootstrap import build_app
from duecourse.cli import app as cli
from duecourse.domain.commands import Actor, parse_command

pytestmark = pytest.mark.sqlite

EVENT_COLUMNS = ["kind", "at", "actor_id", "actor_role", "data", "case_id", "seq"]
LEDGER_COLUMNS = ["seq", "at", "kind", "actor_id", "actor_role", "purpose", "case_id", "body",
                  "leaf_hash", "leaf_format"]
SAMPLE = 3  # rows tampered with per column
T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)


def _build(url: str) -> None:
    app = build_app(url, seed=5)
    o1, s1, c1 = Actor("o1", "officer"), Actor("s1", "supervisor"), Actor("c1", "counsel")
    d1, ad = Actor("d1", "detention"), Actor("ad", "admin")
    for a in (o1, s1, c1, d1, ad):
        app.register_actor(a)

    def do(actor: Actor, name: str, data: dict[str, Any], hours: float,
           case: str | None = None) -> str | None:
        return app.do(parse_command(name, data), actor, T0 + timedelta(hours=hours),
                      case_id=case).case_id

    people = [("Example", "Ana", "MX"), ("Sample", "Ben", "GT"), ("Muster", "Cai", "HN")]
    for n, (family, given, country) in enumerate(people):
        h = n * 24.0
        case = do(o1, "open_case", {"person": {"family_name": family, "given_name": given,
                                               "nationalities": [country]},
                                    "encounter": "interior", "location": "Newark",
                                    "legal_basis": "INA 237(a)(1)(B)"}, h)
        do(o1, "record_arrest", {"basis": "warrantless", "reason_to_believe": "admitted overstay",
                                 "likely_to_escape": "no fixed address"}, h + 1, case)
        do(o1, "record_examination", {}, h + 2, case)  # refused: the arresting officer (ARR-3)
        do(s1, "record_examination", {}, h + 2.5, case)
        do(o1, "determine_custody", {"decision": "detain", "authority": "236(a)",
                                     "reason": "flight risk: no fixed address"}, h + 3, case)
        do(d1, "place", {"facility": "ELZICDF", "classification": "B",
                         "reason": "nearest bed for the classification"}, h + 4, case)
        do(ad, "close_case", {"reason": "tidy up"}, h + 5, case)  # refused: ROLE
        do(s1, "schedule_removal", {"destination": country, "depart_at": "2026-04-01T09:00:00Z",
                                    "transport": "T-1"}, h + 6, case)  # refused: no order
        assert case is not None
        app.get_case(case, c1, "legal_review", T0 + timedelta(hours=h + 7))
        app.get_case(case, s1, "supervision", T0 + timedelta(hours=h + 8))
        if n == 0:
            app.checkpoint(T0 + timedelta(hours=h + 9))
    app.checkpoint(T0 + timedelta(days=5))
    app.ctx.engine.dispose()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tamper") / "ledger.sqlite"
    _build(f"sqlite:///{path}")
    assert verify(path).exit_code == 0
    return path


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Path:
    """A private copy of the ledger, with its development key beside it."""
    path = tmp_path / "copy.sqlite"
    shutil.copy(template, path)
    shutil.copy(template.with_suffix(".ledger-key.pem"), path.with_suffix(".ledger-key.pem"))
    return path


class Verified:
    def __init__(self, exit_code: int, output: str) -> None:
        self.exit_code = exit_code
        self.output = output
        self.flat = " ".join(output.split())  # Rich wraps long lines


def verify(path: Path) -> Verified:
    res = CliRunner().invoke(cli, ["audit", "verify", "--db", f"sqlite:///{path}"])
    # Never a traceback: the only exception is the command's own non-zero exit.
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    # The quick pass says "verified" exactly when the careful pass finds nothing.
    assert quick_pass_verifies(path) == (res.exit_code == 0), res.output
    return Verified(res.exit_code, res.output)


def quick_pass_verifies(path: Path) -> bool:
    app = build_app(f"sqlite:///{path}", migrate=False)
    try:
        with app.ctx.engine.connect() as conn:
            return verify_quickly(conn, _pinned, app.ctx.signing_key.public_key(), _event_at,
                                  None) is not None
    finally:
        app.ctx.engine.dispose()


def rows(path: Path, sql: str, *args: Any) -> list[sqlite3.Row]:
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        return list(con.execute(sql, args))
    finally:
        con.close()


def execute(path: Path, sql: str, *args: Any) -> None:
    con = sqlite3.connect(path)
    try:
        with con:
            assert con.execute(sql, args).rowcount == 1
    finally:
        con.close()


def one_char_changed(value: str, rng: random.Random) -> str:
    """``value`` with one letter or digit replaced by another of the same kind."""
    i = rng.choice([i for i, c in enumerate(value) if c.isalnum() and c.isascii()])
    c = value[i]
    pool = "0123456789" if c.isdigit() else (
        "abcdefghijklmnopqrstuvwxyz" if c.islower() else "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return value[:i] + rng.choice([p for p in pool if p != c]) + value[i + 1:]


def int_changed(value: int, taken: set[int], rng: random.Random) -> int | None:
    """``value`` with one decimal digit changed, to a number not already taken."""
    text = str(value)
    options = {int(text[:i] + d + text[i + 1:]) for i in range(len(text)) for d in "0123456789"
               if d != text[i] and not (i == 0 and d == "0" and len(text) > 1)} - taken
    return rng.choice(sorted(options)) if options else None


def event_refs(path: Path) -> dict[tuple[str, int], int]:
    """(case, event seq) -> the seq of the ledger entry that records the event."""
    refs = {}
    for r in rows(path, "SELECT seq, case_id, body FROM ledger WHERE kind = 'command_accepted'"):
        for ev in json.loads(r["body"])["events"]:
            refs[(r["case_id"], ev["seq"])] = r["seq"]
    return refs


@pytest.mark.parametrize("column", LEDGER_COLUMNS)
@pytest.mark.parametrize("sample", range(SAMPLE))
def test_edited_ledger_entry_is_named(db: Path, column: str, sample: int) -> None:
    rng = random.Random(f"ledger-{column}-{sample}")
    candidates = [r for r in rows(db, "SELECT * FROM ledger ORDER BY seq") if r[column] != ""]
    taken = {r["seq"] for r in candidates}
    if column == "seq":
        candidates = [r for r in candidates if int_changed(r["seq"], taken, rng) is not None]
    row = rng.choice(candidates)
    seq = row["seq"]
    old = row[column]
    if column == "seq":
        new: Any = int_changed(old, taken, rng)
    elif column == "leaf_format":  # which bytes make the leaf: with seq (1) or without (2)
        new = int_changed(old, set(), rng)
    else:
        new = one_char_changed(old, rng)
    execute(db, f"UPDATE ledger SET {column} = ? WHERE seq = ?", new, seq)

    res = verify(db)
    assert res.exit_code == 1, res.output
    assert f"first bad: entry {seq}:" in res.flat, (column, old, new, res.output)


@pytest.mark.parametrize("column", EVENT_COLUMNS)
@pytest.mark.parametrize("sample", range(SAMPLE))
def test_edited_event_is_named_with_its_ledger_entry(db: Path, column: str, sample: int) -> None:
    rng = random.Random(f"event-{column}-{sample}")
    refs = event_refs(db)
    candidates = rows(db, "SELECT * FROM events ORDER BY id")
    if column == "seq":
        candidates = [r for r in candidates if int_changed(
            r["seq"], {s for (c, s) in refs if c == r["case_id"]}, rng) is not None]
    row = rng.choice(candidates)
    case_id, seq, old = row["case_id"], row["seq"], row[column]
    if column == "seq":
        new: Any = int_changed(old, {s for (c, s) in refs if c == case_id}, rng)
    else:
        new = one_char_changed(old, rng)
    execute(db, f"UPDATE events SET {column} = ? WHERE id = ?", new, row["id"])

    res = verify(db)
    entry = refs[(case_id, seq)]
    assert res.exit_code == 1, res.output
    assert f"first bad: entry {entry}:" in res.flat, (column, old, new, res.output)
    assert f"event {seq} of case {case_id}" in res.flat, res.output


@pytest.mark.parametrize("column", ["root_hex", "signature_hex", "note"])
@pytest.mark.parametrize("which", [0, 1])
def test_edited_checkpoint_is_named(db: Path, column: str, which: int) -> None:
    """The kept checkpoints are signed notes; the row's root and signature repeat the note's."""
    cp = rows(db, "SELECT * FROM checkpoints ORDER BY size")[which]
    new = one_char_changed(cp[column], random.Random(f"cp-{column}-{which}"))
    execute(db, f"UPDATE checkpoints SET {column} = ? WHERE size = ?", new, cp["size"])

    res = verify(db)
    assert res.exit_code == 1, res.output
    # A changed character of the note may be in its key name: then it is a foreign key's note.
    kinds = "checkpoint-signature|foreign-key" if column == "note" else "checkpoint-signature"
    assert re.search(rf"first bad: entry {cp['size'] - 1}: \[({kinds})\] signed checkpoint of "
                     rf"{cp['size']} entries", res.flat), res.output


BAD_TEXT = "CAST(? AS TEXT)"  # bytes stored as text that is not valid UTF-8


@pytest.mark.parametrize(("table", "column", "value", "expr"), [
    ("events", "at", "2026-03-0x 09:00:00.000000", "?"),
    ("events", "at", "yesterday", "?"),
    ("events", "at", 20260301, "?"),
    ("events", "at", b"2026-03-01 09:00:00.00000\xff", BAD_TEXT),
    ("events", "seq", "2a", "?"),
    ("events", "data", b"\x00\xff", "?"),
    ("events", "kind", b"pl\xffced", BAD_TEXT),
    ("events", "case_id", b"C-\xff", BAD_TEXT),
    ("ledger", "at", b"\x00\xff", "?"),
    ("ledger", "body", b"\x00\xff", "?"),
    ("ledger", "body", b"{\xff}", BAD_TEXT),
    ("ledger", "case_id", b"C-\xff", BAD_TEXT),
    ("ledger", "leaf_hash", 7, "?"),
    ("ledger_head", "frontier", "{", "?"),
])
def test_unparseable_value_is_a_finding_not_a_crash(db: Path, table: str, column: str,
                                                    value: Any, expr: str) -> None:
    """SQLite stores whatever it is given (only an INTEGER PRIMARY KEY refuses text); the
    verifier reads values as stored and reports them, it never crashes on them."""
    refs = event_refs(db)
    if table == "events":
        row = rows(db, "SELECT id, case_id, seq FROM events WHERE seq = 2 ORDER BY id")[0]
        execute(db, f"UPDATE events SET {column} = {expr} WHERE id = ?", value, row["id"])
        entry = refs[(row["case_id"], row["seq"])]
    elif table == "ledger":
        entry = 1
        execute(db, f"UPDATE ledger SET {column} = {expr} WHERE seq = ?", value, entry)
    else:  # the head: its root no longer matches the ledger's last entry
        entry = len(rows(db, "SELECT seq FROM ledger")) - 1
        execute(db, f"UPDATE {table} SET {column} = {expr} WHERE id = 1", value)

    res = verify(db)
    assert res.exit_code == 1, res.output
    assert f"first bad: entry {entry}:" in res.flat, res.output
    if table == "events":
        assert f"event 2 of case {row['case_id']}" in res.flat, res.output


def test_garbled_timestamp_through_the_installed_command(db: Path) -> None:
    row = rows(db, "SELECT id, case_id, seq FROM events ORDER BY id")[3]
    execute(db, "UPDATE events SET at = ? WHERE id = ?", "2026-03-01 1x:00:00.000000", row["id"])
    exe = Path(sys.executable).parent / "duecourse"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-c",
                                           "from duecourse.cli import main; main()"]
    res = subprocess.run([*cmd, "audit", "verify", "--db", f"sqlite:///{db}"],
                         capture_output=True, text=True, timeout=120, env={
                             **__import__("os").environ, "COLUMNS": "200"})
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "Traceback" not in out
    entry = event_refs(db)[(row["case_id"], row["seq"])]
    flat = " ".join(out.split())
    assert f"first bad: entry {entry}:" in flat and "not a valid timestamp" in flat, out


@pytest.mark.parametrize("flip", ["to another hex digit", "to invalid UTF-8"])
def test_byte_flipped_in_the_database_file(db: Path, flip: str) -> None:
    """One byte of a ledger body changed in the file itself, below SQLite."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    body = con.execute("SELECT seq, body FROM ledger WHERE kind = 'command_accepted' "
                       "ORDER BY seq DESC LIMIT 1").fetchone()
    con.close()
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    seq, text = body
    needle = json.loads(text)["events"][0]["hash"].encode()  # unique in the file
    data = bytearray(db.read_bytes())
    assert data.count(needle) == 1
    at = data.index(needle) + 10
    if flip == "to invalid UTF-8":
        data[at] = 0xFF
    else:
        data[at] = ord("0") if data[at] != ord("0") else ord("1")  # valid text, different
    db.write_bytes(bytes(data))

    res = verify(db)
    assert res.exit_code == 1, res.output
    assert f"first bad: entry {seq}:" in res.flat, res.output


def test_untouched_copy_verifies(db: Path) -> None:
    res = verify(db)
    assert res.exit_code == 0, res.output
    assert "ledger verified" in res.flat
    n = len(rows(db, "SELECT seq FROM ledger"))
    kept = len(rows(db, "SELECT size FROM checkpoints"))
    assert kept == 2
    # the two kept checkpoints and the head's latest signed note
    assert (f"{n} entries, all covered by signed checkpoints ({kept + 1} in the store, 0 kept "
            "outside it)") in res.flat
