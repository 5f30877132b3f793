"""Ed25519-signed checkpoints of the ledger's Merkle tree.

A checkpoint plays the part of RFC 6962 §3.5's signed tree head (RFC 9162 §4.10): a
signature over the tree size and its MTH (RFC 6962 §2.1), with the time it was
taken and the identity of the signing key. The signed body is a short text note::

    duecourse-ledger
    <size>
    <root hex>
    <at, ISO 8601 UTC>
    <key id>

one field per line, each line ending in ``\\n``. Fields may not contain newlines, so
the body is unambiguous. ``key_id`` is the first 16 hex characters of the SHA-256 of
the raw 32-byte Ed25519 public key.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

__all__ = [
    "CHECKPOINT_ORIGIN",
    "Checkpoint",
    "checkpoint_body",
    "generate_private_key_pem",
    "key_id",
    "load_private_key",
    "load_public_key",
    "public_key_pem",
    "sign_checkpoint",
    "verify_checkpoint",
]

CHECKPOINT_ORIGIN = "duecourse-ledger"
"""First line of every checkpoint body: names what the signature is about."""

_ROOT_HEX = re.compile(r"[0-9a-f]{64}")
_KEY_ID = re.compile(r"[0-9a-f]{16}")
_SIG_HEX = re.compile(r"[0-9a-f]{128}")


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement that the ledger had ``size`` entries with MTH ``root_hex``."""

    size: int
    root_hex: str
    at: str
    key_id: str
    signature_hex: str


def key_id(public_key: Ed25519PublicKey) -> str:
    """First 16 hex characters of SHA-256 of the raw 32-byte public key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def checkpoint_body(size: int, root_hex: str, at: str, key_id: str) -> bytes:
    """The exact bytes that are signed (the tree head of RFC 6962 §3.5, as a text note).

    Raises ValueError if a field is malformed: size must be a non-negative int,
    root_hex 64 lower-case hex characters (a SHA-256 MTH, RFC 6962 §2.1), key_id 16
    lower-case hex characters, and ``at`` non-empty without line breaks.
    """
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ValueError(f"checkpoint size must be a non-negative integer, got {size!r}")
    if not _ROOT_HEX.fullmatch(root_hex):
        raise ValueError("checkpoint root must be 64 lower-case hex characters")
    if not _KEY_ID.fullmatch(key_id):
        raise ValueError("checkpoint key id must be 16 lower-case hex characters")
    if not isinstance(at, str) or at.splitlines() != [at] or at != at.strip():
        raise ValueError("checkpoint time must be a single line without surrounding spaces")
    return f"{CHECKPOINT_ORIGIN}\n{size}\n{root_hex}\n{at}\n{key_id}\n".encode()


def _require_utc_iso(at: str) -> None:
    try:
        parsed = datetime.fromisoformat(at)
    except ValueError as exc:
        raise ValueError(f"checkpoint time {at!r} is not ISO 8601") from exc
    if parsed.utcoffset() != timedelta(0):
        raise ValueError(f"checkpoint time {at!r} must be in UTC (…Z or …+00:00)")


def sign_checkpoint(
    private_key: Ed25519PrivateKey, size: int, root_hex: str, at: str
) -> Checkpoint:
    """Sign the tree head (size, MTH) at time ``at`` (ISO 8601 UTC) — RFC 6962 §3.5.

    Raises ValueError if ``at`` is not an ISO 8601 time in UTC or a field is malformed.
    """
    _require_utc_iso(at)
    kid = key_id(private_key.public_key())
    signature = private_key.sign(checkpoint_body(size, root_hex, at, kid))
    return Checkpoint(
        size=size, root_hex=root_hex, at=at, key_id=kid, signature_hex=signature.hex()
    )


def verify_checkpoint(public_key: Ed25519PublicKey, cp: Checkpoint) -> bool:
    """True iff ``cp`` was signed by ``public_key`` and names that key (RFC 6962 §3.5).

    Malformed checkpoints give False rather than raising.
    """
    if cp.key_id != key_id(public_key) or not isinstance(cp.signature_hex, str):
        return False
    if not _SIG_HEX.fullmatch(cp.signature_hex):
        return False
    try:
        body = checkpoint_body(cp.size, cp.root_hex, cp.at, cp.key_id)
        public_key.verify(bytes.fromhex(cp.signature_hex), body)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def generate_private_key_pem() -> str:
    """A new Ed25519 private key as unencrypted PKCS#8 PEM."""
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode("ascii")
    )


def load_private_key(pem: str) -> Ed25519PrivateKey:
    """Parse an unencrypted PKCS#8 PEM Ed25519 private key; TypeError if it is another kind."""
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError(f"expected an Ed25519 private key, got {type(key).__name__}")
    return key


def public_key_pem(private_key: Ed25519PrivateKey) -> str:
    """The matching public key as SubjectPublicKeyInfo PEM."""
    return (
        private_key.public_key()
        .public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode("ascii")
    )


def load_public_key(pem: str) -> Ed25519PublicKey:
    """Parse a SubjectPublicKeyInfo PEM Ed25519 public key; TypeError if it is another kind."""
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, Ed25519PublicKey):
        raise TypeError(f"expected an Ed25519 public key, got {type(key).__name__}")
    return key
