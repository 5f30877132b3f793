"""The day's detention placement from the store, on SQLite and PostgreSQL: the API's facility
board and plan, the placement board page and its place form.

The people in custody (``seed_custody``): dan is already in a facility of the catalogue (the
standing population), eli and fay were classified on an earlier detention and are booked in again
(the plan places them), gus is an unaccompanied child (referred to ORR), hal is detained but not yet
classified (CLS-1: a person decides). The site's own ana and ben have no sex recorded (SEP).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from duecourse.app.access import PLACEMENT_ROLES
from duecourse.app.accounts import get_account
from duecourse.app.placement import get_placement_plan
from duecourse.bootstrap import App
from duecourse.domain.commands import Actor, parse_command
from duecourse.law.guards.authority import AUTHORITY
from duecourse.placement.catalogue import packaged_catalogue
from duecourse.placement.checker import check_plan
from duecourse.placement.problem import Facility
from duecourse.store.tables import events

from .support import Site, build_site, ledger_entries, sign_in

DETENTION = "detention_management"


def facility() -> Facility:
    """An adult facility of the packaged catalogue that holds men of every level over 72 h."""
    return next(f for f in packaged_catalogue() if f.kind == "adult" and f.over_72h
                and f.beds("M-low") > 5 and f.beds("M-high") > 5)


def _person(given: str, sex: str, born: str) -> dict[str, Any]:
    return {"family_name": "Placement", "given_name": given, "birth_date": born, "sex": sex,
            "nationalities": ["MX"], "languages": ["es"]}


def seed_custody(app: App, now: datetime, officer: Actor, supervisor: Actor,
                 detention: Actor) -> dict[str, str]:
    """dan, eli, fay, gus and hal in custody (see the module's docstring): label -> case id."""
    cases: dict[str, str] = {}

    def do(actor: Actor, name: str, data: dict[str, Any], at: datetime,
           case: str | None = None) -> str:
        out = app.do(parse_command(name, data), actor, at, case_id=case)
        assert out.accepted, (name, out.refusals)
        assert out.case_id is not None
        return out.case_id

    def book(label: str, sex: str, born: str, at: datetime) -> str:
        case = do(officer, "open_case", {"person": _person(label.title(), sex, born),
                                         "encounter": "interior", "location": "Newark, NJ",
                                         "legal_basis": "INA 237(a)(1)(B)"}, at)
        arrest(case, at)
        cases[label] = case
        return case

    def arrest(case: str, at: datetime) -> None:
        do(officer, "record_arrest", {"basis": "warrantless", "reason_to_believe": "overstay",
                                      "likely_to_escape": "no fixed address"}, at, case)
        do(supervisor, "record_examination", {}, at + timedelta(minutes=30), case)
        do(officer, "determine_custody", {"decision": "detain", "authority": "236(a)",
                                          "reason": "flight risk: no fixed address"},
           at + timedelta(hours=1), case)

    site = facility().code
    dan = book("dan", "M", "1985-05-01", now - timedelta(days=3))
    do(detention, "place", {"facility": site, "classification": "B",
                            "reason": "nearest bed for a level-B man"},
       now - timedelta(days=3) + timedelta(hours=2), dan)
    before = now - timedelta(days=90)
    for label, sex, born, level in (("eli", "M", "1980-02-03", "C"),
                                    ("fay", "F", "1992-07-08", "A")):
        case = book(label, sex, born, before)
        do(detention, "place", {"facility": site if sex == "M" else "PRLDCTX", "classification":
                                level, "reason": "intake after the custody decision"},
           before + timedelta(hours=2), case)
        do(detention, "release", {"kind": "recognizance",
                                  "reason": "no flight risk: fixed address"},
           before + timedelta(days=2), case)
        arrest(case, now - timedelta(hours=6))
    do(officer, "issue_nta", {"charges": ["237(a)(1)(B)"], "allegations": ["overstay"],
                              "hearing_at": (now + timedelta(days=30)).strftime(
                                  "%Y-%m-%dT09:00:00Z"), "court": "HOU",
                              "counsel_list_date": (now - timedelta(days=5)).date().isoformat()},
       now - timedelta(hours=3), cases["eli"])
    gus = do(officer, "open_case", {"person": _person("Gus", "M", "2012-01-01"),
                                    "encounter": "border", "location": "El Paso, TX",
                                    "legal_basis": "INA 212(a)(6)(A)(i)"}, now - timedelta(hours=5))
    cases["gus"] = gus
    do(officer, "record_arrest", {"basis": "warrantless", "reason_to_believe": "crossed",
                                  "likely_to_escape": "alone"}, now - timedelta(hours=5), gus)
    do(officer, "flag_minor", {"unaccompanied": True, "age_basis": "says he is 14"},
       now - timedelta(hours=4), gus)
    book("hal", "M", "1988-09-09", now - timedelta(hours=8))
    return cases


@pytest.fixture
def site(db_url: str) -> Site:
    site = build_site(db_url)
    actors = {}
    with site.app.ctx.engine.connect() as conn:
        for role in ("officer", "supervisor", "detention"):
            account = get_account(conn, f"{role}1")
            assert account is not None
            actors[role] = account.actor
    site.cases.update(seed_custody(site.app, datetime.now(UTC), actors["officer"],
                                   actors["supervisor"], actors["detention"]))
    return site


def _plan(site: Site, role: str = "detention", purpose: str = "detention_management",
          **params: str) -> Any:
    return site.client(role).get("/api/v1/placement/plan", params={"purpose": purpose, **params})


def test_the_roles_that_read_the_plan_are_those_that_place() -> None:
    assert set(PLACEMENT_ROLES) == {role for role, cmds in AUTHORITY.items() if "place" in cmds}


def test_the_plan_places_the_book_ins_lawfully(site: Site) -> None:
    c = site.cases
    day = datetime.now(UTC).date()
    full = get_placement_plan(site.app.ctx, day, Actor("u-check", "detention"),
                              "detention_management")
    assert check_plan(full.problem, full.plan) == []
    assert set(full.plan.assignments) == {c["eli"], c["fay"]}
    r = _plan(site, date=day.isoformat())
    assert r.status_code == 200, r.text
    body = r.json()
    placed = {p["case_id"]: p for p in body["placements"]}
    assert set(placed) == {c["eli"], c["fay"]}
    assert placed[c["eli"]]["unit"] == "M-high" and placed[c["fay"]]["unit"] == "F-low"
    assert placed[c["eli"]]["terms"]["court"] > 0  # the court of eli's NTA (Houston) is costed
    assert any(b.startswith("CLS-2") for b in placed[c["eli"]]["binding"])
    assert [x["case_id"] for x in body["referrals"]] == [c["gus"]]
    assert body["referrals"][0]["rule"] == "UAC-72"
    needs = {n["case_id"]: {r["rule"] for r in n["reasons"]} for n in body["needs_a_person"]}
    assert needs == {c["hal"]: {"CLS-1"}, c["ana"]: {"SEP", "CLS-1"}, c["ben"]: {"SEP", "CLS-1"}}
    s = body["summary"]
    assert (s["people"], s["placed"], s["referred"], s["unserved"], s["needs_a_person"],
            s["standing"]) == (3, 2, 1, 0, 3, 1)
    # dan is the standing population: his bed counted in his unit, not planned again
    board = {f["code"]: f for f in body["facilities"]}
    here = board[facility().code]
    assert here["occupied"]["M-low"] == 1 and here["occupied_total"] == 1
    assert sum(f["planned_total"] for f in body["facilities"]) == 2
    assert c["dan"] not in placed


def test_the_plan_is_read_with_a_purpose_and_ledgered(site: Site) -> None:
    before = len(ledger_entries(site))
    assert _plan(site).status_code == 200
    reads = ledger_entries(site)
    assert len(reads) == before + 1
    entry = reads[-1]
    assert (entry.actor_id, entry.actor_role, entry.purpose) == (
        "u-detention1", "detention", "detention_management")
    body = json.loads(entry.body)
    c = site.cases
    assert body["record"] == "placement_plan" and body["standing"] == 1
    assert set(body["cases"]) == {c[k] for k in ("eli", "fay", "gus", "hal", "ana", "ben")}


@pytest.mark.parametrize(("role", "purpose"), [
    ("attorney", "representation"), ("admin", "case_work"), ("counsel", "legal_review"),
    ("transport", "detention_management"), ("oversight", "oversight_audit"),
    ("officer", "case_work"), ("supervisor", "supervision")])
def test_who_may_not_read_the_plan(site: Site, role: str, purpose: str) -> None:
    refused = len(ledger_entries(site, "read_refused"))
    r = _plan(site, role, purpose)
    assert r.status_code == 403 and r.json()["error"] == "forbidden", r.text
    assert set(r.json()) == {"error", "message", "field", "details"}
    assert len(ledger_entries(site, "read_refused")) == refused + 1  # the attempt is in the ledger


def test_officers_and_supervisors_read_it_for_detention_management(site: Site) -> None:
    for role in ("officer", "supervisor"):
        assert _plan(site, role).status_code == 200


def test_the_facility_board_shows_numbers_to_its_roles(site: Site) -> None:
    reads = len(ledger_entries(site))
    for role in ("detention", "transport", "supervisor", "officer", "oversight"):
        r = site.client(role).get("/api/v1/placement/facilities")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["standing"] == 1
        here = next(f for f in body["facilities"] if f["code"] == facility().code)
        assert here["occupied"]["M-low"] == 1 and here["planned_total"] == 0
        assert "Placement" not in r.text  # no one's name
    for role in ("attorney", "admin", "counsel"):
        assert site.client(role).get("/api/v1/placement/facilities").status_code == 403
    assert len(ledger_entries(site)) == reads  # numbers only: no read of personal data to ledger


def test_a_day_that_is_not_one_is_a_422(site: Site) -> None:
    for bad in ("2026-02-30", "0001-01-01", "tomorrow"):
        r = _plan(site, date=bad)
        assert r.status_code == 422 and r.json()["field"] == "date", r.text


# ------------------------------------------------------------------------------------- pages





def _form(page: str, case: str) -> dict[str, str]:
    """The fields of the place form of ``case`` on the board, as the browser would send them."""
    form = re.search(rf'<form method="post" action="/placement/{case}/place".*?</form>', page,
                     re.S)
    assert form is not None, f"no place form for {case}"
    html = form[0]
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)" value="([^"]*)"', html))
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]+)" selected>', options)
        assert chosen is not None
        fields[name] = chosen[1]
    return fields


