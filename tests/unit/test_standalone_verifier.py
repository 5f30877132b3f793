"""The independent verifier (audit/standalone.py) agrees with audit/merkle.py and audit/note.py."""

from __future__ import annotations

import ast
import base64
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from duecourse.audit import standalone
from duecourse.audit.checkpoint import public_key_pem
from duecourse.audit.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from duecourse.audit.note import (
    add_signatures,
    checkpoint_body,
    cosign,
    cosigner_verifier_key,
    parse_checkpoint,
    sign_note,
    verifier_key,
)

ORIGIN = "duecourse.invalid/ledger"
LOG = Ed25519PrivateKey.generate()
LOG_VKEY = verifier_key(ORIGIN, LOG.public_key())
WITNESS = Ed25519PrivateKey.generate()
WITNESS_VKEY = cosigner_verifier_key("witness.invalid/w1", WITNESS.public_key())
SOURCE = Path(standalone.__file__)


def entries(n: int, tag: str = "") -> list[str]:
    return [json.dumps({"at": i, "body": f"é{tag}{i}"}, ensure_ascii=False) for i in range(n)]


def signed(es: list[str], key: Ed25519PrivateKey = LOG, witness: bool = False) -> str:
    root = root_from_leaf_hashes([leaf_hash(e.encode()) for e in es])
    note = sign_note(checkpoint_body(ORIGIN, len(es), root), ORIGIN, key)
    if witness:
        note = add_signatures(note, [cosign(parse_checkpoint(note), "witness.invalid/w1", WITNESS, 1)])
    return note


def b64(hashes: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in hashes]


def inclusion(es: list[str], index: int, **kw: Any) -> dict[str, Any]:
    path = inclusion_proof([leaf_hash(e.encode()) for e in es], index)
    return {
        "type": "duecourse-inclusion-proof/v1", "index": index, "tree_size": len(es),
        "entry": es[index], "path": b64(path), "checkpoint": signed(es, **kw),
    }


def consistency(old: list[str], new: list[str], **kw: Any) -> dict[str, Any]:
    proof = consistency_proof([leaf_hash(e.encode()) for e in new], len(old))
    return {
        "type": "duecourse-consistency-proof/v1", "old_size": len(old), "new_size": len(new),
        "old_checkpoint": signed(old, **kw), "proof": b64(proof), "checkpoint": signed(new, **kw),
    }


def check(doc: dict[str, Any] | str, *witnesses: str, log: str = LOG_VKEY) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "proof.json"
        path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
        ok, line = standalone.check_file(path, [log], witnesses)
    return ok, line


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_inclusion_agrees_with_merkle(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, 70))
    index = data.draw(st.integers(0, size - 1))
    ok, line = check(inclusion(entries(size), index))
    assert ok, line
    expected = f"OK inclusion: entry {index} is in the ledger of {size} entries signed by {ORIGIN} (root "
    assert line.startswith(expected)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_consistency_agrees_with_merkle(data: st.DataObject) -> None:
    n = data.draw(st.integers(0, 70))
    m = data.draw(st.integers(0, n))
    es = entries(n)
    ok, line = check(consistency(es[:m], es))
    assert ok, line
    assert line.startswith(f"OK consistency: the ledger of {m} entries is a prefix of the ledger of {n}")
    if m > 0:  # a history rewritten anywhere in the first m entries is a fork
        forked = entries(m, tag="x") + es[m:]
        doc = consistency(es[:m], es)
        doc["old_checkpoint"] = signed(forked[:m])
        ok, line = check(doc)
        assert not ok and "the trees are not consistent" in line


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_algorithms_agree_with_merkle(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 200))
    hashes = [leaf_hash(str(i).encode()) for i in range(n)]
    i = data.draw(st.integers(0, n - 1))
    m = data.draw(st.integers(1, n))
    root = root_from_leaf_hashes(hashes)
    assert standalone.root_from_inclusion(i, n, hashes[i], inclusion_proof(hashes, i)) == root
    old = root_from_leaf_hashes(hashes[:m])
    proof = consistency_proof(hashes, m)
    assert standalone.consistent(m, n, old, root, proof)
    if proof:
        bad = [*proof[:-1], leaf_hash(b"x")]
        assert not standalone.consistent(m, n, old, root, bad)
    # On wrong sizes and truncated proofs both implementations give the same answer.
    for mm, nn, pp in [(m, n + 1, proof), (m - 1, n, proof), (m, n, proof[1:]), (m, n, proof[:-1])]:
        assert standalone.consistent(mm, nn, old, root, pp) == verify_consistency(mm, nn, old, root, pp)
    for ii, nn in [(i, n + 1), (i + 1, n), (i, n - 1)]:
        path = inclusion_proof(hashes, i)
        assert (standalone.root_from_inclusion(ii, nn, hashes[i], path) == root) == verify_inclusion(
            hashes[i], ii, nn, path, root
        )


def flip(s: str, i: int) -> str:
    return s[:i] + chr(ord(s[i]) ^ 1) + s[i + 1 :]


