"""An insider with write access to the database but not the key (issue 14): every rewrite of the
ledger is caught by `duecourse audit verify` with the public key alone, and named — on SQLite and
PostgreSQL. Entries rewritten after the store's own checkpoints are caught against a checkpoint
kept outside the store (exported, or a witness's copy)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, delete, insert, select, update
from typer.testing import CliRunner

from duecourse.app import ledger as L
from duecourse.audit.merkle import Frontier
from duecourse.audit.note import checkpoint_body, sign_note
from duecourse.bootstrap import App, build_app
from duecourse.cli import app as cli
from duecourse.domain.commands import Actor, parse_command
from duecourse.store.tables import checkpoints, ledger, ledger_head

T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)
OFFICER, SUPERVISOR = Actor("o1", "officer"), Actor("s1", "supervisor")


@dataclass
class Store:
    url: str
    app: App
    key_file: Path
    exported: Path  # the checkpoint an outsider kept when the ledger was complete
    size: int


def _open(app: App, n: int) -> str:
    out = app.do(parse_command("open_case", {
        "person": {"family_name": f"Example{n}", "given_name": "Ana", "nationalities": ["MX"]},
        "encounter": "interior", "location": "Newark", "legal_basis": "INA 237(a)(1)(B)"}),
        OFFICER, T0 + timedelta(hours=n))
    assert out.accepted and out.case_id
    return out.case_id


def _activity(app: App, first: int, cases: int) -> None:
    for n in range(first, first + cases):
        case = _open(app, n)
        app.get_case(case, SUPERVISOR, "supervision", T0 + timedelta(hours=n, minutes=5))


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    app = build_app(db_url, seed=3)
    for a in (OFFICER, SUPERVISOR):
        app.register_actor(a)
    _activity(app, 0, 6)
    app.flush_ledger()
    key_file = tmp_path / "ledger.vkey"
    exported = tmp_path / "kept.checkpoint"
    run("audit", "export-key", "--db", db_url, "--out", str(key_file), code=0)
    run("audit", "checkpoint", "--db", db_url, "--export", str(exported), code=0)
    with app.ctx.engine.connect() as conn:
        size = conn.execute(select(ledger_head.c.size)).scalar_one()
    yield Store(db_url, app, key_file, exported, size)
    app.ctx.engine.dispose()


def run(*args: str, code: int) -> Any:
    res = CliRunner().invoke(cli, list(args))
    assert res.exit_code == code, res.output
    return res


def verify(s: Store, *kept: Path, code: int = 1) -> str:
    args = ["audit", "verify", "--db", s.url, "--public-key", str(s.key_file)]
    for k in kept:
        args += ["--checkpoint", str(k)]
    return str(run(*args, code=code).output)


def kinds(output: str) -> set[str]:
    return {part.split("]")[0] for part in output.split("[")[1:]}


# The insider's tools: rewrite rows and recompute every hash, frontier and root without the key.

def _rows(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(select(ledger).order_by(ledger.c.seq))]


def _rewrite(conn: Connection, rows: list[dict[str, Any]], key: Ed25519PrivateKey | None = None,
             origin: str = "") -> None:
    """Store ``rows`` as the whole ledger, renumbered, with recomputed leaves and head; without
    a key every checkpoint is deleted (the insider cannot sign), with one they are re-signed."""
    conn.execute(delete(ledger))
    f = Frontier()
    for seq, r in enumerate(rows):
        r = {**r, "seq": seq}
        leaf = L.leaf_hash(L.entry_bytes(r))
        r["leaf_hash"] = leaf.hex()
        f.append(leaf)
        conn.execute(insert(ledger).values(**r))
    note = None
    if key is not None:
        note = sign_note(checkpoint_body(origin, f.size, f.root()), origin, key)
    conn.execute(delete(checkpoints))
    conn.execute(update(ledger_head).values(size=f.size, frontier=f.to_json(), checkpoint=note))


def test_untouched_store_verifies_with_the_public_key_and_the_kept_checkpoint(s: Store) -> None:
    out = verify(s, s.exported, code=0)
    assert "ledger verified" in out and "1 kept outside" in out


@pytest.fixture
def s(store: Store) -> Store:
    return store


def test_every_checkpoint_deleted(s: Store) -> None:
    with s.app.ctx.engine.begin() as conn:
        conn.execute(delete(checkpoints))
        conn.execute(update(ledger_head).values(checkpoint=None))
    assert "checkpoints-deleted" in kinds(verify(s))


@pytest.mark.parametrize("attack", ["edit", "erase", "forge", "swap"])
def test_entry_rewritten_and_its_checkpoints_deleted(s: Store, attack: str) -> None:
    with s.app.ctx.engine.begin() as conn:
        rows = _rows(conn)
        k = len(rows) - 3
        if attack == "edit":
            rows[k]["body"] = rows[k]["body"].replace("supervision", "legal_review")
            rows[k]["actor_role"] = "counsel"
        elif attack == "erase":
            del rows[k]
        elif attack == "forge":
            rows.insert(k, {**rows[k], "actor_id": "nobody", "purpose": "forged"})
        else:
            rows[k], rows[k + 1] = rows[k + 1], rows[k]
        _rewrite(conn, rows)
    alone = kinds(verify(s))
    assert alone & {"checkpoints-deleted", "uncovered"}, alone
    against = kinds(verify(s, s.exported))
    assert against & ({"rewritten", "truncated"} if attack == "erase" else {"rewritten"}), against


def test_rollback_to_an_earlier_checkpoint(s: Store) -> None:
    with s.app.ctx.engine.connect() as conn:
        earlier = dict(conn.execute(select(ledger_head)).one()._mapping)
    for n in range(3):  # reads only: a rollback that leaves no event behind
        s.app.get_case(_first_case(s), SUPERVISOR, "supervision", T0 + timedelta(days=2, hours=n))
    s.app.flush_ledger()
    later = s.exported.with_suffix(".later")
    run("audit", "checkpoint", "--db", s.url, "--export", str(later), code=0)
    with s.app.ctx.engine.begin() as conn:  # the insider restores the earlier state
        conn.execute(delete(ledger).where(ledger.c.seq >= earlier["size"]))
        conn.execute(delete(checkpoints).where(checkpoints.c.size > earlier["size"]))
        conn.execute(update(ledger_head).values(**{k: v for k, v in earlier.items() if k != "id"}))
    verify(s, code=0)  # consistent in itself: only a kept checkpoint can tell
    assert "rollback" in kinds(verify(s, later))


def _first_case(s: Store) -> str:
    with s.app.ctx.engine.connect() as conn:
        return str(conn.execute(select(ledger.c.case_id).where(ledger.c.case_id != "")
                                .order_by(ledger.c.seq)).first()[0])  # type: ignore[index]


def test_rewritten_chain_signed_with_a_fresh_key(s: Store) -> None:
    fresh = Ed25519PrivateKey.generate()
    with s.app.ctx.engine.begin() as conn:
        origin = conn.execute(select(ledger_head.c.origin)).scalar_one()
        rows = _rows(conn)
        rows[1]["body"] = rows[1]["body"].replace("Newark", "Elsewhere")
        _rewrite(conn, rows, fresh, origin)
    out = verify(s)
    assert "foreign-key" in kinds(out), out


def test_fork_signed_with_the_ledger_key_is_named_against_the_kept_checkpoint(s: Store) -> None:
    with s.app.ctx.engine.begin() as conn:  # the key itself is misused: two histories signed
        origin = conn.execute(select(ledger_head.c.origin)).scalar_one()
        rows = _rows(conn)
        rows[2]["purpose"] = "altered"
        _rewrite(conn, rows, s.app.ctx.signing_key, origin)
    out = verify(s, s.exported)
    assert "fork" in kinds(out) or "rewritten" in kinds(out), out


def test_queued_entries_are_reported_not_verified(s: Store) -> None:
    if not s.url.startswith("postgresql"):
        pytest.skip("on SQLite each writer integrates its own entry")
    _activity(s.app, 50, 1)
    out = verify(s, code=3)
    assert "queued" in out


def test_proofs_of_random_entries_verify_standalone_and_fail_for_a_changed_byte(
        s: Store, tmp_path: Path) -> None:
    from duecourse.audit import standalone

    keys = [standalone.load_key(str(s.key_file))]
    for entry in (0, s.size // 2, s.size - 1):
        proof = tmp_path / f"inclusion-{entry}.json"
        run("audit", "prove", "--db", s.url, "--entry", str(entry), "--out", str(proof), code=0)
        assert standalone.check_file(str(proof), keys, [])[0]
        doc = json.loads(proof.read_text())
        doc["entry"] = doc["entry"].replace('"', "'", 1)
        proof.write_text(json.dumps(doc))
        assert not standalone.check_file(str(proof), keys, [])[0]
    _activity(s.app, 60, 2)
    s.app.flush_ledger()
    grown = tmp_path / "consistency.json"
    run("audit", "prove", "--db", s.url, "--from", str(s.exported), "--out", str(grown), code=0)
    assert standalone.check_file(str(grown), keys, [])[0]
    doc = json.loads(grown.read_text())
    doc["proof"][0] = doc["proof"][0][:-4] + ("AAA=" if doc["proof"][0][-4:] != "AAA=" else "BBB=")
    grown.write_text(json.dumps(doc))
    assert not standalone.check_file(str(grown), keys, [])[0]


# The sequencer signs only over the head it signed last, and only leaves written with the key.

def _erase_and_rehash(conn: Connection, k: int) -> None:
    """Erase entry ``k`` and recompute every leaf and the head's frontier, without the key."""
    rows = _rows(conn)
    del rows[k]
    note = conn.execute(select(ledger_head.c.checkpoint)).scalar_one()
    _rewrite(conn, rows)
    conn.execute(update(ledger_head).values(checkpoint=note))  # the old note stays in place


