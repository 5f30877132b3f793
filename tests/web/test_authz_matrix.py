"""Who may do what through the API: every operation of the OpenAPI document, for every role, for
no token and for a token that is not one.

Reads are decided by the ``access_*`` funnels (a refusal is a 403), commands by the law's ROLE
guard (a refusal is a 409 whose refusals name ROLE, and nothing is written), accounts by
``access_accounts``. A case or person file refused to one who may not read it at all (an
attorney not of record, an admin) is a 404 that says only "not found or not yours", for a read
and a command alike (nothing is written). Each request is valid in every other respect (a body
the command takes, the purpose of the reader's role, a case in a state where the command is
lawful), so that the role is the only reason for a refusal. A new operation without a row in ``MATRIX`` fails
``test_every_operation_has_a_row``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from duecourse.app.accounts import do_update_account, get_account
from duecourse.app.transport import next_departure_day
from duecourse.bootstrap import build_app
from duecourse.config import load_settings
from duecourse.domain.commands import COMMAND_TYPES, ROLES, Actor, parse_command
from duecourse.law.guards.authority import AUTHORITY
from duecourse.store.tables import cases, events
from duecourse.web.app import create_web_app
from duecourse.web.settings import load_web_settings

from .support import PASSWORD, PURPOSE, Site, build_site, ledger_entries, person

PRINCIPALS = (*ROLES, "none", "bad")  # every role; no token; a token that is not one
R = "409 ROLE"  # refused by the law's ROLE guard: a 409 naming the rule ROLE, nothing written
N = "404 not yours"  # "not found or not yours": the answer a case that does not exist gives
Expected = int | str

# The expected answer of each probe (defined in PROBES below) for each principal, in the order
# of PRINCIPALS. ana and cai are nobody's clients; ben is the attorney's client.
MATRIX: dict[str, tuple[Expected, ...]] = {
    # probe                               officer  counsel   transport  attorney  none
    #                                        supervisor  detention  oversight  admin    bad
    "sign in":                            (200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "who am I":                           (200, 200, 200, 200, 200, 200, 200, 200, 401, 401),
    "search cases":                       (200, 200, 200, 200, 200, 200, 200, 403, 401, 401),
    "read case ana":                      (200, 200, 200, 200, 200, 200, N,   N,   401, 401),
    "read case ben":                      (200, 200, 200, 200, 200, 200, 200, N,   401, 401),
    "deadlines of case ana":              (200, 200, 200, 200, 200, 200, N,   N,   401, 401),
    "deadlines of case ben":              (200, 200, 200, 200, 200, 200, 200, N,   401, 401),
    "search persons":                     (200, 200, 200, 200, 200, 200, 200, 403, 401, 401),
    "read person ana":                    (200, 200, 200, 200, 200, 200, N,   N,   401, 401),
    "read person ben":                    (200, 200, 200, 200, 200, 200, 200, N,   401, 401),
    "work queue":                         (200, 200, 200, 200, 200, 200, 200, 403, 401, 401),
    "open a case":                        (201, 201, R,   R,   R,   R,   R,   R,   401, 401),
    "claim citizenship, new case":        (200, 200, 200, 200, 200, R,   N,   N,   401, 401),
    "claim citizenship, new client case": (200, 200, 200, 200, 200, R,   200, N,   401, 401),
    "flag a minor, new case":             (200, 200, R,   200, R,   R,   N,   N,   401, 401),
    "list accounts":                      (403, 403, 403, 403, 403, 403, 403, 200, 401, 401),
    "create an account":                  (403, 403, 403, 403, 403, 403, 403, 201, 401, 401),
    "change an account":                  (403, 403, 403, 403, 403, 403, 403, 200, 401, 401),
    "ledger entries":                     (403, 200, 403, 403, 403, 200, 403, 403, 401, 401),
    "ledger entry proof":                 (403, 200, 403, 403, 403, 200, 403, 403, 401, 401),
    "ledger checkpoints":                 (403, 200, 403, 403, 403, 200, 403, 403, 401, 401),
    "oversight report":                   (403, 200, 403, 403, 403, 200, 403, 403, 401, 401),
    "search terms":                       (403, 403, 403, 403, 403, 200, 403, 403, 401, 401),
    "placement facilities":               (200, 200, 403, 200, 200, 200, 403, 403, 401, 401),
    "placement plan":                     (200, 200, 403, 200, 403, 403, 403, 403, 401, 401),
    "transport manifests":                (200, 200, 403, 403, 200, 403, 403, 403, 401, 401),
    "identity review queue":              (200, 200, 403, 403, 403, 403, 403, 403, 401, 401),
    "identity pair":                      (200, 200, 403, 403, 403, 403, 403, 403, 401, 401),
    "identity clusters":                  (200, 200, 403, 403, 403, 403, 403, 403, 401, 401),
    "propose an identity match":          (200, 200, 403, 403, 403, 403, 403, 403, 401, 401),
    "confirm an identity match":          (403, 200, 403, 403, 403, 403, 403, 403, 401, 401),
    "reject an identity match":           (403, 200, 403, 403, 403, 403, 403, 403, 401, 401),
}


@dataclass
class World:
    """The site and what a probe needs to make its request valid for anyone."""

    site: Site
    officer: Actor
    admin: Actor
    serial: count[int]

    def purpose(self, who: str) -> str:
        return PURPOSE.get(who, "case_work")

    def new_case(self, client: bool = False) -> str:
        """A case just opened (at large, nothing else recorded); with ``client``, of a person
        the attorney represents."""
        n = next(self.serial)
        out = self.site.app.do(parse_command("open_case", {
            "person": person("Matrix", f"Probe{n}"), "encounter": "interior",
            "location": "Newark, NJ", "legal_basis": "INA 237(a)(1)(B)"}), self.officer)
        assert out.accepted and out.case_id, out.refusals
        if client:
            with self.site.app.ctx.engine.connect() as conn:
                pid = conn.execute(select(cases.c.person_id)
                                   .where(cases.c.id == out.case_id)).scalar_one()
                attorney = get_account(conn, "attorney1")
            assert attorney is not None
            do_update_account(self.site.app.ctx, self.admin, "attorney1",
                              clients=(*attorney.actor.clients, pid))
        return out.case_id


    def new_search(self) -> str:
        """A case search of its own by name: the ``ref`` its ledger entry names."""
        from duecourse.app.reads import find_cases

        find_cases(self.site.app.ctx, self.officer, "case_work", "Matrix")
        entry = ledger_entries(self.site)[-1]
        return str(json.loads(entry.body)["terms"]["ref"])

    def new_pair(self, proposed: bool = False) -> str:
        """A pair of the identity review queue of its own (two records of one invented man, one
        without a birth date), pending or proposed by officer1."""
        from duecourse.app.identity import do_import_records, do_link, do_propose_match
        from duecourse.store.tables import identity_pairs, identity_records

        n = next(self.serial)
        source = f"matrix-{n}"
        name = {"family_name": "Matrix", "given_name": f"Pair{n:03d}", "sex": "M",
                "nationality": "MX"}
        do_import_records(self.site.app.ctx, [
            {"record_id": "a", **name, "birth_date": f"{1950 + n % 50}-05-05"},
            {"record_id": "b", **name}], source)
        do_link(self.site.app.ctx)
        with self.site.app.ctx.engine.connect() as conn:
            ids = conn.execute(select(identity_records.c.id)
                               .where(identity_records.c.source == source)).scalars().all()
            pair = conn.execute(select(identity_pairs.c.id).where(
                identity_pairs.c.left_record.in_(ids),
                identity_pairs.c.right_record.in_(ids))).scalar_one()
        if proposed:
            do_propose_match(self.site.app.ctx, int(pair), self.officer)
        return str(pair)


@dataclass(frozen=True)
class Request:
    path: dict[str, str]
    params: dict[str, Any] | None = None
    json: Any = None


@dataclass(frozen=True)
class Probe:
    method: str
    path: str  # as in the OpenAPI document
    request: Callable[[World, str], Request]  # the request for one principal


def _read(path: dict[str, str] | Callable[[World], dict[str, str]]) -> Callable[[World, str],
                                                                              Request]:
    def request(w: World, who: str) -> Request:
        return Request(path if isinstance(path, dict) else path(w),
                       {"purpose": w.purpose(who)})
    return request


def _command(name: str, data: dict[str, Any], client: bool = False
             ) -> Callable[[World, str], Request]:
    def request(w: World, who: str) -> Request:
        return Request({"case_id": w.new_case(client)}, json={"command": name, "with": data})
    return request


def _opening(n: int) -> dict[str, Any]:
    return {"person": person("Opened", f"By{n}"), "encounter": "interior",
            "location": "Newark, NJ", "legal_basis": "INA 237(a)(1)(B)"}


PROBES: dict[str, Probe] = {
    "sign in": Probe("POST", "/auth/token", lambda w, who: Request({}, json={
        "username": w.site.username(who if who in ROLES else "officer"), "password": PASSWORD})),
    "who am I": Probe("GET", "/me", lambda w, who: Request({})),
    "search cases": Probe("GET", "/cases", _read({})),
    "read case ana": Probe("GET", "/cases/{case_id}",
                           _read(lambda w: {"case_id": w.site.cases["ana"]})),
    "read case ben": Probe("GET", "/cases/{case_id}",
                           _read(lambda w: {"case_id": w.site.cases["ben"]})),
    "deadlines of case ana": Probe("GET", "/cases/{case_id}/deadlines",
                                   _read(lambda w: {"case_id": w.site.cases["ana"]})),
    "deadlines of case ben": Probe("GET", "/cases/{case_id}/deadlines",
                                   _read(lambda w: {"case_id": w.site.cases["ben"]})),
    "search persons": Probe("GET", "/persons", _read({})),
    "read person ana": Probe("GET", "/persons/{person_id}",
                             _read(lambda w: {"person_id": w.site.persons["ana"]})),
    "read person ben": Probe("GET", "/persons/{person_id}",
                             _read(lambda w: {"person_id": w.site.persons["ben"]})),
    "work queue": Probe("GET", "/queue", _read({})),
    "open a case": Probe("POST", "/cases",
                         lambda w, who: Request({}, json=_opening(next(w.serial)))),
    "claim citizenship, new case": Probe(
        "POST", "/cases/{case_id}/commands",
        _command("claim_citizenship", {"evidence": "birth certificate"})),
    "claim citizenship, new client case": Probe(
        "POST", "/cases/{case_id}/commands",
        _command("claim_citizenship", {"evidence": "birth certificate"}, client=True)),
    "flag a minor, new case": Probe(
        "POST", "/cases/{case_id}/commands",
        _command("flag_minor", {"unaccompanied": False, "age_basis": "says he is 16"})),
    "list accounts": Probe("GET", "/accounts", lambda w, who: Request({})),
    "create an account": Probe("POST", "/accounts", lambda w, who: Request({}, json={
        "username": f"made-by-{who}", "role": "officer", "password": PASSWORD})),
    "change an account": Probe("PATCH", "/accounts/{username}", lambda w, who: Request(
        {"username": "transport1"}, json={"office": f"changed by {who}"})),
    "ledger entries": Probe("GET", "/ledger/entries", lambda w, who: Request({})),
    "ledger entry proof": Probe("GET", "/ledger/entries/{seq}/proof",
                                lambda w, who: Request({"seq": "0"})),
    "ledger checkpoints": Probe("GET", "/ledger/checkpoints", lambda w, who: Request({})),
    "oversight report": Probe("GET", "/oversight/report", lambda w, who: Request({})),
    "search terms": Probe("GET", "/oversight/search-terms/{ref}", lambda w, who: Request(
        {"ref": w.new_search()}, {"reason": "complaint 12: who searched for this person"})),
    "placement facilities": Probe("GET", "/placement/facilities", lambda w, who: Request({})),
    # The plan is read for detention management; a role without that purpose gives its own.
    "placement plan": Probe("GET", "/placement/plan", lambda w, who: Request({}, {
        "purpose": "detention_management" if who in ("officer", "supervisor", "detention",
                                                      "transport") else w.purpose(who)})),
    "identity review queue": Probe("GET", "/identity/review", _read({})),
    "identity pair": Probe("GET", "/identity/review/{pair}",
                           _read(lambda w: {"pair": w.new_pair()})),
    "identity clusters": Probe("GET", "/identity/clusters", _read({})),
    "propose an identity match": Probe("POST", "/identity/review/{pair}/propose",
                                       lambda w, who: Request({"pair": w.new_pair()},
                                                              json={"reason": "same man"})),
    "confirm an identity match": Probe("POST", "/identity/review/{pair}/confirm",
                                       lambda w, who: Request({"pair": w.new_pair(True)},
                                                              json={"reason": "checked"})),
    "reject an identity match": Probe("POST", "/identity/review/{pair}/reject",
                                      lambda w, who: Request({"pair": w.new_pair(True)},
                                                             json={})),
    # The manifests are read for transport planning; a role without that purpose gives its own.
    "transport manifests": Probe("GET", "/transport/manifests", lambda w, who: Request({}, {
        "purpose": "transport_planning" if who in ("officer", "supervisor", "transport")
        else w.purpose(who), "date": next_departure_day(datetime.now(UTC)).isoformat()})),
}


def _client(site: Site, who: str) -> TestClient:
    if who == "none":
        return site.client()
    c = site.client()
    c.headers["Authorization"] = "Bearer " + (site.tokens[who] if who in ROLES else "dc_not-a-token")
    return c


def _answer(status: int, body: Any) -> Expected:
    """What came back, in the words of the matrix."""
    if status == 409 and isinstance(body, dict):
        rules = {r["rule"] for r in body.get("refusals", [])}
        if "ROLE" in rules and body.get("accepted") is False and not body.get("events"):
            return R
        return f"409 {','.join(sorted(rules))}"
    if status == 404 and body == {"error": "not_found", "message": "not found or not yours",
                                  "field": None, "details": []}:
        return N
    return status


def _written(site: Site) -> int:
    with site.app.ctx.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(events)).scalar_one())


def test_every_operation_has_a_row() -> None:
    app = build_app("sqlite://")
    web = create_web_app(app, load_web_settings(load_settings("sqlite://")))
    doc = TestClient(web).get("/api/v1/openapi.json").json()
    app.ctx.engine.dispose()
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    probed = {(PROBES[name].method, PROBES[name].path) for name in MATRIX}
    assert not documented - probed, f"operations without a row in MATRIX: {documented - probed}"
    assert not probed - documented, f"rows for operations not in the API: {probed - documented}"
    assert set(MATRIX) == set(PROBES)
    assert all(len(row) == len(PRINCIPALS) for row in MATRIX.values())


def test_authorisation_matrix(db_url: str) -> None:
    site = build_site(db_url)
    site.app.checkpoint(datetime.now(UTC) + timedelta(seconds=1))
    with site.app.ctx.engine.connect() as conn:
        officer, admin = get_account(conn, "officer1"), get_account(conn, "admin1")
    assert officer is not None and admin is not None
    world = World(site, officer.actor, admin.actor, count(1))
    for role in ROLES:  # each reads with a purpose the site offers its role (admin reads none)
        offered = _client(site, role).get("/api/v1/me").json()["purposes"]
        assert world.purpose(role) in offered if role != "admin" else offered == []

    wrong: list[str] = []
    for name, row in MATRIX.items():
        probe = PROBES[name]
        for who, expected in zip(PRINCIPALS, row, strict=True):
            req = probe.request(world, who)
            before = _written(site) if expected in (R, N) else 0
            r = _client(site, who).request(probe.method,
                                           "/api/v1" + probe.path.format(**req.path),
                                           params=req.params, json=req.json)
            got = _answer(r.status_code, r.json())
            if got != expected:
                wrong.append(f"{name:36} {who:10} expected {expected!s:9} got {got}: "
                             f"{r.text[:160]}")
            elif expected in (R, N) and _written(site) != before:
                wrong.append(f"{name:36} {who:10} refused ({expected}) but wrote events")
    assert not wrong, "answers that differ from MATRIX:\n" + "\n".join(wrong)
    _never_write(world)
    site.app.ctx.engine.dispose()


# A valid body for every command of the vocabulary: oversight (read and report) and admin
# (accounts) are refused every one of them by ROLE, whatever the case's state.
SOURCE = {"issued_by": "NEW", "reference": "IJ-2026-1", "issued_on": "2026-01-05"}
EVERY_COMMAND: dict[str, dict[str, Any]] = {
    "open_case": _opening(0),
    "claim_citizenship": {"evidence": "birth certificate"},
    "resolve_citizenship": {"finding": "not_citizen", "evidence": "records", "counsel": "OPLA",
                            **SOURCE},
    "issue_arrest_warrant": {"requested_by": "u-officer1"},
    "record_arrest": {"basis": "warrantless", "reason_to_believe": "admitted overstay",
                      "likely_to_escape": "no fixed address"},
    "record_examination": {"no_other_officer_reason": "alone at the port"},
    "determine_custody": {"decision": "detain", "authority": "236(a)",
                          "reason": "flight risk: no fixed address"},
    "flag_minor": {"unaccompanied": False, "age_basis": "says he is 16"},
    "notify_hhs": {"reference": "HHS-1"},
    "transfer_to_orr": {},
    "place": {"facility": "ELZICDF", "classification": "A",
              "reason": "nearest bed for the classification"},
    "transfer": {"facility": "DHDFNJ", "attorney_notified": True,
                 "reason": "bed space: the facility is at capacity"},
    "issue_nta": {"charges": ["237(a)(1)(B)"], "allegations": ["overstay"],
                  "hearing_at": "2027-03-01T09:00:00Z", "court": "NEW",
                  "counsel_list_date": "2026-11-01"},
    "serve_nta": {"method": "personal", "language": "es"},
    "schedule_hearing": {"at": "2027-03-01T09:00:00Z", "court": "NEW"},
    "record_order": {"outcome": "removal", "decision_mode": "oral", "designated_country": "GT",
                     **SOURCE},
    "waive_appeal": {"party": "respondent", "before": "NEW", "language": "es",
                     "reference": "IJ-2026-1"},
    "file_appeal": {},
    "decide_appeal": {"outcome": "dismissed", **SOURCE, "issued_by": "BIA"},
    "grant_stay": {"kind": "ij", **SOURCE},
    "lift_stay": {"stay": "IJ-2026-1", **SOURCE},
    "issue_removal_warrant": {},
    "record_travel_document": {"country": "GT", "valid_until": "2027-06-01"},
    "record_medical_clearance": {"valid_until": "2027-06-01"},
    "serve_third_country_notice": {"country": "PA", "language": "es"},
    "record_fear_claim": {"country": "PA"},
    "decide_fear_claim": {"country": "PA", "outcome": "no_fear", **SOURCE,
                          "issued_by": "USCIS-NEW"},
    "file_motion_to_reopen": {"grounds": "lack_of_notice", "filed_with": "NEW",
                              "receipt": "MTR-1", "filed_on": "2026-01-05"},
    "decide_motion_to_reopen": {"receipt": "MTR-1", "outcome": "denied", **SOURCE},
    "confirm_entry": {"entry": 1, "document_checked": "IJ-2026-1"},
    "reject_entry": {"entry": 1, "reason": "the document says otherwise"},
    "classify": {"level": "B", "basis": "no criminal history"},
    "schedule_removal": {"destination": "GT", "depart_at": "2027-03-10T08:00:00Z",
                         "transport": "ICE Air"},
    "record_removal": {"destination": "GT"},
    "release": {"kind": "recognizance", "reason": "no flight risk: fixed address"},
    "review_custody": {"kind": "pocr", "finding": "continue",
                       "reason": "travel document requested; removal foreseeable"},
    "close_case": {"reason": "proceedings terminated"},
    "propose_identity_link": {"record": "EOIR-1", "reason": "same person"},
    "confirm_identity_link": {"reason": "checked"},
    "reject_identity_link": {"reason": "another person"},
    "record_address": {"address": "1 Main St, Newark, NJ 07102", "provided_on": "2026-01-02"},
    "notify_court_of_custody": {"court": "NEW", "reference": "I-830 1"},
    "record_1367_protection": {"kind": "vawa", "reference": "IOE0000000001"},
    "determine_age": {"finding": "minor", "evidence": "birth certificate; interview",
                      "evidence_kinds": ["birth_certificate", "interview"],
                      "reference": "AGE-2026-1"},
    "record_age_out": {"setting": "atd", "reason": "least restrictive setting: a sponsor"},
    "serve_pocr_notice": {"review_on": "2027-02-01", "language": "es"},
    "revoke_release": {"grounds": "violated_conditions", "facts": "missed a report",
                       "reason": "violated the order of supervision", "notice_language": "es"},
    "record_revocation_interview": {"language": "es", "summary": "says the office moved"},
    "issue_detainer": {"agency": "Essex County Jail", "probable_cause": "statements",
                       "warrant": "I-200", "reason": "told the booking officer he overstayed"},
    "serve_detainer": {"method": "through_agency", "language": "es"},
    "record_consular_advisal": {"language": "es", "notification_requested": False},
    "notify_consulate": {"country": "GT", "method": "email"},
    "record_bond_order": {"outcome": "release_on_bond", "bond_amount": 4000, **SOURCE},
    "file_bond_stay": {"filed_on": "2026-01-06", "reference": "EOIR-43-1"},
    "file_bond_appeal": {"filed_on": "2026-01-07", "receipt": "BIA-BOND-1"},
    "decide_bond_appeal": {"outcome": "dismissed", **SOURCE, "issued_by": "BIA"},
    "notify_attorney_of_transfer": {"reference": "written notice sent to counsel of record"},
    "record_legal_orientation": {"provider": "Example Legal Aid", "language": "es"},
    "hand_over_case": {"to_officer": "u-officer1", "reason": "going on leave"},
}


def _never_write(w: World) -> None:
    """Every role is refused by ROLE every command the role table (law/guards/authority.py)
    does not give it, whatever the case's state (on a case it may not read, "not found or not
    yours"), and nothing is written: oversight and admin
    every command; officers, for instance, no waiver of appeal (a party waives, before the
    judge), and no one but counsel and supervisors confirms or rejects an entry."""
    assert set(EVERY_COMMAND) == set(COMMAND_TYPES), "a command without a body here"
    assert AUTHORITY["oversight"] == AUTHORITY["admin"] == frozenset()
    assert "waive_appeal" not in AUTHORITY["officer"]
    assert {r for r, cmds in AUTHORITY.items() if cmds & {"confirm_entry", "reject_entry"}} == {
        "counsel", "supervisor"}
    before = _written(w.site)
    wrong = []
    for role in ROLES:
        c = _client(w.site, role)
        refused = set(EVERY_COMMAND) - AUTHORITY[role] - ({"open_case"} if role in (
            "officer", "supervisor") else set())
        answers = {}
        if "open_case" in refused:
            answers["open_case"] = c.post("/api/v1/cases", json=EVERY_COMMAND["open_case"])
        for name in sorted(refused - {"open_case"}):
            # ana arrested an hour ago, ben ordered removed yesterday (the attorney's client)
            for case in ("ana", "ben"):
                answers[f"{name} on {case}"] = c.post(
                    f"/api/v1/cases/{w.site.cases[case]}/commands",
                    json={"command": name, "with": EVERY_COMMAND[name]})
        # a case the role may not read (an admin's, an attorney's other than a client's):
        # not found or not yours
        wrong += [f"{role} {what}: {r.status_code} {r.text[:160]}" for what, r in answers.items()
                  if _answer(r.status_code, r.json()) != (
                      N if what != "open_case" and (
                          role == "admin" or (role == "attorney" and what.endswith(" ana")))
                      else R)]
    assert not wrong, "\n".join(wrong)
    assert _written(w.site) == before
