"""Entry points: a history (one case's events, or several cases' mixed), or every case's history
one by one. The checker is handed events as data; it never reads the database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time

from ...domain.events import Event
from .areas import Areas
from .checks import check_event
from .clocks import check_clocks
from .days import FILING_ZONE, Closures, appeal_last_day, court_zone, local_day, normalize_closures
from .facts import Facts, apply
from .persons import CaseTrace, across_cases
from .report import Violation


def violations_of(events: Sequence[Event], closures: Closures = frozenset(),
                  trace: CaseTrace | None = None,
                  roles: Mapping[str, str] | None = None) -> list[Violation]:
    """Every violation in one case's history (and, in ``trace``, what other cases of the same
    person need to know of it); ``roles``: who holds which role, where the store says."""
    evs = sorted(events, key=lambda e: e.seq)
    case_id = evs[0].case_id if evs else ""
    f = Facts(case_id, closures=closures)
    out: list[Violation] = []
    areas = Areas(case_id, roles)  # issue 15's rows: areas.py

    def flag(rule: str, e: Event, what: str) -> None:
        out.append(Violation(rule, e.seq, case_id, what))

    for e in evs:
        check_event(f, e, flag)
        areas.step(f, e, flag, apply)
        if trace is not None:
            trace.note(e, f)
    out.extend(check_clocks(case_id, evs))
    out.extend(areas.finish())
    out.sort(key=lambda v: v.event_seq)
    return out


def _with_persons(out: list[Violation], traces: list[CaseTrace]) -> list[Violation]:
    """The violations of each case, with those only a comparison of the same person's cases
    shows (a removal to a country another case protects them from), in case order."""
    found = across_cases(traces)
    if not found:
        return out
    order = {tr.case_id: n for n, tr in enumerate(traces)}
    return sorted(out + found, key=lambda v: (order.get(v.case_id, -1), v.event_seq))


def check_history(events: Sequence[Event],
                  closures: Iterable[tuple[date, str]] = frozenset(),
                  roles: Mapping[str, str] | None = None) -> list[Violation]:
    """Every violation in the given events (one case's history, or several cases' mixed: cases of
    the same person are compared too), with the closure days (day, scope: "ALL", "BIA" or a
    court's code) the legal calendar records, and the roles of the people the events name
    (``roles``: id -> role; otherwise only the roles the events themselves show)."""
    by_case: dict[str, list[Event]] = {}
    for e in events:
        by_case.setdefault(e.case_id, []).append(e)
    return check_cases(by_case.values(), closures, roles)


def check_cases(histories: Iterable[Sequence[Event]],
                closures: Iterable[tuple[date, str]] = frozenset(),
                roles: Mapping[str, str] | None = None) -> list[Violation]:
    """Every violation in the given cases' histories (each one case's events; cases of the same
    person compared), as ``check_history`` counts them, case by case as they come: the store's
    event reader hands every case's history here (app/invariants.py ``check_store``), never a
    connection."""
    days = normalize_closures(closures)
    out: list[Violation] = []
    traces: list[CaseTrace] = []
    for evs in histories:
        if evs:
            traces.append(CaseTrace(evs[0].case_id))
            out.extend(violations_of(evs, days, traces[-1], roles))
    return _with_persons(out, traces)


def appeal_window_end(decided_at: datetime, court: str = "",
                      closures: Iterable[tuple[date, str]] = frozenset()) -> datetime:
    """The last second of the APP-30 window of an order entered at ``decided_at`` by ``court``
    (its local day; UTC for an unknown court), as the checker counts it: the 30th day, moved to
    the BIA's next business day, ending at the end of that day in the BIA's zone."""
    zone = court_zone(court) if court else None
    last = appeal_last_day(local_day(decided_at, zone), normalize_closures(closures))
    ends = [datetime.combine(last, time(23, 59, 59), tzinfo=FILING_ZONE)]
    if zone is not None:
        ends.append(datetime.combine(last, time(23, 59, 59), tzinfo=zone))
    return max(ends)
