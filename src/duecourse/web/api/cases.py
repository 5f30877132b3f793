"""Cases, persons, commands and the work queue."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Request
from fastapi.responses import JSONResponse

from ...app.access import AccessDenied
from ...app.accounts import Account
from ...app.outcome import Outcome
from ...app.queries import CaseView
from ...app.reads import (
    find_cases,
    find_persons,
    get_person_view,
    get_work_queue,
    refused_read,
)
from ...domain.commands import OpenCase, parse_command
from .. import records
from ..security import ApiAccount, the_app, web_settings
from .errors import responses
from .schemas import (
    IDEMPOTENCY_KEY_MAX,
    NO_NUL,
    CaseCommandBody,
    CaseOut,
    CasePage,
    DeadlineOut,
    OpenCaseBody,
    OutcomeOut,
    PersonOut,
    PersonPage,
    QueuePage,
)

router = APIRouter()

Limit = Annotated[int, Query(ge=1, le=200, description="at most this many items")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="skip this many items")]
Purpose = Annotated[str, Query(max_length=40, pattern=NO_NUL, description=(
    "why you read this personal data (one of your role's purposes: see GET /api/v1/me); "
    "the read is recorded in the ledger with it"))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=IDEMPOTENCY_KEY_MAX,
                                              pattern=NO_NUL,
                                              description="a retried command with the same key "
                                                          "is applied once")]
CaseId = Annotated[str, Path(max_length=40, pattern=NO_NUL, description="the case's id")]
PersonId = Annotated[str, Path(max_length=40, pattern=NO_NUL, description="the person's id")]
READ = responses(401, 403, 422)


def _purpose(request: Request, purpose: str, account: Account, record: str) -> str:
    """``purpose`` if this deployment allows it; otherwise the refusal, recorded in the ledger
    like any other refused read."""
    if purpose not in web_settings(request).purposes:
        ctx = the_app(request).ctx
        raise refused_read(ctx, account.actor, purpose, ctx.clock(), record, AccessDenied(
            f"'{purpose}' is not a configured purpose; one of: "
            f"{', '.join(web_settings(request).purposes)}"))
    return purpose


def _outcome(o: Outcome, created: bool = False) -> JSONResponse:
    o = o.for_caller()  # refused to one who may not read the case: 404, "not found or not yours"
    body = OutcomeOut.model_validate({**o.as_dict(), "replayed": o.replayed}).model_dump()
    status = (201 if created else 200) if o.accepted else 409
    return JSONResponse(body, status_code=status)


def case_out(v: CaseView, identity: dict[str, Any] | None = None,
             at: datetime | None = None) -> dict[str, Any]:
    at = at or datetime.now(UTC)
    return {"identity": identity or {}, "case_id": v.case_id, "version": v.state.version,
            "stays": [s.as_dict() for s in records.stays(v.state, at)],
            "protections": [p.as_dict() for p in records.protections(v.state)],
            "pending": [p.as_dict() for p in records.pending(v.state)],
            "person": v.person, "facets": v.facets.as_dict(), "deadlines": [d.as_dict() for d in v.deadlines],
            "events": [{"seq": e.seq, "kind": e.kind, "at": e.at, "actor_id": e.actor_id,
                        "actor_role": e.actor_role, "data": e.data} for e in v.events],
            "allowed": v.allowed,
            "blocked": [{"command": c, "refusals": [r.as_dict() for r in rs]}
                        for c, rs in v.blocked.items()]}


COMMAND_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"model": OutcomeOut, "description": "accepted"},
    409: {"model": OutcomeOut, "description": "refused by the law: every rule that refused, with "
                                              "its citation and reason (recorded in the ledger)"},
    **responses(401, 404, 412, 422)}


@router.post("/cases", status_code=201, tags=["commands"], summary="open_case",
             responses={201: {"model": OutcomeOut, "description": "the case was opened"},
                        **{k: v for k, v in COMMAND_ANSWERS.items()
                           if k not in (200, 404, 412)}})  # no case to find or to have changed
def open_case(request: Request, account: ApiAccount,
              body: Annotated[OpenCaseBody, Body()],
              idempotency_key: IdempotencyKey = None) -> JSONResponse:
    cmd = parse_command(OpenCase.name, body.model_dump(mode="json"))
    key = f"{account.actor.id}:{idempotency_key}" if idempotency_key else None
    return _outcome(the_app(request).do(cmd, account.actor, idempotency_key=key), created=True)


@router.post("/cases/{case_id}/commands", tags=["commands"], responses=COMMAND_ANSWERS,
             summary="give a command on a case (DESIGN.md's vocabulary)")
def case_command(request: Request, account: ApiAccount, case_id: CaseId,
                 body: Annotated[CaseCommandBody, Body()],
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    data = body.model_dump(mode="json", by_alias=True)
    cmd = parse_command(data["command"], data.get("with") or {})
    key = f"{account.actor.id}:{idempotency_key}" if idempotency_key else None
    return _outcome(the_app(request).do(cmd, account.actor, case_id=case_id, idempotency_key=key,
                                        expected_version=data.get("expected_version")))


@router.get("/cases", response_model=CasePage, tags=["cases"], responses=READ,
            summary="search cases by name, A-number or case number")
def search_cases(request: Request, account: ApiAccount, purpose: Purpose,
                 q: Annotated[str, Query(max_length=100, pattern=NO_NUL)] = "",
                 status: Annotated[str, Query(pattern="^(|open|closed)$")] = "",
                 limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    why = _purpose(request, purpose, account, "case_search")
    page = find_cases(the_app(request).ctx, account.actor, why, q,
                      status=status, limit=limit, offset=offset)
    return page.as_dict()


@router.get("/cases/{case_id}", response_model=CaseOut, tags=["cases"],
            responses=responses(401, 403, 404, 422),
            summary="a case: facets, timeline, deadlines, actions allowed and blocked now")
def read_case(request: Request, account: ApiAccount, case_id: CaseId,
              purpose: Purpose) -> dict[str, Any]:
    app = the_app(request)
    view = app.get_case(case_id, account.actor, _purpose(request, purpose, account, "case"))
    return case_out(view, view.identity, app.ctx.clock())


@router.get("/cases/{case_id}/deadlines", response_model=list[DeadlineOut], tags=["cases"],
            responses=responses(401, 403, 404, 422),
            summary="a case's statutory clocks now: due, overdue, met, missed, moot, elapsed")
def case_deadlines(request: Request, account: ApiAccount, case_id: CaseId,
                   purpose: Purpose) -> list[dict[str, Any]]:
    view = the_app(request).get_case(case_id, account.actor, _purpose(request, purpose, account, "case"))
    return [d.as_dict() for d in view.deadlines]


@router.get("/persons", response_model=PersonPage, tags=["persons"], responses=READ,
            summary="search persons by name or A-number")
def search_persons(request: Request, account: ApiAccount, purpose: Purpose,
                   q: Annotated[str, Query(max_length=100, pattern=NO_NUL)] = "",
                   limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    why = _purpose(request, purpose, account, "person_search")
    page = find_persons(the_app(request).ctx, account.actor, why, q,
                        limit=limit, offset=offset)
    return page.as_dict()


@router.get("/persons/{person_id}", response_model=PersonOut, tags=["persons"],
            responses=responses(401, 403, 404, 422))
def read_person(request: Request, account: ApiAccount, person_id: PersonId,
                purpose: Purpose) -> dict[str, Any]:
    v = get_person_view(the_app(request).ctx, person_id, account.actor,
                        _purpose(request, purpose, account, "person"))
    return {"person_id": v.person_id, "person": v.person, "cases": [vars(c) for c in v.cases]}


@router.get("/queue", response_model=QueuePage, tags=["work queue"], responses=READ,
            summary="open statutory clocks, most urgent first")
def work_queue(request: Request, account: ApiAccount, purpose: Purpose,
               office: Annotated[str, Query(max_length=200, pattern=NO_NUL)] = "",
               facility: Annotated[str, Query(max_length=200, pattern=NO_NUL)] = "",
               limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    why = _purpose(request, purpose, account, "work_queue")
    page = get_work_queue(the_app(request).ctx, account.actor, why,
                          office=office, facility=facility, limit=limit, offset=offset)
    return page.as_dict()
