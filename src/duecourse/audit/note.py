"""C2SP signed notes, transparency-log checkpoints and cosignatures.

A checkpoint is the ledger's signed tree head (RFC 6962 §3.5, RFC 9162 §4.10) in the
interoperable text form of C2SP:

* signed notes — c2sp.org/signed-note (§Format, §Signatures, §Verifier keys): a text
  ending in a newline, a blank line, then signature lines
  ``— <key name> base64(4-byte key ID || signature)``;
* checkpoints — c2sp.org/tlog-checkpoint (§Note text): origin, tree size in canonical
  decimal and the base64 RFC 6962 root hash, one per line, then optional extension lines;
* cosignatures — c2sp.org/tlog-cosignature (§Format, §Ed25519 signed message): a
  witness's timestamped Ed25519 signature (type 0x04) over
  ``cosignature/v1\\ntime <t>\\n`` followed by the checkpoint body.

Only Ed25519 (signature types 0x01 and 0x04) is supported. Everything here is pure.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

__all__ = [
    "EMPTY_TREE_ROOT",
    "MAX_SIGNATURES",
    "SIG_COSIGNATURE_V1",
    "SIG_ED25519",
    "NoteError",
    "SignedCheckpoint",
    "add_signatures",
    "checkpoint_body",
    "cosign",
    "cosigner_verifier_key",
    "key_hash",
    "parse_checkpoint",
    "parse_verifier_key",
    "sign_note",
    "signature_line",
    "verifier_key",
    "verify_checkpoint_note",
    "verify_cosignature",
]

SIG_ED25519 = 0x01
"""Signature type of plain Ed25519 note signatures (signed-note §Signature types)."""

SIG_COSIGNATURE_V1 = 0x04
"""Signature type of timestamped Ed25519 cosignatures (tlog-cosignature §Format)."""

MAX_SIGNATURES = 64
"""Most signature lines accepted on one note (signed-note §Format asks for a limit of at least 16)."""

EMPTY_TREE_ROOT = hashlib.sha256(b"").digest()
"""Root hash of the empty tree (RFC 6962 §2.1)."""

EM_DASH = "\u2014"
_MAX_TIMESTAMP = 2**63 - 1
_MAX_SIZE = 2**64 - 1
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_KEY_HASH_HEX = re.compile(r"[0-9a-f]{8}")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_COSIGN_HEADER = "cosignature/v1\n"


class NoteError(ValueError):
    """A note is well formed but not signed as required (a verification failure)."""


@dataclass(frozen=True)
class SignedCheckpoint:
    """A parsed checkpoint (tlog-checkpoint §Note text) and its signature lines.

    ``signatures`` holds ``(key name, 4-byte key ID, signature bytes after the key ID)``
    for every signature line, in order, whether or not anyone has verified it.
    """

    origin: str
    size: int
    root: bytes
    body: str
    signatures: tuple[tuple[str, bytes, bytes], ...]
    extensions: tuple[str, ...] = ()

    def note(self) -> str:
        """The whole signed note text again: body, blank line, signature lines."""
        return self.body + "\n" + "".join(signature_line(n, h, s) for n, h, s in self.signatures)


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _b64decode(text: str, what: str) -> bytes:
    """Strict standard base64 (RFC 4648 §4): padded, canonical, no other characters."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise ValueError(f"{what} is not valid base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError(f"{what} is not canonical base64")
    return raw


def check_key_name(name: str) -> None:
    """Key names are non-empty, without Unicode spaces or '+' (signed-note §Format)."""
    if not isinstance(name, str) or not name:
        raise ValueError("a key name must be a non-empty string")
    if "+" in name or any(c.isspace() for c in name) or _CONTROL.search(name):
        raise ValueError(f"key name {name!r} must not contain spaces, '+' or control characters")


def key_hash(name: str, public_key: Ed25519PublicKey, sig_type: int = SIG_ED25519) -> bytes:
    """The 4-byte key ID: SHA-256(name || 0x0A || type || 32-byte key)[:4].

    signed-note §Signatures and §Ed25519 signatures (type 0x01); tlog-cosignature
    §Format for cosigner keys (type 0x04).
    """
    check_key_name(name)
    data = name.encode() + b"\n" + bytes([sig_type]) + _raw(public_key)
    return hashlib.sha256(data).digest()[:4]


def verifier_key(name: str, public_key: Ed25519PublicKey, sig_type: int = SIG_ED25519) -> str:
    """The vkey ``<name>+<hex key ID>+<base64(type || key)>`` (signed-note §Verifier keys)."""
    kh = key_hash(name, public_key, sig_type)
    material = base64.b64encode(bytes([sig_type]) + _raw(public_key)).decode("ascii")
    return f"{name}+{kh.hex()}+{material}"


def cosigner_verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """A witness's vkey, signature type 0x04 (tlog-cosignature §Format)."""
    return verifier_key(name, public_key, SIG_COSIGNATURE_V1)


