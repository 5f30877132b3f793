"""Removal transport manifests from the store, on SQLite and PostgreSQL: the API
(``GET /api/v1/transport/manifests``) and the page (``/transport``).

The people with a removal order, held at ELZICDF (``seed_removals``, built through the handlers):
ida is clear for removal to Guatemala (final order, warrant of removal, travel document and
medical clearance valid), jon has a court's stay (STAY-JUD), kim is protected from the country
the order designates (PROT-CTRY), lea has no travel document (TRAVEL-DOC). The site's own ben was
ordered removed yesterday: his appeal window is open, so the law refuses him too. Only ida is on a
manifest; everyone else is listed with the rule ids that keep them off. The read is ledgered with
the user, their role and purpose; roles without access get a 403 (and the attempt is ledgered).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from duecourse.app.access import ROLE_PURPOSES, TRANSPORT_ROLES
from duecourse.app.accounts import get_account
from duecourse.app.transport import next_departure_day
from duecourse.bootstrap import App
from duecourse.domain.commands import Actor, parse_command
from duecourse.law.guards.authority import AUTHORITY
from duecourse.law.rules import all_guards
from duecourse.store.tables import events

from .support import Site, build_site, document, ledger_entries, person, sign_in

STAGING = "ELZICDF"
# label -> (family name, given name, nationality: the country the order designates)
PEOPLE = {"ida": ("Transport", "Ida", "GT"), "jon": ("Transport", "Jon", "GT"),
          "kim": ("Transport", "Kim", "HN"), "lea": ("Transport", "Lea", "SV")}
CITATION = {g.id: g.citation for g in all_guards()}


def actors_of(app: App, *roles: str) -> dict[str, Actor]:
    out = {}
    with app.ctx.engine.connect() as conn:
        for role in roles:
            account = get_account(conn, f"{role}1")
            assert account is not None
            out[role] = account.actor
    return out


def seed_removals(app: App, now: datetime) -> dict[str, str]:
    """ida, jon, kim and lea, ordered removed and held at ELZICDF (see the module's docstring):
    label -> case id."""
    a = actors_of(app, "officer", "supervisor", "counsel", "detention")
    officer, supervisor, counsel, detention = (a["officer"], a["supervisor"], a["counsel"],
                                               a["detention"])

    def do(actor: Actor, case: str | None, at: datetime, name: str, **data: Any) -> str:
        out = app.do(parse_command(name, data), actor, at, case_id=case)
        assert out.accepted, (name, [(r.rule_id, r.reason) for r in out.refusals])
        assert out.case_id is not None
        return out.case_id

    cases: dict[str, str] = {}
    t0, ordered = now - timedelta(days=30), now - timedelta(days=10)
    for label, (family, given, country) in PEOPLE.items():
        case = do(officer, None, t0, "open_case", person=person(family, given, country),
                  encounter="interior", location="Elizabeth, NJ",
                  legal_basis="INA 237(a)(1)(B)")
        do(officer, case, t0 + timedelta(minutes=30), "record_arrest", basis="warrantless",
           reason_to_believe="admitted overstaying a visa", likely_to_escape="no fixed address")
        do(supervisor, case, t0 + timedelta(hours=1), "record_examination")
        do(officer, case, t0 + timedelta(hours=2), "determine_custody", decision="detain",
           authority="236(a)", reason="flight risk: no fixed address")
        do(detention, case, t0 + timedelta(hours=3), "place", facility=STAGING,
           classification="A", reason="staging facility for the removal flight")
        do(officer, case, t0 + timedelta(days=1), "issue_nta", charges=["237(a)(1)(B)"],
           allegations=["remained longer than permitted"],
           hearing_at=(t0 + timedelta(days=12)).strftime("%Y-%m-%dT09:00:00Z"), court="NEW",
           counsel_list_date=(t0 - timedelta(days=10)).date().isoformat())
        do(officer, case, t0 + timedelta(days=1, hours=1), "serve_nta", method="personal",
           language="es")
        do(counsel, case, ordered, "record_order", outcome="removal", decision_mode="oral",
           designated_country=country, protected_countries=["HN"] if label == "kim" else [],
           **document("NEW", f"IJ-{label.upper()}-1", ordered))
        # Agency counsel records the respondent's waiver from the judge's order; it takes
        # effect once a second person checks it against that order (WAIVE, PROVENANCE).
        waiver = app.do(parse_command("waive_appeal", {
            "party": "respondent", "before": "NEW", "language": "es",
            "reference": f"IJ-{label.upper()}-1"}), counsel, ordered + timedelta(minutes=10),
            case_id=case)
        assert waiver.accepted, [(r.rule_id, r.reason) for r in waiver.refusals]
        do(supervisor, case, ordered + timedelta(minutes=20), "confirm_entry",
           entry=int(waiver.events[0]["seq"]), document_checked=f"IJ-{label.upper()}-1")
        do(supervisor, case, ordered + timedelta(days=1), "issue_removal_warrant")
        if label != "lea":
            do(officer, case, ordered + timedelta(days=2), "record_travel_document",
               country=country, valid_until=(now + timedelta(days=365)).date().isoformat())
        do(detention, case, ordered + timedelta(days=3), "record_medical_clearance",
           valid_until=(now + timedelta(days=90)).date().isoformat())
        cases[label] = case
    do(counsel, cases["jon"], now - timedelta(days=2), "grant_stay", kind="judicial",
       **document("CA3", "CA3-24-1001", now - timedelta(days=2)))
    return cases


@pytest.fixture
def site(db_url: str) -> Site:
    site = build_site(db_url)
    site.cases.update(seed_removals(site.app, datetime.now(UTC)))
    return site


def _day() -> str:
    return next_departure_day(datetime.now(UTC)).isoformat()


def _plan(site: Site, role: str = "transport", purpose: str = "transport_planning",
          **params: Any) -> Any:
    return site.client(role).get("/api/v1/transport/manifests",
                                 params={"purpose": purpose, "date": _day(), **params})


def _events(site: Site) -> int:
    with site.app.ctx.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(events)).scalar_one())


def test_the_roles_that_read_the_manifests_are_those_that_remove() -> None:
    removing = {role for role, cmds in AUTHORITY.items()
                if cmds & {"schedule_removal", "record_removal"}}
    planning = {role for role, purposes in ROLE_PURPOSES.items()
                if "transport_planning" in purposes}
    assert set(TRANSPORT_ROLES) == removing == planning


def test_the_manifest_seats_the_clear_and_names_the_rules_for_the_rest(site: Site) -> None:
    c = site.cases
    before = _events(site)
    r = _plan(site)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["date"] == _day() and "no command" in body["advice"]
    [gt] = body["manifests"]
    assert (gt["mode"], gt["destinations"], gt["staging"]) == ("air", ["GT"], STAGING)
    assert (gt["seats"], gt["seats_used"]) == (135, 1)
    assert gt["transport_id"] == f"AIR-GT-{STAGING}-1"
    assert gt["depart_at"].startswith(f"{_day()}T08:00:00")
    assert gt["window_end"].startswith(f"{_day()}T20:00:00")
    assert [(p["case_id"], p["person_name"]) for p in gt["people"]] == [
        (c["ida"], "Transport, Ida")]
    assert gt["people"][0]["destination"] == "GT" and gt["people"][0]["final_at"]
    excluded = {x["case_id"]: x for x in body["excluded"]}
    assert set(excluded) == {c["jon"], c["kim"], c["lea"], c["ben"]}
    assert excluded[c["jon"]]["rule_ids"] == ["STAY-JUD"]
    assert excluded[c["kim"]]["rule_ids"] == ["PROT-CTRY"]
    assert excluded[c["lea"]]["rule_ids"] == ["TRAVEL-DOC"]
    assert {"FINAL", "STAY-AUTO"} <= set(excluded[c["ben"]]["rule_ids"])  # appeal window open
    for x in excluded.values():
        assert x["kind"] == "refused" and x["person_name"]
        assert {r["rule"] for r in x["refusals"]} == set(x["rule_ids"])
        for refusal in x["refusals"]:
            assert refusal["citation"] == CITATION[refusal["rule"]] and refusal["reason"]
        assert x["reasons"] == [r["reason"] for r in x["refusals"]]
    assert "SV" in excluded[c["lea"]]["reasons"][0]
    assert _events(site) == before  # advice: nothing was written to any case


def test_seats_are_as_asked(site: Site) -> None:
    r = _plan(site, seats=1)
    assert r.status_code == 200, r.text
    assert [m["seats"] for m in r.json()["manifests"]] == [1]
    for bad in ("0", "1001", "many"):
        r = _plan(site, seats=bad)
        assert r.status_code == 422 and r.json()["field"] == "seats", r.text


def test_the_read_is_ledgered_with_user_role_and_purpose(site: Site) -> None:
    c = site.cases
    before = len(ledger_entries(site))
    assert _plan(site).status_code == 200
    reads = ledger_entries(site)
    assert len(reads) == before + 1
    entry = reads[-1]
    assert (entry.actor_id, entry.actor_role, entry.purpose) == (
        "u-transport1", "transport", "transport_planning")
    body = json.loads(entry.body)
    assert body["record"] == "transport_manifest"
    assert set(body["cases"]) == {c[k] for k in ("ida", "jon", "kim", "lea", "ben")}


@pytest.mark.parametrize(("role", "purpose"), [
    ("attorney", "representation"), ("admin", "case_work"), ("counsel", "legal_review"),
    ("detention", "detention_management"), ("oversight", "oversight_audit"),
    ("transport", "detention_management"), ("officer", "case_work"),
    ("supervisor", "supervision"), ("transport", "no_such_purpose")])
def test_who_may_not_read_the_manifests(site: Site, role: str, purpose: str) -> None:
    refused = len(ledger_entries(site, "read_refused"))
    reads = len(ledger_entries(site))
    r = _plan(site, role, purpose)
    assert r.status_code == 403 and r.json()["error"] == "forbidden", r.text
    assert set(r.json()) == {"error", "message", "field", "details"}
    assert "Transport, " not in r.text and "Ida" not in r.text  # no one's name
    assert len(ledger_entries(site, "read_refused")) == refused + 1  # the attempt is in the ledger
    assert len(ledger_entries(site)) == reads


def test_officers_and_supervisors_read_them_for_transport_planning(site: Site) -> None:
    for role in ("officer", "supervisor"):
        r = _plan(site, role)
        assert r.status_code == 200, r.text
        assert len(r.json()["manifests"]) == 1


def test_a_day_that_is_not_one_or_has_gone_is_a_422(site: Site) -> None:
    reads = len(ledger_entries(site))
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    for bad in ("2026-02-30", "0001-01-01", "tomorrow", yesterday):
        r = _plan(site, date=bad)
        assert r.status_code == 422 and r.json()["field"] == "date", r.text
    assert "already closed" in _plan(site, date=yesterday).json()["message"]
    r = site.client("transport").get("/api/v1/transport/manifests",
                                     params={"purpose": "transport_planning"})
    assert r.status_code == 422 and r.json()["field"] == "date", r.text
    assert len(ledger_entries(site)) == reads  # nothing was read


# ------------------------------------------------------------------------------------- pages


def test_the_page_lists_the_manifests_and_why_others_are_not_on_one(site: Site) -> None:
    c = site.cases
    client = sign_in(site, "transport", "transport_planning")
    page = client.get("/transport")
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    text = page.text
    assert 'href="/transport" aria-current="page"' in text  # in the navigation
    assert f"departures on {_day()}" in text
    manifests, excluded = text.split('id="manifests-h"')[1].split('id="excluded-h"')
    assert f"AIR-GT-{STAGING}-1" in manifests and "1 of 135 seats used" in manifests
    assert f'href="/cases/{c["ida"]}">Transport, Ida</a>' in manifests
    for label in ("jon", "kim", "lea", "ben"):
        assert c[label] not in manifests
        assert f'href="/cases/{c[label]}"' in excluded
    assert c["ida"] not in excluded
    api = {x["case_id"]: x for x in _plan(site).json()["excluded"]}
    for label, rule in (("jon", "STAY-JUD"), ("kim", "PROT-CTRY"), ("lea", "TRAVEL-DOC")):
        row = excluded.split(f'href="/cases/{c[label]}"')[1].split("</tr>")[0]
        assert f'<strong class="rule">{rule}</strong>' in row
        for refusal in api[c[label]]["refusals"]:
            assert refusal["citation"] in row.replace("&#39;", "'")
            assert refusal["reason"].replace("'", "&#39;") in row
    # Advice only: no form on the page gives a command (the one form asks for another day).
    main = text.split("<main")[1]
    assert 'method="post"' not in main and main.count("<form") == 1
    assert "<button" in main and main.count("<button") == 1


def test_the_page_shows_another_day_and_refuses_one_that_has_gone(site: Site) -> None:
    client = sign_in(site, "supervisor", "transport_planning")
    later = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    page = client.get(f"/transport?date={later}")
    assert page.status_code == 200 and f"departures on {later}" in page.text
    gone = client.get("/transport?date=2020-01-01")
    assert gone.status_code == 422 and "already closed" in gone.text
    assert client.get("/transport?date=someday").status_code == 422


def test_the_page_is_for_those_who_remove(site: Site) -> None:
    for role, purpose in (("attorney", "representation"), ("detention", "detention_management"),
                          ("counsel", "legal_review"), ("oversight", "oversight_audit")):
        client = sign_in(site, role, purpose)
        page = client.get("/transport")
        assert page.status_code == 403 and "Not allowed" in page.text
        assert 'href="/transport"' not in page.text.split("<main")[0]  # no link in the nav
        assert "Transport, Ida" not in page.text
    officer = sign_in(site, "officer", "case_work")
    refused = officer.get("/transport")
    assert refused.status_code == 403 and "transport planning" in refused.text
    assert 'href="/transport"' in refused.text.split("<main")[0]  # their role may, with a purpose
