"""Identity resolution (issue 4): the review queue, one pair with both records side by side and
the match-weight waterfall, the persons (clusters), and the queue's decisions.

Reads pass ``access_identity_review`` (officers and supervisors, for case work or supervision)
and are ledgered with the purpose. An officer or supervisor proposes a match; a supervisor other
than the proposer confirms or rejects it (409 otherwise, recorded in the ledger). A case's own
person link is decided on the case, with the commands ``propose_identity_link``,
``confirm_identity_link`` and ``reject_identity_link`` (``POST /cases/{id}/commands``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ...app import identity as ident
from ..security import ApiAccount, the_app
from .cases import Limit, Offset, Purpose, _purpose
from .errors import error_body, responses
from .schemas import NO_NUL, ErrorOut, PageOut

router = APIRouter()

PairId = Annotated[int, Path(ge=1, le=2_147_483_647, description="the pair's number in the queue")]
Status = Annotated[str, Query(pattern=r"^(open|all|pending|proposed|confirmed|rejected)$",
                              description="open (pending and proposed, the default), all, or "
                                          "one status")]


class PairOut(BaseModel):
    pair: int
    left: str = Field(description="the left record's id (source:record id if two sources share it)")
    right: str
    probability: float = Field(description="the model's match probability")
    match_weight: float = Field(description="log2 Bayes factor of the whole comparison")
    vetoes: list[str] = Field(description="rules that keep the pair from linking by itself")
    status: str = Field(description="pending, proposed, confirmed or rejected")
    proposed_by: str
    decided_by: str


class PairPage(PageOut):
    items: list[PairOut]


class PairDetailOut(PairOut):
    left_record: dict[str, Any] = Field(description="the left record's fields")
    right_record: dict[str, Any]
    explanation: dict[str, Any] = Field(description="the match-weight waterfall: the prior, then "
                                                    "each comparison's level, values and weight")
    proposed_at: str | None
    decided_at: str | None
    reason: str


class ClusterOut(BaseModel):
    record_id: str
    person_id: str


class ClusterPage(PageOut):
    items: list[ClusterOut]


class DecisionIn(BaseModel):
    reason: Annotated[str, Field(max_length=500, pattern=NO_NUL)] = ""


DECIDE: dict[int | str, dict[str, Any]] = {
    200: {"model": PairOut, "description": "done"},
    409: {"model": ErrorOut, "description": "refused: the pair is not in a state that allows "
                                            "it, or you proposed it (recorded in the ledger)"},
    **responses(401, 403, 404, 422)}


@router.get("/identity/review", response_model=PairPage, tags=["identity"],
            responses=responses(401, 403, 422),
            summary="the identity review queue: pairs between the thresholds, most probable first")
def review_queue(request: Request, account: ApiAccount, purpose: Purpose, status: Status = "open",
                 limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    why = _purpose(request, purpose, account, "identity_review_queue")
    page = ident.get_review_queue(the_app(request).ctx, account.actor, why, status=status,
                                  limit=limit, offset=offset)
    return page.as_dict(lambda p: p.as_dict())


@router.get("/identity/review/{pair}", response_model=PairDetailOut, tags=["identity"],
            responses=responses(401, 403, 404, 422),
            summary="one pair: both records side by side and the match-weight waterfall")
def review_pair(request: Request, account: ApiAccount, pair: PairId,
                purpose: Purpose) -> dict[str, Any]:
    why = _purpose(request, purpose, account, "identity_pair")
    return ident.get_review_pair(the_app(request).ctx, pair, account.actor, why).as_dict()


def _decide(request: Request, account: Any, pair: int, action: str, reason: str) -> Any:
    do = {"propose": ident.do_propose_match, "confirm": ident.do_confirm_match,
          "reject": ident.do_reject_match}[action]
    try:
        return do(the_app(request).ctx, pair, account.actor, reason).as_dict()
    except ident.IdentityRefused as e:
        return JSONResponse(error_body(409, str(e)), status_code=409)


@router.post("/identity/review/{pair}/propose", tags=["identity"], responses=DECIDE,
             response_model=PairOut, summary="propose that the pair's records are one person "
                                             "(officer or supervisor)")
def propose(request: Request, account: ApiAccount, pair: PairId,
            body: Annotated[DecisionIn | None, Body()] = None) -> Any:
    return _decide(request, account, pair, "propose", body.reason if body else "")


@router.post("/identity/review/{pair}/confirm", tags=["identity"], responses=DECIDE,
             response_model=PairOut, summary="confirm a proposed match (a supervisor who did "
                                             "not propose it)")
def confirm(request: Request, account: ApiAccount, pair: PairId,
            body: Annotated[DecisionIn | None, Body()] = None) -> Any:
    return _decide(request, account, pair, "confirm", body.reason if body else "")


@router.post("/identity/review/{pair}/reject", tags=["identity"], responses=DECIDE,
             response_model=PairOut, summary="reject a proposed match (a supervisor who did not "
                                             "propose it)")
def reject(request: Request, account: ApiAccount, pair: PairId,
           body: Annotated[DecisionIn | None, Body()] = None) -> Any:
    return _decide(request, account, pair, "reject", body.reason if body else "")


@router.get("/identity/clusters", response_model=ClusterPage, tags=["identity"],
            responses=responses(401, 403, 422),
            summary="every imported record with its person (automatic links and confirmed "
                    "matches; a record whose links await review keeps its own)")
def clusters(request: Request, account: ApiAccount, purpose: Purpose, limit: Limit = 50,
             offset: Offset = 0) -> dict[str, Any]:
    why = _purpose(request, purpose, account, "identity_persons")
    rows = ident.get_clusters(the_app(request).ctx, account.actor, why)
    items = rows[offset:offset + limit]
    return {"items": [{"record_id": r, "person_id": p} for r, p in items], "limit": limit,
            "offset": offset, "next_offset": offset + limit if len(items) == limit else None}
