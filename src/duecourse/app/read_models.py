"""``duecourse audit verify --read-models``: re-derive from the record every table the guards
and the work queues read, and report every row that differs from it.

The ledger's own check (``audit verify``) proves that the events and the ledger are as written;
the read models beside them (``cases``, ``deadlines``, ``persons``, ``actors``, ``accounts``) are
not hashed, so a row edited in the database (a deadline marked met, a role raised) changes what
people see and what the guards allow without touching either. This check derives each row again
the way its one writer derives it, and names every row that is missing, extra or different, with
the column, the stored value and the derived one.

* ``cases``, ``deadlines`` and ``persons`` come from the case's events alone. The handler
  (app/handlers.py ``_decide``) writes them in the command's transaction, as of the command's
  time, and nothing rewrites them later (no job escalates a stored deadline: the work queue works
  out the escalation *now* from ``started_at`` and ``due_at``). So they are derived as of the
  case's last event: the fold of its events (domain/case.py), its facets and its statutory clocks
  (law/deadlines.py) as of that event's time, every column compared. A ``persons`` row is the
  ``case_opened`` event's person and time (``insert_person``); a person row that no case opened is
  extra.
* The closure calendar (app/calendar.py) moves APP-30's last day, and the handler reads the
  calendar as it stood when it wrote the rows; a closure day recorded later changes nothing
  stored. For a case with an order, the rows are therefore also derived with the closure days
  recorded by the case's last event and with none (the handler reads no calendar for a command on
  a case without an order), and the derivation closest to the stored rows is compared.
* ``actors`` come from the latest ``actor_registered`` entry of each actor (app/actors.py), whose
  body is the actor's whole state. An actor registered before registrations were ledgered has no
  entry: if its account's entries (``account_created``, ``account_updated``) record its role and
  clients, those are compared (its name is not in them); otherwise the row is reported as not
  recorded in the ledger, which registering it again (by an administrator) mends.
* ``accounts``: the row's existence, ``office``, ``active`` and ``oidc_subject`` come from the
  account's ``account_changed`` entries (``oidc_bound`` for the subject). A subject bound before
  bindings were ledgered is reported as not recorded in the ledger, never as tampered.
* ``identity_records``: nothing changes a record after its import (linkage and the review queue
  write ``identity_persons`` and ``identity_pairs`` only), so each batch's rows are hashed again
  (app/identity.py ``records_sha256``) and compared with the digest its latest
  ``identity_records_imported`` entry records. A batch imported before entries recorded a digest
  is reported as not recorded in the ledger; records of a batch no entry records are extra.

Not compared: the password hash, sessions, tokens and sign-in attempts (never ledgered); the
stays and protections read models (app/case_records.py); ``identity_batches`` and the identity
links (``identity_persons``, ``identity_pairs``); the ledger and the events themselves (``audit
verify`` proves them).

The check reads one snapshot of the store (``check_store``: one transaction; REPEATABLE READ on
PostgreSQL) in batches of cases by id, four queries per batch and none per case: 20,000 cases
with 280,000 events take about 10 s on SQLite on a busy 2-core machine (8 s of CPU, most of it
folding the events).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, String, select, type_coerce

from ..domain.case import CaseState, fold
from ..domain.events import Event
from ..domain.person import a_number_key, name_key
from ..law.calendar import Closures
from ..law.deadlines import compute_deadlines
from ..law.framework import appeal_deadline
from ..store import repository as repo
from ..store.event_reader import History, histories
from ..store.tables import (
    accounts,
    actors,
    cases,
    deadlines,
    events,
    identity_records,
    ledger,
    ledger_queue,
    persons,
)
from . import actors as registry
from .deadline_rows import deadline_rows
from .ledger import iso


@dataclass(frozen=True)
class Finding:
    """One row of a read model that its record does not give. ``problem``: ``differs``
    (``column`` holds ``stored``; the record gives ``derived``), ``missing`` (the record gives
    the row; the table lacks it), ``extra`` (no record gives the row), ``unrecorded`` (never
    recorded in the ledger: ``note`` says what is known) or ``unreadable`` (the record itself
    cannot be read; ``audit verify`` names the damage)."""

    table: str
    key: str
    problem: str
    column: str = ""
    stored: Any = None
    derived: Any = None
    note: str = ""

    def __str__(self) -> str:
        where = f"{self.table} {self.key}"
        source = "the events give" if self.table in _FROM_EVENTS else "the ledger gives"
        note = f" ({self.note})" if self.note else ""
        if self.problem == "differs":
            return (f"{where}: {self.column} is {show(self.stored)}, {source} "
                    f"{show(self.derived)}{note}")
        if self.problem == "missing":
            return f"{where}: missing, {source} the row{note}"
        if self.problem == "extra":
            return f"{where}: no row of this key follows from the record{note}"
        if self.problem == "unrecorded":
            col = f" {self.column}" if self.column else ""
            return f"{where}:{col} not recorded in the ledger{note}"
        return f"{where}: cannot be read{note}"


_FROM_EVENTS = frozenset({"cases", "deadlines", "persons", "events"})


def show(value: Any) -> str:
    """A stored or derived value as the report prints it."""
    if value is None:
        return "none"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return repr(value)


def check_store(engine: Engine, progress: Callable[[int], None] | None = None
                ) -> list[Finding]:
    """``check_read_models`` on one snapshot of the store behind ``engine``."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":  # one snapshot for every statement
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin(), _undecodable_text_is_read(conn):
            return check_read_models(conn, progress)


