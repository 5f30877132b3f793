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
from ...app.ledger_view import (
    InvalidFilters,
    LedgerFilters,
    LedgerRow,
    get_inclusion_proof,
    get_ledger_view,
)
from ...app.reads import get_checkpoints, get_oversight_report
from ...app.search_terms import REASON_MAX, get_search_terms
from ..security import ApiAccount, remote_address, the_app, web_settings
from .cases import Limit, Offset, Purpose
from .errors import responses
from .schemas import (
    NO_NUL,
    AccountIn,
    AccountOut,
    AccountPage,
    AccountPatch,
    CheckpointPage,
    InclusionProofOut,
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
            "clients": list(a.client_cases), "email": a.email}


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
                                client_case_numbers=tuple(body.clients), email=body.email)
    return account_out(created)


@router.patch("/accounts/{username}", response_model=AccountOut, tags=["accounts"],
              responses=responses(401, 403, 404, 422))
def update_account(request: Request, account: ApiAccount,
                   username: Annotated[str, Path(max_length=64, pattern=NO_NUL)],
                   body: Annotated[AccountPatch, Body()]) -> dict[str, Any]:
    updated = do_update_account(the_app(request).ctx, account.actor, username, role=body.role,
                                active=body.active, password=body.password, office=body.office,
                                client_case_numbers=None if body.clients is None
                                else tuple(body.clients), email=body.email)
    return account_out(updated)


_FILTER = {"max_length": 64, "pattern": NO_NUL}


def _ledger_purpose(request: Request, account: Account, purpose: str) -> str:
    """The purpose a ledger read is recorded with: the one given, else the role's first
    (oversight_audit, supervision); a role with none is refused, and the refusal ledgered."""
    return purpose or next(iter(purposes_of(account.actor.role, web_settings(request).purposes)),
                           "")
LEDGER_READ = (
    "The ledger's entries that match every filter given, newest first: those still queued for "
    "the sequencer (`seq` null), then by position; each with its proof status (`covered` by the "
    "latest signed checkpoint, or `not_yet`). The same filters, checked the same way, as the "
    "ledger page (an unknown role or kind is a 422 naming the field). The read is ledgered "
    "with the filters and the purpose (by default the role's first: oversight_audit, "
    "supervision).")


@router.get("/ledger/entries", response_model=LedgerPage, tags=["ledger"],
            responses=responses(401, 403, 422), summary="ledger entries, newest first",
            description=LEDGER_READ)
def ledger_entries(
        request: Request, account: ApiAccount,
        case_id: Annotated[str, Query(max_length=40, pattern=NO_NUL,
                                      description="the case number")] = "",
        user: Annotated[str, Query(**_FILTER, description="a user name or an actor id")] = "",
        role: Annotated[str, Query(**_FILTER, description="the actor's role")] = "",
        purpose_of_entry: Annotated[str, Query(alias="entry_purpose", **_FILTER,
                                               description="the purpose the entry records")] = "",
        kind: Annotated[str, Query(**_FILTER, description="the kind of entry")] = "",
        since: Annotated[str, Query(alias="from", **_FILTER, description=(
            "from this date (YYYY-MM-DD) or date and time, in `zone`"))] = "",
        until: Annotated[str, Query(alias="to", **_FILTER, description=(
            "to the end of this date, or to this date and time, in `zone`"))] = "",
        zone: Annotated[str, Query(**_FILTER, description=(
            "the IANA time zone of `from` and `to` when they have no offset"))] = "UTC",
        purpose: Purpose = "", limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    f = LedgerFilters(user=user, role=role, purpose=purpose_of_entry, case=case_id, kind=kind,
                      since=since, until=until, zone=zone)
    try:
        view = get_ledger_view(the_app(request).ctx, account.actor,
                               _ledger_purpose(request, account, purpose), f, limit=limit,
                               offset=offset)
    except InvalidFilters as e:
        raise e.renamed({"purpose": "entry_purpose", "case": "case_id"}) from None
    return {**view.page.as_dict(LedgerRow.as_dict), "total": view.total,
            "checkpoint_size": view.checkpoint_size}


@router.get("/ledger/entries/{seq}/proof", response_model=InclusionProofOut, tags=["ledger"],
            responses=responses(401, 403, 404, 422),
            summary="the inclusion proof of an entry in the latest signed checkpoint")
def ledger_entry_proof(request: Request, account: ApiAccount,
                       seq: Annotated[int, Path(ge=0, le=2**62, description="its position")],
                       purpose: Purpose = "") -> dict[str, Any]:
    return get_inclusion_proof(the_app(request).ctx, account.actor,
                               _ledger_purpose(request, account, purpose), seq)


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

