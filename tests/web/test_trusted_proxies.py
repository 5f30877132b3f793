"""The client's address behind a trusted proxy (issue 16): X-Forwarded-For is believed only from
a proxy named in DUECOURSE_TRUSTED_PROXIES, as far as trusted proxies wrote it; a bad entry in
the setting stops the server at start with a message that names the variable and the entry."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from duecourse.store.tables import login_attempts

from .support import Site, build_site, call_asgi

PROXY = "10.0.0.7"  # the TLS proxy, in the trusted network


@pytest.fixture
def site(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Site:
    monkeypatch.setenv("DUECOURSE_TRUSTED_PROXIES", "10.0.0.0/8, 2001:db8::1")
    return build_site(db_url)


def _recorded_address(site: Site, peer: str, forwarded: str | None, username: str) -> str:
    """The address recorded for a failed sign-in sent from ``peer`` with ``forwarded`` as its
    X-Forwarded-For header."""
    client = TestClient(site.web, client=(peer, 40000))
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    r = client.post("/api/v1/auth/token", json={"username": username, "password": "wrong"},
                    headers=headers)
    assert r.status_code == 401, r.text
    with site.app.ctx.engine.connect() as conn:
        return str(conn.execute(select(login_attempts.c.remote)
                                .where(login_attempts.c.username == username)).scalar_one())


CASES = [  # the connection's other end, its X-Forwarded-For, the client's address
    # through the proxy: the address it saw
    (PROXY, "203.0.113.9", "203.0.113.9"),
    # through two trusted proxies: the right-most address that is not one of them
    (PROXY, "203.0.113.9, 10.0.0.8", "203.0.113.9"),
    # a client's own X-Forwarded-For before the proxy's entry is not believed
    (PROXY, "192.0.2.66, 198.51.100.30", "198.51.100.30"),
    (PROXY, "not-an-address, 198.51.100.31", "198.51.100.31"),
    # straight to the server, not through a proxy: the header is anyone's and is ignored
    ("198.51.100.20", "203.0.113.50", "198.51.100.20"),
    ("2001:db8::1", "2001:db8::99", "2001:db8::99"),  # an IPv6 proxy
    (PROXY, None, PROXY),  # the proxy itself, forwarding nothing
]


def test_the_client_address_comes_from_trusted_proxies_only(site: Site) -> None:
    got = [_recorded_address(site, peer, forwarded, f"nobody{i}")
           for i, (peer, forwarded, _) in enumerate(CASES)]
    assert got == [client for _, _, client in CASES]


def test_the_access_log_names_the_forwarded_client(site: Site) -> None:
    # uvicorn's access log reads the client from the request's scope after the app answered.
    scope: dict[str, Any] = {
        "type": "http", "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": "/api/v1/me", "raw_path": b"/api/v1/me", "root_path": "", "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"x-forwarded-for", b"203.0.113.9")],
        "client": (PROXY, 40000), "server": ("testserver", 80)}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    call_asgi(site.web, scope, receive, send)
    assert sent[0]["status"] == 401
    assert scope["client"][0] == "203.0.113.9"


def test_every_worker_believes_the_trusted_proxies(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # ``serve --workers N``: each worker builds the app from the environment
    from duecourse.app import collector
    from duecourse.bootstrap import build_app
    from duecourse.web.server import app_from_environment

    url = f"sqlite:///{tmp_path / 'workers.db'}"
    build_app(url).ctx.engine.dispose()  # serve migrates before the workers start
    monkeypatch.setenv("DUECOURSE_DB", url)
    monkeypatch.setenv("DUECOURSE_TRUSTED_PROXIES", "10.0.0.0/8")
    try:
        worker = app_from_environment()
    finally:
        collector._SERVING[0] = False  # this test process serves nothing
        gc.unfreeze()
    r = TestClient(worker, client=(PROXY, 40000)).post(
        "/api/v1/auth/token", json={"username": "nobody", "password": "wrong"},
        headers={"X-Forwarded-For": "203.0.113.77"})
    assert r.status_code == 401
    with worker.state.duecourse.ctx.engine.connect() as conn:
        assert conn.execute(select(login_attempts.c.remote)).scalar_one() == "203.0.113.77"
    worker.state.duecourse.ctx.engine.dispose()


def test_a_bad_trusted_proxy_entry_stops_the_server_at_start(tmp_path: Path) -> None:
    env = {**os.environ, "DUECOURSE_ENV": "development",
           "DUECOURSE_TRUSTED_PROXIES": "10.0.0.0/8, proxy.internal"}
    exe = Path(sys.executable).with_name("duecourse")
    done = subprocess.run([str(exe), "serve", "--port", "1", "--db",
                           f"sqlite:///{tmp_path / 'serve.db'}"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "DUECOURSE_TRUSTED_PROXIES" in done.stderr and "'proxy.internal'" in done.stderr
    assert not (tmp_path / "serve.db").exists()  # refused before anything was made


@pytest.mark.parametrize(("forwarded", "client"), [
    ("203.0.113.7:51234", "203.0.113.7"),  # a proxy that writes the port
    ("[2001:db8::7]:443", "2001:db8::7"),
    ("::ffff:203.0.113.7", "203.0.113.7"),  # IPv4-mapped is the IPv4 address
    (" 198.51.100.1 , 203.0.113.7 ", "203.0.113.7"),
    ("unknown", "unreadable:unknown"),  # never the proxy's own address, shared by everyone
    ("203.0.113.7;", "unreadable:203.0.113.7;"),
])
def test_forwarded_entries_as_proxies_write_them(forwarded: str, client: str) -> None:
    """An outside review: entries with a port or garbage made every client the proxy itself,
    so that 20 failures from anyone locked out everyone again."""
    from duecourse.web.proxies import check_trusted_proxies, client_address

    proxies = check_trusted_proxies("10.0.0.1")
    assert client_address("10.0.0.1", [forwarded], proxies) == client
    assert client_address("192.0.2.9", [forwarded], proxies) == "192.0.2.9"  # not trusted


def test_the_address_limit_counts_an_ipv6_household_once() -> None:
    from duecourse.app.sign_in_limits import address_key

    assert address_key("2001:db8:1:2::5") == address_key("2001:db8:1:2:ffff::9") \
        == "2001:db8:1:2::/64"
    assert address_key("::ffff:203.0.113.7") == address_key("203.0.113.7") == "203.0.113.7"
    assert address_key("unreadable:x") == "unreadable:x"
