"""Removal transport (issue 5): the day's manifests, and everyone not on one with the rules that
keep them off.

The plan is advice: this endpoint gives no command. Each removal is scheduled
(``schedule_removal``) and recorded (``record_removal``) on the case
(``POST /cases/{id}/commands``), where the law checks again.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import AfterValidator, BaseModel, Field

from ...app.transport import ADVICE, capacity_rules, get_manifest_plan
from ..security import ApiAccount, the_app
from .cases import Purpose, _purpose
from .errors import responses
from .placement import _in_range
from .schemas import EARLIEST, LATEST, RefusalOut

router = APIRouter()
MAX_SEATS = 1000


DepartureDay = Annotated[date, AfterValidator(_in_range), Query(
    description=f"the departure day (YYYY-MM-DD, {EARLIEST} to {LATEST}); its window runs from "
                "08:00 to 20:00 UTC, and a day whose window has closed is a 422")]
Seats = Annotated[int | None, Query(ge=1, le=MAX_SEATS, description=(
    "seats on every transport (default: 135 by air, 45 by ground)"))]


class ManifestPersonOut(BaseModel):
    case_id: str
    person_id: str
    person_name: str
    destination: str = Field(description="ISO 3166 alpha-2 code of the country of removal")
    final_at: datetime | None = Field(description="when the order became final (seats go to "
                                                  "the earliest first)")
    in_custody_since: datetime | None = Field(description="the last arrest (the next priority)")


class ManifestOut(BaseModel):
    transport_id: str
    mode: str = Field(description="air, or ground (Mexico and Canada only)")
    destinations: list[str] = Field(description="the countries the transport serves")
    seats: int
    seats_used: int
    staging: str = Field(description="the facility the people board from (where they are held; "
                                     "'' if not recorded)")
    depart_at: datetime = Field(description="the departure window opens")
    window_end: datetime = Field(description="the departure window closes")
    people: list[ManifestPersonOut] = Field(description="in priority order")


class ExcludedOut(BaseModel):
    case_id: str
    person_id: str
    person_name: str
    kind: str = Field(description="refused (by the law: rule ids given), no_seat or "
                                  "no_transport (no rule at stake)")
    rule_ids: list[str] = Field(description="the LAW.md id of each rule that refuses the removal")
    refusals: list[RefusalOut] = Field(description="every refusal: rule id, citation, reason")
    reasons: list[str] = Field(description="the reasons in words, in the same order")


class ManifestPlanOut(BaseModel):
    date: date
    planned_at: datetime
    advice: str = Field(description=ADVICE)
    manifests: list[ManifestOut]
    excluded: list[ExcludedOut] = Field(description="everyone with a removal order who is on no "
                                                    "manifest, in priority order")


@router.get("/transport/manifests", response_model=ManifestPlanOut, tags=["transport"],
            responses=responses(401, 403, 422),
            summary="the day's removal transport manifests (advice: each removal is scheduled "
                    "and recorded on the case)")
def manifests(request: Request, account: ApiAccount, purpose: Purpose, date: DepartureDay,
              seats: Seats = None) -> dict[str, Any]:
    ctx = the_app(request).ctx
    why = _purpose(request, purpose, account, "transport_manifest")
    return get_manifest_plan(ctx, account.actor, why, date, capacity_rules(date, seats=seats),
                             ctx.clock()).as_dict()
