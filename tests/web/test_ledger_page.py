"""The ledger page (``/ledger``), its CSV export (``/ledger.csv``) and the API's ledger endpoint
(``GET /api/v1/ledger/entries``), on SQLite and PostgreSQL: one query behind the three.

Two users of different roles and purposes read two cases at known times (the officer reads ana
for case work on 10 January, counsel reads ben for legal review on 12 January, and the attorney is
refused ana on 12 January); each filter, and a combination, narrows the entries to exactly those.
A filter that is not valid is a 422 naming its field; an entry still queued for the sequencer is
"not yet" covered until a checkpoint is signed over it; the export has the page's rows with
formula cells neutralised; every reading is itself ledgered, a refused one too.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert

from duecourse.app import ledger as L
from duecourse.app.access import NotYours
from duecourse.app.accounts import get_account
from duecourse.domain.commands import Actor
from duecourse.store.tables import ledger_queue

from .support import Site, build_site, ledger_entries, sign_in

T1 = datetime(2026, 1, 10, 10, 0, tzinfo=UTC)
T2 = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)
FORMULA = '=HYPERLINK("http://example.org","x")'


def actor(site: Site, role: str) -> Actor:
    with site.app.ctx.engine.connect() as conn:
        account = get_account(conn, f"{role}1")
    assert account is not None
    return account.actor


@pytest.fixture
def site(db_url: str) -> Site:
    s = build_site(db_url)
    s.app.get_case(s.cases["ana"], actor(s, "officer"), "case_work", T1)
    s.app.get_case(s.cases["ben"], actor(s, "counsel"), "legal_review", T2)
    with pytest.raises(NotYours):
        s.app.get_case(s.cases["ana"], actor(s, "attorney"), "representation", T2)
    s.app.flush_ledger()
    return s


def api(site: Site, **params: str) -> Any:
    got = site.client("oversight").get("/api/v1/ledger/entries",
                                       params={"limit": "200", **params})
    assert got.status_code == 200, got.text
    return got.json()


def others(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries, without the readings of the ledger the test itself made."""
    return [i for i in items if i["body"].get("record") not in ("ledger", "ledger_csv")]


def test_each_filter_narrows_the_entries(site: Site) -> None:
    officer, counsel = actor(site, "officer"), actor(site, "counsel")
    everything = others(api(site)["items"])
    by_name = others(api(site, user="officer1")["items"])
    assert by_name and {i["actor_id"] for i in by_name} == {officer.id}
    assert len(by_name) < len(everything)
    assert others(api(site, user=officer.id)["items"]) == by_name
    assert any(i["at"].startswith("2026-01-10T10:00") for i in by_name)

    by_role = others(api(site, role="counsel")["items"])
    assert {i["actor_role"] for i in by_role} == {"counsel"}
    assert {i["kind"] for i in by_role} == {"read", "command_accepted"}  # the read, the order

    by_purpose = api(site, entry_purpose="legal_review")["items"]
    assert [(i["actor_id"], i["case_id"]) for i in by_purpose] == [
        (counsel.id, site.cases["ben"])]

    ana = site.cases["ana"]
    by_case = api(site, case_id=ana)["items"]
    assert {i["case_id"] for i in by_case} == {ana}
    assert {i["kind"] for i in by_case} == {"command_accepted", "read", "read_refused"}

    refused = api(site, kind="read_refused")["items"]
    assert [(i["actor_role"], i["case_id"]) for i in refused] == [("attorney", ana)]

    jan12 = others(api(site, **{"from": "2026-01-11", "to": "2026-01-12"})["items"])
    assert sorted((i["actor_role"], i["kind"]) for i in jan12) == [
        ("attorney", "read_refused"), ("counsel", "read")]
    # A local time with its zone: 04:59 in New York on 12 January is 09:59 UTC.
    before = others(api(site, **{"from": "2026-01-01", "to": "2026-01-12 04:59",
                                 "zone": "America/New_York"})["items"])
    assert [(i["actor_role"], i["at"][:16]) for i in before] == [("officer", "2026-01-10T10:00")]

    both = api(site, role="counsel", case_id=site.cases["ben"], kind="read")
    assert both["total"] == 1 and both["items"][0]["purpose"] == "legal_review"


def test_the_page_filters_and_keeps_them_in_the_address(site: Site) -> None:
    c = sign_in(site, "oversight", "oversight_audit")
    page = c.get("/ledger", params={"role": "counsel", "case": site.cases["ben"],
                                    "kind": "read"})
    assert page.status_code == 200, page.text
    assert "1 entry matches the filters" in page.text
    assert len(re.findall(r'<th scope="row">\d+</th>', page.text)) == 1
    assert "legal review" in page.text
    assert f"/ledger.csv?role=counsel&amp;case={site.cases['ben']}&amp;kind=read" in page.text
    assert 'href="/ledger"' in c.get("/oversight").text  # in the navigation


