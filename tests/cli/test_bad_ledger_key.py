"""A ledger key that is not one is a clear refusal naming the setting or the file, never a
traceback of the cryptography library (issue 16)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from duecourse.audit.checkpoint import generate_private_key_pem

pytestmark = pytest.mark.sqlite

NOT_KEYS = {
    "text": b"not a key at all",
    "a public key": b"",  # filled in below: the right kind of file, the wrong half of the pair
    "a truncated key": b"",
    "binary": bytes(range(256)),
    "a NUL": b"-----BEGIN PRIVATE KEY-----\x00\n-----END PRIVATE KEY-----\n",
}


def _not_keys() -> dict[str, bytes]:
    from duecourse.audit.checkpoint import load_private_key, public_key_pem

    pem = generate_private_key_pem()
    return {**NOT_KEYS, "a public key": public_key_pem(load_private_key(pem)).encode(),
            "a truncated key": pem.encode()[:60]}


def _run(tmp: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("DUECOURSE_")}
    return subprocess.run([sys.executable, "-c", "from duecourse.cli import main; main()",
                           *args], env={**full, **env}, capture_output=True, text=True,
                          timeout=120, cwd=tmp, check=False)


def _initialised(tmp: Path) -> str:
    """A store made by ``duecourse init`` (with its own development key): the commands that
    open a store refuse one that does not exist."""
    db = f"sqlite:///{tmp / 'store.sqlite'}"
    assert _run(tmp, {"DUECOURSE_DB": db}, "init").returncode == 0
    return db


@pytest.mark.parametrize("what", sorted(NOT_KEYS))
def test_a_key_file_that_is_no_key(tmp_path: Path, what: str) -> None:
    key = tmp_path / "ledger-key.pem"
    key.write_bytes(_not_keys()[what])
    db = _initialised(tmp_path)
    res = _run(tmp_path, {"DUECOURSE_LEDGER_KEY_FILE": str(key), "DUECOURSE_DB": db},
               "facilities", "list")
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr and "ledger key file" in res.stderr
    assert "not an Ed25519 private key" in res.stderr or "cannot be read" in res.stderr


def test_a_key_setting_that_is_no_key(tmp_path: Path) -> None:
    db = _initialised(tmp_path)
    res = _run(tmp_path, {"DUECOURSE_LEDGER_KEY": "secret", "DUECOURSE_DB": db},
               "facilities", "list")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "DUECOURSE_LEDGER_KEY is not an Ed25519 private key" in res.stderr


def test_rotating_to_a_key_that_is_no_key(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'store.sqlite'}"
    new = tmp_path / "new.pem"
    new.write_bytes(b"\xff\xfe not pem")
    res = _run(tmp_path, {"DUECOURSE_DB": db}, "audit", "rotate-key", "--new-key-file", str(new),
               "--as", "admin1")
    assert res.returncode != 0 and "Traceback" not in res.stderr, res.stderr
    assert "new.pem" in res.stderr
