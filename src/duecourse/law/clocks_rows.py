"""Issue 15 clocks (rows): registered into ``deadlines`` (its ``CLOCKS``, ``WINDOWS`` and
``compute_deadlines``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..domain.case import CaseState
from ..reference.zones import CITY_ZONES, STATE_ZONES
from .calendar import Closures, court_zone_name, end_of_day, is_business_day, local_day
from .params import param

if TYPE_CHECKING:
    from .deadlines import Deadline

# clock id -> (title, citation)
CLOCKS: dict[str, tuple[str, str]] = {}
WINDOWS: frozenset[str] = frozenset()


def clocks(s: CaseState, as_of: datetime, closures: Closures) -> list[Deadline]:
    """The clocks of this area that the case has started, as of ``as_of``."""
    out: list[Deadline] = []
    out.extend(detainer_clocks(s, as_of))
    out.extend(consular_clocks(s, as_of))
    out.extend(address_clocks(s, as_of, closures))
    return out


# -- NTA-ADDR: the court told where a detained person is held (I-830) --------------------------

CLOCKS["NTA-ADDR"] = (
    "Court told where a detained person is held",
    "INA 239(a)(1)(F), (a)(2); 8 CFR 1003.15(d), 1003.19; Form I-830 (1 business day: duecourse, K)")


def proceedings_court(s: CaseState) -> str:
    """The immigration court of the proceedings: that of the latest hearing on the calendar,
    else the NTA's ("" when there is no NTA)."""
    if s.hearings:
        court = s.hearing_courts.get(max(s.hearings), "")
        if court:
            return court
    return str((s.nta or {}).get("court", ""))


def custody_moves(s: CaseState) -> list[datetime]:
    """When DHS put the person in a facility or moved them (``placed``, ``transferred``) after a
    Notice to Appear was issued: each time, the court must be told where they are held."""
    out: list[datetime] = []
    charged = False
    for e in s.history:
        if e.kind == "nta_issued":
            charged = True
        elif e.kind in ("placed", "transferred") and charged:
            out.append(e.at)
    return out


# Every zone a court keeps its days in, and UTC: where a court the tables do not know is read.
EVERY_ZONE = tuple(sorted({*STATE_ZONES.values(), *CITY_ZONES.values(), "UTC"}))


def _due_after_business_days(start: datetime, n: int, court: str, closures: Closures) -> datetime:
    """The end of the ``n``-th business day after ``start`` at ``court`` (UTC if none is named).
    A clock never fails for a court it does not know (a record written before codes were
    checked): it reads the due time in every zone a court keeps, and UTC, with the closures of
    every court only, and takes the earliest, so that a duty never looks later than it is."""
    zones: tuple[str, ...]
    try:
        zones, scope = (court_zone_name(court),), court or "ALL"
    except KeyError:
        zones, scope = EVERY_ZONE, "ALL"
    return min(_due_in(start, n, zone, scope, closures) for zone in zones)


def _due_in(start: datetime, n: int, zone: str, scope: str, closures: Closures) -> datetime:
    day = local_day(start, zone)
    while n > 0:
        day += timedelta(days=1)
        if is_business_day(day, closures, scope):
            n -= 1
    return end_of_day(day, zone)


def address_clocks(s: CaseState, as_of: datetime, closures: Closures) -> list[Deadline]:
    """NTA-ADDR: from a placement or transfer made while proceedings are pending, the court of the
    proceedings is told where the person is held (``notify_court_of_custody``) by the end of the
    next business day at that court. The clock starts at the first move the court has not yet
    been told of (a later transfer never hides an earlier notice that is late); a notice told
    after it fulfils it. Moot once the person is out of DHS custody or the proceedings ended
    before the court was told."""
    from .deadlines import _clock

    moves = custody_moves(s)
    if not moves:
        return []
    notices = sorted(s.court_custody_notices)

    def told_of(m: datetime) -> datetime | None:  # the first notice at or after the move
        return next((n for n in notices if n >= m), None)

    # The latest run of moves answered by one notice (or by none yet) starts at its first move.
    told = told_of(moves[-1])
    start = min(m for m in moves if told_of(m) == told)
    court = proceedings_court(s)
    n = int(param("NTA-ADDR.court_notice_business_days", start.date()))
    due = _due_after_business_days(start, n, court, closures)
    moot = told is None and (s.custody not in ("arrested", "detained") or s.concluded
                             or s.status == "closed")
    return [_clock("NTA-ADDR", start, due, told, moot, as_of)]


# -- DET-1: a copy of the detainer served on the person ----------------------------------------

