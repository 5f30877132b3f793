"""An error of the program (a 500) as an answer: no stack trace and no exception text for the
person who asked, only an incident reference; the log line with the same reference says where it
happened (the request's method and path, the exception's type and its frames as file, line and
function) and never the exception's message, a line of source or the query string, which may
hold personal data (a searched name).

A plain ASGI middleware, innermost: it catches what the routes raise before the framework's own
last-resort handler would print it with its message, and answers through ``answer`` (a page for a
browser, problem JSON for the API)."""

from __future__ import annotations

import logging
import secrets
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("duecourse.web.incidents")

Answer = Callable[[Request, str], Awaitable[Response]]


_OWN = "duecourse"  # the package's own frames


def new_reference() -> str:
    """A reference a person can read out on the telephone: E- and eight capitals or digits."""
    return "E-" + secrets.token_hex(4).upper()


def log_incident(reference: str, method: str, path: str, exc: BaseException) -> None:
    """One line (with the frames, innermost first, as file:line in function): no source lines
    and no values, so that nothing a person typed or a record held reaches the log. The frames
    are the place it raised and duecourse's own (the web framework's add nothing to look at)."""
    tb = list(reversed(traceback.extract_tb(exc.__traceback__)))
    frames = " < ".join(f"{'/'.join(Path(f.filename).parts[-2:])}:{f.lineno} in {f.name}"
                        for i, f in enumerate(tb) if i == 0 or _OWN in Path(f.filename).parts)
    log.error("incident %s: %s %s raised %s at %s", reference, method, path,
              type(exc).__qualname__, frames)


class Incidents:
    def __init__(self, app: ASGIApp, answer: Answer) -> None:
        self.app = app
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:  # every error of the program is an incident
            reference = new_reference()
            log_incident(reference, str(scope.get("method", "")), str(scope.get("path", "")),
                         exc)
            if started:  # half an answer has gone: nothing more can be said
                return
            request = Request(scope)
            try:
                response = await self.answer(request, reference)
            except Exception:  # the page itself failed (the store is down)
                response = PlainTextResponse(
                    f"duecourse could not finish this request (incident {reference}).", 500)
            await response(scope, receive, send)
