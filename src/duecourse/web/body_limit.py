"""A limit on the size of a request's body (issue 16): one unauthenticated 200 MB body cost the
server 375 MB of memory. No route takes more than a few kilobytes (the largest is a command);
the limit is ``DUECOURSE_MAX_REQUEST_BYTES`` (1 MiB by default).

A body announced larger (``Content-Length``) is answered 413 before a byte of it is read; one
sent without a length (chunked) is counted as it arrives, and reading stops at the first part
past the limit: the application's answer is dropped and 413 sent instead. A plain ASGI
middleware, so nothing is buffered on the way.
"""

from __future__ import annotations

import contextlib
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_REQUEST_BYTES_ENV = "DUECOURSE_MAX_REQUEST_BYTES"
DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024


class BodyTooLarge(Exception):
    """Raised into the application when the body passes the limit (it stops reading)."""


def _message(limit: int) -> str:
    return (f"the request is too large: at most {limit:,} bytes may be sent; nothing of it "
            "was done")


async def _answer_413(scope: Scope, send: Send, limit: int) -> None:
    text = _message(limit)
    if str(scope.get("path", "")).startswith("/api/"):  # the API's error body (api/errors.py)
        body = json.dumps({"error": "too_large", "message": text, "field": None,
                           "details": []}).encode()
        kind = b"application/json"
    else:
        body = (text[0].upper() + text[1:] + ".\n").encode()
        kind = b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def _declared_length(scope: Scope) -> int | None:
    for key, value in scope["headers"]:
        if key == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.limit:
            await _answer_413(scope, send, self.limit)
            return
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the application's answer to a body it could not read: 413 instead
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(BodyTooLarge):  # the application stopped reading it
            await self.app(scope, counting_receive, guarded_send)
        if exceeded and not started:
            await _answer_413(scope, send, self.limit)
