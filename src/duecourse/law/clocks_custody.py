"""Issue 15 clocks (custody): registered into ``deadlines`` (its ``CLOCKS``, ``WINDOWS`` and
``compute_deadlines``). The POCR notice clock is in ``deadlines._post_order`` beside the review
it precedes. Each clock runs on the parameters in force when it started."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..domain.case import BondOrder, CaseState
from .calendar import Closures, add_business_days, end_of_day
from .params import param

if TYPE_CHECKING:
    from .deadlines import Deadline

# clock id -> (title, citation)
CLOCKS: dict[str, tuple[str, str]] = {
    "POCR-NOTICE": ("Written notice of the post-order custody review", "8 CFR 241.4(h)(2)"),
    "PRE-ORDER": ("Review of prolonged pre-order detention",
                  "LAW.md PRE-ORDER; Jennings v. Rodriguez, 583 U.S. 281 (2018)"),
    "REVIEW-RELEASE": ("Release after a custody review found release",
                       "8 CFR 241.4(h)-(k); 8 CFR 241.13(g)"),
    "REVOKE-INTERVIEW": ("Interview after a revocation of release",
                         "8 CFR 241.4(l)(1); 8 CFR 241.13(i)(3)"),
    "POCR-ANNUAL": ("Annual custody review after an HQ review continued detention",
                    "8 CFR 241.4(k)(2)(iii)"),
    "BOND-RELEASE": ("Release on an immigration judge's order not (or no longer) stayed",
                     "8 CFR 1003.19(i)(2); 8 CFR 1003.6(c)-(d)"),
}
WINDOWS: frozenset[str] = frozenset()

_HELD = ("arrested", "detained")


def clocks(s: CaseState, as_of: datetime, closures: Closures) -> list[Deadline]:
    """The clocks of this area that the case has started, as of ``as_of``."""
    from .deadlines import _clock
    from .framework import appeal_deadline

    out: list[Deadline] = []
    final = s.final_at(appeal_deadline(s, closures))
    stint = custody_stint(s)
    if stint is not None:
        out.extend(_pre_order(s, stint, final, as_of))
    # REVIEW-RELEASE: a review in this custody that found "release" is carried out.
    if stint is not None:
        start, _end = stint
        found = [r.at for r in s.reviews if r.finding == "release" and r.at >= start]
        if found:
            t = found[0]
            due = t + timedelta(hours=param("REVIEW-RELEASE.hours", t.date()))
            out.append(_clock("REVIEW-RELEASE", t, due, _after(s.released_at, t),
                              _gone(s) and _after(s.released_at, t) is None, as_of))
    # REVOKE-INTERVIEW: the informal interview promptly after the return to custody.
    if s.revoked_at is not None:
        t = s.revoked_at
        due = t + timedelta(hours=param("REVOKE.interview_hours", t.date()))
        out.append(_clock("REVOKE-INTERVIEW", t, due, s.revocation_interview_at,
                          s.custody not in _HELD and s.revocation_interview_at is None, as_of))
    # POCR-ANNUAL: after an HQ review that continued detention, another within a year.
    hq = [r.at for r in s.reviews if r.kind == "hq" and r.finding == "continue"]
    if hq and stint is not None and hq[-1] >= stint[0]:
        # The cycle the latest review closed is shown at that instant (so a late one is missed).
        t = hq[-2] if len(hq) > 1 and hq[-1] >= as_of and hq[-2] >= stint[0] else hq[-1]
        later = [r.at for r in s.reviews if r.kind == "hq" and r.at > t]
        due = t + timedelta(days=param("POCR.annual_review_days", t.date()))
        out.append(_clock("POCR-ANNUAL", t, due, later[0] if later else None,
                          s.custody not in _HELD and not later, as_of))
    if s.bond_orders and s.bond_orders[-1].releases:
        clock = _bond_release(s, s.bond_orders[-1], as_of)
        if clock is not None:
            out.append(clock)
    return out


def custody_stint(s: CaseState) -> tuple[datetime, datetime | None] | None:
    """The latest continuous DHS custody (arrested or detained, through transfers): when it
    began and when it ended (None while it lasts); None if the person was never held."""
    start: datetime | None = None
    end: datetime | None = None
    for t, c in s.custody_history:
        if c in _HELD:
            if start is None or end is not None:
                start, end = t, None
        elif start is not None and end is None:
            end = t
    return (start, end) if start is not None else None


def _pre_order(s: CaseState, stint: tuple[datetime, datetime | None],
               final: datetime | None, as_of: datetime) -> list[Deadline]:
    """PRE-ORDER: reviews of prolonged pre-order detention at 90, 180 and 365 days (dated). One
    clock at a time, the current period: from the previous mark (or the review that met it, if
    later) to the next mark; met by a prolonged review made in it. The clocks fall away (moot)
    when the custody ends or the order becomes final (the post-order clocks take over)."""
    from .deadlines import _clock

    start, end = stint
    if final is not None and final <= start:
        return []  # post-order custody
    over = min(t for t in (end, final) if t is not None) if (end or final) else None
    marks = [start + timedelta(days=int(n))
             for n in param("PRE-ORDER.review_days", start.date())]
    reviews = sorted(r.at for r in s.reviews if r.kind == "prolonged" and r.at >= start)
    period_start = start
    clock = None
    for mark in marks:
        met = next((t for t in reviews
                    if t > period_start or (t == period_start and period_start == start)), None)
        moot = met is None and over is not None and over <= as_of
        clock = _clock("PRE-ORDER", period_start, mark, met, moot, as_of)
        nxt = max(mark, met) if met is not None else mark
        if met is None or nxt >= as_of or moot:  # the period met now is shown now
            break
        period_start = nxt
    return [clock] if clock is not None else []


def _bond_release(s: CaseState, o: BondOrder, as_of: datetime) -> Deadline | None:
    """BOND-RELEASE: an immigration judge's order releasing the person runs from when it is in
    effect: at once unless DHS stayed it in time (EOIR-43, checked by the BOND-STAY guard); a
    stay lapses when no appeal is filed within 10 business days of the order or the Board has
    not decided 90 days after the appeal; the Board's dismissal of DHS's appeal is itself
    stayed 5 business days. A Board decision for DHS ends it."""
    from .deadlines import _clock

    day = o.issued_on
    start: datetime | None
    if o.stay_at is None:
        start = o.at
    elif o.decision == "sustained" and (o.decided_at is not None):
        start = None if _lapse(o) >= o.decided_at else _lapse(o)
    elif o.decision == "dismissed" and o.decided_on is not None and o.decided_at is not None:
        lapse = _lapse(o)
        board = end_of_day(add_business_days(
            o.decided_on, param("BOND-STAY.board_release_business_days", day)))
        start = min(lapse, max(board, o.decided_at))
    else:
        start = _lapse(o)
    if start is None or start > as_of:
        return None
    due = start + timedelta(hours=param("BOND-STAY.release_hours", day))
    released = _after(s.released_at, o.at)
    moot = released is None and (_gone(s) or o.decision == "sustained")
    return _clock("BOND-RELEASE", start, due, released, moot, as_of)


def _lapse(o: BondOrder) -> datetime:
    """When the automatic stay of ``o`` lapses (8 CFR 1003.6(c)(2), (4))."""
    day = o.issued_on
    appeal_by = end_of_day(add_business_days(
        day, param("BOND-STAY.appeal_business_days", day)))
    if o.appeal_at is None or o.appeal_filed_on is None:
        return appeal_by
    if o.appeal_filed_on > appeal_by.date():
        return appeal_by  # the appeal came too late to keep the stay
    return end_of_day(o.appeal_filed_on + timedelta(days=param("BOND-STAY.lapse_days", day)))


def _after(t: datetime | None, start: datetime) -> datetime | None:
    return t if t is not None and t >= start else None


def _gone(s: CaseState) -> bool:
    return s.custody in ("removed", "with_orr")