def check_read_models(conn: Connection, progress: Callable[[int], None] | None = None
                      ) -> list[Finding]:
    """Every row of ``cases``, ``deadlines``, ``persons``, ``actors`` and ``accounts``, and
    every batch of ``identity_records``, that differs from what the events and the ledger give
    (see the module's docstring), in table order. ``progress`` is told the number of cases
    checked so far."""
    findings = check_cases(conn, progress)
    entries, unreadable = _ledger_bodies(conn, (registry.KIND, "account_changed", _IMPORTED))
    findings.extend(unreadable)
    findings.extend(check_actors(conn, entries))
    findings.extend(check_accounts(conn, entries))
    findings.extend(check_identity(conn, entries))
    return findings


def _calendar(conn: Connection) -> list[tuple[date, str, datetime | None]]:
    return [(r["day"], r["scope"], r["recorded_at"]) for r in repo.closure_day_rows(conn)]


def calendars(days: list[tuple[date, str, datetime | None]], at: datetime) -> list[Closures]:
    """The closure calendars the handler may have read for a command at ``at``, the likeliest
    first: the days recorded by then, none (a command on a case without an order reads none),
    and every day recorded now (a command recorded with an earlier time than its recording);
    without repeats."""
    out: list[Closures] = []
    for c in (frozenset((d, s) for d, s, r in days if r is None or r <= at), frozenset(),
              frozenset((d, s) for d, s, _ in days)):
        if c not in out:
            out.append(c)
    return out


# -- cases, deadlines, persons -----------------------------------------------------------------

BATCH = 500  # cases per batch: a few queries each
_CASE_COLUMNS = ("person_id", "version", "opened_at", "updated_at", "location", "proceedings",
                 "custody", "holds", "status", "close_reason", "facility", "assigned_officer",
                 "office")
_DEADLINE_COLUMNS = ("started_at", "due_at", "fulfilled_at", "state", "escalation")
_PERSON_COLUMNS = ("family_name", "given_name", "birth_date", "nationalities", "languages",
                   "sex", "a_number", "created_at", "a_number_key", "name_key")
_INSTANTS = frozenset({"opened_at", "updated_at", "started_at", "due_at", "fulfilled_at",
                       "created_at", "at"})
_DAYS = frozenset({"birth_date"})


@dataclass(frozen=True)
class _Case:
    """A case's events, folded: its state, its opening event and the time of its last."""

    state: CaseState
    opened: Event
    at: datetime


