"""The one write path. ``do_command`` authorises, loads the case, asks the law, and appends the
events, the read models and the ledger entry in one transaction. Nothing else writes case facts."""

from __future__ import annotations

import dataclasses
import json
import weakref
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, insert
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..domain.case import CaseState, Facets, apply, removes_protection
from ..domain.commands import (
    FileAppeal,
    FileMotionToReopen,
    HandOverCase,
    OpenCase,
    Place,
    Transfer,
    command_to_dict,
)
from ..domain.errors import ConcurrencyConflict, NotFound, RuleRefusal
from ..domain.events import DEADLINE_MISSED, EVENT_OF_COMMAND, Event
from ..law.calendar import Closures
from ..law.deadlines import Deadline, compute_deadlines
from ..law.framework import appeal_deadline
from ..law.guards.custody import returns_to_custody
from ..law.guards.orders import appeal_timely, motion_stays_removal
from ..law.params import MissingParameter
from ..law.rules import check_command
from ..store import repository as repo
from ..store.db import pipelined
from ..store.tables import commands
from . import case_records, ledger
from .access import NotYours, may_read_case
from .context import AppContext
from .deadline_rows import deadline_rows
from .facility_facts import facility_facts
from .handover import hand_over_facts
from .outcome import Outcome
from .redact import redact


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
        if outcome is None:  # no such case: the attempt is ledgered (committed), then answered
            raise NotYours()
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


class _Stale(Exception):
    """The remembered state of a case was not the stored one: another writer came first.
    Raised before anything is written, so the command is judged again on the stored events."""


def _handle(ctx: AppContext, conn: Connection, env: Any,
            committed: list[Callable[[], None]] | None = None) -> Outcome | None:
    """The outcome, or None for a case that does not exist (its attempt ledgered)."""
    cmd = env.command
    if isinstance(cmd, OpenCase):
        return _decide(ctx, conn, env, ctx.ids.case_id(), None, None, False, committed)
    case_id = env.case_id
    if not case_id:
        raise NotFound(f"{cmd.name} needs a case")
    known = _take_known(conn.engine, case_id)
    if known is not None and known.state is not None and env.expected_version in (
            None, known.version):
        try:
            return _decide(ctx, conn, env, case_id, known.state, known, True, committed)
        except _Stale:  # nothing was written; judge the command on the stored events instead
            known = None
    state = repo.load_case(conn, case_id)
    if state is None:
        _ledger_no_case(ctx, conn, env)
        return None
    # The case's version is news only to those who may read the case.
    if env.expected_version not in (None, state.version) and may_read_case(env.actor,
                                                                            state.person_id):
        raise ConcurrencyConflict(case_id, env.expected_version, state.version)
    return _decide(ctx, conn, env, case_id, state, known, False, committed)