CLOCKS["DET-1"] = ("Serve a copy of the detainer on the person",
                   "8 CFR 287.7(a); ICE Policy 10074.2; I-247A (02/17)")


def detainer_clocks(s: CaseState, as_of: datetime) -> list[Deadline]:
    """DET-1: from a detainer's issue, a copy is served on the person (``serve_detainer``) within
    ``DET-1.service_hours``. Each detainer is a run of the clock; the one shown is the one that
    tells most (``_worst``: a later detainer never hides an earlier one left unserved). A removal
    before a copy is due makes it moot; after, it closes the run as missed."""
    from .deadlines import _clock

    if not s.detainers:
        return []
    runs: list[_Run] = []
    for det in s.detainers:
        start: datetime = det["at"]
        due = start + timedelta(hours=param("DET-1.service_hours", start.date()))
        runs.append((start, due, *_ended(det["served_at"], s.removed_at, due)))
    return [_clock("DET-1", *_worst(runs, as_of), as_of)]


def _ended(done: datetime | None, ended: datetime | None,
           due: datetime) -> tuple[datetime | None, bool]:
    """(fulfilled, moot) of a duty that only the person's custody (or presence) gives an object
    to: ended before it was due, it is moot; ended after it was due and still undone, it is
    closed as missed at that moment (recorded and escalated, never left open for ever)."""
    if done is not None or ended is None:
        return done, False
    return (None, True) if ended <= due else (ended, False)


_Run = tuple[datetime, datetime, datetime | None, bool]  # start, due, fulfilled, moot
_RANK = {"overdue": 0, "missed": 1, "due": 2, "met": 3, "moot": 4}


def _worst(runs: list[_Run], as_of: datetime) -> _Run:
    """Of several runs of one clock (one per detainer, one per consulate owed), the one that
    tells most, so that nothing late is hidden behind something on time: overdue (the earliest
    due), else missed (the latest met late: the handler records it as it happens), else due (the
    earliest), else met (the latest), else moot."""
    def state(r: _Run) -> str:
        _start, due, done, moot = r
        if done is not None:
            return "met" if done <= due else "missed"
        if moot:
            return "moot"
        return "overdue" if as_of > due else "due"

    def key(r: _Run) -> tuple[int, float]:
        st = state(r)
        if st in ("missed", "met"):
            assert r[2] is not None
            return _RANK[st], -r[2].timestamp()
        return _RANK[st], r[1].timestamp()

    return min(runs, key=key)


# -- CON-1 / CON-2: consular advisal and notification -------------------------------------------

CLOCKS["CON-1"] = ("Tell the detained person of the right to consular notification",
                   "VCCR Art. 36(1)(b); 8 CFR 236.1(e)")
CLOCKS["CON-2"] = ("Notify the consulate (mandatory country, or at the person's request)",
                   "VCCR Art. 36(1)(b); bilateral consular conventions (State Dept. list)")


def consular_clocks(s: CaseState, as_of: datetime) -> list[Deadline]:
    """CON-1 runs from the start of the person's latest spell in DHS custody (arrest or
    detention) until the advisal (``record_consular_advisal``); CON-2 from the same start for a
    mandatory-notification country, or from the person's request at the advisal, until
    ``notify_consulate`` for that country. A spell that ends (release, ORR, removal) before a
    clock is due makes it moot; one that ends after closes it as missed (``_ended``). A new
    arrest starts both again. Neither runs for a person known to be a U.S. national only."""
    from .consular import foreign, last_spell, mandatory_consulates, notified, requested_consulate
    from .deadlines import _clock

    spell = last_spell(s)
    if spell is None or not foreign(s):
        return []
    start, until = spell
    out: list[Deadline] = []
    due = start + timedelta(hours=param("CON-1.hours", start.date()))
    advised = next((a[0] for a in s.consular_advisals if a[0] >= start), None)
    out.append(_clock("CON-1", start, due, *_ended(advised, until, due), as_of))
    owed: dict[str, datetime] = {c: start for c in mandatory_consulates(s)}
    asked = requested_consulate(s, start)
    if asked is not None:
        owed.setdefault(asked[1], asked[0])
    # One clock for every consulate owed a notice: the run that tells most (``_worst``).
    runs: list[_Run] = []
    for country, t in owed.items():
        d = t + timedelta(hours=param("CON-2.hours", t.date()))
        runs.append((t, d, *_ended(notified(s, country, start), until, d)))
    if runs:
        out.append(_clock("CON-2", *_worst(runs, as_of), as_of))
    return out
