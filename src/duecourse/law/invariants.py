"""An independent, after-the-fact check of a case's whole history against the law (LAW.md).

The guards decide, before an action, whether it may happen. This module asks afterwards, from the
recorded events alone, whether anything happened that the law forbids. It is written from the
rules, not from the guards: it imports neither ``law.guards``, ``law.rules``, ``law.deadlines``
nor the case fold, and re-derives every fact it needs (finality, the appeal window, stays,
custody, citizenship review, clocks) from the raw event kinds and their data. Two independent
readings of the same rule that disagree are a bug in one of them; the property tests drive random
command sequences through the real handlers and require this checker to find nothing.

What it reports, each as a ``Violation`` naming a LAW.md rule id:

- STAY-AUTO: removal scheduled or recorded during the 30-day appeal window (8 CFR 1003.38: end of
  the 30th calendar day, moved to the next business day, end of day UTC) of an order whose appeal
  was not waived, while a timely appeal is pending, or while an administrative stay is in effect;
- STAY-JUD: removal scheduled or recorded while a court's stay is in effect;
- FINAL: a warrant of removal, or a removal scheduled or recorded, without an administratively
  final removal order (in absentia: final at once; appeal waived: at the waiver; timely appeal
  dismissed: at the decision; no timely appeal: at the end of the window; voluntary departure:
  also not before the end of the departure deadline) (8 CFR 1241.1);
- I205: a warrant of removal signed by anyone but a supervisory officer, or a removal scheduled or
  recorded without a warrant issued on the order in force (8 CFR 241.2);
- PROT-CTRY: removal scheduled or recorded to a country the order protects the person from;
- TRAVEL-DOC and MED: removal scheduled or recorded without a travel document for the destination,
  or without a medical clearance, valid on the day of departure (the scheduled day, or the day
  the removal is recorded); MED also: a transfer without a medical clearance valid that day;
- USC: an adverse action (arrest warrant, arrest, a detain or bond decision, placement, transfer,
  NTA issue or service, hearing scheduling, removal warrant, removal scheduling or recording)
  while a citizenship claim is open or after a finding of citizenship (ICE Directive 16001.2);
- ARR-1: an I-200 signed by a non-supervisor or by the officer who requested it, or outside the
  proceedings (before an NTA or after they are complete); an arrest "on a warrant" with no warrant
  to serve (an unserved I-200, or a warrant of removal on a final order);
- ARR-2: a warrantless arrest without both the reason to believe and the likelihood of escape;
- UAC-72: an unaccompanied child placed or transferred into a facility other than ORR's;
- NTA-1: a Notice to Appear lacking any of items (A)-(G) of INA 239(a)(1), or whose hearing is not
  a concrete time in the future;
- APP-30: an appeal filed after a waiver or from an in-absentia order;
- ZAD-180: detention continued at a Zadvydas review without a significant likelihood of removal;
- LIFECYCLE: a history that does not begin with the case being opened, an event after the case
  was closed, an action after the person was removed; a case closed while a duty is outstanding
  (a person held after an arrest with no custody decision — CUS-48; a flagged child HHS was never
  told of — UAC-48; an unaccompanied child still in DHS custody — UAC-72; those carry the clock's
  id);
- ROLE: any event written by a role that may never write case facts (oversight, admin) or by an
  unknown role;
- ID-1: an arrest warrant, arrest, detain or bond decision, NTA issue or service, removal warrant,
  removal scheduling or recording while the person's link to the agency's records awaited review
  (recorded as ``review`` when the case was opened, and neither confirmed since); an identity link
  confirmed or rejected by anyone but a supervisory officer, by the one who proposed it, or with no
  proposal to decide. A link to a record whose person indicates U.S. birth or citizenship
  (automatic, or confirmed) opens a citizenship review for USC, like a claim.

Deadlines (CUS-48, UAC-48, UAC-72). duecourse never refuses the late action that fulfils a clock —
refusing a late custody decision or a late transfer of a child would only prolong the harm
(LAW.md; docs/decisions/0002-late-actions.md). The software's duty instead is to record the miss
and escalate it. So a fulfilment after the clock ran out is a violation unless EITHER the
fulfilling event carries an approved exception (the exception, its reason and an approver other
than the actor; only CUS-48 and UAC-72 allow one) OR a ``deadline_missed`` event for that clock
follows it in the history (before the clock starts again): the breach by people is reported, never
hidden. A clock that is still running, or overdue and unfulfilled, is not a violation of the
history; it is shown on the case's deadlines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..domain.events import DEADLINE_MISSED, Event
from .calendar import end_of_day, next_business_day_if_needed
from .params import param

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["ADVERSE_KINDS", "Violation", "check_history", "check_store"]


@dataclass(frozen=True)
class Violation:
    """One thing in a case's history that the law forbids."""

    rule: str  # LAW.md id
    event_seq: int  # the event that breaks the rule (0 if the history as a whole)
    case_id: str
    what: str  # a plain sentence

    def __str__(self) -> str:
        return f"{self.case_id} #{self.event_seq} [{self.rule}] {self.what}"


