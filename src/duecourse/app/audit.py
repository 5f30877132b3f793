"""``duecourse audit verify``: recompute every leaf, root, signature and event hash from the
stored rows, and name the first entry that does not verify."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Engine, String, select, type_coerce
from sqlalchemy.exc import SQLAlchemyError

from ..audit.checkpoint import Checkpoint
from ..audit.merkle import Frontier
from ..audit.note import parse_checkpoint
from ..audit.verify import (
    AnyCheckpoint,
    NoteCheckpoint,
    StoredEntry,
    VerifyProblem,
    VerifyReport,
    verify_ledger,
)
from ..store.tables import checkpoints, events, ledger, ledger_head, ledger_queue
from . import ledger as L
from .audit_fast import verify_quickly
from .keys import key_chain
from .sequencer import queued_count


@dataclass
class AuditReport:
    ledger: VerifyReport
    events_checked: int
    event_problems: list[VerifyProblem] = field(default_factory=list)
    read_problems: list[VerifyProblem] = field(default_factory=list)
    queued: int = 0
    """Leaves waiting for the sequencer: not part of the tree yet, so not verified."""

    @property
    def ok(self) -> bool:
        """Nothing is wrong (queued leaves are not a problem, but not verified either)."""
        return self.ledger.ok and not self.event_problems and not self.read_problems

    @property
    def first_problem(self) -> VerifyProblem | None:
        problems = self.problems
        return problems[0] if problems else None

    @property
    def problems(self) -> list[VerifyProblem]:
        # In ledger order; problems with no ledger position (an event no entry records) last.
        found = [*self.read_problems, *self.ledger.problems, *self.event_problems]
        return sorted(found, key=lambda p: _order(p, found))


def _order(p: VerifyProblem, found: list[VerifyProblem]) -> tuple[bool, int, bool]:
    """Where ``p`` goes in the report. Entries no signed checkpoint covers (``uncovered``, from
    the last checkpoint that matched to the end) come right after the first other problem in
    that span — the altered entry that broke the checkpoints after it — or, alone, at the first
    entry not covered (entries added without the ledger's key)."""
    if p.seq is None:
        return (True, 0, False)
    if p.kind != "uncovered":
        return (False, p.seq, False)
    inside = [q.seq for q in found if q.kind != "uncovered" and q.seq is not None
              and q.seq >= p.seq]
    return (False, min(inside, default=p.seq), True)


# Stored values are read as they are and checked here, never trusted to parse: an altered row
# must be reported as an altered row, not crash the verifier.

def _int(value: Any) -> int | None:
    """An integer column's value, or None if the stored value is not a whole number."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
        return int(value)
    return None


def _text(value: Any) -> str:
    """A stored value as printable text (undecodable bytes shown as escapes)."""
    text = value if isinstance(value, str) else repr(value)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _lenient(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


@contextmanager
def _undecodable_text_is_read(conn: Connection) -> Iterator[None]:
    """Let SQLite hand back text that is not valid UTF-8 (a damaged file) instead of failing the
    whole read; such a value then fails its hash check and its row is named."""
    dbapi = conn.connection.dbapi_connection
    if conn.dialect.name != "sqlite" or dbapi is None:
        yield
        return
    before = dbapi.text_factory
    dbapi.text_factory = _lenient
    try:
        yield
    finally:
        dbapi.text_factory = before


# How SQLAlchemy stores a UTC datetime in SQLite (UTCDateTime drops the zone there).
_SQLITE_AT = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2}) ([0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6})")


def _event_at(value: Any) -> str | None:
    """The hashed form of a stored event time (``ledger.iso``), or None if it is not one.

    PostgreSQL returns a typed timestamp; SQLite returns the stored text, which must be exactly
    the form duecourse writes, so that each stored text has one hashed form and no other text
    has it.
    """
    if isinstance(value, datetime):
        return L.iso(value if value.tzinfo is not None else value.replace(tzinfo=UTC))
    if isinstance(value, str) and (m := _SQLITE_AT.fullmatch(value)):
        try:
            datetime.fromisoformat(value)  # a real date and time (the pattern fixed the form)
        except ValueError:
            return None
        return f"{m[1]}T{m[2]}Z"
    return None


def _rows(conn: Connection, event_refs: dict[tuple[str, int], tuple[int, str]],
          read_problems: list[VerifyProblem]) -> Iterator[StoredEntry]:
    q = select(ledger).order_by(ledger.c.seq).execution_options(yield_per=5000)
    position = 0  # where the next entry belongs, for rows whose own seq cannot be read
    try:
        for r in conn.execute(q):
            row = dict(r._mapping)
            seq = _int(row["seq"])
            if seq is None:
                seq = position  # its bytes keep the bad value, so its leaf will not match
            position = seq + 1
            if row["kind"] == "command_accepted":
                try:
                    for ev in json.loads(row["body"]).get("events", []):
                        event_refs[(row["case_id"], int(ev["seq"]))] = (seq, ev["hash"])
                except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError):
                    pass  # the body itself is then reported as not matching its leaf hash
            try:
                body = L.entry_bytes(row)
            except (TypeError, ValueError, RecursionError):  # a value of a type duecourse never writes
                body = b"\xff(unreadable row) " + repr(row).encode("utf-8", "backslashreplace")
            yield StoredEntry(seq, body, _text(row["leaf_hash"]))
    except SQLAlchemyError as e:
        read_problems.append(VerifyProblem(
            position, f"entry {position} and the entries after it could not be read from the "
            f"database (the stored data is damaged): {e.__class__.__name__}: "
            f"{str(e).splitlines()[0]}", "entry"))


def _checkpoint_of(c: Any) -> AnyCheckpoint:
    size = _int(c.size)
    if c.note is not None:
        note = _as_stored(_text(c.note), size, _text(c.root_hex), _text(c.signature_hex))
        return note_checkpoint(note, at=_text(c.at), size=size, root_hex=_text(c.root_hex))
    return Checkpoint(cast(int, c.size) if size is None else size, _text(c.root_hex),
                      _text(c.at), _text(c.key_id), _text(c.signature_hex))


def _as_stored(note: str, size: int | None, root_hex: str, signature_hex: str) -> str:
    """A kept checkpoint's note as its row states it. The row's size, root and signature repeat
    what its note says (they are served as they are, e.g. by the API); if one of them differs,
    the row was altered: the note is returned with a line added to its text, so that the ledger's
    signature over it no longer verifies and the checkpoint is named (RFC 6962 §3.5)."""
    try:
        cp = parse_checkpoint(note)
    except ValueError:
        return note  # an unreadable note fails its own check
    if (size, root_hex, signature_hex) == (cp.size, cp.root.hex(), cp.signatures[0][2].hex()):
        return note
    return cp.body + "the stored size, root or signature differs from this note\n" + note[
        len(cp.body):]


def note_checkpoint(note: str, *, external: bool = False, at: str = "", size: int | None = None,
                    root_hex: str = "") -> NoteCheckpoint:
    """A signed note as a checkpoint to verify: its size and root as the note states them (a
    note that cannot be read keeps the stored ones, and fails its signature check)."""
    try:
        cp = parse_checkpoint(note)
        return NoteCheckpoint(cp.size, cp.root.hex(), note, external, at)
    except ValueError:
        return NoteCheckpoint(size if size is not None else -1, root_hex, note, external, at)


def _head(conn: Connection) -> tuple[int, str] | None:
    h = conn.execute(select(ledger_head.c.size, ledger_head.c.frontier)).first()
    if h is None:
        return None
    size = _int(h.size)
    try:
        root = Frontier.from_json(h.frontier).root().hex()
    except (ValueError, TypeError, KeyError, RecursionError):
        root = "(unreadable frontier)"  # reported as a head that does not match the ledger
    return (size if size is not None else -1, root)


def _pinned(conn: Connection) -> tuple[list[AnyCheckpoint], tuple[int, str] | None]:
    """The signed checkpoints (those kept and the head's latest) and the stored head: what the
    ledger must reproduce."""
    cps = [_checkpoint_of(c) for c in conn.execute(select(checkpoints).order_by(checkpoints.c.size))]
    latest = conn.execute(select(ledger_head.c.checkpoint)).scalar()
    if latest is not None:
        cps.append(note_checkpoint(_text(latest)))
    return cps, _head(conn)


def verify_store(engine: Engine, public: Ed25519PublicKey,
                 progress: Callable[[int], None] | None = None,
                 kept: Sequence[str] = (), origin: str | None = None) -> AuditReport:
    """Verify the whole store with the ledger's public key alone, against its own checkpoints
    and ``kept`` (signed notes kept outside it), every note for ``origin`` (default: the origin
    of the first signed note): a quick pass that can only say "all verified",
    and when it cannot, the careful pass that reads everything again and names every problem.
    Leaves still queued are counted, never verified."""
    external = [note_checkpoint(n, external=True) for n in kept]
    with _snapshot(engine) as conn:
        chain, chain_problems = key_chain(conn, public)
        queued = queued_count(conn)
        stored = _pinned(conn)[0]
        origin = origin or _first_origin(stored, external)
        same = _one_origin(stored, external, origin)
        quick = (None if chain_problems or queued or not same else
                 verify_quickly(conn, _pinned, public, _event_at, progress, chain, external))
    if quick is not None:
        return AuditReport(*quick, queued=queued)
    with _snapshot(engine) as conn, _undecodable_text_is_read(conn):
        chain, chain_problems = key_chain(conn, public)
        cps, head = _pinned(conn)
        refs: dict[tuple[str, int], tuple[int, str]] = {}
        read_problems: list[VerifyProblem] = [*chain_problems]
        report = verify_ledger(_rows(conn, refs, read_problems), cps, public, head=head,
                               progress=progress, chain=chain, external=external,
                               require_coverage=True, origin=origin)
        problems, checked = _verify_events(conn, refs, read_problems, _queued_events(conn))
        queued = queued_count(conn)
    return AuditReport(report, checked, problems, read_problems, queued=queued)


def _origins(cps: Sequence[AnyCheckpoint]) -> list[str | None]:
    found: list[str | None] = []
    for cp in cps:
        try:
            found.append(parse_checkpoint(cp.note).origin if isinstance(cp, NoteCheckpoint)
                         else None)
        except ValueError:
            found.append(None)
    return found


def _first_origin(cps: Sequence[AnyCheckpoint], external: Sequence[NoteCheckpoint]) -> str | None:
    """The origin the notes must share when the verifier named none: the smallest note's."""
    ordered = sorted([*cps, *external], key=lambda c: c.size if isinstance(c.size, int) else 0)
    return next((o for o in _origins(ordered) if o is not None), None)


def _one_origin(cps: Sequence[AnyCheckpoint], external: Sequence[NoteCheckpoint],
                origin: str | None) -> bool:
    return all(o is None or o == origin for o in _origins([*cps, *external]))


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection that reads one snapshot of the store (PostgreSQL: repeatable read), so that
    an entry integrated while the verifier reads is seen either queued or in the ledger."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        yield conn


def _queued_events(conn: Connection) -> set[tuple[str, int]]:
    """The events recorded by accepted commands whose leaves are still queued."""
    found: set[tuple[str, int]] = set()
    for case_id, body in conn.execute(select(ledger_queue.c.case_id, ledger_queue.c.body)
                                      .where(ledger_queue.c.kind == "command_accepted")):
        try:
            found.update((case_id, int(e["seq"])) for e in json.loads(body).get("events", []))
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError):
            continue  # such a leaf is checked when it is integrated
    return found


def _verify_events(conn: Connection, refs: dict[tuple[str, int], tuple[int, str]],
                   read_problems: list[VerifyProblem],
                   queued: set[tuple[str, int]] = frozenset()  # type: ignore[assignment]
                   ) -> tuple[list[VerifyProblem], int]:
    problems: list[VerifyProblem] = []
    checked = 0
    # ``at`` is read as stored (no datetime parsing), so a garbled time is a finding, not a crash.
    q = (select(events.c.id, events.c.case_id, events.c.seq, events.c.kind,
                type_coerce(events.c.at, String).label("at"), events.c.actor_id,
                events.c.actor_role, events.c.data)
         .order_by(events.c.id).execution_options(yield_per=5000))
    try:
        for r in conn.execute(q):
            row = dict(r._mapping)
            checked += 1
            seq = _int(row["seq"])
            what = f"event {_text(row['seq'])} of case {_text(row['case_id'])} (row id {row['id']})"
            ref = refs.pop((row["case_id"], seq), None) if seq is not None else None
            if ref is None and (row["case_id"], seq) in queued:
                continue  # its entry waits for the sequencer: counted as queued
            if ref is None:
                problems.append(VerifyProblem(None, f"{what} is not recorded in the ledger "
                                              "(it was inserted or altered outside duecourse)",
                                              "event"))
                continue
            at = _event_at(row["at"])
            if at is None:
                problems.append(VerifyProblem(ref[0], f"{what}, recorded in ledger entry {ref[0]}, "
                                              f"has a stored time {_text(row['at'])} that is not "
                                              "a valid timestamp (the event was altered)", "event"))
                continue
            try:
                digest = L.event_hash({**row, "seq": seq, "at": at})
            except (TypeError, ValueError, RecursionError):  # a value of a type duecourse never writes
                digest = ""
            if digest != ref[1]:
                problems.append(VerifyProblem(ref[0], f"{what} does not match the hash in "
                                              f"ledger entry {ref[0]} (the event was altered)",
                                              "event"))
    except SQLAlchemyError as e:
        read_problems.append(VerifyProblem(
            None, f"the event store could not be read after {checked} events (the stored data "
            f"is damaged): {e.__class__.__name__}: {str(e).splitlines()[0]}", "event"))
        return problems, checked
    for (case_id, seq), (lseq, _h) in sorted(refs.items(), key=lambda kv: kv[1][0]):
        problems.append(VerifyProblem(lseq, f"event {seq} of case {_text(case_id)}, recorded in ledger "
                                      f"entry {lseq}, is missing from the event store", "event"))
    return problems, checked
