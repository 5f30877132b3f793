"""Queueing ledger leaves inside the caller's transaction (RFC 6962 leaves).

Every command and every read adds its leaf — its canonical bytes and leaf hash — to
``ledger_queue`` in its own transaction, with no lock shared with other writers. The sequencer
(app/sequencer.py) gives the queued leaves their positions in batches, advances the Merkle
frontier and signs a checkpoint for each batch. On SQLite, where one transaction writes at a
time anyway, the writer runs that step itself before it commits, so nothing stays queued.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import Connection, insert, select

from ..audit.canonical import canonical_json
from ..audit.merkle import Frontier, leaf_hash
from ..store.tables import ledger_head, ledger_queue

_INSERT_QUEUE = insert(ledger_queue).inline()  # no RETURNING of the new ids: nothing reads them

LEAF_FORMAT = 2
"""``ledger.leaf_format`` of entries queued before they had a position: the leaf is the entry
without ``seq``. Format 1 (entries written before issue 14) includes ``seq``."""


def iso(at: datetime) -> str:
    """Fixed-width UTC timestamp used inside hashed records."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class LedgerItem:
    kind: str  # command_accepted, command_refused, read
    at: datetime
    actor_id: str
    actor_role: str
    case_id: str
    payload: dict[str, Any]
    purpose: str = ""


_LEAF_COLUMNS = ("at", "kind", "actor_id", "actor_role", "purpose", "case_id", "body")


def entry_bytes(row: dict[str, Any]) -> bytes:
    """The canonical bytes of a ledger row: every column that makes its leaf (RFC 6962 §2.1) —
    ``seq`` too for entries of format 1 (``leaf_format`` absent means 1)."""
    columns = _LEAF_COLUMNS if row.get("leaf_format", 1) == LEAF_FORMAT else (
        "seq", *_LEAF_COLUMNS)
    return canonical_json({k: row[k] for k in columns})


def event_hash(row: dict[str, Any]) -> str:
    """SHA-256 over every column of a stored event (its ``data`` as stored text)."""
    at = row["at"]
    return hashlib.sha256(canonical_json({
        "case_id": row["case_id"], "seq": row["seq"], "kind": row["kind"],
        "at": iso(at) if isinstance(at, datetime) else at, "actor_id": row["actor_id"],
        "actor_role": row["actor_role"], "data": row["data"],
    })).hexdigest()


# ``entry_bytes`` and ``event_hash`` for rows whose text columns are str and whose seq is an int,
# without the generic encoder (the verifier's hot path). The same bytes, by construction (the keys
# in sorted order, each string through the encoder's own string function) and by a property test.
# The quick verifier (app/audit_fast.py) formats with them too.
LEGACY_ENTRY_TEXT = ('{"actor_id":%s,"actor_role":%s,"at":%s,"body":%s,"case_id":%s,"kind":%s,'
                     '"purpose":%s,"seq":%d}')
LEAF_TEXT = ('{"actor_id":%s,"actor_role":%s,"at":%s,"body":%s,"case_id":%s,"kind":%s,'
             '"purpose":%s}')
EVENT_TEXT = ('{"actor_id":%s,"actor_role":%s,"at":%s,"case_id":%s,"data":%s,"kind":%s,'
              '"seq":%d}')


def entry_bytes_of(seq: int, at: str, kind: str, actor_id: str, actor_role: str, purpose: str,
                   case_id: str, body: str) -> bytes:
    """``entry_bytes`` of a row given as its columns; TypeError for any other column type."""
    if type(seq) is not int:
        raise TypeError("seq is not an int")
    e = encode_basestring
    return (LEGACY_ENTRY_TEXT % (e(actor_id), e(actor_role), e(at), e(body), e(case_id), e(kind),
                             e(purpose), seq)).encode("utf-8")


def leaf_bytes_of(at: str, kind: str, actor_id: str, actor_role: str, purpose: str,
                  case_id: str, body: str) -> bytes:
    """``entry_bytes`` of a row of format 2 given as its columns; TypeError for non-text."""
    e = encode_basestring
    return (LEAF_TEXT % (e(actor_id), e(actor_role), e(at), e(body), e(case_id), e(kind),
                              e(purpose))).encode("utf-8")


def event_hash_of(case_id: str, seq: int, kind: str, at: str, actor_id: str, actor_role: str,
                  data: str) -> str:
    """``event_hash`` of an event given as its columns (``at`` already in its hashed form)."""
    if type(seq) is not int:
        raise TypeError("seq is not an int")
    e = encode_basestring
    return hashlib.sha256((EVENT_TEXT % (e(actor_id), e(actor_role), e(at), e(case_id), e(data),
                                            e(kind), seq)).encode("utf-8")).hexdigest()


def ensure_head(conn: Connection, origin: str) -> None:
    """Create the head of an empty ledger, naming its origin (C2SP tlog-checkpoint); give a
    ledger from before issue 14 its origin."""
    head = conn.execute(select(ledger_head.c.id, ledger_head.c.origin)).first()
    if head is None:
        conn.execute(insert(ledger_head).values(id=1, size=0, frontier=Frontier().to_json(),
                                                origin=origin))
    elif not head.origin:
        conn.execute(ledger_head.update().where(ledger_head.c.id == 1).values(origin=origin))


_MACS: dict[bytes, Callable[[bytes], str]] = {}


def queue_mac(key: Ed25519PrivateKey) -> Callable[[bytes], str]:
    """The writers' MAC over a queued leaf's bytes (HMAC-SHA256, RFC 2104), keyed by a key
    derived from the ledger's signing key: the sequencer integrates only leaves that carry it,
    so a row written into the queue without the key is recorded as rejected, not signed."""
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    if raw not in _MACS:
        secret = hashlib.sha256(b"duecourse ledger queue\n" + raw).digest()
        _MACS[raw] = lambda data: hmac.new(secret, data, hashlib.sha256).hexdigest()
    return _MACS[raw]


def queued_row(it: LedgerItem, key: Ed25519PrivateKey) -> dict[str, Any]:
    """The queue row of one item: its columns, its leaf hash (RFC 6962 §2.1) and the writers'
    MAC over its bytes."""
    row: dict[str, Any] = {
        "at": iso(it.at), "kind": it.kind, "actor_id": it.actor_id, "actor_role": it.actor_role,
        "purpose": it.purpose, "case_id": it.case_id,
        "body": json.dumps(it.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
    }
    data = leaf_bytes_of(**row)
    row["leaf_hash"] = leaf_hash(data).hex()
    row["mac"] = queue_mac(key)(data)
    return row


def append(conn: Connection, items: list[LedgerItem], key: Ed25519PrivateKey) -> int | None:
    """Queue ``items`` in order, in the caller's transaction. On SQLite they are integrated at
    once (the caller holds the only write lock anyway) and the seq of the first is returned; on
    PostgreSQL the sequencer integrates them after the commit and None is returned."""
    rows = [queued_row(it, key) for it in items]
    conn.execute(_INSERT_QUEUE, rows)
    if conn.dialect.name != "sqlite":
        return None
    from .sequencer import integrate

    done = integrate(conn, key)
    return done.size - len(rows)


def append_now(conn: Connection, items: list[LedgerItem], key: Ed25519PrivateKey) -> int:
    """Queue ``items`` and integrate the queue in this transaction, for the rare writes that
    record their entry's position (imports, catalogue versions). On PostgreSQL this waits for
    the ledger head, as the sequencer does."""
    rows = [queued_row(it, key) for it in items]
    conn.execute(_INSERT_QUEUE, rows)
    from .sequencer import integrate

    done = integrate(conn, key, limit=None)
    return done.size - len(rows)
