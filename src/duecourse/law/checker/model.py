"""The records the checker keeps of a case: orders with their appeals, waivers and decisions
(8 CFR 1241.1, 1003.6), stays as records (spec section 4), motions to reopen (8 CFR
1003.23(b)(4)(ii)), hearings on the calendar (IN-ABS) and custody over time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .days import after_day
from .legal import (
    MTR_ANY_TIME_GROUNDS,
    MTR_EXCEPTIONAL_DAYS,
    MTR_TIMED_GROUNDS,
    REMOVAL_OUTCOMES,
)
from .reading import when


@dataclass
class Decision:
    """A decision of the Board on the appeals from one order, once it has effect."""

    seq: int
    at: datetime
    outcome: str  # dismissed | sustained | remanded
    vd_deadline: date | None  # a voluntary-departure period granted or reinstated by the Board


@dataclass
class Appeal:
    """One party's appeal (8 CFR 1003.3(a): each party files its own; at most one each)."""

    seq: int
    at: datetime
    party: str
    timely: bool  # as the checker counts it, not as the event says
    decided: Decision | None = None  # the Board's decision on it, once that has effect


@dataclass
class Order:
    """An immigration judge's order, with what happened to it."""

    seq: int
    at: datetime
    outcome: str
    in_absentia: bool
    zone: ZoneInfo | None  # its court's zone: its days are counted there
    day: date  # the order's local day
    last_day: date | None  # APP-30's last day (None: in absentia, no appeal)
    window_close: datetime | None  # first instant after the APP-30 window (None: in absentia)
    vd_deadline: date | None
    designated: str
    waivers: dict[str, datetime] = field(default_factory=dict)  # party -> effective waiver
    appeals: dict[str, Appeal] = field(default_factory=dict)  # party -> its (only) appeal
    decision: Decision | None = None  # the Board's latest decision with effect
    unconfirmed_decision: int = 0  # an adverse Board decision recorded but without effect yet
    unconfirmed_waiver: int = 0  # the respondent's waiver recorded but without effect yet

    @property
    def is_removal(self) -> bool:
        sustained = self.decision is not None and self.decision.outcome == "sustained"
        return self.outcome in REMOVAL_OUTCOMES and not sustained

    def timely_appeals(self) -> list[Appeal]:
        return [a for a in self.appeals.values() if a.timely]

    def pending_appeals(self) -> list[Appeal]:
        return [a for a in self.timely_appeals() if a.decided is None]

    def respondent_appealed(self) -> bool:
        a = self.appeals.get("respondent")
        return a is not None and a.timely

    def vd_end(self, d: date) -> datetime:
        """A voluntary-departure period ends at the end of its day in the order's court's zone."""
        return after_day(d, self.zone)

    def final_at(self) -> datetime | None:
        """8 CFR 1241.1: when this order became administratively final, or None.

        Each party's appeal is its own: the order is final once every timely appeal has been
        dismissed by the Board (a), and the respondent, unless they appealed in time, waived
        appeal (b) or let their window run out (c) - a dismissal of DHS's appeal does not end
        the respondent's window."""
        if not self.is_removal:
            return None
        if self.in_absentia:
            return self.at  # 1241.1(e)
        d = self.decision
        if d is not None and d.outcome == "dismissed" and d.vd_deadline is not None:
            return self.vd_end(d.vd_deadline)  # 1241.1(f): on overstay of the Board's period
        ends: list[datetime] = []
        for a in self.timely_appeals():
            if a.decided is None:
                return None  # pending before the Board
            ends.append(a.decided.at)  # 1241.1(a)
        if not self.respondent_appealed():
            at = self.waivers.get("respondent") or self.window_close  # 1241.1(b), (c)
            if at is None:
                return None
            ends.append(at)
        at = max(ends)
        if not self.timely_appeals() and self.outcome == "voluntary_departure" \
                and self.vd_deadline:
            at = max(at, self.vd_end(self.vd_deadline))  # 1241.1(f)
        return at

    def is_final(self, t: datetime) -> bool:
        f = self.final_at()
        return f is not None and f <= t

    def automatic_stay(self, t: datetime) -> str:
        """8 CFR 1003.6(a): why the order may not be executed at ``t``, or ''."""
        if not self.is_removal or self.in_absentia:
            return ""
        pending = self.pending_appeals()
        if pending:
            who = " and ".join(sorted({a.party for a in pending}))
            why = f"a timely appeal ({who}) is pending before the BIA"
            if self.unconfirmed_decision:
                why += (f"; its dismissal (event {self.unconfirmed_decision}) has no effect until "
                        "a second person confirms it")
            return why
        if "respondent" in self.waivers or self.respondent_appealed():
            return ""
        if self.window_close is not None and t < self.window_close:
            why = f"the appeal window is open until {when(self.window_close)}"
            if "dhs" in self.waivers or "dhs" in self.appeals:
                why += " (only DHS waived or appealed: the respondent's own window runs)"
            if self.unconfirmed_waiver:
                why += (f" (the respondent's waiver, event {self.unconfirmed_waiver}, has no "
                        "effect until a second person confirms it)")
            return why
        return ""


@dataclass
class Stay:
    seq: int
    id: str  # its reference (trimmed, case-folded); legacy: its kind
    kind: str
    start: datetime
    until: datetime | None
    lifted_at: datetime | None = None

    def in_force(self, t: datetime) -> bool:
        return (self.start <= t and (self.until is None or t < self.until)
                and (self.lifted_at is None or t < self.lifted_at))


@dataclass
class Motion:
    """A motion to reopen; it stays removal while pending if it may (8 CFR 1003.23(b)(4)(ii))."""

    seq: int
    at: datetime
    receipt: str  # the court's receipt as recorded (compared trimmed and case-folded)
    grounds: str
    filed_on: date
    order: Order | None  # the order it asks to reopen (the last one recorded)
    ended_at: datetime | None = None
    # LAW.md STAY-AUTO: removal stays stayed while the Board decides a timely appeal of its denial.
    appeal_at: datetime | None = None
    appeal_ended_at: datetime | None = None
    denied_on: date | None = None  # the denial's day at the court

    @property
    def stays_removal(self) -> bool:
        o = self.order
        if o is None or not o.in_absentia:
            return False
        if self.grounds in MTR_ANY_TIME_GROUNDS:
            return True
        return (self.grounds in MTR_TIMED_GROUNDS
                and self.filed_on <= o.day + timedelta(days=MTR_EXCEPTIONAL_DAYS))

    def stay_in_force(self, t: datetime) -> bool:
        if not self.stays_removal:
            return False
        before_the_judge = self.at <= t and (self.ended_at is None or t < self.ended_at)
        before_the_board = (self.appeal_at is not None and self.appeal_at <= t
                            and (self.appeal_ended_at is None or t < self.appeal_ended_at))
        return before_the_judge or before_the_board


@dataclass
class Hearing:
    """A hearing on the calendar: the NTA's, or one scheduled; when written notice was served."""

    at: datetime
    noticed_at: datetime | None
