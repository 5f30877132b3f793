"""Shared by the web tests: an application with one account per role, and a few cases in
different states (the attorney represents exactly one of the people)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from duecourse.app.accounts import do_create_account, do_issue_token, get_account
from duecourse.app.identity import do_import_records, do_link
from duecourse.bootstrap import App, build_app
from duecourse.config import load_settings
from duecourse.domain.commands import ROLES, parse_command
from duecourse.store.tables import ledger
from duecourse.web.app import create_web_app
from duecourse.web.settings import load_web_settings

PASSWORD = "correct horse battery"
PURPOSE = {"officer": "case_work", "supervisor": "supervision", "counsel": "legal_review",
           "detention": "detention_management", "transport": "transport_planning",
           "oversight": "oversight_audit", "attorney": "representation", "admin": "case_work"}


def person(family: str, given: str, country: str = "MX") -> dict[str, Any]:
    return {"family_name": family, "given_name": given, "birth_date": "1990-04-02",
            "nationalities": [country], "languages": ["es"]}


def document(issued_by: str, reference: str, at: datetime) -> dict[str, Any]:
    """The source fields of an entry recorded at ``at`` from a document of ``issued_by``
    (PROVENANCE): its reference, and the day it was issued (the day before, so that it is never
    after the local day of recording in any court's zone)."""
    return {"issued_by": issued_by, "reference": reference,
            "issued_on": (at - timedelta(days=1)).date().isoformat()}


@dataclass
class Site:
    """The application, its web app, and what the seed made."""

    app: App
    web: FastAPI
    tokens: dict[str, str] = field(default_factory=dict)  # role -> bearer token
    cases: dict[str, str] = field(default_factory=dict)  # label -> case id
    persons: dict[str, str] = field(default_factory=dict)  # label -> person id

    def client(self, role: str | None = None) -> TestClient:
        c = TestClient(self.web)
        if role is not None:
            c.headers["Authorization"] = f"Bearer {self.tokens[role]}"
        return c

    def username(self, role: str) -> str:
        return f"{role}1"


def build_site(url: str, now: datetime | None = None) -> Site:
    """Accounts ``<role>1`` for every role (password ``PASSWORD``); cases: ``ana`` arrested
    without a warrant an hour ago (CUS-48 running), ``ben`` with a removal order entered
    yesterday (appeal window open), ``cai`` just opened. The attorney represents ``ben`` only."""
    app = build_app(url, seed=3)
    now = now or datetime.now(UTC)
    officer = do_create_account(app.ctx, None, "officer1", "officer", PASSWORD, office="Newark, NJ")
    supervisor = do_create_account(app.ctx, None, "supervisor1", "supervisor", PASSWORD)
    site = Site(app, create_web_app(app, load_web_settings(load_settings(url))))

    def do(actor: Any, name: str, data: dict[str, Any], at: datetime, case: str | None = None
           ) -> str:
        out = app.do(parse_command(name, data), actor, at, case_id=case)
        assert out.accepted, (name, out.refusals)
        assert out.case_id is not None
        return out.case_id

    o, s = officer.actor, supervisor.actor
    for label, family, given, country in (("ana", "Example", "Ana", "MX"),
                                          ("ben", "Sample", "Ben", "GT"),
                                          ("cai", "Muster", "Cai", "HN")):
        site.cases[label] = do(o, "open_case", {
            "person": person(family, given, country), "encounter": "interior",
            "location": "Newark, NJ", "legal_basis": "INA 237(a)(1)(B)"},
            now - timedelta(days=40 if label == "ben" else 0, hours=2))
    do(o, "record_arrest", {"basis": "warrantless", "reason_to_believe": "admitted overstay",
                            "likely_to_escape": "no fixed address"}, now - timedelta(hours=1),
       site.cases["ana"])
    ben, t0 = site.cases["ben"], now - timedelta(days=40)
    do(o, "record_arrest", {"basis": "warrantless", "reason_to_believe": "admitted overstay",
                            "likely_to_escape": "no fixed address"}, t0, ben)
    do(s, "record_examination", {}, t0 + timedelta(hours=1), ben)
    do(o, "determine_custody", {"decision": "detain", "authority": "236(a)",
                                "reason": "flight risk: no fixed address"},
       t0 + timedelta(hours=2), ben)
    hearing = (t0 + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    do(o, "issue_nta", {"charges": ["237(a)(1)(B)"], "allegations": ["overstay"],
                        "hearing_at": hearing, "court": "NEW",
                        "counsel_list_date": (t0 - timedelta(days=10)).date().isoformat()},
       t0 + timedelta(hours=3), ben)
    do(o, "serve_nta", {"method": "personal", "language": "es"}, t0 + timedelta(hours=4), ben)
    with app.ctx.engine.connect() as conn:
        from sqlalchemy import select

        from duecourse.store.tables import cases
        for label, cid in site.cases.items():
            site.persons[label] = conn.execute(
                select(cases.c.person_id).where(cases.c.id == cid)).scalar_one()
    counsel = do_create_account(app.ctx, None, "counsel1", "counsel", PASSWORD)
    do(counsel.actor, "record_order", {"outcome": "removal", "decision_mode": "oral",
                                       "designated_country": "GT",
                                       **document("NEW", "IJ-BEN-1", now - timedelta(days=1))},
       now - timedelta(days=1), ben)
    for role in ROLES:
        if role not in ("officer", "supervisor", "counsel"):
            do_create_account(app.ctx, None, f"{role}1", role, PASSWORD,
                              clients=(site.persons["ben"],) if role == "attorney" else ())
    for role in ROLES:
        with app.ctx.engine.connect() as conn:
            account = get_account(conn, f"{role}1")
        assert account is not None
        site.tokens[role] = do_issue_token(app.ctx, account)[0]
    return site


def build_site_with_records(url: str, records: list[dict[str, Any]]) -> Site:
    """``build_site``, with ``records`` imported from the source "court" and linked."""
    site = build_site(url)
    do_import_records(site.app.ctx, records, "court")
    do_link(site.app.ctx)
    return site


def charged_case(site: Site, family: str, given: str, country: str = "SV",
                 now: datetime | None = None) -> str:
    """A case built through the handlers as ``build_site`` builds ben's: arrested 40 days ago,
    examined, detained, an NTA for a hearing 20 days ago at NEW served in Spanish; no order
    yet. Its id."""
    now = now or datetime.now(UTC)
    t0 = now - timedelta(days=40)
    accounts = {}
    with site.app.ctx.engine.connect() as conn:
        for role in ("officer", "supervisor"):
            account = get_account(conn, f"{role}1")
            assert account is not None
            accounts[role] = account.actor
    o, s = accounts["officer"], accounts["supervisor"]
    case: str | None = None
    for actor, at, name, data in (
        (o, t0, "open_case", {"person": person(family, given, country), "encounter": "interior",
                              "location": "Newark, NJ", "legal_basis": "INA 237(a)(1)(B)"}),
        (o, t0 + timedelta(minutes=30), "record_arrest", {
            "basis": "warrantless", "reason_to_believe": "admitted overstay",
            "likely_to_escape": "no fixed address"}),
        (s, t0 + timedelta(hours=1), "record_examination", {}),
        (o, t0 + timedelta(hours=2), "determine_custody", {
            "decision": "detain", "authority": "236(a)",
            "reason": "flight risk: no fixed address"}),
        (o, t0 + timedelta(hours=3), "issue_nta", {
            "charges": ["237(a)(1)(B)"], "allegations": ["overstay"],
            "hearing_at": (t0 + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "court": "NEW", "counsel_list_date": (t0 - timedelta(days=10)).date().isoformat()}),
        (o, t0 + timedelta(hours=4), "serve_nta", {"method": "personal", "language": "es"}),
    ):
        out = site.app.do(parse_command(name, data), actor, at, case_id=case)
        assert out.accepted, (name, [(r.rule_id, r.reason) for r in out.refusals])
        case = out.case_id
    assert case is not None
    return case


def sign_in(site: Site, role: str, purpose: str | None = "case_work") -> TestClient:
    """A browser session of ``<role>1``, signed in through the sign-in page, with a purpose."""
    c = TestClient(site.web)
    pre = re.search(r'name="pre_csrf" value="([^"]+)"', c.get("/sign-in").text)
    assert pre is not None
    r = c.post("/sign-in", data={"username": f"{role}1", "password": PASSWORD,
                                 "pre_csrf": pre[1], "next": "/"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    if purpose:
        c.post("/purpose", data={"purpose": purpose, "csrf_token": csrf(c, "/purpose"),
                                 "next": "/"})
    return c


def csrf(c: TestClient, path: str) -> str:
    """The CSRF token of the form on the page at ``path``."""
    m = re.search(r'name="csrf_token" value="([^"]+)"', c.get(path).text)
    assert m is not None
    return m[1]


def ledger_entries(site: Site, kind: str = "read") -> list[Any]:
    """The site's ledger entries of ``kind``, in order, once everything queued is integrated
    (on PostgreSQL the entries wait in the queue for the sequencer)."""
    site.app.flush_ledger()
    with site.app.ctx.engine.connect() as conn:
        return list(conn.execute(select(ledger).where(ledger.c.kind == kind)
                                 .order_by(ledger.c.seq)))


def call_asgi(web: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Call the ASGI app ``web`` once, in an event loop of its own thread (a browser test may
    have left one running in this thread)."""
    from concurrent.futures import ThreadPoolExecutor

    import anyio

    with ThreadPoolExecutor(1) as pool:
        pool.submit(anyio.run, web, scope, receive, send).result(timeout=300)


def carry(site: Site, steps: list[tuple[Any, datetime, str, dict[str, Any]]]) -> str:
    """One new case carried through ``steps`` (actor, when, command, its data), each accepted;
    the case's id."""
    case: str | None = None
    for actor, at, name, data in steps:
        out = site.app.do(parse_command(name, data), actor, at, case_id=case)
        assert out.accepted, (name, [(r.rule_id, r.reason) for r in out.refusals])
        case = out.case_id
    assert case is not None
    return case