def check_cases(conn: Connection, progress: Callable[[int], None] | None = None
                ) -> list[Finding]:
    """``cases``, ``deadlines`` and ``persons`` against the events, a batch of cases at a time."""
    days = _calendar(conn)
    out: list[Finding] = []
    persons_seen: set[str] = set()
    done = 0
    for after, upto, n in _batches(conn):
        out.extend(_check_batch(conn, after, upto, days, persons_seen))
        done += n
        if progress is not None:
            progress(done)
    out.extend(Finding("persons", p, "extra", note="no case_opened event gives this person")
               for p in conn.execute(select(persons.c.id).order_by(persons.c.id)).scalars()
               if p not in persons_seen)
    return out


def _batches(conn: Connection) -> Iterator[tuple[str | None, str | None, int]]:
    """Ranges of case ids (after, up to and including; None: unbounded) that cover every case
    id, each holding about ``BATCH`` cases' first events; with the number of cases in each."""
    after: str | None = None
    while True:
        q = select(events.c.case_id).where(events.c.seq == 1).order_by(events.c.case_id)
        if after is not None:
            q = q.where(events.c.case_id > after)
        ids = conn.execute(q.limit(BATCH)).scalars().all()
        if len(ids) < BATCH:
            yield after, None, len(ids)
            return
        yield after, ids[-1], len(ids)
        after = ids[-1]


def _in(col: Any, after: str | None, upto: str | None) -> list[Any]:
    return ([col > after] if after is not None else []) + ([col <= upto] if upto is not None
                                                          else [])


def _raw(t: Any) -> list[Any]:
    """A table's columns, times and days as the driver returns them (checked here: a garbled
    stored value must be reported, not stop the check)."""
    return [type_coerce(c, String).label(c.name) if c.name in _INSTANTS | _DAYS else c
            for c in t.c]


def _check_batch(conn: Connection, after: str | None, upto: str | None,
                 days: list[tuple[date, str, datetime | None]], persons_seen: set[str]
                 ) -> list[Finding]:
    history = {h.case_id: h for h in histories(conn, after=after, upto=upto)}
    stored_cases = {r.id: r._mapping for r in conn.execute(
        select(*_raw(cases)).where(*_in(cases.c.id, after, upto)))}
    stored_deadlines: dict[str, dict[str, Any]] = {}
    for r in conn.execute(select(*_raw(deadlines)).where(*_in(deadlines.c.case_id, after, upto))):
        stored_deadlines.setdefault(r.case_id, {})[r.deadline_id] = r._mapping
    out: list[Finding] = []
    people: dict[str, dict[str, Any]] = {}
    for case_id, h in history.items():
        try:
            c = _fold(h)
            found = _closest(c, days, stored_cases.get(case_id),
                             stored_deadlines.get(case_id, {}))
            people[str(c.opened.data["person_id"])] = _person(c.opened)
        except Exception as e:  # a damaged history is named, and the check goes on
            out.append(Finding("events", case_id, "unreadable",
                               note=f"its events do not fold: {type(e).__name__}: {e}"))
            continue
        out.extend(found)
    out.extend(Finding("cases", k, "extra") for k in stored_cases if k not in history)
    out.extend(Finding("deadlines", f"{k} {d}", "extra") for k, ds in stored_deadlines.items()
               if k not in history for d in ds)
    out.extend(_check_persons(conn, people))
    persons_seen.update(_person_ids(history))
    return out


def _fold(h: History) -> _Case:
    if h.damage:
        raise ValueError(h.damage)
    if h.events[0].kind != "case_opened":
        raise ValueError(f"the first event is {h.events[0].kind!r}, not case_opened")
    return _Case(fold(h.case_id, h.events), h.events[0], h.events[-1].at)


def _person_ids(history: dict[str, History]) -> Iterator[str]:
    """The person ids the batch's opening events name, also where a history does not fold."""
    for h in history.values():
        if h.events and "person_id" in h.events[0].data:
            yield str(h.events[0].data["person_id"])


def _closest(c: _Case, days: list[tuple[date, str, datetime | None]],
             case: Any, stored: dict[str, Any]) -> list[Finding]:
    """The differences from the derivation closest to the stored rows, the likeliest on a tie
    (the closure calendar matters only to a case with an order)."""
    best: list[Finding] | None = None
    for closures in (calendars(days, c.at) if c.state.order is not None and days
                     else [frozenset()]):
        found = _compare_case(c, closures, case, stored)
        if best is None or len(found) < len(best):
            best = found
        if not best:
            break
    return best or []


