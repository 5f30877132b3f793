"""Issue 15, item 7: an approved exception extends a clock by its dated additional period, with
escalation while it runs, and ``missed`` after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from duecourse.law.deadlines import _clock
from duecourse.law.params import MissingParameter

START = datetime(2026, 8, 27, 20, 30, tzinfo=UTC)
DUE = START + timedelta(hours=48)
H = timedelta(hours=1)


def test_while_the_exception_runs_the_clock_is_due_and_escalated_to_the_top() -> None:
    d = _clock("CUS-48", START, DUE, None, False, START + 60 * H, exception="emergency")
    assert d.state == "due" and d.escalation == 100 and d.due_at == START + 72 * H


def test_after_the_additional_period_the_clock_is_overdue_then_missed() -> None:
    d = _clock("CUS-48", START, DUE, None, False, START + 73 * H, exception="emergency")
    assert d.state == "overdue"
    d = _clock("CUS-48", START, DUE, START + 21 * 24 * H, False, START + 21 * 24 * H,
               exception="emergency")
    assert d.state == "missed"
    d = _clock("UAC-72", START, START + 72 * H, START + 95 * H, False, START + 95 * H,
               exception="exceptional_circumstances")
    assert d.state == "met"
    d = _clock("UAC-72", START, START + 72 * H, START + 97 * H, False, START + 97 * H,
               exception="exceptional_circumstances")
    assert d.state == "missed"


def test_without_an_exception_nothing_changes() -> None:
    d = _clock("CUS-48", START, DUE, START + 49 * H, False, START + 49 * H)
    assert d.state == "missed" and d.due_at == DUE


def test_an_exception_on_a_clock_without_an_additional_period_fails_closed() -> None:
    with pytest.raises(MissingParameter, match=r"APP-30\.exception_hours"):
        _clock("APP-30", START, DUE, None, False, START + H, exception="emergency")
