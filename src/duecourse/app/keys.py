"""The ledger's signing keys: rotation as a ledger entry signed by the old key and the new, and
the chain of keys a verifier follows from the key it trusts.

A rotation entry (kind ``key_rotated``) names the ledger's origin, the old and the new key as
C2SP verifier keys, and two signatures over the same statement: the old key's (the ledger hands
over) and the new key's (whoever rotates holds it). Checkpoints of the entries
before the rotation entry are signed by the old key; the batch of the rotation entry alone, and
every later one, by the new key.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, select, update

from ..audit.checkpoint import key_id
from ..audit.note import parse_verifier_key, verifier_key
from ..audit.verify import VerifyProblem
from ..domain.commands import Actor
from ..store.tables import ledger, ledger_head
from . import ledger as L
from .access import AccessDenied
from .context import AppContext
from .sequencer import integrate, integrate_rows

KIND = "key_rotated"
REJECTED = "leaf_rejected"  # app/sequencer.py: a queued leaf without the writers' MAC

Schedule = list[tuple[int, Ed25519PublicKey]]


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def statement(origin: str, old_vkey: str, new_vkey: str) -> bytes:
    """What both keys sign when the ledger's key changes."""
    return f"duecourse ledger key rotation\n{origin}\n{old_vkey}\n{new_vkey}\n".encode()


@dataclass(frozen=True)
class Rotation:
    seq: int
    size: int
    old_key_id: str
    new_key_id: str


def rotate_key(ctx: AppContext, actor: Actor, new_key: Ed25519PrivateKey, at: datetime) -> Rotation:
    """Hand the ledger from the context's key to ``new_key`` (an administrator only): the queue
    is integrated and signed by the old key, then the rotation entry, alone in its batch, signed
    by the new key, which alone signs from then on. The context then holds the new
    key; other processes must be restarted with it."""
    if actor.role != "admin":
        raise AccessDenied(f"{actor.role} may not rotate the ledger's signing key (admin only)")
    old = ctx.signing_key
    if _raw(old.public_key()) == _raw(new_key.public_key()):
        raise ValueError("the new key is the key already in use")
    with ctx.engine.begin() as conn:
        integrate(conn, old, limit=None)
        origin = conn.execute(select(ledger_head.c.origin)).scalar_one()
        old_v, new_v = (verifier_key(origin, old.public_key()),
                        verifier_key(origin, new_key.public_key()))
        said = statement(origin, old_v, new_v)
        body = {"origin": origin, "old_key": old_v, "new_key": new_v,
                "old_signature": base64.b64encode(old.sign(said)).decode(),
                "new_signature": base64.b64encode(new_key.sign(said)).decode()}
        item = L.LedgerItem(KIND, at, actor.id, actor.role, "", body)
        new_id = key_id(new_key.public_key())
        conn.execute(update(ledger_head).where(ledger_head.c.id == 1).values(key_id=new_id))
        done = integrate_rows(conn, new_key, [L.queued_row(item, new_key)], at,
                              previous=old.public_key())
    ctx.signing_key = new_key
    return Rotation(done.size - 1, done.size, key_id(old.public_key()), new_id)


def key_chain(conn: Connection, trusted: Ed25519PublicKey) -> tuple[Schedule, list[VerifyProblem]]:
    """The keys that sign the ledger's checkpoints, as (first size signed, key) pairs, followed
    from the rotation entries; and what is wrong with the chain. A chain that does not include
    ``trusted`` is not followed: every checkpoint is then checked against ``trusted`` alone."""
    rows = conn.execute(select(ledger.c.seq, ledger.c.kind, ledger.c.body)
                        .where(ledger.c.kind.in_((KIND, REJECTED))).order_by(ledger.c.seq)).all()
    schedule: Schedule = []
    problems: list[VerifyProblem] = [
        VerifyProblem(seq, f"entry {seq} records a leaf written into the ledger's queue, or "
                      "changed there, without the key (the sequencer rejected it): someone "
                      "with access to the database tried to add to the ledger", "rejected-leaf")
        for seq, kind, _ in rows if kind == REJECTED]
    current: Ed25519PublicKey | None = None
    for seq, kind, body in rows:
        if kind != KIND:
            continue
        try:
            old, new = _link(body, current)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError,
                InvalidSignature) as e:
            problems.append(VerifyProblem(seq, f"entry {seq} rotates the ledger's key but is not "
                                          f"a valid rotation ({e}): a forged rotation", "rotation"))
            continue
        if current is None:
            schedule.append((0, old))
        schedule.append((seq + 1, new))
        current = new
    if not schedule:
        return [(0, trusted)], problems
    if not any(_raw(k) == _raw(trusted) for _, k in schedule):
        problems.append(VerifyProblem(None, f"the ledger's key rotations never name the key you "
                                      f"trust ({key_id(trusted)}): its checkpoints are signed by "
                                      "foreign keys", "foreign-key"))
        return [(0, trusted)], problems
    return schedule, problems


def _link(body: str, current: Ed25519PublicKey | None) -> tuple[Ed25519PublicKey, Ed25519PublicKey]:
    d = json.loads(body)
    _, old = parse_verifier_key(d["old_key"])
    _, new = parse_verifier_key(d["new_key"])
    if current is not None and _raw(old) != _raw(current):
        raise ValueError(f"it hands over from key {key_id(old)}, not from the key in force "
                         f"{key_id(current)}")
    said = statement(d["origin"], d["old_key"], d["new_key"])
    old.verify(base64.b64decode(d["old_signature"], validate=True), said)
    new.verify(base64.b64decode(d["new_signature"], validate=True), said)
    return old, new
