"""Errors as answers: every failure of the API is a JSON body with a kind, a sentence and, for
bad input, the field. An unknown address, a method an address does not take and an error of the
program (404, 405, 500) are problem details (RFC 9457, ``application/problem+json``: type,
title, status, detail), which carry the same members as every other error besides."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from ...app.access import AccessDenied
from ...app.accounts import SignInRefused, TooManyAttempts
from ...domain.commands import COMMAND_TYPES
from ...domain.errors import ConcurrencyConflict, InvalidInput, NotFound
from .schemas import COUNTRY, NO_NUL, NO_NUL_OR_COMMA, ErrorOut

_KIND = {400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "refused", 412: "conflict", 422: "invalid_input",
         429: "too_many_attempts"}


def error_body(status: int, message: str, field: str | None = None,
               details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return ErrorOut(error=_KIND.get(status, "error"), message=message, field=field,
                    details=details or []).model_dump()


def _json(status: int, message: str, field: str | None = None,
          details: list[dict[str, Any]] | None = None,
          headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, message, field, details), status_code=status,
                        headers=headers)


PROBLEM_JSON = "application/problem+json"
PROBLEM_STATUSES = (404, 405, 500)


def problem(status: int, detail: str, headers: dict[str, str] | None = None,
            **extra: str) -> JSONResponse:
    """A problem details answer (RFC 9457 §3.1: ``about:blank``, its title the status's own
    phrase), with the members of every error of the API (ErrorOut) as extension members."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status,
            "detail": detail, **error_body(status, detail), **extra}
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def incident_problem(reference: str) -> JSONResponse:
    """An error of the program: nothing of it but the reference its log line carries."""
    return problem(500, f"duecourse could not finish this request. The error is logged as "
                        f"incident {reference}: give that reference to your administrator.",
                   incident=reference)


def framework_error(exc: HTTPException) -> JSONResponse:
    """The framework's own error (an unknown path, a method not allowed, an unreadable body) as
    the API answers it."""
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code in PROBLEM_STATUSES:
        return problem(exc.status_code, str(exc.detail), headers)
    return _json(exc.status_code, str(exc.detail), headers=headers)


def _loc(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    # a discriminated union names the variant (the command) too: keep only the field path
    if len(parts) > 1 and parts[0] in COMMAND_TYPES:
        parts = parts[1:]
    field = ""
    for p in parts:  # an item of a list as the domain names it: nationalities[0]
        field += f"[{p}]" if isinstance(p, int) else (f".{p}" if field else str(p))
    # nothing left: the body as a whole (missing, or not an object)
    return field or "body"


_PATTERNS = {NO_NUL: "must not contain the character NUL (U+0000)",
             NO_NUL_OR_COMMA: "must not contain a comma or the character NUL (U+0000)",
             COUNTRY: "is not an ISO 3166 alpha-2 code (two capital letters)"}


def _validation_error(e: Any) -> dict[str, Any]:
    kind = str(e.get("type", ""))
    if kind == "json_invalid":  # loc is ("body", position in the text)
        why = (e.get("ctx") or {}).get("error", "")
        return {"field": "body",
                "message": f"is not valid JSON ({why} at character {e.get('loc', ('',))[-1]})"}
    message = str(e.get("msg", ""))
    if kind == "value_error":  # a validator's own sentence, without Pydantic's prefix
        message = message.removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        message = _PATTERNS.get((e.get("ctx") or {}).get("pattern", ""), message)
    return {"field": "command" if kind.startswith("union_tag") else _loc(e.get("loc", ())),
            "message": message}


ErrorPage = Callable[[Request, int], Awaitable[Response]]


def wants_page(request: Request) -> bool:
    """Whether the one asking is a browser: it lists HTML among what it accepts, or it asked
    for an address outside the API."""
    return ("text/html" in request.headers.get("accept", "")
            or not request.url.path.startswith("/api/"))


def install_error_handlers(app: FastAPI, page: ErrorPage | None = None) -> None:
    """The API's answers to errors; ``page`` gives the page a browser sees for an unknown
    address or a method an address does not take."""
    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_validation_error(e) for e in exc.errors()]
        first = errors[0] if errors else {"field": None, "message": "invalid request"}
        return _json(422, f"field '{first['field']}': {first['message']}", first["field"], errors)

    @app.exception_handler(InvalidInput)
    async def bad_input(_: Request, exc: InvalidInput) -> JSONResponse:
        return _json(422, str(exc), exc.field)

    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return _json(404, str(exc))

    @app.exception_handler(AccessDenied)
    async def denied(_: Request, exc: AccessDenied) -> JSONResponse:
        return _json(403, str(exc))

    @app.exception_handler(ConcurrencyConflict)
    async def conflict(_: Request, exc: ConcurrencyConflict) -> JSONResponse:
        return _json(412, str(exc), "expected_version")

    @app.exception_handler(SignInRefused)
    async def refused(_: Request, exc: SignInRefused) -> JSONResponse:
        return _json(401, str(exc))

    @app.exception_handler(TooManyAttempts)
    async def too_many(_: Request, exc: TooManyAttempts) -> JSONResponse:
        return _json(429, str(exc), headers={"Retry-After": str(exc.retry_after_seconds)})

    # Starlette's own, which FastAPI's is a subclass of: the framework raises it too (an unknown
    # path, a method not allowed, a body it cannot read), and every error answer is an ErrorOut.
    @app.exception_handler(HTTPException)
    async def http(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
            # FastAPI answers 400 for a body that is not text; like any other bad body, it is 422
            return _json(422, "field 'body': is not JSON text (UTF-8)", "body")
        if page is not None and exc.status_code in (404, 405) and wants_page(request):
            return await page(request, exc.status_code)
        return framework_error(exc)


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of the error answers a route can give."""
    words = {401: "not signed in", 403: "not allowed for this role",
             404: "not found or not yours (no such record, or not one you may read); an "
                  "address the API does not have is problem JSON",
             412: "the case changed since expected_version", 422: "a field is missing or wrong",
             429: "too many failed sign-ins"}
    return {c: {"model": ErrorOut, "description": words.get(c, "error"),
                **({"content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}}
                   if c in PROBLEM_STATUSES else {})} for c in codes}


# What a problem details answer holds (documented beside ErrorOut for 404).
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["type", "title", "status", "detail", "error", "message"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                   "status": {"type": "integer"}, "detail": {"type": "string"},
                   "error": {"type": "string"}, "message": {"type": "string"},
                   "field": {"type": ["string", "null"]},
                   "details": {"type": "array", "items": {"type": "object"}},
                   "incident": {"type": "string"}}}