def test_the_sequencer_refuses_to_sign_a_head_changed_without_the_key(s: Store) -> None:
    from duecourse.app.sequencer import LedgerHeadTampered

    with s.app.ctx.engine.begin() as conn:
        _erase_and_rehash(conn, 3)
    with pytest.raises(LedgerHeadTampered):
        _activity(s.app, 70, 1)  # SQLite: the write itself; PostgreSQL: its integration
        s.app.flush_ledger()
    s.app.ctx.engine.dispose()
    assert kinds(verify(s)) & {"checkpoint-root", "head", "uncovered"}
    with s.app.ctx.engine.begin() as conn:
        conn.execute(update(ledger_head).values(checkpoint=None))  # hide the evidence
    with pytest.raises(LedgerHeadTampered):
        s.app.checkpoint()
    refused = CliRunner().invoke(cli, ["audit", "checkpoint", "--db", s.url, "--adopt"])
    assert refused.exit_code == 1 and "cannot be adopted" in refused.output, refused.output


def test_a_leaf_written_into_the_queue_without_the_key_is_recorded_as_rejected(s: Store) -> None:
    from duecourse.store.tables import ledger_queue

    forged = {"at": "2020-01-01T00:00:00.000000Z", "kind": "actor_registered",
              "actor_id": "system", "actor_role": "system", "purpose": "", "case_id": "",
              "body": '{"actor_id":"o1","clients":[],"name":"","role":"admin"}'}
    data = L.leaf_bytes_of(**forged)
    with s.app.ctx.engine.begin() as conn:
        conn.execute(insert(ledger_queue).values(**forged, leaf_hash=L.leaf_hash(data).hex(),
                                                 mac="0" * 64))
    s.app.flush_ledger()
    with s.app.ctx.engine.connect() as conn:
        last = conn.execute(select(ledger.c.kind, ledger.c.body)
                            .order_by(ledger.c.seq.desc())).first()
    assert last is not None and last.kind == "leaf_rejected"
    assert json.loads(json.loads(last.body)["queued"]["body"])["role"] == "admin"
    assert "rejected-leaf" in kinds(verify(s))


