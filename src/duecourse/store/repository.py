"""Reading and writing rows. Only the app's handlers and queries call this module. The store
knows the domain, never the law (an import-linter contract): rows come to it as plain values."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    Connection,
    bindparam,
    delete,
    insert,
    or_,
    select,
    update,
)

from ..domain.case import CaseState, Facets, fold
from ..domain.commands import Actor
from ..domain.events import Event
from ..domain.person import PersonData, a_number_key, name_key
from .event_reader import case_events
from .tables import (
    actors,
    case_protections,
    case_stays,
    cases,
    commands,
    deadlines,
    events,
    persons,
)
from .tables import (
    closure_days as closure_days_table,
)

# The write path's statements are built once: building a statement costs SQLAlchemy several
# times what executing it does, and a prebuilt one hits the compiled cache (bench/commands.py).
_INSERT_EVENTS = insert(events).inline()  # no RETURNING of the new ids: nothing reads them
_INSERT_PERSON = insert(persons)
_INSERT_CASE = insert(cases)
_CASE_READ_MODEL: dict[str, BindParameter[Any]] = {
    "updated_at": bindparam("b_at"), "proceedings": bindparam("b_proceedings"),
    "custody": bindparam("b_custody"), "holds": bindparam("b_holds"),
    "status": bindparam("b_status"), "close_reason": bindparam("b_close_reason"),
    "facility": bindparam("b_facility"), "assigned_officer": bindparam("b_assigned_officer"),
    "office": bindparam("b_office"),
}
_UPDATE_CASE = update(cases).where(cases.c.id == bindparam("b_id")).values(**_CASE_READ_MODEL)
_ADVANCE_CASE = (update(cases)
                 .where(cases.c.id == bindparam("b_id"), cases.c.version == bindparam("b_expected"))
                 .values(version=bindparam("b_version"), **_CASE_READ_MODEL))
_DELETE_DEADLINES = delete(deadlines).where(deadlines.c.case_id == bindparam("b_case_id"))
_INSERT_DEADLINES = insert(deadlines)
_DELETE_DEADLINE = delete(deadlines).where(deadlines.c.case_id == bindparam("b_case_id"),
                                           deadlines.c.deadline_id == bindparam("b_deadline_id"))
_UPDATE_DEADLINE = (update(deadlines)
                    .where(deadlines.c.case_id == bindparam("b_case_id"),
                           deadlines.c.deadline_id == bindparam("b_deadline_id"))
                    .values(started_at=bindparam("b_started_at"), due_at=bindparam("b_due_at"),
                            fulfilled_at=bindparam("b_fulfilled_at"), state=bindparam("b_state"),
                            escalation=bindparam("b_escalation")))
_CASE_VERSION = select(cases.c.version).where(cases.c.id == bindparam("b_id"))
_ACTOR_ROLE = select(actors.c.role).where(actors.c.id == bindparam("b_id"))
_STORED_OUTCOME = select(commands.c.outcome).where(commands.c.idempotency_key == bindparam("b_key"))


# A case's events are read by the store's one event reader (event_reader.py).
load_events = case_events


def load_case(conn: Connection, case_id: str) -> CaseState | None:
    evs = load_events(conn, case_id)
    return fold(case_id, evs) if evs else None


def insert_events(conn: Connection, evs: list[Event]) -> list[dict[str, Any]]:
    rows = [{"case_id": e.case_id, "seq": e.seq, "kind": e.kind, "at": e.at,
             "actor_id": e.actor_id, "actor_role": e.actor_role,
             "data": json.dumps(e.data, sort_keys=True, separators=(",", ":"),
                                ensure_ascii=False)}
            for e in evs]
    conn.execute(_INSERT_EVENTS, rows)
    return rows


def insert_person(conn: Connection, person_id: str, p: PersonData, at: datetime) -> None:
    conn.execute(_INSERT_PERSON, {
        "id": person_id, "family_name": p.family_name, "given_name": p.given_name,
        "birth_date": p.birth_date, "nationalities": ",".join(p.nationalities),
        "languages": ",".join(p.languages), "sex": p.sex, "a_number": p.a_number,
        "a_number_key": a_number_key(p.a_number),
        "name_key": name_key(p.family_name, p.given_name, p.birth_date), "created_at": at})


def insert_case(conn: Connection, s: CaseState, location: str, at: datetime,
                f: Facets | None = None) -> None:
    """The case's row at its first version, with its facets as of ``at`` when given (else
    none yet: ``save_case_row`` writes them)."""
    conn.execute(_INSERT_CASE, {
        "id": s.case_id, "person_id": s.person_id, "version": s.version, "opened_at": at,
        "updated_at": at, "location": location,
        "proceedings": f.proceedings if f else "none", "custody": f.custody if f else s.custody,
        "holds": ",".join(sorted(f.holds)) if f else "", "status": f.status if f else s.status,
        "close_reason": f.close_reason if f else "", "facility": s.facility if f else "",
        "assigned_officer": s.assigned_officer, "office": s.office})


def _case_values(s: CaseState, f: Facets, at: datetime) -> dict[str, Any]:
    return {"b_id": s.case_id, "b_at": at, "b_proceedings": f.proceedings,
            "b_custody": f.custody, "b_holds": ",".join(sorted(f.holds)), "b_status": f.status,
            "b_close_reason": f.close_reason, "b_facility": s.facility,
            "b_assigned_officer": s.assigned_officer, "b_office": s.office}


def advance_case(conn: Connection, s: CaseState, f: Facets, at: datetime, expected: int) -> bool:
    """Compare-and-swap the case row from version ``expected`` to ``s.version``, writing its
    facets in the same statement; False (nothing written) if the row is not at ``expected``."""
    res = conn.execute(_ADVANCE_CASE, {**_case_values(s, f, at), "b_expected": expected,
                                       "b_version": s.version})
    return res.rowcount == 1


def save_case_row(conn: Connection, s: CaseState, f: Facets, at: datetime) -> None:
    """The case's facets as of ``at`` (no version check: see ``advance_case`` for that)."""
    conn.execute(_UPDATE_CASE, _case_values(s, f, at))


