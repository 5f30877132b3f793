"""The CUS-48 clock: a fulfilment after the clock ran out is a violation unless a
``deadline_missed`` record for that clock follows it before the clock starts again. An approved
exception (an emergency or other extraordinary circumstance, 8 CFR 287.3(d)) extends the clock by
an "additional reasonable period" - ``CUS48_EXCEPTION_HOURS`` at most - never without limit. The
clocks of issue 15 (UAC-48, UAC-72, FLORES, HOLD-12, XFER, CON-2) run in ``areas.py`` and its
area modules. The breach by people is reported, never hidden;
the late action itself is never refused (LAW.md; docs/decisions/0002-late-actions.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from ...domain.events import DEADLINE_MISSED, Event
from .legal import CUS48_EXCEPTION_HOURS, CUS48_HOURS
from .reading import only_repeats, says_nothing, text, when
from .report import Violation

_DONE = {"custody_determined": "the custody decision was made",
         "released": "the person was released",
         "transferred_to_orr": "the child was transferred to ORR"}


def _approved_exception(e: Event) -> bool:
    """An exception with a reason that says something (not "n/a", not only "emergency"),
    approved by someone other than the person who acted."""
    d = e.data
    approver = text(d, "exception_approved_by")
    reason = d.get("exception_reason")
    return bool(text(d, "exception") and text(d, "exception_reason")
                and not says_nothing(reason)
                and not only_repeats(reason, e.kind, d, keys=("exception",))
                and approver and approver != e.actor_id)


def _missed_recorded(evs: Sequence[Event], after: int, until: int, clock: str) -> bool:
    """A deadline_missed for ``clock`` among the events at positions (after, until)."""
    return any(x.kind == DEADLINE_MISSED and x.data.get("deadline") == clock
               for x in evs[after + 1:until])


def _first(evs: Sequence[Event], after: int, until: int, kinds: tuple[str, ...]) -> int | None:
    return next((n for n in range(after + 1, until) if evs[n].kind in kinds), None)


class _Clocks:
    def __init__(self, case_id: str, evs: Sequence[Event]) -> None:
        self.case_id, self.evs = case_id, evs
        self.out: list[Violation] = []

    def late(self, clock: str, start: int, fulfil: int, due: datetime, restart: int,
             extra_hours: int, what: str) -> None:
        e = self.evs[fulfil]
        excepted = extra_hours > 0 and _approved_exception(e)
        if excepted:
            due += timedelta(hours=extra_hours)
            what += " (with an approved exception, whose additional period also ran out)"
        if e.at <= due:
            return
        if _missed_recorded(self.evs, fulfil, restart, clock):
            return
        self.out.append(Violation(
            clock, e.seq, self.case_id,
            f"{what} at {when(e.at)}, after the deadline of {when(due)} (clock started by event "
            f"{self.evs[start].seq}), with no record that the deadline was missed"))

    def custody_48(self) -> None:
        """Each warrantless arrest starts a clock, fulfilled by the first custody decision,
        release or transfer to ORR after it; the next arrest starts the clock again."""
        evs = self.evs
        arrests = [i for i, e in enumerate(evs) if e.kind == "arrest_recorded"]
        for n, i in enumerate(arrests):
            nxt = arrests[n + 1] if n + 1 < len(arrests) else len(evs)
            if evs[i].data.get("basis") != "warrantless":
                continue
            j = _first(evs, i, nxt, tuple(_DONE))
            if j is not None:
                self.late("CUS-48", i, j, evs[i].at + timedelta(hours=CUS48_HOURS), nxt,
                          CUS48_EXCEPTION_HOURS if evs[j].kind == "custody_determined" else 0,
                          f"after a warrantless arrest, {_DONE[evs[j].kind]}")


def check_clocks(case_id: str, evs: Sequence[Event]) -> list[Violation]:
    c = _Clocks(case_id, evs)
    c.custody_48()
    return c.out