# Event kinds that are enforcement against the person (ICE Directive 16001.2). A custody decision
# is adverse only when it keeps the person in custody (detain) or conditions release on a bond.
ADVERSE_KINDS: frozenset[str] = frozenset({
    "arrest_warrant_issued", "arrest_recorded", "custody_determined", "placed", "transferred",
    "nta_issued", "nta_served", "hearing_scheduled", "removal_warrant_issued",
    "removal_scheduled", "removal_recorded",
})
_ADVERSE_CUSTODY = frozenset({"detain", "bond"})
_REMOVAL_KINDS = frozenset({"removal_scheduled", "removal_recorded"})
_REMOVAL_OUTCOMES = frozenset({"removal", "voluntary_departure"})
_KNOWN_ROLES = frozenset({
    "officer", "supervisor", "counsel", "detention", "transport", "oversight", "attorney", "admin",
})
_NEVER_WRITE = frozenset({"oversight", "admin"})
# ICE Directive 16001.2; GAO-21-487: what must wait for an uncertain identity link to be decided.
_ID1_KINDS = frozenset({
    "arrest_warrant_issued", "arrest_recorded", "custody_determined", "nta_issued", "nta_served",
    "removal_warrant_issued", "removal_scheduled", "removal_recorded",
})
_HELD = frozenset({"arrested", "detained"})

Flag = Callable[[str, Event, str], None]


# ---------------------------------------------------------------------------------------------
# Reading raw event data


def _dt(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(
        str(value).replace("Z", "+00:00"))
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _text(d: dict[str, Any], key: str) -> str:
    v = d.get(key)
    return v.strip() if isinstance(v, str) else ""


def _items(d: dict[str, Any], key: str) -> list[str]:
    v = d.get(key)
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list | tuple):
        return []
    return [str(x).strip() for x in v if str(x).strip()]


def _when(t: datetime) -> str:
    return f"{t:%Y-%m-%d %H:%M} UTC"


# ---------------------------------------------------------------------------------------------
# The order in force and its finality, re-derived from the regulations


