"""Post-order detention: removal period, custody reviews, the Zadvydas limit (LAW.md B3)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from ...domain.commands import ReviewCustody, ServePocrNotice
from ..framework import GuardInput, guard
from .orders import understood


@guard(
    "RP-90", title="The 90-day removal period starts only with a final order",
    citation="INA 241(a)(1)-(2) (8 U.S.C. 1231(a)(1)-(2))",
    protects="post-order detention is counted from the right day",
    confidence="K", commands={"review_custody"}, effective_from="1997-04-01",
    verified="2026-11-22", source="LAW.md B3",
)
def removal_period(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    if isinstance(cmd, ReviewCustody) and cmd.kind == "pocr":
        if not s.is_final(g.at, g.appeal_deadline):
            return ("there is no removal period yet (the order is not final); a post-order "
                    "custody review needs a final order")
    return None


@guard(
    "POCR", title="Post-order custody review on written notice, then an HQ review by another",
    citation="8 CFR 241.4(h)(2), (k)",
    protects="detention after an order is reviewed on time, on notice the person can answer, "
             "and then by a different, higher reviewer",
    confidence="K", commands={"review_custody", "serve_pocr_notice"},
    effective_from="1999-02-03", verified="2026-12-07", source="LAW.md B3",
)
def post_order_review(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    if isinstance(cmd, ServePocrNotice):
        return _pocr_notice(g, cmd)
    if not isinstance(cmd, ReviewCustody):
        return None
    if cmd.kind == "hq":
        if not any(r.kind == "pocr" and r.finding == "continue" for r in s.reviews):
            return "an HQ review follows a post-order custody review that continued detention"
        field = {rid for r, rid in zip(s.reviews, s.reviewer_ids, strict=False)
                 if r.kind == "pocr"}
        if g.actor.id in field:
            return ("the HQ review is made by a different person than the post-order custody "
                    "review it follows; this reviewer made that review")
    if cmd.kind == "pocr" and cmd.finding == "continue":
        # A "release" finding is never refused; continuing detention needs the notice.
        return _noticed(g)
    return None


def _pocr_notice(g: GuardInput, cmd: ServePocrNotice) -> str | None:
    s = g.state
    if not s.is_final(g.at, g.appeal_deadline):
        return "a notice of the post-order custody review needs a final order of removal"
    if s.custody != "detained":
        return "the person is not detained: there is no post-order custody review to notice"
    n = g.param("POCR.notice_days_before_review")
    # Counted from the latest day it may be where it is served (UTC+14): never fewer than N days.
    served = (g.at.astimezone(UTC) + timedelta(hours=14)).date()
    if cmd.review_on < served + timedelta(days=n):
        return (f"the notice gives the review date {cmd.review_on}, "
                f"{(cmd.review_on - served).days} days after it is served (counting from "
                f"{served}, the latest day it may be where it is served); the person has at "
                f"least {n} days to submit documents (8 CFR 241.4(h)(2))")
    return understood(s, cmd.language, cmd.interpreter, "notice of the custody review")


def _noticed(g: GuardInput) -> str | None:
    """A review continuing detention needs a notice served in this post-order detention (which
    named a day at least N days after its service: see ``_pocr_notice``), and is held no earlier
    than the day the notice named, once that day has begun everywhere (00:00 at UTC-12)."""
    s = g.state
    n = g.param("POCR.notice_days_before_review")
    final = s.final_at(g.appeal_deadline)
    notices = [(at, on) for at, on in s.pocr_notices if final is None or at >= final]
    if not notices:
        return (f"continuing detention needs written notice of the review served at least {n} "
                "days before it (serve_pocr_notice); none was served. A release is not refused")
    if not any(g.at >= _begun(on) for _, on in notices):
        at, on = notices[-1]
        return (f"the notice served {at:%Y-%m-%d} named the review for {on}; continuing "
                "detention before that day has begun everywhere (00:00 at UTC-12) is refused "
                "(a release is not)")
    return None


def _begun(day: date) -> datetime:
    """The moment ``day`` has begun everywhere on Earth (00:00 at UTC-12)."""
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


@guard(
    "ZAD-180", title="Past 6 months, detention needs a significant likelihood of removal",
    citation="Zadvydas v. Davis, 533 U.S. 678 (2001); Clark v. Martinez, 543 U.S. 371 (2005); "
             "8 CFR 241.13",
    protects="no indefinite detention when removal is not reasonably foreseeable",
    confidence="V", commands={"review_custody"}, effective_from="2001-06-28",
    verified="2026-11-22", source="LAW.md B3",
)
def zadvydas(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    if not isinstance(cmd, ReviewCustody) or cmd.kind != "zadvydas":
        return None
    if s.final_at(g.appeal_deadline) is None or not s.is_final(g.at, g.appeal_deadline):
        return "a Zadvydas review is made on a final order of removal"
    if cmd.finding == "continue" and cmd.likelihood_of_removal != "significant":
        return ("continued detention requires a finding of a significant likelihood of removal "
                "in the reasonably foreseeable future; otherwise release")
    return None