def save_deadlines(conn: Connection, case_id: str, rows: list[dict[str, Any]]) -> None:
    """Replace the case's deadline rows with ``rows``."""
    conn.execute(_DELETE_DEADLINES, {"b_case_id": case_id})
    if rows:
        conn.execute(_INSERT_DEADLINES, rows)


def update_deadlines(conn: Connection, case_id: str, stored: list[dict[str, Any]],
                     rows: list[dict[str, Any]]) -> None:
    """Make the case's deadline rows ``rows`` when they are now ``stored``: only the rows that
    differ are written (usually one statement rather than a delete and an insert)."""
    old = {r["deadline_id"]: r for r in stored}
    new = {r["deadline_id"] for r in rows}
    gone = [{"b_case_id": case_id, "b_deadline_id": k} for k in old if k not in new]
    added = [r for r in rows if r["deadline_id"] not in old]
    changed = [{f"b_{k}": v for k, v in r.items()} for r in rows
               if r["deadline_id"] in old and old[r["deadline_id"]] != r]
    if gone:
        conn.execute(_DELETE_DEADLINE, gone)
    if changed:
        conn.execute(_UPDATE_DEADLINE, changed)
    if added:
        conn.execute(_INSERT_DEADLINES, added)


def case_version(conn: Connection, case_id: str) -> int:
    """The case's stored version (the case must exist)."""
    return int(conn.execute(_CASE_VERSION, {"b_id": case_id}).scalar_one())


def stored_outcome(conn: Connection, key: str) -> dict[str, Any] | None:
    row = conn.execute(_STORED_OUTCOME, {"b_key": key}).first()
    return json.loads(row.outcome) if row else None


def actor_role(conn: Connection, actor_id: str) -> str | None:
    row = conn.execute(_ACTOR_ROLE, {"b_id": actor_id}).first()
    return str(row.role) if row else None


def actor_roles(conn: Connection) -> dict[str, str]:
    """Who holds which role: every actor's id -> role."""
    return {str(r.id): str(r.role) for r in conn.execute(select(actors.c.id, actors.c.role))}


def role_lookup(conn: Connection) -> Callable[[str], str | None]:
    """Who acts in which role, as the law asks (approvers of exceptions, counsel): each actor
    looked up once, on ``conn``."""
    cache: dict[str, str | None] = {}

    def role_of(actor_id: str) -> str | None:
        if actor_id not in cache:
            cache[actor_id] = actor_role(conn, actor_id)
        return cache[actor_id]

    return role_of