@dataclass
class _Order:
    seq: int
    at: datetime
    outcome: str
    in_absentia: bool
    protected: frozenset[str]
    vd_deadline: date | None
    window_end: datetime | None  # end of the appeal window (None for an in-absentia order)
    waived_at: datetime | None = None
    appeal_at: datetime | None = None
    appeal_timely: bool = False
    decided_at: datetime | None = None
    decision: str = ""
    sustained: bool = False

    @property
    def is_removal(self) -> bool:
        return self.outcome in _REMOVAL_OUTCOMES and not self.sustained

    def final_at(self) -> datetime | None:
        """8 CFR 1241.1: when this order became administratively final, or None."""
        if not self.is_removal:
            return None
        if self.in_absentia:
            at: datetime | None = self.at
        elif self.waived_at is not None:
            at = self.waived_at
        elif self.appeal_at is not None and self.appeal_timely:
            at = self.decided_at if self.decision == "dismissed" else None
        else:
            at = self.window_end
        if at is not None and self.outcome == "voluntary_departure" and self.vd_deadline:
            at = max(at, end_of_day(self.vd_deadline))
        return at

    def is_final(self, t: datetime) -> bool:
        f = self.final_at()
        return f is not None and f <= t

    def automatic_stay(self, t: datetime) -> str:
        """8 CFR 1003.6(a): why the order may not be executed at ``t``, or ''."""
        if not self.is_removal or self.in_absentia or self.waived_at is not None:
            return ""
        if self.appeal_at is not None and self.appeal_timely and self.decided_at is None:
            return "a timely appeal is pending before the BIA"
        if self.appeal_at is None and self.window_end is not None and t <= self.window_end:
            return f"the appeal window is open until {_when(self.window_end)}"
        return ""


def appeal_window_end(decided_at: datetime) -> datetime:
    """8 CFR 1003.38(b)-(c): end of the 30th calendar day after the decision, or of the next
    business day when that day is a Saturday, Sunday or federal holiday (UTC)."""
    n = int(param("APP-30.calendar_days", decided_at.date()))
    return end_of_day(next_business_day_if_needed(decided_at.date() + timedelta(days=n)))


# ---------------------------------------------------------------------------------------------
# The facts of one case so far


@dataclass
class _Facts:
    case_id: str
    opened: bool = False
    closed_seq: int = 0
    removed_seq: int = 0
    custody: str = "at_large"
    claim_open: bool = False
    citizen_found_seq: int = 0
    nta_issued: bool = False
    order: _Order | None = None
    unserved_warrants: int = 0
    removal_warrant_seq: int = 0  # the removal warrant issued on the order in force
    stays: dict[str, tuple[datetime, datetime | None]] = field(default_factory=dict)
    arrested_seq: int = 0  # the last arrest
    decided_since_arrest: bool = False
    minor_flagged: bool = False
    hhs_notified: bool = False
    unaccompanied: bool = False
    travel_documents: dict[str, date] = field(default_factory=dict)  # country -> latest validity
    nationalities: frozenset[str] = frozenset()
    designated: str = ""  # the country the order in force designates
    notices: dict[str, datetime] = field(default_factory=dict)  # third country -> notice served
    fear: dict[str, str] = field(default_factory=dict)  # country -> pending, or the outcome
    medical_until: date | None = None
    identity_pending: bool = False  # the person's link awaits review (ID-1)
    identity_proposed_by: str = ""  # who proposed the link now awaiting a decision
    identity_proposed_us: bool = False  # the proposed record's person indicates U.S. citizenship

    def active_stays(self, t: datetime) -> list[str]:
        return sorted(k for k, (start, until) in self.stays.items()
                      if start <= t and (until is None or until > t))


def _violations_of(events: Sequence[Event]) -> list[Violation]:
    evs = sorted(events, key=lambda e: e.seq)
    case_id = evs[0].case_id if evs else ""
    f = _Facts(case_id)
    out: list[Violation] = []

    def flag(rule: str, e: Event, what: str) -> None:
        out.append(Violation(rule, e.seq, case_id, what))

    for e in evs:
        _check_event(f, e, flag)
        _apply(f, e)
    out.extend(_check_clocks(case_id, evs))
    out.sort(key=lambda v: v.event_seq)
    return out


