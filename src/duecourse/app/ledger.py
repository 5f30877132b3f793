"""Appending to the ledger inside the caller's transaction (RFC 6962 leaves, signed heads)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, insert, select, update

from ..audit.canonical import canonical_json
from ..audit.checkpoint import sign_checkpoint
from ..audit.merkle import Frontier, leaf_hash
from ..store.tables import checkpoints, ledger, ledger_head

CHECKPOINT_EVERY = 1000


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


def ensure_head(conn: Connection) -> None:
    if conn.execute(select(ledger_head.c.id)).first() is None:
        conn.execute(insert(ledger_head).values(id=1, size=0, frontier=Frontier().to_json()))


def append(conn: Connection, items: list[LedgerItem], key: Ed25519PrivateKey) -> int:
    """Append ``items`` in order; return the seq of the first. Serialises writers on the head."""
    head = conn.execute(
        select(ledger_head.c.size, ledger_head.c.frontier).where(ledger_head.c.id == 1)
        .with_for_update()
    ).one()
    frontier = Frontier.from_json(head.frontier)
    first = seq = int(head.size)
    rows = []
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
            _checkpoint(conn, key, seq, frontier.root().hex(), it.at)
    conn.execute(insert(ledger), rows)
    conn.execute(update(ledger_head).where(ledger_head.c.id == 1)
                 .values(size=seq, frontier=frontier.to_json()))
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
