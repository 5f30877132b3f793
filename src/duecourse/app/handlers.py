"""The one write path. ``do_command`` authorises, loads the case, asks the law, and appends the
events, the read models and the ledger entry in one transaction. Nothing else writes case facts."""

from __future__ import annotations

import json
import weakref
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from ..domain.case import CaseState, Facets, apply
from ..domain.commands import FileAppeal, OpenCase, command_to_dict
from ..domain.errors import ConcurrencyConflict, NotFound
from ..domain.events import DEADLINE_MISSED, EVENT_OF_COMMAND, Event
from ..law.deadlines import Deadline, compute_deadlines
from ..law.framework import appeal_deadline
from ..law.rules import check_command
from ..store import repository as repo
from ..store.tables import cases, commands
from . import ledger
from .context import AppContext
from .outcome import Outcome


def do_command(ctx: AppContext, env: Any) -> Outcome:
    """Handle one command envelope; see docs/architecture.md for the path it takes."""
    key = env.idempotency_key
    if key:
        with ctx.engine.connect() as conn:
            stored = repo.stored_outcome(conn, key)
        if stored is not None:
            return Outcome.from_dict(stored, replayed=True)
    committed: list[Callable[[], None]] = []  # run once the transaction has committed
    try:
        with ctx.engine.begin() as conn:
            if key:  # checked again under the write lock (SQLite serialises writers here)
                stored = repo.stored_outcome(conn, key)
                if stored is not None:
                    return Outcome.from_dict(stored, replayed=True)
            outcome = _handle(ctx, conn, env, committed)
        for then in committed:
            then()
        return outcome
    except (IntegrityError, ConcurrencyConflict):
        if key:  # a concurrent retry with the same key won the race: return its outcome
            with ctx.engine.connect() as conn:
                stored = repo.stored_outcome(conn, key)
            if stored is not None:
                return Outcome.from_dict(stored, replayed=True)
        raise


def _handle(ctx: AppContext, conn: Connection, env: Any,
            committed: list[Callable[[], None]] | None = None) -> Outcome:
    cmd, actor, at = env.command, env.actor, env.at
    if isinstance(cmd, OpenCase):
        case_id, state = ctx.ids.case_id(), None
    else:
        case_id = env.case_id
        if not case_id:
            raise NotFound(f"{cmd.name} needs a case")
        state = repo.load_case(conn, case_id)
        if state is None:
            raise NotFound(f"no case {case_id}")
        if env.expected_version is not None and env.expected_version != state.version:
            raise ConcurrencyConflict(case_id, env.expected_version, state.version)
    base = state or CaseState(case_id=case_id)
    role_of = _role_lookup(conn)
    refusals = check_command(base, cmd, actor, at, role_of)
    if refusals:
        outcome = Outcome(False, cmd.name, case_id if state else None, base.version,
                          refusals=refusals)
        seq = ledger.append(conn, [ledger.LedgerItem(
            "command_refused", at, actor.id, actor.role, case_id if state else "",
            {"command": cmd.name, "case_version": base.version,
             "command_hash": _hash(command_to_dict(cmd)),
             "refusals": [r.as_dict() for r in refusals]})], ctx.signing_key)
        outcome = Outcome(False, cmd.name, outcome.case_id, base.version, refusals=refusals,
                          ledger_seq=seq)
        _remember(conn, env, outcome)
        return outcome
    old_version = base.version
    new_events, deadlines = _events_for(ctx, base, env, case_id)
    after = base  # advanced past the new events by _events_for
    facets = after.facets(at, appeal_deadline(after))
    if state is None:
        assert isinstance(cmd, OpenCase)
        repo.insert_person(conn, new_events[0].data["person_id"], cmd.person, at)
        repo.insert_case(conn, after, cmd.location, at)
        repo.save_case_row(conn, after, facets, at)
    else:
        # Compare-and-swap on the case row before anything else is written (the same statement
        # writes the case's facets): a concurrent writer that read the same version waits on the
        # row lock and then finds it changed.
        _advance_version(conn, after, facets, at, old_version)
    rows = repo.insert_events(conn, new_events)
    _save_deadlines(conn, case_id, old_version, after.version, deadlines, committed)
    seq = ledger.append(conn, [ledger.LedgerItem(
        "command_accepted", at, actor.id, actor.role, case_id,
        {"command": cmd.name, "case_version": after.version,
         "events": [{"seq": r["seq"], "kind": r["kind"], "hash": ledger.event_hash(r)}
                    for r in rows]})], ctx.signing_key)
    outcome = Outcome(True, cmd.name, case_id, after.version,
                      events=[{"seq": e.seq, "kind": e.kind} for e in new_events],
                      ledger_seq=seq)
    _remember(conn, env, outcome)
    return outcome


