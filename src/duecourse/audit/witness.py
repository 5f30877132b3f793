"""A transparency-log witness for the ledger (c2sp.org/tlog-witness, ``add-checkpoint``).

A witness holds the log's public key, its own Ed25519 key and the last checkpoint it
cosigned. It cosigns a new checkpoint only if the log signed it and a consistency proof
(RFC 6962 §2.1.2, checked per RFC 9162 §2.1.4.2) shows that the last cosigned tree is a
prefix of it; so once a checkpoint is cosigned the log can no longer fork or roll back
its history without a witness noticing (tlog-witness §Introduction).

State directory::

    witness-key.pem   the witness's Ed25519 private key (PKCS#8, mode 0600)
    witness.vkey      its cosigner verifier key, type 0x04 (names the witness)
    log.vkey          the log's verifier key; its name is the log's origin
    latest            the last cosigned checkpoint, with the witness's cosignature
    lock              flock(2)ed around every check-and-update

The check of the old size and the update of ``latest`` run under the lock with an
atomic replace, as tlog-witness §add-checkpoint requires.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import os
import re
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from duecourse.audit.checkpoint import generate_private_key_pem, load_private_key
from duecourse.audit.merkle import EMPTY_ROOT, verify_consistency
from duecourse.audit.note import (
    NoteError,
    SignedCheckpoint,
    add_signatures,
    cosign,
    cosigner_verifier_key,
    parse_checkpoint,
    parse_verifier_key,
    verify_checkpoint_note,
)

__all__ = [
    "MAX_REQUEST_BYTES",
    "SIZE_CONTENT_TYPE",
    "Witness",
    "WitnessError",
    "WitnessRefused",
    "WitnessUnreachable",
    "init_state",
    "submit",
    "witness_app",
]

SIZE_CONTENT_TYPE = "text/x.tlog.size"
"""Content type of a 409 answer carrying the witness's tree size (tlog-witness §add-checkpoint)."""

MAX_REQUEST_BYTES = 64 * 1024
"""Largest add-checkpoint request body accepted."""

_TEXT = "text/plain; charset=utf-8"
_MAX_PROOF_LINES = 63
_OLD = re.compile(r"old (0|[1-9][0-9]{0,19})")

Answer = tuple[int, str, bytes]


class WitnessError(Exception):
    """A witness did not cosign."""


class WitnessRefused(WitnessError):
    """The witness answered with an error status (``status``) and a message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"the witness refused ({status}): {message}")
        self.status = status
        self.message = message

    @property
    def size(self) -> int | None:
        """The witness's tree size from a 409 Conflict answer, else None."""
        text = self.message.strip()
        return int(text) if self.status == 409 and text.isdigit() else None


class WitnessUnreachable(WitnessError):
    """The witness could not be reached or gave an unreadable answer."""


class _BadRequest(ValueError):
    """A malformed add-checkpoint request (400 Bad Request)."""


