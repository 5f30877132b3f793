"""Ed25519-signed checkpoints (the ledger's signed tree heads)."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from duecourse.audit.checkpoint import (
    Checkpoint,
    checkpoint_body,
    generate_private_key_pem,
    key_id,
    load_private_key,
    load_public_key,
    public_key_pem,
    sign_checkpoint,
    verify_checkpoint,
)

# RFC 8032 §7.1, TEST 1: Ed25519 secret key, its public key, and the signature of "".
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC8032_SIG_EMPTY = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)

ROOT8 = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"  # RFC 6962 8-leaf tree
AT = "2025-01-02T03:04:05Z"

# Regression vector: Ed25519 is deterministic, so this checkpoint's signature is fixed.
PINNED_KEY_ID = "21fe31dfa154a261"
PINNED_SIGNATURE = (
    "1a629370c247689497b06fcb3fdccb2acadd641906a0614511759556c3c642e1"
    "968e0ce4cd86b10fd2225ed694166ace3e663a90bb6f58c6b08e93dc7c5c850a"
)


@pytest.fixture
def rfc_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return load_private_key(generate_private_key_pem())


def test_rfc8032_test_1(rfc_key: Ed25519PrivateKey) -> None:
    raw = rfc_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert raw == RFC8032_PUBLIC
    assert rfc_key.sign(b"") == RFC8032_SIG_EMPTY


def test_key_id_is_sha256_prefix_of_raw_public_key(rfc_key: Ed25519PrivateKey) -> None:
    assert key_id(rfc_key.public_key()) == hashlib.sha256(RFC8032_PUBLIC).hexdigest()[:16]
    assert key_id(rfc_key.public_key()) == PINNED_KEY_ID


def test_body_format() -> None:
    body = checkpoint_body(8, ROOT8, AT, PINNED_KEY_ID)
    assert body == (f"duecourse-ledger\n8\n{ROOT8}\n{AT}\n{PINNED_KEY_ID}\n").encode()


def test_pinned_signature(rfc_key: Ed25519PrivateKey) -> None:
    cp = sign_checkpoint(rfc_key, 8, ROOT8, AT)
    assert cp == Checkpoint(8, ROOT8, AT, PINNED_KEY_ID, PINNED_SIGNATURE)
    assert verify_checkpoint(rfc_key.public_key(), cp)


def test_sign_and_verify_round_trip(key: Ed25519PrivateKey) -> None:
    cp = sign_checkpoint(key, 0, hashlib.sha256(b"").hexdigest(), "2025-06-30T23:59:59+00:00")
    assert cp.key_id == key_id(key.public_key())
    assert len(cp.signature_hex) == 128
    assert verify_checkpoint(key.public_key(), cp)


@pytest.mark.parametrize(
    "change",
    [
        {"size": 9},
        {"size": 7},
        {"root_hex": "0" * 64},
        {"root_hex": ROOT8.upper()},
        {"at": "2025-01-02T03:04:06Z"},
        {"key_id": "0" * 16},
        {"signature_hex": "00" * 64},
        {"signature_hex": "zz" * 64},
        {"signature_hex": ""},
        {"signature_hex": PINNED_SIGNATURE[:-2]},
        {"at": AT + "\n"},
        {"size": -8},
    ],
)
def test_tampered_checkpoint_fails(rfc_key: Ed25519PrivateKey, change: dict[str, object]) -> None:
    cp = sign_checkpoint(rfc_key, 8, ROOT8, AT)
    bad = dataclasses.replace(cp, **change)  # type: ignore[arg-type]
    assert not verify_checkpoint(rfc_key.public_key(), bad)


def test_every_flipped_signature_bit_fails(rfc_key: Ed25519PrivateKey) -> None:
    cp = sign_checkpoint(rfc_key, 8, ROOT8, AT)
    sig = bytes.fromhex(cp.signature_hex)
    for i in range(len(sig) * 8):
        bad = bytearray(sig)
        bad[i // 8] ^= 1 << (i % 8)
        assert not verify_checkpoint(
            rfc_key.public_key(), dataclasses.replace(cp, signature_hex=bad.hex())
        )


def test_other_key_fails(rfc_key: Ed25519PrivateKey, key: Ed25519PrivateKey) -> None:
    cp = sign_checkpoint(rfc_key, 8, ROOT8, AT)
    assert not verify_checkpoint(key.public_key(), cp)
    # Even if the key id is rewritten to name the verifying key.
    forged = dataclasses.replace(cp, key_id=key_id(key.public_key()))
    assert not verify_checkpoint(key.public_key(), forged)


@given(
    size=st.integers(min_value=0, max_value=2**63),
    root=st.binary(min_size=32, max_size=32),
    seconds=st.integers(min_value=0, max_value=4_000_000_000),
)
def test_round_trip_property(size: int, root: bytes, seconds: int) -> None:
    k = Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
    at = datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")
    cp = sign_checkpoint(k, size, root.hex(), at)
    assert verify_checkpoint(k.public_key(), cp)
    assert not verify_checkpoint(k.public_key(), dataclasses.replace(cp, size=size + 1))


@pytest.mark.parametrize(
    "at",
    [
        "2025-01-02T03:04:05",  # naive: not known to be UTC
        "2025-01-02T03:04:05+01:00",
        "yesterday",
        "",
        "2025-01-02T03:04:05Z\nforged",
    ],
)
def test_sign_requires_iso_utc_time(rfc_key: Ed25519PrivateKey, at: str) -> None:
    with pytest.raises(ValueError):
        sign_checkpoint(rfc_key, 8, ROOT8, at)


@pytest.mark.parametrize(
    ("size", "root_hex", "at", "kid"),
    [
        (-1, ROOT8, AT, PINNED_KEY_ID),
        (8, ROOT8[:-1], AT, PINNED_KEY_ID),
        (8, ROOT8.upper(), AT, PINNED_KEY_ID),
        (8, ROOT8 + "\n", AT, PINNED_KEY_ID),
        (8, ROOT8, AT + "\n", PINNED_KEY_ID),
        (8, ROOT8, f"{AT}\u2028x", PINNED_KEY_ID),
        (8, ROOT8, " " + AT, PINNED_KEY_ID),
        (8, ROOT8, AT, PINNED_KEY_ID[:-1]),
    ],
)
def test_body_rejects_malformed_fields(size: int, root_hex: str, at: str, kid: str) -> None:
    with pytest.raises(ValueError):
        checkpoint_body(size, root_hex, at, kid)


def test_pem_round_trips() -> None:
    pem = generate_private_key_pem()
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    private = load_private_key(pem)
    pub_pem = public_key_pem(private)
    assert pub_pem.startswith("-----BEGIN PUBLIC KEY-----")
    public = load_public_key(pub_pem)
    assert key_id(public) == key_id(private.public_key())
    cp = sign_checkpoint(private, 3, ROOT8, AT)
    assert verify_checkpoint(public, cp)


def test_generated_keys_differ() -> None:
    a = load_private_key(generate_private_key_pem())
    b = load_private_key(generate_private_key_pem())
    assert key_id(a.public_key()) != key_id(b.public_key())


def test_loaders_reject_other_key_types() -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    priv_pem = other.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    pub_pem = (
        other.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with pytest.raises(TypeError):
        load_private_key(priv_pem)
    with pytest.raises(TypeError):
        load_public_key(pub_pem)
