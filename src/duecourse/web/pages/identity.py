"""The identity review pages (issue 4): ``/identity/review`` lists the pairs of records the
linkage model could not decide, most probable first; ``/identity/review/{pair}`` shows the two
records side by side with the match-weight waterfall as a table, and the forms to propose (an
officer or supervisor), confirm or reject (a supervisor who did not propose it). Every form
carries the session's CSRF token; the pages work without JavaScript. The reads are ledgered with
the session's purpose (``access_identity_review``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ...app import identity as ident
from ...app.access import IDENTITY_DECIDERS, IDENTITY_PROPOSERS
from ...domain.errors import InvalidInput
from ..flash import Flash, set_flash
from ..security import FormUser, PageUser, SignedIn, the_app
from .routes import _needs_purpose, message, render

router = APIRouter(include_in_schema=False)
PAGE = 50
FIELDS = ("record_id", "source", "given_name", "family_name", "birth_date", "sex", "nationality",
          "address", "city", "postcode", "a_number", "document_number")
STATUS_WORDS = {"open": "awaiting a decision", "pending": "pending", "proposed": "proposed",
                "confirmed": "confirmed", "rejected": "rejected", "all": "all"}


@router.get("/identity/review")
def review_queue(request: Request, user: SignedIn, status: str = "open",
                 offset: int = 0) -> Response:
    if (r := _needs_purpose(request, user)) is not None:
        return r
    if status not in STATUS_WORDS:
        status = "open"
    ctx = the_app(request).ctx
    page = ident.get_review_queue(ctx, user.account.actor, user.session.purpose, status=status,
                                  limit=PAGE, offset=max(0, offset))
    with ctx.engine.connect() as conn:
        counts = ident.review_counts(conn)
    return render(request, "identity_review.html", user, page=page, shown=status,
                  statuses=STATUS_WORDS, counts=counts)


def _pair_page(request: Request, user: PageUser, pair: int, status: int = 200,
               **extra: object) -> Response:
    view = ident.get_review_pair(the_app(request).ctx, pair, user.account.actor,
                                 user.session.purpose)
    role = user.account.actor.role
    return render(request, "identity_pair.html", user, status, view=view, fields=FIELDS,
                  may_propose=role in IDENTITY_PROPOSERS and view.summary.status == "pending",
                  may_decide=role in IDENTITY_DECIDERS and view.summary.status == "proposed",
                  own=view.summary.proposed_by == user.account.actor.id, **extra)


@router.get("/identity/review/{pair}")
def review_pair(request: Request, user: SignedIn, pair: int) -> Response:
    if (r := _needs_purpose(request, user)) is not None:
        return r
    return _pair_page(request, user, pair)


@router.post("/identity/review/{pair}/{action}")
async def decide(request: Request, user: FormUser, pair: int, action: str) -> Response:
    if action not in ("propose", "confirm", "reject"):
        return message(request, 404, "Not found", f"there is no action '{action}'")
    form = await request.form()
    reason = str(form.get("reason") or "")
    do = {"propose": ident.do_propose_match, "confirm": ident.do_confirm_match,
          "reject": ident.do_reject_match}[action]
    try:
        do(the_app(request).ctx, pair, user.account.actor, reason)
    except InvalidInput as e:
        return _pair_page(request, user, pair, 422, error=str(e), failed=action)
    except ident.IdentityRefused as e:
        return _pair_page(request, user, pair, 409, error=str(e), failed=action)
    done = {"propose": "proposed", "confirm": "confirmed", "reject": "rejected"}[action]
    return set_flash(request, RedirectResponse(f"/identity/review/{pair}", status_code=303),
                     user, Flash(f"Recorded: {done}."))
