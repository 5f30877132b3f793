"""The one reader of the ``events`` table: every part of duecourse that reads cases' histories
to fold or check them (the write path, the independent checker, the read-model check, the
placement planner, the simulator's summary) reads them here, as the domain's ``Event`` records in
the order of each case's ``seq``.

The law never reads the database: the app reads histories here and hands them to the law as data.
(``audit verify`` is the exception by design: it hashes the rows as stored, before any reading
could mend or reject them; see app/audit.py.)
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Row, String, bindparam, select, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from ..domain.events import Event
from .tables import cases, events

# ``at`` is read as the driver returns it and made UTC in ``_utc``: SQLAlchemy's own parsing of
# SQLite's datetime text costs more than the rest of loading a case (bench/commands.py). The
# one-case statement is built once: a prebuilt statement hits the compiled cache.
_COLUMNS = (events.c.seq, events.c.kind, type_coerce(events.c.at, String).label("at"),
            events.c.actor_id, events.c.actor_role, events.c.data)
_ONE_CASE = (select(*_COLUMNS).where(events.c.case_id == bindparam("b_case_id"))
             .order_by(events.c.seq))


@dataclass(frozen=True)
class History:
    """One case's events in order. ``damage`` names the first stored row that cannot be read (a
    time that is not a time, data that is not a JSON object); ``events`` then holds the events
    before it. Empty when every row was read."""

    case_id: str
    events: list[Event] = field(default_factory=list)
    damage: str = ""


def _utc(value: Any) -> datetime:
    """A stored event time as UTCDateTime reads it: PostgreSQL gives a datetime, SQLite the
    naive UTC text SQLAlchemy wrote (``2026-03-02 08:00:00.000000``); an offset, if any, kept."""
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _event(case_id: str, r: Row[Any]) -> Event:
    """The event of one stored row; ValueError (naming the event) when it cannot be read."""
    try:
        at = _utc(r.at)
    except (TypeError, ValueError) as e:
        raise ValueError(f"event {r.seq} has the time {r.at!r}") from e
    data = r.data
    if not isinstance(data, dict):
        try:
            data = json.loads(data)
        except (TypeError, ValueError) as e:
            raise ValueError(f"event {r.seq}'s data is not JSON ({e})") from e
        if not isinstance(data, dict):
            raise ValueError(f"event {r.seq}'s data is not a JSON object")
    return Event(case_id, r.seq, r.kind, at, r.actor_id, r.actor_role, data)


def case_events(conn: Connection, case_id: str) -> list[Event]:
    """One case's events in order (none for an unknown case). A row that cannot be read raises
    ValueError: the write path never acts on a damaged history."""
    rows = conn.execute(_ONE_CASE, {"b_case_id": case_id}).all()
    try:  # the write path's read, kept lean: each row checked only if one fails
        return [Event(case_id, r.seq, r.kind, _utc(r.at), r.actor_id, r.actor_role,
                      json.loads(r.data)) for r in rows]
    except (TypeError, ValueError):
        return [_event(case_id, r) for r in rows]


def histories(conn: Connection, *, after: str | None = None, upto: str | None = None,
              kinds: Collection[str] | None = None,
              cases_where: ColumnElement[bool] | None = None) -> Iterator[History]:
    """Every case's history, by case id: of the cases after ``after`` and up to and including
    ``upto`` (None: unbounded), whose ``cases`` row meets ``cases_where`` (when given); only the
    events of ``kinds`` (when given). A case whose rows cannot all be read is yielded with its
    ``damage`` named, and the reading goes on."""
    q = select(events.c.case_id, *_COLUMNS)
    if cases_where is not None:
        q = q.join(cases, cases.c.id == events.c.case_id).where(cases_where)
    if kinds is not None:
        q = q.where(events.c.kind.in_(kinds))
    if after is not None:
        q = q.where(events.c.case_id > after)
    if upto is not None:
        q = q.where(events.c.case_id <= upto)
    rows = conn.execute(q.order_by(events.c.case_id, events.c.seq))
    for case_id, group in groupby(rows, key=itemgetter(0)):
        yield _history(case_id, group)


def _history(case_id: str, rows: Iterator[Row[Any]]) -> History:
    evs: list[Event] = []
    for r in rows:
        try:
            evs.append(_event(case_id, r))
        except ValueError as e:
            return History(case_id, evs, str(e))
    return History(case_id, evs)
