"""`duecourse manifest`: removal transport manifests for one departure day.

The plan is advice for a transport officer; it issues no command. The plan is read by
``app/transport.py`` (as are the API's and the page's): reading the cases is a read of personal
data, which passes the ``access_transport_manifest`` funnel for the reader (``--user``, in the
role ``--as`` names, cli_reader.py) and purpose (``transport_planning``) and is written to the
ledger with the case numbers read, in the same transaction, like every list of cases that shows
names.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from .cli_reader import PurposeOpt, RoleOpt, UserOpt, named_reader
from .domain.commands import parse_date, parse_datetime
from .domain.errors import InvalidInput

if TYPE_CHECKING:
    from .placement.manifest import Excluded, Manifest

def _iso(t: datetime | None) -> str | None:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z") if t is not None else None


def _window(d: date, depart: str, hours: int) -> tuple[datetime, datetime]:
    from .app.transport import departure_window

    try:
        clock = time.fromisoformat(depart)
    except ValueError:
        raise InvalidInput("--depart", f"'{depart}' is not a time of day (HH:MM, UTC)") from None
    if clock.utcoffset() not in (None, timedelta(0)):
        raise InvalidInput("--depart", f"'{depart}' is not in UTC; write the time in UTC")
    return departure_window(d, clock, hours)


def as_json(manifests: list[Manifest], excluded: list[Excluded], names: dict[str, str],
            day: date, at: datetime) -> dict[str, Any]:
    return {
        "date": day.isoformat(),
        "planned_at": _iso(at),
        "advice": "a plan for a transport officer; no command was issued",
        "manifests": [{
            "transport": m.transport.id, "mode": m.transport.mode,
            "destinations": list(m.transport.destinations), "seats": m.transport.seats,
            "seats_used": m.seats_used, "staging": m.transport.staging,
            "depart_at": _iso(m.transport.depart_at), "window_end": _iso(m.transport.window_end),
            "people": [{"case": e.case_id, "person": e.person_id, "name": names.get(e.case_id, ""),
                        "destination": e.destination, "final_at": _iso(e.final_at),
                        "in_custody_since": _iso(e.in_custody_since)} for e in m.people],
        } for m in manifests],
        "excluded": [{
            "case": x.case_id, "person": x.person_id, "name": names.get(x.case_id, ""),
            "kind": x.kind, "rule_ids": list(x.rule_ids),
            "refusals": [r.as_dict() for r in x.refusals],
            "reasons": list(x.reasons),
        } for x in excluded],
    }


def print_tables(console: Console, manifests: list[Manifest], excluded: list[Excluded],
                 names: dict[str, str], day: date) -> None:
    t = Table(title=f"Removal transports departing {day.isoformat()} (advice; no command issued)")
    for col in ("transport", "mode", "destination", "seats used/seats", "staging",
                "departure window (UTC)", "people"):
        t.add_column(col, overflow="fold")
    for m in manifests:
        tr = m.transport
        t.add_row(tr.id, tr.mode, ", ".join(tr.destinations), f"{m.seats_used}/{tr.seats}",
                  tr.staging or "-",
                  f"{tr.depart_at:%Y-%m-%d %H:%M} – {tr.window_end:%Y-%m-%d %H:%M}",
                  "\n".join(f"{e.case_id} {names.get(e.case_id, '')}" for e in m.people))
    console.print(t)
    if not manifests:
        console.print("No one can be seated on a transport that day.")
    if excluded:
        x = Table(title="Not on a manifest")
        for col in ("case", "person", "rule ids", "why"):
            x.add_column(col, overflow="fold")
        for e in excluded:
            why = [f"{r.rule_id}: {r.reason}" for r in e.refusals] or list(e.reasons)
            x.add_row(e.case_id, names.get(e.case_id, ""), ", ".join(e.rule_ids) or "-",
                      "\n".join(why))
        console.print(x)


def manifest(
    user: UserOpt,
    role: RoleOpt,
    day: Annotated[str, typer.Option("--date", help="Departure day (YYYY-MM-DD, UTC).")],
    db: Annotated[str | None, typer.Option("--db", help="Database URL (default: DUECOURSE_DB "
                                           "or the configured SQLite file).")] = None,
    seats: Annotated[int | None, typer.Option(
        min=1, help="Seats on each transport (default: 135 by air, 45 by ground).")] = None,
    transports: Annotated[int | None, typer.Option(
        min=1, help="At most this many transports per destination and staging facility "
                    "(default: as many as needed).")] = None,
    depart: Annotated[str, typer.Option(help="Departure time that day (HH:MM, UTC).")] = "08:00",
    window: Annotated[int, typer.Option(min=0, max=24, help="Hours the departure window "
                                        "stays open.")] = 12,
    purpose: PurposeOpt = None,
    at: Annotated[str | None, typer.Option(help="Plan as of this time (ISO, UTC; default "
                                           "now).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Removal transport manifests for a departure day: everyone with a final order whom no
    removal guard refuses, grouped by destination and staging facility into transports with
    seats; everyone else with the rule ids that refuse them. Advice only: no command is issued."""
    from .app.access import TRANSPORT_PURPOSES, AccessDenied
    from .app.transport import check_window_open, get_manifest_plan
    from .cli_store import open_store
    from .placement.manifest import DEFAULT_AIR_SEATS, DEFAULT_GROUND_SEATS, CapacityRules

    d = parse_date(day, "--date")
    when = parse_datetime(at, "--at") if at else datetime.now(UTC)
    start, end = _window(d, depart, window)
    rules = CapacityRules(start, end, air_seats=seats or DEFAULT_AIR_SEATS,
                          ground_seats=seats or DEFAULT_GROUND_SEATS, max_per_group=transports)
    check_window_open(d, rules, when, "--date")  # before the store is opened
    app = open_store(db)
    actor, why = named_reader(app, user, role, purpose, TRANSPORT_PURPOSES)
    try:
        plan = get_manifest_plan(app.ctx, actor, why, d, rules, when, field="--date")
    except AccessDenied as e:
        Console(stderr=True).print(f"[red]refused:[/] {e}", highlight=False)
        raise typer.Exit(2) from None
    if json_out:
        print(json.dumps(as_json(plan.manifests, plan.excluded, plan.names, d, when),
                         sort_keys=True, ensure_ascii=False))
        return
    # A console made now, not at import, so that it measures the terminal it prints to.
    print_tables(Console(), plan.manifests, plan.excluded, plan.names, d)