def _decide(ctx: AppContext, conn: Connection, env: Any, case_id: str,
            state: CaseState | None, known: _Known | None, remembered: bool,
            committed: list[Callable[[], None]] | None) -> Outcome:
    """Ask the law and write the outcome. ``state`` is the case as of its stored version (None
    for ``open_case``); ``remembered`` says it came from ``_KNOWN`` rather than from the stored
    events, in which case the stored version is checked before anything is written and a
    mismatch raises ``_Stale``. ``known`` is what this process remembered of the case."""
    cmd, actor, at, engine = env.command, env.actor, env.at, conn.engine
    base = state or CaseState(case_id=case_id)
    role_of = repo.role_lookup(conn)
    # REVOKE: an arrest, detention or placement after a post-order release on another case of
    # the same person is that release's revocation, made there.
    # REVOKE and one custody at a time (LIFECYCLE): the same person's other cases.
    others = (repo.person_cases_elsewhere(conn, case_id, base.person)
              if state is not None and returns_to_custody(cmd) else None)
    released = ({k: v for k, v in others.items() if v.custody == "released"}
                if others is not None else None)
    # The closure calendar matters only to a case with an order (APP-30's last day).
    closures = (repo.closure_days(conn) if base.order is not None or cmd.name == "record_order"
                or released else frozenset())
    related = (repo.related_protections(conn, case_id, base.person)
               if cmd.name in ("schedule_removal", "record_removal") else None)
    # place/transfer: the facility as the catalogue knows it, its occupancy, the attorneys of
    # record (law/facility_rules.py); the command goes on with the catalogue's code and kind.
    placing = (facility_facts(conn, case_id, base, cmd)
               if isinstance(cmd, Place | Transfer) else None)
    if placing is not None:
        cmd = placing.command
        env = dataclasses.replace(env, command=cmd)
    # hand_over_case: the receiving officer by actor id, as the store knows them.
    handing = hand_over_facts(conn, cmd) if isinstance(cmd, HandOverCase) else None
    if handing is not None:
        cmd = handing.command
        env = dataclasses.replace(env, command=cmd)
    refusals = check_command(base, cmd, actor, at, role_of, closures, related,
                             placement=placing.facts if placing is not None else None,
                             released_elsewhere=released, held_elsewhere=others,
                             handover=handing.facts if handing is not None else None)
    version, failed = base.version, False
    if not refusals:
        try:
            new_events, deadlines = _events_for(ctx, base, env, case_id, conn, closures,
                                                placing.event_data if placing else
                                                handing.event_data if handing else None)
            facets = base.facets(at, appeal_deadline(base, closures))
        except _PROPAGATE:
            raise
        except Exception as exc:  # fail closed: refused with the reason, ledgered like any
            refusals, failed = [failed_closed(exc)], True
    if refusals:
        if remembered and repo.case_version(conn, case_id) != version:
            raise _Stale
        with pipelined(conn):  # writes only, no result read (see below)
            seq = ledger.append(conn, [ledger.LedgerItem(
                "command_refused", at, actor.id, actor.role, case_id if state else "",
                {"command": cmd.name, "case_version": version,
                 "command_hash": _hash(command_to_dict(cmd)),
                 # the reasons without the person's data (app/redact.py; docs/ledger.md)
                 "refusals": redact([r.as_dict() for r in refusals],
                                    cmd.person if isinstance(cmd, OpenCase) else base.person)})],
                ctx.signing_key)
            outcome = Outcome(False, cmd.name, case_id if state else None, version,
                              refusals=refusals, ledger_seq=seq,
                              hidden=state is not None and not may_read_case(actor,
                                                                             state.person_id))
            _remember(conn, env, outcome)
        # The case is as it was; a state the fold failed on part-way is not kept.
        if state is not None and committed is not None and not failed:
            rows = known.rows if known is not None and known.version == state.version else None
            same = _Known(state.version, state, rows)
            committed.append(lambda: _put_known(engine, case_id, same))
        return outcome
    old_version = version
    after = base  # advanced past the new events by _events_for (facets computed above)
    if state is not None:
        # Compare-and-swap on the case row before anything else is written (the same statement
        # writes the case's facets): a concurrent writer that read the same version waits on the
        # row lock and then finds it changed. Its row count is read here, before the block below.
        _advance_version(conn, after, facets, at, old_version, remembered)
    # Every statement from here on only writes and none of their results is read: on PostgreSQL
    # they go in one round trip (store/db.pipelined), in this order and in this transaction; the
    # first that fails (a unique key: the case's event seq, the idempotency key) raises its
    # error as it would have alone, and nothing commits.
    with pipelined(conn):
        if state is None:
            assert isinstance(cmd, OpenCase)
            repo.insert_person(conn, new_events[0].data["person_id"], cmd.person, at)
            repo.insert_case(conn, after, cmd.location, at, facets)  # with its facets
        rows = repo.insert_events(conn, new_events)
        case_records.save_if_changed(conn, after, new_events)
        # The deadline rows are rewritten only where they differ from the stored ones, when
        # known.
        new_rows = deadline_rows(case_id, deadlines)
        stored = [] if state is None else (
            known.rows if known is not None and known.version == old_version else None)
        if stored is None:
            repo.save_deadlines(conn, case_id, new_rows)
        elif stored != new_rows:
            repo.update_deadlines(conn, case_id, stored, new_rows)
        seq = ledger.append(conn, [ledger.LedgerItem(
            "command_accepted", at, actor.id, actor.role, case_id,
            {"command": cmd.name, "case_version": after.version,
             "events": [{"seq": r["seq"], "kind": r["kind"], "hash": ledger.event_hash(r)}
                        for r in rows]})], ctx.signing_key)
        outcome = Outcome(True, cmd.name, case_id, after.version,
                          events=[{"seq": e.seq, "kind": e.kind} for e in new_events],
                          ledger_seq=seq)
        _remember(conn, env, outcome)
    if committed is not None:
        kept = _Known(after.version, after if _as_stored(new_events, rows) else None,
                      new_rows)
        committed.append(lambda: _put_known(engine, case_id, kept))
    return outcome


# Errors that are the store's, not the command's: they propagate (a retry, a conflict, a
# database that is down), never turned into a refusal.
_PROPAGATE = (SQLAlchemyError, ConcurrencyConflict, NotFound, _Stale)
FAIL_CLOSED = "FAIL-CLOSED"
FAIL_CLOSED_CITATION = "LAW.md (guards fail closed); duecourse policy"


def failed_closed(exc: Exception) -> RuleRefusal:
    """The refusal of a command that could not be judged or applied (a parameter with no value
    in force, a state the fold did not expect): refused with the reason, never a crash."""
    if isinstance(exc, MissingParameter):
        rule = exc.key.split(".")[0]
        return RuleRefusal(rule, FAIL_CLOSED_CITATION, f"{exc}; refused (nothing was recorded "
                           "but this refusal)")
    return RuleRefusal(FAIL_CLOSED, FAIL_CLOSED_CITATION,
                       f"this command could not be judged or applied ({type(exc).__name__}: "
                       f"{exc}); refused (nothing was recorded but this refusal)")


