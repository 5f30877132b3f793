"""Verify a ledger from its stored rows alone, independently of the database.

The caller streams the rows in ledger order as :class:`StoredEntry` values (re-deriving
each entry's canonical bytes from the row's columns) together with the signed
checkpoints and, optionally, the stored head. :func:`verify_ledger` then checks, in
one pass and constant memory:

* positions: ``seq`` runs 0, 1, 2, … with no gap, duplicate or reordering;
* entries: ``leaf_hash(body)`` (RFC 6962 §2.1) equals the stored leaf hash;
* checkpoints: each signature verifies (RFC 6962 §3.5 signed tree head) and its root
  equals the MTH (RFC 6962 §2.1) of the first ``size`` recomputed leaves — taken from
  a frontier snapshot as the stream passes that size, never recomputed from scratch;
  a checkpoint larger than the ledger means the ledger was truncated;
* the head ``(size, root_hex)``, if given, matches the ledger too.

Problems are plain sentences, listed in the order they are met walking the ledger
(checks that need the whole ledger — truncation, head size — come last).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from duecourse.audit.checkpoint import Checkpoint, key_id, verify_checkpoint
from duecourse.audit.merkle import EMPTY_ROOT, root_of_peaks
from duecourse.audit.note import NoteError, key_hash, parse_checkpoint, verify_checkpoint_note

__all__ = [
    "NoteCheckpoint",
    "StoredEntry",
    "VerifyProblem",
    "VerifyReport",
    "is_external",
    "key_for",
    "signature_problem",
    "verify_ledger",
]

PROGRESS_EVERY = 1 << 16
"""``progress`` is called after every this many entries, and once at the end."""


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """One ledger row as read back from storage."""

    seq: int
    """0-based position in the ledger."""
    body: bytes
    """Canonical bytes of the entry, recomputed by the caller from the row's columns."""
    stored_leaf_hex: str
    """The leaf hash stored in the row (hex)."""


@dataclass(frozen=True)
class VerifyProblem:
    """One thing wrong with the ledger, in a plain sentence.

    ``seq`` is the ledger position concerned: the entry for entry and sequence
    problems, the last entry a checkpoint covers (size - 1) for checkpoint problems,
    the first missing position for truncation, or None when there is no position
    (e.g. a checkpoint of the empty ledger). ``kind`` is a short stable tag:
    ``sequence``, ``entry``, ``checkpoint-signature``, ``checkpoint-root``,
    ``truncated`` or ``head``.
    """

    seq: int | None
    what: str
    kind: str = ""


