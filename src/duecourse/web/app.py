"""The web application: pages at /, the REST API at /api/v1 (OpenAPI at /api/v1/openapi.json),
both over the same handlers and ``access_*`` funnels as the command line."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..bootstrap import App
from .api import admin, cases, identity, placement, transport
from .api.errors import install_error_handlers, install_mount_errors
from .body_limit import BodyLimit
from .pages import identity as identity_pages
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
             "/transport")
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


def create_api(app: App, settings: WebSettings) -> FastAPI:
    api = FastAPI(title="duecourse API", version="1", description=API_DESCRIPTION,
                  openapi_url="/openapi.json", docs_url=None, redoc_url=None)
    api.state.duecourse = app
    api.state.web_settings = settings
    install_error_handlers(api)
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
    web.add_middleware(BodyLimit, limit=settings.max_request_bytes)
    web.add_middleware(SecurityHeaders)
    web.add_middleware(TrustedProxies, proxies=settings.trusted_proxies)
    web.mount("/api/v1", create_api(app, settings))
    install_mount_errors(web, "/api/")
    web.mount("/static", StaticFiles(directory=str(resources.files("duecourse.web") / "static")),
              name="static")
    web.include_router(pages.router)
    web.include_router(placement_pages.router)
    web.include_router(transport_pages.router)
    web.include_router(identity_pages.router)

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
