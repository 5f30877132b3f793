"""Actors: who acts in which role, and an attorney's clients — what the guards and the work
queues read (``actors``). The table is a read model of the ledger: ``register_actor`` is its one
writer, and it writes the row and one ledger entry ``actor_registered`` in one transaction. The
entry's body is the actor's whole new state (``actor_id``, ``role``, ``name``, ``clients``), so
``app/read_models.py`` re-derives the table from the ledger alone and reports any row that
differs.

Every registration is recorded, also one identical to the stored row: the row may itself be
unrecorded (an actor registered before registrations were ledgered) or altered, which only the
ledger can tell, and reading the ledger back on every registration would cost a scan of it.
Registering an actor again as it should be is therefore also how an administrator brings an
unrecorded or altered row back under the ledger.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

from sqlalchemy import Connection

from ..domain.commands import Actor, check_text
from ..domain.errors import InvalidInput
from ..law.guards.authority import AUTHORITY
from ..store import repository as repo
from . import ledger
from .access import AccessDenied
from .context import AppContext

KIND = "actor_registered"
# Who registers when no person does: the installer, the scenario runner, the simulator, tests.
SYSTEM = Actor("system", "system", "duecourse")
# The form duecourse gives a person's id (context.Ids.person_id: "P-" and ten capitals or
# digits), at most the 40 characters of ``persons.id``.
PERSON_ID = re.compile(r"P-[0-9A-Z]{1,38}", re.ASCII)
MAX_ID, MAX_NAME = 64, 200  # the widths of actors.id and actors.name


def access_actors(by: Actor) -> None:
    """Only an administrator gives a person a role or an attorney their clients (DESIGN.md:
    ``admin``, accounts and configuration, never case facts)."""
    if by.role != "admin":
        raise AccessDenied("only an administrator registers actors, their roles and clients")


def check_actor(actor: Actor) -> Actor:
    """The actor, if every field is one the guards can rely on; else InvalidInput naming the
    field: an id (at most 64 characters, not the system's own), a role the law knows
    (law/guards/authority.py), a name, and clients that are person ids, each listed once."""
    record = f"actor {actor.id!r}"
    if not actor.id or actor.id != actor.id.strip() or actor.id == SYSTEM.id:
        raise InvalidInput("id", "must be a non-empty name without surrounding spaces, and not "
                                 f"'{SYSTEM.id}' (reserved for duecourse itself)", record=record)
    _text(actor.id, "id", MAX_ID, record)
    if actor.role not in AUTHORITY:
        raise InvalidInput("role", f"'{actor.role}' is not a role the law knows: one of "
                                   f"{', '.join(AUTHORITY)}", record=record)
    _text(actor.name, "name", MAX_NAME, record)
    for i, client in enumerate(actor.clients):
        if not isinstance(client, str) or not PERSON_ID.fullmatch(client):
            raise InvalidInput(f"clients[{i}]", f"{client!r} is not a person id (P- and capital "
                                                "letters or digits, as duecourse gives them)",
                               record=record)
        if client in actor.clients[:i]:
            raise InvalidInput(f"clients[{i}]", f"{client} is listed twice", record=record)
    return actor


def _text(value: str, field: str, limit: int, record: str) -> None:
    try:
        check_text(value, field, limit)
    except InvalidInput as e:
        raise InvalidInput(e.field, e.message, record=record) from None


def register_actor(ctx: AppContext, actor: Actor, by: Actor | None = None,
                   at: datetime | None = None) -> Actor:
    """Give ``actor`` its role, name and clients (a new actor, or the whole new state of a known
    one), with its ledger entry, in one transaction. ``by`` is the administrator who does it;
    None is duecourse itself (the installer, scenarios, the simulator), recorded as ``system``.
    Bad input raises InvalidInput and writes nothing."""
    with ctx.engine.begin() as conn:
        return record_actor(ctx, conn, actor, by, at or ctx.clock())


def record_actor(ctx: AppContext, conn: Connection, actor: Actor, by: Actor | None,
                 at: datetime) -> Actor:
    """``register_actor`` in the caller's transaction (accounts: with the account's own row and
    entry)."""
    if by is not None:
        access_actors(by)
    check_actor(actor)
    who = by or SYSTEM
    repo.upsert_actor(conn, actor)
    ledger.append(conn, [ledger.LedgerItem(KIND, at, who.id, who.role, "", entry_body(actor))],
                  ctx.signing_key)
    return actor


def entry_body(actor: Actor) -> dict[str, object]:
    """The body of an ``actor_registered`` entry: the actor's whole state."""
    return {"actor_id": actor.id, "role": actor.role, "name": actor.name,
            "clients": list(actor.clients)}


def get_named_actor(ctx: AppContext, who: str, field: str = "--as") -> Actor:
    """Whoever a command-line read or command is done as: the actor of the account ``who`` (a
    user name) or the registered actor ``who`` (an id), with the role they hold, never one typed
    on the command line. An unknown name or a disabled account is refused, naming ``field``."""
    from ..store.tables import accounts  # the accounts' table: app/accounts.py's own read

    who = check_text(who.strip(), field, 64)
    with ctx.engine.connect() as conn:
        # The account by its user name, or the account whose actor ``who`` is: a disabled
        # account does not act through its actor id either.
        row = conn.execute(accounts.select().where(
            (accounts.c.username == who) | (accounts.c.actor_id == who))).first() if who else None
        actor = repo.get_actor(conn, row.actor_id if row is not None else who) if who else None
    if row is not None and not row.active:
        raise InvalidInput(field, f"the account of '{who}' is disabled")
    if actor is None:
        raise InvalidInput(field, f"no account or actor '{who[:64]}': give the user name of an "
                           "account (duecourse account create) or a registered actor's id")
    # The office the account gives: a case opened from the command line is held by it.
    return dataclasses.replace(actor, office=row.office or "") if row is not None else actor
