"""Appending to the ledger inside the caller's transaction (RFC 6962 leaves, signed heads)."""

from __future__ import annotations

import hashlib
import json
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from ..audit.canonical import canonical_json
from ..audit.checkpoint import sign_checkpoint
from ..audit.merkle import Frontier, leaf_hash
from ..store.tables import checkpoints, ledger, ledger_head

CHECKPOINT_EVERY = 1000

# Built once (see store/repository.py): every append goes through these.
_HEAD_FOR_UPDATE = (select(ledger_head.c.size, ledger_head.c.frontier)
                    .where(ledger_head.c.id == 1).with_for_update())
_INSERT_ENTRIES = insert(ledger)
_UPDATE_HEAD = (update(ledger_head).where(ledger_head.c.id == 1)
                .values(size=bindparam("b_size"), frontier=bindparam("b_frontier")))
_CLAIM_HEAD = (update(ledger_head)
               .where(ledger_head.c.id == 1, ledger_head.c.size == bindparam("b_old_size"),
                      ledger_head.c.frontier == bindparam("b_old_frontier"))
               .values(size=bindparam("b_size"), frontier=bindparam("b_frontier")))
# The head as this process last wrote it, per engine: (size, frontier JSON, frontier). Only a
# hint, checked by the database on every use (see ``append``); never mutated once stored.
_HEADS: weakref.WeakKeyDictionary[Engine, tuple[int, str, Frontier]] = weakref.WeakKeyDictionary()
# Whether the hint is worth trying: each success earns 1 (up to 8), each miss costs 4, and each
# append while below zero earns 1 back, so with several writers a wasted UPDATE is rare.
_TRUST: weakref.WeakKeyDictionary[Engine, int] = weakref.WeakKeyDictionary()


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


def entry_bytes(row: dict[str, Any]) -> bytes:
    """The canonical bytes of a ledger row: every column but the stored hash."""
    return canonical_json({k: row[k] for k in (
        "seq", "at", "kind", "actor_id", "actor_role", "purpose", "case_id", "body")})


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
_ENTRY_FORMAT = ('{"actor_id":%s,"actor_role":%s,"at":%s,"body":%s,"case_id":%s,"kind":%s,'
                 '"purpose":%s,"seq":%d}')
_EVENT_FORMAT = ('{"actor_id":%s,"actor_role":%s,"at":%s,"case_id":%s,"data":%s,"kind":%s,'
                 '"seq":%d}')


def entry_bytes_of(seq: int, at: str, kind: str, actor_id: str, actor_role: str, purpose: str,
                   case_id: str, body: str) -> bytes:
    """``entry_bytes`` of a row given as its columns; TypeError for any other column type."""
    if type(seq) is not int:
        raise TypeError("seq is not an int")
    e = encode_basestring
    return (_ENTRY_FORMAT % (e(actor_id), e(actor_role), e(at), e(body), e(case_id), e(kind),
                             e(purpose), seq)).encode("utf-8")


def event_hash_of(case_id: str, seq: int, kind: str, at: str, actor_id: str, actor_role: str,
                  data: str) -> str:
    """``event_hash`` of an event given as its columns (``at`` already in its hashed form)."""
    if type(seq) is not int:
        raise TypeError("seq is not an int")
    e = encode_basestring
    return hashlib.sha256((_EVENT_FORMAT % (e(actor_id), e(actor_role), e(at), e(case_id), e(data),
                                            e(kind), seq)).encode("utf-8")).hexdigest()


def ensure_head(conn: Connection) -> None:
    if conn.execute(select(ledger_head.c.id)).first() is None:
        conn.execute(insert(ledger_head).values(id=1, size=0, frontier=Frontier().to_json()))


