"""Post-order detention: removal period, custody reviews, the Zadvydas limit (LAW.md B3)."""

from __future__ import annotations

from ...domain.commands import ReviewCustody
from ..framework import GuardInput, guard


@guard(
    "RP-90", title="The 90-day removal period starts only with a final order",
    citation="INA 241(a)(1)-(2) (8 U.S.C. 1231(a)(1)-(2))",
    protects="post-order detention is counted from the right day",
    confidence="K", commands={"review_custody"}, effective_from="1997-04-01",
)
def removal_period(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    if isinstance(cmd, ReviewCustody) and cmd.kind == "pocr":
        if not s.is_final(g.at, g.appeal_deadline):
            return ("there is no removal period yet (the order is not final); a post-order "
                    "custody review needs a final order")
    return None


@guard(
    "POCR", title="Post-order custody review, then HQ review about 3 months later",
    citation="8 CFR 241.4(h), (k)",
    protects="detention after an order is reviewed on time, by the right level",
    confidence="K", commands={"review_custody"}, effective_from="1999-02-03",
)
def post_order_review(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    if isinstance(cmd, ReviewCustody) and cmd.kind == "hq":
        if not any(r.kind == "pocr" and r.finding == "continue" for r in s.reviews):
            return "an HQ review follows a post-order custody review that continued detention"
    return None


@guard(
    "ZAD-180", title="Past 6 months, detention needs a significant likelihood of removal",
    citation="Zadvydas v. Davis, 533 U.S. 678 (2001); Clark v. Martinez, 543 U.S. 371 (2005); "
             "8 CFR 241.13",
    protects="no indefinite detention when removal is not reasonably foreseeable",
    confidence="V", commands={"review_custody"}, effective_from="2001-06-28",
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
