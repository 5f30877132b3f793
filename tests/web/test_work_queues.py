"""Work for each role (issue 17, item 3): cases held by an officer and an office, the ledgered
hand-over, the queue's "my cases", "my office" and "needs my signature", and the attorney's
client list — through the pages, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from duecourse.app.accounts import do_create_account, do_update_account, get_account
from duecourse.app.read_models import check_store
from duecourse.domain.commands import Actor, parse_command
from duecourse.store.tables import cases, events

from .support import (
    PASSWORD,
    Site,
    build_site,
    charged_case,
    csrf,
    document,
    ledger_entries,
    person,
    sign_in,
)

NEWARK, BOSTON = "Newark, NJ", "Boston, MA"


@pytest.fixture
def site(db_url: str) -> Site:
    """``build_site`` (officer1 of Newark opened ana, ben and cai), with a second Newark
    officer, a Newark supervisor, a Boston officer and a disabled Newark officer."""
    site = build_site(db_url)
    for name, role, office in (("officer2", "officer", NEWARK), ("officer3", "officer", BOSTON),
                               ("supervisor2", "supervisor", NEWARK),
                               ("officer9", "officer", NEWARK)):
        do_create_account(site.app.ctx, None, name, role, PASSWORD, office=office)
    do_update_account(site.app.ctx, actor(site, "admin1"), "officer9", active=False)
    return site


def actor(site: Site, username: str) -> Actor:
    with site.app.ctx.engine.connect() as conn:
        account = get_account(conn, username)
    assert account is not None
    return account.actor


def as_user(site: Site, username: str, purpose: str = "case_work") -> TestClient:
    """``sign_in`` for any account (the helper signs in ``<role>1``)."""
    role = actor(site, username).role
    c = sign_in(site, role, purpose=None) if username == f"{role}1" else _sign_in(site, username)
    c.post("/purpose", data={"purpose": purpose, "csrf_token": csrf(c, "/purpose"), "next": "/"})
    return c


def _sign_in(site: Site, username: str) -> TestClient:
    import re

    c = TestClient(site.web)
    pre = re.search(r'name="pre_csrf" value="([^"]+)"', c.get("/sign-in").text)
    assert pre is not None
    r = c.post("/sign-in", data={"username": username, "password": PASSWORD, "pre_csrf": pre[1],
                                 "next": "/"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return c


def do(site: Site, username: str, name: str, data: dict[str, Any], case: str | None = None,
       at: datetime | None = None) -> str:
    out = site.app.do(parse_command(name, data), actor(site, username), at, case_id=case)
    assert out.accepted, (name, out.refusals)
    assert out.case_id is not None
    return out.case_id


def hand_over(c: TestClient, case_id: str, to: str, reason: str = "going on leave") -> Any:
    return c.post(f"/cases/{case_id}/commands/hand_over_case", data={
        "to_officer": to, "reason": reason, "csrf_token": csrf(c, f"/cases/{case_id}")},
        follow_redirects=False)


def case_row(site: Site, case_id: str) -> Any:
    with site.app.ctx.engine.connect() as conn:
        return conn.execute(select(cases).where(cases.c.id == case_id)).one()


def queue(c: TestClient, view: str) -> str:
    r = c.get(f"/queue?view={view}")
    assert r.status_code == 200, r.text
    return r.text


def test_open_case_assigns_the_opener_and_their_office(site: Site) -> None:
    ana = site.cases["ana"]
    row = case_row(site, ana)
    assert (row.assigned_officer, row.office) == ("u-officer1", NEWARK)
    state = site.app.get_case(ana, actor(site, "supervisor1"), "supervision").state
    assert (state.assigned_officer, state.office) == ("u-officer1", NEWARK)
    mine = queue(as_user(site, "officer1"), "mine")
    assert all(site.cases[k] in mine for k in ("ana", "ben", "cai"))
    assert site.cases["ana"] not in queue(as_user(site, "officer2"), "mine")


def test_hand_over_moves_the_case_between_two_officers_and_is_ledgered(site: Site) -> None:
    cai = site.cases["cai"]
    one, two = as_user(site, "officer1"), as_user(site, "officer2")
    r = hand_over(one, cai, "officer2", "going on leave for three weeks")
    assert r.status_code == 303, r.text
    assert cai not in queue(one, "mine") and cai in queue(two, "mine")
    assert (case_row(site, cai).assigned_officer, case_row(site, cai).office) == (
        "u-officer2", NEWARK)
    with site.app.ctx.engine.connect() as conn:
        handed = conn.execute(select(events.c.actor_id, events.c.data).where(
            events.c.case_id == cai, events.c.kind == "case_handed_over")).one()
    assert handed.actor_id == "u-officer1"
    assert json.loads(handed.data) == {"to_officer": "u-officer2", "office": NEWARK,
                                       "reason": "going on leave for three weeks"}
    accepted = [e for e in ledger_entries(site, "command_accepted") if e.case_id == cai]
    assert json.loads(accepted[-1].body)["command"] == "hand_over_case"
    views = [json.loads(e.body).get("view") for e in ledger_entries(site, "read")
             if e.actor_id == "u-officer2" and json.loads(e.body)["record"] == "work_queue"]
    assert "mine" in views
    timeline = two.get(f"/cases/{cai}").text.split('id="timeline-h"')[1]
    assert "u-officer2" not in timeline  # the officer handed to, named
    # the new holder may hand it on; the one who handed it may not any more
    assert hand_over(one, cai, "officer1", "back early").status_code == 409
    assert hand_over(two, cai, "u-officer1", "officer1 back from leave").status_code == 303
    # the cases row is what the events give (audit verify --read-models), and is checked
    assert [str(f) for f in check_store(site.app.ctx.engine) if f.table == "cases"] == []
    with site.app.ctx.engine.begin() as conn:
        conn.execute(update(cases).where(cases.c.id == cai).values(assigned_officer="u-officer3"))
    assert [(f.key, f.column) for f in check_store(site.app.ctx.engine)
            if f.table == "cases"] == [(cai, "assigned_officer")]


@pytest.mark.parametrize(("who", "to", "says"), [
    ("officer1", "counsel1", "is in the role &#39;counsel&#39;"),
    ("officer1", "officer1", "already holds this case"),
    ("officer1", "officer9", "is disabled"),
    ("officer1", "nobody", "there is no account or officer &#39;nobody&#39;"),
    ("officer2", "officer2", "you do not hold this case"),
    ("officer3", "officer3", "you do not hold this case"),
])
def test_hand_over_refusals_are_explained_and_cited(site: Site, who: str, to: str,
                                                      says: str) -> None:
    ana = site.cases["ana"]
    before = case_row(site, ana).version
    r = hand_over(as_user(site, who), ana, to)
    assert r.status_code == 409 and "HANDOVER" in r.text and says in r.text, r.text
    assert case_row(site, ana).version == before
    assert case_row(site, ana).assigned_officer == "u-officer1"


def test_a_closed_case_is_handed_to_no_one(site: Site) -> None:
    at = datetime.now(UTC) - timedelta(hours=1)
    dee = do(site, "officer1", "open_case", {
        "person": person("Closed", "Dee"), "encounter": "interior", "location": NEWARK,
        "legal_basis": "INA 237(a)(1)(B)"}, at=at)
    do(site, "officer1", "close_case", {"reason": "prosecutorial discretion: no further action"},
       dee, at + timedelta(minutes=5))
    r = hand_over(as_user(site, "officer1"), dee, "officer2")
    assert r.status_code == 409 and "LIFECYCLE" in r.text and "closed" in r.text
    assert case_row(site, dee).assigned_officer == "u-officer1"


def test_a_supervisor_reassigns_only_their_own_office_cases(site: Site) -> None:
    ana = site.cases["ana"]
    assert hand_over(as_user(site, "supervisor1", "supervision"), ana,
                     "officer2").status_code == 409  # supervisor1's account names no office
    assert hand_over(as_user(site, "supervisor2", "supervision"), ana,
                     "officer2").status_code == 303
    assert case_row(site, ana).assigned_officer == "u-officer2"


def test_my_office_shows_only_the_office_cases(site: Site) -> None:
    eli = do(site, "officer3", "open_case", {
        "person": person("Boston", "Eli"), "encounter": "interior", "location": BOSTON,
        "legal_basis": "INA 237(a)(1)(B)"})
    assert case_row(site, eli).office == BOSTON
    newark = queue(as_user(site, "officer2"), "office")
    assert all(site.cases[k] in newark for k in ("ana", "ben", "cai")) and eli not in newark
    boston = queue(as_user(site, "officer3"), "office")
    assert eli in boston and not any(site.cases[k] in boston for k in ("ana", "ben", "cai"))
    # a hand-over to Boston takes the case to Boston's office
    assert hand_over(as_user(site, "officer1"), site.cases["cai"], "officer3",
                     "the person moved to Boston").status_code == 303
    assert site.cases["cai"] in queue(as_user(site, "officer3"), "office")
    assert site.cases["cai"] not in queue(as_user(site, "officer2"), "office")


def test_needs_my_signature_lists_warrants_and_entries_awaiting_a_second_person(
        site: Site) -> None:
    ben, cai, now = site.cases["ben"], site.cases["cai"], datetime.now(UTC)
    # cai is at large, charged (an I-200 follows an NTA: ARR-1) and no warrant is outstanding
    do(site, "officer1", "issue_nta", {
        "charges": ["237(a)(1)(B)"], "allegations": ["overstay"],
        "hearing_at": (now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"), "court": "NEW",
        "counsel_list_date": (now - timedelta(days=10)).date().isoformat()}, cai)
    do(site, "counsel1", "grant_stay", {"kind": "ij", **document("NEW", "IJ-STAY-7", now)}, ben)
    do(site, "officer1", "lift_stay", {"stay": "IJ-STAY-7", **document("NEW", "IJ-LIFT-7", now)},
       ben)
    do(site, "counsel1", "grant_stay", {"kind": "ij", **document("NEW", "IJ-STAY-8", now)}, ben)
    do(site, "supervisor2", "lift_stay", {"stay": "IJ-STAY-8",
                                          **document("NEW", "IJ-LIFT-8", now)}, ben)
    s2 = as_user(site, "supervisor2", "supervision")
    # a supervisor's queue opens on what awaits their signature
    assert 'id="view-signature" class="usa-button" href' in s2.get("/queue").text
    page = queue(s2, "signature")
    assert "Arrest warrant" in page and cai in page
    assert "stay lifted" in page and page.count("Confirm entry") == 1  # officer1's, not its own
    other = queue(as_user(site, "supervisor1", "supervision"), "signature")
    assert other.count("Confirm entry") == 2  # both entries; no warrant: no office of its own
    assert "Arrest warrant" not in other
    mine = as_user(site, "officer1")
    assert "Confirm entry" not in queue(mine, "signature")  # not their own proposal
    reads = [json.loads(e.body) for e in ledger_entries(site, "read")
             if e.actor_id == "u-supervisor2" and json.loads(e.body)["record"] == "work_queue"]
    assert reads and reads[-1]["view"] == "signature" and ben in reads[-1]["cases"]


def test_the_attorney_home_is_their_client_list(site: Site) -> None:
    now = datetime.now(UTC)
    eve = charged_case(site, "Client", "Eve", now=now)
    hearing = (now + timedelta(days=30)).replace(hour=14, minute=0, second=0, microsecond=0)
    do(site, "counsel1", "schedule_hearing", {"at": hearing.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                              "court": "NEW"}, eve)
    eve_person = case_row(site, eve).person_id
    do_update_account(site.app.ctx, actor(site, "admin1"), "attorney1",
                      clients=(site.persons["ben"], eve_person))
    c = sign_in(site, "attorney", purpose=None)
    r = c.get("/", follow_redirects=False)
    assert r.headers["location"] == "/clients"
    c.post("/purpose", data={"purpose": "representation", "csrf_token": csrf(c, "/purpose"),
                             "next": "/"})
    page = c.get("/clients")
    assert page.status_code == 200, page.text
    text = page.text
    assert site.cases["ben"] in text and "Sample, Ben" in text and eve in text
    assert site.cases["ana"] not in text and site.cases["cai"] not in text
    assert "APP-30" in text and "days left" in text  # ben's appeal window, on Newark's day
    local = hearing.astimezone(ZoneInfo("America/New_York"))
    assert local.strftime("%H:%M") in text and "(NEW)" in text  # eve's next hearing, local
    for clock in ("CUS-48", "RP-90", "PRE-ORDER", "CON-1"):
        assert clock not in text  # never the agency's own clocks
    read = [json.loads(e.body) for e in ledger_entries(site, "read")
            if e.actor_id == "u-attorney1" and json.loads(e.body)["record"] == "client_list"]
    assert read and sorted(read[-1]["cases"]) == sorted([site.cases["ben"], eve])
    assert as_user(site, "officer1").get("/clients").status_code == 403
    # the agency's queue is not an attorney's: it leads to their client list
    r = c.get("/queue", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/clients"
    assert 'href="/queue"' not in c.get("/clients").text


def test_the_case_page_offers_the_hand_over_to_its_holder(site: Site) -> None:
    ana = site.cases["ana"]
    holder = as_user(site, "officer1").get(f"/cases/{ana}").text
    assert "Record: hand over case" in holder
    other = as_user(site, "officer2").get(f"/cases/{ana}").text
    assert "Record: hand over case" not in other
    assert "Submit: hand over case" in other and "you do not hold this case" in other
