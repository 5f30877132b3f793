"""The quick pass of ``duecourse audit verify``: the same checks as the careful pass in
``audit.py``, on rows read straight from the database driver, that only answers "everything
verifies" or "look carefully".

It re-derives every entry's bytes and every event's hash exactly as the careful pass does
(``ledger.entry_bytes_of`` and ``ledger.event_hash_of`` give the same bytes as the generic
encoder, for the column types duecourse writes) and runs the same ledger verifier. Anything
unexpected — a column of another type, text that cannot be decoded, a problem of any kind —
ends it with ``None``, and the careful pass then reads the store again and names what is wrong.
It never reports a problem itself, so every finding comes from one place.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from ..audit.verify import AnyCheckpoint, NoteCheckpoint, StoredEntry, VerifyReport, verify_ledger
from . import ledger as L

_BATCH = 10_000
_LEDGER_SQL = ("SELECT seq, at, kind, actor_id, actor_role, purpose, case_id, body, leaf_hash, "
               "leaf_format FROM ledger ORDER BY seq")
_EVENTS_SQL = "SELECT case_id, seq, kind, at, actor_id, actor_role, data FROM events ORDER BY id"
# The events an accepted entry records, as ``ledger.append`` writes them (canonical JSON, keys
# sorted). A body the pattern misreads cannot pass: every event must then match exactly one
# recorded hash and every recorded hash one event, or the careful pass (which parses the JSON)
# takes over.
_RECORDED = re.compile(r'\{"hash":"([0-9a-f]{64})","kind":"[a-z_]+","seq":([0-9]+)\}')


class _LookCarefully(Exception):
    """Something the quick pass does not judge: the careful pass decides."""


def _batches(conn: Connection, sql: str, name: str) -> Iterator[tuple[Any, ...]]:
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    # PostgreSQL streams through a server-side cursor; SQLite reads as it goes anyway.
    cur = dbapi.cursor(name=name) if conn.dialect.name == "postgresql" else dbapi.cursor()
    try:
        cur.execute(sql)
        while rows := cur.fetchmany(_BATCH):
            yield from rows
    finally:
        cur.close()


def _entries(conn: Connection, recorded: dict[tuple[str, int], str]) -> Iterator[StoredEntry]:
    entry_bytes, leaf_bytes, find = L.entry_bytes_of, L.leaf_bytes_of, _RECORDED.findall
    current = L.LEAF_FORMAT
    for seq, at, kind, actor_id, actor_role, purpose, case_id, body, leaf, fmt in _batches(
            conn, _LEDGER_SQL, "duecourse_verify_ledger"):
        if kind == "command_accepted":
            for digest, event_seq in find(body):
                key = (case_id, int(event_seq))
                if key in recorded:
                    raise _LookCarefully  # two entries claim one event
                recorded[key] = digest
        if type(leaf) is not str:
            raise _LookCarefully
        if fmt == current:
            if type(seq) is not int:
                raise _LookCarefully
            yield StoredEntry(seq, leaf_bytes(at, kind, actor_id, actor_role, purpose, case_id,
                                              body), leaf)
        else:
            yield StoredEntry(seq, entry_bytes(seq, at, kind, actor_id, actor_role, purpose,
                                               case_id, body), leaf)


def _events_match(conn: Connection, recorded: dict[tuple[str, int], str],
                  event_at: Callable[[Any], str | None]) -> int:
    event_hash, pop = L.event_hash_of, recorded.pop
    checked = 0
    for case_id, seq, kind, at, actor_id, actor_role, data in _batches(
            conn, _EVENTS_SQL, "duecourse_verify_events"):
        hashed_at = L.iso(at) if isinstance(at, datetime) and at.tzinfo else event_at(at)
        if hashed_at is None or pop((case_id, seq), None) != event_hash(
                case_id, seq, kind, hashed_at, actor_id, actor_role, data):
            raise _LookCarefully
        checked += 1
    if recorded:
        raise _LookCarefully  # an event the ledger records is missing
    return checked


Pinned = Callable[[Connection], tuple[list[AnyCheckpoint], tuple[int, str] | None]]


def verify_quickly(conn: Connection, pinned: Pinned, public: Ed25519PublicKey,
                   event_at: Callable[[Any], str | None],
                   progress: Callable[[int], None] | None,
                   chain: Sequence[tuple[int, Ed25519PublicKey]] = (),
                   external: Sequence[NoteCheckpoint] = ()) -> tuple[VerifyReport, int] | None:
    """(the ledger's report, events checked) when everything verifies, else None. ``pinned``
    reads the signed checkpoints and the stored head."""
    recorded: dict[tuple[str, int], str] = {}
    try:
        checkpoints, head = pinned(conn)
        report = verify_ledger(_entries(conn, recorded), checkpoints, public, head=head,
                               progress=progress, chain=chain, external=external,
                               require_coverage=True)
        if not report.ok:
            return None
        return report, _events_match(conn, recorded, event_at)
    except (_LookCarefully, TypeError, ValueError, SQLAlchemyError, conn.dialect.loaded_dbapi.Error):
        return None  # the caller's connection is discarded with its transaction
