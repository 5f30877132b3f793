"""OpenID Connect sign-in against a real (local) provider: the provider's signed ID token names
an account that an administrator created; unknown names and other subjects are refused."""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Form, Request
from fastapi.responses import RedirectResponse
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import select

from duecourse.config import load_settings
from duecourse.store.tables import ledger
from duecourse.web.app import create_web_app
from duecourse.web.settings import load_web_settings

from .support import Site, build_site

pytestmark = pytest.mark.sqlite
CLIENT_ID, CLIENT_SECRET = "duecourse", "s3cret"


def provider(issuer: str, who: dict[str, str]) -> FastAPI:
    """A minimal OpenID provider: discovery, authorize (signs in ``who`` at once), token, JWKS."""
    key = RSAKey.generate_key(2048)
    codes: dict[str, str] = {}
    idp = FastAPI()

    @idp.get("/.well-known/openid-configuration")
    def discovery() -> dict[str, Any]:
        return {"issuer": issuer, "authorization_endpoint": f"{issuer}/authorize",
                "token_endpoint": f"{issuer}/token", "jwks_uri": f"{issuer}/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"]}

    @idp.get("/authorize")
    def authorize(redirect_uri: str, state: str, nonce: str = "") -> RedirectResponse:
        code = secrets.token_urlsafe(8)
        codes[code] = nonce
        return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}")

    @idp.post("/token")
    async def token(request: Request, code: str = Form()) -> dict[str, Any]:
        now = int(time.time())
        claims = {"iss": issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                  "nonce": codes.pop(code), **who}
        id_token = jwt.encode({"alg": "RS256", "kid": key.thumbprint()}, claims, key)
        return {"access_token": "at", "token_type": "Bearer", "expires_in": 300,
                "id_token": id_token}

    @idp.get("/jwks")
    def jwks() -> dict[str, Any]:
        return {"keys": [{**key.as_dict(private=False), "kid": key.thumbprint()}]}

    return idp


@pytest.fixture
def run_provider() -> Iterator[Any]:
    servers: list[uvicorn.Server] = []

    def start(who: dict[str, str]) -> str:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        issuer = f"http://127.0.0.1:{port}"
        server = uvicorn.Server(uvicorn.Config(provider(issuer, who), log_level="warning"))
        threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
        while not server.started:
            time.sleep(0.01)
        servers.append(server)
        return issuer

    yield start
    for s in servers:
        s.should_exit = True


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return build_site(f"sqlite:///{tmp_path_factory.mktemp('oidc')}/site.sqlite")


def _sign_in_through(site: Site, issuer: str, monkeypatch: pytest.MonkeyPatch) -> httpx.Response:
    monkeypatch.setenv("DUECOURSE_OIDC_ISSUER", issuer)
    monkeypatch.setenv("DUECOURSE_OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("DUECOURSE_OIDC_CLIENT_SECRET", CLIENT_SECRET)
    web = create_web_app(site.app, load_web_settings(load_settings("sqlite://")))
    c = TestClient(web)
    assert "Sign in with agency sign-in" in c.get("/sign-in").text
    to_provider = c.get("/auth/oidc/login", follow_redirects=False)
    assert to_provider.status_code == 302 and to_provider.headers["location"].startswith(issuer)
    back = httpx.get(to_provider.headers["location"], follow_redirects=False)
    callback = urlparse(back.headers["location"])
    assert parse_qs(callback.query)["state"]
    answer: httpx.Response = c.get(f"{callback.path}?{callback.query}", follow_redirects=False)
    return answer


def test_provider_signs_in_an_existing_account(site: Site, run_provider: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    issuer = run_provider({"sub": "agency-123", "preferred_username": "transport1"})
    r = _sign_in_through(site, issuer, monkeypatch)
    assert r.status_code == 303, r.text
    assert "duecourse_session=" in r.headers["set-cookie"]


def test_an_unknown_name_is_refused(site: Site, run_provider: Any,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    issuer = run_provider({"sub": "agency-999", "preferred_username": "stranger"})
    r = _sign_in_through(site, issuer, monkeypatch)
    assert r.status_code == 403 and "no active duecourse account" in r.text


def test_another_subject_cannot_take_a_bound_account(site: Site, run_provider: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    first = run_provider({"sub": "agency-1", "preferred_username": "detention1"})
    assert _sign_in_through(site, first, monkeypatch).status_code == 303
    second = run_provider({"sub": "agency-2", "preferred_username": "detention1"})
    assert _sign_in_through(site, second, monkeypatch).status_code == 403


def test_the_binding_is_ledgered_once(site: Site, run_provider: Any,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    issuer = run_provider({"sub": "agency-77", "preferred_username": "oversight1"})
    for _ in range(2):  # bound at the first sign-in; the second finds it bound
        assert _sign_in_through(site, issuer, monkeypatch).status_code == 303
    with site.app.ctx.engine.connect() as conn:
        bodies = [json.loads(b) for b in conn.execute(
            select(ledger.c.body).where(ledger.c.kind == "account_changed")).scalars()]
    assert [b for b in bodies if b["change"] == "oidc_bound"
            and b["username"] == "oversight1"] == [
        {"change": "oidc_bound", "username": "oversight1", "oidc_subject": "agency-77",
         "issuer": issuer}]
