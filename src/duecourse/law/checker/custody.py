"""Custody and post-order detention (issue 15, items 2, 3, 6, 8): REASON, CUSTODY-CLOSE, REVOKE,
POCR, PRE-ORDER, BOND-STAY.

- REASON (duecourse policy; 5 U.S.C. 552a(e)(5)): a custody decision, placement, transfer,
  release, custody review or closing records a reason that says something: not blank, not a stock
  placeholder ("n/a", "see file"), not only its own words ("released" for a release).
- CUSTODY-CLOSE: no case is closed while the person is arrested or detained (a bond decision
  holds the person until the release is recorded).
- REVOKE (8 CFR 241.4(l), 241.13(i)): a person released after a final order is taken back into
  custody only by a revocation of that release (grounds, facts, a reason; by a supervisor), never
  by a bare arrest.
- POCR (8 CFR 241.4(h)(2), (k)): detention is continued at the records review only after written
  notice served, in a language the person understands, at least 30 days before it; the
  headquarters review is made by a supervisor who did not make the POCR review.
- PRE-ORDER: detention under a mandatory authority (INA 235(b)(1), 235(b)(2)(A), 236(c), or their
  8 U.S.C. 1225/1226 forms) carries an agency attorney's sign-off.
- BOND-STAY (8 CFR 1003.19(i)(2)): the EOIR-43 is filed within one business day of the bond
  order, and only where DHS had ordered no release or set a bond of $10,000 or more.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from ...domain.events import Event
from .areas import HELD, Area, Context, local_days
from .days import federal_holidays
from .facts import Facts
from .legal import (
    BOND_STAY_BUSINESS_DAYS,
    BOND_STAY_MIN_BOND,
    MANDATORY_AUTHORITIES,
    POCR_NOTICE_DAYS,
    REASON_KINDS,
    USC_SECTIONS,
)
from .reading import day, only_repeats, says_nothing, text, when
from .report import Flag

_WHAT = {"custody_determined": "the custody decision", "placed": "the placement",
         "transferred": "the transfer", "released": "the release",
         "custody_reviewed": "the custody review", "case_closed": "the closing of the case"}


def authority(value: object) -> str:
    """A custody authority as INA section, whatever the spelling: "INA § 236(c)", "236 (c)",
    "8 U.S.C. 1226(c)", "sec. 235(b)(2)(a)" -> "236(c)", "235(b)(2)(A)"."""
    if not isinstance(value, str):
        return ""
    s = re.sub(r"\s+", "", value).lower()
    s = re.sub(r"^(ina|8u\.?s\.?c\.?|§|sec(tion)?\.?)+", "", s).lstrip("§")
    m = re.match(r"^(\d{3,4})((\([0-9a-z]+\))*)", s)
    if not m:
        return s
    sec = USC_SECTIONS.get(m.group(1), m.group(1))
    parts = re.findall(r"\(([0-9a-z]+)\)", m.group(2))
    # INA style: (b)(2)(A) - the third level is a capital letter
    shown = "".join(f"({p.upper() if n == 2 else p})" for n, p in enumerate(parts))
    return sec + shown


def business_day(d: date) -> bool:
    return d.weekday() < 5 and d not in federal_holidays(d.year)


def business_days_after(d: date, n: int) -> date:
    """The ``n``-th business day after ``d``."""
    while n > 0:
        d += timedelta(days=1)
        if business_day(d):
            n -= 1
    return d


class Custody(Area):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.post_order_release: Event | None = None  # a release after a final order, unrevoked
        self.pocr_reviewers: set[str] = set()
        self.pocr_notices: list[Event] = []
        self.dhs_decision: Event | None = None  # DHS's last custody decision
        self.bond_order: Event | None = None
        self.dhs_decision_at_order: Event | None = None

    def check(self, f: Facts, e: Event, flag: Flag) -> None:
        k = e.kind
        if k in REASON_KINDS and "reason" in e.data:
            reason = e.data.get("reason")
            if not text(e.data, "reason"):
                flag("REASON", e, f"{_WHAT[k]} at {when(e.at)} records no reason")
            elif says_nothing(reason) or only_repeats(reason, k, e.data):
                flag("REASON", e, f"{_WHAT[k]} at {when(e.at)} records no reason: "
                                  f"'{text(e.data, 'reason')[:60]}' says nothing of why")
        if k == "case_closed" and f.custody in HELD:
            flag("CUSTODY-CLOSE", e, f"the case was closed while the person was {f.custody}: "
                                     "release, removal or transfer to ORR come first")
        elif k == "arrest_recorded" and self._still_post_order(f) is not None:
            r = self.post_order_release
            assert r is not None
            flag("REVOKE", e, f"the person, released after a final order (event {r.seq}, "
                              f"{when(r.at)}), was arrested again with no revocation of that "
                              "release (8 CFR 241.4(l), 241.13(i))")
        elif k == "release_revoked":
            self._revocation(e, flag)
        elif k == "custody_reviewed":
            self._review(e, flag)
        elif k == "custody_determined":
            self._pre_order(e, flag)
        elif k == "bond_stay_filed":
            self._bond_stay(e, flag)

    def _still_post_order(self, f: Facts) -> Event | None:
        """The unrevoked post-order release, if the order it followed still stands and was
        final when the person was released: an order rescinded since (a motion to reopen
        granted) puts the person back before the court, where custody is decided afresh."""
        r, o = self.post_order_release, f.order
        if r is None or o is None or not o.is_removal:
            return None
        final = o.final_at()
        return r if final is not None and final <= r.at else None

    def _revocation(self, e: Event, flag: Flag) -> None:
        missing = [w for key, w in (("grounds", "its grounds"), ("facts", "the facts"),
                                    ("reason", "a reason")) if not text(e.data, key)]
        if missing:
            flag("REVOKE", e, "the release was revoked without " + " and ".join(missing))
        if e.actor_role != "supervisor":
            flag("REVOKE", e, f"the release was revoked by a {e.actor_role}, not a supervisor")

    def _review(self, e: Event, flag: Flag) -> None:
        kind, finding = text(e.data, "kind").lower(), text(e.data, "finding").lower()
        if kind == "hq":
            if e.actor_id in self.pocr_reviewers:
                flag("POCR", e, f"the headquarters review was made by {e.actor_id}, who made the "
                                "POCR review it reviews (8 CFR 241.4(k)(2))")
            if e.actor_role != "supervisor":
                flag("POCR", e, f"the headquarters review was made by a {e.actor_role}, not a "
                                "supervisor")
        if kind == "pocr" and finding == "continue" and not self._noticed(e.at):
            flag("POCR", e, f"detention was continued at the POCR review of {when(e.at)} without "
                            f"written notice served at least {POCR_NOTICE_DAYS} days before it in "
                            "a language the person understands (8 CFR 241.4(h)(2))")

    def _noticed(self, review: datetime) -> bool:
        """A notice served at least POCR_NOTICE_DAYS calendar days before ``review``, counted on
        the days most favourable to the record (the gap is the same in every zone, to a day)."""
        shifts = [timedelta(hours=h) for h in range(-12, 15)]
        return any(((review + s).date() - (n.at + s).date()).days >= POCR_NOTICE_DAYS
                   for n in self.pocr_notices for s in shifts)

    def _pre_order(self, e: Event, flag: Flag) -> None:
        if text(e.data, "decision") != "detain":
            return
        auth = authority(e.data.get("authority"))
        if auth not in MANDATORY_AUTHORITIES:
            return
        why = self.ctx.unapproved(e, "opla_signoff", "counsel", "signed off")
        if why:
            flag("PRE-ORDER", e, f"the person was detained under INA {auth}, a mandatory "
                                 f"authority, but {why}: an agency attorney's sign-off is "
                                 "needed")

    def _bond_stay(self, e: Event, flag: Flag) -> None:
        order = self.bond_order
        if order is None:
            flag("BOND-STAY", e, "an automatic stay (EOIR-43) was filed with no bond order to stay")
            return
        ordered = day(order.data.get("issued_on")) or local_days(order.at)[0]
        filed = day(e.data.get("filed_on")) or local_days(e.at)[0]
        last = business_days_after(ordered, BOND_STAY_BUSINESS_DAYS)
        if filed > last:
            flag("BOND-STAY", e, f"the automatic stay (EOIR-43) was filed on {filed}, after "
                                 f"{last}, one business day after the bond order of {ordered} "
                                 "(8 CFR 1003.19(i)(2))")
        dhs = self.dhs_decision_at_order
        amount = dhs.data.get("bond_amount") if dhs is not None else None
        if dhs is None or not (
                text(dhs.data, "decision") == "detain"
                or (text(dhs.data, "decision") == "bond" and isinstance(amount, int)
                    and amount >= BOND_STAY_MIN_BOND)):
            had = ("no custody decision" if dhs is None
                   else f"a custody decision of '{text(dhs.data, 'decision')}'"
                   + (f" with a bond of ${amount}" if amount else ""))
            flag("BOND-STAY", e, f"the automatic stay (EOIR-43) was filed where DHS had made "
                                 f"{had}: it stays only where DHS ordered no release or set a bond "
                                 f"of ${BOND_STAY_MIN_BOND:,} or more (8 CFR 1003.19(i)(2))")

    def apply(self, f: Facts, e: Event) -> None:
        k = e.kind
        released = (k == "released" or (
            k == "custody_determined" and text(e.data, "decision") not in ("detain", "bond")))
        if released and f.custody == "released":
            o = f.order
            if o is not None and o.is_removal and o.is_final(e.at):
                self.post_order_release = e
        elif k in ("release_revoked", "arrest_recorded"):
            self.post_order_release = None
        if k == "custody_reviewed" and text(e.data, "kind").lower() == "pocr":
            self.pocr_reviewers.add(e.actor_id)
        elif k == "pocr_notice_served" and f.understood(e.data) is not False:
            self.pocr_notices.append(e)
        elif k == "custody_determined":
            self.dhs_decision = e
        elif k == "bond_order_recorded":
            self.bond_order, self.dhs_decision_at_order = e, self.dhs_decision