@dataclass
class VerifyReport:
    """Outcome of :func:`verify_ledger`."""

    entries: int
    checkpoints: int
    root_hex: str
    problems: list[VerifyProblem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    @property
    def first_problem(self) -> VerifyProblem | None:
        """The earliest problem in ledger order, or None."""
        return self.problems[0] if self.problems else None

    @property
    def entries_per_second(self) -> float:
        """Throughput of the run."""
        return self.entries / self.seconds if self.seconds > 0 else float("inf")


@dataclass(frozen=True)
class NoteCheckpoint:
    """A checkpoint kept as a C2SP signed note (issue 14): in the store (``external`` False) or
    kept outside it by whoever checks the ledger — an exported note, a witness's copy."""

    size: int
    root_hex: str
    note: str
    external: bool = False
    at: str = ""
    """When the store says it was signed (not part of the signed note)."""


AnyCheckpoint = Checkpoint | NoteCheckpoint


def _describe(cp: AnyCheckpoint) -> str:
    if isinstance(cp, NoteCheckpoint):
        what = "checkpoint kept outside the store" if cp.external else "signed checkpoint"
        return f"{what} of {cp.size} entries" + (f" (signed at {cp.at})" if cp.at else "")
    return f"checkpoint of {cp.size} entries signed at {cp.at}"


def key_for(schedule: Sequence[tuple[int, Ed25519PublicKey]], size: int) -> Ed25519PublicKey:
    """The key that signs a checkpoint of ``size`` entries: the last of ``schedule`` (pairs of
    the first size it signs and the key) in force at ``size``."""
    key = schedule[0][1]
    for first, k in schedule:
        if first <= size:
            key = k
    return key


def signature_problem(cp: AnyCheckpoint, key: Ed25519PublicKey,
                       schedule: Sequence[tuple[int, Ed25519PublicKey]]) -> VerifyProblem | None:
    """None if ``cp`` is signed by ``key``; otherwise what is wrong, naming a foreign key."""
    seq_at = cp.size - 1 if isinstance(cp.size, int) and cp.size > 0 else None
    if isinstance(cp, NoteCheckpoint):
        named, good = _note_signed_by(cp.note, key)
    else:
        named, good = cp.key_id == key_id(key), verify_checkpoint(key, cp)
    if good:
        return None
    if not named:
        others = [k for _, k in schedule if k is not key]
        if any(_signed_by(cp, k) for k in others):
            text = (f"{_describe(cp)}: it is signed by another of the ledger's keys, not by key "
                    f"{key_id(key)} that was in force at its size (a retired key was used)")
        else:
            text = (f"{_describe(cp)}: it is signed by a foreign key, not by the ledger's key "
                    f"{key_id(key)} (the ledger was re-signed with another key, or the "
                    "checkpoint is from another ledger)")
        return VerifyProblem(seq_at, text, "foreign-key")
    return VerifyProblem(
        seq_at,
        f"{_describe(cp)}: its signature does not verify with the ledger's public key "
        "(the checkpoint was forged or altered)",
        "checkpoint-signature",
    )


def _origin_problem(cp: AnyCheckpoint, origin: str | None) -> VerifyProblem | None:
    """A signed note for another log (C2SP tlog-checkpoint: the origin names the log)."""
    if origin is None or not isinstance(cp, NoteCheckpoint):
        return None
    try:
        named = parse_checkpoint(cp.note).origin
    except ValueError:
        return None  # an unreadable note fails its signature check
    if named == origin:
        return None
    return VerifyProblem(
        cp.size - 1 if cp.size > 0 else None,
        f"{_describe(cp)}: it is signed for another ledger ({named!r}), not for this ledger "
        f"({origin!r})", "foreign-key")


def _signed_by(cp: AnyCheckpoint, key: Ed25519PublicKey) -> bool:
    if isinstance(cp, NoteCheckpoint):
        return _note_signed_by(cp.note, key)[1]
    return verify_checkpoint(key, cp)


def _note_signed_by(note: str, key: Ed25519PublicKey) -> tuple[bool, bool]:
    """(a signature line names ``key``, a signature by ``key`` verifies) for a signed note."""
    try:
        cp = parse_checkpoint(note)
    except ValueError:
        return False, False
    try:
        verify_checkpoint_note(note, cp.origin, key)
    except NoteError:
        return any(h == key_hash(cp.origin, key) for _, h, _ in cp.signatures), False
    return True, True


def _sequence_problem(expected: int, seq: int) -> VerifyProblem:
    if seq > expected:
        if expected == 0:
            missing = "entry 0 is missing" if seq == 1 else f"entries 0–{seq - 1} are missing"
            text = f"the ledger starts at entry {seq}: {missing} (entries were removed)"
        elif seq == expected + 1:
            text = (
                f"entry {expected} is missing: the ledger jumps from entry {expected - 1} "
                f"to entry {seq} (an entry was removed)"
            )
        else:
            text = (
                f"entries {expected}–{seq - 1} are missing: the ledger jumps from entry "
                f"{expected - 1} to entry {seq} (entries were removed)"
            )
        return VerifyProblem(expected, text, "sequence")
    if seq == expected - 1:
        return VerifyProblem(
            seq, f"entry {seq} appears twice (an entry was duplicated)", "sequence"
        )
    return VerifyProblem(
        seq,
        f"entry {seq} is out of order: it comes after entry {expected - 1} "
        "(entries were reordered or duplicated)",
        "sequence",
    )


def verify_ledger(
    entries: Iterable[StoredEntry],
    checkpoints: Sequence[AnyCheckpoint],
    public_key: Ed25519PublicKey,
    head: tuple[int, str] | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    chain: Sequence[tuple[int, Ed25519PublicKey]] = (),
    external: Sequence[NoteCheckpoint] = (),
    require_coverage: bool = False,
    origin: str | None = None,
) -> VerifyReport:
    """Check a ledger end to end in one streaming pass (see the module docstring).

    The Merkle tree (RFC 6962 §2.1) is rebuilt from the *recomputed* leaf hashes with a
    frontier of perfect-subtree roots, whose root is snapshotted at each checkpoint
    size and at the head size. A tampered body therefore shows up both as an entry
    problem and against every checkpoint covering it; a tampered stored leaf hash shows
    up as an entry problem only.
    """
    started = time.perf_counter()
    problems: list[VerifyProblem] = []
    schedule = list(chain) if chain else [(0, public_key)]

    # Signatures first (there are few checkpoints); their problems are reported at
    # the checkpoint's place in the ledger. Only correctly signed roots are compared.
    by_size: dict[int, list[tuple[AnyCheckpoint, VerifyProblem | None]]] = {}
    for cp in [*checkpoints, *external]:
        if not isinstance(cp.size, int) or isinstance(cp.size, bool) or cp.size < 0:
            problems.append(
                VerifyProblem(
                    None,
                    f"a {_describe(cp)} has an invalid size {cp.size!r}",
                    "checkpoint-signature",
                )
            )
            continue
        sig_problem = (_origin_problem(cp, origin)
                       or signature_problem(cp, key_for(schedule, cp.size), schedule))
        by_size.setdefault(cp.size, []).append((cp, sig_problem))
    head_size: int | None = None
    head_root = ""
    if head is not None:
        head_size, head_root = head[0], head[1].lower()
        if head_size < 0:
            problems.append(
                VerifyProblem(None, f"the ledger head has an invalid size {head_size}", "head")
            )
            head_size = None

    last_good = 0  # size of the last checkpoint whose root matched

    covered = 0  # the largest size whose signed checkpoint in the store matched

    def at_size(size: int, root_hex: str) -> None:
        """Check everything pinned to the tree of the first ``size`` entries."""
        nonlocal last_good, covered
        seq_at = size - 1 if size > 0 else None
        here = by_size.get(size, [])
        matched = any(p is None and cp.root_hex.lower() == root_hex for cp, p in here)
        local_roots = {cp.root_hex.lower() for cp, p in here if p is None and not is_external(cp)}
        for cp, sig_problem in here:
            if sig_problem is not None:
                problems.append(sig_problem)
            elif cp.root_hex.lower() == root_hex:
                continue
            elif is_external(cp) and local_roots:
                problems.append(VerifyProblem(
                    seq_at, f"fork: the {_describe(cp)} and a checkpoint in the store both carry "
                    f"the ledger's signature for {size} entries but name different roots (two "
                    "different histories were signed)", "fork"))
            elif is_external(cp):
                where = f"entries {last_good}–{size - 1}" if last_good < size - 1 else (
                    f"entry {size - 1}")
                problems.append(VerifyProblem(
                    seq_at, f"rewritten entry: the store's first {size} entries do not produce "
                    f"the root of the {_describe(cp)} (something in {where} was rewritten, "
                    "erased, forged or swapped since it was signed)", "rewritten"))
            elif matched:
                problems.append(
                    VerifyProblem(
                        seq_at,
                        f"{_describe(cp)}: it signs a different root from another checkpoint "
                        f"of the same size (two different ledgers of {size} entries were signed)",
                        "checkpoint-root",
                    )
                )
            else:
                where = (
                    f"entries {last_good}–{size - 1}"
                    if last_good < size - 1
                    else f"entry {size - 1}"
                )
                problems.append(
                    VerifyProblem(
                        seq_at,
                        f"{_describe(cp)}: the first {size} entries no longer produce its signed "
                        f"root (something in {where} was altered, removed, inserted or "
                        "reordered)",
                        "checkpoint-root",
                    )
                )
        if matched:
            last_good = size
        if root_hex in local_roots:
            covered = size
        if size == head_size and head_root != root_hex:
            problems.append(
                VerifyProblem(
                    seq_at,
                    f"the ledger head's root does not match the root of the first {size} entries "
                    "(the head or the entries were altered)",
                    "head",
                )
            )

    targets = sorted({s for s in by_size if s > 0} | ({head_size} if head_size else set()))
    target_iter = iter(targets)
    next_target = next(target_iter, -1)
    if 0 in by_size or head_size == 0:
        at_size(0, EMPTY_ROOT.hex())

    report_every = PROGRESS_EVERY if progress is not None else -1
    next_report = report_every
    next_event = _min_pos(next_target, next_report)

    sha = hashlib.sha256
    peaks: list[bytes] = []
    n = 0
    expected = 0
    for entry in entries:
        seq = entry.seq
        if seq == expected:
            expected += 1
        else:
            problems.append(_sequence_problem(expected, seq))
            if seq > expected:
                expected = seq + 1
        h = sha(b"\x00" + entry.body).digest()
        stored = entry.stored_leaf_hex
        if h.hex() != stored and h.hex() != stored.lower():
            problems.append(
                VerifyProblem(
                    seq,
                    f"entry {seq}: its content does not match its stored hash "
                    "(the entry or its stored hash was altered)",
                    "entry",
                )
            )
        # Frontier append (RFC 6962 §2.1): merge one peak per trailing 1-bit of n.
        m = n
        while m & 1:
            h = sha(b"\x01" + peaks.pop() + h).digest()
            m >>= 1
        peaks.append(h)
        n += 1
        if n == next_event:
            if n == next_target:
                at_size(n, root_of_peaks(peaks).hex())
                next_target = next(target_iter, -1)
            if n == next_report and progress is not None:
                progress(n)
                next_report += report_every
            next_event = _min_pos(next_target, next_report)

    if progress is not None and n % PROGRESS_EVERY:
        progress(n)

    # Checkpoints beyond the end: bad signatures are reported; a good one proves truncation
    # (one kept outside the store, with the store consistent in itself: a rollback).
    beyond: list[AnyCheckpoint] = []
    for size in sorted(s for s in by_size if s > n):
        for cp, sig_problem in by_size[size]:
            if sig_problem is None:
                beyond.append(cp)
            else:
                problems.append(sig_problem)
    local_beyond = [cp for cp in beyond if not is_external(cp)]
    if local_beyond or beyond:
        cp = max(local_beyond or beyond, key=lambda c: c.size)
        missing = f"entry {n} is" if cp.size == n + 1 else f"entries {n}–{cp.size - 1} are"
        if local_beyond or problems or (require_coverage and covered < n):
            problems.append(VerifyProblem(
                n, f"the ledger has {n} entries but a {_describe(cp)} covers {cp.size}: "
                f"{missing} missing (entries were erased, or the ledger truncated)", "truncated"))
        else:
            problems.append(VerifyProblem(
                n, f"rollback: the store holds {n} entries, consistent with its own checkpoints, "
                f"but the {_describe(cp)} shows {cp.size}: the store was rolled back to an "
                f"earlier state ({missing} gone)", "rollback"))
    if require_coverage and covered < n:
        if not any(not is_external(cp) for cp in checkpoints):
            problems.append(VerifyProblem(
                0, f"no signed checkpoint covers any of the {n} entries (every checkpoint was "
                "deleted, or the entries were written without the sequencer)",
                "checkpoints-deleted"))
        else:
            span = f"entry {covered}" if covered == n - 1 else f"entries {covered}–{n - 1}"
            problems.append(VerifyProblem(
                covered, f"{span} {'is' if covered == n - 1 else 'are'} not covered by any signed "
                "checkpoint (entries were added, or checkpoints deleted, without the ledger's "
                "key)", "uncovered"))
    if head_size is not None and head_size != n:
        if head_size > n:
            text = (
                f"the ledger head records {head_size} entries but only {n} are present "
                "(the ledger was truncated)"
            )
        else:
            text = (
                f"the ledger head records {head_size} entries but {n} are present (entries "
                f"{head_size}–{n - 1} were added without updating the head)"
            )
        problems.append(VerifyProblem(min(head_size, n), text, "head"))

    return VerifyReport(
        entries=n,
        checkpoints=len(checkpoints),
        root_hex=root_of_peaks(peaks).hex(),
        problems=problems,
        seconds=time.perf_counter() - started,
    )


def is_external(cp: AnyCheckpoint) -> bool:
    return isinstance(cp, NoteCheckpoint) and cp.external


def _min_pos(a: int, b: int) -> int:
    """The smaller of two positive event positions, where -1 means "never"."""
    if a < 0:
        return b
    if b < 0:
        return a
    return min(a, b)