def _compare_case(c: _Case, closures: Closures, case: Any, stored: dict[str, Any]
                  ) -> list[Finding]:
    """The case's row and deadline rows as the handler writes them after its last event."""
    s, at, case_id = c.state, c.at, c.state.case_id
    f = s.facets(at, appeal_deadline(s, closures))
    derived = {"person_id": s.person_id, "version": s.version, "opened_at": c.opened.at,
               "updated_at": at, "location": c.opened.data.get("location", ""),
               "proceedings": f.proceedings, "custody": f.custody,
               "holds": ",".join(sorted(f.holds)), "status": f.status,
               "close_reason": f.close_reason, "facility": s.facility,
               "assigned_officer": s.assigned_officer, "office": s.office}
    out = (_differences("cases", case_id, _CASE_COLUMNS, case, derived) if case is not None
           else [Finding("cases", case_id, "missing")])
    clocks = {r["deadline_id"]: r
              for r in deadline_rows(case_id, compute_deadlines(s, at, closures))}
    for d, row in clocks.items():
        key = f"{case_id} {d}"
        out.extend(_differences("deadlines", key, _DEADLINE_COLUMNS, stored[d], row)
                   if d in stored else [Finding("deadlines", key, "missing")])
    out.extend(Finding("deadlines", f"{case_id} {d}", "extra") for d in stored if d not in clocks)
    return out


def _person(opened: Event) -> dict[str, Any]:
    """The ``persons`` row the opening event gives (``insert_person``), as of its time."""
    p = opened.data["person"] or {}
    born = p.get("birth_date")
    family, given, a_number = p.get("family_name", ""), p.get("given_name", ""), \
        p.get("a_number", "")
    day = _day(born) if born else None
    return {"family_name": family, "given_name": given, "birth_date": day,
            "nationalities": ",".join(p.get("nationalities") or ()),
            "languages": ",".join(p.get("languages") or ()), "sex": p.get("sex", ""),
            "a_number": a_number, "created_at": opened.at,
            # the keys the same person's other cases are found by (REVOKE, PROT-CTRY)
            "a_number_key": a_number_key(str(a_number or "")),
            "name_key": name_key(str(family or ""), str(given or ""),
                                 day if isinstance(day, date) else None)}


def _check_persons(conn: Connection, people: dict[str, dict[str, Any]]) -> list[Finding]:
    """The ``persons`` rows of a batch's cases against ``people`` (person id -> derived row)."""
    stored = {r.id: r._mapping for r in conn.execute(
        select(*_raw(persons)).where(persons.c.id.in_(list(people))))} if people else {}
    return [f for pid, derived in people.items()
            for f in (_differences("persons", pid, _PERSON_COLUMNS, stored[pid], derived)
                      if pid in stored else [Finding("persons", pid, "missing")])]


def _differences(name: str, key: str, columns: tuple[str, ...], row: Any,
                 derived: dict[str, Any]) -> list[Finding]:
    out = []
    for col in columns:
        value = _instant(row[col]) if col in _INSTANTS else (
            _day(row[col]) if col in _DAYS else row[col])
        if value != derived[col]:
            out.append(Finding(name, key, "differs", col, value, derived[col]))
    return out


