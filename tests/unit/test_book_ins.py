"""The demo's last book-ins are lawful whatever the hour the simulation ends (served demos end
"now"): a demo ending in the small hours of the 1st issues its notices the month before."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from duecourse.bootstrap import build_app
from duecourse.sim.book_ins import book_in_awaiting_beds
from duecourse.sim.planner import staff_actors


@pytest.mark.parametrize("end", [
    datetime(2026, 12, 1, 1, 0, tzinfo=UTC),  # the notices fall on 30 November
    datetime(2026, 12, 2, 9, 30, tzinfo=UTC),
])
def test_book_ins_are_accepted(end: datetime) -> None:
    app = build_app("sqlite://", seed=3)
    staff = staff_actors()
    for actor in staff.values():
        app.register_actor(actor)
    assert len(book_in_awaiting_beds(app, staff, end, 3, seed=3)) == 3
