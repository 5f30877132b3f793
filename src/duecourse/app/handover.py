"""hand_over_case: the receiving officer, found in the store for the law (law/assignment.py).

The command names them by account user name or actor id; the handler goes on with the actor id
(what the event records), and the event records their office too: the case's office is the
office of the officer who holds it."""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

from sqlalchemy import Connection, select

from ..domain.commands import HandOverCase
from ..law.assignment import HandOverFacts
from ..store import repository as repo
from ..store.tables import accounts


class HandOver(NamedTuple):
    command: HandOverCase
    facts: HandOverFacts
    event_data: dict[str, Any]


def hand_over_facts(conn: Connection, cmd: HandOverCase) -> HandOver:
    """The command with the officer's actor id, what the store knows of them, and the event's
    extra data (their office)."""
    named = cmd.to_officer.strip()
    row = conn.execute(select(accounts.c.actor_id, accounts.c.office, accounts.c.active).where(
        (accounts.c.username == named) | (accounts.c.actor_id == named))
        .order_by(accounts.c.username)).first() if named else None
    officer_id = str(row.actor_id) if row is not None else named
    role = (repo.actor_role(conn, officer_id) or "") if officer_id else ""
    facts = HandOverFacts(named, officer_id if role else "", role,
                          bool(row.active) if row is not None else True,
                          str(row.office) if row is not None else "")
    return HandOver(dataclasses.replace(cmd, to_officer=officer_id), facts,
                    {"office": facts.office})
