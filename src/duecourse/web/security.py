"""Who is asking: bearer tokens for the API, session cookies (with CSRF tokens) for pages."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..app.accounts import Account, WebSession, get_session, get_token_account
from ..bootstrap import App
from .settings import WebSettings

SESSION_COOKIE = "duecourse_session"
PRE_CSRF_COOKIE = "duecourse_signin"  # double-submit token for the sign-in form (no session yet)

_bearer = HTTPBearer(auto_error=False, description="a token from POST /api/v1/auth/token")


class NotSignedIn(Exception):
    """A page needs a signed-in user: the handler redirects to the sign-in page."""


class CsrfFailed(Exception):
    """A form came without this session's CSRF token."""


def the_app(request: Request) -> App:
    app: App = request.app.state.duecourse
    return app


def web_settings(request: Request) -> WebSettings:
    s: WebSettings = request.app.state.web_settings
    return s


def remote_address(request: Request) -> str:
    """The client's address: behind a trusted proxy, the one it forwarded (proxies.py)."""
    return request.client.host if request.client else ""


def api_account(request: Request,
                cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Account:
    if cred is None or cred.scheme.lower() != "bearer":
        raise HTTPException(401, "sign in: send Authorization: Bearer <token> (POST "
                                 "/api/v1/auth/token gives one)",
                            headers={"WWW-Authenticate": "Bearer"})
    account = get_token_account(the_app(request).ctx, cred.credentials)
    if account is None:
        raise HTTPException(401, "the token is unknown, expired or revoked",
                            headers={"WWW-Authenticate": "Bearer"})
    return account


@dataclass(frozen=True)
class PageUser:
    session: WebSession
    token: str

    @property
    def account(self) -> Account:
        return self.session.account


def page_user(request: Request) -> PageUser:
    token = request.cookies.get(SESSION_COOKIE, "")
    session = get_session(the_app(request).ctx, token) if token else None
    if session is None:
        raise NotSignedIn
    return PageUser(session, token)


async def check_csrf(request: Request, user: Annotated[PageUser, Depends(page_user)]) -> PageUser:
    form = await request.form()
    sent = form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
    if not isinstance(sent, str) or not secrets.compare_digest(sent, user.session.csrf_token):
        raise CsrfFailed
    return user


ApiAccount = Annotated[Account, Depends(api_account)]
SignedIn = Annotated[PageUser, Depends(page_user)]
FormUser = Annotated[PageUser, Depends(check_csrf)]
