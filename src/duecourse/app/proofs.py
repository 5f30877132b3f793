"""Inclusion and consistency proofs from the store (RFC 6962 §2.1.1 and §2.1.2), in the JSON
form the standalone verifier (audit/standalone.py) checks: entries and hashes as the store
holds them, the tree heads as signed notes, so that whoever checks trusts only the public key."""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import Connection, select

from ..audit.merkle import consistency_proof, inclusion_proof
from ..audit.note import SignedCheckpoint, parse_checkpoint
from ..store.tables import checkpoints, ledger, ledger_head
from . import ledger as L


class NoProof(ValueError):
    """The store cannot prove what was asked; the message says why."""


def _b64(h: bytes) -> str:
    return base64.b64encode(h).decode("ascii")


def latest_note(conn: Connection) -> str:
    note = conn.execute(select(ledger_head.c.checkpoint)).scalar()
    if note is None:
        raise NoProof("the ledger has no signed checkpoint yet (the sequencer signs one for "
                      "every batch it integrates)")
    return str(note)


def kept_note(conn: Connection, size: int) -> str:
    """The signed note of ``size`` entries: the head's, or one kept in ``checkpoints``."""
    latest = latest_note(conn)
    if parse_checkpoint(latest).size == size:
        return latest
    note = conn.execute(select(checkpoints.c.note).where(checkpoints.c.size == size)).scalar()
    if note is None:
        raise NoProof(f"the store keeps no signed checkpoint of {size} entries: give the "
                      "checkpoint you kept (--from FILE)")
    return str(note)


def _leaves(conn: Connection, size: int) -> list[bytes]:
    rows = conn.execute(select(ledger.c.leaf_hash).where(ledger.c.seq < size)
                        .order_by(ledger.c.seq)).scalars().all()
    if len(rows) != size:
        raise NoProof(f"the store holds {len(rows)} of the {size} entries the checkpoint signs")
    return [bytes.fromhex(h) for h in rows]


def inclusion(conn: Connection, index: int, note: str | None = None) -> dict[str, Any]:
    """Proof that entry ``index`` is in the tree the signed note ``note`` (default: the latest)
    names: the entry's bytes, its audit path and the note."""
    note = note or latest_note(conn)
    cp = parse_checkpoint(note)
    if not 0 <= index < cp.size:
        raise NoProof(f"entry {index} is outside the checkpoint of {cp.size} entries")
    row = conn.execute(select(ledger).where(ledger.c.seq == index)).first()
    if row is None:
        raise NoProof(f"the store has no entry {index}")
    path = inclusion_proof(_leaves(conn, cp.size), index)
    return {"type": "duecourse-inclusion-proof/v1", "index": index, "tree_size": cp.size,
            "entry": L.entry_bytes(dict(row._mapping)).decode("utf-8"),
            "path": [_b64(h) for h in path], "checkpoint": note}


def consistency(conn: Connection, old_note: str, note: str | None = None) -> dict[str, Any]:
    """Proof that the tree of ``old_note`` is a prefix of the tree of ``note`` (default: the
    latest)."""
    note = note or latest_note(conn)
    old, new = parse_checkpoint(old_note), parse_checkpoint(note)
    if old.size > new.size:
        raise NoProof(f"the old checkpoint ({old.size} entries) is larger than the new one "
                      f"({new.size})")
    proof = consistency_proof(_leaves(conn, new.size), old.size)
    return {"type": "duecourse-consistency-proof/v1", "old_size": old.size,
            "new_size": new.size, "old_checkpoint": old_note, "proof": [_b64(h) for h in proof],
            "checkpoint": note}


def consistency_hashes(conn: Connection, old_size: int, cp: SignedCheckpoint) -> list[bytes]:
    """The consistency proof from ``old_size`` entries to the checkpoint ``cp`` (for a witness)."""
    return consistency_proof(_leaves(conn, cp.size), old_size)
