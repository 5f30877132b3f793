"""Statutory clocks, derived from a case's events. A clock never refuses the late action that
fulfils it (LAW.md); it is shown, escalated at 50, 75 and 100 % of its time, and marked missed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain.case import CaseState
from .calendar import NO_CLOSURES, Closures, end_of_day
from .framework import appeal_deadline
from .params import param

# States: due (running), overdue (past due, not fulfilled), met, missed (met late), moot (the
# duty fell away), elapsed (a window for the person closed unused).


@dataclass(frozen=True)
class Deadline:
    id: str
    title: str
    citation: str
    kind: str  # "duty" (on the agency) or "window" (a period the person has)
    started_at: datetime
    due_at: datetime
    fulfilled_at: datetime | None
    state: str
    escalation: int  # highest escalation point reached, in percent (0, 50, 75, 100)
    exception: str = ""

    @property
    def is_open(self) -> bool:
        return self.state in ("due", "overdue")

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id, "title": self.title, "citation": self.citation, "kind": self.kind,
            "started_at": _iso(self.started_at), "due_at": _iso(self.due_at),
            "fulfilled_at": _iso(self.fulfilled_at) if self.fulfilled_at else None,
            "state": self.state, "escalation": self.escalation, "exception": self.exception,
        }


# Every statutory clock: its title and the law that sets it.
CLOCKS: dict[str, tuple[str, str]] = {
    "CUS-48": ("Custody decision after a warrantless arrest", "8 CFR 287.3(d)"),
    "UAC-48": ("Notify HHS of a child in custody", "8 U.S.C. 1232(b)(2)"),
    "UAC-72": ("Transfer an unaccompanied child to ORR", "8 U.S.C. 1232(b)(3)"),
    "USC-RELEASE": ("Release a person found to be a U.S. citizen", "ICE Directive 16001.2"),
    "APP-30": ("Appeal to the BIA", "8 CFR 1003.38(b)"),
    "RP-90": ("Removal period", "INA 241(a)(1)"),
    "POCR": ("Post-order custody review", "8 CFR 241.4(h), (k)"),
    "POCR-HQ": ("HQ post-order custody review", "8 CFR 241.4(k)(2)(ii)"),
    "ZAD-180": ("Six-month post-order detention review", "Zadvydas v. Davis, 533 U.S. 678 (2001)"),
}


# Clocks that are a period the person has (kind "window"), not a duty of the agency.
WINDOWS = frozenset({"APP-30"})


def _iso(d: datetime) -> str:
    return d.isoformat().replace("+00:00", "Z")


def _clock(
    id: str, start: datetime, due: datetime,
    fulfilled: datetime | None, moot: bool, as_of: datetime, exception: str = "",
) -> Deadline:
    kind = "window" if id in WINDOWS else "duty"
    # Escalation is counted against the statutory time, so it reaches 100 % (a supervisor) at the
    # statutory limit and stays there while an approved exception runs (issue 15, item 7).
    span = (due - start).total_seconds() or 1.0
    if exception:
        # An exception (an emergency, exceptional circumstances) extends the clock by the dated
        # "additional reasonable period" ``<id>.exception_hours`` in force when the clock
        # started, never without bound: a decision 21 days late is missed, exception or not.
        # No such parameter: MissingParameter, and the command is refused (fail closed).
        due = due + timedelta(hours=param(f"{id}.exception_hours", start.date()))
    if fulfilled is not None:
        state = "met" if fulfilled <= due else "missed"
    elif moot:
        state = "moot"
    elif as_of > due:
        state = "overdue" if kind == "duty" else "elapsed"
    else:
        state = "due"
    until = fulfilled or as_of
    reached = [p for p in param("escalation.percent", start.date())
               if until >= start + timedelta(seconds=span * p / 100)]
    escalation = max(reached) if reached and kind == "duty" else 0
    title, citation = CLOCKS[id]
    return Deadline(id, title, citation, kind, start, due, fulfilled, state, escalation, exception)


def _after(t: datetime | None, start: datetime) -> datetime | None:
    return t if t is not None and t >= start else None


def compute_deadlines(s: CaseState, as_of: datetime,
                      closures: Closures = NO_CLOSURES) -> list[Deadline]:
    """Every statutory clock this case has started, with its state as of ``as_of``."""
    out: list[Deadline] = []

    def hours(key: str, started: datetime) -> timedelta:
        # A clock runs on the parameters in force when it started (issue 15, item 1), not those
        # of the day the case was opened; none in force: MissingParameter (the command is
        # refused, naming it).
        return timedelta(hours=param(key, started.date()))

    arrest = s.last_arrest
    if arrest is not None and arrest.warrantless:
        done = _after(s.custody_determined_at, arrest.at) or _after(s.released_at, arrest.at) \
            or _after(s.orr_transferred_at, arrest.at)
        exc = s.exceptions.get("CUS-48", {}).get("kind", "")
        out.append(_clock("CUS-48", arrest.at, arrest.at + hours("CUS-48.hours", arrest.at),
                          done, False, as_of, exception=exc))
    # UAC-48 and UAC-72 are the children area's clocks (clocks_children).
    if s.citizen_found_at is not None and s.held_when_found_citizen:
        t = s.citizen_found_at
        out.append(_clock("USC-RELEASE", t, t + hours("USC-RELEASE.hours", t),
                          _after(s.released_at, t), False, as_of))
    app = appeal_deadline(s, closures)
    if s.order is not None and app is not None and s.order_is_removal:
        # The person's window: met by the respondent's timely appeal (on the day the Board
        # received it, when recorded later), not by DHS's.
        mine = s.appeals.get("respondent")
        filed = min(mine.at, app) if mine is not None and mine.timely else None
        out.append(_clock("APP-30", s.order.at, app,
                          filed, s.appeal_waived_at is not None, as_of))
    final = s.final_at(app)
    if final is not None and final <= as_of:
        out.extend(_post_order(s, final, as_of))
    for area in _AREAS:
        out.extend(area.clocks(s, as_of, closures))
    return out


_COURT_STAY = frozenset({"judicial"})


def _post_order(s: CaseState, final: datetime, as_of: datetime) -> list[Deadline]:
    def d(key: str) -> timedelta:
        return timedelta(days=param(key, final.date()))

    rp_start = max(final, s.stay_lifted_at or final)
    rp_end = rp_start + d("RP-90.days")
    gone = s.custody not in ("arrested", "detained")  # post-order detention clocks need custody
    moot = gone and s.removed_at is None
    # While a court's stay is in effect the removal period has not begun: it begins with the
    # court's final order (INA 241(a)(1)(B)(ii)), that is when the stay is lifted.
    stayed = bool(s.stays_in_force(as_of, _COURT_STAY)) and s.removed_at is None
    out = [] if stayed else [_clock("RP-90", rp_start, rp_end,
                                    s.removed_at, moot, as_of)]
    reviews = {k: [r for r in s.reviews if r.kind == k] for k in ("pocr", "hq", "zadvydas")}
    pocr = reviews["pocr"][0].at if reviews["pocr"] else None
    if not stayed:
        out.append(_clock("POCR", rp_start,
                          rp_end, pocr, gone and pocr is None, as_of))
        # The written notice of the review, served POCR.notice_days_before_review before the
        # removal period ends (8 CFR 241.4(h)(2)); moot once the person is out of custody or a
        # review was held without it (only a release may be: the POCR guard).
        notices = [at for at, _ in s.pocr_notices if at >= final]
        served = notices[0] if notices else None
        out.append(_clock("POCR-NOTICE", rp_start,
                          max(rp_start, rp_end - d("POCR.notice_days_before_review")), served,
                          (gone or pocr is not None) and served is None, as_of))
    continued = [r for r in reviews["pocr"] if r.finding == "continue"]
    if continued and not stayed:
        t = continued[0].at
        hq = reviews["hq"][0].at if reviews["hq"] else None
        out.append(_clock("POCR-HQ", t,
                          t + d("POCR.hq_review_days"), hq, gone and hq is None, as_of))
    zad = reviews["zadvydas"][0].at if reviews["zadvydas"] else None
    out.append(_clock("ZAD-180", final,
                      final + d("ZAD-180.days"), zad, gone and zad is None, as_of))
    return out


def deadline_day(at: datetime) -> datetime:
    return end_of_day(at.date())


# The clocks of issue 15's areas, each in its own module (imported last: they use ``_clock``).
from . import clocks_children, clocks_custody, clocks_facilities, clocks_rows  # noqa: E402

_AREAS = (clocks_children, clocks_custody, clocks_facilities, clocks_rows)
for _area in _AREAS:
    CLOCKS.update(_area.CLOCKS)
WINDOWS = WINDOWS | frozenset().union(*(_a.WINDOWS for _a in _AREAS))
