"""Check duecourse ledger proofs without duecourse: an independent verifier in one file.

Needs only Python 3.11+ and the ``cryptography`` package (for Ed25519). Copy this file
anywhere and run::

    python standalone.py --log-key KEY [--log-key KEY ...] [--witness-key KEY ...] FILE...

It shares no code with the ledger it checks. It implements afresh:

* C2SP signed notes and checkpoints (c2sp.org/signed-note, c2sp.org/tlog-checkpoint) and
  Ed25519 witness cosignatures (c2sp.org/tlog-cosignature, "cosignature/v1");
* RFC 6962 §2.1 leaf and node hashing;
* inclusion proof verification, RFC 9162 §2.1.3.2;
* consistency proof verification, RFC 9162 §2.1.4.2.

KEY is a verifier key ``name+hex8+base64`` (for a witness: of signature type 0x04), a file
holding one, or a PEM Ed25519 public key file (a log key is then named after the
checkpoint's origin; a witness key matches any name whose key ID it fits). Each FILE is a
``duecourse-inclusion-proof/v1`` or ``duecourse-consistency-proof/v1`` JSON file, or a bare
checkpoint. Exit status: 0 if every file checks, 1 if any fails, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

__all__ = ["Checkpoint", "Failure", "TrustedKey", "check_file", "load_key", "main"]

LOG_TYPE, WITNESS_TYPE = 0x01, 0x04
_DEC = re.compile(r"0|[1-9][0-9]{0,19}")


class Failure(Exception):
    """A check failed; the message is a plain sentence for the person running the check."""


@dataclass(frozen=True)
class TrustedKey:
    """An Ed25519 public key; ``name`` None means "any name whose key ID fits the key"."""

    name: str | None
    raw: bytes
    sig_type: int

    def key_id(self, name: str) -> bytes:
        """SHA-256(name || 0x0A || type || key)[:4] (c2sp.org/signed-note §Signatures)."""
        return hashlib.sha256(name.encode() + b"\n" + bytes([self.sig_type]) + self.raw).digest()[:4]

    def verifies(self, signature: bytes, message: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint note (c2sp.org/tlog-checkpoint): its text, fields and signature lines."""

    text: str
    origin: str
    size: int
    root: bytes
    sigs: tuple[tuple[str, bytes], ...]  # (key name, key ID || signature)