def _check_event(f: _Facts, e: Event, flag: Flag) -> None:
    k, d, t = e.kind, e.data, e.at

    # -- the case's lifecycle and who may write ---------------------------------------------
    if not f.opened and k != "case_opened":
        flag("LIFECYCLE", e, f"'{k}' was recorded on a case that was never opened")
    if f.opened and k == "case_opened":
        flag("LIFECYCLE", e, "the case was opened a second time")
    if f.closed_seq:
        flag("LIFECYCLE", e, f"'{k}' was recorded after the case was closed (event {f.closed_seq})")
    elif f.removed_seq and k not in ("case_closed", DEADLINE_MISSED):
        flag("LIFECYCLE", e, f"'{k}' was recorded after the person was removed "
                             f"(event {f.removed_seq})")
    if e.actor_role in _NEVER_WRITE:
        flag("ROLE", e, f"'{k}' was written by {e.actor_id}, whose role '{e.actor_role}' may "
                        "never write case facts")
    elif e.actor_role not in _KNOWN_ROLES:
        flag("ROLE", e, f"'{k}' was written by {e.actor_id} in an unknown role '{e.actor_role}'")

    # -- no enforcement against a citizen or during a citizenship review ----------------------
    adverse = k in ADVERSE_KINDS and not (
        k == "custody_determined" and d.get("decision") not in _ADVERSE_CUSTODY)
    if adverse:
        if f.citizen_found_seq:
            flag("USC", e, f"'{k}' was recorded against a person found to be a U.S. citizen "
                           f"(event {f.citizen_found_seq})")
        elif f.claim_open:
            flag("USC", e, f"'{k}' was recorded while a claim to U.S. citizenship was unresolved")

    # -- no enforcement on an uncertain identity (ID-1) ----------------------------------------
    if f.identity_pending and k in _ID1_KINDS and not (
            k == "custody_determined" and d.get("decision") not in _ADVERSE_CUSTODY):
        flag("ID-1", e, f"'{k}' was recorded while the person's link to the agency's records "
                        "awaited review")
    if k in ("identity_link_confirmed", "identity_link_rejected"):
        if not f.identity_proposed_by:
            flag("ID-1", e, f"'{k}' was recorded with no proposed link to decide")
        elif f.identity_proposed_by == e.actor_id:
            flag("ID-1", e, f"the link was decided ({k}) by {e.actor_id}, who proposed it")
        if e.actor_role != "supervisor":
            flag("ID-1", e, f"the link was decided ({k}) by a {e.actor_role}, not a supervisory "
                            "officer")

    # -- arrest ---------------------------------------------------------------------------
    if k == "arrest_warrant_issued":
        if e.actor_role != "supervisor":
            flag("ARR-1", e, f"the I-200 was signed by a {e.actor_role}, not a supervisory officer")
        if _text(d, "requested_by") in ("", e.actor_id):
            flag("ARR-1", e, "the I-200 was signed by the officer who requested it "
                             "(or names no requester)")
        o = f.order
        complete = o is not None and (o.sustained or o.outcome in ("relief", "terminated")
                                      or o.is_final(t))
        if not f.nta_issued or complete:
            flag("ARR-1", e, "the I-200 was issued outside removal proceedings (before a Notice "
                             "to Appear, or after the proceedings were complete)")
    if k == "arrest_recorded":
        if d.get("basis") == "warrantless":
            missing = [what for key, what in (
                ("reason_to_believe", "the reason to believe the person is removable"),
                ("likely_to_escape", "the likelihood of escape before a warrant could be had"),
            ) if not _text(d, key)]
            if missing:
                flag("ARR-2", e, "a warrantless arrest was recorded without "
                                 + " and ".join(missing))
        elif d.get("basis") == "warrant":
            # An I-205 on a final order also commands the arrest (8 CFR 241.2(b)).
            on_i205 = f.removal_warrant_seq and f.order is not None and f.order.is_final(t)
            if f.unserved_warrants < 1 and not on_i205:
                flag("ARR-1", e, "an arrest on a warrant was recorded with no unserved I-200 and "
                                 "no warrant of removal on a final order")
        else:
            flag("ARR-2", e, f"an arrest was recorded with no lawful basis ({d.get('basis')!r})")

    # -- children ----------------------------------------------------------------------------
    if k == "transferred" and (f.medical_until is None
                               or f.medical_until < t.astimezone(UTC).date()):
        flag("MED", e, f"transferred on {t.astimezone(UTC).date()} without a medical clearance "
                       "valid that day")
    if k in ("placed", "transferred") and f.unaccompanied:
        ftype = d.get("facility_type") or "adult"
        if ftype != "orr":
            flag("UAC-72", e, f"an unaccompanied child was put in a {ftype} facility "
                              f"({d.get('facility', '?')}), not with ORR")

    # -- the Notice to Appear ----------------------------------------------------------------
    if k == "nta_issued":
        _check_nta(e, flag)

    # -- appeals and custody reviews -------------------------------------------------------------
    if k == "appeal_filed" and f.order is not None:
        if f.order.waived_at is not None:
            flag("APP-30", e, "an appeal was filed after appeal was waived")
        if f.order.in_absentia:
            flag("APP-30", e, "an appeal was filed from an in-absentia order")
    if k == "custody_reviewed" and d.get("kind") == "zadvydas" and d.get("finding") == "continue":
        if d.get("likelihood_of_removal") != "significant":
            flag("ZAD-180", e, "detention was continued at a Zadvydas review without a finding of "
                               "a significant likelihood of removal")

    # -- removal -----------------------------------------------------------------------------
    if k == "removal_warrant_issued":
        if e.actor_role != "supervisor":
            flag("I205", e, f"the warrant of removal was signed by a {e.actor_role}, not an "
                            "official listed in 8 CFR 241.2")
        if f.order is None or not f.order.is_final(t):
            flag("FINAL", e, "a warrant of removal was issued without an administratively final "
                             "removal order")
    if k in _REMOVAL_KINDS:
        _check_removal(f, e, flag)

    # -- closing with a duty outstanding -----------------------------------------------------
    if k == "case_closed":
        if f.custody in _HELD and f.arrested_seq and not f.decided_since_arrest:
            flag("CUS-48", e, "the case was closed while the person was held after an arrest "
                              f"(event {f.arrested_seq}) with no custody decision")
        if f.minor_flagged and not f.hhs_notified:
            flag("UAC-48", e, "the case was closed without HHS being told of the child")
        if f.unaccompanied and f.custody in _HELD:
            flag("UAC-72", e, "the case was closed while an unaccompanied child was in DHS custody")


