"""VAWA-1367 and the free text that names a place: the encounter's location (also the location
column of the work queue, the case search and a person's file), the arrest's circumstances, the
addresses recorded and a release's conditions are withheld from detention and transport on
every read path — the case API and page, the queue (with its
office filter), the case search and the person's file, API and pages — and shown to those
entitled. The identity records proposed as the same person are shown only to those who decide
links, never with an address (tests/web/test_candidates.py). Through the API and the pages, on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from duecourse.app.identity import do_import_records, do_link
from duecourse.domain.commands import parse_command

from .support import PURPOSE, Site, build_site, carry, ledger_entries, person, sign_in
from .test_1367_redaction import _actor

PLACE = "Hope House domestic violence shelter, Newark NJ"
SECRETS = ("hope house", "shelter", "12 elm", "front desk", "domestic violence")
WITHHELD = ("detention", "transport")
ENTITLED = ("officer", "supervisor", "counsel", "oversight")


@pytest.fixture
def site(db_url: str) -> Site:
    s = build_site(db_url)
    # An identity record of the same woman, kept elsewhere with the shelter's address.
    do_import_records(s.app.ctx, [{
        "record_id": "SOCIAL-SERVICES-7", "family_name": "Nowak", "given_name": "Dora",
        "birth_date": "1990-04-02", "sex": "F", "nationality": "PL",
        "address": "Hope House, 12 Elm Street", "city": "Newark", "postcode": "07102"}], "court")
    do_link(s.app.ctx)
    return s


def _case(site: Site) -> tuple[str, str]:
    """Dora Nowak, found at a domestic violence shelter and arrested there with a supervisor's
    approval, detained, the shelter's address recorded as hers. (case id, person id)"""
    now = datetime.now(UTC)
    o, s = _actor(site, "officer"), _actor(site, "supervisor")
    t0 = now - timedelta(days=2)
    steps: list[tuple[Any, datetime, str, dict[str, Any]]] = [
        (o, t0, "open_case", {"person": {**person("Nowak", "Dora", "PL"), "sex": "F"},
                              "encounter": "interior", "location": PLACE,
                              "legal_basis": "INA 237(a)(1)(B)", "location_type": "dv_shelter"}),
        (o, t0 + timedelta(minutes=30), "record_arrest", {
            "basis": "warrantless", "reason_to_believe": "admitted an overstay at the front desk",
            "likely_to_escape": "leaving the shelter that night", "location_type": "dv_shelter",
            "location_approved_by": s.id, "location_reason": "leaving the state that night"}),
        (s, t0 + timedelta(hours=1), "record_examination", {}),
        (o, t0 + timedelta(hours=2), "determine_custody", {
            "decision": "detain", "authority": "236(a)", "reason": "flight risk: no address"}),
        (o, t0 + timedelta(hours=3), "record_address", {
            "address": "Hope House, 12 Elm Street, Newark NJ 07102",
            "provided_on": t0.date().isoformat()}),
    ]
    case = carry(site, steps)
    return case, site.app.get_case(case, o, "case_work").state.person_id


def _release(site: Site, case: str) -> None:
    out = site.app.do(parse_command("release", {
        "kind": "recognizance", "conditions": "reside at Hope House, 12 Elm Street; report monthly",
        "reason": "no flight risk on review"}), _actor(site, "officer"), datetime.now(UTC),
        case_id=case)
    assert out.accepted, out.refusals


def _hidden(text: str) -> list[str]:
    low = text.casefold()
    return [s for s in SECRETS if s in low]


