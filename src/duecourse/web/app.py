"""The web application: pages at /, the REST API at /api/v1 (OpenAPI at /api/v1/openapi.json),
both over the same handlers and ``access_*`` funnels as the command line."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

import anyio
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..bootstrap import App
from .api import admin, cases, identity, placement, transport
from .api.errors import (
    framework_error,
    incident_problem,
    install_error_handlers,
    wants_page,
)
from .body_limit import BodyLimit
from .incidents import Incidents
from .pages import identity as identity_pages
from .pages import ledger as ledger_pages
from .pages import notices as notice_pages
from .pages import placement as placement_pages
from .pages import routes as pages
from .pages import transport as transport_pages
from .proxies import TrustedProxies
from .security import CsrfFailed, NotSignedIn
from .settings import WebSettings

API_DESCRIPTION = """\
duecourse: immigration enforcement casework in which due process is enforced by the software.

Sign in with `POST /auth/token` and send the token as `Authorization: Bearer …`. Reads of
personal data take a `purpose` and are recorded in the ledger with who read, their role and
the purpose. Commands use DESIGN.md's vocabulary; a refusal by the law is a 409 whose body names
every rule that refused, with its citation and reason. An `Idempotency-Key` header makes a
retried command apply once. Lists are paginated with `limit` and `offset`.
"""

_SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                "script-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


_NO_STORE = ("/api/", "/cases", "/persons", "/queue", "/oversight", "/admin", "/placement",
             "/transport", "/notices", "/ledger", "/clients", "/identity")
# The vendored design system changes only with its version (scripts/vendor_uswds.sh): cached for
# a week. The project's own static files are revalidated (ETag) on each use.
_STATIC_CACHE = (("/static/uswds/", "public, max-age=604800"), ("/static/", "no-cache"))


def _cache_control(path: str) -> str | None:
    if path.startswith(_NO_STORE):
        return "no-store"
    return next((rule for prefix, rule in _STATIC_CACHE if path.startswith(prefix)), None)


class SecurityHeaders:
    """Security headers on every answer (a plain ASGI middleware: no extra task per request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cache = _cache_control(str(scope.get("path", "")))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for k, v in _SECURITY_HEADERS.items():
                    headers.setdefault(k, v)
                if cache is not None:
                    headers.setdefault("Cache-Control", cache)
            await send(message)

        await self.app(scope, receive, with_headers)


_ERROR_PAGES = {
    404: ("Page not found", "There is no page at this address. Check the address, or go back "
                            "to the start."),
    405: ("Not available this way", "This address does not answer that kind of request (a form "
                                    "sends to it from its own page). Go back to the start."),
}


async def error_page(request: Request, status: int) -> Response:
    """The page a browser sees for an unknown address or a method an address does not take:
    nothing of the address is repeated (the header's links go home)."""
    title, text = _ERROR_PAGES[status]
    return await run_in_threadpool(pages.message, request, status, title, text, path="/")


async def incident_answer(request: Request, reference: str) -> Response:
    """An error of the program: a page for a browser, problem JSON for the API."""
    if not wants_page(request):
        return incident_problem(reference)
    return await run_in_threadpool(
        pages.message, request, 500, "Something went wrong",
        "duecourse could not finish this request. If you were saving something, look whether "
        "it was recorded before you try again.", path="/", incident=reference)


def create_api(app: App, settings: WebSettings) -> FastAPI:
    api = FastAPI(title="duecourse API", version="1", description=API_DESCRIPTION,
                  openapi_url="/openapi.json", docs_url=None, redoc_url=None)
    api.state.duecourse = app
    api.state.web_settings = settings
    api.add_middleware(Incidents, answer=incident_answer)
    install_error_handlers(api, error_page)
    api.include_router(cases.router)
    api.include_router(admin.router)
    api.include_router(placement.router)
    api.include_router(transport.router)
    api.include_router(identity.router)
    return api


@asynccontextmanager
async def _lifespan(web: FastAPI) -> AsyncIterator[None]:
    # Requests run in a thread pool (its size measured in docs/benchmarks.md). Each worker runs
    # a ledger sequencer on PostgreSQL; one of them is elected (app/sequencer.py).
    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = web.state.web_settings.threads
    sequencer = web.state.duecourse.start_sequencer()
    try:
        yield
    finally:
        if sequencer is not None:
            sequencer.stop()
            web.state.duecourse.flush_ledger()


def create_web_app(app: App, settings: WebSettings) -> FastAPI:
    web = FastAPI(title="duecourse", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=_lifespan)
    web.state.duecourse = app
    web.state.web_settings = settings
    # Outermost last: the client's address is settled first (proxies.py), then a body past the
    # limit is refused (body_limit.py), and every answer, a 413 too, has the security headers.
    web.add_middleware(Incidents, answer=incident_answer)  # innermost: any error of the program
    web.add_middleware(BodyLimit, limit=settings.max_request_bytes)
    web.add_middleware(SecurityHeaders)
    web.add_middleware(TrustedProxies, proxies=settings.trusted_proxies)
    web.mount("/api/v1", create_api(app, settings))
    web.mount("/static", StaticFiles(directory=str(resources.files("duecourse.web") / "static")),
              name="static")
    web.include_router(pages.router)
    web.include_router(placement_pages.router)
    web.include_router(transport_pages.router)
    web.include_router(identity_pages.router)
    web.include_router(ledger_pages.router)
    web.include_router(notice_pages.router)

    @web.exception_handler(HTTPException)
    async def framework(request: Request, exc: HTTPException) -> Response:
        # An address outside every route (or one the API's mount cannot match, such as one with
        # a line break in it), a method an address does not take: a page for a browser, the
        # API's own answer under /api/.
        if exc.status_code in (404, 405) and wants_page(request):
            return await error_page(request, exc.status_code)
        if request.url.path.startswith("/api/"):
            return framework_error(exc)
        return await http_exception_handler(request, exc)

    @web.exception_handler(NotSignedIn)
    async def sign_in_first(request: Request, _: NotSignedIn) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={target}", status_code=303)

    @web.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, _: CsrfFailed) -> Response:
        return pages.message(request, 403, "This form has expired",
                             "The form was not sent from this session (its security token is "
                             "missing or old). Go back, reload the page and try again.")

    pages.install_page_errors(web)
    if settings.oidc is not None:
        from .oidc import install_oidc

        install_oidc(web, settings.oidc, settings.secret_key, settings.secure_cookies)
    return web
