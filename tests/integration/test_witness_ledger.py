"""A witness beside the ledger (issue 14): it cosigns the ledger's checkpoints only while the
ledger grows consistently, refuses a forked history, and its copy of the last checkpoint catches
entries rewritten after the store's own checkpoints were deleted."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from duecourse.app import ledger as L
from duecourse.audit.merkle import Frontier
from duecourse.audit.note import checkpoint_body, parse_checkpoint, sign_note
from duecourse.audit.witness import Witness, witness_app
from duecourse.bootstrap import App, build_app
from duecourse.cli import app as cli
from duecourse.domain.commands import Actor, parse_command
from duecourse.store.tables import checkpoints, ledger, ledger_head

T0 = datetime(2026, 4, 1, 8, tzinfo=UTC)
OFFICER = Actor("o1", "officer")


def _run(*args: str, code: int = 0) -> str:
    res = CliRunner().invoke(cli, list(args))
    assert res.exit_code == code, res.output
    return str(res.output)


def _serve(state: Path) -> tuple[str, uvicorn.Server]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(witness_app(Witness(state)), host="127.0.0.1",
                                           port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the witness did not start"
        time.sleep(0.02)
    return f"http://127.0.0.1:{port}", server


def _grow(app: App, first: int, n: int) -> None:
    for i in range(first, first + n):
        assert app.do(parse_command("open_case", {
            "person": {"family_name": f"Witnessed{i}", "given_name": "Ben",
                       "nationalities": ["HN"]},
            "encounter": "interior", "location": "Newark", "legal_basis": "INA 237(a)(1)(B)"}),
            OFFICER, T0 + timedelta(hours=i)).accepted
    app.flush_ledger()


def test_witness_cosigns_growth_refuses_a_fork_and_catches_a_rewrite(
        db_url: str, tmp_path: Path) -> None:
    app = build_app(db_url, seed=21)
    app.register_actor(OFFICER)
    _grow(app, 0, 4)
    key = tmp_path / "ledger.vkey"
    _run("audit", "export-key", "--db", db_url, "--out", str(key))
    state = tmp_path / "witness"
    _run("audit", "witness", "init", "--state", str(state), "--name", "witness.example/ig",
         "--log-key", str(key))
    url, server = _serve(state)
    try:
        _run("audit", "checkpoint", "--db", db_url, "--witness", url)
        first = parse_checkpoint((state / "latest").read_text())
        _grow(app, 10, 3)
        _run("audit", "checkpoint", "--db", db_url, "--witness", url)  # consistent growth
        seen = parse_checkpoint((state / "latest").read_text())
        assert seen.size > first.size
        # The operator's own key signs a second history (a fork): the witness refuses it.
        with app.ctx.engine.begin() as conn:
            origin = conn.execute(select(ledger_head.c.origin)).scalar_one()
            rows = [dict(r._mapping) for r in conn.execute(select(ledger).order_by(ledger.c.seq))]
            rows[1]["purpose"] = "rewritten"
            conn.execute(delete(ledger))
            f = Frontier()
            for r in rows:
                r["leaf_hash"] = L.leaf_hash(L.entry_bytes(r)).hex()
                f.append(bytes.fromhex(r["leaf_hash"]))
            conn.execute(ledger.insert(), rows)
            conn.execute(delete(checkpoints))
            note = sign_note(checkpoint_body(origin, f.size, f.root()), origin,
                             app.ctx.signing_key)
            conn.execute(update(ledger_head).values(frontier=f.to_json(), checkpoint=note))
        refused = CliRunner().invoke(cli, ["audit", "checkpoint", "--db", db_url, "--witness", url])
        assert refused.exit_code != 0
        assert "422" in str(refused.exception) or "422" in refused.output
        assert parse_checkpoint((state / "latest").read_text()).root == seen.root  # unchanged
        # The witness's copy names the rewrite that the re-signed store hides from itself.
        out = _run("audit", "verify", "--db", db_url, "--public-key", str(key),
                   "--checkpoint", str(state / "latest"), code=1)
        assert "[fork]" in out or "[rewritten]" in out, out
    finally:
        server.should_exit = True
        app.ctx.engine.dispose()
