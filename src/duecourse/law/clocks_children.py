"""The children's clocks (LAW.md B4): UAC-48 (HHS told of a child), UAC-72 (an unaccompanied
child to ORR) and FLORES (a child out of DHS holding: released, with family or in a licensed
placement). Registered into ``deadlines`` (its ``CLOCKS``, ``WINDOWS`` and ``compute_deadlines``).

Who is a child, and until when, is ``law.age``'s question: a person under 18 by the case's own
birth date is a child from the encounter, flagged or not.

Each clock's hours are those in force when the clock started. A clock whose law was not yet in
force when it would have started does not run (the duty did not exist then).

When the child rules end (the 18th birthday, or an age determination finding an adult) or the
duty falls away (a child released before ORR could take them), a clock not yet due becomes moot.
A clock already past due at that moment was breached, and turning 18 does not undo the breach:
it is closed as missed at that moment (and the handler records the missed deadline).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..domain.case import CaseState
from .age import child_from, claims_of_minority, eighteenth_birthday, is_minor, minor_since
from .calendar import Closures
from .params import param

if TYPE_CHECKING:
    from .deadlines import Deadline

# clock id -> (title, citation)
CLOCKS: dict[str, tuple[str, str]] = {
    "UAC-48": ("Notify HHS of a child, or of a claim or suspicion of minority",
               "8 U.S.C. 1232(b)(2)"),
    "UAC-72": ("Transfer an unaccompanied child to ORR", "8 U.S.C. 1232(b)(3)"),
    "FLORES": ("Move a child out of DHS holding: release, family or licensed placement",
               "Flores Settlement Agreement para. 12A"),
}
WINDOWS: frozenset[str] = frozenset()

HELD = ("arrested", "detained")
# Where a child in DHS custody may be moved to meet the Flores clock: a family residential
# center (with the parent) or a licensed placement (ORR's shelters); release also meets it.
FLORES_SETTINGS = frozenset({"family", "orr"})


def _hours(key: str, start: datetime) -> timedelta | None:
    try:
        return timedelta(hours=param(key, start.date()))
    except LookupError:  # no value in force when the clock would start: the duty did not exist
        return None


def child_rules_end(s: CaseState, after: datetime) -> datetime | None:
    """The first moment after ``after`` at which the person is no longer a child for the law
    (the 18th birthday, or an age determination finding an adult), if it has come."""
    candidates = [t for t, finding in s.age_findings if finding == "adult" and t > after]
    t18 = eighteenth_birthday(s)
    if t18 is not None and t18 > after:
        candidates.append(t18)
    for t in sorted(candidates):
        if not is_minor(s, t):
            return t
    return None


def _run(id: str, s: CaseState, start: datetime, due: datetime, fulfilled: datetime | None,
         end: datetime | None, as_of: datetime, exception: str = "") -> Deadline:
    """A clock that may end before it is fulfilled (``end``): moot if it ended before its due
    time, missed at ``end`` if it was already past due (a breach is not undone)."""
    from .deadlines import _clock

    if fulfilled is not None and (end is None or fulfilled <= end):
        return _clock(id, start, due, fulfilled, False, as_of, exception=exception)
    if end is not None and end <= as_of:
        if end <= due:
            return _clock(id, start, due, None, True, as_of, exception=exception)
        return _clock(id, start, due, end, False, as_of, exception=exception)
    return _clock(id, start, due, None, False, as_of, exception=exception)


def _held_run(s: CaseState, since: datetime) -> tuple[datetime, datetime | None, str] | None:
    """The latest stretch of DHS custody (arrested or detained) that reaches past ``since``:
    (its start, clipped to ``since``; when it ended or None; the custody it ended in)."""
    runs: list[tuple[datetime, datetime | None, str]] = []
    start: datetime | None = None
    for t, custody in s.custody_history:
        if custody in HELD:
            if start is None:
                start = t
        elif start is not None:
            runs.append((start, t, custody))
            start = None
    if start is not None:
        runs.append((start, None, ""))
    for begin, end, into in reversed(runs):
        if end is None or end > since:
            return max(begin, since), end, into
    return None


def uac_48(s: CaseState, as_of: datetime) -> Deadline | None:
    """8 U.S.C. 1232(b)(2): HHS is notified within 48 hours of a child, or of any claim or
    suspicion of minority: from the encounter for a child by the recorded birth date, otherwise
    from the first flag (or finding) of minority."""
    stretches = [(t, end) for t, end in child_stretches(s) if t <= as_of]
    if not stretches:
        return None
    start, end = stretches[-1]
    hours = _hours("UAC-48.hours", start)
    if hours is None:
        return None
    notified = next((t for t in s.hhs_notices if t >= start), None)
    return _run("UAC-48", s, start, start + hours, notified, end, as_of)


def child_stretches(s: CaseState) -> list[tuple[datetime, datetime | None]]:
    """Each stretch of time the person is a child for the law on this case: (from, until; None
    while it lasts). After the child rules end (18, or an adult finding), a later claim of
    minority the case's facts do not already answer starts a new stretch (and a new HHS clock:
    1232(b)(2) speaks of any claim or suspicion)."""
    out: list[tuple[datetime, datetime | None]] = []
    t = minor_since(s)
    while t is not None:
        end = child_rules_end(s, t)
        out.append((t, end))
        if end is None:
            break
        t = next((c for c in claims_of_minority(s) if c >= end and is_minor(s, c)), None)
    return out


def uac_72(s: CaseState, as_of: datetime) -> Deadline | None:
    """8 U.S.C. 1232(b)(3): an unaccompanied child is transferred to ORR within 72 hours, counted
    while the child is held by DHS (arrested or detained), from when the child is both
    unaccompanied and held (the latest such stretch of custody). Met by the transfer to ORR;
    moot if the child is released or removed first, or the child rules end, before it is due."""
    if not s.unaccompanied or s.unaccompanied_at is None:
        return None
    run = _held_run(s, s.unaccompanied_at)
    if run is None:
        return None
    start, ended, into = run
    if start > as_of or not is_minor(s, start):
        return None
    hours = _hours("UAC-72.hours", start)
    if hours is None:
        return None
    fulfilled = ended if ended is not None and into == "with_orr" else None
    stops = [t for t in (ended if fulfilled is None else None, child_rules_end(s, start))
             if t is not None]
    exc = s.exceptions.get("UAC-72", {}).get("kind", "")
    return _run("UAC-72", s, start, start + hours, fulfilled, min(stops, default=None), as_of,
                exception=exc)


def flores(s: CaseState, as_of: datetime) -> Deadline | None:
    """Flores para. 12A: a child (accompanied or not) held by DHS is released, placed with
    family in a family residential center, or in a licensed placement (ORR) within
    ``FLORES.hours`` of entering DHS custody as a child (the latest stretch of custody). A hold
    room, a staging facility or a hospital does not meet it. Moot if the child rules end, or the
    child is removed, before it is due."""
    since = minor_since(s)
    if since is None:
        return None
    run = _held_run(s, since)
    if run is None:
        return None
    held_from, ended, into = run
    # a child from the start of the stretch, or from a claim of minority made while held
    start = child_from(s, held_from, ended)
    if start is None or start > as_of:
        return None
    hours = _hours("FLORES.hours", start)
    if hours is None:
        return None
    placed = [t for t, kind in s.child_settings
              if kind in FLORES_SETTINGS and t >= start and (ended is None or t <= ended)]
    if ended is not None and into in ("released", "with_orr"):
        placed.append(ended)
    fulfilled = min(placed) if placed else None
    # Flores para. 12A gives five days "in all other cases" (no licensed program with space):
    # the exceptional circumstances approved on the child's transfer to ORR extend the clock by
    # FLORES.exception_hours (to those five days), never further.
    by_orr = fulfilled is not None and s.orr_transferred_at == fulfilled
    exc = s.exceptions.get("UAC-72", {}).get("kind", "") if by_orr else ""
    stops = [t for t in (ended if ended is not None and into not in ("released", "with_orr")
                         else None, child_rules_end(s, start)) if t is not None]
    return _run("FLORES", s, start, start + hours, fulfilled, min(stops, default=None), as_of,
                exception=exc)


def clocks(s: CaseState, as_of: datetime, closures: Closures) -> list[Deadline]:
    """The clocks of this area that the case has started, as of ``as_of``."""
    return [d for d in (uac_48(s, as_of), uac_72(s, as_of), flores(s, as_of)) if d is not None]