def _check_nta(e: Event, flag: Flag) -> None:
    d = e.data
    missing = []
    if not _text(d, "nature_of_proceedings"):
        missing.append("(A) the nature of the proceedings")
    if not _text(d, "legal_authority"):
        missing.append("(B) the legal authority")
    if not _items(d, "allegations"):
        missing.append("(C) the acts or conduct alleged")
    if not _items(d, "charges"):
        missing.append("(D) the charges")
    if d.get("counsel_advisal") is not True or not d.get("counsel_list_date"):
        missing.append("(E) the right to counsel and the list of counsel")
    if d.get("address_advisal") is not True:
        missing.append("(F) the duty to give an address")
    if d.get("failure_to_appear_advisal") is not True or not _text(d, "court"):
        missing.append("(G) the place and the consequences of failing to appear")
    if missing:
        flag("NTA-1", e, "the Notice to Appear lacks " + "; ".join(missing))
    try:
        hearing = _dt(d.get("hearing_at"))
    except ValueError:
        hearing = None
    if hearing is None or hearing <= e.at:
        flag("NTA-1", e, "the Notice to Appear gives no hearing time in the future (G)")


def _check_removal(f: _Facts, e: Event, flag: Flag) -> None:
    t, o = e.at, f.order
    what = "removal was scheduled" if e.kind == "removal_scheduled" else "the person was removed"
    dest = _text(e.data, "destination").upper()
    if o is None or not o.is_removal:
        flag("FINAL", e, f"{what} with no removal order in force")
    else:
        why = o.automatic_stay(t)
        if why:
            flag("STAY-AUTO", e, f"{what} while {why} (8 CFR 1003.6)")
        if not o.is_final(t):
            flag("FINAL", e, f"{what} before the removal order was administratively final")
        if dest in o.protected:
            flag("PROT-CTRY", e, f"{what} to {dest}, a country the order protects the person from")
        if not f.removal_warrant_seq:
            flag("I205", e, f"{what} without a warrant of removal issued on the order in force")
    _check_fit_to_travel(f, e, what, dest, flag)
    _check_third_country(f, e, what, dest, flag)
    stays = f.active_stays(t)
    if "judicial" in stays:
        flag("STAY-JUD", e, f"{what} while a court's stay of removal was in effect")
    admin = [s for s in stays if s != "judicial"]
    if admin:
        flag("STAY-AUTO", e, f"{what} while a stay of removal was in effect ({', '.join(admin)})")


