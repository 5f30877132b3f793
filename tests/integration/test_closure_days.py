"""Closure days of the legal calendar and the case read models of stays and protections (issue
13), on SQLite and PostgreSQL: migration 0008 creates the tables and carries over the stays and
protections of cases stored before it; a closure day is written only by a supervisor or an
administrator, checked, and ledgered in its own transaction; bad input writes nothing."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, inspect, select, text

from duecourse.app import calendar
from duecourse.app.access import AccessDenied
from duecourse.app.calendar import do_close_day, get_closure_days
from duecourse.bootstrap import build_app
from duecourse.domain.commands import Actor
from duecourse.domain.errors import InvalidInput
from duecourse.store import repository as repo
from duecourse.store.db import make_engine
from duecourse.store.migrate import upgrade
from duecourse.store.tables import closure_days, events, ledger

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
SUP = Actor("u-sup", "supervisor", "A Supervisor")
ADMIN = Actor("u-admin", "admin", "An Administrator")
OFFICER = Actor("u-off", "officer", "An Officer")


def _at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def _event(case_id: str, seq: int, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"case_id": case_id, "seq": seq, "kind": kind, "at": _at(seq), "actor_id": "o1",
            "actor_role": "officer", "data": json.dumps(data, sort_keys=True)}


# Events in the shapes written before revision 0008 (no references, no issuers, no
# confirmations), straight into the events table.
LEGACY = [
    _event("C-1", 1, "case_opened", {"location": "Newark"}),
    _event("C-1", 2, "stay_granted", {"kind": "judicial", "until": "2026-06-01T00:00:00Z"}),
    _event("C-1", 3, "stay_granted", {"kind": "dhs", "until": None}),
    _event("C-1", 4, "stay_lifted", {"kind": "dhs"}),
    _event("C-1", 5, "order_recorded", {"outcome": "removal", "decision_mode": "oral",
                                        "protected_countries": ["SV", "ve"]}),
    _event("C-1", 6, "fear_claim_recorded", {"country": "HN"}),
    _event("C-1", 7, "fear_claim_recorded", {"country": "GT"}),
    _event("C-1", 8, "fear_claim_decided", {"country": "GT", "outcome": "fear_established"}),
    _event("C-1", 9, "fear_claim_decided", {"country": "HN", "outcome": "no_fear"}),
    # A later order without protected countries, a new claim and an adverse decision for a
    # country of established fear take no protection away (issue 13, section 5).
    _event("C-1", 10, "order_recorded", {"outcome": "removal", "decision_mode": "oral",
                                         "protected_countries": []}),
    _event("C-1", 11, "fear_claim_recorded", {"country": "GT"}),
    _event("C-1", 12, "fear_claim_decided", {"country": "GT", "outcome": "no_fear"}),
    _event("C-1", 13, "fear_claim_recorded", {"country": "MX"}),
    _event("C-1", 14, "fear_claim_decided", {"country": "MX", "outcome": "withdrawn"}),
    _event("C-2", 1, "case_opened", {"location": "Houston"}),
    _event("C-3", 1, "case_opened", {"location": "Miami"}),
    _event("C-3", 2, "stay_granted", {"kind": "bia"}),
    _event("C-3", 3, "stay_granted", {"kind": "bia", "until": "2026-09-01T12:00:00+00:00"}),
    _event("C-3", 4, "order_recorded", {"outcome": "removal", "decision_mode": "written",
                                        "protected_countries": ["SLV", "Venezuela"]}),
    _event("C-3", 5, "order_recorded", {"outcome": "removal", "decision_mode": "written",
                                        "protected_countries": ["SV"]}),
]


def _stored_at_0007(db_url: str, rows: list[dict[str, Any]]) -> Any:
    engine = make_engine(db_url)
    upgrade(engine, "0007")
    with engine.begin() as conn:
        conn.execute(insert(events), rows)
    return engine


def _without_case(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "case_id"} for r in rows]


def test_migration_creates_the_tables_and_carries_over_legacy_cases(db_url: str) -> None:
    engine = _stored_at_0007(db_url, LEGACY)
    with engine.connect() as conn:
        assert not {"closure_days", "case_stays", "case_protections"} & set(
            inspect(conn).get_table_names())
    upgrade(engine)
    with engine.connect() as conn:
        assert {"closure_days", "case_stays", "case_protections"} <= set(
            inspect(conn).get_table_names())
        assert conn.execute(text("select version_num from alembic_version")).scalar_one() >= "0008"
        stays, protections = repo.case_records(conn, "C-1")
        assert _without_case(stays) == [
            {"stay_id": "judicial", "kind": "judicial", "issued_by": "", "start_at": _at(2),
             "until_at": datetime(2026, 6, 1, tzinfo=UTC), "lifted_at": None,
             "lift_pending": False},
            {"stay_id": "dhs", "kind": "dhs", "issued_by": "", "start_at": _at(3),
             "until_at": None, "lifted_at": _at(4), "lift_pending": False},
        ]
        assert _without_case(protections) == [
            {"country": "GT", "source": "fear", "status": "in_force", "since": _at(8)},
            {"country": "HN", "source": "fear", "status": "no_fear", "since": _at(9)},
            {"country": "MX", "source": "fear", "status": "withdrawn", "since": _at(14)},
            {"country": "SV", "source": "order", "status": "in_force", "since": _at(5)},
            {"country": "VE", "source": "order", "status": "in_force", "since": _at(5)},
        ]
        assert repo.case_records(conn, "C-2") == ([], [])
        stays3, protections3 = repo.case_records(conn, "C-3")
        # A second grant of a legacy kind renews the stay of that id (as the fold read it).
        assert _without_case(stays3) == [
            {"stay_id": "bia", "kind": "bia", "issued_by": "", "start_at": _at(3),
             "until_at": datetime(2026, 9, 1, 12, tzinfo=UTC), "lifted_at": None,
             "lift_pending": False}]
        # Countries stored before they were codes: an alpha-3 code, a name.
        assert [(p["country"], p["source"], p["status"], p["since"]) for p in protections3] == [
            ("SV", "order", "in_force", _at(4)), ("VE", "order", "in_force", _at(4))]
        assert repo.closure_days(conn) == frozenset()
    engine.dispose()


def test_migration_stops_on_a_country_it_cannot_read_and_changes_nothing(db_url: str) -> None:
    bad = [*LEGACY, _event("C-9", 1, "order_recorded", {"outcome": "removal",
                                                        "decision_mode": "oral",
                                                        "protected_countries": ["Narnia"]})]
    engine = _stored_at_0007(db_url, bad)
    with pytest.raises(ValueError, match=r"case C-9, event 1 \(order_recorded\).*'Narnia'"):
        upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar_one() == "0007"
        assert "case_stays" not in inspect(conn).get_table_names()
    engine.dispose()


def test_save_case_records_replaces_a_cases_rows(db_url: str) -> None:
    a = build_app(db_url)
    start = _at(1)
    with a.ctx.engine.begin() as conn:
        repo.save_case_records(conn, "C-1", [
            {"case_id": "ignored", "stay_id": "BIA-2026-17", "kind": "bia", "issued_by": "BIA",
             "start_at": start, "until_at": None, "lifted_at": None, "lift_pending": True},
            {"stay_id": "USDC-MA 26-cv-1", "kind": "judicial", "start_at": start}],
            [{"country": "SV", "source": "order", "status": "in_force", "since": start}])
        repo.save_case_records(conn, "C-2", [{"stay_id": "dhs", "kind": "dhs",
                                              "start_at": start}], [])
    with a.ctx.engine.connect() as conn:
        stays, protections = repo.case_records(conn, "C-1")
        assert [(s["case_id"], s["stay_id"], s["issued_by"], s["lift_pending"]) for s in stays] == [
            ("C-1", "BIA-2026-17", "BIA", True), ("C-1", "USDC-MA 26-cv-1", "", False)]
        assert [(p["country"], p["status"]) for p in protections] == [("SV", "in_force")]
    with a.ctx.engine.begin() as conn:
        repo.save_case_records(conn, "C-1", [], [
            {"country": "GT", "source": "fear", "status": "pending", "since": _at(2)}])
    with a.ctx.engine.connect() as conn:
        stays, protections = repo.case_records(conn, "C-1")
        assert stays == []
        assert [(p["country"], p["source"], p["status"], p["since"]) for p in protections] == [
            ("GT", "fear", "pending", _at(2))]
        assert [s["stay_id"] for s in repo.case_records(conn, "C-2")[0]] == ["dhs"]
    a.ctx.engine.dispose()


def _ledger_rows(a: Any) -> list[Any]:
    """The ledger's entries once everything queued is integrated (PostgreSQL queues them)."""
    a.flush_ledger()
    with a.ctx.engine.connect() as conn:
        return list(conn.execute(select(ledger).order_by(ledger.c.seq)).all())