@pytest.mark.parametrize(("field", "value", "api_field"), [
    ("role", "clerk", "role"), ("kind", "nonsense", "kind"), ("from", "last week", "from"),
    ("to", "2026-13-40", "to"), ("zone", "Mars/Olympus", "zone"), ("zone", "America", "zone"),
    ("to", "9999-12-31 23:00-05:00", "to"), ("user", "nobody9", "user"),
    ("purpose", "curiosity", "entry_purpose"), ("case", "Ana Example", "case_id"),
    ("case", "C-NOSUCHCASE", "case_id"),  # a typo is said, not an empty page
])
def test_an_invalid_filter_is_a_422_naming_the_field(site: Site, field: str, value: str,
                                                    api_field: str) -> None:
    got = site.client("oversight").get("/api/v1/ledger/entries", params={api_field: value})
    assert got.status_code == 422, got.text
    assert got.json()["field"] == api_field and value in got.text
    c = sign_in(site, "oversight", "oversight_audit")
    page = c.get("/ledger", params={field: value})
    assert page.status_code == 422
    error = re.search(rf'id="f-{field}-error"[^>]*>([^<]+)<', page.text)
    assert error is not None and value in error[1].replace("&#39;", "'")
    assert 'id="ledger-entries"' not in page.text


def test_a_time_range_that_ends_before_it_starts_is_refused(site: Site) -> None:
    got = site.client("oversight").get("/api/v1/ledger/entries",
                                       params={"from": "2026-02-01", "to": "2026-01-01"})
    assert got.status_code == 422 and got.json()["field"] == "to"


def queue(site: Site, actor_id: str) -> None:
    """An entry committed but not yet integrated, as on PostgreSQL until the sequencer runs
    (on SQLite the next writer's append integrates it)."""
    item = L.LedgerItem("read", T2, actor_id, "officer", site.cases["cai"], {"record": "case"},
                        purpose="case_work")
    with site.app.ctx.engine.begin() as conn:
        conn.execute(insert(ledger_queue), [L.queued_row(item, site.app.ctx.signing_key)])


def test_proof_status_flips_when_a_checkpoint_is_signed(site: Site) -> None:
    c = sign_in(site, "oversight", "oversight_audit")
    queue(site, "u-queued")
    page = c.get("/ledger", params={"user": "u-queued"}).text
    assert "not yet</span> waiting for the sequencer" in page and "covered</span>" not in page
    site.app.checkpoint()
    covered = api(site, user="u-queued")
    entry = covered["items"][0]
    assert entry["proof"] == "covered" and entry["seq"] is not None
    assert entry["seq"] < covered["checkpoint_size"]
    assert "covered</span> by the signed checkpoint" in c.get(
        "/ledger", params={"user": "u-queued"}).text
    queue(site, "u-queued-too")
    assert [(i["seq"], i["proof"]) for i in api(site, user="u-queued-too")["items"]] == [
        (None, "not_yet")]


def test_the_csv_has_the_page_rows_and_neutralises_formulas(site: Site) -> None:
    with site.app.ctx.engine.begin() as conn:  # an actor id a spreadsheet would run
        L.append(conn, [L.LedgerItem("read", T2, FORMULA, "officer", "", {"record": "case"},
                                     purpose="case_work")], site.app.ctx.signing_key)
    site.app.flush_ledger()
    c = sign_in(site, "oversight", "oversight_audit")
    page = c.get("/ledger", params={"kind": "command_accepted"}).text
    shown = [int(s) for s in re.findall(r'<th scope="row">(\d+)</th>', page)]
    export = c.get("/ledger.csv", params={"kind": "command_accepted"})
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert shown and [int(r["seq"]) for r in rows] == shown
    assert {r["proof"] for r in rows} == {"covered"}
    odd = list(csv.DictReader(io.StringIO(c.get("/ledger.csv", params={"user": FORMULA}).text)))
    assert [r["actor_id"] for r in odd] == ["'" + FORMULA]


def test_reading_the_page_and_exporting_are_ledgered(site: Site) -> None:
    c = sign_in(site, "oversight", "oversight_audit")
    assert c.get("/ledger", params={"role": "counsel", "offset": "0"}).status_code == 200
    assert c.get("/ledger.csv", params={"kind": "read_refused"}).status_code == 200
    oversight = actor(site, "oversight")
    reads = [r for r in ledger_entries(site) if r.actor_id == oversight.id]
    records = [(json.loads(r.body)["record"], json.loads(r.body)["filters"], r.purpose,
                r.actor_role) for r in reads]
    assert records == [("ledger", {"role": "counsel"}, "oversight_audit", "oversight"),
                       ("ledger_csv", {"kind": "read_refused"}, "oversight_audit", "oversight")]