def _events_for(ctx: AppContext, base: CaseState, env: Any, case_id: str
                ) -> tuple[list[Event], list[Deadline]]:
    """The command's event and a ``deadline_missed`` event for each clock it fulfils late, and
    the case's deadlines as of ``at``. ``base`` is advanced past these events in place: it was
    folded for this command alone, so no copy of it is needed."""
    cmd, actor, at = env.command, env.actor, env.at
    data = command_to_dict(cmd)
    if isinstance(cmd, OpenCase):
        data["person_id"] = ctx.ids.person_id()
    if isinstance(cmd, FileAppeal):
        due = appeal_deadline(base)
        data["timely"] = due is None or at <= due
    main = Event(case_id, base.version + 1, EVENT_OF_COMMAND[cmd.name], at, actor.id,
                 actor.role, data)
    apply(base, main)
    # The deadlines after the command's own event are also those after the deadline_missed
    # events: clocks and facets are derived from the facts, never from the ``missed`` record.
    deadlines = compute_deadlines(base, at)
    events = [main]
    for d in deadlines:
        # Once per run of a clock: a clock that starts again (a second warrantless arrest) and is
        # met late again is recorded again.
        if d.state == "missed" and base.missed.get(d.id, d.started_at) <= d.started_at:
            events.append(Event(case_id, main.seq + len(events), DEADLINE_MISSED, at, actor.id,
                                actor.role, {
                                    "deadline": d.id, "due_at": ledger.iso(d.due_at),
                                    "met_at": ledger.iso(at), "escalated_to": "supervisor",
                                    "citation": d.citation}))
    for e in events[1:]:
        apply(base, e)
    return events, deadlines


# The deadline rows this process committed last, per engine and case: (case version, rows). Each
# accepted command bumps the case's version (compare-and-swap) and is the only writer of its
# deadline rows, so while the case is still at that version the stored rows are these, and a
# command that leaves them unchanged need not rewrite them. Bounded; filled only after commit.
_Kept = OrderedDict[str, tuple[int, list[dict[str, Any]]]]
_DEADLINE_ROWS: weakref.WeakKeyDictionary[Engine, _Kept] = weakref.WeakKeyDictionary()
_DEADLINE_ROWS_KEPT = 10_000


def _save_deadlines(conn: Connection, case_id: str, old_version: int, new_version: int,
                    deadlines: list[Deadline], committed: list[Callable[[], None]] | None) -> None:
    engine = conn.engine
    kept = _DEADLINE_ROWS.get(engine)
    if kept is None:
        kept = _DEADLINE_ROWS[engine] = OrderedDict()
    rows = repo.deadline_rows(case_id, deadlines)
    if kept.get(case_id) != (old_version, rows):
        repo.save_deadlines(conn, case_id, rows)
    kept.pop(case_id, None)  # not trusted again until this transaction has committed

    def remember() -> None:
        kept[case_id] = (new_version, rows)
        if len(kept) > _DEADLINE_ROWS_KEPT:
            kept.popitem(last=False)

    if committed is not None:
        committed.append(remember)


def _advance_version(conn: Connection, after: CaseState, facets: Facets, at: datetime,
                     expected: int) -> None:
    if not repo.advance_case(conn, after, facets, at, expected):
        actual = conn.execute(select(cases.c.version)
                              .where(cases.c.id == after.case_id)).scalar_one()
        raise ConcurrencyConflict(after.case_id, expected, int(actual))


def _role_lookup(conn: Connection) -> Callable[[str], str | None]:
    cache: dict[str, str | None] = {}

    def role_of(actor_id: str) -> str | None:
        if actor_id not in cache:
            cache[actor_id] = repo.actor_role(conn, actor_id)
        return cache[actor_id]

    return role_of


def _remember(conn: Connection, env: Any, outcome: Outcome) -> None:
    if env.idempotency_key:
        conn.execute(insert(commands).values(
            idempotency_key=env.idempotency_key, case_id=outcome.case_id, actor_id=env.actor.id,
            at=env.at, outcome=json.dumps(outcome.as_dict(), sort_keys=True)))


def _hash(data: dict[str, Any]) -> str:
    import hashlib

    from ..audit.canonical import canonical_json

    return hashlib.sha256(canonical_json(data)).hexdigest()


def now_or(at: datetime | None, clock: Callable[[], datetime]) -> datetime:
    return at if at is not None else clock()
