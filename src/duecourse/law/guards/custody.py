"""Custody (issue 15): no case closes over a person in custody, revocation of a post-order
release, the authority for pre-order detention, and the automatic stay of a bond order."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ...domain.case import (
    CUSTODY_AUTHORITIES,
    MANDATORY_AUTHORITIES,
    CaseState,
    normalise_authority,
)
from ...domain.commands import (
    Command,
    DecideBondAppeal,
    DetermineCustody,
    FileBondAppeal,
    FileBondStay,
    Place,
    RecordArrest,
    RecordBondOrder,
    RecordRevocationInterview,
    ReviewCustody,
    RevokeRelease,
)
from ..calendar import add_business_days, court_day
from ..framework import GuardInput, appeal_deadline, guard
from .orders import understood

_HELD = ("arrested", "detained")


@guard(
    "CUSTODY-CLOSE", title="No case closes over a person in custody or an open duty",
    citation="duecourse policy (issue 15); 8 CFR 287.3(d); 8 CFR 241.4",
    protects="a person's custody is always accounted for: their release can still be recorded",
    confidence="K", commands={"close_case"}, effective_from="",
    verified="2026-12-07", source="duecourse (issue 15, item 3)",
)
def close_over_custody(g: GuardInput) -> str | None:
    from ..deadlines import compute_deadlines  # deadlines imports the clock modules

    s = g.state
    if s.custody in _HELD:
        return (f"the person is {s.custody} (since {_when(s.custody_since)}); record their "
                "release, removal or transfer to ORR before the case is closed")
    open_duties = [d for d in compute_deadlines(s, g.at, g.closures)
                   if d.kind == "duty" and d.is_open]
    if open_duties:
        named = ", ".join(f"{d.id} ({d.state}, due {_when(d.due_at)})" for d in open_duties)
        return (f"duties on this case are still open: {named}; fulfil them (or record why they "
                "fell away) before the case is closed")
    return None


# -- REVOKE: return to custody after a post-order release ----------------------------------------

# 8 CFR 241.4(l)(1)-(2): the grounds for revoking a release under 241.4; 241.13(i): a release
# after a Zadvydas finding is revoked only for a violation of its conditions or when, on changed
# circumstances, removal has become significantly likely.
_GROUNDS_241_4 = ("violated_conditions", "purposes_served", "enforce_removal",
                  "changed_circumstances")
_GROUNDS_241_13 = ("violated_conditions", "likelihood_of_removal")


def post_order_release(g: GuardInput) -> str:
    """Under which rule the person is at liberty after a final order: "241.13" (released on a
    Zadvydas finding), "241.4" (any other release on or after the order became final), or "" when
    they are not released or were released before the order became final."""
    return release_rule(g.state, g.appeal_deadline)


def release_rule(s: CaseState, deadline: datetime | None) -> str:
    """``post_order_release`` of the case ``s`` (``deadline``: its APP-30 deadline)."""
    if s.custody != "released" or s.released_at is None:
        return ""
    final = s.final_at(deadline)
    if final is None or final > s.released_at:
        return ""
    findings = [(r.at, r.kind) for r in s.reviews
                if r.finding == "release" and final <= r.at <= s.released_at]
    return "241.13" if findings and max(findings)[1] == "zadvydas" else "241.4"


def returns_to_custody(cmd: Command) -> bool:
    """The commands that take or hold a person in custody on a case: an arrest, a decision to
    detain (or to hold on bond), a placement. After a post-order release on another case of the
    same person each of them is refused there (REVOKE): the handler looks up those cases."""
    return isinstance(cmd, RecordArrest | Place) or (
        isinstance(cmd, DetermineCustody) and cmd.decision in ("detain", "bond"))


def released_elsewhere(g: GuardInput) -> str | None:
    """A post-order release on another case of the same person (same A-number, or the same names
    and birth date), not revoked, in effect at the command's time: that release is revoked on
    its own case; a second case does not sidestep it."""
    for case_id, other in sorted(g.released_elsewhere.items()):
        rule = release_rule(other, appeal_deadline(other, g.closures))
        if not rule or other.released_at is None or other.released_at > g.at:
            continue
        closed = (f" (that case is closed: {other.close_reason}; the revocation is recorded on "
                  "it, not on a new case)" if other.status == "closed" else "")
        return (f"the person was released on {_when(other.released_at)} after a final order on "
                f"their case {case_id} (8 CFR {rule}) and that release was not revoked; a return "
                f"to custody on any case is a revocation of that release: revoke_release on case "
                f"{case_id}, with its grounds and notice{closed}")
    return None


@guard(
    "REVOKE", title="A post-order release is revoked, with its grounds, notice and interview",
    citation="8 CFR 241.4(l); 8 CFR 241.13(i)",
    protects="a person released after an order returns to custody only on stated grounds, is "
             "told why and is heard promptly",
    confidence="V", commands={"revoke_release", "record_arrest", "record_revocation_interview",
                              "determine_custody", "place"},
    effective_from="1999-02-03", verified="2026-12-07", source="LAW.md B3 (POCR)",
)
def revoke(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    if returns_to_custody(cmd):
        rule = post_order_release(g) if isinstance(cmd, RecordArrest) else ""
        if rule:
            return (f"the person was released on {_when(s.released_at)} after a final order "
                    f"(8 CFR {rule}); a return to custody is a revocation of that release "
                    "(revoke_release, with its grounds and notice), not a new arrest")
        return released_elsewhere(g)
    if isinstance(cmd, RevokeRelease):
        rule = post_order_release(g)
        if not rule:
            return ("revocation of release (8 CFR 241.4(l), 241.13(i)) applies to a person "
                    "released after a final order of removal; this person is "
                    f"{s.custody}" + ("" if s.custody != "released"
                                     else " on a release made before the order became final"))
        allowed = _GROUNDS_241_13 if rule == "241.13" else _GROUNDS_241_4
        if cmd.grounds not in allowed:
            return (f"the person was released on a finding that removal is not significantly "
                    f"likely (8 CFR {rule}); that release is revoked only for "
                    f"{' or '.join(allowed)}, not {cmd.grounds}" if rule == "241.13" else
                    f"a release under 8 CFR 241.4 is not revoked on the ground "
                    f"{cmd.grounds} (that is for a release under 241.13); grounds: "
                    f"{', '.join(allowed)}")
        return understood(s, cmd.notice_language, cmd.notice_interpreter,
                          "notice of the reasons for revocation")
    if isinstance(cmd, RecordRevocationInterview):
        if s.revoked_at is None or s.custody not in _HELD:
            return "there is no revocation of release awaiting its interview"
        if s.revocation_interview_at is not None:
            return (f"the interview after the revocation of {_when(s.revoked_at)} was recorded on "
                    f"{_when(s.revocation_interview_at)}")
        return understood(s, cmd.language, cmd.interpreter, "revocation interview")
    return None


# -- PRE-ORDER: the authority for detention before an order --------------------------------------


@guard(
    "PRE-ORDER", title="Custody under a named authority; mandatory detention signed off by counsel",
    citation="INA 235(b), 236(a), 236(c), 241(a) (8 U.S.C. 1225(b), 1226, 1231(a)); Jennings v. "
             "Rodriguez, 583 U.S. 281 (2018); Matter of Yajure Hurtado, 29 I&N Dec. 216 (BIA "
             "2025)",
    protects="every detention names the statute that allows it, and a detention that allows no "
             "bond is checked by an agency attorney",
    confidence="V/C", commands={"determine_custody", "review_custody"},
    effective_from="1997-04-01", verified="2026-12-07", source="LAW.md B3",
)
def pre_order(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    final = s.is_final(g.at, g.appeal_deadline)
    if isinstance(cmd, ReviewCustody) and cmd.kind == "prolonged" and final:
        return ("a prolonged-detention review is made before a final order; after it the "
                "post-order reviews apply (POCR, ZAD-180)")
    if not isinstance(cmd, DetermineCustody):
        return None
    if cmd.bond_amount is not None and cmd.bond_amount <= 0:
        return f"a bond amount is a positive number of dollars, not {cmd.bond_amount}"
    authority = normalise_authority(cmd.authority)
    if not authority:
        return (f"the custody authority '{cmd.authority.strip()}' is not one of "
                f"{', '.join(CUSTODY_AUTHORITIES)} (INA sections; name the one that applies)")
    if authority == "241(a)" and not (s.order_is_removal and final):
        has = ("no order" if s.order is None else
               "no order of removal" if not s.order_is_removal else
               "an order of removal that is not final")
        return ("INA 241(a) (8 U.S.C. 1231(a)) is custody in the removal period, which begins "
                "only with a final order of removal (INA 241(a)(1)(B)); this case has "
                f"{has}: before it, name the authority that applies (235(b)(1), 235(b)(2)(A), "
                "236(a) or 236(c))")
    if authority in MANDATORY_AUTHORITIES and cmd.decision in ("detain", "bond"):
        who = cmd.opla_signoff.strip()
        if not who:
            return (f"detention under INA {authority} allows no bond hearing: it needs the "
                    "sign-off of an agency attorney (opla_signoff)")
        if g.role_of(who) != "counsel" or who == g.actor.id:
            return (f"the sign-off for detention under INA {authority} is by an agency attorney "
                    f"(counsel); '{who}' is not one")
    return None


# -- BOND-STAY: the automatic stay of an immigration judge's release order -------------------------


@guard(
    "BOND-STAY", title="DHS's automatic stay of a bond order: only in time, only where it lies",
    citation="8 CFR 1003.19(i)(2); 8 CFR 1003.6(c)-(d); 8 CFR 1236.1(d)(1)",
    protects="an immigration judge's release order is held up only within the regulation's "
             "limits, and a lapsed stay leads to release",
    confidence="V/C", commands={"record_bond_order", "file_bond_stay", "file_bond_appeal",
                              "decide_bond_appeal"},
    effective_from="2006-11-01", verified="2026-12-07", source="LAW.md B3",
)
def bond_stay(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    last = s.bond_orders[-1] if s.bond_orders else None
    if isinstance(cmd, RecordBondOrder):
        if s.custody not in _HELD:
            return "a custody redetermination is for a person in DHS custody; this person is " \
                   f"{s.custody}"
        if s.is_final(g.at, g.appeal_deadline):
            return ("an immigration judge redetermines custody only before the order of removal "
                    "becomes final (8 CFR 1236.1(d)(1)); this order is final")
        if s.custody_determined_at is None:
            return "a custody redetermination follows DHS's own custody determination; none is recorded"
        if cmd.outcome == "release_on_bond" and (cmd.bond_amount or 0) <= 0:
            return "a release on bond needs the bond amount the judge set (a positive number)"
        if cmd.outcome != "release_on_bond" and cmd.bond_amount:
            return f"an order '{cmd.outcome}' sets no bond; leave bond_amount out"
        return _dated(cmd.issued_on, g, cmd.issued_by, "order")
    if isinstance(cmd, FileBondStay):
        if last is None or not last.releases:
            return "there is no immigration judge's order releasing the person to stay"
        if last.stay_at is not None:
            return f"the order {last.reference} is already stayed (EOIR-43 filed {last.stay_filed_on})"
        if s.custody not in _HELD:
            return "the person is no longer in custody: there is no release left to stay"
        floor = g.param("BOND-STAY.min_bond")
        if last.dhs_decision != "detain" and not (
                last.dhs_decision == "bond" and (last.dhs_bond or 0) >= floor):
            dhs = (f"set a bond of ${last.dhs_bond:,}" if last.dhs_decision == "bond"
                   else f"decided '{last.dhs_decision or 'nothing'}'")
            return (f"the automatic stay lies only where DHS determined no release or set a bond "
                    f"of ${floor:,} or more; DHS {dhs}")
        n = g.param("BOND-STAY.file_business_days")
        last_day = add_business_days(last.issued_on, n)
        if cmd.filed_on < last.issued_on or cmd.filed_on > last_day:
            return (f"the EOIR-43 was filed on {cmd.filed_on}; it stays the order of "
                    f"{last.issued_on} only if filed by {last_day} ({n} business day)")
        return _dated(cmd.filed_on, g, last.issued_by, "EOIR-43")
    if isinstance(cmd, FileBondAppeal):
        if last is None:
            return "there is no custody redetermination to appeal"
        if last.appeal_at is not None:
            return f"DHS's appeal of {last.reference} was filed on {last.appeal_filed_on}"
        if cmd.filed_on < last.issued_on:
            return f"the appeal ({cmd.filed_on}) is dated before the order ({last.issued_on})"
        return _dated(cmd.filed_on, g, last.issued_by, "appeal")
    if isinstance(cmd, DecideBondAppeal):
        if last is None or last.appeal_at is None or last.decision:
            return "there is no pending appeal of a custody redetermination"
        if last.appeal_filed_on is not None and cmd.issued_on < last.appeal_filed_on:
            return f"the decision ({cmd.issued_on}) is dated before the appeal ({last.appeal_filed_on})"
        return _dated(cmd.issued_on, g, "", "decision")
    return None


def _dated(day: date, g: GuardInput, court: str, what: str) -> str | None:
    """A document's date is not after today where it was issued (at its court; for the Board or
    an unknown issuer, the latest day anywhere on Earth, UTC+14, so no true date is refused)."""
    try:
        today = court_day(g.at, court) if court else None
    except KeyError:
        today = None
    if today is None:
        today = (g.at + timedelta(hours=14)).date()
    if day > today:
        return f"the {what} is dated {day}, after today ({today}); check the date"
    return None


def _when(t: datetime | None) -> str:
    return t.strftime("%Y-%m-%d %H:%M UTC") if t is not None else "an unknown time"
