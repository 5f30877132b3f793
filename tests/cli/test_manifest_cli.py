"""`duecourse manifest`: removal transport manifests from the store, on SQLite and PostgreSQL.

Cases are built through the application's handlers: two people the law lets go (one to
Guatemala by air, one to Mexico by ground), one with a court's stay, one protected from the
country designated in the order, one with no travel document, and one whose order is not final
yet. The command lists the right people on the right transports and everyone else with the rule
ids that refuse them; it writes no event, and its read of personal data is ledgered with its
purpose (a read refused for a role without that purpose is ledgered too).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from cli_support import ledger_time
from sqlalchemy import func, select
from typer.testing import CliRunner

from duecourse.bootstrap import App, build_app
from duecourse.cli import app as cli
from duecourse.domain.commands import Actor, parse_command
from duecourse.store.tables import events, ledger

O1, O2 = Actor("o1", "officer", "Officer One"), Actor("o2", "officer", "Officer Two")
S1, C1 = Actor("s1", "supervisor", "Supervisor One"), Actor("c1", "counsel", "Agency Counsel")
D1 = Actor("d1", "detention", "Detention Officer")
T7, OV9 = Actor("t7", "transport", "Transport Officer"), Actor("ov9", "oversight", "Inspector")
C2 = Actor("c2", "counsel", "Second Agency Counsel")  # checks entries against documents

PEOPLE: dict[str, dict[str, Any]] = {  # synthetic people
    "ana": {"family_name": "Example", "given_name": "Ana", "nationalities": ["GT"]},
    "eva": {"family_name": "Muster", "given_name": "Eva", "nationalities": ["MX"]},
    "ben": {"family_name": "Sample", "given_name": "Ben", "nationalities": ["GT"]},
    "cai": {"family_name": "Probe", "given_name": "Cai", "nationalities": ["HN"]},
    "dia": {"family_name": "Testa", "given_name": "Dia", "nationalities": ["SV"]},
    "fay": {"family_name": "Beispiel", "given_name": "Fay", "nationalities": ["GT"]},
    "gus": {"family_name": "Exemplo", "given_name": "Gus", "nationalities": ["GT"]},
}
AT = "2026-05-18T09:00:00Z"  # when the plan is made
DAY = "2026-05-20"  # the departure day


def t(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(UTC)


def _do(a: App, case: str | None, when: str, actor: Actor, name: str, **fields: Any) -> str:
    out = a.do(parse_command(name, fields), actor, t(when), case_id=case)
    assert out.accepted, f"{name}: {[(r.rule_id, r.reason) for r in out.refusals]}"
    return str(out.case_id)


def _case(a: App, label: str, *, order_day: int = 4, designated: str = "",
          protected: tuple[str, ...] = (), travel_document: bool = True,
          waive: bool = True) -> str:
    """A person arrested, detained at ELZICDF (the Elizabeth Contract Detention Facility),
    charged and ordered removed (appeal waived), with a warrant of removal, a travel document
    and a medical clearance unless told otherwise."""
    nat = PEOPLE[label]["nationalities"][0]
    dest = designated or nat
    person = {**PEOPLE[label], "birth_date": "1990-01-01", "languages": ["es"]}
    case = _do(a, None, "2026-03-02T08:00:00Z", O1, "open_case", person=person,
               encounter="interior", location="Elizabeth, NJ", legal_basis="INA 237(a)(1)(B)")
    _do(a, case, "2026-03-02T08:30:00Z", O1, "record_arrest", basis="warrantless",
        reason_to_believe="admitted overstaying a visa", likely_to_escape="no fixed address")
    _do(a, case, "2026-03-02T10:00:00Z", O2, "record_examination")
    _do(a, case, "2026-03-02T15:00:00Z", O1, "determine_custody", decision="detain",
        authority="236(a)", reason="flight risk: no fixed address")
    _do(a, case, "2026-03-02T18:00:00Z", D1, "place", facility="ELZICDF", classification="A",
        reason="nearest bed for the classification")
    _do(a, case, "2026-03-03T09:00:00Z", O1, "issue_nta", charges=["237(a)(1)(B)"],
        allegations=["remained longer than permitted"], hearing_at="2026-04-07T09:00:00Z",
        court="NEW", counsel_list_date="2026-02-01")
    _do(a, case, "2026-03-03T10:00:00Z", O1, "serve_nta", method="personal", language="es")
    ordered = f"2026-05-{order_day:02d}T10:00:00Z"
    _do(a, case, ordered, C1, "record_order", outcome="removal", decision_mode="oral",
        designated_country=dest, protected_countries=list(protected), issued_by="NEW",
        reference=f"NEW-IJ-{label}", issued_on=ordered[:10])
    if not waive:
        return case
    # Counsel records the respondent's waiver from the judge's order; a second person checks it.
    waiver = a.do(parse_command("waive_appeal", {
        "party": "respondent", "before": "NEW", "language": "es",
        "reference": f"NEW-IJ-{label}"}), C1, t(f"2026-05-{order_day:02d}T10:10:00Z"), case_id=case)
    assert waiver.accepted, waiver.refusals
    _do(a, case, f"2026-05-{order_day:02d}T10:20:00Z", C2, "confirm_entry",
        entry=waiver.events[0]["seq"], document_checked=f"NEW-IJ-{label}")
    _do(a, case, "2026-05-12T09:00:00Z", S1, "issue_removal_warrant")
    if travel_document:
        _do(a, case, "2026-05-13T09:00:00Z", O1, "record_travel_document", country=dest,
            valid_until="2026-12-31")
    _do(a, case, "2026-05-14T09:00:00Z", D1, "record_medical_clearance",
        valid_until="2026-06-30")
    return case


def _site(url: str) -> tuple[App, dict[str, str]]:
    a = build_app(url, seed=5)
    for actor in (O1, O2, S1, C1, C2, D1, T7, OV9):
        a.register_actor(actor)
    cases = {
        "ana": _case(a, "ana"),
        "eva": _case(a, "eva"),
        "ben": _case(a, "ben"),
        "cai": _case(a, "cai", protected=("HN",)),
        "dia": _case(a, "dia", travel_document=False),
        "fay": _case(a, "fay", order_day=5),
        "gus": _case(a, "gus", order_day=11, waive=False),  # appeal window open until June
    }
    _do(a, cases["ben"], "2026-05-15T12:00:00Z", C1, "grant_stay", kind="judicial",
        issued_by="CA3", reference="CA3-26-1234", issued_on="2026-05-15")
    return a, cases


def _run(url: str, *args: str) -> tuple[int, str]:
    # the transport officer's own read, unless another reader is named
    who = () if "--user" in args else ("--user", "t7", "--as", "transport")
    res = CliRunner().invoke(cli, ["manifest", "--db", url, "--date", DAY, "--at", AT, *who,
                                   *args],
                             env={"COLUMNS": "1000"})
    return res.exit_code, res.stdout


def _events(a: App) -> int:
    with a.ctx.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(events)).scalar_one())


def test_manifest_json_seats_the_lawful_and_names_the_rules_for_the_rest(db_url: str) -> None:
    a, cases = _site(db_url)
    before = _events(a)
    code, out = _run(db_url, "--json")
    assert code == 0, out
    plan = json.loads(out)
    by_dest = {m["destinations"][0]: m for m in plan["manifests"]}
    assert set(by_dest) == {"GT", "MX"}
    gt, mx = by_dest["GT"], by_dest["MX"]
    assert (gt["mode"], mx["mode"]) == ("air", "ground")
    # Ana's order became final a day before Fay's: she is first on the manifest.
    assert [p["case"] for p in gt["people"]] == [cases["ana"], cases["fay"]]
    assert [p["name"] for p in gt["people"]] == ["Example, Ana", "Beispiel, Fay"]
    assert [p["case"] for p in mx["people"]] == [cases["eva"]]
    assert gt["staging"] == "ELZICDF" and gt["seats_used"] == 2 and gt["seats"] == 135
    assert (gt["depart_at"], gt["window_end"]) == ("2026-05-20T08:00:00Z", "2026-05-20T20:00:00Z")
    excluded = {x["case"]: x for x in plan["excluded"]}
    assert set(excluded) == {cases["ben"], cases["cai"], cases["dia"], cases["gus"]}
    assert excluded[cases["ben"]]["rule_ids"] == ["STAY-JUD"]
    assert excluded[cases["cai"]]["rule_ids"] == ["PROT-CTRY"]
    assert excluded[cases["dia"]]["rule_ids"] == ["TRAVEL-DOC"]
    assert {"STAY-AUTO", "FINAL", "I205"} <= set(excluded[cases["gus"]]["rule_ids"])
    for x in excluded.values():
        assert x["kind"] == "refused"
        assert all(r["citation"] and r["reason"] for r in x["refusals"])
    assert "no travel document for SV" in excluded[cases["dia"]]["reasons"][0]
    # Advice only: nothing was written to any case.
    assert _events(a) == before


def test_manifest_tables_and_seats(db_url: str) -> None:
    _a, cases = _site(db_url)
    code, out = _run(db_url)
    assert code == 0, out
    for text in ("Removal transports departing 2026-05-20", "AIR-GT-ELZICDF-1", "GROUND-MX-ELZICDF-1",
                 "2/135", "1/45", "Example, Ana", "Not on a manifest", "STAY-JUD", "PROT-CTRY",
                 "TRAVEL-DOC", cases["dia"]):
        assert text in out, text
    # One seat per transport and one transport per destination: Fay, whose order became final
    # after Ana's, has no seat (that is not a refusal of the law, and cites no rule).
    code, out = _run(db_url, "--seats", "1", "--transports", "1", "--json")
    assert code == 0, out
    plan = json.loads(out)
    seated = [p["case"] for m in plan["manifests"] for p in m["people"]]
    assert seated == [cases["ana"], cases["eva"]]
    fay = next(x for x in plan["excluded"] if x["case"] == cases["fay"])
    assert (fay["kind"], fay["rule_ids"]) == ("no_seat", [])


def test_manifest_read_is_ledgered_and_refused_for_a_role_without_the_purpose(
        db_url: str) -> None:
    a, cases = _site(db_url)
    code, out = _run(db_url, "--json", "--user", "t7", "--as", "transport")
    assert code == 0, out
    a.flush_ledger()  # on PostgreSQL the read's entry is queued for the sequencer
    with a.ctx.engine.connect() as conn:
        row = conn.execute(select(ledger).where(ledger.c.actor_id == "t7")).one()
    assert (row.kind, row.actor_role, row.purpose) == ("read", "transport", "transport_planning")
    read = json.loads(row.body)
    assert read["record"] == "transport_manifest"
    assert set(read["cases"]) == set(cases.values())
    # Planned as of AT; read (and ledgered) now, never backdated (issue 16).
    assert read["as_of"].startswith(AT[:10])
    assert abs((ledger_time(row.at) - datetime.now(UTC)).total_seconds()) < 600
    code, out = _run(db_url, "--user", "nobody", "--as", "transport")
    assert code != 0
    code, out = _run(db_url, "--user", "ov9", "--as", "oversight", "--purpose", "oversight_audit")
    assert code == 2
    a.flush_ledger()
    with a.ctx.engine.connect() as conn:
        refused = conn.execute(select(ledger).where(ledger.c.actor_id == "ov9")).one()
    assert refused.kind == "read_refused"


def test_manifest_refuses_a_closed_window(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/closed.sqlite"
    build_app(url)
    res = CliRunner().invoke(cli, ["manifest", "--db", url, "--user", "t7", "--as", "transport",
                                   "--date", "2026-05-01",
                                   "--at",
                                   "2026-05-02T09:00:00Z"])
    assert res.exit_code != 0
    assert "already closed" in str(res.exception)