def _data(body: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(e["data"] for e in body["events"] if e["kind"] == kind)


@pytest.mark.parametrize("role", WITHHELD)
def test_the_api_withholds_every_place_from_detention_and_transport(site: Site, role: str) -> None:
    case, person_id = _case(site)
    c, why = site.client(role), {"purpose": PURPOSE[role]}
    reads = {"case": c.get(f"/api/v1/cases/{case}", params=why),
             "queue": c.get("/api/v1/queue", params=why),
             "search": c.get("/api/v1/cases", params={**why, "q": "Nowak"}),
             "person": c.get(f"/api/v1/persons/{person_id}", params=why)}
    for name, r in reads.items():
        assert r.status_code == 200, (name, r.text)
        assert _hidden(r.text) == [], name
    body = reads["case"].json()
    assert "location" not in _data(body, "case_opened")
    assert not {"reason_to_believe", "likely_to_escape"} & set(_data(body, "arrest_recorded"))
    assert "address" not in _data(body, "address_recorded")
    assert body["identity"]["candidates"] == []
    mine = [i for i in reads["queue"].json()["items"] if i["case_id"] == case]
    assert mine and {i["location"] for i in mine} == {""}
    assert [r["location"] for r in reads["search"].json()["items"]] == [""]
    assert [r["location"] for r in reads["person"].json()["cases"]] == [""]
    # The same on an ordinary case: the absence says nothing about this one.
    ana = c.get(f"/api/v1/cases/{site.cases['ana']}", params=why).json()
    assert "location" not in _data(ana, "case_opened")
    # A release's conditions say where she will live.
    _release(site, case)
    after = c.get(f"/api/v1/cases/{case}", params=why)
    assert _hidden(after.text) == [] and "conditions" not in _data(after.json(), "released")


@pytest.mark.parametrize("role", ENTITLED)
def test_those_entitled_read_the_place(site: Site, role: str) -> None:
    case, person_id = _case(site)
    c, why = site.client(role), {"purpose": PURPOSE[role]}
    body = c.get(f"/api/v1/cases/{case}", params=why).json()
    assert _data(body, "case_opened")["location"] == PLACE
    assert _data(body, "address_recorded")["address"].startswith("Hope House")
    shown = body["identity"]["candidates"]
    assert [c["record"].get("address") for c in shown] == (
        [None] if role in ("officer", "supervisor") else [])
    queue = c.get("/api/v1/queue", params=why).json()["items"]
    assert PLACE in {i["location"] for i in queue if i["case_id"] == case}
    person_file = c.get(f"/api/v1/persons/{person_id}", params=why).json()
    assert [r["location"] for r in person_file["cases"]] == [PLACE]


def test_the_office_filter_is_no_way_to_read_the_place(site: Site) -> None:
    case, _ = _case(site)
    officer = site.client("officer").get("/api/v1/queue", params={
        "purpose": "case_work", "office": PLACE}).json()["items"]
    assert {i["case_id"] for i in officer} == {case}
    for role in WITHHELD:
        r = site.client(role).get("/api/v1/queue", params={"purpose": PURPOSE[role],
                                                            "office": PLACE})
        assert r.status_code == 403 and case not in r.text
        assert "filter by facility" in r.text
    refused = [json.loads(e.body) for e in ledger_entries(site, "read_refused")]
    assert sum(b.get("record") == "work_queue" for b in refused) == len(WITHHELD)
    page = sign_in(site, "detention", PURPOSE["detention"]).get(
        "/queue", params={"office": PLACE})
    assert page.status_code == 403 and "hope house" not in page.text.casefold()


@pytest.mark.parametrize("role", WITHHELD)
def test_the_pages_withhold_it(site: Site, role: str) -> None:
    case, person_id = _case(site)
    browser = sign_in(site, role, PURPOSE[role])
    for path in ("/queue", "/cases?q=Nowak", f"/persons/{person_id}", f"/cases/{case}"):
        r = browser.get(path)
        assert r.status_code == 200, (path, r.text[:300])
        assert _hidden(r.text) == [], path
    assert 'name="office"' not in browser.get("/queue").text  # no filter to probe with
    officer = sign_in(site, "officer", "case_work")
    assert "Hope House" in officer.get("/queue?view=duties").text
    assert "Hope House" in officer.get(f"/persons/{person_id}").text