def _check_third_country(f: _Facts, e: Event, what: str, dest: str, flag: Flag) -> None:
    if not dest or dest in f.nationalities or dest == f.designated:
        return
    leaves = (_dt(e.data.get("depart_at")) if e.kind == "removal_scheduled" else None) or e.at
    served = f.notices.get(dest)
    hours = int(param("3RD-CTRY.min_notice_hours", leaves.astimezone(UTC).date()))
    if served is None:
        flag("3RD-CTRY", e, f"{what} to {dest}, a third country, with no written notice served")
    elif leaves < served + timedelta(hours=hours):
        flag("3RD-CTRY", e, f"{what} to {dest} less than {hours} hours after the notice")
    if f.fear.get(dest) in ("pending", "fear_established"):
        flag("3RD-CTRY", e, f"{what} to {dest} while a claim to fear it is {f.fear[dest]}")


def _check_fit_to_travel(f: _Facts, e: Event, what: str, dest: str, flag: Flag) -> None:
    leaves = _dt(e.data.get("depart_at")) if e.kind == "removal_scheduled" else e.at
    day = (leaves or e.at).astimezone(UTC).date()
    doc = f.travel_documents.get(dest)
    if doc is None or doc < day:
        held = "no travel document" if doc is None else f"a travel document valid only to {doc}"
        flag("TRAVEL-DOC", e, f"{what} to {dest} for {day} with {held} for {dest}")
    if f.medical_until is None or f.medical_until < day:
        flag("MED", e, f"{what} for {day} without a medical clearance valid that day")


