"""Issue 16: the ledger holds no personal data. A search's names and A-numbers are kept out of
its entry (a keyed hash and a reference to ``search_terms`` instead), oversight reads the plain
terms only with a stated reason, itself ledgered; a refusal's reasons are ledgered without the
person's data; the ledger still verifies."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from duecourse.cli import app as cli
from duecourse.domain.commands import ROLES, parse_command

from .support import Site, build_site, ledger_entries, person

A_NUMBER = "A208765432"


@pytest.fixture
def site(db_url: str) -> Site:
    s = build_site(db_url)
    c = s.client("officer")
    opened = c.post("/api/v1/cases", json={
        "person": {**person("Quixotic", "Zelda"), "a_number": A_NUMBER}, "encounter": "interior",
        "location": "Newark, NJ", "legal_basis": "INA 237(a)(1)(B)"})
    assert opened.status_code == 201, opened.text
    s.cases["zelda"] = opened.json()["case_id"]
    return s


def _terms_table() -> Any:
    from duecourse.store import tables  # imported here: each test fails alone on older code

    return tables.search_terms


def _bodies(site: Site, kind: str = "read") -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in ledger_entries(site, kind)]


def _search(site: Site, role: str, path: str, q: str) -> dict[str, Any]:
    got = site.client(role).get(path, params={"purpose": "supervision", "q": q})
    assert got.status_code == 200, got.text
    body = _bodies(site)[-1]
    assert body["record"] in ("case_search", "person_search")
    return body


def test_a_search_ledgers_a_keyed_hash_and_a_reference_never_the_terms(site: Site) -> None:
    by_name = _search(site, "supervisor", "/api/v1/cases", "Quixotic")
    by_number = _search(site, "supervisor", "/api/v1/persons", "208765432")
    key = site.app.ctx.terms_key
    assert key is not None
    for body, typed in ((by_name, "Quixotic"), (by_number, "208765432")):
        text = json.dumps(body).lower()
        assert typed.lower() not in text and "query" not in body
        ref, digest = body["terms"]["ref"], body["terms"]["hmac"]
        assert digest == hmac.new(key, typed.encode(), hashlib.sha256).hexdigest()
        assert digest != hashlib.sha256(typed.encode()).hexdigest()  # keyed, not guessable
        with site.app.ctx.engine.connect() as conn:
            row = conn.execute(select(_terms_table()).where(_terms_table().c.id == ref)).one()
        assert (row.terms, row.hmac, row.actor_id) == (typed, digest, "u-supervisor1")
    assert by_name["cases"] == [site.cases["zelda"]]
    # Nothing but the search's own entry changed: the ledger verifies as before.
    assert site.app.verify().ok
    # No term, no row: a list without a search names none.
    assert _search(site, "supervisor", "/api/v1/cases", "")["terms"] is None


def test_the_ledger_view_shows_the_reference_not_the_terms(site: Site) -> None:
    _search(site, "supervisor", "/api/v1/cases", "Quixotic")
    page = site.client("oversight").get("/api/v1/ledger/entries", params={"limit": 200})
    assert page.status_code == 200
    assert "quixotic" not in page.text.lower() and "208765432" not in page.text
    searches = [e for e in page.json()["items"] if '"case_search"' in json.dumps(e)]
    assert searches and '"ref"' in json.dumps(searches[0])


def test_oversight_reads_the_terms_with_a_reason_and_the_read_is_ledgered(site: Site) -> None:
    ref = _search(site, "supervisor", "/api/v1/persons", "Quixotic")["terms"]["ref"]
    reason = "complaint 2026-114: was this person searched for before the encounter?"
    got = site.client("oversight").get(f"/api/v1/oversight/search-terms/{ref}",
                                       params={"reason": reason})
    assert got.status_code == 200, got.text
    out = got.json()
    assert (out["terms"], out["record"], out["actor_id"], out["intact"]) == (
        "Quixotic", "person_search", "u-supervisor1", True)
    read = ledger_entries(site)[-1]
    body = json.loads(read.body)
    assert (read.actor_role, read.purpose, body["record"], body["ref"]) == (
        "oversight", "oversight_audit", "search_terms", ref)
    assert body["stated_reason"] == reason and "quixotic" not in read.body.lower()
    # A row changed after the search no longer matches the hash its entry recorded.
    with site.app.ctx.engine.begin() as conn:
        conn.execute(_terms_table().update().where(_terms_table().c.id == ref)
                     .values(terms="Other"))
    again = site.client("oversight").get(f"/api/v1/oversight/search-terms/{ref}",
                                         params={"reason": reason})
    assert again.json()["intact"] is False


@pytest.mark.parametrize("reason", ["", "   ", "n/a", "TBD", "see file", "audit", "Audit.",
                                    "because", "review", "idk", "asdfgh", "test123", "no aplica",
                                    "s.o."])
def test_oversight_without_a_real_reason_is_refused_and_that_is_ledgered(
        site: Site, reason: str) -> None:
    ref = _search(site, "supervisor", "/api/v1/cases", "Quixotic")["terms"]["ref"]
    got = site.client("oversight").get(f"/api/v1/oversight/search-terms/{ref}",
                                       params={"reason": reason})
    assert got.status_code == 403 and "reason" in got.json()["message"]
    assert "Quixotic" not in got.text
    refused = _bodies(site, "read_refused")[-1]
    assert (refused["record"], refused["ref"]) == ("search_terms", ref)


def test_every_other_role_is_refused_the_terms(site: Site) -> None:
    ref = _search(site, "supervisor", "/api/v1/cases", "Quixotic")["terms"]["ref"]
    for role in sorted(set(ROLES) - {"oversight"}):
        got = site.client(role).get(f"/api/v1/oversight/search-terms/{ref}",
                                    params={"reason": "checking a complaint about a search"})
        assert got.status_code == 403, (role, got.text)
        assert "Quixotic" not in got.text
    assert len(ledger_entries(site, "read_refused")) >= len(ROLES) - 1


def test_the_command_line_reads_the_terms_for_oversight_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.sqlite"
    site = build_site(url)
    ref = _search(site, "supervisor", "/api/v1/cases", "Example")["terms"]["ref"]
    site.app.ctx.engine.dispose()
    run = CliRunner().invoke
    ok = run(cli, ["audit", "search-terms", str(ref), "--user", "oversight1", "--as", "oversight",
                   "--db", url, "--reason", "audit of searches made by supervisors this week"])
    assert ok.exit_code == 0, ok.output
    assert "Example" in ok.output and "matches the terms" in ok.output
    no = run(cli, ["audit", "search-terms", str(ref), "--user", "officer1", "--as", "officer",
                   "--db", url, "--reason", "audit of searches made by supervisors this week"])
    assert no.exit_code == 1 and "Example" not in no.output and "oversight" in no.output
    blank = run(cli, ["audit", "search-terms", str(ref), "--user", "oversight1", "--as",
                      "oversight", "--db", url, "--reason", "n/a"])
    assert blank.exit_code == 1 and "reason" in blank.output and "Example" not in blank.output


def test_a_refusal_is_ledgered_without_the_persons_data(site: Site) -> None:
    """A birth date after the encounter is refused (TIME-ORDER) with the date in the reason:
    the officer reads it, the ledger keeps ``[birth date]``. (A birth date in the future is
    refused before any law is asked, as invalid input: so the encounter here is dated in the
    past, before the birth date.)"""
    from duecourse.app.accounts import get_account

    born = {**person("Quixotic", "Zelda"), "birth_date": "2021-01-02", "a_number": A_NUMBER}
    with site.app.ctx.engine.connect() as conn:
        officer = get_account(conn, "officer1")
    assert officer is not None
    got = site.app.do(parse_command("open_case", {
        "person": born, "encounter": "interior", "location": "Newark, NJ",
        "legal_basis": "INA 237(a)(1)(B)"}), officer.actor, datetime(2020, 6, 1, 9, tzinfo=UTC))
    assert not got.accepted
    assert any("2021-01-02" in r.reason for r in got.refusals)  # the officer is told the date
    refused = ledger_entries(site, "command_refused")[-1]
    assert "2021-01-02" not in refused.body and "[birth date]" in refused.body
    assert site.app.verify().ok


def test_redaction_names_birth_date_and_a_number() -> None:
    from duecourse.app.redact import redact

    p = {"family_name": "de la Cruz", "given_name": "Ana", "birth_date": "2008-04-02",
         "a_number": "A208765432"}
    said = redact(["Ana de la Cruz (A 208-765-432) turned 18 (birth date 2008-04-02); Anabel "
                   "and the Cruzeiro stay"], p)
    assert said == ["[given name] [family name] [family name] [family name] ([A-number]) "
                    "turned 18 (birth date [birth date]); Anabel and the Cruzeiro stay"]
    # An outside review: the A-number padded or grouped otherwise, the birth date in another
    # order, a one-letter name and a name in a script written without spaces.
    ng = {"family_name": "Ng", "given_name": "Al", "birth_date": "1990-04-02",
          "a_number": "A12345678"}
    assert redact(["'A012345678' and '12.345.678' are not known users", "Ng Al 04/02/1990",
                   "20.4.1990 is not 2.4.1990 nor 19900402"], ng) == [
        "'[A-number]' and '[A-number]' are not known users",
        "[family name] [given name] [birth date]",
        "20.4.1990 is not [birth date] nor [birth date]"]
    assert redact("王小明 turned 18; J Li", {"family_name": "王", "given_name": "小明"}) \
        == "[family name][given name] turned 18; J Li"
    assert redact("J Li was never a child", {"family_name": "Li", "given_name": "J"}) \
        == "[given name] [family name] was never a child"
    # a command's own person (not yet a case) too
    assert redact({"r": "Ana"}, parse_command("open_case", {
        "person": {"family_name": "X", "given_name": "Ana"}, "encounter": "interior",
        "location": "Newark", "legal_basis": "INA 237(a)(1)(B)"}).person) == {
        "r": "[given name]"}


def test_no_terms_key_outside_development_fails_closed(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from duecourse.audit.checkpoint import generate_private_key_pem
    from duecourse.bootstrap import ConfigurationError, build_app

    key = tmp_path / "ledger.pem"
    key.write_text(generate_private_key_pem())
    monkeypatch.setenv("DUECOURSE_ENV", "production")
    monkeypatch.setenv("DUECOURSE_LEDGER_KEY_FILE", str(key))
    monkeypatch.delenv("DUECOURSE_TERMS_KEY", raising=False)
    monkeypatch.delenv("DUECOURSE_TERMS_KEY_FILE", raising=False)
    url = f"sqlite:///{tmp_path}/store.sqlite"
    with pytest.raises(ConfigurationError, match="DUECOURSE_TERMS_KEY"):
        build_app(url)
    monkeypatch.setenv("DUECOURSE_TERMS_KEY", "too short")
    with pytest.raises(ConfigurationError, match="at least 32"):
        build_app(url)
    monkeypatch.setenv("DUECOURSE_TERMS_KEY", "k" * 40)
    assert build_app(url).ctx.terms_key == b"k" * 40
    assert not list(tmp_path.glob("*terms-key*"))  # never generated outside development


def test_development_generates_one_key_beside_the_store(tmp_path: Path) -> None:
    from duecourse.bootstrap import build_app

    url = f"sqlite:///{tmp_path}/store.sqlite"
    first, second = build_app(url).ctx.terms_key, build_app(url).ctx.terms_key
    assert first is not None and first == second and len(first) >= 32
    assert (tmp_path / "store.terms-key").exists()  # kept: the same hashes after a restart


def test_typed_purposes_and_queue_filters_stay_out_of_the_ledger(site: Site) -> None:
    """An outside review: a name or an A-number typed as a purpose, or as the work queue's
    facility filter, went into the ledger verbatim."""
    typed = "Quixotic Zelda A208765432"
    got = site.client("officer").get("/api/v1/cases", params={"purpose": typed, "q": "x"})
    assert got.status_code == 403
    queue = site.client("detention").get("/api/v1/queue", params={
        "purpose": "detention_management", "facility": typed})
    assert queue.status_code == 200, queue.text
    refused = ledger_entries(site, "read_refused")[-1]
    read = ledger_entries(site, "read")[-1]
    for entry in (refused, read):
        assert "Quixotic" not in entry.body and "208765432" not in entry.body
        assert "Quixotic" not in (entry.purpose or "")
    assert refused.purpose == "(not a recognised purpose)"
    assert set(json.loads(read.body)["filters"]) == {"ref", "hmac"}
