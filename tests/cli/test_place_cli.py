"""`duecourse place`: the day's placement plan from the store, as Rich tables and as JSON, on
SQLite and PostgreSQL. The people in custody are those of ``tests/web/test_placement.py``
(``seed_custody``): two book-ins the plan places, one person already in a facility, an
unaccompanied child referred to ORR, and one person not yet classified (CLS-1). The command gives
no command; its read is ledgered with the user, the role and the purpose."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

import web.test_placement as seeded
from duecourse.bootstrap import build_app
from duecourse.cli import app as cli
from duecourse.domain.commands import Actor
from duecourse.store.tables import events, ledger

OFFICER, OFFICER2 = Actor("o1", "officer", "Officer One"), Actor("o2", "officer", "Officer Two")
DETENTION = Actor("d1", "detention", "Detention Officer")
ATTORNEY = Actor("a1", "attorney", "An Attorney")
DETENTION_READS = ("--user", "d1", "--as", "detention", "--purpose", "detention_management")


@pytest.fixture
def store(db_url: str) -> tuple[str, dict[str, str], str]:
    """The database URL, the seeded cases by label, and the day planned."""
    a = build_app(db_url)
    now = datetime.now(UTC)
    cases = seeded.seed_custody(a, now, OFFICER, OFFICER2, DETENTION)
    for actor in (DETENTION, ATTORNEY):
        a.register_actor(actor)
    a.ctx.engine.dispose()
    return db_url, cases, now.date().isoformat()


def _run(*args: str) -> Any:
    # A wide console, so that Rich does not wrap the lines we look into.
    return CliRunner().invoke(cli, ["place", *args], env={"COLUMNS": "400"})


def _count(url: str, table: Any, *where: Any) -> int:
    a = build_app(url)
    a.flush_ledger()  # on PostgreSQL the entries wait in the queue for the sequencer
    with a.ctx.engine.connect() as conn:
        n = int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())
    a.ctx.engine.dispose()
    return n


def test_tables_and_summary(store: tuple[str, dict[str, str], str]) -> None:
    url, cases, day = store
    written = _count(url, events)
    r = _run("--db", url, "--date", day, *DETENTION_READS)
    assert r.exit_code == 0, r.output
    out = r.output
    for title in ("Facility board", "Today's plan", "People who need a person's decision"):
        assert title in out
    assert seeded.facility().name in out and "% room" in out
    plan = out.split("Today's plan")[1].split("People who need")[0]
    assert cases["eli"] in plan and cases["fay"] in plan and cases["gus"] in plan
    assert "ORR (referral)" in plan and "CLS-2" in plan and cases["dan"] not in plan
    needs = out.split("People who need a person's decision")[1]
    assert cases["hal"] in needs and "CLS-1" in needs
    assert ("3 people to plan: 2 placed, 1 referred to ORR, 0 unserved; 1 need a person's "
            "decision; 1 already in a facility; status optimal") in out
    assert _count(url, events) == written  # advice only: no command given


def test_json_and_the_read_in_the_ledger(store: tuple[str, dict[str, str], str]) -> None:
    url, cases, day = store
    r = _run("--db", url, "--date", day, "--json", *DETENTION_READS)
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["day"] == day
    assert data["summary"]["placed"] == 2 and data["summary"]["status"] == "optimal"
    assert {p["case_id"] for p in data["placements"]} == {cases["eli"], cases["fay"]}
    assert all(p["binding"] and "court" in p["terms"] for p in data["placements"])
    assert [n["case_id"] for n in data["needs_a_person"]] == [cases["hal"]]
    a = build_app(url)
    a.flush_ledger()
    with a.ctx.engine.connect() as conn:
        entry = conn.execute(select(ledger).where(ledger.c.kind == "read")
                             .order_by(ledger.c.seq.desc())).first()
    a.ctx.engine.dispose()
    assert entry is not None
    assert (entry.actor_id, entry.actor_role, entry.purpose) == (
        "d1", "detention", "detention_management")
    assert json.loads(entry.body)["record"] == "placement_plan"


def test_a_role_that_does_not_place_is_refused(store: tuple[str, dict[str, str], str]) -> None:
    url, _, day = store
    refused = _count(url, ledger, ledger.c.kind == "read_refused")
    r = _run("--db", url, "--date", day, "--user", "a1", "--as", "attorney", "--purpose",
             "representation")
    assert r.exit_code != 0
    assert "does not read the placement plan" in str(r.exception)
    assert _count(url, ledger, ledger.c.kind == "read_refused") == refused + 1


def test_a_bad_date_names_the_option(store: tuple[str, dict[str, str], str]) -> None:
    url, _, _ = store
    r = _run("--db", url, "--date", "2026-13-01", *DETENTION_READS)
    assert r.exit_code != 0 and "--date" in str(r.exception)


def test_the_reader_is_an_account_or_actor_that_exists(
        store: tuple[str, dict[str, str], str]) -> None:
    """Issue 16: the role is the reader's own, never one typed; an unknown reader reads
    nothing and nothing is ledgered under a made-up name."""
    url, _, day = store
    reads = _count(url, ledger)
    r = _run("--db", url, "--date", day, "--user", "anything", "--as", "detention", "--json")
    assert r.exit_code == 2 and "no account or actor 'anything'" in r.output
    assert _count(url, ledger) == reads