def _apply(f: _Facts, e: Event) -> None:
    k, d, t = e.kind, e.data, e.at
    if k == "case_opened":
        f.opened = True
        f.nationalities = frozenset(str(n).upper() for n in (d.get("person") or {}).get(
            "nationalities") or ())
        ident = d.get("identity") or {}
        f.identity_pending = ident.get("decision") == "review"
        if ident.get("decision") == "auto_link" and ident.get("indicates_us"):
            f.claim_open = True  # a linked record indicates U.S. birth or citizenship
    elif k == "identity_link_proposed":
        f.identity_proposed_by = e.actor_id
        f.identity_proposed_us = bool(d.get("indicates_us"))
    elif k == "identity_link_confirmed":
        f.identity_pending = False
        if f.identity_proposed_us:
            f.claim_open = True
        f.identity_proposed_by, f.identity_proposed_us = "", False
    elif k == "identity_link_rejected":
        f.identity_proposed_by, f.identity_proposed_us = "", False
    elif k == "case_closed":
        f.closed_seq = f.closed_seq or e.seq
    elif k == "citizenship_claimed":
        f.claim_open = True
    elif k == "citizenship_resolved":
        if d.get("finding") in ("citizen", "not_citizen"):
            f.claim_open = False
        if d.get("finding") == "citizen":
            f.citizen_found_seq = f.citizen_found_seq or e.seq  # a citizen stays a citizen
    elif k == "arrest_warrant_issued":
        f.unserved_warrants += 1
    elif k == "arrest_recorded":
        if d.get("basis") == "warrant" and f.unserved_warrants:
            f.unserved_warrants -= 1
        f.custody, f.arrested_seq, f.decided_since_arrest = "arrested", e.seq, False
    elif k == "custody_determined":
        f.custody = "detained" if d.get("decision") == "detain" else "released"
        f.decided_since_arrest = True
    elif k in ("placed", "transferred"):
        f.custody = "detained"
    elif k == "transferred_to_orr":
        f.custody = "with_orr"
    elif k == "released":
        f.custody = "released"
    elif k == "removal_recorded":
        f.custody, f.removed_seq = "removed", e.seq
    elif k == "third_country_notice_served":
        f.notices[_text(d, "country").upper()] = t
    elif k == "fear_claim_recorded":
        f.fear[_text(d, "country").upper()] = "pending"
    elif k == "fear_claim_decided":
        f.fear[_text(d, "country").upper()] = _text(d, "outcome")
    elif k == "travel_document_recorded":
        country, until = _text(d, "country").upper(), _day(d.get("valid_until"))
        if until is not None:
            f.travel_documents[country] = max(until, f.travel_documents.get(country, until))
    elif k == "medical_clearance_recorded":
        f.medical_until = _day(d.get("valid_until"))
    elif k == "minor_flagged":
        f.minor_flagged = True
        f.unaccompanied = f.unaccompanied or d.get("unaccompanied") is True
    elif k == "hhs_notified":
        f.hhs_notified = True
    elif k == "nta_issued":
        f.nta_issued = True
    elif k == "order_recorded":
        absentia = d.get("in_absentia") is True
        f.order = _Order(
            e.seq, t, str(d.get("outcome", "")), absentia,
            frozenset(c.upper() for c in _items(d, "protected_countries")),
            _day(d.get("vd_deadline")), None if absentia else appeal_window_end(t))
        f.removal_warrant_seq = 0  # a warrant is issued on an order; a new order needs its own
        f.designated = _text(d, "designated_country").upper()
    elif k == "appeal_waived" and f.order is not None:
        f.order.waived_at = f.order.waived_at or t
    elif k == "appeal_filed" and f.order is not None:
        if f.order.appeal_at is None:
            f.order.appeal_at = t
            end = f.order.window_end
            f.order.appeal_timely = end is not None and t <= end
    elif k == "appeal_decided" and f.order is not None:
        outcome = d.get("outcome")
        if outcome == "remanded":
            f.order = None  # vacated: the case goes back to the immigration judge
            f.removal_warrant_seq = 0
        else:
            f.order.decided_at, f.order.decision = t, str(outcome)
            f.order.sustained = outcome == "sustained"
    elif k == "stay_granted":
        f.stays[str(d.get("kind"))] = (t, _dt(d.get("until")))
    elif k == "stay_lifted":
        f.stays.pop(str(d.get("kind")), None)
    elif k == "removal_warrant_issued":
        f.removal_warrant_seq = e.seq


# ---------------------------------------------------------------------------------------------
# Clocks: a late fulfilment needs an approved exception or a deadline_missed record


def _approved_exception(e: Event) -> bool:
    d = e.data
    approver = _text(d, "exception_approved_by")
    return bool(_text(d, "exception") and _text(d, "exception_reason")
                and approver and approver != e.actor_id)


def _missed_recorded(evs: Sequence[Event], after: int, until: int, clock: str) -> bool:
    """A deadline_missed for ``clock`` among the events at positions (after, until)."""
    return any(x.kind == DEADLINE_MISSED and x.data.get("deadline") == clock
               for x in evs[after + 1:until])


