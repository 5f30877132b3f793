"""The REST API on SQLite and PostgreSQL: sign-in, commands and their answers, idempotency,
concurrency, pagination, and every read of personal data in the ledger with who, role, purpose."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from duecourse.store.tables import ledger

from .support import PASSWORD, Site, build_site, charged_case, person


@pytest.fixture
def site(db_url: str) -> Site:
    return build_site(db_url)


def _ledger(site: Site, kind: str | None = None) -> list[Any]:
    site.app.flush_ledger()  # on PostgreSQL the entries wait in the queue for the sequencer
    with site.app.ctx.engine.connect() as conn:
        q = select(ledger).order_by(ledger.c.seq)
        if kind:
            q = q.where(ledger.c.kind == kind)
        return list(conn.execute(q))


def _command(site: Site, role: str, case: str, name: str, data: dict[str, Any] | None = None,
             **extra: Any) -> Any:
    body: dict[str, Any] = {"command": name, **extra}
    if data is not None:
        body["with"] = data
    return site.client(role).post(f"/api/v1/cases/{case}/commands", json=body)


def test_token_for_the_right_password_only(site: Site) -> None:
    c = site.client()
    ok = c.post("/api/v1/auth/token", json={"username": "officer1", "password": PASSWORD})
    assert ok.status_code == 200 and ok.json()["token"].startswith("dc_")
    bad = c.post("/api/v1/auth/token", json={"username": "officer1", "password": "wrong"})
    assert bad.status_code == 401 and bad.json()["error"] == "not_authenticated"
    nobody = c.post("/api/v1/auth/token", json={"username": "nobody", "password": "wrong"})
    assert nobody.json()["message"] == bad.json()["message"]  # never says which was wrong
    me = c.get("/api/v1/me", headers={"Authorization": f"Bearer {ok.json()['token']}"})
    assert me.json()["role"] == "officer" and "case_work" in me.json()["purposes"]


def test_failed_sign_ins_are_rate_limited(site: Site) -> None:
    c = site.client()
    codes = [c.post("/api/v1/auth/token", json={"username": "counsel1", "password": "nope"})
             .status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    # Locked out even with the right password, for a while; other users are not affected.
    right = c.post("/api/v1/auth/token", json={"username": "counsel1", "password": PASSWORD})
    assert right.status_code == 429 and "try again" in right.json()["message"]
    assert c.post("/api/v1/auth/token", json={"username": "officer1",
                                              "password": PASSWORD}).status_code == 200


def test_no_token_or_a_bad_one_is_401(site: Site) -> None:
    assert site.client().get("/api/v1/me").status_code == 401
    bad = site.client().get("/api/v1/me", headers={"Authorization": "Bearer dc_nope"})
    assert bad.status_code == 401 and bad.headers["WWW-Authenticate"] == "Bearer"


def test_open_case_then_a_command_accepted_and_one_refused(site: Site) -> None:
    opened = site.client("officer").post("/api/v1/cases", json={
        "person": person("Probe", "Dia"), "encounter": "border", "location": "El Paso, TX",
        "legal_basis": "INA 212(a)(6)(A)(i)"})
    assert opened.status_code == 201, opened.text
    case = opened.json()["case_id"]
    arrest = _command(site, "officer", case, "record_arrest", {
        "basis": "warrantless", "reason_to_believe": "crossed between ports",
        "likely_to_escape": "no address"})
    assert arrest.status_code == 200 and arrest.json()["version"] == 2
    exam = _command(site, "officer", case, "record_examination", {})
    assert exam.status_code == 409
    body = exam.json()
    assert body["accepted"] is False
    assert body["refusals"][0]["rule"] == "ARR-3"
    assert body["refusals"][0]["citation"] and body["refusals"][0]["reason"]
    assert _ledger(site, "command_refused")[-1].case_id == case


def test_bad_bodies_name_the_field_and_write_nothing(site: Site) -> None:
    case = site.cases["cai"]
    before = len(_ledger(site))
    extra = _command(site, "officer", case, "record_arrest", {"basis": "warrantless", "colour": 1})
    assert extra.status_code == 422 and extra.json()["field"] == "with.colour"
    wrong = _command(site, "officer", case, "record_arrest", {"basis": "sometimes"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "with.basis"
    unknown = _command(site, "officer", case, "make_it_so", {})
    assert unknown.status_code == 422 and "command" in unknown.json()["field"]
    naive = _command(site, "supervisor", case, "schedule_removal", {
        "destination": "HN", "depart_at": "2026-12-10T09:00:00", "transport": "T-1"})
    assert naive.status_code == 422 and naive.json()["field"] == "depart_at"
    assert "time zone" in naive.json()["message"]
    assert len(_ledger(site)) == before


def test_expected_version_conflict_is_412_and_writes_nothing(site: Site) -> None:
    case = site.cases["cai"]
    stale = _command(site, "officer", case, "claim_citizenship", {"evidence": "birth certificate"},
                     expected_version=0)
    assert stale.status_code == 412 and stale.json()["field"] == "expected_version"
    fresh = _command(site, "officer", case, "claim_citizenship", {"evidence": "birth certificate"},
                     expected_version=1)
    assert fresh.status_code == 200


def test_idempotency_key_applies_a_command_once(site: Site) -> None:
    case = site.cases["cai"]
    c = site.client("officer")
    body = {"command": "claim_citizenship", "with": {"evidence": "passport of a US parent"}}
    first = c.post(f"/api/v1/cases/{case}/commands", json=body, headers={"Idempotency-Key": "k-1"})
    again = c.post(f"/api/v1/cases/{case}/commands", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 200
    assert again.json()["replayed"] is True and again.json()["version"] == first.json()["version"]
    view = c.get(f"/api/v1/cases/{case}", params={"purpose": "case_work"}).json()
    assert [e["kind"] for e in view["events"]].count("citizenship_claimed") == 1
    # Keys belong to the user: another user's same key is a different command.
    other = site.client("supervisor").post(f"/api/v1/cases/{case}/commands", json={
        "command": "claim_citizenship", "with": {"evidence": "another claim"}},
        headers={"Idempotency-Key": "k-1"})
    assert other.json()["replayed"] is False


def test_every_read_of_personal_data_is_ledgered_with_user_role_and_purpose(site: Site) -> None:
    c = site.client("supervisor")
    before = len(_ledger(site))
    reads = [
        c.get("/api/v1/queue", params={"purpose": "supervision"}),
        c.get("/api/v1/cases", params={"purpose": "supervision", "q": "example"}),
        c.get(f"/api/v1/cases/{site.cases['ana']}", params={"purpose": "supervision"}),
        c.get(f"/api/v1/persons/{site.persons['ana']}", params={"purpose": "supervision"}),
    ]
    assert [r.status_code for r in reads] == [200] * 4
    new = _ledger(site)[before:]
    assert [r.kind for r in new] == ["read"] * 4
    records = [json.loads(r.body)["record"] for r in new]
    assert records == ["work_queue", "case_search", "case", "person"]
    for r in new:
        assert (r.actor_id, r.actor_role, r.purpose) == ("u-supervisor1", "supervisor",
                                                          "supervision")
    shown = json.loads(new[0].body)["cases"]
    assert site.cases["ana"] in shown  # the queue's entry names the cases it showed


def test_a_read_without_a_known_purpose_is_refused_and_recorded(site: Site) -> None:
    c = site.client("officer")
    r = c.get(f"/api/v1/cases/{site.cases['ana']}", params={"purpose": "curiosity"})
    assert r.status_code == 403 and "purpose" in r.json()["message"]
    refused = _ledger(site, "read_refused")[-1]
    # Recorded without the typed text, which may be anything (a name: issue 16).
    assert (refused.actor_role, refused.purpose) == ("officer", "(not a recognised purpose)")
    missing = c.get(f"/api/v1/cases/{site.cases['ana']}")
    assert missing.status_code == 422 and missing.json()["field"] == "purpose"


def test_an_attorney_sees_only_their_clients(site: Site) -> None:
    c = site.client("attorney")
    mine = c.get(f"/api/v1/cases/{site.cases['ben']}", params={"purpose": "representation"})
    assert mine.status_code == 200
    theirs = c.get(f"/api/v1/cases/{site.cases['ana']}", params={"purpose": "representation"})
    assert theirs.status_code == 404 and theirs.json()["message"] == "not found or not yours"
    refused = _ledger(site, "read_refused")[-1]
    assert (refused.actor_role, refused.purpose) == ("attorney", "representation")
    queue = c.get("/api/v1/queue", params={"purpose": "representation"}).json()["items"]
    assert {i["case_id"] for i in queue} <= {site.cases["ben"]}
    found = c.get("/api/v1/cases", params={"purpose": "representation", "q": "a"}).json()
    assert {i["case_id"] for i in found["items"]} == {site.cases["ben"]}


def test_work_queue_is_sorted_by_urgency_and_filtered(site: Site) -> None:
    c = site.client("officer")
    items = c.get("/api/v1/queue", params={"purpose": "case_work"}).json()["items"]
    assert [i["due_at"] for i in items] == sorted(i["due_at"] for i in items)
    ana = [i for i in items if i["case_id"] == site.cases["ana"]]
    # ana's consular advisal (CON-1, 24 h) falls due before her custody decision (CUS-48, 48 h).
    assert [i["deadline_id"] for i in ana][:2] == ["CON-1", "CUS-48"]
    cus = [i for i in ana if i["deadline_id"] == "CUS-48"]
    assert cus and cus[0]["citation"] == "8 CFR 287.3(d)"
    assert cus[0]["urgency"] in ("on time", "soon", "urgent", "due now", "overdue")
    # ben's appeal window (APP-30) is running, but it is the person's period, not a duty.
    assert not [i for i in items if i["deadline_id"] == "APP-30"]
    elsewhere = c.get("/api/v1/queue", params={"purpose": "case_work",
                                               "office": "Nowhere, ZZ"}).json()
    assert elsewhere["items"] == []


def test_pagination_walks_every_item_once(site: Site) -> None:
    c = site.client("officer")
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = c.get("/api/v1/cases", params={"purpose": "case_work", "q": "e", "limit": 1,
                                              "offset": offset}).json()
        seen += [i["case_id"] for i in page["items"]]
        offset = page["next_offset"]
    assert len(seen) == len(set(seen)) >= 2
    too_big = c.get("/api/v1/cases", params={"purpose": "case_work", "limit": 100000})
    assert too_big.status_code == 422 and too_big.json()["field"] == "limit"


def test_ledger_and_checkpoints_for_oversight(site: Site) -> None:
    site.app.checkpoint(datetime.now(UTC) + timedelta(seconds=1))
    c = site.client("oversight")
    entries = c.get("/api/v1/ledger/entries", params={"limit": 5}).json()
    assert len(entries["items"]) == 5 and entries["next_offset"] == 5
    seqs = [e["seq"] for e in entries["items"]]
    assert seqs == sorted(seqs, reverse=True)
    cps = c.get("/api/v1/ledger/checkpoints").json()["items"]
    assert cps and len(cps[0]["signature_hex"]) == 128
    report = c.get("/api/v1/oversight/report").json()
    assert "CUS-48" in report["deadlines"]


def test_accounts_are_managed_by_admins_and_ledgered(site: Site) -> None:
    c = site.client("admin")
    made = c.post("/api/v1/accounts", json={"username": "newofficer", "role": "officer",
                                            "password": "a long enough password"})
    assert made.status_code == 201 and made.json()["role"] == "officer"
    short = c.post("/api/v1/accounts", json={"username": "x2", "role": "officer",
                                             "password": "short"})
    assert short.status_code == 422 and short.json()["field"] == "password"
    off = c.patch("/api/v1/accounts/newofficer", json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    token = site.client().post("/api/v1/auth/token", json={
        "username": "newofficer", "password": "a long enough password"})
    assert token.status_code == 401
    changes = [json.loads(r.body)["change"] for r in _ledger(site, "account_changed")]
    assert changes[-2:] == ["account_created", "account_updated"]
    assert site.client("officer").get("/api/v1/accounts").status_code == 403


def test_persons_and_deadlines_endpoints(site: Site) -> None:
    c = site.client("officer")
    found = c.get("/api/v1/persons", params={"purpose": "case_work", "q": "SAMPLE"}).json()
    assert [p["person_id"] for p in found["items"]] == [site.persons["ben"]]
    assert found["items"][0]["cases"] == 1
    mine = site.client("attorney").get("/api/v1/persons", params={"purpose": "representation"})
    assert [p["person_id"] for p in mine.json()["items"]] == [site.persons["ben"]]
    clocks = c.get(f"/api/v1/cases/{site.cases['ben']}/deadlines",
                   params={"purpose": "case_work"}).json()
    app30 = [d for d in clocks if d["id"] == "APP-30"]
    assert app30 and app30[0]["state"] == "due" and app30[0]["citation"] == "8 CFR 1003.38(b)"
    last = _ledger(site, "read")[-1]
    assert (last.actor_role, last.purpose, last.case_id) == ("officer", "case_work",
                                                             site.cases["ben"])


def test_each_role_reads_for_its_own_purposes_only(site: Site) -> None:
    me = site.client("attorney").get("/api/v1/me").json()
    assert me["purposes"] == ["representation", "demo"]
    r = site.client("attorney").get(f"/api/v1/cases/{site.cases['ben']}",
                                    params={"purpose": "supervision"})
    assert r.status_code == 403 and "representation" in r.json()["message"]
    oversight = site.client("oversight").get("/api/v1/queue", params={"purpose": "case_work"})
    assert oversight.status_code == 403
    refused = _ledger(site, "read_refused")[-1]
    assert (refused.actor_role, refused.purpose) == ("oversight", "case_work")


# ---------------------------------------------------------------------------------------------
# Code fields (countries, languages, courts, issuing bodies): normalised by the domain's own
# parser before they are validated, described in the OpenAPI document, compared as codes.


def test_a_country_is_read_as_its_code_and_a_country_that_is_none_is_a_422(site: Site) -> None:
    c = site.client("officer")
    opened = c.post("/api/v1/cases", json={
        "person": {**person("Codes", "Ana"), "nationalities": ["sv ", "El Salvador", "gtm"],
                   "languages": ["Spanish", "es-MX", "MAM"]},
        "encounter": "interior", "location": "Newark, NJ", "legal_basis": "INA 237(a)(1)(B)"})
    assert opened.status_code == 201, opened.text
    case = opened.json()["case_id"]
    view = c.get(f"/api/v1/cases/{case}", params={"purpose": "case_work"}).json()
    assert view["person"]["nationalities"] == ["SV", "GT"]  # one country written twice is one
    assert view["person"]["languages"] == ["es", "mam"]
    claimed = _command(site, "officer", case, "record_fear_claim", {"country": "El Salvador"})
    assert claimed.status_code == 200, claimed.text
    events = c.get(f"/api/v1/cases/{case}", params={"purpose": "case_work"}).json()["events"]
    assert events[-1]["kind"] == "fear_claim_recorded" and events[-1]["data"]["country"] == "SV"
    kosovo = _command(site, "officer", case, "record_fear_claim", {"country": "Kosovo"})
    assert kosovo.status_code == 200, kosovo.text  # not in ISO 3166-1; XK, as the U.S. uses
    events = c.get(f"/api/v1/cases/{case}", params={"purpose": "case_work"}).json()["events"]
    assert events[-1]["data"]["country"] == "XK"
    before = len(_ledger(site))
    for name, data, field in (
            ("record_fear_claim", {"country": "ZZ"}, "with.country"),
            ("record_fear_claim", {"country": "Narnia"}, "with.country"),
            ("serve_nta", {"method": "personal", "language": "Elvish"}, "with.language"),
            ("record_fear_claim", {"country": 7}, "with.country"),
            # names people use for more than one country: the code must be written
            ("record_fear_claim", {"country": "Congo"}, "with.country"),
            ("record_fear_claim", {"country": "Georgia"}, "with.country")):
        bad = _command(site, "officer", case, name, data)
        assert bad.status_code == 422 and bad.json()["error"] == "invalid_input", bad.text
        assert bad.json()["field"] == field
        if data.get("country") in ("Congo", "Georgia"):
            assert "write the two-letter code" in bad.json()["message"], bad.text
        elif isinstance(data.get("country"), str):
            assert f"'{data['country']}' is not an ISO 3166-1 country" in bad.json()["message"]
    nobody = c.post("/api/v1/cases", json={
        "person": {**person("Codes", "Zed"), "nationalities": ["ZZ"]}, "encounter": "interior",
        "location": "Newark, NJ", "legal_basis": "INA 237(a)(1)(B)"})
    assert nobody.status_code == 422 and nobody.json()["field"] == "person.nationalities[0]"
    assert "'ZZ'" in nobody.json()["message"]
    assert len(_ledger(site)) == before  # nothing written, not even a refusal


def test_the_openapi_document_lists_the_codes(site: Site) -> None:
    doc = site.client().get("/api/v1/openapi.json").json()
    schemas = doc["components"]["schemas"]
    country = schemas["CountryCode"]
    assert country["type"] == "string" and country["pattern"] == "^[A-Z]{2}$"
    assert {"SV", "GT", "MX", "VE"} <= set(country["enum"]) and "ZZ" not in country["enum"]
    assert len(country["enum"]) == 250 and "XK" in country["enum"]  # ISO 3166-1 and Kosovo
    assert "El Salvador" in country["description"]
    assert schemas["ScheduleRemovalFields"]["properties"]["destination"] == {
        "$ref": "#/components/schemas/CountryCode"}
    nationalities = schemas["PersonDataFields"]["properties"]["nationalities"]
    assert nationalities["items"] == {"$ref": "#/components/schemas/CountryCode"}
    assert nationalities["maxItems"] == 20
    protected = schemas["RecordOrderFields"]["properties"]
    assert protected["protected_countries"]["items"] == {"$ref": "#/components/schemas/CountryCode"}
    assert {"$ref": "#/components/schemas/CountryCode"} in protected["designated_country"]["anyOf"]
    assert {"es", "ht", "mam", "quc"} <= set(schemas["LanguageCode"]["enum"])
    assert schemas["ServeNtaFields"]["properties"]["language"] == {
        "$ref": "#/components/schemas/LanguageCode"}
    assert {"NEW", "HOU", "LOS"} <= set(schemas["CourtCode"]["enum"])
    assert schemas["IssueNtaFields"]["properties"]["court"] == {
        "$ref": "#/components/schemas/CourtCode"}
    import re
    issuer = re.compile(schemas["IssuerCode"]["pattern"])
    for code in ("NEW", "BIA", "DHS", "SCOTUS", "CA9", "CA11", "CADC", "USDC-MA", "USDC-NYS",
                 "USCIS-NYC"):
        assert issuer.match(code), code
    for code in ("CA12", "USDC-MAX", "USCIS-XYZ", "bia"):
        assert not issuer.match(code), code
    assert schemas["GrantStayFields"]["properties"]["issued_by"] == {
        "$ref": "#/components/schemas/IssuerCode"}
    # the new commands are in the vocabulary of the document
    commands = {s["properties"]["command"]["const"] for name, s in schemas.items()
                if name.endswith("Command") and "command" in s.get("properties", {})}
    assert {"file_motion_to_reopen", "decide_motion_to_reopen", "confirm_entry",
            "reject_entry"} <= commands
    assert schemas["ConfirmEntryFields"]["properties"]["entry"]["type"] == "integer"


def test_a_removal_to_a_protected_country_however_written_is_refused(site: Site) -> None:
    case = charged_case(site, "Protected", "Rosa", "SV")
    now = datetime.now(UTC)
    ordered = _command(site, "counsel", case, "record_order", {
        "outcome": "removal", "decision_mode": "oral", "designated_country": "gt",
        "protected_countries": ["El Salvador"], "issued_by": "new", "reference": "IJ-ROSA-1",
        "issued_on": (now - timedelta(days=1)).date().isoformat()})
    assert ordered.status_code == 200, ordered.text
    view = site.client("supervisor").get(f"/api/v1/cases/{case}",
                                         params={"purpose": "supervision"}).json()
    data = view["events"][-1]["data"]
    assert (data["protected_countries"], data["designated_country"], data["issued_by"]) == (
        ["SV"], "GT", "NEW")
    assert [p["country"] for p in view["protections"]] == ["SV"]
    before = len(_ledger(site, "command_refused"))
    for destination in ("SV ", "sv", "El Salvador", "SLV"):
        refused = _command(site, "supervisor", case, "schedule_removal", {
            "destination": destination, "transport": "ICE Air",
            "depart_at": (now + timedelta(days=60)).strftime("%Y-%m-%dT08:00:00Z")})
        assert refused.status_code == 409, refused.text
        rules = {r["rule"] for r in refused.json()["refusals"]}
        assert "PROT-CTRY" in rules, (destination, rules)
        prot = next(r for r in refused.json()["refusals"] if r["rule"] == "PROT-CTRY")
        assert "SV" in prot["reason"] or "Salvador" in prot["reason"]
    assert len(_ledger(site, "command_refused")) == before + 4
