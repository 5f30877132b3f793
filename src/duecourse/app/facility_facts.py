"""What the store knows that the law asks of a ``place`` or ``transfer`` (law/facility_rules.py):
the named facility in the facility catalogue, the people detained there now, the facility the
person is in, and the person's attorneys of record. Read by the handler, in its transaction,
before the law is asked; the guards stay pure."""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

from sqlalchemy import Connection, func, select

from ..domain.case import CaseState
from ..domain.commands import Place, Transfer
from ..law.facility_rules import FacilityFacts, name_key, resolve
from ..store.tables import actors, cases


class Placing(NamedTuple):
    """The facts for the guards, the command with the facility as the catalogue knows it (its
    code; its kind when none was given), and what the event records beside the command."""

    facts: FacilityFacts
    command: Place | Transfer
    event_data: dict[str, Any]


def facility_facts(conn: Connection, case_id: str, state: CaseState,
                   cmd: Place | Transfer) -> Placing:
    from .catalogue import get_catalogue  # the store's adapter (no cycle)

    catalogue = list(get_catalogue(conn))
    f = resolve(catalogue, cmd.facility)
    current = resolve(catalogue, state.facility) if state.facility else None
    occupancy = 0
    if f is not None:
        names = [f.code.strip().upper(), f.name.strip().upper()]
        occupancy = int(conn.execute(
            select(func.count()).select_from(cases).where(
                cases.c.custody == "detained", cases.c.id != case_id,
                func.upper(func.trim(cases.c.facility)).in_(names))).scalar_one())
    person = state.person_id
    attorneys = tuple(sorted(
        r.id for r in conn.execute(select(actors.c.id, actors.c.clients).where(
            actors.c.role == "attorney")).all()
        if person and person in (r.clients or "").split(",")))
    normalised: Place | Transfer = cmd
    if f is not None:
        kind: str = cmd.facility_type
        if not kind or (kind == "adult" and f.kind == "staging"):
            kind = f.kind
        normalised = dataclasses.replace(cmd, facility=f.code, facility_type=kind)  # type: ignore[arg-type]
        over: bool | None = bool(f.over_72h)
    else:
        normalised = dataclasses.replace(cmd, facility=" ".join(cmd.facility.split()))
        over = False if cmd.facility_type == "hold_room" else None
    # A name several facilities of the catalogue bear resolves to none of them: never to a
    # place outside the catalogue (a "hospital") either.
    key = name_key(cmd.facility)
    matches = tuple(x.code for x in catalogue
                    if name_key(x.name) == key) if f is None and key else ()
    facts = FacilityFacts(cmd.facility, f, occupancy, current, attorneys, matches)
    return Placing(facts, normalised, {"facility_over_72h": over,
                                       "facility_kind": f.kind if f is not None else ""})