def _check_clocks(case_id: str, evs: Sequence[Event]) -> list[Violation]:
    out: list[Violation] = []

    def late(clock: str, start: int, fulfil: int, due: datetime, restart: int,
             exception_allowed: bool, what: str) -> None:
        e = evs[fulfil]
        if e.at <= due:
            return
        if exception_allowed and _approved_exception(e):
            return
        if _missed_recorded(evs, fulfil, restart, clock):
            return
        out.append(Violation(clock, e.seq, case_id,
                             f"{what} at {_when(e.at)}, after the deadline of {_when(due)} "
                             f"(clock started by event {evs[start].seq}), with no approved "
                             "exception and no record that the deadline was missed"))

    def hours(key: str, t: datetime) -> timedelta:
        return timedelta(hours=int(param(key, t.date())))

    # CUS-48: each warrantless arrest starts a clock, fulfilled by the first custody decision,
    # release or transfer to ORR after it; the next arrest starts the clock again.
    arrests = [i for i, e in enumerate(evs) if e.kind == "arrest_recorded"]
    for n, i in enumerate(arrests):
        nxt = arrests[n + 1] if n + 1 < len(arrests) else len(evs)
        if evs[i].data.get("basis") != "warrantless":
            continue
        j = _first(evs, i, nxt, ("custody_determined", "released", "transferred_to_orr"))
        if j is not None:
            done = {"custody_determined": "the custody decision was made",
                    "released": "the person was released",
                    "transferred_to_orr": "the child was transferred to ORR"}[evs[j].kind]
            late("CUS-48", i, j, evs[i].at + hours("CUS-48.hours", evs[i].at), nxt,
                 evs[j].kind == "custody_determined", f"after a warrantless arrest, {done}")

    # UAC-48: the first flag of a minor starts the clock; the first HHS notice fulfils it.
    flagged = _first(evs, -1, len(evs), ("minor_flagged",))
    if flagged is not None:
        j = _first(evs, flagged, len(evs), ("hhs_notified",))
        if j is not None:
            late("UAC-48", flagged, j, evs[flagged].at + hours("UAC-48.hours", evs[flagged].at),
                 len(evs), False, "HHS was notified of the child")

    # UAC-72: the determination that a child is unaccompanied starts it; ORR custody fulfils it.
    uac = next((n for n, e in enumerate(evs)
                if e.kind == "minor_flagged" and e.data.get("unaccompanied") is True), None)
    if uac is not None:
        j = _first(evs, uac, len(evs), ("transferred_to_orr",))
        if j is not None:
            late("UAC-72", uac, j, evs[uac].at + hours("UAC-72.hours", evs[uac].at), len(evs),
                 True, "the unaccompanied child was transferred to ORR")
    return out


def _first(evs: Sequence[Event], after: int, until: int, kinds: tuple[str, ...]) -> int | None:
    return next((n for n in range(after + 1, until) if evs[n].kind in kinds), None)


# ---------------------------------------------------------------------------------------------
# Entry points


def check_history(events: Sequence[Event]) -> list[Violation]:
    """Every violation in the given events (one case's history, or several cases' mixed)."""
    by_case: dict[str, list[Event]] = {}
    for e in events:
        by_case.setdefault(e.case_id, []).append(e)
    out: list[Violation] = []
    for evs in by_case.values():
        out.extend(_violations_of(evs))
    return out


def check_store(engine: Engine) -> list[Violation]:
    """Load every case's events from the ``events`` table and check each history."""
    import json

    from sqlalchemy import text

    out: list[Violation] = []
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT case_id, seq, kind, at, actor_id, actor_role, data FROM events "
            "ORDER BY case_id, seq")).all()
    current: list[Event] = []
    for r in rows:
        at = _dt(r.at)
        assert at is not None, f"event {r.case_id} #{r.seq} has no time"
        e = Event(str(r.case_id), int(r.seq), str(r.kind), at, str(r.actor_id),
                  str(r.actor_role), json.loads(r.data))
        if current and current[0].case_id != e.case_id:
            out.extend(_violations_of(current))
            current = []
        current.append(e)
    if current:
        out.extend(_violations_of(current))
    return out
