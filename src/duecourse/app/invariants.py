"""The independent checker over a whole store: every case's history, read through the store's
one event reader (store/event_reader.py), handed as data to the law's checker
(``duecourse.law.invariants.check_cases``), with the legal calendar's closure days and who holds
which role. The checker shares no code with the guards it checks; it shares only this reading of
the stored events with the rest of duecourse."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, Engine, inspect

from ..domain.events import Event
from ..law.invariants import Violation, check_cases
from ..store import repository as repo
from ..store.event_reader import histories


def check_store(engine: Engine) -> list[Violation]:
    """Every case's events (cases of the same person compared), checked with the
    ``closure_days`` table's closures and the ``actors`` table's roles (none where the store has
    no such table). A stored event that cannot be read raises ValueError naming it (``audit
    verify`` says what was altered)."""
    with engine.connect() as conn:
        tables = inspect(conn)
        closures = repo.closure_days(conn) if tables.has_table("closure_days") else frozenset()
        roles = repo.actor_roles(conn) if tables.has_table("actors") else {}
        cases = list(_readable(conn))  # read whole, then checked with the connection returned
    return check_cases(cases, closures, roles)


def _readable(conn: Connection) -> Iterator[list[Event]]:
    for h in histories(conn):
        if h.damage:
            raise ValueError(f"case {h.case_id}: {h.damage}")
        yield h.events
