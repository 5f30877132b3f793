"""The administrator gives an attorney's clients by case number (issue 17, item 7): each number
checked to be a case's (an unknown one refused, naming it, and nothing saved), typed as a clerk
types it, editable after the account is made, on the page and by the API, each change ledgered
with the lists before and after; the attorney then reads exactly their clients' cases."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from duecourse.app.accounts import get_account
from duecourse.store.tables import accounts, ledger

from .support import Site, build_site, csrf, ledger_entries, sign_in


@pytest.fixture
def site(db_url: str) -> Iterator[Site]:
    site = build_site(db_url)
    yield site
    site.app.ctx.engine.dispose()


def _counts(site: Site) -> tuple[int, int]:
    site.app.flush_ledger()
    with site.app.ctx.engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(accounts)).scalar_one(),
                conn.execute(select(func.count()).select_from(ledger)).scalar_one())


def _typed(case: str) -> str:
    """A case number as a clerk might type it: lower case, spaces around the hyphen."""
    return "  " + case.lower().replace("-", " - ") + " "


def _save_clients(admin: TestClient, username: str, clients: str) -> Response:
    """The administrator's Save on the account's row, with ``clients`` typed in its box."""
    return admin.post(f"/admin/accounts/{username}", data={
        "csrf_token": csrf(admin, "/admin/accounts"), "role": "attorney", "active": "on",
        "clients": clients, "clients_shown": "1"})  # as the row's form sends them


def test_an_unknown_case_number_is_refused_and_nothing_saved(site: Site) -> None:
    admin, ben = sign_in(site, "admin"), site.cases["ben"]
    before = _counts(site)
    r = admin.post("/admin/accounts", data={
        "csrf_token": csrf(admin, "/admin/accounts"), "username": "attorney7",
        "role": "attorney", "password": "a long enough password",
        "clients": f"{ben}, C-NOSUCHCASE"})
    assert r.status_code == 422 and "C-NOSUCHCASE" in r.text and "Nothing was saved" in r.text
    assert 'value="attorney7"' in r.text  # what was typed comes back
    r = _save_clients(admin, "attorney1", "c-nosuchcase")
    assert r.status_code == 422 and "C-NOSUCHCASE" in r.text
    api = site.client("admin")
    r = api.post("/api/v1/accounts", json={"username": "attorney8", "role": "attorney",
                                            "clients": ["Maria Example"]})
    assert r.status_code == 422 and r.json()["field"] == "clients[0]"
    assert "MARIAEXAMPLE" in r.json()["message"]
    r = api.patch("/api/v1/accounts/attorney1", json={"clients": [ben, "C-0000000000"]})
    assert r.status_code == 422 and r.json()["field"] == "clients[1]"
    assert _counts(site) == before  # no account, no entry
    attorney = next(a for a in api.get("/api/v1/accounts", params={"limit": 100}).json()["items"]
                    if a["username"] == "attorney1")
    assert attorney["clients"] == [ben]


def test_edits_add_and_remove_clients_and_the_attorney_reads_accordingly(site: Site) -> None:
    admin, attorney = sign_in(site, "admin"), sign_in(site, "attorney", "representation")
    ana, ben, cai = site.cases["ana"], site.cases["ben"], site.cases["cai"]
    assert attorney.get(f"/cases/{ben}").status_code == 200
    assert attorney.get(f"/cases/{ana}").status_code == 404
    # the page: ana added (typed loosely), ben removed
    r = _save_clients(admin, "attorney1", _typed(ana))
    assert r.status_code == 200, r.text[:500]
    assert attorney.get(f"/cases/{ana}").status_code == 200
    assert attorney.get(f"/cases/{ben}").status_code == 404
    # the administrator sees case numbers, never the clients' names
    page = admin.get("/admin/accounts").text
    assert f'id="clients-attorney1" name="clients" value="{ana}"' in page
    assert "Example" not in page and "Ana" not in page
    # the API: cai and ben, ana gone
    r = site.client("admin").patch("/api/v1/accounts/attorney1",
                                   json={"clients": [cai.lower(), f" {ben} "]})
    assert r.status_code == 200 and r.json()["clients"] == [cai, ben], r.text
    assert attorney.get(f"/cases/{ana}").status_code == 404
    assert attorney.get(f"/cases/{cai}").status_code == 200
    assert attorney.get(f"/cases/{ben}").status_code == 200


def test_each_change_is_in_the_ledger_with_the_lists_before_and_after(site: Site) -> None:
    admin = sign_in(site, "admin")
    ana, ben = site.cases["ana"], site.cases["ben"]
    pa, pb = site.persons["ana"], site.persons["ben"]
    assert _save_clients(admin, "attorney1", f"{ben}, {ana}").status_code == 200
    r = admin.post("/admin/accounts", data={
        "csrf_token": csrf(admin, "/admin/accounts"), "username": "attorney7",
        "role": "attorney", "password": "a long enough password", "clients": _typed(ana)})
    assert r.status_code == 200 and "Account attorney7 created." in r.text
    changes = [json.loads(e.body) for e in ledger_entries(site, "account_changed")]
    updated = [b for b in changes if b["change"] == "account_updated"
               and b["username"] == "attorney1"][-1]
    assert updated["client_cases_before"] == [ben] and updated["clients_before"] == [pb]
    assert updated["client_cases"] == [ben, ana] and updated["clients"] == [pb, pa]
    created = [b for b in changes if b["change"] == "account_created"
               and b["username"] == "attorney7"][-1]
    assert created["client_cases"] == [ana] and created["clients"] == [pa]
    who = [e for e in ledger_entries(site, "account_changed")
           if json.loads(e.body).get("username") == "attorney1"][-1]
    assert who.actor_id == "u-admin1"


def test_an_emptied_box_takes_every_client_away(site: Site) -> None:
    """A clerk clears the box to end a representation: saved as no client, not as unchanged."""
    admin, ben = sign_in(site, "admin"), site.cases["ben"]
    attorney = sign_in(site, "attorney", "representation")
    assert attorney.get(f"/cases/{ben}").status_code == 200
    r = _save_clients(admin, "attorney1", "")
    assert r.status_code == 200 and "Account attorney1 saved." in r.text
    with site.app.ctx.engine.connect() as conn:
        account = get_account(conn, "attorney1")
    assert account is not None and account.actor.clients == ()
    assert attorney.get(f"/cases/{ben}").status_code == 404


def test_an_office_is_stored_without_the_spaces_typed_around_it(site: Site) -> None:
    admin = sign_in(site, "admin")
    r = admin.post("/admin/accounts", data={
        "csrf_token": csrf(admin, "/admin/accounts"), "username": "supervisor9",
        "role": "supervisor", "password": "a long enough password",
        "office": "  Newark,   NJ "})
    assert r.status_code == 200, r.text
    with site.app.ctx.engine.connect() as conn:
        account = get_account(conn, "supervisor9")
    assert account is not None and account.office == "Newark, NJ"