def test_the_board_shows_the_plan_and_its_reasons(site: Site) -> None:
    c = sign_in(site, "detention", DETENTION)
    page = c.get("/placement")
    assert page.status_code == 200, page.text
    text = page.text
    assert 'href="/placement" aria-current="page"' in text  # in the navigation
    assert "Placement, Eli" in text and "Placement, Fay" in text
    assert "CLS-2: men&#39;s C/D units only" in text
    assert "UAC-72" in text and "Placement, Gus" in text
    needs = text.split("People who need a person")[1]
    assert "Placement, Hal" in needs and "CLS-1" in needs
    board = text.split("Capacity by facility")[1]
    assert facility().name in board and "room" in board and "<meter" in board
    assert page.headers["cache-control"] == "no-store"


def test_pressing_place_records_the_place_event(site: Site) -> None:
    c = sign_in(site, "detention", DETENTION)
    eli = site.cases["eli"]
    fields = _form(c.get("/placement").text, eli)
    assert fields["classification"] == "C" and fields["facility_type"] == "adult"
    planned = fields["facility"]
    # The officer gives the reason (REASON): the form asks for it and the board invents none.
    box = re.search(rf'<textarea id="reason-{eli}" name="reason"[^>]*>([^<]*)</textarea>',
                    c.get("/placement").text)
    assert box is not None and " required" in box[0] and box[1] == ""
    blank = c.post(f"/placement/{eli}/place", data={**fields, "reason": "  "})
    assert blank.status_code == 409 and "REASON" in blank.text and "Refused: place" in blank.text
    reason = "the planner's bed: nearest facility with room for level C"
    r = c.post(f"/placement/{eli}/place", data={**fields, "reason": reason},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith(f"&placed={eli}"), r.text
    with site.app.ctx.engine.connect() as conn:
        last = conn.execute(select(events).where(events.c.case_id == eli)
                            .order_by(events.c.seq.desc())).first()
    assert last is not None and last.kind == "placed" and last.actor_id == "u-detention1"
    assert json.loads(last.data)["facility"] == planned
    assert json.loads(last.data)["reason"] == reason
    after = c.get(r.headers["location"]).text
    assert "Recorded: place" in after
    # eli is now in his facility: counted there, no longer planned
    assert f'action="/placement/{eli}/place"' not in after
    assert _plan(site).json()["summary"]["standing"] == 2


def test_a_refused_placement_shows_the_rule_and_changes_nothing(site: Site) -> None:
    c = sign_in(site, "detention", DETENTION)
    fay, gus = site.cases["fay"], site.cases["gus"]
    fields = {**_form(c.get("/placement").text, fay), "reason": "the planner's bed for fay"}
    with site.app.ctx.engine.connect() as conn:
        count = len(conn.execute(select(events).where(events.c.case_id == gus)).all())
    # the form of fay sent for gus, an unaccompanied child: the law refuses an ICE facility
    r = c.post(f"/placement/{gus}/place", data={**fields, "expected_version": ""})
    assert r.status_code == 409
    assert "Refused: place" in r.text and "UAC-72" in r.text and 'role="alert"' in r.text
    assert "REASON" not in r.text
    with site.app.ctx.engine.connect() as conn:
        assert len(conn.execute(select(events).where(events.c.case_id == gus)).all()) == count
    stale = c.post(f"/placement/{fay}/place", data={**fields, "expected_version": "1"})
    assert stale.status_code == 412 and "Not recorded" in stale.text
    # the reason typed is given back in fay's form, not lost with the board shown again
    assert re.search(rf'<textarea id="reason-{fay}"[^>]*>the planner&#39;s bed for fay<',
                     stale.text)
    forged = c.post(f"/placement/{fay}/place", data={**fields, "csrf_token": "forged"})
    assert forged.status_code == 403


def test_the_case_page_asks_the_reason_of_a_placement_or_transfer(site: Site) -> None:
    """The forms generated from the commands ask for the reason REASON requires; a transfer
    without the reason, or without the attorney's notice (XFER), is refused and changes
    nothing; with both it is recorded, reason and all."""
    c = sign_in(site, "detention", DETENTION)
    dan = site.cases["dan"]
    with site.app.ctx.engine.connect() as conn:
        account = get_account(conn, "detention1")
    assert account is not None
    now = datetime.now(UTC)
    fit = site.app.do(parse_command("record_medical_clearance", {
        "valid_until": (now + timedelta(days=30)).date().isoformat()}), account.actor,
        now - timedelta(minutes=1), case_id=dan)
    assert fit.accepted, fit.refusals
    page = c.get(f"/cases/{dan}")
    assert page.status_code == 200, page.text
    for name in ("place", "transfer", "release"):
        form = re.search(rf'action="/cases/{dan}/commands/{name}".*?</form>', page.text, re.S)
        assert form is not None, name
        assert re.search(r'<textarea[^>]*name="reason"[^>]*required', form[0]), name
    # Open now (the facility is asked when it is named); a placement of a person already
    # held is a transfer (XFER).
    assert "Record: transfer" in page.text and "could not be consulted" not in page.text
    blocked = page.text.split('id="blocked-h"')[1].split("</section>")[0]
    assert "<dt>place</dt>" in blocked and "XFER" in blocked and "CAP" not in blocked
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    here = facility()
    there = next(f for f in packaged_catalogue() if f.kind == "adult" and f.over_72h
                 and f.code != here.code and f.beds("M-low") > 5)
    url = f"/cases/{dan}/commands/transfer"
    data = {"csrf_token": csrf[1], "facility": there.code, "facility_type": "adult"}
    reason = f"bed space at {here.code} needed for intake; {there.code} has room for level B"

    def count() -> int:
        with site.app.ctx.engine.connect() as conn:
            return len(conn.execute(select(events).where(events.c.case_id == dan)).all())

    before = count()
    blank = c.post(url, data={**data, "attorney_notified": "on", "reason": " "})
    assert blank.status_code == 409 and "REASON" in blank.text, blank.text
    unnotified = c.post(url, data={**data, "reason": reason})
    assert unnotified.status_code == 409 and "XFER" in unnotified.text
    assert "attorney_notified is false" in unnotified.text
    assert count() == before
    r = c.post(url, data={**data, "attorney_notified": "on", "reason": reason},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("?done=transfer"), r.text
    with site.app.ctx.engine.connect() as conn:
        last = conn.execute(select(events).where(events.c.case_id == dan)
                            .order_by(events.c.seq.desc())).first()
    assert last is not None and last.kind == "transferred"
    assert json.loads(last.data)["reason"] == reason


def test_the_board_is_for_those_who_place(site: Site) -> None:
    for role, purpose in (("attorney", "representation"), ("transport", "transport_planning")):
        c = sign_in(site, role, purpose)
        page = c.get("/placement")
        assert page.status_code == 403 and "Not allowed" in page.text
        assert 'href="/placement"' not in page.text.split("<main")[0]  # no link in the nav
    officer = sign_in(site, "officer", "case_work")
    refused = officer.get("/placement")
    assert refused.status_code == 403 and "detention management" in refused.text