def test_a_user_filter_is_ledgered_as_the_actor_it_names(site: Site) -> None:
    api(site, user="officer1")
    last = ledger_entries(site)[-1]
    assert json.loads(last.body)["filters"] == {"user": actor(site, "officer").id}


@pytest.mark.parametrize("role", ["officer", "counsel", "attorney", "detention"])
def test_a_role_that_does_not_read_the_ledger_gets_403_and_it_is_recorded(
        site: Site, role: str) -> None:
    purpose = {"officer": "case_work", "counsel": "legal_review", "attorney": "representation",
               "detention": "detention_management"}[role]
    c = sign_in(site, role, purpose)
    assert 'href="/ledger"' not in c.get("/cases").text
    for path in ("/ledger", "/ledger.csv"):
        got = c.get(path)
        assert got.status_code == 403 and "does not read the ledger" in got.text
        assert "entries" not in got.text.lower().replace("ledger entries", "")
    assert site.client(role).get("/api/v1/ledger/entries").status_code == 403
    refused = [json.loads(r.body)["record"] for r in ledger_entries(site, "read_refused")
               if r.actor_role == role]
    assert [r for r in refused if r.startswith("ledger")] == ["ledger", "ledger_csv", "ledger"]


def test_a_supervisor_reads_the_ledger_for_supervision(site: Site) -> None:
    c = sign_in(site, "supervisor", "supervision")
    assert c.get("/ledger").status_code == 200
    last = ledger_entries(site)[-1]
    assert (last.actor_role, last.purpose, json.loads(last.body)["record"]) == (
        "supervisor", "supervision", "ledger")


def test_a_covered_entry_links_to_its_inclusion_proof_which_verifies(site: Site,
                                                                    tmp_path: Any) -> None:
    from duecourse.audit import standalone
    from duecourse.audit.note import verifier_key

    c = sign_in(site, "oversight", "oversight_audit")
    page = c.get("/ledger", params={"kind": "read_refused"}).text
    link = re.search(r'href="(/ledger/entries/(\d+)/proof)"', page)
    assert link is not None
    got = c.get(link[1])
    assert got.status_code == 200 and got.json()["index"] == int(link[2])
    proof = tmp_path / "proof.json"
    proof.write_bytes(got.content)
    origin = got.json()["checkpoint"].splitlines()[0]
    key = verifier_key(origin, site.app.ctx.signing_key.public_key())
    assert standalone.check_file(str(proof), [key])[0]
    api_proof = site.client("oversight").get(f"/api/v1/ledger/entries/{link[2]}/proof")
    assert api_proof.status_code == 200 and api_proof.json()["index"] == int(link[2])
    proof.write_bytes(api_proof.content)  # against the checkpoint signed since: the tree grew
    assert standalone.check_file(str(proof), [key])[0]
    beyond = site.client("oversight").get("/api/v1/ledger/entries/999999/proof")
    assert beyond.status_code == 404 and "outside the checkpoint" in beyond.text
    assert site.client("officer").get(f"/api/v1/ledger/entries/{link[2]}/proof"
                                      ).status_code == 403
    reads = [json.loads(r.body) for r in ledger_entries(site)
             if r.actor_id == actor(site, "oversight").id]
    assert {"record": "inclusion_proof", "entry": int(link[2])} in reads


def test_the_form_s_empty_fields_leave_the_address(site: Site) -> None:
    c = sign_in(site, "oversight", "oversight_audit")
    got = c.get("/ledger", params={"user": "", "role": "counsel", "kind": "", "zone": "UTC",
                                   "offset": "50"}, follow_redirects=False)
    assert (got.status_code, got.headers["location"]) == (303, "/ledger?role=counsel&offset=50")
    page = c.get("/ledger", params={"role": "counsel", "zone": "America/New_York"})
    assert page.status_code == 200 and 'value="America/New_York"' in page.text


def test_a_big_export_is_streamed_in_pieces(site: Site) -> None:
    from duecourse.app.ledger_view import LedgerFilters, export_ledger_csv

    items = [L.LedgerItem("read", T2, "u-bulk", "officer", "", {"record": "case", "n": i,
                                                                "note": "x" * 400},
                          purpose="case_work") for i in range(400)]
    with site.app.ctx.engine.begin() as conn:
        L.append(conn, items, site.app.ctx.signing_key)
    site.app.flush_ledger()
    pieces = list(export_ledger_csv(site.app.ctx, actor(site, "oversight"), "oversight_audit",
                                    LedgerFilters(user="u-bulk")))
    assert len(pieces) > 2 and max(len(p) for p in pieces) < 80 * 1024
    rows = list(csv.DictReader(io.StringIO("".join(pieces))))
    assert [json.loads(r["body"])["n"] for r in rows] == list(range(399, -1, -1))
