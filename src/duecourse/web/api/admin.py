"""Sign-in, accounts, the ledger and the oversight report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request

from ...app.access import purposes_of
from ...app.accounts import (
    Account,
    do_create_account,
    do_issue_token,
    do_sign_in,
    do_update_account,
    list_accounts,
)
from ...app.reads import get_checkpoints, get_ledger_entries, get_oversight_report
from ...app.search_terms import REASON_MAX, get_search_terms
from ..security import ApiAccount, remote_address, the_app, web_settings
from .cases import Limit, Offset
from .errors import responses
from .schemas import (
    NO_NUL,
    AccountIn,
    AccountOut,
    AccountPage,
    AccountPatch,
    CheckpointPage,
    LedgerPage,
    MeOut,
    OversightOut,
    SearchTermsOut,
    TokenIn,
    TokenOut,
)

router = APIRouter()


def account_out(a: Account) -> dict[str, Any]:
    return {"username": a.username, "actor_id": a.actor.id, "role": a.actor.role,
            "name": a.actor.name, "office": a.office, "active": a.active,
            "clients": list(a.actor.clients), "email": a.email}


@router.post("/auth/token", response_model=TokenOut, tags=["sign-in"],
             responses=responses(401, 422, 429),
             summary="a bearer token for a user name and password (failures are rate-limited)")
def issue_token(request: Request, body: Annotated[TokenIn, Body()]) -> dict[str, Any]:
    ctx = the_app(request).ctx
    account = do_sign_in(ctx, body.username, body.password, remote_address(request),
                         limits=web_settings(request).sign_in_limits)
    token, expires = do_issue_token(ctx, account, body.label)
    return {"token": token, "token_type": "bearer", "expires_at": expires}


@router.get("/me", response_model=MeOut, tags=["sign-in"], responses=responses(401))
def me(request: Request, account: ApiAccount) -> dict[str, Any]:
    return {"username": account.username, "actor_id": account.actor.id,
            "role": account.actor.role, "name": account.actor.name, "office": account.office,
            "purposes": list(purposes_of(account.actor.role, web_settings(request).purposes))}


@router.get("/accounts", response_model=AccountPage, tags=["accounts"],
            responses=responses(401, 403, 422))
def accounts(request: Request, account: ApiAccount, limit: Limit = 50,
             offset: Offset = 0) -> dict[str, Any]:
    page = list_accounts(the_app(request).ctx, account.actor, limit, offset)
    return page.as_dict(account_out)


@router.post("/accounts", response_model=AccountOut, status_code=201, tags=["accounts"],
             responses=responses(401, 403, 422))
def create_account(request: Request, account: ApiAccount,
                   body: Annotated[AccountIn, Body()]) -> dict[str, Any]:
    created = do_create_account(the_app(request).ctx, account.actor, body.username, body.role,
                                body.password, name=body.name, office=body.office,
                                clients=tuple(body.clients), email=body.email)
    return account_out(created)


@router.patch("/accounts/{username}", response_model=AccountOut, tags=["accounts"],
              responses=responses(401, 403, 404, 422))
def update_account(request: Request, account: ApiAccount,
                   username: Annotated[str, Path(max_length=64, pattern=NO_NUL)],
                   body: Annotated[AccountPatch, Body()]) -> dict[str, Any]:
    updated = do_update_account(the_app(request).ctx, account.actor, username, role=body.role,
                                active=body.active, password=body.password, office=body.office,
                                clients=None if body.clients is None else tuple(body.clients),
                                email=body.email)
    return account_out(updated)


@router.get("/ledger/entries", response_model=LedgerPage, tags=["ledger"],
            responses=responses(401, 403, 422), summary="ledger entries, newest first")
def ledger_entries(request: Request, account: ApiAccount,
                   case_id: Annotated[str, Query(max_length=40, pattern=NO_NUL)] = "",
                   limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    page = get_ledger_entries(the_app(request).ctx, account.actor, case_id=case_id, limit=limit,
                              offset=offset)
    return page.as_dict(dict)


@router.get("/ledger/checkpoints", response_model=CheckpointPage, tags=["ledger"],
            responses=responses(401, 403, 422), summary="signed checkpoints, newest first")
def ledger_checkpoints(request: Request, account: ApiAccount, limit: Limit = 50,
                       offset: Offset = 0) -> dict[str, Any]:
    page = get_checkpoints(the_app(request).ctx, account.actor, limit=limit, offset=offset)
    return page.as_dict(dict)


@router.get("/oversight/report", response_model=OversightOut, tags=["oversight"],
            responses=responses(401, 403))
def oversight_report(request: Request, account: ApiAccount) -> dict[str, Any]:
    return vars(get_oversight_report(the_app(request).ctx, account.actor))


@router.get("/oversight/search-terms/{ref}", response_model=SearchTermsOut, tags=["oversight"],
            responses=responses(401, 403, 404, 422),
            summary="what a search was for (oversight only, with a reason; the read is ledgered)")
def search_terms(request: Request, account: ApiAccount, ref: Annotated[int, Path(ge=1)],
                 reason: Annotated[str, Query(max_length=REASON_MAX, pattern=NO_NUL,
                                              description="why you read these terms "
                                              "(ledgered)")] = "") -> dict[str, Any]:
    return get_search_terms(the_app(request).ctx, account.actor, ref, reason).as_dict()

