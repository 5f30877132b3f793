"""Clocks (CUS-48, UAC-48, UAC-72): a fulfilment after the clock ran out is a violation unless it
carries an approved exception (CUS-48, UAC-72 only) or a ``deadline_missed`` record for that
clock follows it before the clock starts again. The breach by people is reported, never hidden;
the late action itself is never refused (LAW.md; docs/decisions/0002-late-actions.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from ...domain.events import DEADLINE_MISSED, Event
from .legal import CUS48_HOURS, UAC48_HOURS, UAC72_HOURS
from .reading import text, when
from .report import Violation

_DONE = {"custody_determined": "the custody decision was made",
         "released": "the person was released",
         "transferred_to_orr": "the child was transferred to ORR"}


def _approved_exception(e: Event) -> bool:
    d = e.data
    approver = text(d, "exception_approved_by")
    return bool(text(d, "exception") and text(d, "exception_reason")
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
             exception_allowed: bool, what: str) -> None:
        e = self.evs[fulfil]
        if e.at <= due or (exception_allowed and _approved_exception(e)):
            return
        if _missed_recorded(self.evs, fulfil, restart, clock):
            return
        self.out.append(Violation(
            clock, e.seq, self.case_id,
            f"{what} at {when(e.at)}, after the deadline of {when(due)} (clock started by event "
            f"{self.evs[start].seq}), with no approved exception and no record that the deadline "
            "was missed"))

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
                          evs[j].kind == "custody_determined",
                          f"after a warrantless arrest, {_DONE[evs[j].kind]}")

    def children(self) -> None:
        evs = self.evs
        flagged = _first(evs, -1, len(evs), ("minor_flagged",))
        if flagged is not None:  # UAC-48: the first flag starts it; the first HHS notice ends it
            j = _first(evs, flagged, len(evs), ("hhs_notified",))
            if j is not None:
                self.late("UAC-48", flagged, j, evs[flagged].at + timedelta(hours=UAC48_HOURS),
                          len(evs), False, "HHS was notified of the child")
        uac = next((n for n, e in enumerate(evs)
                    if e.kind == "minor_flagged" and e.data.get("unaccompanied") is True), None)
        if uac is not None:  # UAC-72: from the finding of unaccompanied to ORR custody
            j = _first(evs, uac, len(evs), ("transferred_to_orr",))
            if j is not None:
                self.late("UAC-72", uac, j, evs[uac].at + timedelta(hours=UAC72_HOURS),
                          len(evs), True, "the unaccompanied child was transferred to ORR")


def check_clocks(case_id: str, evs: Sequence[Event]) -> list[Violation]:
    c = _Clocks(case_id, evs)
    c.custody_48()
    c.children()
    return c.out
