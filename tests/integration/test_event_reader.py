"""The store's one event reader (store/event_reader.py), on SQLite and PostgreSQL: every case's
history in order, as the domain's events; a damaged row named, the reading going on; and the
independent checker fed from it (app/invariants.py), the law handed events as data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from duecourse.app.invariants import check_store
from duecourse.bootstrap import App, build_app
from duecourse.domain.events import Event
from duecourse.law.invariants import check_cases, check_history
from duecourse.store import repository as repo
from duecourse.store.event_reader import case_events, histories
from duecourse.store.tables import cases

T0 = datetime(2026, 3, 2, 8, 30, 15, 250000, tzinfo=UTC)
H = timedelta(hours=1)


def _history(case_id: str, person_id: str, arrest: str = "warrant") -> list[Event]:
    """An opening and a warrantless arrest (ARR-2: no reason to believe given) or one on a
    warrant that was never issued (ARR-1), with data of several JSON types."""
    return [
        Event(case_id, 1, "case_opened", T0, "o1", "officer",
              {"person_id": person_id, "person": {"family_name": "Example", "given_name": "Ana"},
               "encounter": "interior", "location": "Newark", "tags": ["é", 1, None, True]}),
        Event(case_id, 2, "arrest_recorded", T0 + H, "o1", "officer", {"basis": arrest}),
    ]


@pytest.fixture
def app(db_url: str) -> App:
    app = build_app(db_url, seed=0)
    with app.ctx.engine.begin() as conn:  # out of seq order: the reader puts them in order
        for case_id, person_id, arrest in (("C-3", "P-3", "warrantless"), ("C-1", "P-1", "warrant"),
                                           ("C-2", "P-2", "warrantless")):
            evs = _history(case_id, person_id, arrest)
            repo.insert_events(conn, [evs[1]])
            repo.insert_events(conn, [evs[0]])
    return app


def test_every_history_is_read_in_order_as_it_was_written(app: App) -> None:
    with app.ctx.engine.connect() as conn:
        got = list(histories(conn))
        one = case_events(conn, "C-2")
    assert [h.case_id for h in got] == ["C-1", "C-2", "C-3"]
    assert [h.events for h in got] == [_history("C-1", "P-1", "warrant"),
                                       _history("C-2", "P-2", "warrantless"),
                                       _history("C-3", "P-3", "warrantless")]
    assert all(h.damage == "" for h in got)
    assert one == got[1].events
    assert one[0].at.tzinfo is not None and one[0].at == T0


def test_a_range_of_cases_some_kinds_and_a_condition_on_the_case(app: App) -> None:
    with app.ctx.engine.connect() as conn:
        ranged = [h.case_id for h in histories(conn, after="C-1", upto="C-2")]
        arrests = [(h.case_id, [e.seq for e in h.events])
                   for h in histories(conn, kinds=("arrest_recorded",))]
        assert case_events(conn, "C-404") == []
    assert ranged == ["C-2"]
    assert arrests == [("C-1", [2]), ("C-2", [2]), ("C-3", [2])]
    with app.ctx.engine.begin() as conn:
        conn.execute(cases.insert().values(id="C-3", person_id="P-3", version=2, opened_at=T0,
                                           updated_at=T0, location="Newark", proceedings="none",
                                           custody="arrested", holds="", status="open",
                                           close_reason="", facility=""))
    with app.ctx.engine.connect() as conn:
        held = [h.case_id for h in histories(conn, cases_where=cases.c.custody == "arrested")]
    assert held == ["C-3"]


def test_a_damaged_row_is_named_and_the_reading_goes_on(app: App) -> None:
    with app.ctx.engine.begin() as conn:
        conn.execute(text("UPDATE events SET data = 'not JSON' WHERE case_id = 'C-2' AND seq = 2"))
    with app.ctx.engine.connect() as conn:
        got = {h.case_id: h for h in histories(conn)}
        with pytest.raises(ValueError, match="event 2's data is not JSON"):
            case_events(conn, "C-2")
    assert list(got) == ["C-1", "C-2", "C-3"]
    assert "event 2's data is not JSON" in got["C-2"].damage
    assert [e.seq for e in got["C-2"].events] == [1]
    assert got["C-3"].damage == "" and len(got["C-3"].events) == 2
    with pytest.raises(ValueError, match="case C-2: event 2's data is not JSON"):
        check_store(app.ctx.engine)


def test_the_checker_reads_the_store_through_the_reader(app: App) -> None:
    """What the checker finds in the store is what it finds in the same events handed as data."""
    with app.ctx.engine.connect() as conn:
        handed = [h.events for h in histories(conn)]
    found = check_store(app.ctx.engine)
    assert {v.case_id for v in found} == {"C-1", "C-2", "C-3"}
    assert found == check_cases(handed) == check_history([e for h in handed for e in h])
