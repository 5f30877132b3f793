"""Detention placement (issue 5): the facility board and the day's plan.

The plan is advice: these endpoints give no command. A detention officer places each person with
``place`` (``POST /cases/{id}/commands``), through the law like any other command.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import AfterValidator, BaseModel, Field

from ...app.placement import get_facility_board, get_placement_plan
from ..security import ApiAccount, the_app
from .cases import Purpose, _purpose
from .errors import responses
from .schemas import EARLIEST, LATEST

router = APIRouter()


def _in_range(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"must be between {EARLIEST} and {LATEST}")
    return value


Day = Annotated[date | None, AfterValidator(lambda v: v if v is None else _in_range(v)), Query(
    description=f"the day to plan (YYYY-MM-DD, {EARLIEST} to {LATEST}; default today, UTC)")]


class FacilityOut(BaseModel):
    code: str
    name: str
    kind: str = Field(description="adult, family, juvenile, hold_room, hospital or staging")
    capacity: int
    capacity_basis: str = Field(description="where the capacity figure comes from")
    over_72h: bool = Field(description="authorised to hold people longer than 72 hours")
    medical: str
    aor: str
    beds: dict[str, int] = Field(description="beds per housing unit (M-low, M-high, F-low, "
                                             "F-high, family)")
    occupied: dict[str, int] = Field(description="people in each housing unit now")
    occupied_unrecorded: int = Field(description="people there whose housing unit is not "
                                                 "recorded (counted against the capacity)")
    planned: dict[str, int] = Field(description="people the plan would add to each unit")
    occupied_total: int
    planned_total: int
    free: int
    utilisation: int = Field(description="people after the plan, in per cent of capacity")
    load: str = Field(description="the utilisation in words: room (up to 85 %), busy (to 95 %), "
                                  "full (to 100 %), over capacity, or closed")


class FacilitiesOut(BaseModel):
    facilities: list[FacilityOut]
    standing: int = Field(description="people in custody in a facility of the catalogue")
    elsewhere: int = Field(description="people in custody in a facility the catalogue does not "
                                       "list")


class SummaryOut(BaseModel):
    people: int = Field(description="people the plan considered")
    placed: int
    referred: int = Field(description="unaccompanied children referred to ORR")
    unserved: int
    needs_a_person: int = Field(description="people not planned: a person decides")
    standing: int
    elsewhere: int
    status: str = Field(description="optimal, feasible or infeasible (someone unserved)")
    solver: str
    cost: int
    bound: int
    seconds: float


class PlacementOut(BaseModel):
    case_id: str
    person_id: str
    person_name: str
    facility: str = Field(description="the facility's code in the catalogue")
    facility_name: str
    facility_type: str = Field(description="the facility_type the place command takes")
    unit: str
    classification: str
    current: str = Field(description="the facility the person is in now ('' for a book-in)")
    version: int = Field(description="the case's version when read (expected_version)")
    binding: list[str] = Field(description="the constraints that bound the choice (LAW.md ids)")
    terms: dict[str, float] = Field(description="the cost terms the placement pays")


class ReferralOut(BaseModel):
    case_id: str
    person_id: str
    person_name: str
    to: str
    rule: str


class PersonRefOut(BaseModel):
    case_id: str
    person_id: str
    person_name: str


class UnservedOut(BaseModel):
    rule: str = Field(description="the LAW.md id of the constraint that stopped the plan ('' "
                                  "for capacity)")
    constraint: str
    message: str
    people: list[PersonRefOut]


class ReasonOut(BaseModel):
    rule: str = Field(description="the LAW.md id at stake ('' when only data is missing)")
    reason: str


class NeedsPersonOut(BaseModel):
    case_id: str
    person_id: str
    person_name: str
    reasons: list[ReasonOut]


class PlanOut(BaseModel):
    day: date
    summary: SummaryOut
    facilities: list[FacilityOut]
    placements: list[PlacementOut]
    referrals: list[ReferralOut]
    unserved: list[UnservedOut]
    needs_a_person: list[NeedsPersonOut]


@router.get("/placement/facilities", response_model=FacilitiesOut, tags=["placement"],
            responses=responses(401, 403),
            summary="the facility catalogue with the beds taken now (numbers only)")
def facilities(request: Request, account: ApiAccount) -> dict[str, Any]:
    board = get_facility_board(the_app(request).ctx, account.actor)
    return {"facilities": [f.as_dict() for f in board.facilities], "standing": board.standing,
            "elsewhere": board.elsewhere}


@router.get("/placement/plan", response_model=PlanOut, tags=["placement"],
            responses=responses(401, 403, 422),
            summary="the day's placement plan (advice: a detention officer places each person)")
def plan(request: Request, account: ApiAccount, purpose: Purpose,
         date: Day = None) -> dict[str, Any]:
    ctx = the_app(request).ctx
    why = _purpose(request, purpose, account, "placement_plan")
    return get_placement_plan(ctx, date or ctx.clock().date(), account.actor, why).as_dict()