def parse_verifier_key(text: str, sig_type: int = SIG_ED25519) -> tuple[str, Ed25519PublicKey]:
    """Parse a vkey (signed-note §Verifier keys) of the given signature type.

    Pass ``sig_type=SIG_COSIGNATURE_V1`` for a witness key (tlog-cosignature §Format).
    Raises ValueError naming what is wrong: the shape, the name, the hex key ID, the
    base64, the type byte, the key length, or a key ID that does not match the key.
    """
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise ValueError("a verifier key has the form <name>+<8 hex digits>+<base64 key>")
    name, hash_hex, material_b64 = parts
    check_key_name(name)
    if not _KEY_HASH_HEX.fullmatch(hash_hex):
        raise ValueError(f"verifier key {name!r}: the key ID must be 8 lower-case hex digits")
    material = _b64decode(material_b64, f"verifier key {name!r}: the key material")
    if not material or material[0] != sig_type:
        got = f"0x{material[0]:02x}" if material else "nothing"
        raise ValueError(
            f"verifier key {name!r}: signature type {got}, expected 0x{sig_type:02x}"
        )
    if len(material) != 33:
        raise ValueError(f"verifier key {name!r}: an Ed25519 key is 32 bytes, got {len(material) - 1}")
    public_key = Ed25519PublicKey.from_public_bytes(material[1:])
    if key_hash(name, public_key, sig_type).hex() != hash_hex:
        raise ValueError(f"verifier key {name!r}: the key ID {hash_hex} does not match the key")
    return name, public_key


def _check_line(line: str, what: str) -> None:
    if not line or "\n" in line or _CONTROL.search(line):
        raise ValueError(f"{what} must be a non-empty line without control characters")


def checkpoint_body(origin: str, size: int, root: bytes, extensions: Sequence[str] = ()) -> str:
    """The checkpoint note text (tlog-checkpoint §Note text), each line ending in a newline.

    ``origin``, decimal ``size``, base64 ``root`` (a 32-byte RFC 6962 MTH), then any
    extension lines. Raises ValueError if a field is malformed.
    """
    _check_line(origin, "the origin")
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= _MAX_SIZE:
        raise ValueError(f"the tree size must be an integer in 0..2^64-1, got {size!r}")
    if not isinstance(root, bytes) or len(root) != 32:
        raise ValueError("the root hash must be 32 bytes")
    for ext in extensions:
        _check_line(ext, "an extension line")
    lines = [origin, str(size), base64.b64encode(root).decode("ascii"), *extensions]
    return "".join(line + "\n" for line in lines)


def signature_line(name: str, key_id: bytes, signature: bytes) -> str:
    """``— <name> base64(key ID || signature)`` and a newline (signed-note §Signatures)."""
    check_key_name(name)
    if len(key_id) != 4:
        raise ValueError("a key ID is 4 bytes")
    return f"{EM_DASH} {name} {base64.b64encode(key_id + signature).decode('ascii')}\n"


def _check_body(body: str) -> None:
    """A note text is non-empty, ends in a newline, has no controls but newline (signed-note §Format)."""
    if not body.endswith("\n") or _CONTROL.search(body):
        raise ValueError("a note text must end in a newline and contain no control characters")


def sign_note(body: str, name: str, key: Ed25519PrivateKey) -> str:
    """Sign ``body`` with Ed25519 (signed-note §Ed25519 signatures); the whole note text."""
    _check_body(body)
    kh = key_hash(name, key.public_key())
    return body + "\n" + signature_line(name, kh, key.sign(body.encode()))


def add_signatures(note: str, lines: Sequence[str]) -> str:
    """Append signature lines (e.g. cosignatures) to a signed note (signed-note §Format).

    Lines may come with or without their final newline; each must have the
    ``— <name> <base64>`` shape.
    """
    if not note.endswith("\n") or "\n\n" not in note:
        raise ValueError("not a signed note: no blank line before the signatures")
    out = [note]
    for line in lines:
        text = line if line.endswith("\n") else line + "\n"
        _parse_signature_line(text[:-1])
        out.append(text)
    return "".join(out)


def _parse_signature_line(line: str) -> tuple[str, bytes, bytes]:
    prefix = EM_DASH + " "
    parts = line[len(prefix) :].split(" ")
    if not line.startswith(prefix) or len(parts) != 2:
        raise ValueError(f"signature line {line[:80]!r} is not '— <name> <base64>'")
    name, sig64 = parts
    check_key_name(name)
    raw = _b64decode(sig64, f"the signature by {name!r}")
    if len(raw) < 5:
        raise ValueError(f"the signature by {name!r} is too short")
    return name, raw[:4], raw[4:]


