"""The sequencer: gives queued leaves their positions, advances the Merkle frontier and signs
a checkpoint for each batch (RFC 6962 §3.5 signed tree heads, as C2SP signed notes).

Integration is one transaction: it locks the ledger head (the only place that serialises on it),
moves a batch of queued leaves into ``ledger`` with consecutive positions, and stores the new
frontier and the signed note in the head. If the process dies in the middle, the transaction is
rolled back and the leaves stay queued for the next sequencer: nothing is lost or repeated.

On PostgreSQL one background :class:`Sequencer` per deployment integrates; every process runs
one and they elect the active one through a session advisory lock, which PostgreSQL releases
when its holder's connection ends (a crash included). On SQLite each writer integrates its own
leaf before it commits (app/ledger.append).
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, select, text, update

from ..audit.checkpoint import key_id
from ..audit.merkle import Frontier, leaf_hash
from ..audit.note import (
    checkpoint_body,
    parse_checkpoint,
    sign_note,
    verify_checkpoint_note,
)
from ..domain.errors import DuecourseError
from ..store.tables import checkpoints, ledger, ledger_head, ledger_queue
from . import ledger as L

log = logging.getLogger(__name__)

BATCH = 5000
"""Most leaves integrated in one transaction."""
KEEP_CHECKPOINT_EVERY = 1000
"""A batch that passes a multiple of this many entries also keeps its note in ``checkpoints``
(the head always holds the latest)."""
ADVISORY_LOCK = 0x6475_6563_6F75_7273  # "duecours": the sequencer's election on PostgreSQL

_HEAD = (select(ledger_head.c.size, ledger_head.c.frontier, ledger_head.c.origin,
                ledger_head.c.checkpoint, ledger_head.c.key_id)
         .where(ledger_head.c.id == 1).with_for_update())
_QUEUED = (select(ledger_queue).order_by(ledger_queue.c.id).limit(bindparam("b_limit")))
_QUEUED_ALL = select(ledger_queue).order_by(ledger_queue.c.id)
# Exactly the rows read, never a range of ids: a writer that took a lower id may commit after
# the batch was read, and its leaf must stay queued for the next batch.
_DELETE = delete(ledger_queue).where(ledger_queue.c.id.in_(bindparam("b_ids", expanding=True)))
_INSERT = insert(ledger)
_SET_HEAD = (update(ledger_head).where(ledger_head.c.id == 1)
             .values(size=bindparam("b_size"), frontier=bindparam("b_frontier"),
                     checkpoint=bindparam("b_note"), key_id=bindparam("b_key_id")))


class LedgerHeadTampered(DuecourseError):
    """The ledger head is not what its last signed checkpoint states; nothing is signed."""


class LedgerKeyMismatch(DuecourseError):
    """The configured signing key is not the key the ledger expects (a rotated-away key, or
    the key of another ledger); nothing is signed with it."""


@dataclass(frozen=True)
class Integrated:
    """What one integration did: ``count`` leaves, the ledger now ``size`` entries long."""

    count: int
    size: int
    note: str


def integrate(conn: Connection, key: Ed25519PrivateKey, limit: int | None = BATCH,
              at: datetime | None = None, *, adopt: bool = False) -> Integrated:
    """Integrate up to ``limit`` queued leaves (None: all) in the caller's transaction and sign
    the new tree head; sign the head also when nothing is queued but it has no note yet.
    ``adopt`` signs a head that has entries but no note (a store from before signed notes,
    after `duecourse audit verify`)."""
    if adopt and conn.execute(select(ledger.c.seq).where(ledger.c.leaf_format == L.LEAF_FORMAT)
                              .limit(1)).first() is not None:
        raise LedgerHeadTampered(
            "the ledger has entries written since checkpoints are signed for every batch, so a "
            "head without its signed checkpoint was tampered with: it cannot be adopted. Restore "
            "the store and check it against a checkpoint kept outside it")
    head = _locked_head(conn, key, adopt=adopt)
    queued = conn.execute(_QUEUED_ALL if limit is None else _QUEUED, {"b_limit": limit}).all()
    if not queued and head.checkpoint is not None:
        return Integrated(0, int(head.size), head.checkpoint)
    done = _extend(conn, key, head, list(queued), at)
    if queued:
        conn.execute(_DELETE, {"b_ids": [q.id for q in queued]})
    return done


def integrate_rows(conn: Connection, key: Ed25519PrivateKey, rows: list[dict[str, Any]],
                   at: datetime | None = None,
                   previous: Ed25519PublicKey | None = None) -> Integrated:
    """Integrate ``rows`` (``ledger.queued_row`` values) directly, as a batch of their own;
    ``previous`` is the key that signed the head so far (a rotation)."""
    head = _locked_head(conn, key, previous=previous)
    return _extend(conn, key, head, [SimpleNamespace(id=None, **r) for r in rows], at)


def _locked_head(conn: Connection, key: Ed25519PrivateKey, *, adopt: bool = False,
                 previous: Ed25519PublicKey | None = None) -> Any:
    """The ledger head, locked, once it is shown to be the head this key signed last: nothing
    is signed over a frontier, size or origin changed by someone without the key."""
    head = conn.execute(_HEAD).one()
    kid = key_id(key.public_key())
    if head.key_id is not None and head.key_id != kid:
        raise LedgerKeyMismatch(
            f"the ledger is signed by key {head.key_id}, but this process holds key {kid}: "
            "configure the ledger's current key (after `duecourse audit rotate-key`, every "
            "process must be restarted with the new key)")
    _check_head(head, previous or key.public_key(), adopt)
    return head


def _check_head(head: Any, signer: Ed25519PublicKey, adopt: bool) -> None:
    size = int(head.size)
    if head.checkpoint is None:
        if size == 0 or adopt:
            return
        raise LedgerHeadTampered(
            f"the ledger head records {size} entries but carries no signed checkpoint: it was "
            "removed, or the store predates signed checkpoints. Nothing is signed until "
            "`duecourse audit verify` passes and `duecourse audit checkpoint --adopt` signs it")
    try:
        cp = verify_checkpoint_note(head.checkpoint, head.origin or "", signer)
        root = Frontier.from_json(head.frontier).root()
    except (ValueError, TypeError, RecursionError) as e:
        raise LedgerHeadTampered(
            f"the ledger head's signed checkpoint does not verify ({e}): the head was altered "
            "without the key. Nothing is signed until the store is restored "
            "(`duecourse audit verify` names what changed)") from e
    if (cp.origin, cp.size, cp.root) != (head.origin, size, root):
        raise LedgerHeadTampered(
            "the ledger head's size, frontier or origin is not what its signed checkpoint "
            "states: the head was altered without the key. Nothing is signed until the store "
            "is restored (`duecourse audit verify` names what changed)")


def _extend(conn: Connection, key: Ed25519PrivateKey, head: Any, queued: list[Any],
            at: datetime | None) -> Integrated:
    size, frontier = int(head.size), Frontier.from_json(head.frontier)
    rows = _positioned(queued, size, frontier, L.queue_mac(key))
    if rows:
        conn.execute(_INSERT, rows)
    new_size = size + len(rows)
    kid = key_id(key.public_key())
    note = sign_note(checkpoint_body(head.origin, new_size, frontier.root()), head.origin, key)
    conn.execute(_SET_HEAD, {"b_size": new_size, "b_frontier": frontier.to_json(),
                             "b_note": note, "b_key_id": kid})
    if new_size and (new_size // KEEP_CHECKPOINT_EVERY > size // KEEP_CHECKPOINT_EVERY
                     or not rows):
        keep_checkpoint(conn, new_size, frontier.root().hex(), note, kid, at)
    return Integrated(len(rows), new_size, note)


def _positioned(queued: list[Any], size: int, frontier: Frontier,
                mac: Callable[[bytes], str]) -> list[dict[str, Any]]:
    """The ledger rows of ``queued`` from position ``size``; ``frontier`` advanced past them.
    Each leaf is recomputed from the columns and must carry the writers' MAC over its bytes: a
    row put into the queue or changed there by someone without the key is not integrated as
    what it claims to be, but recorded as a rejected leaf, with its columns."""
    rows = []
    for seq, q in enumerate(queued, start=size):
        row = _authentic(q, mac) or _rejected(q)
        leaf = leaf_hash(L.leaf_bytes_of(**row))
        frontier.append(leaf)
        rows.append({"seq": seq, **row, "leaf_hash": leaf.hex(), "leaf_format": L.LEAF_FORMAT})
    return rows


_COLUMNS = ("at", "kind", "actor_id", "actor_role", "purpose", "case_id", "body")


def _authentic(q: Any, mac: Callable[[bytes], str]) -> dict[str, Any] | None:
    row = {c: getattr(q, c) for c in _COLUMNS}
    try:
        data = L.leaf_bytes_of(**row)
    except TypeError:
        return None
    if not isinstance(q.mac, str) or not hmac.compare_digest(mac(data), q.mac):
        return None
    return row


def _rejected(q: Any) -> dict[str, Any]:
    log.error("queued leaf %s is not authenticated by the ledger's key: recorded as rejected",
              q.id)
    seen = {c: v if isinstance(v := getattr(q, c), str) else repr(v) for c in _COLUMNS}
    return {"at": L.iso(datetime.now(UTC)), "kind": "leaf_rejected", "actor_id": "system",
            "actor_role": "system", "purpose": "", "case_id": "",
            "body": json.dumps({"reason": "not authenticated by the ledger's key (written into "
                                "the queue, or changed there, without it)", "queued": seen},
                               sort_keys=True, separators=(",", ":"), ensure_ascii=False)}


def keep_checkpoint(conn: Connection, size: int, root_hex: str, note: str, kid: str,
                    at: datetime | None = None) -> None:
    """Keep a signed note in ``checkpoints`` (once per size)."""
    if conn.execute(select(checkpoints.c.size).where(checkpoints.c.size == size)).first():
        return
    from .ledger import iso

    signature = parse_checkpoint(note).signatures[0][2].hex()
    conn.execute(insert(checkpoints).values(
        size=size, root_hex=root_hex, at=iso(at or datetime.now(UTC)), key_id=kid,
        signature_hex=signature, note=note))


def queued_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(ledger_queue)).scalar_one())


def drain(engine: Engine, key: Ed25519PrivateKey) -> int:
    """Integrate everything queued now (waiting for the ledger head if another sequencer holds
    it); the number of leaves integrated."""
    total = 0
    while True:
        with engine.begin() as conn:
            done = integrate(conn, key)
        total += done.count
        if done.count < BATCH:
            return total


class Sequencer:
    """The background sequencer of one process (PostgreSQL). ``start`` runs it in a daemon
    thread: it waits for the advisory lock, then integrates whatever is queued every
    ``interval`` seconds at most (a signed checkpoint for each batch), until ``stop``."""

    def __init__(self, engine: Engine, key: Callable[[], Ed25519PrivateKey],
                 interval: float = 0.05, on_batch: Callable[[Integrated], None] | None = None
                 ) -> None:
        self.engine, self.key, self.interval, self.on_batch = engine, key, interval, on_batch
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.active = threading.Event()  # set while this process holds the election

    def start(self) -> Sequencer:
        self._thread = threading.Thread(target=self._run, name="duecourse-sequencer",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._elected()
            except Exception:  # a lost connection, a restarted server: try again shortly
                log.exception("the ledger sequencer stopped; retrying in a second")
                self.active.clear()
                self._stop.wait(1.0)

    def _elected(self) -> None:
        with self.engine.connect() as lock:
            got = lock.execute(text("SELECT pg_try_advisory_lock(:k)"),
                               {"k": ADVISORY_LOCK}).scalar_one()
            lock.commit()
            if not got:
                self._stop.wait(1.0)
                return
            self.active.set()
            try:
                while not self._stop.is_set():
                    with self.engine.begin() as conn:
                        done = integrate(conn, self.key())
                    if self.on_batch is not None and done.count:
                        self.on_batch(done)
                    if done.count < BATCH:
                        self._stop.wait(self.interval)
            finally:
                self.active.clear()
                lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK})
                lock.commit()


def run_forever(engine: Engine, key: Callable[[], Ed25519PrivateKey], interval: float = 0.05,
                on_batch: Callable[[Integrated], None] | None = None) -> None:
    """Run a sequencer in the foreground until interrupted (``duecourse audit sequencer``)."""
    with contextlib.suppress(KeyboardInterrupt):
        Sequencer(engine, key, interval, on_batch)._run()
