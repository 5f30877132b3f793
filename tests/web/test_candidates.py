"""Who sees other people's identity records on a case (issue 16): the candidates are shown only at
or above the model's lower threshold, only to the roles that decide links (officers propose,
supervisors decide), with only the fields needed to decide (no address, no document number), and
each one shown is named by record id in the read's ledger entry. Every other reader - counsel,
detention, transport, oversight, the person's own attorney - sees no candidate, not even a
count. Through the API, the pages and the command line, on SQLite and PostgreSQL. Invented
people only."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from typer.testing import CliRunner

from duecourse.app.accounts import do_update_account, get_account
from duecourse.cli import app as cli
from duecourse.domain.commands import parse_command

from .support import PURPOSE, Site, build_site_with_records, ledger_entries, sign_in

# The same man as the case's person (an automatic link), and a woman the model itself says is
# someone else (probability far below the lower threshold), found only because she shares the
# family and given names: her record, with a shelter's address, must reach no one.
SAME, OTHER = "EOIR-1970-0042", "SHELTER-4"
RECORDS = [
    {"record_id": SAME, "family_name": "LOPEZ", "given_name": "José", "birth_date": "1970-05-05",
     "sex": "M", "nationality": "MX", "address": "7 Canal Street", "city": "Newark",
     "postcode": "07105", "document_number": "g 1234-5678"},
    {"record_id": OTHER, "family_name": "Lopez", "given_name": "Jose", "sex": "F",
     "birth_date": "1955-01-02", "nationality": "GT", "address": "Hope House, 12 Elm Street",
     "city": "Newark", "postcode": "07102", "a_number": "A987654321"},
]
# What no reader may see: the other woman (her record id, birth date, A-number, address) and the
# addresses and document numbers of both.
NEVER = (OTHER, "1955-01-02", "A987654321", "Hope House", "Elm Street", "07102", "7 Canal",
         "07105", "G12345678")
# What a candidate's record shows: who the record says the person is, nothing of where they live.
DECIDING = {"record_id", "source", "family_name", "given_name", "birth_date", "sex", "nationality",
            "a_number"}
DECIDERS = ("officer", "supervisor")
OTHERS = ("counsel", "detention", "transport", "oversight", "attorney")


@pytest.fixture
def site(db_url: str) -> Site:
    return build_site_with_records(db_url, RECORDS)


def _open_lopez(site: Site) -> str:
    """José López's case, opened by an officer; the attorney becomes his attorney of record."""
    with site.app.ctx.engine.connect() as conn:
        officer, admin = get_account(conn, "officer1"), get_account(conn, "admin1")
    assert officer is not None and admin is not None
    out = site.app.do(parse_command("open_case", {
        "person": {"family_name": "López", "given_name": "José", "sex": "M",
                   "birth_date": "1970-05-05", "nationalities": ["MX"]},
        "encounter": "interior", "location": "Newark, NJ", "legal_basis": "INA 237(a)(1)(B)"}),
        officer.actor, datetime.now(UTC))
    assert out.accepted and out.case_id
    person = site.app.get_case(out.case_id, officer.actor, "case_work").state.person_id
    do_update_account(site.app.ctx, admin.actor, "attorney1", clients=(person,))
    # the model found both: the same man at or above the upper threshold, the woman far below
    found = {c["record_id"]: c["probability"] for c in site.app.get_case(
        out.case_id, officer.actor, "case_work").state.identity_candidates}
    assert found[SAME] >= 0.999 and found[OTHER] < 0.9, found
    return out.case_id


def _leaks(text: str) -> list[str]:
    return [s for s in NEVER if s.casefold() in text.casefold()]


def _last_read(site: Site) -> dict[str, Any]:
    return dict(json.loads(ledger_entries(site)[-1].body))


@pytest.mark.parametrize("role", DECIDERS + OTHERS)
def test_the_api_shows_candidates_only_to_those_who_decide(site: Site, role: str) -> None:
    case = _open_lopez(site)
    r = site.client(role).get(f"/api/v1/cases/{case}", params={"purpose": PURPOSE[role]})
    assert r.status_code == 200, r.text
    assert _leaks(r.text) == []
    shown = r.json()["identity"]["candidates"]
    read = _last_read(site)
    assert read["record"] == "case"
    if role in DECIDERS:
        assert [c["record_id"] for c in shown] == [SAME]
        assert set(shown[0]["record"]) == DECIDING
        assert shown[0]["record"]["birth_date"] == "1970-05-05"
        steps = {s["comparison"]: s for s in shown[0]["explanation"]["steps"]}
        assert steps["location"]["right_value"] == "" and steps["location"]["level"]
        assert steps["document_number"]["right_value"] == ""
        assert read["candidates"] == [SAME]  # the read names every record it showed
    else:
        assert shown == []
        assert "candidates" not in read


@pytest.mark.parametrize("role", ["officer", "counsel", "detention"])
def test_the_page_shows_candidates_only_to_those_who_decide(site: Site, role: str) -> None:
    case = _open_lopez(site)
    page = sign_in(site, role, PURPOSE[role]).get(f"/cases/{case}")
    assert page.status_code == 200, page.text
    assert _leaks(page.text) == []
    decides = role in DECIDERS
    assert ("Candidate persons" in page.text) is decides
    assert ("match-weight waterfall" in page.text) is decides
    read = _last_read(site)
    assert read.get("candidates") == ([SAME] if decides else None)


@pytest.mark.parametrize("role", ["supervisor", "counsel"])
def test_case_show_prints_candidates_only_to_those_who_decide(
        site: Site, db_url: str, role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The command line integrates its queued ledger entries at exit; here the test does (through
    # ledger_entries), before its database is dropped.
    monkeypatch.setattr("atexit.register", lambda *_: None)
    case = _open_lopez(site)
    res = CliRunner().invoke(cli, ["case", "show", case, "--db", db_url, "--user", f"{role}1",
                                   "--as", role, "--purpose", PURPOSE[role]])
    assert res.exit_code == 0, res.output
    assert _leaks(res.output) == []
    assert ("candidates: " + SAME in res.output) is (role in DECIDERS)
    assert ("candidates" in res.output) is (role in DECIDERS)
    read = _last_read(site)
    assert read.get("candidates") == ([SAME] if role in DECIDERS else None)