def upsert_actor(conn: Connection, a: Actor) -> None:
    """Write an actor's row. Called only by app/actors.py, which ledgers each one in the same
    transaction (the guards and the queues read this table)."""
    conn.execute(delete(actors).where(actors.c.id == a.id))
    conn.execute(insert(actors).values(id=a.id, role=a.role, name=a.name,
                                       clients=",".join(a.clients)))


def get_actor(conn: Connection, actor_id: str) -> Actor | None:
    r = conn.execute(select(actors).where(actors.c.id == actor_id)).first()
    if r is None:
        return None
    return Actor(r.id, r.role, r.name, tuple(c for c in r.clients.split(",") if c))


def case_row(conn: Connection, case_id: str) -> dict[str, Any] | None:
    r = conn.execute(select(cases).where(cases.c.id == case_id)).first()
    return dict(r._mapping) if r else None


def person_row(conn: Connection, person_id: str) -> dict[str, Any] | None:
    r = conn.execute(select(persons).where(persons.c.id == person_id)).first()
    return dict(r._mapping) if r else None


# The legal calendar's closure days (LEGAL-DAY). Written only through app/calendar.py, which
# ledgers each one in the same transaction.
_CLOSURE_DAYS = select(closure_days_table.c.day, closure_days_table.c.scope)


def closure_days(conn: Connection) -> frozenset[tuple[date, str]]:
    """Every closure day as (day, scope): scope "ALL", "BIA" or an EOIR court's code."""
    return frozenset((r.day, r.scope) for r in conn.execute(_CLOSURE_DAYS))


def closure_day_rows(conn: Connection) -> list[dict[str, Any]]:
    """Every closure day with its reason, source and who recorded it, by day then scope."""
    q = select(closure_days_table).order_by(closure_days_table.c.day, closure_days_table.c.scope)
    return [dict(r._mapping) for r in conn.execute(q)]


def add_closure_day(conn: Connection, day: date, scope: str, reason: str, source: str,
                    actor_id: str, at: datetime) -> int:
    """Insert one closure day (the caller checks and ledgers it); its id. A second row for the
    same (day, scope) fails on the table's unique constraint."""
    res = conn.execute(insert(closure_days_table).values(
        day=day, scope=scope, reason=reason, source=source, recorded_by=actor_id,
        recorded_at=at))
    key = res.inserted_primary_key
    assert key is not None
    return int(key[0])


# A case's stays and protections (read models, issue 13 sections 4 and 5), replaced whole.
_STAY_DEFAULTS: dict[str, Any] = {"issued_by": "", "until_at": None, "lifted_at": None,
                                  "lift_pending": False}
_PROTECTION_COLUMNS = ("country", "source", "status", "since")
_DELETE_STAYS = delete(case_stays).where(case_stays.c.case_id == bindparam("b_case_id"))
_DELETE_PROTECTIONS = delete(case_protections).where(
    case_protections.c.case_id == bindparam("b_case_id"))
_INSERT_STAYS = insert(case_stays)
_INSERT_PROTECTIONS = insert(case_protections)


def save_case_records(conn: Connection, case_id: str,
                      stays_rows: Iterable[Mapping[str, Any]],
                      protection_rows: Iterable[Mapping[str, Any]]) -> None:
    """Replace the case's rows in ``case_stays`` and ``case_protections``.

    ``stays_rows``: one mapping per stay the case has ever had, with ``stay_id`` (its reference,
    at most 200 characters; legacy: its kind), ``kind``, ``start_at``, and optionally
    ``issued_by`` (default ""), ``until_at`` (None), ``lifted_at`` (None: set once a confirmed
    lift took effect) and ``lift_pending`` (False: True while a lift is recorded and awaits
    confirmation). ``protection_rows``: one per (country, source) with ``country`` (alpha-2),
    ``source`` ("order" or "fear"), ``status`` ("in_force", "pending", "no_fear", "withdrawn"
    or "terminated") and ``since``. Instants are timezone-aware. A ``case_id`` in a row is
    ignored (the argument is the case's)."""
    stays = [{"case_id": case_id, "stay_id": r["stay_id"], "kind": r["kind"],
              "start_at": r["start_at"], **{k: r.get(k, v) for k, v in _STAY_DEFAULTS.items()}}
             for r in stays_rows]
    protections = [{"case_id": case_id, **{k: r[k] for k in _PROTECTION_COLUMNS}}
                   for r in protection_rows]
    conn.execute(_DELETE_STAYS, {"b_case_id": case_id})
    conn.execute(_DELETE_PROTECTIONS, {"b_case_id": case_id})
    if stays:
        conn.execute(_INSERT_STAYS, stays)
    if protections:
        conn.execute(_INSERT_PROTECTIONS, protections)


