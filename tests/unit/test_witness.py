"""The witness (audit/witness.py): c2sp.org/tlog-witness add-checkpoint."""

from __future__ import annotations

import base64
import stat
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.testclient import TestClient

from duecourse.audit.merkle import consistency_proof, leaf_hash, root_from_leaf_hashes
from duecourse.audit.note import (
    SIG_COSIGNATURE_V1,
    add_signatures,
    checkpoint_body,
    parse_checkpoint,
    parse_verifier_key,
    sign_note,
    verifier_key,
    verify_checkpoint_note,
    verify_cosignature,
)
from duecourse.audit.witness import (
    SIZE_CONTENT_TYPE,
    Witness,
    WitnessRefused,
    init_state,
    submit,
    witness_app,
)

ORIGIN = "duecourse.invalid/ledger"
LOG = Ed25519PrivateKey.generate()
NOW = 1_700_000_000


def leaves(n: int, tag: str = "") -> list[bytes]:
    return [leaf_hash(f"{tag}{i}".encode()) for i in range(n)]


def note_for(hashes: list[bytes], key: Ed25519PrivateKey = LOG, origin: str = ORIGIN) -> str:
    return sign_note(checkpoint_body(origin, len(hashes), root_from_leaf_hashes(hashes)), origin, key)


def request(old: int, proof: list[bytes], note: str) -> bytes:
    lines = "".join(base64.b64encode(h).decode() + "\n" for h in proof)
    return f"old {old}\n{lines}\n{note}".encode()


def grow(w: Witness, old: list[bytes], new: list[bytes], now: int = NOW) -> tuple[int, str, bytes]:
    proof = consistency_proof(new, len(old)) if old else []
    return w.add_checkpoint(request(len(old), proof, note_for(new)), now)


@pytest.fixture
def state(tmp_path: Path) -> Path:
    vkey = init_state(tmp_path / "w", "witness.invalid/w1", verifier_key(ORIGIN, LOG.public_key()))
    assert parse_verifier_key(vkey, SIG_COSIGNATURE_V1)[0] == "witness.invalid/w1"
    return tmp_path / "w"


@pytest.fixture
def witness(state: Path) -> Witness:
    return Witness(state)


def latest_size(w: Witness) -> int | None:
    cp = w.latest()
    return None if cp is None else cp.size


def test_state_directory(state: Path, witness: Witness) -> None:
    assert stat.S_IMODE((state / "witness-key.pem").stat().st_mode) == 0o600
    assert witness.origin == ORIGIN and witness.name == "witness.invalid/w1"
    assert witness.latest() is None
    with pytest.raises(FileExistsError):
        init_state(state, "witness.invalid/w2", verifier_key(ORIGIN, LOG.public_key()))
    with pytest.raises(ValueError):
        init_state(state.parent / "x", "w", "not a vkey")


def test_consistent_growth_is_cosigned(witness: Witness) -> None:
    all_leaves = leaves(20)
    previous: list[bytes] = []
    for size in (1, 2, 7, 8, 8, 13, 20):
        status, ctype, body = grow(witness, previous, all_leaves[:size], NOW + size)
        assert (status, ctype) == (200, "text/plain; charset=utf-8"), body
        line = body.decode()
        assert line.startswith("— witness.invalid/w1 ") and line.endswith("\n")
        cosigned = parse_checkpoint(add_signatures(note_for(all_leaves[:size]), [line]))
        _, wkey = parse_verifier_key(witness.vkey, SIG_COSIGNATURE_V1)
        assert verify_cosignature(cosigned, witness.name, wkey) == NOW + size
        latest = witness.latest()
        assert latest is not None and latest.size == size
        # `latest` keeps the log's signature and the witness's cosignature.
        assert verify_checkpoint_note(latest.note(), ORIGIN, LOG.public_key()).size == size
        assert verify_cosignature(latest, witness.name, wkey) == NOW + size
        previous = all_leaves[:size]


def test_fork_of_same_size_is_refused(witness: Witness) -> None:
    assert grow(witness, [], leaves(5))[0] == 200
    forked = note_for(leaves(5, tag="fork"))
    status, _, body = witness.add_checkpoint(request(5, [], forked), NOW)
    assert status == 422 and b"not consistent" in body
    assert latest_size(witness) == 5
    assert witness.latest() == parse_checkpoint((witness.directory / "latest").read_text())


def test_fork_of_larger_size_is_refused(witness: Witness) -> None:
    assert grow(witness, [], leaves(5))[0] == 200
    before = (witness.directory / "latest").read_bytes()
    forked = leaves(3) + leaves(6, tag="fork")
    proof = consistency_proof(forked, 5)  # a valid proof, but from the forked prefix
    status, ctype, body = witness.add_checkpoint(request(5, proof, note_for(forked)), NOW)
    assert (status, ctype) == (422, "text/plain; charset=utf-8")
    assert body.decode().startswith("the checkpoint of 9 entries is not consistent with the checkpoint of 5")
    assert (witness.directory / "latest").read_bytes() == before