def test_closure_days_are_added_ledgered_and_listed(db_url: str) -> None:
    a = build_app(db_url, clock=lambda: T0)
    done = do_close_day(a.ctx, date(2026, 7, 6), " new ", "  Building closed: water main  ",
                        "EOIR operational status, 2026-07-06", SUP)
    assert (done.day, done.scope, done.reason, done.recorded_by, done.recorded_at) == (
        date(2026, 7, 6), "NEW", "Building closed: water main", "u-sup", T0)
    do_close_day(a.ctx, date(2026, 7, 6), "ALL", "Federal closure", "Executive order 14xyz",
                 ADMIN, at=_at(1))
    # the day as ISO text (a scenario file's quoted date, say) is the same day
    do_close_day(a.ctx, "2026-01-27", "bia", "Snow", "BIA notice", SUP, at=_at(2))
    with a.ctx.engine.connect() as conn:
        assert repo.closure_days(conn) == frozenset({
            (date(2026, 7, 6), "NEW"), (date(2026, 7, 6), "ALL"), (date(2026, 1, 27), "BIA")})
    listed = get_closure_days(a.ctx)
    assert [(d.day, d.scope, d.recorded_by) for d in listed] == [
        (date(2026, 1, 27), "BIA", "u-sup"), (date(2026, 7, 6), "ALL", "u-admin"),
        (date(2026, 7, 6), "NEW", "u-sup")]
    assert listed[2].as_dict() == {
        "day": "2026-07-06", "scope": "NEW", "reason": "Building closed: water main",
        "source": "EOIR operational status, 2026-07-06", "recorded_by": "u-sup",
        "recorded_at": "2026-03-01T08:00:00.000000Z"}
    entries = [r for r in _ledger_rows(a) if r.kind == "calendar_day_closed"]
    assert [(e.actor_id, e.actor_role, e.case_id) for e in entries] == [
        ("u-sup", "supervisor", ""), ("u-admin", "admin", ""), ("u-sup", "supervisor", "")]
    assert entries[0].seq == done.ledger_seq
    assert json.loads(entries[0].body) == {
        "id": done.id, "day": "2026-07-06", "scope": "NEW", "reason": "Building closed: water main",
        "source": "EOIR operational status, 2026-07-06"}
    assert a.verify().ok
    a.ctx.engine.dispose()


