"""Removal transport manifests from the store (issue 5): who may board which flight or ground
transport on a departure day, and who may not, with the rules that keep them off.

``get_manifest_plan`` reads every open case of a detained person with a removal order, folded
from its events, and hands them to the pure planner (``placement/manifest.py``), which asks the
law's removal guards about each person and groups the people it lets go by destination and
staging facility. The command line (``duecourse manifest``), the API
(``GET /api/v1/transport/manifests``) and the removal transport page (``/transport``) all read
the plan here.

The plan is advice. Nothing here gives a command: each removal is scheduled
(``schedule_removal``) and recorded (``record_removal``) by a named officer on the case, through
the one write path, where the law checks again.

The manifests name people, so reading them is a read of personal data: it passes
``access_transport_manifest`` and is written to the ledger, in the same transaction as the read,
as one ``read`` of record ``transport_manifest`` listing the case numbers read, with the reader,
their role and purpose. A refused read is ledgered as ``read_refused``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from ..domain.case import CaseState
from ..domain.commands import Actor
from ..domain.errors import InvalidInput
from ..placement.manifest import (
    DEFAULT_AIR_SEATS,
    DEFAULT_GROUND_SEATS,
    CapacityRules,
    Excluded,
    Manifest,
    Transport,
    candidate_from_state,
    plan_manifests,
)
from ..store import repository as repo
from ..store.tables import actors, cases
from . import ledger as L
from .access import AccessDenied, access_transport_manifest
from .context import AppContext
from .reads import refused_read

RECORD = "transport_manifest"  # what the ledger says was read
DEFAULT_DEPART = time(8, 0)  # UTC
DEFAULT_WINDOW_HOURS = 12
ADVICE = "a plan for a transport officer; no command was issued"


def departure_window(day: date, depart: time = DEFAULT_DEPART,
                     hours: int = DEFAULT_WINDOW_HOURS) -> tuple[datetime, datetime]:
    """The departure window of ``day``: from ``depart`` (UTC) for ``hours`` hours."""
    start = datetime.combine(day, depart.replace(tzinfo=None), tzinfo=UTC)
    return start, start + timedelta(hours=hours)


def capacity_rules(day: date, *, depart: time = DEFAULT_DEPART,
                   hours: int = DEFAULT_WINDOW_HOURS, seats: int | None = None,
                   max_per_group: int | None = None) -> CapacityRules:
    """Transports made to measure for ``day``: ``seats`` on every transport (default 135 by air,
    45 by ground), at most ``max_per_group`` per destination and staging facility."""
    start, end = departure_window(day, depart, hours)
    return CapacityRules(start, end, air_seats=seats or DEFAULT_AIR_SEATS,
                         ground_seats=seats or DEFAULT_GROUND_SEATS, max_per_group=max_per_group)


def next_departure_day(at: datetime, depart: time = DEFAULT_DEPART,
                       hours: int = DEFAULT_WINDOW_HOURS) -> date:
    """The first day whose departure window has not closed at ``at``: today, or tomorrow once
    today's window has closed."""
    today = at.astimezone(UTC).date()
    return today if at <= departure_window(today, depart, hours)[1] else today + timedelta(days=1)


def check_window_open(day: date, rules: CapacityRules | Sequence[Transport], at: datetime,
                      field: str = "date") -> None:
    """Refuse (InvalidInput naming ``field``) a plan for a departure window that has closed:
    nobody can be put on a transport that has left."""
    ends = ([rules.window_end] if isinstance(rules, CapacityRules)
            else [t.window_end for t in rules])
    if ends and at > max(ends):
        raise InvalidInput(field, f"the departure window on {day.isoformat()} has already closed")


def person_name(s: CaseState) -> str:
    p = s.person
    return f"{p.get('family_name', '')}, {p.get('given_name', '')}".strip(", ")


