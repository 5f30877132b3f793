"""Issue 15 clocks (facilities): hold rooms (HOLD-12), facilities not authorised for stays over
72 hours (CAP-72) and the attorney's notice of an emergency transfer (XFER-NOTICE). Registered
into ``deadlines`` (its ``CLOCKS``, ``WINDOWS`` and ``compute_deadlines``).

A stay is a *stretch*: from the moment a person is put in a hold room (or a facility not
authorised over 72 hours) until they are moved to a place of another sort, released, removed or
handed to ORR. A move from one hold room to another does not start the clock again, nor does a
move between two facilities not authorised over 72 hours: the person's time there is what the
limit is about, not the time in one room.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..domain.case import CaseState
from .calendar import Closures
from .params import param

if TYPE_CHECKING:
    from .deadlines import Deadline

# clock id -> (title, citation)
CLOCKS: dict[str, tuple[str, str]] = {
    "HOLD-12": ("Out of the hold room within the hold-room limit",
                "PBNDS 2011 (rev. 2016) 2.6 Hold Rooms; ERO memo of 29 Feb 2008; "
                "ICE waiver of 24 Jun 2025"),
    "CAP-72": ("Out of a facility not authorised for stays over 72 hours",
               "ICE over-72-hour facility authorisations; PBNDS 2011 (rev. 2016) (LAW.md CAP)"),
    "XFER-NOTICE": ("Tell the attorney of record of an emergency transfer",
                    "ICE Directive 11022.1 (Detainee Transfers, 4 Jan 2012)"),
}
WINDOWS: frozenset[str] = frozenset()

# Custody that ends a stay in a facility (anything but being held there).
_NOT_HELD = frozenset({"at_large", "released", "removed", "with_orr"})


def in_hold_room(kind: str, over_72h: bool | None) -> bool:
    return kind == "hold_room"


def short_stay(kind: str, over_72h: bool | None) -> bool:
    """A place not authorised to hold people past 72 hours (CAP-72): a hold room, a catalogued
    facility without the authorisation, or a hospital outside the catalogue (or one it does not
    authorise). A hospital is never refused for the limit, but the time there counts:
    calling a place a hospital is no way around the 72 hours, and a long stay escalates."""
    return kind == "hold_room" or over_72h is False or (kind == "hospital" and over_72h is None)


def intake_place(kind: str, over_72h: bool | None) -> bool:
    """A place of intake processing (ICE Directive 11022.1 § 3.2): a hold room, or a catalogued
    facility authorised for less than 72 hours (a staging facility). Not a hospital."""
    return kind == "hold_room" or (kind != "hospital" and over_72h is False)


def stretch(s: CaseState, inside: Callable[[str, bool | None], bool]
            ) -> tuple[datetime, datetime | None] | None:
    """The latest stretch the person spent in places ``inside`` says yes to: its start and its
    end (None while it runs), or None if there was none."""
    timeline: list[tuple[datetime, int, str, bool | None]] = []
    for at, _facility, kind, over in s.facility_stays:
        timeline.append((at, 1, kind, over))
    for at, custody in s.custody_history:
        if custody in _NOT_HELD:
            timeline.append((at, 0, "", None))
    timeline.sort(key=lambda x: (x[0], x[1]))
    start: datetime | None = None
    last: tuple[datetime, datetime | None] | None = None
    for at, is_stay, kind, over in timeline:
        if is_stay and inside(kind, over):
            if start is None:
                start = at
            last = (start, None)
        elif start is not None:
            last, start = (start, at), None
    return last


def clocks(s: CaseState, as_of: datetime, closures: Closures) -> list[Deadline]:
    """The clocks of this area that the case has started, as of ``as_of``."""
    from .deadlines import _clock

    out: list[Deadline] = []
    for id, key, inside in (("HOLD-12", "HOLD-12.hours", in_hold_room),
                            ("CAP-72", "CAP.hours", short_stay)):
        found = stretch(s, inside)
        if found is not None:
            start, end = found
            due = start + timedelta(hours=param(key, start.date()))
            out.append(_clock(id, start, due, end, False, as_of))
    notice = emergency_notice(s)
    if notice is not None:
        t, told = notice
        due = t + timedelta(hours=param("XFER.emergency_notice_hours", t.date()))
        out.append(_clock("XFER-NOTICE", t, due, told, False, as_of))
    return out


def emergency_notice(s: CaseState) -> tuple[datetime, datetime | None] | None:
    """The latest duty to tell the attorney of an emergency transfer: (the first emergency
    transfer the attorney was not told of, when they were told or None). A second emergency
    transfer before the notice does not restart the clock: the first move is already owed."""
    cycles: list[tuple[datetime, datetime | None]] = []
    start: datetime | None = None
    for at, is_notice in sorted([(t, False) for t in s.emergency_transfers]
                                + [(n, True) for n in s.attorney_transfer_notices]):
        if not is_notice and start is None:
            start = at
        elif is_notice and start is not None:
            cycles.append((start, at))
            start = None
    if start is not None:
        cycles.append((start, None))
    return cycles[-1] if cycles else None


def custody_began(s: CaseState) -> datetime | None:
    """When the person was last taken into DHS custody (arrested, or detained again after a
    release): placements before it belong to an earlier detention."""
    began: datetime | None = None
    held = False
    for at, custody in s.custody_history:
        now = custody in ("arrested", "detained")
        if now and not held:
            began = at
        held = now
    return began