def case_records(conn: Connection, case_id: str
                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The case's ``case_stays`` rows (by start, then id) and ``case_protections`` rows (by
    country, then source), as mappings of their columns."""
    stays = conn.execute(select(case_stays).where(case_stays.c.case_id == case_id)
                         .order_by(case_stays.c.start_at, case_stays.c.stay_id)).all()
    protections = conn.execute(
        select(case_protections).where(case_protections.c.case_id == case_id)
        .order_by(case_protections.c.country, case_protections.c.source)).all()
    return [dict(r._mapping) for r in stays], [dict(r._mapping) for r in protections]


def _person_keys(person: Mapping[str, Any]) -> dict[str, str | None]:
    """The bind values of ``_SAME_PERSON`` for a case's person (NULL, never "", when a key is
    unknown: an empty key matches nothing)."""
    born = person.get("birth_date")
    born_day = born if isinstance(born, date) else date.fromisoformat(str(born)) if born else None
    return {"b_a_key": a_number_key(str(person.get("a_number") or "")) or None,
            "b_name_key": name_key(str(person.get("family_name") or ""),
                                   str(person.get("given_name") or ""), born_day) or None}


# The same person: the same A-number (its digits), or the same names (case, spacing and Unicode
# form aside) and birth date.
_SAME_PERSON = or_(persons.c.a_number_key == bindparam("b_a_key"),
                   persons.c.name_key == bindparam("b_name_key"))


def related_protections(conn: Connection, case_id: str, person: Mapping[str, Any]
                        ) -> dict[str, str]:
    """Countries the same person is protected from in their OTHER cases (PROT-CTRY is the
    person's, for life, not one case's): the same A-number, or the same names and birth date.
    Country -> which case and why. An order or an established fear is in force; a fear claim
    still awaiting its screening counts too."""
    rows = conn.execute(_RELATED_PROTECTIONS, {"b_case_id": case_id, **_person_keys(person)})
    out: dict[str, str] = {}
    for r in rows:
        why = ("a withholding or CAT order" if r.source == "order" else
               "a fear found established" if r.status == "in_force" else "a fear claim pending")
        out.setdefault(r.country, f"{why} in the person's case {r.case_id}")
    return out


_RELATED_PROTECTIONS = (
    select(case_protections.c.case_id, case_protections.c.country, case_protections.c.source,
           case_protections.c.status)
    .join(cases, cases.c.id == case_protections.c.case_id)
    .join(persons, persons.c.id == cases.c.person_id)
    .where(_SAME_PERSON,
           case_protections.c.case_id != bindparam("b_case_id"),
           case_protections.c.status.in_(("in_force", "pending"))))


def person_cases_elsewhere(conn: Connection, case_id: str, person: Mapping[str, Any]
                           ) -> dict[str, CaseState]:
    """The same person's OTHER cases (the same A-number, or the same names and birth date, as in
    ``related_protections``), open or closed: case id -> its state. Whether a release there
    was made after a final order (REVOKE), or the person was held there at a command's time
    (one custody at a time), is the law's to say."""
    ids = conn.execute(_PERSON_CASES_ELSEWHERE, {"b_case_id": case_id, **_person_keys(person)}
                       ).scalars().all()
    out: dict[str, CaseState] = {}
    for other in ids:
        state = load_case(conn, other)
        if state is not None:
            out[other] = state
    return out


_PERSON_CASES_ELSEWHERE = (
    select(cases.c.id)
    .join(persons, persons.c.id == cases.c.person_id)
    .where(_SAME_PERSON, cases.c.id != bindparam("b_case_id"))
    .order_by(cases.c.id))
