"""Commands dated at the edges of the calendar (outside review): year 1 and 9999-12-31 are refused
with a reason, ledgered, or judged normally - never an exception (OverflowError) out of the
law's reading of the legal day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from duecourse.bootstrap import App, build_app
from duecourse.domain.commands import Actor, parse_command

O1 = Actor("o1", "officer", "Officer One")
OPEN: dict[str, Any] = {
    "person": {"family_name": "Example", "given_name": "Ana", "sex": "F",
               "birth_date": "1990-01-01", "nationalities": ["GT"], "languages": ["es"]},
    "encounter": "interior", "location": "El Paso, TX", "legal_basis": "INA 212(a)(6)(A)(i)"}
EDGES = [datetime(1, 1, 1, 0, 30, tzinfo=UTC), datetime(9999, 12, 31, 23, 30, tzinfo=UTC)]


@pytest.fixture
def app() -> Iterator[App]:
    a = build_app("sqlite://", seed=5)
    a.register_actor(O1)
    yield a
    a.ctx.engine.dispose()


@pytest.mark.parametrize("when", EDGES, ids=lambda d: d.date().isoformat())
def test_open_case_at_the_edge_of_the_calendar_never_raises(app: App, when: datetime) -> None:
    out = app.do(parse_command("open_case", dict(OPEN)), O1, when)
    if not out.accepted:
        assert out.refusals
        assert out.ledger_seq is not None
    if when.year == 1:
        assert not out.accepted  # the person's birth date is after the encounter


@pytest.mark.parametrize("when", EDGES, ids=lambda d: d.date().isoformat())
def test_a_later_command_at_the_edge_never_raises(app: App, when: datetime) -> None:
    opened = app.do(parse_command("open_case", dict(OPEN)), O1,
                    datetime(2026, 7, 14, 14, tzinfo=UTC))
    assert opened.accepted, opened.refusals
    out = app.do(parse_command("record_arrest", {
        "basis": "warrantless", "reason_to_believe": "crossed between ports without inspection",
        "likely_to_escape": "no address in the United States"}), O1, when,
        case_id=str(opened.case_id))
    if when.year == 1:  # dated before any law in force, and before the case was opened
        assert not out.accepted
        assert any(r.reason.startswith("no law in force on 0001-01-01 for ")
                   for r in out.refusals), out.refusals
    if not out.accepted:
        assert out.refusals and out.ledger_seq is not None
