"""The notices page (``/notices``): a signed-in person's own reminders (app/reminders.py), newest
first, each with a link to its case and a form to mark it read; and ``unread_notices``, the count
the header can show. Notices hold no personal data (a case number, a clock, a percent)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from ...app.reminders import count_unread, do_mark_notice_read, get_notices
from ..security import FormUser, PageUser, SignedIn, the_app
from .routes import render, templates

router = APIRouter(include_in_schema=False)
MAIL = {"pending": "to be sent", "sending": "being sent", "sent": "sent",
        "failed": "failed; tried again on the next run", "gave_up": "not sent (gave up)",
        "no_address": "not mailed: your account has no e-mail address",
        "mail_off": "not mailed: mail is not set up"}


def unread_notices(request: Request, user: PageUser | None) -> int:
    """How many unread notices the signed-in ``user`` (the page's) has; 0 when no one is."""
    return 0 if user is None else count_unread(the_app(request).ctx, user.account.actor)


templates.env.globals["unread_notices"] = unread_notices


@router.get("/notices")
def notices_page(request: Request, user: SignedIn,
                 offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    page = get_notices(the_app(request).ctx, user.account.actor, 50, offset)
    return render(request, "notices.html", user, page=page, mail=MAIL,
                  unread=count_unread(the_app(request).ctx, user.account.actor))


@router.post("/notices/{notice_id}/read")
def mark_read(request: Request, user: FormUser, notice_id: int) -> Response:
    do_mark_notice_read(the_app(request).ctx, user.account.actor, notice_id)
    return RedirectResponse("/notices", status_code=303)