def _unb64(s: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        raise Failure(f"{what} is not base64") from None
    if base64.b64encode(raw).decode() != s:
        raise Failure(f"{what} is not canonical base64")
    return raw


def load_key(arg: str, sig_type: int = LOG_TYPE) -> TrustedKey:
    """A KEY argument: a vkey, a file holding one, or a PEM public key file (ValueError if not)."""
    text = arg
    try:
        is_file = Path(arg).is_file()
    except (OSError, ValueError):
        is_file = False
    if is_file:
        text = Path(arg).read_text(encoding="utf-8").strip()
    if text.lstrip().startswith("-----BEGIN"):
        pem = load_pem_public_key(text.encode())
        if not isinstance(pem, Ed25519PublicKey):
            raise ValueError(f"{arg}: not an Ed25519 public key")
        return TrustedKey(None, pem.public_bytes_raw(), sig_type)
    name, kid, b64 = [*text.split("+", 2), "", ""][:3]
    try:
        material = base64.b64decode(b64, validate=True)
    except binascii.Error:
        material = b""
    if not name or not re.fullmatch(r"[0-9a-f]{8}", kid) or len(material) != 33:
        raise ValueError(f"{arg}: not a verifier key (name+hex8+base64) nor a key file")
    if material[0] != sig_type:
        raise ValueError(f"{arg}: key of signature type {material[0]:#04x}, expected {sig_type:#04x}")
    key = TrustedKey(name, material[1:], sig_type)
    if key.key_id(name).hex() != kid:
        raise ValueError(f"{arg}: the key ID does not match the key")
    return key


def parse_checkpoint(text: str) -> Checkpoint:
    """Split a signed note at its last blank line and read the checkpoint fields."""
    if not text.endswith("\n") or re.search(r"[\x00-\x09\x0b-\x1f]", text):
        raise Failure("the checkpoint is not a signed note (bad line endings or control characters)")
    cut = text.rfind("\n\n")
    if cut < 0:
        raise Failure("the checkpoint has no blank line before its signatures")
    if cut + 2 == len(text):
        raise Failure("the checkpoint carries no signature")
    body, sig_lines = text[: cut + 1], text[cut + 2 : -1].split("\n")
    lines = body[:-1].split("\n")
    if len(lines) < 3 or not lines[0] or not _DEC.fullmatch(lines[1]) or "" in lines:
        raise Failure("the checkpoint's text is not origin, size and root hash lines")
    root = _unb64(lines[2], "the checkpoint's root hash")
    if len(root) != 32:
        raise Failure("the checkpoint's root hash is not 32 bytes")
    sigs = []
    for line in sig_lines:
        m = re.fullmatch(r"\u2014 ([^\s+]+) (\S+)", line)
        if not m:
            raise Failure(f"the checkpoint has a malformed signature line: {line[:60]!r}")
        sigs.append((m[1], _unb64(m[2], f"the signature by {m[1]}")))
    return Checkpoint(text, lines[0], int(lines[1]), root, tuple(sigs))


def _signed_by(cp: Checkpoint, key: TrustedKey) -> str:
    """The key name if a log signature by ``key`` verifies over the note text; Failure if not."""
    name = key.name or cp.origin
    body = cp.text[: cp.text.rfind("\n\n") + 1].encode()
    mine = [s[4:] for n, s in cp.sigs if n == name and s[:4] == key.key_id(name)]
    if not mine:
        other = sorted({s[:4].hex() for n, s in cp.sigs if n == name})
        if other:
            raise Failure(f"the checkpoint is signed by a different key named {name} (key hash {other[0]})")
        raise Failure(f"the checkpoint of {cp.size} entries carries no signature by {name}")
    if not all(len(s) == 64 and key.verifies(s, body) for s in mine):
        raise Failure(f"the checkpoint signature by {name} does not verify")
    return name


def _cosigned_by(cp: Checkpoint, key: TrustedKey) -> bool:
    """A valid cosignature/v1 (c2sp.org/tlog-cosignature) by ``key`` is on ``cp``."""
    body = cp.text[: cp.text.rfind("\n\n") + 1]
    for name, s in cp.sigs:
        if key.name not in (None, name) or s[:4] != key.key_id(name) or len(s) != 76:
            continue
        message = f"cosignature/v1\ntime {int.from_bytes(s[4:12], 'big')}\n{body}".encode()
        if key.verifies(s[12:], message):
            return True
    return False


def _check_checkpoint(
    text: object, log_keys: Sequence[TrustedKey], witnesses: Sequence[TrustedKey]
) -> tuple[Checkpoint, str]:
    """Parse a checkpoint; require a log signature and every witness's cosignature."""
    if not isinstance(text, str):
        raise Failure("the proof file has no checkpoint note")
    cp = parse_checkpoint(text)
    reasons = []
    for key in log_keys:
        try:
            name = _signed_by(cp, key)
            break
        except Failure as e:
            reasons.append(str(e))
    else:
        raise Failure("; ".join(reasons) or "no log key was given")
    for w in witnesses:
        if not _cosigned_by(cp, w):
            who = w.name or "whose key file was given"
            raise Failure(f"the checkpoint of {cp.size} entries has no valid cosignature by witness {who}")
    return cp, name


def _h(*parts: bytes) -> bytes:
    return hashlib.sha256(b"".join(parts)).digest()


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes | None:
    """The root an audit path leads to, or None if it cannot be one (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn % 2 == 1 or fn == sn:
            r = _h(b"\x01", p, r)
            while fn % 2 == 0 and fn != 0:  # fn == sn: climb past levels where r is a left child
                fn, sn = fn // 2, sn // 2
        else:
            r = _h(b"\x01", r, p)
        fn, sn = fn // 2, sn // 2
    return r if sn == 0 else None


def consistent(m: int, n: int, old: bytes, new: bytes, proof: Sequence[bytes]) -> bool:
    """Whether ``proof`` shows tree (m, old) is a prefix of tree (n, new) (RFC 9162 §2.1.4.2)."""
    if m == n or m == 0:  # nothing to prove (RFC 9162 §2.1.4.1); the RFC requires no proof then
        return not proof and 0 <= m <= n and (old == new if m == n else old == _h())
    if not 0 < m < n or not proof:
        return False
    path = [old, *proof] if m & (m - 1) == 0 else list(proof)
    fn, sn = m - 1, n - 1
    while fn % 2 == 1:
        fn, sn = fn // 2, sn // 2
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr, sr = _h(b"\x01", c, fr), _h(b"\x01", c, sr)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn // 2, sn // 2
        else:
            sr = _h(b"\x01", sr, c)
        fn, sn = fn // 2, sn // 2
    return sn == 0 and fr == old and sr == new


def _int(doc: dict[str, Any], key: str) -> int:
    v = doc.get(key)
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise Failure(f"the proof's {key!r} is not a non-negative integer")
    return v


def _hashes(doc: dict[str, Any], key: str) -> list[bytes]:
    v = doc.get(key)
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise Failure(f"the proof's {key!r} is not a list of base64 hashes")
    out = [_unb64(x, f"a hash in {key!r}") for x in v]
    if any(len(x) != 32 for x in out):
        raise Failure(f"a hash in {key!r} is not 32 bytes")
    return out


def _inclusion(doc: dict[str, Any], logs: Sequence[TrustedKey], wits: Sequence[TrustedKey]) -> str:
    index, size, path = _int(doc, "index"), _int(doc, "tree_size"), _hashes(doc, "path")
    entry = doc.get("entry")
    if not isinstance(entry, str):
        raise Failure("the proof's 'entry' is not text")
    cp, name = _check_checkpoint(doc.get("checkpoint"), logs, wits)
    if cp.size != size:
        raise Failure(f"the proof is for a ledger of {size} entries but the checkpoint is of {cp.size}")
    if root_from_inclusion(index, size, _h(b"\x00", entry.encode()), path) != cp.root:
        raise Failure("the entry does not hash to a leaf on the path to the signed root")
    root = base64.b64encode(cp.root).decode()
    return f"OK inclusion: entry {index} is in the ledger of {size} entries signed by {name} (root {root})"


def _consistency(doc: dict[str, Any], logs: Sequence[TrustedKey], wits: Sequence[TrustedKey]) -> str:
    m, n, proof = _int(doc, "old_size"), _int(doc, "new_size"), _hashes(doc, "proof")
    old, _ = _check_checkpoint(doc.get("old_checkpoint"), logs, wits)
    new, name = _check_checkpoint(doc.get("checkpoint"), logs, wits)
    if (old.size, new.size) != (m, n):
        sizes = f"{old.size} and {new.size}"
        raise Failure(f"the proof is from {m} to {n} entries but the checkpoints are of {sizes}")
    if old.origin != new.origin:
        raise Failure(f"the two checkpoints are of different logs ({old.origin!r} and {new.origin!r})")
    if not consistent(m, n, old.root, new.root, proof):
        raise Failure(
            f"the trees are not consistent: the ledger of {m} entries is not a prefix of the ledger "
            f"of {n} (a fork or a rewritten history)"
        )
    root = base64.b64encode(new.root).decode()
    return (
        f"OK consistency: the ledger of {m} entries is a prefix of the ledger of {n} "
        f"signed by {name} (root {root})"
    )


def check_file(
    path: str | Path, log_keys: Sequence[TrustedKey | str], witness_keys: Sequence[TrustedKey | str] = ()
) -> tuple[bool, str]:
    """Check one proof or checkpoint file; (passed, the line to print)."""
    logs = [k if isinstance(k, TrustedKey) else load_key(k, LOG_TYPE) for k in log_keys]
    wits = [k if isinstance(k, TrustedKey) else load_key(k, WITNESS_TYPE) for k in witness_keys]
    try:
        try:
            text = Path(path).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise Failure(f"the file cannot be read as UTF-8 text ({e.__class__.__name__})") from None
        if not text.lstrip().startswith("{"):
            cp, name = _check_checkpoint(text, logs, wits)
            root = base64.b64encode(cp.root).decode()
            return True, f"OK checkpoint: the ledger of {cp.size} entries signed by {name} (root {root})"
        try:
            doc = json.loads(text)
        except ValueError:
            raise Failure("the file is not valid JSON") from None
        kind = doc.get("type") if isinstance(doc, dict) else None
        if kind == "duecourse-inclusion-proof/v1":
            return True, _inclusion(doc, logs, wits)
        if kind == "duecourse-consistency-proof/v1":
            return True, _consistency(doc, logs, wits)
        raise Failure(f"unknown proof type {kind!r}")
    except Failure as e:
        return False, f"FAILED {path}: {e}"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print one line per file; 0 if all pass, 1 if any fails, 2 on usage errors."""
    parser = argparse.ArgumentParser(description="Check duecourse ledger proofs and checkpoints.")
    parser.add_argument(
        "--log-key", action="append", required=True, metavar="KEY",
        help="the log's verifier key, a file holding it, or a PEM public key file",
    )
    parser.add_argument(
        "--witness-key", action="append", default=[], metavar="KEY",
        help="require a cosignature by this witness (a vkey of type 0x04 or a PEM file)",
    )
    parser.add_argument("files", nargs="+", metavar="FILE")
    args = parser.parse_args(argv)
    try:
        logs = [load_key(k, LOG_TYPE) for k in args.log_key]
        wits = [load_key(k, WITNESS_TYPE) for k in args.witness_key]
    except (OSError, ValueError) as e:
        parser.print_usage(sys.stderr)
        print(f"error: {e}", file=sys.stderr)
        return 2
    ok = True
    for f in args.files:
        passed, line = check_file(f, logs, wits)
        print(line)
        ok = ok and passed
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
