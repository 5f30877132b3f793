"""The ledger page (``/ledger``) and its CSV export (``/ledger.csv``), for oversight and
supervisors: the entries that match the filters in the address, newest first, each with its
proof status. Both reads are ledgered (app/ledger_view.py); a filter that is not valid comes back
with its message beside its field (422), and a role that may not read the ledger gets 403."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from ...app.access import NOT_A_PURPOSE, PURPOSES
from ...app.ledger_view import (
    InvalidFilters,
    LedgerFilters,
    export_ledger_csv,
    get_inclusion_proof,
    get_ledger_view,
    ledger_kinds_now,
)
from ...domain.commands import ROLES
from ..security import SignedIn, the_app
from .routes import _needs_purpose, render

router = APIRouter(include_in_schema=False)
PAGE = 50


def _page(request: Request, user: SignedIn, f: LedgerFilters, status: int = 200,
          **context: object) -> Response:
    return render(request, "ledger.html", user, status, filters=f, given=f.given(),
                  roles=ROLES, all_purposes=(*PURPOSES, NOT_A_PURPOSE),
                  kinds=ledger_kinds_now(the_app(request).ctx), **context)


@router.get("/ledger")
def ledger_page(request: Request, user: SignedIn,
                offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    if (r := _needs_purpose(request, user)) is not None:
        return r
    f = LedgerFilters.of(request.query_params)
    params = request.query_params
    if any(not v.strip() for v in params.values()) or params.get("zone") == "UTC":
        # The form sends every field: the address of the view names only the filters set.
        return RedirectResponse(_href(f.given(), offset), status_code=303)
    try:
        view = get_ledger_view(the_app(request).ctx, user.account.actor, user.session.purpose,
                               f, limit=PAGE, offset=offset)
    except InvalidFilters as e:
        return _page(request, user, f, 422, errors=e.errors)
    query = f.given()
    return _page(request, user, f, view=view, errors={},
                 csv_href="/ledger.csv" + (f"?{urlencode(query)}" if query else ""),
                 newer=_href(query, offset - PAGE) if offset else None,
                 older=_href(query, offset + PAGE) if offset + PAGE < view.total else None)


def _href(query: dict[str, str], offset: int) -> str:
    params = {**query, **({"offset": str(offset)} if offset > 0 else {})}
    return "/ledger" + (f"?{urlencode(params)}" if params else "")


@router.get("/ledger.csv")
def ledger_csv(request: Request, user: SignedIn) -> Response:
    if (r := _needs_purpose(request, user)) is not None:
        return r
    f = LedgerFilters.of(request.query_params)
    try:
        pieces = export_ledger_csv(the_app(request).ctx, user.account.actor,
                                   user.session.purpose, f)
    except InvalidFilters as e:
        return _page(request, user, f, 422, errors=e.errors)
    return StreamingResponse(pieces, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="ledger.csv"'})


@router.get("/ledger/entries/{seq}/proof")
def entry_proof(request: Request, user: SignedIn,
                seq: Annotated[int, Path(ge=0, le=2**62)]) -> Response:
    """The entry's inclusion proof as a JSON file, for the standalone verifier."""
    if (r := _needs_purpose(request, user)) is not None:
        return r
    doc = get_inclusion_proof(the_app(request).ctx, user.account.actor, user.session.purpose,
                              seq)
    return Response(json.dumps(doc, indent=1, ensure_ascii=False) + "\n",
                    media_type="application/json", headers={
                        "Content-Disposition": f'attachment; filename="ledger-entry-{seq}-proof.json"'})