def _write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` via a synced temporary file and os.replace."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def init_state(directory: str | Path, witness_name: str, log_vkey: str) -> str:
    """Create a witness state directory with a new key; return the witness's vkey (type 0x04).

    ``log_vkey`` is the log's verifier key (signed-note §Verifier keys), named after the
    log's origin. Raises FileExistsError if the directory already holds a witness key.
    """
    parse_verifier_key(log_vkey)
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    if (d / "witness-key.pem").exists():
        raise FileExistsError(f"{d / 'witness-key.pem'} already exists; not replacing a witness key")
    pem = generate_private_key_pem()
    vkey = cosigner_verifier_key(witness_name, load_private_key(pem).public_key())
    _write_atomic(d / "witness-key.pem", pem.encode(), 0o600)
    _write_atomic(d / "witness.vkey", (vkey + "\n").encode())
    _write_atomic(d / "log.vkey", (log_vkey.strip() + "\n").encode())
    return vkey


def _answer(status: int, message: str) -> Answer:
    return status, _TEXT, (message + "\n").encode()


def _parse_request(body: bytes) -> tuple[int, list[bytes], str]:
    """(old size, proof hashes, checkpoint note) of an add-checkpoint body; _BadRequest if malformed."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _BadRequest("the request is not UTF-8 text") from None
    head, sep, note = text.partition("\n\n")
    lines = head.split("\n")
    m = _OLD.fullmatch(lines[0])
    if not sep or not m:
        raise _BadRequest("the request must start with 'old <size>', proof lines and a blank line")
    if len(lines) - 1 > _MAX_PROOF_LINES:
        raise _BadRequest(f"a consistency proof has at most {_MAX_PROOF_LINES} hashes")
    proof = []
    for line in lines[1:]:
        try:
            h = base64.b64decode(line, validate=True)
        except binascii.Error:
            h = b""
        if len(h) != 32:
            raise _BadRequest("each consistency proof line must be a base64 32-byte hash")
        proof.append(h)
    try:
        parse_checkpoint(note)
    except ValueError as e:
        raise _BadRequest(f"the checkpoint is malformed: {e}") from None
    return int(m[1]), proof, note


class Witness:
    """The witness over one state directory (see the module docstring)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._key: Ed25519PrivateKey = load_private_key(self._read("witness-key.pem"))
        self.vkey = self._read("witness.vkey").strip()
        self.log_vkey = self._read("log.vkey").strip()
        self.name = self.vkey.split("+", 1)[0]
        if cosigner_verifier_key(self.name, self._key.public_key()) != self.vkey:
            raise ValueError(f"{self.directory}: witness.vkey does not match witness-key.pem")
        self.origin, self._log_key = parse_verifier_key(self.log_vkey)

    def _read(self, name: str) -> str:
        return (self.directory / name).read_text(encoding="utf-8")

    def latest(self) -> SignedCheckpoint | None:
        """The last checkpoint this witness cosigned, or None if it has cosigned none."""
        try:
            return parse_checkpoint(self._read("latest"))
        except FileNotFoundError:
            return None

    @contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self.directory / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def add_checkpoint(self, request_body: bytes, now: int) -> Answer:
        """Handle ``POST add-checkpoint`` (tlog-witness §add-checkpoint): (status, type, body).

        400 malformed request or old size above the checkpoint's; 404 unknown origin;
        403 no valid log signature; 409 (text/x.tlog.size) old size is not the size last
        cosigned; 422 the checkpoint is not consistent with the last one cosigned (a fork
        or a rollback); 200 with the cosignature line otherwise. ``now`` is the
        cosignature's POSIX time.
        """
        try:
            old, proof, note = _parse_request(request_body)
        except _BadRequest as e:
            return _answer(400, str(e))
        origin = note.split("\n", 1)[0]
        if origin != self.origin:
            return _answer(404, f"this witness does not know the log {origin!r}")
        try:
            cp = verify_checkpoint_note(note, self.origin, self._log_key)
        except NoteError as e:
            return _answer(403, f"{e}; not cosigned")
        if old > cp.size:
            return _answer(400, f"the old size {old} is larger than the checkpoint's size {cp.size}")
        with self._locked():
            return self._advance(cp, note, old, proof, now)

    def _advance(
        self, cp: SignedCheckpoint, note: str, old: int, proof: Sequence[bytes], now: int
    ) -> Answer:
        """The checks against ``latest`` and its update; call with the lock held."""
        last = self.latest()
        last_size = last.size if last else 0
        if old != last_size:
            return 409, SIZE_CONTENT_TYPE, f"{last_size}\n".encode()
        if cp.size == 0 and cp.root != EMPTY_ROOT:
            return _answer(422, "a checkpoint of size 0 must have the empty tree's root hash")
        last_root = last.root if last else EMPTY_ROOT
        if not verify_consistency(old, cp.size, last_root, cp.root, proof):
            return _answer(
                422,
                f"the checkpoint of {cp.size} entries is not consistent with the checkpoint of "
                f"{old} entries this witness last cosigned (a fork or a rewritten history); "
                "not cosigned",
            )
        line = cosign(cp, self.name, self._key, now)
        _write_atomic(self.directory / "latest", add_signatures(note, [line]).encode())
        return 200, _TEXT, line.encode()


def witness_app(witness: Witness) -> Starlette:
    """A minimal ASGI app serving ``POST /add-checkpoint`` (tlog-witness §HTTP Interface)."""

    async def add_checkpoint(request: Request) -> Response:
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_REQUEST_BYTES:
                return Response("the request is too large\n", 413, media_type=_TEXT)
        status, content_type, answer = await run_in_threadpool(
            witness.add_checkpoint, bytes(body), int(time.time())
        )
        return Response(answer, status, headers={"content-type": content_type})

    return Starlette(routes=[Route("/add-checkpoint", add_checkpoint, methods=["POST"])])


def submit(
    url: str,
    note: str,
    old_size: int,
    proof: Sequence[bytes],
    timeout: float = 10,
    *,
    client: httpx.Client | None = None,
) -> list[str]:
    """Ask the witness at ``url`` (its submission prefix) to cosign ``note``.

    Sends the add-checkpoint body of tlog-witness §add-checkpoint. Returns the signature
    lines of the answer (each ending in a newline; check them with
    ``note.verify_cosignature``). ``client`` replaces a one-off request (and its
    ``timeout``) with an existing httpx client's. Raises WitnessRefused with the status and message on an
    error answer, WitnessUnreachable if the witness cannot be reached.
    """
    endpoint = url if url.endswith("/add-checkpoint") else url.rstrip("/") + "/add-checkpoint"
    lines = "".join(base64.b64encode(h).decode("ascii") + "\n" for h in proof)
    body = f"old {old_size}\n{lines}\n{note}".encode()
    try:
        if client is None:
            response = httpx.post(endpoint, content=body, timeout=timeout)
        else:  # a given client (e.g. a test client) keeps its own timeouts
            response = client.post(endpoint, content=body)
    except httpx.HTTPError as e:
        raise WitnessUnreachable(f"could not reach the witness at {endpoint}: {e}") from e
    text = response.content.decode("utf-8", errors="replace")
    if response.status_code != 200:
        raise WitnessRefused(response.status_code, text.strip())
    answer = text.splitlines(keepends=True)
    if not answer or not all(a.startswith("\u2014 ") and a.endswith("\n") for a in answer):
        raise WitnessUnreachable(f"the witness at {endpoint} answered with no signature lines")
    return answer