def test_every_single_flip_fails() -> None:
    es = entries(11)
    good = inclusion(es, 6)
    assert check(good)[0]
    for i in range(len(good["entry"])):
        ok, line = check({**good, "entry": flip(good["entry"], i)})
        assert not ok and "does not hash to a leaf on the path to the signed root" in line
    for k, h in enumerate(good["path"]):
        raw = base64.b64decode(h)
        for i in range(len(raw)):
            path = list(good["path"])
            path[k] = base64.b64encode(raw[:i] + bytes([raw[i] ^ 1]) + raw[i + 1 :]).decode()
            assert not check({**good, "path": path})[0]
    cp = parse_checkpoint(good["checkpoint"])
    for i in range(32):
        root = cp.root[:i] + bytes([cp.root[i] ^ 1]) + cp.root[i + 1 :]
        resigned = sign_note(checkpoint_body(ORIGIN, cp.size, root), ORIGIN, LOG)
        ok, line = check({**good, "checkpoint": resigned})
        assert not ok and "does not hash to a leaf" in line
    for i in range(len(good["checkpoint"])):
        assert not check({**good, "checkpoint": flip(good["checkpoint"], i)})[0]


def test_failure_sentences() -> None:
    es = entries(5)
    ok, line = check(inclusion(es, 1, key=Ed25519PrivateKey.generate()))
    assert not ok and "signed by a different key named" in line
    doc = inclusion(es, 1)
    doc["checkpoint"] = doc["checkpoint"].replace("\n5\n", "\n6\n")
    ok, line = check(doc)
    assert not ok and line.endswith(f"the checkpoint signature by {ORIGIN} does not verify")
    ok, line = check({**inclusion(es, 1), "tree_size": 4})
    assert not ok and "ledger of 4 entries but the checkpoint is of 5" in line
    ok, line = check({**inclusion(es, 1), "type": "other"})
    assert not ok and "unknown proof type" in line
    assert check("{not json")[1].endswith("the file is not valid JSON")
    ok, line = check({**inclusion(es, 1), "index": -1})
    assert not ok and "'index' is not a non-negative integer" in line


def test_bare_checkpoint_and_witnesses() -> None:
    es = entries(4)
    ok, line = check(signed(es))
    assert ok and line.startswith(f"OK checkpoint: the ledger of 4 entries signed by {ORIGIN} (root ")
    assert check(inclusion(es, 2, witness=True), WITNESS_VKEY)[0]
    assert check(consistency(es[:2], es, witness=True), WITNESS_VKEY)[0]
    ok, line = check(inclusion(es, 2), WITNESS_VKEY)
    assert not ok and "no valid cosignature by witness witness.invalid/w1" in line
    note = signed(es, witness=True)
    assert not check(note.replace(note.split("\n")[-2][-8:], "AAAAAAA="), WITNESS_VKEY)[0]


def test_key_forms(tmp_path: Path) -> None:
    (tmp_path / "log.vkey").write_text(LOG_VKEY + "\n")
    (tmp_path / "log.pem").write_text(public_key_pem(LOG))
    (tmp_path / "w.pem").write_text(public_key_pem(WITNESS))
    doc = inclusion(entries(3), 0, witness=True)
    assert check(doc, log=str(tmp_path / "log.vkey"))[0]
    assert check(doc, str(tmp_path / "w.pem"), log=str(tmp_path / "log.pem"))[0]
    with pytest.raises(ValueError, match="signature type 0x01, expected 0x04"):
        standalone.load_key(LOG_VKEY, standalone.WITNESS_TYPE)
    for bad in ("nonsense", LOG_VKEY.replace("+", "+0", 1), str(tmp_path)):
        with pytest.raises(ValueError):
            standalone.load_key(bad)


def test_main_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(inclusion(entries(3), 2)))
    bad.write_text(json.dumps({**inclusion(entries(3), 2), "entry": "tampered"}))
    assert standalone.main(["--log-key", LOG_VKEY, str(good)]) == 0
    assert standalone.main(["--log-key", LOG_VKEY, str(good), str(bad)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("OK inclusion: entry 2 is in the ledger of 3 entries")
    assert lines[-1].startswith(f"FAILED {bad}: the entry does not hash to a leaf")
    assert standalone.main(["--log-key", "garbage", str(good)]) == 2
    with pytest.raises(SystemExit) as exc:
        standalone.main([str(good)])
    assert exc.value.code == 2


def test_imports_nothing_from_duecourse() -> None:
    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not [m for m in modules if m.split(".")[0] not in ("__future__", "cryptography")
                and m.split(".")[0] not in sys.stdlib_module_names]


@pytest.mark.parametrize("as_copy", [True, False])
def test_runs_as_a_program(tmp_path: Path, as_copy: bool) -> None:
    proof = tmp_path / "p.json"
    proof.write_text(json.dumps(consistency(entries(3), entries(9))))
    if as_copy:
        shutil.copy(SOURCE, tmp_path / "standalone.py")
        cmd = [sys.executable, "-I", str(tmp_path / "standalone.py")]
    else:
        cmd = [sys.executable, "-m", "duecourse.audit.standalone"]
    run = subprocess.run([*cmd, "--log-key", LOG_VKEY, str(proof)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("OK consistency: the ledger of 3 entries is a prefix of the ledger of 9")
