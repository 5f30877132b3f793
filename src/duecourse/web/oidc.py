"""Sign-in through an agency's OpenID Connect provider (Authlib). The provider proves who the
person is; duecourse still decides what they may do: the configured claim (by default
``preferred_username``) must name an active account that an administrator created, and the
provider's subject is bound to that account on first use (a later sign-in with another subject
for the same account is refused)."""

from __future__ import annotations

from typing import Any

from authlib.integrations.starlette_client import (  # type: ignore[import-untyped]
    OAuth,
    OAuthError,
)
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from starlette.middleware.sessions import SessionMiddleware

from ..app.accounts import Account, do_bind_oidc_subject
from .pages.routes import message, start_session_response
from .security import the_app, web_settings
from .settings import OidcSettings

router = APIRouter(include_in_schema=False)


def install_oidc(web: FastAPI, settings: OidcSettings, secret_key: str, secure: bool) -> None:
    oauth = OAuth()
    oauth.register("agency", client_id=settings.client_id, client_secret=settings.client_secret,
                   server_metadata_url=f"{settings.issuer}/.well-known/openid-configuration",
                   client_kwargs={"scope": "openid profile email"})
    web.state.oauth = oauth
    # Holds only the OIDC state and nonce between the redirect and the callback (signed cookie).
    web.add_middleware(SessionMiddleware, secret_key=secret_key, session_cookie="duecourse_oidc",
                       max_age=600, same_site="lax", https_only=secure)
    web.include_router(router)


@router.get("/auth/oidc/login")
async def oidc_login(request: Request, next: str = "/") -> Any:
    request.session["next"] = next if next.startswith("/") and not next.startswith("//") else "/"
    client = request.app.state.oauth.agency
    return await client.authorize_redirect(request, str(request.url_for("oidc_callback")))


def _bind(request: Request, username: str, subject: str, issuer: str) -> Account | None:
    """The active account named by the provider, with the provider's subject bound to it
    (app/accounts.py binds it on first use and ledgers the binding)."""
    return do_bind_oidc_subject(the_app(request).ctx, username, subject, issuer)


@router.get("/auth/oidc/callback")
async def oidc_callback(request: Request) -> Response:
    settings = web_settings(request).oidc
    assert settings is not None
    try:
        token = await request.app.state.oauth.agency.authorize_access_token(request)
    except OAuthError as e:
        return message(request, 401, "Sign-in failed", f"The identity provider said: {e.error}.")
    claims = token.get("userinfo") or {}
    username, subject = str(claims.get(settings.username_claim, "")), str(claims.get("sub", ""))
    account = (_bind(request, username, subject, settings.issuer) if username and subject
               else None)
    if account is None:
        return message(request, 403, "No duecourse account",
                       f"The identity provider signed you in as '{username}', but no active "
                       "duecourse account of that name is bound to you. Ask an administrator.")
    return start_session_response(request, account, request.session.pop("next", "/"))
