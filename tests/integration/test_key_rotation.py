"""Rotating the ledger's signing key (issue 14): a ledger entry signed by the old key and the new.
A verifier follows the chain from either key; a process still holding the old key refuses to
sign; a rotation forged into the store is named."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, update
from typer.testing import CliRunner

from duecourse.app.access import AccessDenied
from duecourse.app.keys import rotate_key
from duecourse.app.sequencer import LedgerKeyMismatch
from duecourse.audit.checkpoint import generate_private_key_pem, load_private_key
from duecourse.audit.note import verifier_key
from duecourse.bootstrap import build_app
from duecourse.cli import app as cli
from duecourse.domain.commands import Actor, parse_command
from duecourse.store.tables import ledger

T0 = datetime(2026, 6, 1, 8, tzinfo=UTC)
OFFICER, ADMIN = Actor("o1", "officer"), Actor("ad", "admin")


def _open(app: object, n: int) -> None:
    out = app.do(parse_command("open_case", {  # type: ignore[attr-defined]
        "person": {"family_name": f"Rotated{n}", "given_name": "Cai", "nationalities": ["SV"]},
        "encounter": "interior", "location": "Newark", "legal_basis": "INA 237(a)(1)(B)"}),
        OFFICER, T0 + timedelta(hours=n))
    assert out.accepted


def _verify(url: str, key: Path, code: int) -> str:
    res = CliRunner().invoke(cli, ["audit", "verify", "--db", url, "--public-key", str(key)])
    assert res.exit_code == code, res.output
    return str(res.output)


def test_rotation_is_followed_from_either_key(db_url: str, tmp_path: Path) -> None:
    app = build_app(db_url, seed=31)
    for a in (OFFICER, ADMIN):
        app.register_actor(a)
    _open(app, 0)
    old_key = app.ctx.signing_key
    new_file = tmp_path / "new.pem"
    new_file.write_text(generate_private_key_pem())
    new_key = load_private_key(new_file.read_text())
    with pytest.raises(AccessDenied):
        rotate_key(app.ctx, OFFICER, new_key, T0 + timedelta(hours=1))
    done = rotate_key(app.ctx, ADMIN, new_key, T0 + timedelta(hours=1))
    assert app.ctx.signing_key is new_key
    _open(app, 2)
    app.flush_ledger()
    with app.ctx.engine.connect() as conn:
        entry = json.loads(conn.execute(select(ledger.c.body)
                                        .where(ledger.c.seq == done.seq)).scalar_one())
    assert entry["new_key"] == verifier_key(entry["origin"], new_key.public_key())
    for name, key in (("old", old_key), ("new", new_key)):
        vkey = tmp_path / f"{name}.vkey"
        vkey.write_text(verifier_key(entry["origin"], key.public_key()))
        assert "ledger verified" in _verify(db_url, vkey, 0)
    app.ctx.signing_key = old_key  # a process still holding the old key
    with pytest.raises(LedgerKeyMismatch):
        _open(app, 3)
        app.flush_ledger()
    app.ctx.engine.dispose()


def test_forged_rotation_is_named(db_url: str, tmp_path: Path) -> None:
    app = build_app(db_url, seed=32)
    for a in (OFFICER, ADMIN):
        app.register_actor(a)
    _open(app, 0)
    done = rotate_key(app.ctx, ADMIN, Ed25519PrivateKey.generate(), T0 + timedelta(hours=1))
    _open(app, 2)
    app.flush_ledger()
    fresh = Ed25519PrivateKey.generate()
    with app.ctx.engine.begin() as conn:  # the insider swaps the new key for their own
        body = json.loads(conn.execute(select(ledger.c.body)
                                       .where(ledger.c.seq == done.seq)).scalar_one())
        body["new_key"] = verifier_key(body["origin"], fresh.public_key())
        conn.execute(update(ledger).where(ledger.c.seq == done.seq)
                     .values(body=json.dumps(body, sort_keys=True, separators=(",", ":"))))
    vkey = tmp_path / "ledger.vkey"
    vkey.write_text(verifier_key(body["origin"], app.ctx.signing_key.public_key()))
    out = _verify(db_url, vkey, 1)
    assert "[rotation]" in out, out
    app.ctx.engine.dispose()
