"""The placement board (``/placement``): capacity by facility and housing unit, the day's plan
with each placement's reasons, the people it could not place and those who need a person's
decision; beside each planned person, a form that gives the ``place`` command for their case.

The plan is advice; pressing *Place* is the officer's decision, and the command goes through the
law like any other (a refusal is shown on the board, with every rule, and nothing is changed).
Works without JavaScript.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ...app.placement import LEVELS, get_placement_plan
from ...domain.commands import Place, parse_command, parse_date
from ...domain.errors import ConcurrencyConflict, InvalidInput
from ..flash import Flash, set_flash
from ..security import FormUser, PageUser, SignedIn, the_app
from .forms import form_to_data
from .routes import _needs_purpose, message, render

router = APIRouter(include_in_schema=False)
FACILITY_TYPES = ("adult", "family", "juvenile", "hold_room", "hospital")
# The board's words for a facility's load, and the existing classes that colour them.
LOAD_CLASS = {"room": "urgency-on-time", "busy": "urgency-soon", "full": "urgency-urgent",
              "over capacity": "urgency-overdue", "closed": "urgency-overdue"}


def _day(request: Request, value: object) -> date:
    if isinstance(value, str) and value.strip():
        result: date = parse_date(value.strip(), "date")
        return result
    return the_app(request).ctx.clock().date()


def _board(request: Request, user: PageUser, day: date, status: int = 200,
           **extra: Any) -> Response:
    plan = get_placement_plan(the_app(request).ctx, day, user.account.actor,
                              user.session.purpose)
    placements = plan.placements()
    active = [f for f in plan.board if f.occupied_total or f.planned_total or f.closed]
    idle = [f for f in plan.board if not (f.occupied_total or f.planned_total or f.closed)]
    return render(request, "placement.html", user, status, plan=plan, day=day,
                  placements=placements, active=active, idle=idle, levels=LEVELS,
                  facility_types=FACILITY_TYPES, load_class=LOAD_CLASS,
                  summary=plan.summary(), **extra)


@router.get("/placement")
def board(request: Request, user: SignedIn, date: str = "") -> Response:
    if (r := _needs_purpose(request, user)) is not None:
        return r
    try:
        day = _day(request, date)
    except InvalidInput as e:
        return message(request, 422, "Not a date", f"{e}. Give the day as YYYY-MM-DD.")
    return _board(request, user, day)


@router.post("/placement/{case_id}/place")
async def place(request: Request, user: FormUser, case_id: str) -> Response:
    form = await request.form()
    try:
        day = _day(request, form.get("date"))
    except InvalidInput as e:
        return message(request, 422, "Not a date", f"{e}. Give the day as YYYY-MM-DD.")
    version = form.get("expected_version")
    name = str(form.get("person_name", ""))[:200] or case_id
    # A refused or stale placement shows the board again with the reason the officer typed.
    typed = str(form.get("reason", ""))[:2000]
    try:
        cmd = parse_command(Place.name, form_to_data(Place, form))
        outcome = the_app(request).do(
            cmd, user.account.actor, case_id=case_id,
            expected_version=int(version) if isinstance(version, str) and version.isdigit()
            else None).for_caller()
    except InvalidInput as e:
        return _board(request, user, day, 422, error=str(e), failed=case_id, failed_name=name,
                      reason=typed)
    except ConcurrencyConflict as e:
        return _board(request, user, day, 412, error=str(e), failed=case_id, failed_name=name,
                      reason=typed)
    if not outcome.accepted:
        return _board(request, user, day, 409, refusals=outcome.refusals, failed=case_id,
                      failed_name=name, reason=typed)
    return set_flash(request, RedirectResponse(f"/placement?date={day.isoformat()}",
                                               status_code=303), user,
                     Flash("Recorded: place. The person is now counted in their facility.",
                           f"/cases/{case_id}", f"Case {case_id}"))