@dataclass(frozen=True)
class ManifestPlan:
    """The manifests of a departure day (advice), everyone not on one and why, and the names of
    the people read (by case id)."""

    day: date
    planned_at: datetime
    manifests: list[Manifest]
    excluded: list[Excluded]
    names: dict[str, str] = field(default_factory=dict)

    @property
    def seated(self) -> int:
        return sum(m.seats_used for m in self.manifests)

    def as_dict(self) -> dict[str, Any]:
        """The plan as the API gives it."""
        return {
            "date": self.day.isoformat(), "planned_at": self.planned_at, "advice": ADVICE,
            "manifests": [{
                "transport_id": m.transport.id, "mode": m.transport.mode,
                "destinations": list(m.transport.destinations), "seats": m.transport.seats,
                "seats_used": m.seats_used, "staging": m.transport.staging,
                "depart_at": m.transport.depart_at, "window_end": m.transport.window_end,
                "people": [{"case_id": e.case_id, "person_id": e.person_id,
                            "person_name": self.names.get(e.case_id, ""),
                            "destination": e.destination, "final_at": e.final_at,
                            "in_custody_since": e.in_custody_since} for e in m.people],
            } for m in self.manifests],
            "excluded": [{
                "case_id": x.case_id, "person_id": x.person_id,
                "person_name": self.names.get(x.case_id, ""), "kind": x.kind,
                "rule_ids": list(x.rule_ids), "refusals": [r.as_dict() for r in x.refusals],
                "reasons": list(x.reasons),
            } for x in self.excluded],
        }


def get_removal_candidates(
    ctx: AppContext, actor: Actor, purpose: str, at: datetime,
) -> tuple[list[CaseState], dict[str, str | None]]:
    """Every open case of a detained person with a removal order, folded from its events; and
    the roles of the named actors (the law may ask). Ledgered as one read, with its purpose."""
    read_at = ctx.clock()  # a read is ledgered when it happens; ``at`` is the plan's "as of"
    try:
        access_transport_manifest(actor, purpose)
    except AccessDenied as e:
        raise refused_read(ctx, actor, purpose, read_at, RECORD, e) from None
    q = (select(cases.c.id)
         .where(cases.c.status == "open", cases.c.custody == "detained",
                cases.c.proceedings.in_(("decided", "on_appeal", "final")))
         .order_by(cases.c.id))
    if actor.role == "attorney":  # never let through today; a list of theirs is their clients'
        q = q.where(cases.c.person_id.in_(actor.clients))
    with ctx.engine.begin() as conn:
        states = [s for s in (repo.load_case(conn, r.id) for r in conn.execute(q))
                  if s is not None and s.order_is_removal]
        roles: dict[str, str | None] = {
            r.id: r.role for r in conn.execute(select(actors.c.id, actors.c.role))}
        L.append(conn, [L.LedgerItem(
            "read", read_at, actor.id, actor.role, "",
            {"record": RECORD, "cases": [s.case_id for s in states],
             "as_of": at.astimezone(UTC).isoformat()}, purpose=purpose)],
            ctx.signing_key)
    return states, roles


def get_manifest_plan(
    ctx: AppContext, actor: Actor, purpose: str, day: date,
    rules: CapacityRules | Sequence[Transport], at: datetime | None = None, *,
    field: str = "date",
) -> ManifestPlan:
    """The removal transport manifests of ``day`` as of ``at`` (default now): everyone with a
    removal order whom no removal guard refuses, seated on transports by destination and staging
    facility; everyone else with the rule ids that refuse them. A window that has closed is
    refused (InvalidInput naming ``field``) before anything is read. Advice: no command."""
    at = at or ctx.clock()
    check_window_open(day, rules, at, field)
    states, roles = get_removal_candidates(ctx, actor, purpose, at)
    candidates = [c for c in map(candidate_from_state, states) if c is not None]
    manifests, excluded = plan_manifests(candidates, rules, at, role_of=roles.get)
    return ManifestPlan(day, at, manifests, excluded, {s.case_id: person_name(s) for s in states})
