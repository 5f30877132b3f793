"""Sign-in limits per account and per client address (issue 16): no one can lock everyone out.

Behind the TLS proxy every connection comes from the proxy; failures from one client, or
against one account, lock only that client or that account, for a bounded time, and a locked
account answers as a locked unknown name does. The count and its check are one atomic
statement: tries at once, each on its own connection, pass the limit no further."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from duecourse.app.accounts import (
    SignInRefused,
    TooManyAttempts,
    do_create_account,
    do_sign_in,
)
from duecourse.bootstrap import build_app
from duecourse.store.tables import sign_in_limits

from .support import PASSWORD, Site, build_site

PROXY = "10.0.0.7"


@pytest.fixture
def site(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Site:
    monkeypatch.setenv("DUECOURSE_TRUSTED_PROXIES", "10.0.0.0/8")
    return build_site(db_url)


def _sign_in(site: Site, client: str, username: str, password: str) -> tuple[int, str, str]:
    """Through the proxy, from ``client``: status, message, Retry-After."""
    proxied = TestClient(site.web, client=(PROXY, 40000))
    r = proxied.post("/api/v1/auth/token", json={"username": username, "password": password},
                     headers={"X-Forwarded-For": client})
    return r.status_code, r.json().get("message", ""), r.headers.get("Retry-After", "")


def test_failures_from_one_client_lock_out_that_client_only(site: Site) -> None:
    codes = [_sign_in(site, "203.0.113.9", f"guess{i}", "wrong")[0] for i in range(25)]
    assert codes == [401] * 20 + [429] * 5
    # locked out with the right password too; another client behind the same proxy is not
    assert _sign_in(site, "203.0.113.9", "officer1", PASSWORD)[0] == 429
    assert _sign_in(site, "198.51.100.7", "officer1", PASSWORD)[0] == 200


def test_failures_against_one_account_lock_that_account_only(site: Site) -> None:
    now = datetime.now(UTC)
    site.app.ctx.clock = lambda: now
    codes = [_sign_in(site, f"203.0.113.{i}", "supervisor1", "wrong")[0] for i in range(1, 26)]
    assert codes == [401] * 5 + [429] * 20
    locked = _sign_in(site, "198.51.100.8", "supervisor1", PASSWORD)
    assert locked[0] == 429 and locked[1] == "too many failed sign-ins: try again in 15 minutes"
    assert locked[2] == "900"
    # a user name no account has is locked the same way: the answer does not tell them apart
    for i in range(6):
        unknown = _sign_in(site, f"192.0.2.{i}", "nosuchuser", "wrong")
    assert unknown == locked
    # everyone else signs in, from anywhere (the clients who tried too)
    assert _sign_in(site, "198.51.100.9", "officer1", PASSWORD)[0] == 200
    assert _sign_in(site, "203.0.113.3", "counsel1", PASSWORD)[0] == 200
    # the lock ends with its window
    site.app.ctx.clock = lambda: now + timedelta(minutes=14)
    assert _sign_in(site, "198.51.100.8", "supervisor1", PASSWORD)[1].endswith("in 1 minute")
    site.app.ctx.clock = lambda: now + timedelta(minutes=15)
    assert _sign_in(site, "198.51.100.8", "supervisor1", PASSWORD)[0] == 200
    # and counters of ended windows are gone: only this sign-in's own are left
    with site.app.ctx.engine.connect() as conn:
        left = conn.execute(select(sign_in_limits.c.scope, sign_in_limits.c.subject,
                                   sign_in_limits.c.tries)).all()
    assert sorted(map(tuple, left)) == [("account", "supervisor1", 0),
                                        ("address", "198.51.100.8", 0)]


def test_the_limits_are_settings(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_SIGN_IN_FAILURES_PER_ACCOUNT", "2")
    monkeypatch.setenv("DUECOURSE_SIGN_IN_FAILURES_PER_ADDRESS", "3")
    monkeypatch.setenv("DUECOURSE_SIGN_IN_WINDOW_MINUTES", "60")
    monkeypatch.setenv("DUECOURSE_TRUSTED_PROXIES", "10.0.0.0/8")
    site = build_site(db_url)
    for _ in range(4):  # a right password is not counted as a failure
        assert _sign_in(site, "198.51.100.10", "officer1", PASSWORD)[0] == 200
    assert [_sign_in(site, f"203.0.113.{i}", "officer1", "wrong")[0]
            for i in range(3)] == [401, 401, 429]
    assert _sign_in(site, "203.0.113.0", "officer1", PASSWORD)[1].endswith("in 60 minutes")
    assert [_sign_in(site, "198.51.100.1", f"x{i}", "wrong")[0]
            for i in range(4)] == [401, 401, 401, 429]


TRIES = 30


def _tries_at_once(db_url: str, username: str, address: str | None) -> list[str]:
    """TRIES wrong passwords at once, each in a thread with its own connection, for
    ``username`` (with ``{i}``: a user name each) from ``address`` (None: an address each):
    how each ended, sorted."""
    app = build_app(db_url)
    do_create_account(app.ctx, None, "target", "officer", PASSWORD)
    start = threading.Barrier(TRIES)

    def attempt(i: int) -> str:
        start.wait()
        try:
            do_sign_in(app.ctx, username.format(i=i), "wrong", address or f"192.0.2.{i}")
        except SignInRefused:
            return "checked"
        except TooManyAttempts:
            return "locked"
        return "signed in"

    with ThreadPoolExecutor(TRIES) as pool:
        outcomes = sorted(pool.map(attempt, range(TRIES)))
    app.flush_ledger()  # the account's entry (on PostgreSQL it waits in the queue)
    app.ctx.engine.dispose()
    return outcomes


def test_tries_at_once_against_one_account_pass_its_limit_no_further(db_url: str) -> None:
    assert _tries_at_once(db_url, "target", None) == ["checked"] * 5 + ["locked"] * (TRIES - 5)


def test_tries_at_once_from_one_address_pass_its_limit_no_further(db_url: str) -> None:
    outcomes = _tries_at_once(db_url, "guess{i}", "203.0.113.9")
    assert outcomes == ["checked"] * 20 + ["locked"] * (TRIES - 20)
