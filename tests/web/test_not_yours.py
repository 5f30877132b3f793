"""What a refusal reveals (issue 16): to someone who may not read a case - an outside attorney
who does not represent the person, an admin - a read or a command on it is answered exactly as a
case that does not exist is, status and body byte for byte: "not found or not yours", with no
state, no country, no name. The attempt is still ledgered with its real reasons. A refusal to
someone who may read the case keeps its explanation. Through the API and the pages, on SQLite
and PostgreSQL. Invented people only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from duecourse.app.accounts import get_account
from duecourse.domain.commands import parse_command

from .support import PURPOSE, Site, build_site, csrf, ledger_entries, sign_in

NOWHERE = "C-2026-NOSUCH"
NOT_YOURS: dict[str, Any] = {"error": "not_found", "message": "not found or not yours", "field": None,
             "details": []}
CLAIM = {"command": "claim_citizenship", "with": {"evidence": "a U.S. birth certificate"}}


@pytest.fixture
def site(db_url: str) -> Site:
    return build_site(db_url)


def _closed(site: Site) -> str:
    """cai's case, closed on his removal to Haiti (no client of the attorney's)."""
    with site.app.ctx.engine.connect() as conn:
        officer = get_account(conn, "officer1")
    assert officer is not None
    out = site.app.do(parse_command("close_case", {"reason": "removed to HT"}), officer.actor,
                      datetime.now(UTC) + timedelta(minutes=1), case_id=site.cases["cai"])
    assert out.accepted, out.refusals
    return site.cases["cai"]


def _same(a: Response, b: Response) -> None:
    assert (a.status_code, a.content) == (b.status_code, b.content)
    assert a.status_code == 404


def _commands_refused(site: Site) -> list[Any]:
    return ledger_entries(site, "command_refused")


@pytest.mark.parametrize("role", ["attorney", "admin"])
def test_the_api_answers_not_yours_as_it_answers_no_such_case(site: Site, role: str) -> None:
    case, c = _closed(site), site.client(role)
    why = {"purpose": PURPOSE[role]}
    before = len(_commands_refused(site))
    mine = c.post(f"/api/v1/cases/{case}/commands", json=CLAIM)
    none = c.post(f"/api/v1/cases/{NOWHERE}/commands", json=CLAIM)
    _same(mine, none)
    assert mine.json() == NOT_YOURS
    assert "HT" not in mine.text and "closed" not in mine.text
    # with an expected version that is not the case's: still nothing of the case (no version)
    _same(c.post(f"/api/v1/cases/{case}/commands", json={**CLAIM, "expected_version": 99}),
          none)
    for path in ("", "/deadlines"):
        _same(c.get(f"/api/v1/cases/{case}{path}", params=why),
              c.get(f"/api/v1/cases/{NOWHERE}{path}", params=why))
    person = site.persons["cai"]
    _same(c.get(f"/api/v1/persons/{person}", params=why),
          c.get("/api/v1/persons/P-NOSUCH", params=why))
    # ledgered as before: the refused command on the case with every reason, who and why
    refused = _commands_refused(site)[before:]
    on_case = [r for r in refused if r.case_id == case]
    assert len(on_case) == 2 and on_case[0].actor_role == role
    rules = {x["rule"] for x in json.loads(on_case[0].body)["refusals"]}
    assert {"ROLE", "LIFECYCLE"} <= rules
    reads = [r for r in ledger_entries(site, "read_refused") if r.case_id == case]
    assert len(reads) == 2 and {r.purpose for r in reads} == {PURPOSE[role]}
    # to one who may read the case, the same refusal explains itself
    r = site.client("officer").post(f"/api/v1/cases/{case}/commands", json=CLAIM)
    assert r.status_code == 409
    assert any("the case is closed (removed to HT)" in x["reason"] for x in r.json()["refusals"])
    if role == "attorney":  # and to the attorney, on their client's case
        ben = site.cases["ben"]
        r = c.post(f"/api/v1/cases/{ben}/commands", json={
            "command": "record_removal", "with": {"destination": "GT"}})
        assert r.status_code == 409 and "ROLE" in {x["rule"] for x in r.json()["refusals"]}
        r = c.get(f"/api/v1/cases/{ben}", params={"purpose": "case_work"})
        assert r.status_code == 403 and "representation" in r.json()["message"]


def _post(c: TestClient, case: str, token: str) -> Response:
    r: Response = c.post(f"/cases/{case}/commands/claim_citizenship",
                  data={"evidence": "a U.S. birth certificate", "csrf_token": token},
                  follow_redirects=False)
    return r


def test_the_pages_answer_not_yours_as_they_answer_no_such_case(site: Site) -> None:
    case = _closed(site)
    before = len(_commands_refused(site))
    c = sign_in(site, "attorney", "representation")
    token = csrf(c, "/purpose")
    mine, none = _post(c, case, token), _post(c, NOWHERE, token)
    _same(mine, none)
    assert "Not found or not yours" in mine.text
    assert "HT" not in mine.text.split("<main")[-1] and "closed" not in mine.text
    _same(c.get(f"/cases/{case}"), c.get(f"/cases/{NOWHERE}"))
    _same(c.get(f"/persons/{site.persons['cai']}"), c.get("/persons/P-NOSUCH"))
    refused = [r for r in _commands_refused(site)[before:] if r.case_id == case]
    assert len(refused) == 1 and refused[0].actor_role == "attorney"
