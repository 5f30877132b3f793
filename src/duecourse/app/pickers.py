"""The choices a case page's forms offer from the agency's own reference data: the people a field
may name (a supervisor who approves, the officer who requested a warrant, the agency attorney who
signs off) and the facilities of the catalogue with a unit for this person.

Staff accounts and the catalogue are not personal data of the person whose case it is, so these
reads are not ledgered; the case itself is read (and ledgered) by ``get_case_view``."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import select

from ..domain.case import CaseState
from ..domain.commands import Actor
from ..placement.problem import Facility
from ..store.tables import accounts, actors
from .catalogue import get_catalogue
from .context import AppContext


@dataclass(frozen=True)
class NamedBy:
    """Who a field that names a person may name: the roles that may act in it, and whether the
    one giving the command is left out (the law wants a second person)."""

    roles: tuple[str, ...]
    another_person: bool = True


# A field naming another person, by its name in the commands: one line per field.
PEOPLE_FIELDS: dict[str, NamedBy] = {
    "requested_by": NamedBy(("officer", "supervisor")),  # ARR-1: never the signer
    "exception_approved_by": NamedBy(("supervisor",)),
    "location_approved_by": NamedBy(("supervisor",)),  # SENS-LOC
    "approved_by": NamedBy(("supervisor",)),  # XFER
    "opla_signoff": NamedBy(("counsel",)),  # PRE-ORDER
    "counsel": NamedBy(("counsel",)),  # USC: the agency attorney consulted
    "to_officer": NamedBy(("officer", "supervisor"), another_person=False),  # hand-over
}

FACILITY_FIELDS = frozenset({"facility"})
# Catalogue kinds an adult is placed in (a child goes to ORR or a licensed programme).
ADULT_KINDS = frozenset({"adult", "staging", "hold_room", "hospital", "family"})


@dataclass(frozen=True)
class FormChoices:
    """The options of the picker fields, by field name: (value sent, what is shown)."""

    options: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def get_form_choices(ctx: AppContext, actor: Actor, state: CaseState, sex: str,
                     field_names: Collection[str]) -> FormChoices:
    """The options of the fields among ``field_names`` that pick a person or a facility, for
    ``actor`` acting on the case in ``state`` (whose person's sex is ``sex``)."""
    wanted = {n: PEOPLE_FIELDS[n] for n in field_names if n in PEOPLE_FIELDS}
    options: dict[str, list[tuple[str, str]]] = {}
    with ctx.engine.connect() as conn:
        if wanted:
            roles = sorted({r for w in wanted.values() for r in w.roles})
            rows = conn.execute(
                select(actors.c.id, actors.c.role, actors.c.name, accounts.c.username)
                .join(accounts, accounts.c.actor_id == actors.c.id)
                .where(actors.c.role.in_(roles), accounts.c.active == 1)
                .order_by(actors.c.name, accounts.c.username)).all()
            for name, who in wanted.items():
                options[name] = [
                    (r.id, _shown(r.name or r.username, r.username, r.role)) for r in rows
                    if r.role in who.roles and not (who.another_person and r.id == actor.id)]
        if FACILITY_FIELDS & set(field_names):
            sites = [f for f in get_catalogue(conn) if fits(f, sex, state.classification)]
            for name in FACILITY_FIELDS & set(field_names):
                options[name] = [(f.code, f"{f.name} ({f.code})") for f in sites
                                 if f.code != state.facility]
    return FormChoices(options)


def _shown(name: str, username: str, role: str) -> str:
    """A person as a picker shows them: their name, their user name if it differs, their role."""
    return f"{name} ({role})" if name in ("", username) else f"{name} ({username}, {role})"


def fits(facility: Facility, sex: str, classification: str) -> bool:
    """Whether ``facility`` has beds in a housing unit this person may occupy (placement's
    units: M-low, M-high, F-low, F-high, family); a person whose sex or classification is not
    recorded fits any unit of the facility that could be theirs."""
    if facility.kind not in ADULT_KINDS or facility.capacity <= 0:
        return False
    sexes = [sex] if sex in ("M", "F") else ["M", "F"]
    levels = (["low"] if classification in ("A", "B") else ["high"]
              if classification in ("C", "D") else ["low", "high"])
    units = [f"{s}-{lv}" for s in sexes for lv in levels] + ["family"]
    if not any(facility.units.values()):
        return True  # a facility whose units are not recorded (a hold room): its capacity counts
    return any(facility.beds(u) > 0 for u in units)