def _split_note(note: str | bytes) -> tuple[str, list[str]]:
    """(note text, signature lines) split at the last blank line (signed-note §Format)."""
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("the note is not valid UTF-8") from None
    if "\r" in note:
        raise ValueError("the note contains a carriage return (CRLF line endings?)")
    if _CONTROL.search(note):
        raise ValueError("the note contains a control character other than newline")
    if not note.endswith("\n"):
        raise ValueError("the note does not end in a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise ValueError("the note has no blank line between its text and its signatures")
    body, sigs = note[: split + 1], note[split + 2 :]
    if not sigs:
        raise ValueError("the note has no signature")
    lines = sigs[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise ValueError(f"the note has more than {MAX_SIGNATURES} signatures")
    return body, lines


def parse_checkpoint(note: str | bytes) -> SignedCheckpoint:
    """Parse a signed checkpoint strictly (signed-note §Format, tlog-checkpoint §Note text).

    Verifies nothing; raises ValueError naming what is malformed.
    """
    body, lines = _split_note(note)
    text = body[:-1].split("\n")
    if len(text) < 3:
        raise ValueError("a checkpoint has at least three lines: origin, size and root")
    origin, size_text, root_text, *extensions = text
    if not origin:
        raise ValueError("the checkpoint's origin line is empty")
    if not _DECIMAL.fullmatch(size_text) or int(size_text) > _MAX_SIZE:
        raise ValueError(f"the tree size {size_text[:40]!r} is not a canonical decimal number")
    root = _b64decode(root_text, "the root hash")
    if len(root) != 32:
        raise ValueError(f"the root hash is {len(root)} bytes, not 32")
    if any(not ext for ext in extensions):
        raise ValueError("a checkpoint's extension lines must not be empty")
    signatures = tuple(_parse_signature_line(line) for line in lines)
    return SignedCheckpoint(
        origin, int(size_text), root, body, signatures, tuple(extensions)
    )


def verify_checkpoint_note(
    note: str | bytes, name: str, public_key: Ed25519PublicKey
) -> SignedCheckpoint:
    """Parse ``note`` and require a valid Ed25519 signature by the key ``name``/``public_key``.

    Per signed-note §Signatures: lines by other keys are ignored, but every line whose
    name and key ID match the key must verify. Raises ValueError if malformed, and
    NoteError with a sentence if no line by this key verifies.
    """
    cp = parse_checkpoint(note)
    kh = key_hash(name, public_key)
    mine = [sig for n, h, sig in cp.signatures if n == name and h == kh]
    if not mine:
        others = sorted({h.hex() for n, h, _ in cp.signatures if n == name})
        if others:
            raise NoteError(
                f"the checkpoint is signed by a different key named {name} "
                f"(key hash {', '.join(others)}; the trusted key's is {kh.hex()})"
            )
        names = ", ".join(sorted({n for n, _, _ in cp.signatures}))
        raise NoteError(f"the checkpoint carries no signature by {name} (only by {names})")
    for sig in mine:
        try:
            public_key.verify(sig, cp.body.encode())
        except InvalidSignature:
            raise NoteError(f"the checkpoint's signature by {name} does not verify") from None
    return cp


def _cosigned_message(body: str, timestamp: int) -> bytes:
    """``cosignature/v1\\ntime <t>\\n`` + checkpoint body (tlog-cosignature §Ed25519 signed message)."""
    return f"{_COSIGN_HEADER}time {timestamp}\n{body}".encode()


def cosign(
    cp: SignedCheckpoint, witness_name: str, witness_key: Ed25519PrivateKey, timestamp: int
) -> str:
    """A cosignature/v1 signature line, newline included (tlog-cosignature §Format).

    The value is base64(key ID || 8-byte big-endian timestamp || Ed25519 signature),
    the key ID taken with signature type 0x04.
    """
    if not isinstance(timestamp, int) or not 0 <= timestamp <= _MAX_TIMESTAMP:
        raise ValueError("a cosignature timestamp is an integer in 0..2^63-1")
    kh = key_hash(witness_name, witness_key.public_key(), SIG_COSIGNATURE_V1)
    sig = witness_key.sign(_cosigned_message(cp.body, timestamp))
    return signature_line(witness_name, kh, timestamp.to_bytes(8, "big") + sig)


def verify_cosignature(
    cp: SignedCheckpoint, witness_name: str, witness_public_key: Ed25519PublicKey
) -> int | None:
    """The timestamp of a valid cosignature/v1 by this witness on ``cp``, or None.

    Lines whose name and type-0x04 key ID do not match are ignored
    (tlog-cosignature §Format); the latest valid timestamp is returned.
    """
    kh = key_hash(witness_name, witness_public_key, SIG_COSIGNATURE_V1)
    found: int | None = None
    for name, h, value in cp.signatures:
        if name != witness_name or h != kh or len(value) != 72:
            continue
        timestamp = int.from_bytes(value[:8], "big")
        if timestamp > _MAX_TIMESTAMP:
            continue
        try:
            witness_public_key.verify(value[8:], _cosigned_message(cp.body, timestamp))
        except InvalidSignature:
            continue
        found = timestamp if found is None else max(found, timestamp)
    return found
