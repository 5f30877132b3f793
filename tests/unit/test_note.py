"""C2SP signed notes, checkpoints and cosignatures (audit/note.py)."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from duecourse.audit.note import (
    SIG_COSIGNATURE_V1,
    NoteError,
    SignedCheckpoint,
    add_signatures,
    checkpoint_body,
    cosign,
    cosigner_verifier_key,
    key_hash,
    parse_checkpoint,
    parse_verifier_key,
    sign_note,
    verifier_key,
    verify_checkpoint_note,
    verify_cosignature,
)

# Known answers from golang.org/x/mod/sumdb/note's tests (note_test.go, TestSign/TestOpen),
# used as data: a private key seed ("PRIVATE+KEY+PeterNeumann+c74f20a3+<base64(0x01||seed)>"),
# its vkey, and the exact signed note Go produces.
GO_SEED = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
# A real checkpoint of the Go checksum database and its key (transparency-dev/formats
# log/note_test.go): the key name differs from the origin.
SUMDB_VKEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
SUMDB_NOTE = (
    "go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n\n"
    "— sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4nPRYfvimW"
    "EPWL+o3GeoWwOoAw=\n"
)
# c2sp.org/signed-note §Verifier keys example, and c2sp.org/tlog-cosignature's example line.
C2SP_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
C2SP_SIG = "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM="
C2SP_COSIGNED = (
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
    "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzG"
    "ku9nTo+zyWE+xeMcTOAYQ8=\n"
    "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1n"
    "PZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)

ORIGIN = "duecourse.invalid/ledger"
ROOT = hashlib.sha256(b"root").digest()
# RFC 8032 §7.1 TEST 1 secret key: Ed25519 is deterministic, so cosignatures are pinned.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")


@pytest.fixture(scope="module")
def log_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def test_go_known_answer_sign_and_vkey() -> None:
    key = Ed25519PrivateKey.from_private_bytes(GO_SEED)
    assert sign_note(GO_TEXT, "PeterNeumann", key) == GO_NOTE
    assert verifier_key("PeterNeumann", key.public_key()) == GO_VKEY
    assert key_hash("PeterNeumann", key.public_key()).hex() == "c74f20a3"


def test_sumdb_checkpoint_verifies() -> None:
    name, pub = parse_verifier_key(SUMDB_VKEY)
    cp = verify_checkpoint_note(SUMDB_NOTE, name, pub)
    assert (cp.origin, cp.size) == ("go.sum database tree", 6476701)
    assert cp.root == base64.b64decode("mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=")
    assert cp.note() == SUMDB_NOTE


def test_c2sp_vkey_example() -> None:
    name, pub = parse_verifier_key(C2SP_VKEY)
    sig = base64.b64decode(C2SP_SIG)
    assert name == "example.com/foo" and sig[:4] == key_hash(name, pub)
    pub.verify(sig[4:], b"This is an example message.\n")
    assert verifier_key(name, pub) == C2SP_VKEY


def test_c2sp_cosigned_example_parses() -> None:
    cp = parse_checkpoint(C2SP_COSIGNED)
    assert (cp.origin, cp.size, len(cp.signatures)) == ("example.com/behind-the-sofa", 20852163, 2)
    name, _, value = cp.signatures[1]
    # tlog-cosignature's example signed message is at "time 1679315147".
    assert name == "witness.example.com/w1" and int.from_bytes(value[:8], "big") == 1679315147


@pytest.mark.parametrize(
    "bad",
    [
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",  # Go: length
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # Go: algorithm
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong key ID
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # upper-case hex
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # space in name
        "PeterNeumann+c74f20a3",
        "PeterNeumann+c74f20a3+!!!",
    ],
)
def test_bad_vkeys_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match=r"verifier key|key name"):
        parse_verifier_key(bad)


def test_cosigner_vkey_type(log_key: Ed25519PrivateKey) -> None:
    vkey = cosigner_verifier_key("w.example/1", log_key.public_key())
    assert base64.b64decode(vkey.split("+", 2)[2])[0] == SIG_COSIGNATURE_V1
    assert parse_verifier_key(vkey, SIG_COSIGNATURE_V1)[0] == "w.example/1"
    with pytest.raises(ValueError, match="signature type 0x04, expected 0x01"):
        parse_verifier_key(vkey)


def test_checkpoint_body_format() -> None:
    body = checkpoint_body(ORIGIN, 12, ROOT, ["ext one"])
    assert body == f"{ORIGIN}\n12\n{base64.b64encode(ROOT).decode()}\next one\n"
    for args in [("", 1, ROOT), (ORIGIN, -1, ROOT), (ORIGIN, 1, ROOT[:31]), ("a\nb", 1, ROOT)]:
        with pytest.raises(ValueError):
            checkpoint_body(*args)
    with pytest.raises(ValueError):
        checkpoint_body(ORIGIN, 1, ROOT, [""])


def test_round_trip(log_key: Ed25519PrivateKey) -> None:
    note = sign_note(checkpoint_body(ORIGIN, 5, ROOT), ORIGIN, log_key)
    cp = verify_checkpoint_note(note, ORIGIN, log_key.public_key())
    assert (cp.origin, cp.size, cp.root) == (ORIGIN, 5, ROOT)
    assert cp.signatures[0][:2] == (ORIGIN, key_hash(ORIGIN, log_key.public_key()))
    assert cp.note() == note and parse_checkpoint(note.encode()) == cp


@given(
    origin=st.text(st.characters(min_codepoint=0x21, exclude_characters="+"), min_size=1, max_size=30),
    size=st.integers(0, 2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
)
def test_parse_inverts_body(origin: str, size: int, root: bytes) -> None:
    note = checkpoint_body(origin, size, root) + "\n— k " + base64.b64encode(b"\0" * 68).decode() + "\n"
    cp = parse_checkpoint(note)
    assert (cp.origin, cp.size, cp.root) == (origin, size, root)


def test_every_flipped_character_is_rejected(log_key: Ed25519PrivateKey) -> None:
    note = sign_note(checkpoint_body(ORIGIN, 5, ROOT), ORIGIN, log_key)
    for i, c in enumerate(note):
        bad = note[:i] + chr(ord(c) ^ 1) + note[i + 1 :]
        with pytest.raises(ValueError):
            verify_checkpoint_note(bad, ORIGIN, log_key.public_key())


def test_failures_are_distinguished(log_key: Ed25519PrivateKey) -> None:
    other = Ed25519PrivateKey.generate()
    body = checkpoint_body(ORIGIN, 5, ROOT)
    by_other = sign_note(body, ORIGIN, other)
    with pytest.raises(NoteError, match=r"different key .*key hash "):
        verify_checkpoint_note(by_other, ORIGIN, log_key.public_key())
    with pytest.raises(NoteError, match=r"no signature by somebody\.else"):
        verify_checkpoint_note(by_other, "somebody.else", log_key.public_key())
    good = sign_note(body, ORIGIN, log_key)
    forged = good.replace("\n5\n", "\n6\n")
    with pytest.raises(NoteError, match="does not verify"):
        verify_checkpoint_note(forged, ORIGIN, log_key.public_key())
    # An unknown signature next to a valid one is ignored (signed-note §Signatures).
    both = add_signatures(good, [by_other.split("\n\n")[1]])
    assert verify_checkpoint_note(both, ORIGIN, log_key.public_key()).size == 5


SIG = base64.b64encode(b"\1" * 68).decode()
GOOD = f"o\n1\n{base64.b64encode(ROOT).decode()}\n\n— o {SIG}\n"


@pytest.mark.parametrize(
    ("note", "message"),
    [
        (b"o\n1\n\xff\n\n", "not valid UTF-8"),
        (GOOD.replace("\n", "\r\n"), "carriage return"),
        (GOOD.replace("\n\n", "\n"), "no blank line"),
        (GOOD.rstrip("\n"), "does not end in a newline"),
        (GOOD.replace("\n1\n", "\n01\n"), "canonical decimal"),
        (GOOD.replace("\n1\n", "\n-1\n"), "canonical decimal"),
        (GOOD.replace("\n1\n", "\n1 \n"), "canonical decimal"),
        (GOOD.replace(base64.b64encode(ROOT).decode(), base64.b64encode(ROOT[:31]).decode()), "not 32"),
        (GOOD.replace(base64.b64encode(ROOT).decode(), "root?"), "not valid base64"),
        (GOOD.split("\n\n")[0] + "\n\n", "no signature"),
        (GOOD.replace("— o ", "- o "), "is not '— <name> <base64>'"),
        (GOOD.replace("— o ", "— o x "), "is not '— <name> <base64>'"),
        (GOOD.replace("— o ", "— o+1 "), "must not contain"),
        ("o\n1\n\n— o " + SIG + "\n", "at least three lines"),
    ],
)
def test_parse_rejects(note: str | bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_checkpoint(note)


def test_cosignature(log_key: Ed25519PrivateKey) -> None:
    witness = Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
    cp = parse_checkpoint(sign_note(checkpoint_body(ORIGIN, 5, ROOT), ORIGIN, log_key))
    line = cosign(cp, "w.example/1", witness, 1_700_000_000)
    raw = base64.b64decode(line.split(" ")[2])
    assert line.endswith("\n") and len(raw) == 4 + 8 + 64
    assert raw[:4] == key_hash("w.example/1", witness.public_key(), SIG_COSIGNATURE_V1)
    assert int.from_bytes(raw[4:12], "big") == 1_700_000_000
    message = b"cosignature/v1\ntime 1700000000\n" + cp.body.encode()
    witness.public_key().verify(raw[12:], message)  # tlog-cosignature §Ed25519 signed message
    cosigned = parse_checkpoint(add_signatures(cp.note(), [line]))
    assert verify_cosignature(cosigned, "w.example/1", witness.public_key()) == 1_700_000_000
    assert verify_cosignature(cp, "w.example/1", witness.public_key()) is None
    assert verify_cosignature(cosigned, "w.example/2", witness.public_key()) is None
    stranger = Ed25519PrivateKey.generate().public_key()
    assert verify_cosignature(cosigned, "w.example/1", stranger) is None
    # A cosignature is bound to the checkpoint body: moved onto another, it fails.
    other = parse_checkpoint(sign_note(checkpoint_body(ORIGIN, 6, ROOT), ORIGIN, log_key))
    moved = parse_checkpoint(add_signatures(other.note(), [line.rstrip("\n")]))
    assert verify_cosignature(moved, "w.example/1", witness.public_key()) is None
    # The log's own signature still verifies next to the cosignature.
    assert verify_checkpoint_note(cosigned.note(), ORIGIN, log_key.public_key()).size == 5


def test_cosign_rejects_bad_timestamp(log_key: Ed25519PrivateKey) -> None:
    cp = parse_checkpoint(sign_note(checkpoint_body(ORIGIN, 1, ROOT), ORIGIN, log_key))
    for ts in (-1, 2**63):
        with pytest.raises(ValueError, match="timestamp"):
            cosign(cp, "w", log_key, ts)


def test_add_signatures_checks_lines(log_key: Ed25519PrivateKey) -> None:
    note = sign_note(checkpoint_body(ORIGIN, 1, ROOT), ORIGIN, log_key)
    with pytest.raises(ValueError):
        add_signatures(note, ["not a signature line"])
    with pytest.raises(ValueError, match="no blank line"):
        add_signatures("text\n", [f"— o {SIG}"])


def test_sign_note_rejects_bad_body(log_key: Ed25519PrivateKey) -> None:
    for body in ("", "no newline", "tab\there\n"):
        with pytest.raises(ValueError):
            sign_note(body, ORIGIN, log_key)
    with pytest.raises(ValueError, match="key name"):
        sign_note("x\n", "bad name", log_key)


def test_signed_checkpoint_is_frozen() -> None:
    cp = SignedCheckpoint("o", 0, ROOT, "o\n0\n\n", ())
    with pytest.raises(AttributeError):
        cp.size = 1  # type: ignore[misc]