def _events_for(ctx: AppContext, base: CaseState, env: Any, case_id: str,
                conn: Connection | None = None, closures: Closures = frozenset(),
                extra: dict[str, Any] | None = None,
                ) -> tuple[list[Event], list[Deadline]]:
    """The command's event and a ``deadline_missed`` event for each clock it fulfils late, and
    the case's deadlines as of ``at``. ``base`` is advanced past these events in place: it was
    folded for this command alone, so no copy of it is needed."""
    cmd, actor, at = env.command, env.actor, env.at
    data = command_to_dict(cmd)
    data.update(extra or {})  # what the store knew (place/transfer: the catalogue's facts)
    if isinstance(cmd, OpenCase):
        data["person_id"] = ctx.ids.person_id()
        if actor.office:  # the opener holds the case, for their office
            data["office"] = actor.office
    if isinstance(cmd, FileAppeal):
        data["timely"] = appeal_timely(base, cmd, at, closures)
    if isinstance(cmd, FileMotionToReopen):
        data["stays_removal"] = motion_stays_removal(base, cmd)
    if removes_protection(EVENT_OF_COMMAND[cmd.name], data, actor.role):
        data["needs_confirmation"] = True  # no effect until a second person confirms it
    if ctx.enrich is not None and conn is not None:  # what the store knows (identity links)
        ctx.enrich(conn, base, cmd, data)
    main = Event(case_id, base.version + 1, EVENT_OF_COMMAND[cmd.name], at, actor.id,
                 actor.role, data)
    apply(base, main)
    # The deadlines after the command's own event are also those after the deadline_missed
    # events: clocks and facets are derived from the facts, never from the ``missed`` record.
    deadlines = compute_deadlines(base, at, closures)
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


# What this process committed last for a case, per engine: the case's version, its state (the
# fold of its events at that version) and its deadline rows. Each accepted command bumps the
# version (compare-and-swap) and is the only writer of the case's rows, so while the case is
# still at that version its stored events fold to that state and its stored deadline rows are
# those rows. A command on a remembered case therefore skips loading and folding the events; the
# version is checked by the compare-and-swap (or, for a refusal, read) before anything is written,
# and a case another writer has moved is judged again on its stored events. An entry is taken out
# while a command uses it (the state is advanced in place) and put back only after commit, so a
# transaction that fails leaves nothing behind. Bounded: the least recently used go first.
class _Known(NamedTuple):
    version: int
    state: CaseState | None  # None: not the same as a fresh fold (see ``_as_stored``)
    rows: list[dict[str, Any]] | None  # the deadline rows, if known


_KNOWN: weakref.WeakKeyDictionary[Engine, OrderedDict[str, _Known]] = (
    weakref.WeakKeyDictionary())
_KNOWN_CASES = 4_096


def _take_known(engine: Engine, case_id: str) -> _Known | None:
    kept = _KNOWN.get(engine)
    return kept.pop(case_id, None) if kept is not None else None


def _put_known(engine: Engine, case_id: str, known: _Known) -> None:
    kept = _KNOWN.get(engine)
    if kept is None:
        kept = _KNOWN[engine] = OrderedDict()
    kept[case_id] = known
    while len(kept) > _KNOWN_CASES:
        try:
            kept.popitem(last=False)
        except KeyError:  # emptied by another thread meanwhile
            break


def _as_stored(new: list[Event], rows: list[dict[str, Any]]) -> bool:
    """Whether the events as given are the events as they will be read back (UTC times, data
    that survives its JSON text unchanged), so that a state advanced past them is the fold of
    the stored events."""
    return all(e.at.tzinfo is UTC and json.loads(r["data"]) == e.data
               for e, r in zip(new, rows, strict=True))


def _advance_version(conn: Connection, after: CaseState, facets: Facets, at: datetime,
                     expected: int, remembered: bool) -> None:
    if not repo.advance_case(conn, after, facets, at, expected):
        if remembered:
            raise _Stale
        raise ConcurrencyConflict(after.case_id, expected, repo.case_version(conn, after.case_id))


# A command on a case that does not exist is ledgered as a refusal (oversight sees the attempt),
# so that it costs what the refusal of a case one may not read costs and is answered the same.
NO_CASE = RuleRefusal("NOT_FOUND", "duecourse (no such case)", "there is no such case")


def _ledger_no_case(ctx: AppContext, conn: Connection, env: Any) -> None:
    cmd, actor = env.command, env.actor
    with pipelined(conn):
        ledger.append(conn, [ledger.LedgerItem(
            "command_refused", env.at, actor.id, actor.role, "",
            {"command": cmd.name, "case_version": 0,
             "command_hash": _hash(command_to_dict(cmd)), "refusals": [NO_CASE.as_dict()]})],
            ctx.signing_key)


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
