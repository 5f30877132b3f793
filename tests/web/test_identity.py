"""Identity resolution through the web, on SQLite and PostgreSQL: the review queue, one pair with
both records and the waterfall, the persons (``/api/v1/identity/...``), the review pages, and the
case that shows its candidates. Reads are ledgered with the reader's purpose; an officer
proposes, a supervisor other than the proposer confirms or rejects; attorneys and admins are
refused. Invented people only."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from duecourse.app.accounts import get_account
from duecourse.app.identity import do_link, respect_rejections
from duecourse.domain.commands import parse_command
from duecourse.identity import default_model, link, parse_rows
from duecourse.store.tables import identity_pairs, ledger

from .support import Site, build_site_with_records, ledger_entries, sign_in

RECORDS = [
    {"record_id": "EOIR-1970-0042", "family_name": "LOPEZ", "given_name": "José",
     "birth_date": "1970-05-05", "sex": "M", "nationality": "MX", "city": "Newark",
     "document_number": "g 1234-5678"},
    {"record_id": "ENC-2024-9", "family_name": "Lopez", "given_name": "Jose", "sex": "M",
     "nationality": "MX"},
    {"record_id": "VR-1988-301", "family_name": "Reed", "given_name": "Samuel",
     "birth_date": "1988-03-14", "sex": "M", "nationality": "US", "a_number": "A201234567"},
]


@pytest.fixture
def site(db_url: str) -> Site:
    return build_site_with_records(db_url, RECORDS)


def _pair(site: Site) -> int:
    with site.app.ctx.engine.connect() as conn:
        pair = conn.execute(select(identity_pairs.c.id)).scalars().first()
    assert pair is not None
    return int(pair)


def _reads(site: Site, record: str) -> list[Any]:
    return [r for r in ledger_entries(site) if json.loads(r.body).get("record") == record]


def test_the_queue_and_a_pair_side_by_side_with_the_waterfall(site: Site) -> None:
    c = site.client("officer")
    r = c.get("/api/v1/identity/review", params={"purpose": "case_work"})
    assert r.status_code == 200, r.text
    page = r.json()
    assert [(p["left"], p["right"], p["status"]) for p in page["items"]] == [
        ("EOIR-1970-0042", "ENC-2024-9", "pending")]
    assert 0.9 <= page["items"][0]["probability"] < 0.999
    pair = page["items"][0]["pair"]
    r = c.get(f"/api/v1/identity/review/{pair}", params={"purpose": "case_work"})
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["left_record"]["birth_date"] == "1970-05-05" and d["right_record"]["birth_date"] == ""
    assert d["left_record"]["document_number"] == "G12345678"  # as normalised on import
    steps = d["explanation"]["steps"]
    assert steps[0]["comparison"] == "prior"
    assert {s["comparison"] for s in steps} >= {"given_name", "family_name", "birth_date"}
    assert steps[-1]["cumulative_probability"] == pytest.approx(d["probability"], abs=1e-6)
    # paginated
    r = c.get("/api/v1/identity/review", params={"purpose": "case_work", "limit": 1,
                                                 "status": "all"})
    assert r.json()["limit"] == 1
    r = c.get("/api/v1/identity/clusters", params={"purpose": "case_work"})
    assert r.status_code == 200
    assert {i["record_id"] for i in r.json()["items"]} == {
        "EOIR-1970-0042", "ENC-2024-9", "VR-1988-301"}
    # every read is ledgered with the reader, their role and purpose
    for record in ("identity_review_queue", "identity_pair", "identity_persons"):
        entry = _reads(site, record)[-1]
        assert (entry.actor_role, entry.purpose) == ("officer", "case_work"), record


def test_officer_proposes_supervisor_confirms_the_proposer_cannot(site: Site) -> None:
    pair = _pair(site)
    officer, supervisor = site.client("officer"), site.client("supervisor")
    r = supervisor.post(f"/api/v1/identity/review/{pair}/confirm", json={})
    assert r.status_code == 409 and "only a proposed match" in r.json()["message"]
    r = officer.post(f"/api/v1/identity/review/{pair}/propose", json={"reason": "same court case"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "proposed" and r.json()["proposed_by"]
    assert officer.post(f"/api/v1/identity/review/{pair}/confirm", json={}).status_code == 403
    r = officer.post(f"/api/v1/identity/review/{pair}/propose", json={})
    assert r.status_code == 409  # already proposed
    r = supervisor.post(f"/api/v1/identity/review/{pair}/confirm", json={"reason": "checked"})
    assert r.status_code == 200 and r.json()["status"] == "confirmed", r.text
    persons = {i["record_id"]: i["person_id"] for i in supervisor.get(
        "/api/v1/identity/clusters", params={"purpose": "supervision"}).json()["items"]}
    assert persons["EOIR-1970-0042"] == persons["ENC-2024-9"]
    site.app.flush_ledger()  # on PostgreSQL the entries wait in the queue for the sequencer
    with site.app.ctx.engine.connect() as conn:
        kinds = [r.kind for r in conn.execute(select(ledger.c.kind).order_by(ledger.c.seq))]
    assert {"identity_match_proposed", "identity_match_confirmed",
            "identity_match_refused"} <= set(kinds)


def test_a_rejected_match_stays_apart_when_a_later_run_would_link_it(site: Site) -> None:
    pair = _pair(site)
    officer, supervisor = site.client("officer"), site.client("supervisor")
    assert officer.post(f"/api/v1/identity/review/{pair}/propose", json={}).status_code == 200
    r = supervisor.post(f"/api/v1/identity/review/{pair}/reject", json={"reason": "two men"})
    assert r.status_code == 200 and r.json()["status"] == "rejected", r.text
    # A later run with a looser model would link the two records automatically ...
    loose = default_model().with_thresholds(0.5, 0.1)
    loose_run = link([r for r in parse_rows(RECORDS[:2], "court")], loose)
    assert len(set(loose_run.clusters.values())) == 1
    # ... but the supervisor's rejection stands: each record stays its own person.
    do_link(site.app.ctx, model=loose)
    persons = {i["record_id"]: i["person_id"] for i in supervisor.get(
        "/api/v1/identity/clusters", params={"purpose": "supervision"}).json()["items"]}
    assert persons["EOIR-1970-0042"] != persons["ENC-2024-9"]


def test_respect_rejections_keeps_the_rest_of_a_person_together() -> None:
    clusters = {"a": "a", "b": "a", "c": "a", "d": "d"}
    assert respect_rejections(clusters, [("a", "b")]) == {"a": "a", "b": "b", "c": "c", "d": "d"}
    clusters = {"a": "a", "b": "a", "c": "a", "e": "a"}
    assert respect_rejections(clusters, [("a", "c")]) == {"a": "a", "b": "b", "c": "c", "e": "b"}
    assert respect_rejections(clusters, [("a", "x")]) == clusters


def test_a_supervisor_may_not_decide_their_own_proposal(site: Site) -> None:
    pair = _pair(site)
    supervisor = site.client("supervisor")
    assert supervisor.post(f"/api/v1/identity/review/{pair}/propose", json={}).status_code == 200
    r = supervisor.post(f"/api/v1/identity/review/{pair}/reject", json={})
    assert r.status_code == 409 and "you proposed" in r.json()["message"]


@pytest.mark.parametrize(("role", "purpose"), [
    ("attorney", "representation"), ("admin", "case_work"), ("detention", "case_work"),
    ("officer", "detention_management")])
def test_who_may_not_read_or_decide(site: Site, role: str, purpose: str) -> None:
    c, pair = site.client(role), _pair(site)
    assert c.get("/api/v1/identity/review", params={"purpose": purpose}).status_code == 403
    assert c.get(f"/api/v1/identity/review/{pair}",
                 params={"purpose": purpose}).status_code == 403
    if role != "officer":
        assert c.post(f"/api/v1/identity/review/{pair}/propose", json={}).status_code == 403


def open_lopez_case(site: Site) -> str:
    """An officer opens a case for a José López who is probably, not certainly, on file."""
    with site.app.ctx.engine.connect() as conn:
        officer = get_account(conn, "officer1")
    assert officer is not None
    out = site.app.do(parse_command("open_case", {
        "person": {"family_name": "López", "given_name": "José", "sex": "M",
                   "nationalities": ["MX"]},
        "encounter": "interior", "location": "Newark, NJ", "legal_basis": "INA 237(a)(1)(B)"}),
        officer.actor, datetime.now(UTC))
    assert out.accepted and out.case_id
    return out.case_id


def test_a_case_shows_its_candidates_and_id1_blocks_the_arrest(site: Site) -> None:
    case = open_lopez_case(site)
    c = site.client("officer")
    r = c.get(f"/api/v1/cases/{case}", params={"purpose": "case_work"})
    assert r.status_code == 200, r.text
    ident = r.json()["identity"]
    assert ident["link"] == "awaiting_review"
    best = ident["candidates"][0]
    assert best["record_id"] in ("EOIR-1970-0042", "ENC-2024-9")
    assert best["explanation"]["steps"][0]["comparison"] == "prior"
    arrest = {"basis": "warrantless", "reason_to_believe": "court record",
              "likely_to_escape": "no address"}
    r = c.post(f"/api/v1/cases/{case}/commands",
               json={"command": "record_arrest", "with": arrest})
    assert r.status_code == 409 and "ID-1" in {x["rule"] for x in r.json()["refusals"]}
    # the page shows the link, the candidates and a waterfall table
    page = sign_in(site, "officer").get(f"/cases/{case}")
    assert page.status_code == 200
    assert "awaits review" in page.text and "match-weight waterfall" in page.text
    assert best["record_id"] in page.text


def test_the_review_pages_without_javascript(site: Site) -> None:
    pair = _pair(site)
    officer = sign_in(site, "officer")
    r = officer.get("/identity/review")
    assert r.status_code == 200 and f'href="/identity/review/{pair}"' in r.text
    assert 'href="/identity/review"' in r.text.split("<main")[0]  # in the navigation
    r = officer.get(f"/identity/review/{pair}")
    assert r.status_code == 200
    assert "EOIR-1970-0042" in r.text and "ENC-2024-9" in r.text and "<table" in r.text
    assert re.search(r'<th scope="row">document number</th><td>G12345678</td>', r.text)
    token = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
    assert token is not None and f'action="/identity/review/{pair}/propose"' in r.text
    # without the CSRF token: refused, nothing recorded
    r = officer.post(f"/identity/review/{pair}/propose", data={"reason": "x"},
                     follow_redirects=False)
    assert r.status_code in (400, 403)
    r = officer.post(f"/identity/review/{pair}/propose",
                     data={"reason": "same court case", "csrf_token": token[1]},
                     follow_redirects=False)
    assert r.status_code == 303
    supervisor = sign_in(site, "supervisor", "supervision")
    r = supervisor.get(f"/identity/review/{pair}")
    assert f'action="/identity/review/{pair}/confirm"' in r.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
    assert token is not None
    r = supervisor.post(f"/identity/review/{pair}/confirm", data={"csrf_token": token[1]})
    assert r.status_code == 200 and "Recorded: confirmed" in r.text
    # an attorney has no identity review
    attorney = sign_in(site, "attorney", "representation")
    assert attorney.get("/identity/review").status_code == 403
    assert 'href="/identity/review"' not in attorney.get("/queue").text.split("<main")[0]
