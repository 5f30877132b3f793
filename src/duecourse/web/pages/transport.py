"""The removal transport page (``/transport``): the day's manifests (transport, mode, destination,
seats, staging facility, departure window, the people on it) and everyone with a removal order
who is not on one, with the rule ids, citations and reasons that keep them off.

The plan is advice: this page gives no command and has no button that does. Each removal is
scheduled and recorded on the person's case page (linked from every row), where the law checks
again. Works without JavaScript.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...app.transport import (
    DEFAULT_DEPART,
    DEFAULT_WINDOW_HOURS,
    capacity_rules,
    get_manifest_plan,
    next_departure_day,
)
from ...domain.commands import parse_date
from ...domain.errors import InvalidInput
from ..security import SignedIn, the_app
from .routes import _needs_purpose, message, render

router = APIRouter(include_in_schema=False)
KIND = {"refused": "refused by the law", "no_seat": "no seat left",
        "no_transport": "no transport serves the destination",
        "no_record": "the case could not be read"}


def _day(value: str, default: date) -> date:
    if not value.strip():
        return default
    result: date = parse_date(value.strip(), "date")
    return result


@router.get("/transport")
def manifests(request: Request, user: SignedIn, date: str = "") -> Response:
    if (r := _needs_purpose(request, user)) is not None:
        return r
    ctx = the_app(request).ctx
    now = ctx.clock()
    upcoming = next_departure_day(now)
    try:
        day = _day(date, upcoming)
        plan = get_manifest_plan(ctx, user.account.actor, user.session.purpose, day,
                                 capacity_rules(day), now)
    except InvalidInput as e:
        return message(request, 422, "No plan for that day",
                       f"{e}. Give a departure day as YYYY-MM-DD; the next departure day is "
                       f"{upcoming.isoformat()}.")
    return render(request, "transport.html", user, plan=plan, day=day, kind=KIND,
                  depart=DEFAULT_DEPART, hours=DEFAULT_WINDOW_HOURS)