def _instant(value: Any) -> Any:
    """A stored instant as a UTC datetime: PostgreSQL gives one, SQLite the text SQLAlchemy
    wrote. Anything else is returned as it is (and then differs)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def _day(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _ledger_bodies(conn: Connection, kinds: tuple[str, ...]
                   ) -> tuple[list[tuple[str, dict[str, Any]]], list[Finding]]:
    """(kind, body) of every entry of ``kinds``, in ledger order, then those still queued (on
    PostgreSQL the sequencer integrates queued entries after their commit); and a finding for
    each body that is not a JSON object."""
    rows: list[tuple[str, str, Any]] = [
        (str(r.seq), r.kind, r.body) for r in conn.execute(
            select(ledger.c.seq, ledger.c.kind, ledger.c.body)
            .where(ledger.c.kind.in_(kinds)).order_by(ledger.c.seq))]
    rows += [(f"queued {r.id}", r.kind, r.body) for r in conn.execute(
        select(ledger_queue.c.id, ledger_queue.c.kind, ledger_queue.c.body)
        .where(ledger_queue.c.kind.in_(kinds)).order_by(ledger_queue.c.id))]
    out: list[tuple[str, dict[str, Any]]] = []
    bad: list[Finding] = []
    for where, kind, body in rows:
        try:
            parsed = json.loads(body)
        except (TypeError, ValueError):
            parsed = None
        if isinstance(parsed, dict):
            out.append((kind, parsed))
        else:
            bad.append(Finding("ledger", f"entry {where}", "unreadable", "body",
                               note=f"the body of a {kind} entry is not a JSON object"))
    return out, bad


# -- actors ------------------------------------------------------------------------------------

_LEGACY = "registered before registrations were ledgered, or written directly"


def check_actors(conn: Connection, entries: Iterable[tuple[str, dict[str, Any]]]
                 ) -> list[Finding]:
    """``actors`` against the latest ``actor_registered`` entry of each actor (or, for an actor
    never registered so, the role and clients its account's entries record)."""
    registered: dict[str, dict[str, Any]] = {}
    by_account: dict[str, dict[str, Any]] = {}
    for kind, body in entries:
        if kind == registry.KIND:
            registered[str(body.get("actor_id"))] = body
        elif body.get("change") in ("account_created", "account_updated"):
            by_account[f"u-{body.get('username')}"] = body
    out: list[Finding] = []
    stored = {r.id: r for r in conn.execute(select(actors).order_by(actors.c.id))}
    for actor_id, row in stored.items():
        if actor_id in registered:
            out.extend(_actor_differences(row, registered[actor_id], ("role", "name", "clients")))
        elif actor_id in by_account:
            out.extend(_actor_differences(row, by_account[actor_id], ("role", "clients")))
        else:
            out.append(Finding("actors", actor_id, "unrecorded", note=_LEGACY))
    out.extend(Finding("actors", a, "missing") for a in sorted(registered) if a not in stored)
    return out


def _actor_differences(row: Any, body: dict[str, Any], columns: tuple[str, ...]
                       ) -> Iterator[Finding]:
    for col in columns:
        derived = body.get(col)
        if col == "clients":  # stored comma-separated
            derived = ",".join(str(c) for c in derived or ())
        if getattr(row, col) != derived:
            yield Finding("actors", row.id, "differs", col, getattr(row, col), derived)


# -- accounts ----------------------------------------------------------------------------------

def _account_states(entries: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Each account as its ``account_changed`` entries give it: whether it was created, and
    its ``office``, ``active`` and ``oidc_subject`` when an entry says."""
    states: dict[str, dict[str, Any]] = {}
    for kind, body in entries:
        if kind != "account_changed":
            continue
        s = states.setdefault(str(body.get("username")), {})
        change = body.get("change")
        if change == "account_created":
            s.update(created=True, office=body.get("office", ""), active=1)
            if "email" in body:  # recorded since issue 17
                s["email"] = body["email"]
        elif change == "account_updated":
            if "email" in body:
                s["email"] = body["email"]
            for col in ("office", "active"):
                if body.get(col) is not None:
                    s[col] = int(body[col]) if col == "active" else body[col]
        elif change == "oidc_bound":
            s["oidc_subject"] = body.get("oidc_subject")
    return states


def check_accounts(conn: Connection, entries: Iterable[tuple[str, dict[str, Any]]]
                   ) -> list[Finding]:
    """``accounts`` (existence, office, active, the OpenID Connect subject) against the
    account's ledger entries."""
    states = _account_states(entries)
    out: list[Finding] = []
    rows = conn.execute(select(accounts.c.username, accounts.c.office, accounts.c.active,
                               accounts.c.oidc_subject, accounts.c.email)
                        .order_by(accounts.c.username)).all()
    for r in rows:
        s = states.get(r.username, {})
        if not s.get("created"):
            out.append(Finding("accounts", r.username, "unrecorded",
                               note="no account_created entry: written directly"))
            continue
        for col in ("office", "active", "email"):  # email: where reminders go
            if col in s and getattr(r, col) != s[col]:
                out.append(Finding("accounts", r.username, "differs", col, getattr(r, col),
                                   s[col]))
        out.extend(_subject_finding(r.username, r.oidc_subject, s))
    names = {r.username for r in rows}
    out.extend(Finding("accounts", u, "missing") for u, s in sorted(states.items())
               if s.get("created") and u not in names)
    return out


def _subject_finding(username: str, stored: str | None, s: dict[str, Any]
                     ) -> Iterator[Finding]:
    if "oidc_subject" not in s:
        if stored:
            yield Finding("accounts", username, "unrecorded", "oidc_subject", stored,
                          note=f"bound to {stored!r} with no binding in the ledger: bound "
                               "before bindings were ledgered, or written directly")
    elif stored != s["oidc_subject"]:
        yield Finding("accounts", username, "differs", "oidc_subject", stored,
                      s["oidc_subject"])


# -- identity records --------------------------------------------------------------------------

_IMPORTED = "identity_records_imported"
_DIGEST = "records_sha256"
_CHANGED = "the stored records differ from the ones imported (added, removed or changed)"


def check_identity(conn: Connection, entries: Iterable[tuple[str, dict[str, Any]]]
                   ) -> list[Finding]:
    """Each batch of ``identity_records`` against the digest of its records that its latest
    ``identity_records_imported`` entry records; a finding per batch, keyed by the batch."""
    imported = {str(body.get("batch")): body for kind, body in entries if kind == _IMPORTED}
    stored = {str(b) for b in conn.execute(select(identity_records.c.batch).distinct()).scalars()}
    out: list[Finding] = []
    for batch in sorted(stored | set(imported)):
        body = imported.get(batch)
        if body is None:
            out.append(Finding("identity_records", batch, "extra",
                               note=f"no {_IMPORTED} entry records this batch"))
        elif _DIGEST not in body:
            out.append(Finding("identity_records", batch, "unrecorded", _DIGEST,
                               note="imported before the ledger recorded a digest of a "
                                    "batch's records"))
        elif (digest := _batch_digest(conn, batch)) != body[_DIGEST]:
            out.append(Finding("identity_records", batch, "differs", _DIGEST, digest,
                               body[_DIGEST], note=_CHANGED))
    return out


def _batch_digest(conn: Connection, batch: str) -> str:
    """``records_sha256`` of the batch's rows as stored (every column but the row id)."""
    from .identity import records_sha256  # the writer's digest (its import is heavy)

    t = identity_records
    cols = [type_coerce(c, String).label(c.name) if c.name in ("birth_date", "imported_at")
            else c for c in t.c if c.name != "id"]
    rows = [{k: _plain(k, v) for k, v in r._mapping.items()}
            for r in conn.execute(select(*cols).where(t.c.batch == batch))]
    rows.sort(key=lambda row: (str(row["source"]), str(row["record_id"])))
    return records_sha256(rows)


def _plain(column: str, value: Any) -> str | None:
    """A stored value of ``identity_records`` as the import hashed it: the birth date an ISO day
    (SQLite keeps the text), ``imported_at`` as the ledger writes times; anything but text as
    its ``repr`` (and then the digest differs)."""
    if column == "birth_date" and isinstance(value, date):
        return value.isoformat()
    if column == "imported_at" and isinstance(instant := _instant(value), datetime):
        return iso(instant)
    return value if value is None or isinstance(value, str) else repr(value)


# -- reading a damaged SQLite file ------------------------------------------------------------

@contextmanager
def _undecodable_text_is_read(conn: Connection) -> Iterator[None]:
    """Let SQLite hand back text that is not valid UTF-8 instead of failing the whole check; the
    value then differs from the derived one and its row is named."""
    dbapi = conn.connection.dbapi_connection
    if conn.dialect.name != "sqlite" or dbapi is None:
        yield
        return
    before = dbapi.text_factory
    dbapi.text_factory = lambda raw: raw.decode("utf-8", "surrogateescape")
    try:
        yield
    finally:
        dbapi.text_factory = before