def append(conn: Connection, items: list[LedgerItem], key: Ed25519PrivateKey) -> int:
    """Append ``items`` in order; return the seq of the first. Serialises writers on the head.

    The head this process last wrote is kept as a hint, so that the usual append takes the head
    with one conditional UPDATE instead of a locked read and an UPDATE: the UPDATE applies only
    if the stored head is exactly the hint (size and frontier text), which then determines the
    new entries completely. Otherwise (another writer came first, or a transaction rolled back)
    the head is read under lock as before.
    """
    engine = conn.engine
    trust = _TRUST.get(engine, 0)
    hint = _HEADS.get(engine) if trust >= 0 else None
    if hint is not None:
        first, stored, hinted = hint
        frontier = hinted.copy()
        rows, new, due = _entries(first, frontier, items)
        claimed = conn.execute(_CLAIM_HEAD, {
            "b_old_size": first, "b_old_frontier": stored, "b_size": first + len(rows),
            "b_frontier": new}).rowcount == 1
        if claimed:
            _TRUST[engine] = min(trust + 1, 8)
            return _write(conn, key, first, rows, frontier, new, due)
        _TRUST[engine] = trust - 4  # other writers are appending: mostly take the locked read
    elif trust < 0:
        _TRUST[engine] = trust + 1
    head = conn.execute(_HEAD_FOR_UPDATE).one()
    first, frontier = int(head.size), Frontier.from_json(head.frontier)
    rows, new, due = _entries(first, frontier, items)
    conn.execute(_UPDATE_HEAD, {"b_size": first + len(rows), "b_frontier": new})
    return _write(conn, key, first, rows, frontier, new, due)


def _entries(first: int, frontier: Frontier, items: list[LedgerItem]
             ) -> tuple[list[dict[str, Any]], str, list[tuple[int, str, datetime]]]:
    """The rows of ``items`` appended after ``first`` entries (``frontier`` is advanced past
    them), the new frontier's JSON, and the checkpoints that fall due: (size, root hex, at)."""
    seq = first
    rows = []
    due: list[tuple[int, str, datetime]] = []
    for it in items:
        row: dict[str, Any] = {
            "seq": seq, "at": iso(it.at), "kind": it.kind, "actor_id": it.actor_id,
            "actor_role": it.actor_role, "purpose": it.purpose, "case_id": it.case_id,
            "body": json.dumps(it.payload, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False),
        }
        leaf = leaf_hash(entry_bytes(row))
        row["leaf_hash"] = leaf.hex()
        frontier.append(leaf)
        rows.append(row)
        seq += 1
        if seq % CHECKPOINT_EVERY == 0:
            due.append((seq, frontier.root().hex(), it.at))
    return rows, frontier.to_json(), due


def _write(conn: Connection, key: Ed25519PrivateKey, first: int, rows: list[dict[str, Any]],
           frontier: Frontier, new: str, due: list[tuple[int, str, datetime]]) -> int:
    """Insert the rows and the checkpoints due, once the head is ours; remember the head."""
    for size, root, at in due:
        _checkpoint(conn, key, size, root, at)
    conn.execute(_INSERT_ENTRIES, rows)
    _HEADS[conn.engine] = (first + len(rows), new, frontier)
    return first


def checkpoint_now(conn: Connection, key: Ed25519PrivateKey, at: datetime) -> tuple[int, str]:
    """Sign the current head (if not signed already); return (size, root hex)."""
    head = conn.execute(select(ledger_head.c.size, ledger_head.c.frontier)
                        .where(ledger_head.c.id == 1).with_for_update()).one()
    size, root = int(head.size), Frontier.from_json(head.frontier).root().hex()
    if size and conn.execute(select(checkpoints.c.size).where(checkpoints.c.size == size)).first() is None:
        _checkpoint(conn, key, size, root, at)
    return size, root


def _checkpoint(conn: Connection, key: Ed25519PrivateKey, size: int, root: str, at: datetime) -> None:
    cp = sign_checkpoint(key, size, root, iso(at))
    conn.execute(insert(checkpoints).values(
        size=cp.size, root_hex=cp.root_hex, at=cp.at, key_id=cp.key_id,
        signature_hex=cp.signature_hex))