def test_a_checkpoint_of_another_ledger_signed_with_the_same_key_is_foreign(
        s: Store, tmp_path: Path) -> None:
    other = build_app(f"sqlite:///{tmp_path}/other.sqlite", seed=4,
                      signing_key=s.app.ctx.signing_key)
    with other.ctx.engine.begin() as conn:
        conn.execute(update(ledger_head).values(origin="other.example/ledger"))
    other.register_actor(OFFICER)
    other.flush_ledger()
    foreign = tmp_path / "other.checkpoint"
    with other.ctx.engine.connect() as conn:
        foreign.write_text(conn.execute(select(ledger_head.c.checkpoint)).scalar_one())
    assert "foreign-key" in kinds(verify(s, foreign))


def test_a_store_from_before_signed_notes_is_adopted_once_verified(s: Store) -> None:
    with s.app.ctx.engine.begin() as conn:  # as issue 13 left it: leaves with seq, no notes
        rows = [{**r, "leaf_format": 1} for r in _rows(conn)]
        _rewrite(conn, rows)
    with pytest.raises(Exception, match="no signed checkpoint"):
        s.app.flush_ledger()
        _activity(s.app, 80, 1)
    assert "checkpoints-deleted" in kinds(verify(s))
    run("audit", "checkpoint", "--db", s.url, "--adopt", code=0)
    _activity(s.app, 81, 1)  # new entries are leaves without seq
    s.app.flush_ledger()
    assert "ledger verified" in verify(s, code=0)


@pytest.mark.parametrize("origin", ["my ledger", "a+b", "x\ty"])
def test_a_ledger_origin_no_signed_note_can_carry_stops_the_start(
        origin: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from duecourse.bootstrap import ConfigurationError

    monkeypatch.setenv("DUECOURSE_LEDGER_ORIGIN", origin)
    with pytest.raises(ConfigurationError, match="DUECOURSE_LEDGER_ORIGIN"):
        build_app(f"sqlite:///{tmp_path}/o.sqlite")


def test_careless_key_and_checkpoint_files(s: Store, tmp_path: Path) -> None:
    padded = tmp_path / "padded.vkey"  # a copy made on another system: CRLF, trailing spaces
    padded.write_bytes(s.key_file.read_bytes().rstrip() + b"\r\n   ")
    crlf = tmp_path / "crlf.checkpoint"
    crlf.write_bytes(s.exported.read_bytes().replace(b"\n", b"\r\n"))
    assert "ledger verified" in verify(Store(s.url, s.app, padded, s.exported, s.size), crlf,
                                       code=0)
    upper = tmp_path / "upper.vkey"
    upper.write_text(s.key_file.read_text().upper())
    out = run("audit", "verify", "--db", s.url, "--public-key", str(upper), code=2).output
    assert "cannot be used" in out
    junk = tmp_path / "junk.checkpoint"
    junk.write_text("size 14, trust me\n")
    out = run("audit", "verify", "--db", s.url, "--public-key", str(s.key_file),
              "--checkpoint", str(junk), code=2).output
    assert "is not a signed checkpoint" in out