def test_other_key_is_forbidden(witness: Witness) -> None:
    by_other = note_for(leaves(3), Ed25519PrivateKey.generate())
    status, _, body = witness.add_checkpoint(request(0, [], by_other), NOW)
    assert status == 403 and b"different key" in body
    tampered = note_for(leaves(3)).replace("\n3\n", "\n4\n")
    status, _, body = witness.add_checkpoint(request(0, [], tampered), NOW)
    assert status == 403 and b"does not verify" in body
    assert witness.latest() is None


def test_unknown_origin_is_not_found(witness: Witness) -> None:
    note = note_for(leaves(3), origin="other.invalid/log")
    assert witness.add_checkpoint(request(0, [], note), NOW)[0] == 404


def test_stale_old_size_conflicts(witness: Witness) -> None:
    assert grow(witness, [], leaves(4))[0] == 200
    status, ctype, body = grow(witness, leaves(2), leaves(6))
    assert (status, ctype, body) == (409, SIZE_CONTENT_TYPE, b"4\n")
    assert grow(witness, [], leaves(6))[:3] == (409, SIZE_CONTENT_TYPE, b"4\n")
    assert latest_size(witness) == 4


@pytest.mark.parametrize(
    "body",
    [
        b"old 1\n\n",
        b"old 01\n\nx",
        b"new 0\n\nx",
        b"\xff\xfe",
        b"old 0\nnot-a-hash\n\nx",
    ],
)
def test_malformed_requests(witness: Witness, body: bytes) -> None:
    assert witness.add_checkpoint(body, NOW)[0] == 400


def test_shrinking_and_bad_empty_trees(witness: Witness) -> None:
    assert grow(witness, [], leaves(4))[0] == 200
    assert witness.add_checkpoint(request(4, [], note_for(leaves(3))), NOW)[0] == 400
    w2 = witness.directory.parent / "w2"
    init_state(w2, "witness.invalid/w2", verifier_key(ORIGIN, LOG.public_key()))
    fresh = Witness(w2)
    bad_empty = sign_note(checkpoint_body(ORIGIN, 0, leaf_hash(b"")), ORIGIN, LOG)
    assert fresh.add_checkpoint(request(0, [], bad_empty), NOW)[0] == 422
    assert fresh.add_checkpoint(request(0, [leaf_hash(b"")], note_for(leaves(2))), NOW)[0] == 422
    assert fresh.add_checkpoint(request(0, [], note_for([])), NOW)[0] == 200


def test_concurrent_witnesses_do_not_roll_back(state: Path) -> None:
    """Two processes' worth of witnesses on one directory: the lock serialises check and update."""
    results: list[int] = []
    all_leaves = leaves(40)

    def submit_sizes(sizes: list[int]) -> None:
        w = Witness(state)
        for size in sizes:
            while (old := latest_size(w) or 0) <= size:  # retry after a 409 (another won the race)
                status = grow(w, all_leaves[:old], all_leaves[:size])[0]
                results.append(status)
                if status != 409:
                    break

    threads = [threading.Thread(target=submit_sizes, args=(list(range(k, 40, 3)),)) for k in (1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(results) <= {200, 400, 409} and 200 in results
    assert latest_size(Witness(state)) == 39


def test_end_to_end_over_http(witness: Witness) -> None:
    client = TestClient(witness_app(witness))
    all_leaves = leaves(9)
    lines = submit("http://testserver/", note_for(all_leaves[:3]), 0, [], client=client)
    assert len(lines) == 1 and lines[0].startswith("— witness.invalid/w1 ")
    proof = consistency_proof(all_leaves, 3)
    note = note_for(all_leaves)
    lines = submit("http://testserver", note, 3, proof, client=client)
    _, wkey = parse_verifier_key(witness.vkey, SIG_COSIGNATURE_V1)
    assert verify_cosignature(parse_checkpoint(add_signatures(note, lines)), witness.name, wkey)
    with pytest.raises(WitnessRefused) as refused:
        submit("http://testserver/add-checkpoint", note, 3, proof, client=client)
    assert (refused.value.status, refused.value.size) == (409, 9)
    with pytest.raises(WitnessRefused) as refused:
        submit("http://testserver", note_for(leaves(10, tag="fork")), 9, [b"\0" * 32] * 2, client=client)
    assert refused.value.status == 422 and "not consistent" in refused.value.message
    assert client.get("/add-checkpoint").status_code == 405
    big = client.post("/add-checkpoint", content=b"x" * (70 * 1024))
    assert big.status_code == 413