@pytest.mark.parametrize(("args", "field", "words"), [
    ({"reason": "   "}, "reason", "is required"),
    ({"source": ""}, "source", "is required"),
    ({"scope": "XYZ"}, "scope", "'XYZ' is not ALL, BIA or an immigration court"),
    ({"scope": " "}, "scope", "is required"),
    ({"day": datetime(2026, 7, 6, tzinfo=UTC)}, "day", "is not a date"),
    ({"day": "2026-02-30"}, "day", "is not a date"),
    ({"day": "20260706"}, "day", "is not a date"),
    ({"day": "2026-07-06T00:00"}, "day", "is not a date"),
    ({"reason": "x" * 2001}, "reason", "at most 2000"),
    ({"source": "a\x00b"}, "source", "NUL"),
])
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
        db_url: str, args: dict[str, Any], field: str, words: str) -> None:
    a = build_app(db_url, clock=lambda: T0)
    before = len(_ledger_rows(a))
    given: dict[str, Any] = {"day": date(2026, 7, 6), "scope": "ALL", "reason": "Storm",
                             "source": "EOIR notice", **args}
    with pytest.raises(InvalidInput) as e:
        do_close_day(a.ctx, given["day"], given["scope"], given["reason"], given["source"], SUP)
    assert e.value.field == field
    assert words in e.value.message
    assert get_closure_days(a.ctx) == []
    assert len(_ledger_rows(a)) == before
    a.ctx.engine.dispose()


def test_a_duplicate_day_and_scope_is_refused(db_url: str) -> None:
    a = build_app(db_url, clock=lambda: T0)
    do_close_day(a.ctx, date(2026, 7, 6), "NEW", "Storm", "EOIR notice", SUP)
    before = len(_ledger_rows(a))
    with pytest.raises(InvalidInput) as e:
        do_close_day(a.ctx, date(2026, 7, 6), "new", "Storm again", "Another notice", ADMIN)
    assert e.value.field == "day"
    assert "2026-07-06 is already a closure day for NEW (recorded by u-sup: Storm)" in str(e.value)
    assert len(_ledger_rows(a)) == before
    assert len(get_closure_days(a.ctx)) == 1
    a.ctx.engine.dispose()


def test_a_duplicate_written_between_the_check_and_the_insert_is_refused(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two writers at once: the unique constraint catches what the check could not see."""
    a = build_app(db_url, clock=lambda: T0)
    do_close_day(a.ctx, date(2026, 7, 6), "ALL", "Storm", "EOIR notice", SUP)
    check = calendar._refuse_duplicate
    calls: list[int] = []

    def blind_first(conn: Any, day: date, scope: str) -> None:
        calls.append(1)
        if len(calls) > 1:
            check(conn, day, scope)

    monkeypatch.setattr(calendar, "_refuse_duplicate", blind_first)
    before = len(_ledger_rows(a))
    with pytest.raises(InvalidInput, match="already a closure day for ALL"):
        do_close_day(a.ctx, date(2026, 7, 6), "ALL", "Storm", "EOIR notice", ADMIN)
    assert len(_ledger_rows(a)) == before
    with a.ctx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(closure_days)).scalar_one() == 1
    a.ctx.engine.dispose()


@pytest.mark.parametrize("role", ["officer", "counsel", "oversight", "attorney", "detention",
                                  "transport"])
def test_only_a_supervisor_or_an_administrator_closes_a_day(db_url: str, role: str) -> None:
    a = build_app(db_url, clock=lambda: T0)
    actor = Actor(f"u-{role}", role)
    with pytest.raises(AccessDenied, match=f"the role '{role}' does not change the legal calendar"):
        do_close_day(a.ctx, date(2026, 7, 6), "ALL", "Storm", "EOIR notice", actor)
    assert get_closure_days(a.ctx) == []
    # The refused attempt is itself in the ledger.
    refused = [r for r in _ledger_rows(a) if r.kind == "calendar_close_refused"]
    assert [(r.actor_id, r.actor_role) for r in refused] == [(actor.id, role)]
    assert json.loads(refused[0].body)["day"] == "2026-07-06"
    assert a.verify().ok
    a.ctx.engine.dispose()
