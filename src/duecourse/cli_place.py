"""``duecourse place``: the day's detention placement plan from the store (issue 5); registered
in cli.py as a command of its own.

The plan is advice and this command gives none: a detention officer places each person with the
``place`` command (the placement board page offers it beside each planned person). Reading the
plan is a read of personal data, ledgered with the reader, their role and purpose, like
``duecourse case show``.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .cli_reader import PurposeOpt, RoleOpt, UserOpt, named_reader

DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (default: DUECOURSE_DB "
                                           "or the configured SQLite file).")]


def _day(value: str | None) -> date:
    from .domain.commands import parse_date

    if value is None:
        from datetime import UTC, datetime

        return datetime.now(UTC).date()
    result: date = parse_date(value, "--date")
    return result


def _terms(terms: dict[str, float]) -> str:
    shown = [f"{k.replace('_', ' ')} {v:,.0f}" for k, v in terms.items() if v]
    return ", ".join(shown) or "none"


def place(
    user: UserOpt,
    role: RoleOpt,
    day: Annotated[str | None, typer.Option("--date", help="The day to plan (YYYY-MM-DD; "
                                                           "default today, UTC).")] = None,
    db: DbOpt = None,
    purpose: PurposeOpt = None,
    time_limit: Annotated[float, typer.Option(help="Seconds the solver may take.")] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """The day's plan: the facility board, each planned placement with its reasons, the people
    the plan could not place (with the rule), and the people who need a person's decision.
    It gives no command."""
    from .app.access import PLACEMENT_PURPOSES
    from .app.placement import get_placement_plan
    from .cli_store import open_store

    a = open_store(db)
    actor, why = named_reader(a, user, role, purpose, PLACEMENT_PURPOSES)
    plan = get_placement_plan(a.ctx, _day(day), actor, why, time_limit_s=time_limit)
    data = plan.as_dict()
    if as_json:
        print(json.dumps(data, sort_keys=True))
        return
    _print(Console(), data)  # made here: its width is that of the terminal running the command


def _print(console: Console, data: dict[str, Any]) -> None:
    day = data["day"]
    board = Table(title=f"Facility board, {day} (people now and planned; capacity as the "
                        "catalogue gives it)")
    for col in ("facility", "kind", "capacity", "occupied", "planned", "free", "utilisation"):
        board.add_column(col, overflow="fold",
                         justify="left" if col in ("facility", "kind") else "right")
    shown = [f for f in data["facilities"] if f["occupied_total"] or f["planned_total"]]
    for f in shown:
        style = {"over capacity": "bold red", "full": "red", "busy": "yellow"}.get(f["load"], "")
        board.add_row(escape(f"{f['name']} ({f['code']})"), f["kind"], f"{f['capacity']:,}",
                      f"{f['occupied_total']:,}", f"{f['planned_total']:,}", f"{f['free']:,}",
                      f"[{style}]{f['utilisation']} % {f['load']}[/]" if style
                      else f"{f['utilisation']} % {f['load']}")
    console.print(board)
    rest = len(data["facilities"]) - len(shown)
    if rest:
        console.print(f"({rest} other facilities of the catalogue hold no one and receive no one "
                      "in this plan)", highlight=False)

    plan = Table(title="Today's plan (advice: a detention officer places each person)")
    for col in ("case", "person", "facility", "cost terms", "binding constraints"):
        plan.add_column(col, overflow="fold")
    for p in data["placements"]:
        plan.add_row(p["case_id"], escape(p["person_name"]),
                     escape(f"{p['facility_name']} ({p['facility']}), {p['unit']}"),
                     _terms(p["terms"]), escape("; ".join(p["binding"])))
    for r in data["referrals"]:
        plan.add_row(r["case_id"], escape(r["person_name"]), "ORR (referral)", "none",
                     "UAC-72: an unaccompanied child goes to ORR, never to an ICE facility")
    console.print(plan)

    if data["unserved"]:
        unserved = Table(title="Unserved (the plan could not place them)")
        for col in ("rule", "constraint", "people", "reason"):
            unserved.add_column(col, overflow="fold")
        for u in data["unserved"]:
            unserved.add_row(u["rule"] or "-", u["constraint"],
                             escape(", ".join(f"{x['person_name']} ({x['case_id']})"
                                              for x in u["people"])), escape(u["message"]))
        console.print(unserved)
    if data["needs_a_person"]:
        needs = Table(title="People who need a person's decision (not planned)")
        for col in ("case", "person", "rule", "reason"):
            needs.add_column(col, overflow="fold")
        for n in data["needs_a_person"]:
            for r in n["reasons"]:
                needs.add_row(n["case_id"], escape(n["person_name"]), r["rule"] or "-",
                              escape(r["reason"]))
        console.print(needs)
    s = data["summary"]
    console.print(
        f"{s['people']} people to plan: {s['placed']} placed, {s['referred']} referred to ORR, "
        f"{s['unserved']} unserved; {s['needs_a_person']} need a person's decision; "
        f"{s['standing']} already in a facility; status {s['status']}, cost {s['cost']:,}, "
        f"{s['seconds']:.2f} s", highlight=False)
