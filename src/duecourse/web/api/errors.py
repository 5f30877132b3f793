"""Errors as answers: every failure of the API is a JSON body with a kind, a sentence and, for
bad input, the field."""

from __future__ import annotations

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


def install_error_handlers(app: FastAPI) -> None:
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
        return _json(429, str(exc), headers={"Retry-After": "900"})

    # Starlette's own, which FastAPI's is a subclass of: the framework raises it too (an unknown
    # path, a method not allowed, a body it cannot read), and every error answer is an ErrorOut.
    @app.exception_handler(HTTPException)
    async def http(_: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
            # FastAPI answers 400 for a body that is not text; like any other bad body, it is 422
            return _json(422, "field 'body': is not JSON text (UTF-8)", "body")
        return _json(exc.status_code, str(exc.detail),
                     headers=dict(exc.headers) if exc.headers else None)


def install_mount_errors(web: FastAPI, prefix: str) -> None:
    """On the application the API is mounted in: an answer of the framework's under ``prefix``
    that the API never saw (a path the mount cannot match, such as one with a line break in it)
    is an ErrorOut too; any other keeps the framework's answer."""
    from fastapi.exception_handlers import http_exception_handler

    @web.exception_handler(HTTPException)
    async def http(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith(prefix):
            return _json(exc.status_code, str(exc.detail),
                         headers=dict(exc.headers) if exc.headers else None)
        return await http_exception_handler(request, exc)


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of the error answers a route can give."""
    words = {401: "not signed in", 403: "not allowed for this role",
             404: "not found or not yours (no such record, or not one you may read)",
             412: "the case changed since expected_version", 422: "a field is missing or wrong",
             429: "too many failed sign-ins"}
    return {c: {"model": ErrorOut, "description": words.get(c, "error")} for c in codes}
