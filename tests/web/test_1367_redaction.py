"""VAWA-1367 on the read side, through the API and the pages (SQLite and PostgreSQL): a
person's 8 U.S.C. 1367 information (the protection recorded, the kind of place of an arrest at a
shelter, the INA 239(e) statement on the NTA) is shown to the officers, supervisors, agency
attorneys, oversight and the person's own attorney of record, never to detention or transport
staff, and another attorney does not read the case at all."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from duecourse.app.accounts import do_create_account, do_issue_token, get_account

from .support import PASSWORD, PURPOSE, Site, build_site, carry, person, sign_in

REFERENCE = "IOE0998877665"


@pytest.fixture
def site(db_url: str) -> Site:
    return build_site(db_url)


def _actor(site: Site, role: str) -> Any:
    with site.app.ctx.engine.connect() as conn:
        account = get_account(conn, f"{role}1")
    assert account is not None
    return account.actor


def _protected_case(site: Site) -> tuple[str, str]:
    """A woman arrested at a domestic violence shelter (with a supervisor's approval), her VAWA
    self-petition recorded, charged on an NTA with the 239(e) statement. (case id, person id)"""
    now = datetime.now(UTC)
    o, s, c = _actor(site, "officer"), _actor(site, "supervisor"), _actor(site, "counsel")
    t0 = now - timedelta(days=3)
    steps: list[tuple[Any, datetime, str, dict[str, Any]]] = [
        (o, t0, "open_case", {"person": person("Nowak", "Dora", "PL"), "encounter": "interior",
                              "location": "Newark, NJ", "legal_basis": "INA 237(a)(1)(B)"}),
        (o, t0 + timedelta(minutes=30), "record_arrest", {
            "basis": "warrantless", "reason_to_believe": "admitted overstay",
            "likely_to_escape": "no fixed address", "location_type": "Domestic Violence Shelter",
            "location_approved_by": s.id, "location_reason": "leaving the state that night"}),
        (s, t0 + timedelta(hours=1), "record_examination", {}),
        (o, t0 + timedelta(hours=2), "determine_custody", {
            "decision": "recognizance", "authority": "236(a)",
            "reason": "no flight risk: gave her sister's address"}),
        (c, t0 + timedelta(hours=3), "record_1367_protection", {"kind": "vawa",
                                                                "reference": REFERENCE}),
        (o, t0 + timedelta(hours=4), "issue_nta", {
            "charges": ["237(a)(1)(B)"], "allegations": ["overstay"],
            "hearing_at": (now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "court": "NEW", "counsel_list_date": (t0 - timedelta(days=10)).date().isoformat(),
            "statement_1229e": True}),
    ]
    case = carry(site, steps)
    view = site.app.get_case(case, o, "case_work")
    return case, view.state.person_id


def _read(client: TestClient, case: str, purpose: str) -> Any:
    return client.get(f"/api/v1/cases/{case}", params={"purpose": purpose})


def _kinds(body: dict[str, Any]) -> list[str]:
    return [e["kind"] for e in body["events"]]


def _event(body: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(e["data"] for e in body["events"] if e["kind"] == kind)


@pytest.mark.parametrize("role", ["officer", "supervisor", "counsel", "oversight"])
def test_those_entitled_see_1367_information(site: Site, role: str) -> None:
    case, _ = _protected_case(site)
    r = _read(site.client(role), case, PURPOSE[role])
    assert r.status_code == 200, r.text
    body = r.json()
    assert "protection_1367_recorded" in _kinds(body)
    assert _event(body, "arrest_recorded")["location_type"] == "dv_shelter"
    assert _event(body, "nta_issued")["statement_1229e"] is True


@pytest.mark.parametrize("role", ["detention", "transport"])
def test_detention_and_transport_never_see_it(site: Site, role: str) -> None:
    case, _ = _protected_case(site)
    r = _read(site.client(role), case, PURPOSE[role])
    assert r.status_code == 200, r.text
    body = r.json()
    assert "protection_1367_recorded" not in _kinds(body)
    arrest = _event(body, "arrest_recorded")
    assert not {"location_type", "location_approved_by", "location_reason"} & set(arrest)
    assert "statement_1229e" not in _event(body, "nta_issued")
    text = json.dumps(body).casefold()
    for secret in (REFERENCE.casefold(), "dv_shelter", "domestic violence", "1367", "vawa",
                   "leaving the state"):
        assert secret not in text, secret
    # The same fields are withheld on an ordinary case: their absence says nothing.
    ana = _read(site.client(role), site.cases["ana"], PURPOSE[role]).json()
    assert "location_type" not in _event(ana, "arrest_recorded")


def test_the_attorney_of_record_sees_it_another_attorney_reads_nothing(site: Site) -> None:
    case, person_id = _protected_case(site)
    mine = do_create_account(site.app.ctx, None, "attorney2", "attorney", PASSWORD,
                             clients=(person_id,))
    client = TestClient(site.web)
    client.headers["Authorization"] = f"Bearer {do_issue_token(site.app.ctx, mine)[0]}"
    body = _read(client, case, "representation").json()
    assert "protection_1367_recorded" in _kinds(body)
    assert _event(body, "arrest_recorded")["location_type"] == "dv_shelter"
    other = _read(site.client("attorney"), case, "representation")
    assert other.status_code == 404 and other.json()["message"] == "not found or not yours"
    assert REFERENCE not in other.text


def test_the_case_page_withholds_it_from_detention(site: Site) -> None:
    case, _ = _protected_case(site)
    officer = sign_in(site, "officer", "case_work").get(f"/cases/{case}")
    assert officer.status_code == 200 and "protection 1367 recorded" in officer.text
    detention = sign_in(site, "detention", "detention_management").get(f"/cases/{case}")
    assert detention.status_code == 200
    page = detention.text.casefold()
    assert "protection 1367 recorded" not in page and "dv_shelter" not in page
    assert "arrest recorded" in page  # the rest of the timeline is there
