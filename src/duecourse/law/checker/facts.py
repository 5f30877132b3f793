"""The facts of one case so far, re-derived from its raw events by the checker's own reading of
the rules, and how each event changes them.

Entries that remove a protection (spec section 3; LAW.md PROVENANCE) are held as proposals and
take effect only when a valid ``entry_confirmed`` names them, as of their own time; a rejected
one never does. Which entries these are is decided here by the rule, never by the
``needs_confirmation`` flag the handler writes.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ...domain.events import Event
from .days import (
    FILING_ZONE,
    Closures,
    appeal_last_day,
    appeal_window_close,
    court_zone,
    issuer_kind,
    local_day,
)
from .legal import (
    ADVERSE_CUSTODY,
    ADVERSE_KINDS,
    AGE_MIN_KINDS_FOR_ADULT,
    CONFIRMER_ROLES,
    FEAR_DECIDER_ROLES,
    MAY_LIFT,
    RADIOGRAPHS,
    US_NATIONALITIES,
)
from .model import Appeal, Decision, Hearing, Motion, Order, Stay
from .reading import code, codes, day, instant, items, lang, ref, text


@dataclass
class Facts:
    case_id: str
    closures: Closures = frozenset()
    opened: bool = False
    closed_seq: int = 0
    closing: Event | None = None  # the close, while only its own missed-deadline records follow
    removed_seq: int = 0
    seen: set[int] = field(default_factory=set)
    nationalities: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    # custody, and its history (DHS custody at a hearing's time: IN-ABS)
    custody: str = "at_large"
    custody_log: list[tuple[datetime, str]] = field(default_factory=list)
    arrested_seq: int = 0  # the last arrest
    decided_since_arrest: bool = False
    # citizenship (USC) and identity (ID-1)
    claim_seq: int = 0  # the latest event that opened or renewed an open citizenship review
    claim_why: str = ""  # what opened it
    citizen_found_seq: int = 0
    identity_pending: bool = False
    identity_proposed_by: str = ""
    identity_proposed_us: bool = False
    # proceedings
    nta_issued: bool = False
    court_hint: str = ""  # the court the proceedings were last noticed before (NTA, hearing)
    hearings: list[Hearing] = field(default_factory=list)  # the calendar
    nta_hearing: Hearing | None = None
    absentia_hearings: dict[datetime, int] = field(default_factory=dict)  # hearing -> order seq
    order: Order | None = None  # the order in force
    last_order: Order | None = None  # the last order recorded, with effect or not
    rescinded: set[int] = field(default_factory=set)
    # protections (spec section 5): country -> seq of the latest order or finding granting it
    protected: dict[str, int] = field(default_factory=dict)
    fear: dict[str, tuple[str, int]] = field(default_factory=dict)  # country -> (status, seq)
    stays: list[Stay] = field(default_factory=list)
    motions: list[Motion] = field(default_factory=list)
    proposals: dict[int, tuple[Event, Order | None]] = field(default_factory=dict)
    schedulers: set[str] = field(default_factory=set)  # who scheduled a removal on the case
    # who recorded or confirmed an entry that took a protection away (it took effect): actor ->
    # the entry; they do not schedule or record the removal it opens (PROVENANCE)
    takers: dict[str, int] = field(default_factory=dict)
    enforcers: set[str] = field(default_factory=set)  # who gave an adverse command on the case
    # warrants, children, fitness to travel, notices
    unserved_warrants: int = 0
    removal_warrant_seq: int = 0  # the removal warrant issued on the order in force
    minor_flagged: bool = False
    hhs_notified: bool = False
    unaccompanied: bool = False
    travel_documents: dict[str, date] = field(default_factory=dict)
    medical_until: date | None = None
    notices: dict[str, datetime] = field(default_factory=dict)  # third country -> understood notice
    # AGE (issue 15): the latest age determination with effect: (finding, seq)
    age_finding: tuple[str, int] = ("", 0)

    # -- questions ------------------------------------------------------------------------------

    def custody_at(self, t: datetime) -> str:
        status = "at_large"
        for at, s in self.custody_log:
            if at <= t:
                status = s
        return status

    def stays_in_force(self, t: datetime) -> list[Stay]:
        return [s for s in self.stays if s.in_force(t)]

    def motions_staying(self, t: datetime) -> list[Motion]:
        return [m for m in self.motions if m.stay_in_force(t)]

    def fear_status(self, country: str) -> str:
        return self.fear.get(country, ("", 0))[0]

    def understood(self, d: dict[str, Any]) -> bool | None:
        """Notice given in a language the person understands, or with an interpreter named (spec
        section 9); None for a record from before interpreters were recorded."""
        if "interpreter" not in d:
            return None
        return bool(text(d, "interpreter")) or lang(d.get("language")) in self.languages

    def order_zone(self, d: dict[str, Any]) -> ZoneInfo | None:
        """The order's court's zone: its issuer; for a legacy record, the court it was heard by."""
        for c in (text(d, "issued_by"), self.court_hint):
            z = court_zone(c) if c else None
            if z is not None:
                return z
        return None

    # -- provenance ------------------------------------------------------------------------------

    def confirmation_problems(self, e: Event) -> tuple[int, list[str]]:
        """The entry an ``entry_confirmed`` names, and why the confirmation cannot give it effect
        ([] if it can, or if it names an entry that needs none)."""
        try:
            n = int(e.data.get("entry"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return 0, ["the confirmation names no entry"]
        if n not in self.seen:
            return n, [f"the confirmation names entry {n}, which is not an earlier event of the case"]
        if n not in self.proposals:
            return n, []
        p = self.proposals[n][0]
        out = []
        if e.actor_role not in CONFIRMER_ROLES:
            out.append(f"entry {n} was confirmed by a {e.actor_role}, not a supervisor or counsel")
        if e.actor_id == p.actor_id:
            out.append(f"entry {n} was confirmed by {e.actor_id}, who proposed it")
        for who, as_what in ((e.actor_id, "confirmed"), (p.actor_id, "proposed")):
            if who in self.schedulers:
                out.append(f"entry {n} was {as_what} by {who}, who scheduled a removal on the case")
        expected = ref(p.data.get("reference"))
        if expected and ref(e.data.get("document_checked")) != expected:
            out.append(f"the document checked for entry {n} is not its reference "
                       f"({text(p.data, 'reference')!r})")
        return n, out

    def fear_decision_problems(self, e: Event) -> list[str]:
        out = []
        if e.actor_id in self.enforcers:
            out.append(f"the fear claim was decided by {e.actor_id}, who acted against the person "
                       "on this case (the enforcement chain)")
        if e.actor_role not in FEAR_DECIDER_ROLES:
            out.append(f"the fear claim was decided by a {e.actor_role}, not a supervisor or counsel")
        d = e.data
        if (d.get("outcome") == "withdrawn" and "withdrawal_statement" in d
                and not text(d, "withdrawal_statement")):
            out.append("the fear claim was recorded as withdrawn without the person's signed "
                       "statement")
        return out

    def lift_problems(self, e: Event) -> list[str]:
        """Stays named by a lift that its issuing body may not lift."""
        return [f"{text(e.data, 'issued_by')} may not lift the {s.kind} stay {s.id!r}"
                for s in self.stays if _lift_names(e, s) and not _may_lift(e, s)]


def _may_lift(e: Event, s: Stay) -> bool:
    """The lift's issuing body may lift this kind of stay (a legacy lift names no body)."""
    issuer = text(e.data, "issued_by")
    return not issuer or s.kind in MAY_LIFT.get(issuer_kind(issuer), frozenset())


def _lift_names(e: Event, s: Stay) -> bool:
    if s.seq >= e.seq:
        return False
    named = ref(e.data.get("stay"))
    return s.id == named if named else s.kind == text(e.data, "kind")


def removes_protection(e: Event) -> bool:
    """Spec section 3: the entries that need a second person's confirmation to take effect."""
    k, d = e.kind, e.data
    terminates = bool(items(d, "terminates_protection"))
    return (k == "stay_lifted"
            or (k == "appeal_decided" and (d.get("outcome") == "dismissed" or terminates))
            or (k == "order_recorded" and (d.get("in_absentia") is True or terminates))
            or (k == "fear_claim_decided" and d.get("outcome") in ("no_fear", "withdrawn"))
            or (k == "citizenship_resolved" and d.get("finding") == "not_citizen")
            or (k == "motion_to_reopen_decided" and d.get("outcome") == "denied")
            # the respondent's waiver ends their appeal and the automatic stay: recorded by anyone
            # but their attorney of record, it needs the document and a second person
            or (k == "appeal_waived" and waiver_party(e) == "respondent"
                and e.actor_role != "attorney")
            # AGE: a finding that the person is an adult takes the child's protections away
            or (k == "age_determined" and text(d, "finding").lower() == "adult"))


def age_finding_problems(e: Event) -> list[str]:
    """Why an age determination cannot stand (8 U.S.C. 1232(b)(4): the totality of the evidence,
    never a radiograph alone): [] if it can."""
    d = e.data
    out = []
    if not text(d, "evidence"):
        out.append("the age determination records no evidence")
    if text(d, "finding").lower() == "adult":
        kinds = {x.lower() for x in items(d, "evidence_kinds")}
        if not kinds - RADIOGRAPHS:
            out.append("the person was found an adult on radiographs alone (or on no stated kind "
                       "of evidence)")
        elif len(kinds) < AGE_MIN_KINDS_FOR_ADULT:
            out.append(f"the person was found an adult on one form of evidence only "
                       f"({', '.join(sorted(kinds))}), not the totality of the evidence")
    return out


# ---------------------------------------------------------------------------------------------
# How each event changes the facts


def apply(f: Facts, e: Event) -> None:
    f.seen.add(e.seq)
    if e.kind in ADVERSE_KINDS and not (
            e.kind == "custody_determined" and e.data.get("decision") not in ADVERSE_CUSTODY):
        f.enforcers.add(e.actor_id)
    handler = _APPLY.get(e.kind)
    if handler is not None:
        handler(f, e)


def _deferred(f: Facts, e: Event, target: Order | None = None) -> bool:
    """Hold a protection-removing entry until it is confirmed; True if it was held."""
    if not removes_protection(e):
        return False
    f.proposals[e.seq] = (e, target)
    return True


def effect(f: Facts, e: Event, target: Order | None) -> None:
    """The effect of a confirmed protection-removing entry, as of its own time."""
    k = e.kind
    if k == "stay_lifted":
        _lift(f, e)
    elif k == "appeal_decided" and text(e.data, "motion"):
        m = _motion_of(f, e)
        if m is not None and m.appeal_at is not None:
            m.appeal_ended_at = e.at
    elif k == "appeal_decided":
        _decide_appeal(f, e, target)
    elif k == "order_recorded" and target is not None:
        _order_takes_effect(f, e, target)
    elif k == "fear_claim_decided":
        _fear_not_established(f, e)
    elif k == "citizenship_resolved":
        if f.claim_seq and f.claim_seq < e.seq:
            f.claim_seq, f.claim_why = 0, ""  # a later claim stays open
    elif k == "motion_to_reopen_decided":
        for m in motions_decided(f, e):
            m.ended_at = e.at
            m.denied_on = local_day(e.at, m.order.zone if m.order else None)
    elif k == "appeal_waived" and target is not None:
        _waiver_takes_effect(e, target)
    elif k == "age_determined" and f.age_finding[1] < e.seq:
        f.age_finding = ("adult", e.seq)


def _custody(f: Facts, e: Event, status: str) -> None:
    f.custody = status
    f.custody_log.append((e.at, status))


def _opened(f: Facts, e: Event) -> None:
    d = e.data
    f.opened = True
    person = d.get("person") or {}
    f.nationalities = codes(person, "nationalities")
    us = sorted(f.nationalities & US_NATIONALITIES)
    if us:  # as if the person had claimed citizenship at the opening
        f.claim_seq = e.seq
        f.claim_why = (f"the person's recorded nationality ({', '.join(us)}) opened a citizenship "
                       "review")
    f.languages = frozenset(lang(x) for x in items(person, "languages"))
    ident = d.get("identity") or {}
    f.identity_pending = ident.get("decision") == "review"
    if ident.get("decision") == "auto_link" and ident.get("indicates_us"):
        f.claim_seq = e.seq  # a linked record indicates U.S. birth or citizenship
        f.claim_why = "a linked record indicates U.S. birth or citizenship"


def _identity(f: Facts, e: Event) -> None:
    if e.kind == "identity_link_proposed":
        f.identity_proposed_by = e.actor_id
        f.identity_proposed_us = bool(e.data.get("indicates_us"))
        return
    if e.kind == "identity_link_confirmed":
        f.identity_pending = False
        if f.identity_proposed_us:
            f.claim_seq = e.seq
            f.claim_why = "a linked record indicates U.S. birth or citizenship"
    f.identity_proposed_by, f.identity_proposed_us = "", False


def _citizenship(f: Facts, e: Event) -> None:
    if e.kind == "citizenship_claimed":
        f.claim_seq = e.seq
        f.claim_why = f"a claim to U.S. citizenship (event {e.seq})"
        return
    finding = e.data.get("finding")
    if finding == "citizen":
        f.citizen_found_seq = f.citizen_found_seq or e.seq  # a citizen stays a citizen
        f.claim_seq, f.claim_why = 0, ""
    else:
        _deferred(f, e)  # not_citizen needs confirmation; inconclusive leaves the review open


def _arrest(f: Facts, e: Event) -> None:
    if e.kind == "arrest_warrant_issued":
        f.unserved_warrants += 1
        return
    if e.data.get("basis") == "warrant" and f.unserved_warrants:
        f.unserved_warrants -= 1
    _custody(f, e, "arrested")
    f.arrested_seq, f.decided_since_arrest = e.seq, False


def _custody_event(f: Facts, e: Event) -> None:
    k = e.kind
    if k == "custody_determined":
        decision = e.data.get("decision")
        if decision == "detain":
            _custody(f, e, "detained")
        elif decision == "bond":  # held until the bond is posted and the person released
            if f.custody in ("arrested", "detained"):
                _custody(f, e, "detained")
        else:
            _custody(f, e, "released")
        f.decided_since_arrest = True
    elif k in ("placed", "transferred", "release_revoked"):  # revoked: back in custody
        _custody(f, e, "detained")
    elif k == "transferred_to_orr":
        _custody(f, e, "with_orr")
    elif k == "released":
        _custody(f, e, "released")
    elif k == "removal_recorded":
        _custody(f, e, "removed")
        f.removed_seq = e.seq


def _age(f: Facts, e: Event) -> None:
    if age_finding_problems(e):
        return  # no effect
    if text(e.data, "finding").lower() == "minor":
        f.age_finding = ("minor", e.seq)
    else:
        _deferred(f, e)


def _children(f: Facts, e: Event) -> None:
    if e.kind == "minor_flagged":
        f.minor_flagged = True
        f.unaccompanied = f.unaccompanied or e.data.get("unaccompanied") is True
    else:
        f.hhs_notified = True


def _fitness(f: Facts, e: Event) -> None:
    d = e.data
    if e.kind == "medical_clearance_recorded":
        f.medical_until = day(d.get("valid_until"))
        return
    country, until = code(d.get("country")), day(d.get("valid_until"))
    if until is not None:
        f.travel_documents[country] = max(until, f.travel_documents.get(country, until))


def _third_country_notice(f: Facts, e: Event) -> None:
    if f.understood(e.data) is not False:  # a notice the person cannot understand is no notice
        f.notices[code(e.data.get("country"))] = e.at


def _fear(f: Facts, e: Event) -> None:
    d, country = e.data, code(e.data.get("country"))
    if e.kind == "fear_claim_recorded":
        if f.fear_status(country) != "fear_established":
            f.fear[country] = ("pending", e.seq)
        return
    if d.get("outcome") == "fear_established":
        f.fear[country] = ("fear_established", e.seq)
    elif not f.fear_decision_problems(e):
        _deferred(f, e)


def _fear_not_established(f: Facts, e: Event) -> None:
    country = code(e.data.get("country"))
    status, seq = f.fear.get(country, ("", 0))
    if status != "fear_established" and seq < e.seq:  # established fear is never erased here
        f.fear[country] = (str(e.data.get("outcome")), e.seq)


def _terminate(f: Facts, e: Event) -> None:
    """A confirmed terminates_protection ends the protections granted before it."""
    for c in codes(e.data, "terminates_protection"):
        if f.protected.get(c, e.seq) < e.seq:
            del f.protected[c]
        status, seq = f.fear.get(c, ("", 0))
        if status == "fear_established" and seq < e.seq:
            f.fear[c] = ("terminated", e.seq)


def _nta(f: Facts, e: Event) -> None:
    if e.kind == "nta_issued":
        if f.order is not None and f.order.outcome == "terminated":
            _set_order(f, None)  # fresh proceedings on a new NTA after termination
        f.nta_issued = True
        f.court_hint = text(e.data, "court") or f.court_hint
        at = instant(e.data.get("hearing_at"))
        # a new Notice to Appear replaces the old one's hearing on the calendar
        f.hearings = [h for h in f.hearings if h is not f.nta_hearing]
        f.nta_hearing = Hearing(at, None) if at is not None else None
        if f.nta_hearing is not None:
            f.hearings.append(f.nta_hearing)
    elif f.nta_hearing is not None and f.nta_hearing.noticed_at is None:
        f.nta_hearing.noticed_at = e.at  # nta_served: the NTA's hearing is noticed


def _hearing(f: Facts, e: Event) -> None:
    f.court_hint = text(e.data, "court") or f.court_hint
    at = instant(e.data.get("at"))
    if at is not None:
        f.hearings.append(Hearing(at, e.at if text(e.data, "notice") else None))


def _order_recorded(f: Facts, e: Event) -> None:
    d = e.data
    zone = f.order_zone(d)
    order_day = local_day(e.at, zone)
    absentia = d.get("in_absentia") is True
    o = Order(e.seq, e.at, str(d.get("outcome", "")), absentia, zone, order_day,
              None if absentia else appeal_last_day(order_day, f.closures),
              None if absentia else appeal_window_close(order_day, f.closures, zone),
              day(d.get("vd_deadline")), code(d.get("designated_country")))
    f.last_order = o
    heard = instant(d.get("hearing_at"))
    if absentia and heard is not None:
        f.absentia_hearings.setdefault(heard, e.seq)  # never a second order for that hearing
    for c in codes(d, "protected_countries"):
        f.protected[c] = e.seq  # protections count at once, and outlive the order
    if not _deferred(f, e, o):
        _order_takes_effect(f, e, o)


def _order_takes_effect(f: Facts, e: Event, o: Order) -> None:
    _terminate(f, e)
    if o.seq not in f.rescinded and (f.order is None or f.order.seq < o.seq):
        _set_order(f, o)


def _set_order(f: Facts, o: Order | None) -> None:
    f.order = o
    f.removal_warrant_seq = 0  # a warrant is issued on an order; another order needs its own


def waiver_party(e: Event) -> str:
    """Whose waiver: its party; a legacy record with none is the respondent's (whoever entered
    it: a waiver that names no party cannot be read as the agency's)."""
    return text(e.data, "party") or "respondent"


def _waived(f: Facts, e: Event) -> None:
    o = f.order
    if o is None:
        return
    if waiver_party(e) == "respondent" and f.understood(e.data) is False:
        return  # not knowing and intelligent: no waiver (Matter of Rodriguez-Diaz)
    if _deferred(f, e, o):
        o.unconfirmed_waiver = o.unconfirmed_waiver or e.seq
        return
    _waiver_takes_effect(e, o)


def _waiver_takes_effect(e: Event, o: Order) -> None:
    party = waiver_party(e)
    o.waivers[party] = min(o.waivers.get(party, e.at), e.at)
    if o.unconfirmed_waiver == e.seq:
        o.unconfirmed_waiver = 0


def appeal_filed_on(o: Order, e: Event) -> tuple[date | None, str]:
    """The day the Board received the appeal (data ``filed_on``), if given and possible: not
    after the day it is recorded nor before the order's day, wherever those days are counted;
    else None, with why it cannot be."""
    filed = day(e.data.get("filed_on"))
    if filed is None:
        return None, ""
    zones = (None, FILING_ZONE, o.zone)
    latest = max(local_day(e.at, z) for z in zones)
    if filed > latest:
        return None, (f"the appeal is recorded as received by the Board on {filed}, after the day "
                      f"it was recorded ({latest})")
    earliest = min(local_day(o.at, z) for z in zones)
    if filed < earliest:
        return None, (f"the appeal is recorded as received by the Board on {filed}, before the "
                      f"order it appeals ({o.day})")
    return filed, ""


def appeal_is_timely(o: Order, e: Event) -> bool:
    """APP-30: received on or before the window's last day (``filed_on``), or, when no day of
    receipt is given, recorded before the window closed."""
    if o.window_close is None or o.last_day is None:
        return False  # in absentia: no appeal
    filed, _ = appeal_filed_on(o, e)
    if filed is not None:
        return filed <= o.last_day
    return e.at < o.window_close


def _motion_of(f: Facts, e: Event) -> Motion | None:
    """The motion to reopen an appeal (or the Board's decision on it) names by its receipt."""
    r = receipt_key(text(e.data, "motion"))
    return next((m for m in f.motions if receipt_key(m.receipt) == r), None) if r else None


def _appeal_filed(f: Facts, e: Event) -> None:
    if text(e.data, "motion"):  # the appeal of a motion's denial, within 30 days of it
        m = _motion_of(f, e)
        if (m is not None and m.ended_at is not None and m.appeal_at is None
                and m.denied_on is not None and local_day(e.at, m.order.zone if m.order else None)
                <= appeal_last_day(m.denied_on, f.closures)):
            m.appeal_at = e.at
        return
    o, party = f.order, text(e.data, "party") or "respondent"
    if o is not None and party not in o.appeals and party not in o.waivers:  # 8 CFR 1003.3(a)
        o.appeals[party] = Appeal(e.seq, e.at, party, appeal_is_timely(o, e))


def _appeal_decided(f: Facts, e: Event) -> None:
    if text(e.data, "motion"):
        m = _motion_of(f, e)
        if e.data.get("outcome") == "dismissed":
            _deferred(f, e)
        elif m is not None and m.appeal_at is not None:  # the Board reverses the denial
            m.appeal_ended_at = e.at
            if m.order is not None:
                f.rescinded.add(m.order.seq)
                if f.order is m.order:
                    _set_order(f, None)
        return
    target = f.order
    if _deferred(f, e, target):
        if target is not None and e.data.get("outcome") == "dismissed":
            target.unconfirmed_decision = target.unconfirmed_decision or e.seq
        return
    _decide_appeal(f, e, target)


def _decide_appeal(f: Facts, e: Event, target: Order | None) -> None:
    _terminate(f, e)
    if target is None:
        return
    outcome = str(e.data.get("outcome"))
    if target.unconfirmed_decision == e.seq:
        target.unconfirmed_decision = 0
    decision = Decision(e.seq, e.at, outcome, day(e.data.get("vd_deadline")))
    for a in target.appeals.values():  # it decides every appeal pending at its place
        if a.decided is None and a.seq < e.seq:
            a.decided = decision
    if outcome == "remanded":
        if f.order is target:
            _set_order(f, None)  # vacated: the case goes back to the immigration judge
        return
    if target.decision is None or target.decision.seq < e.seq:
        target.decision = decision


def _stay_granted(f: Facts, e: Event) -> None:
    d = e.data
    kind = text(d, "kind")
    sid = ref(d.get("reference")) or kind
    f.stays.append(Stay(e.seq, sid, kind, e.at, instant(d.get("until"))))


def _stay_lifted(f: Facts, e: Event) -> None:
    _deferred(f, e)


def _lift(f: Facts, e: Event) -> None:
    for s in f.stays:
        if _lift_names(e, s) and _may_lift(e, s):
            s.lifted_at = e.at if s.lifted_at is None else min(s.lifted_at, e.at)


def receipt_key(value: Any) -> str:
    """A receipt, a motion's identity, compared trimmed and case-folded."""
    return value.strip().casefold() if isinstance(value, str) else ""


def receipt(d: dict[str, Any]) -> str:
    return receipt_key(d.get("receipt"))


def _motion_filed(f: Facts, e: Event) -> None:
    r = receipt(e.data)
    if r and any(receipt_key(m.receipt) == r for m in f.motions):
        return  # a motion with that receipt is on file: a second record of it changes nothing
    o = f.last_order
    recorded = local_day(e.at, o.zone if o else None)
    filed_on = min(day(e.data.get("filed_on")) or recorded, recorded)  # never after its record
    f.motions.append(Motion(e.seq, e.at, text(e.data, "receipt"), text(e.data, "grounds"),
                            filed_on, o))


def motions_decided(f: Facts, e: Event) -> list[Motion]:
    """The pending motions a decision decides, as of its own place: the one it names by its
    receipt; a legacy decision naming none decides every motion then pending."""
    pending = [m for m in f.motions if m.seq < e.seq and m.ended_at is None]
    if "receipt" not in e.data:
        return pending
    r = receipt(e.data)
    return [m for m in pending if receipt_key(m.receipt) == r]


def _motion_decided(f: Facts, e: Event) -> None:
    if e.data.get("outcome") != "granted":
        _deferred(f, e)
        return
    decided = motions_decided(f, e)
    orders = [m.order for m in decided if m.order is not None]
    if "receipt" not in e.data:  # legacy: the order in force and the last one recorded
        orders += [o for o in (f.order, f.last_order) if o is not None]
    for m in decided:
        m.ended_at = e.at
    for o in orders:  # granted: the order is rescinded
        f.rescinded.add(o.seq)
        if f.order is o:
            _set_order(f, None)


def _confirmed(f: Facts, e: Event) -> None:
    n, problems = f.confirmation_problems(e)
    if problems or n not in f.proposals:
        return
    entry, target = f.proposals.pop(n)
    effect(f, entry, target)
    f.takers.setdefault(entry.actor_id, n)
    f.takers.setdefault(e.actor_id, n)


def _rejected(f: Facts, e: Event) -> None:
    with suppress(TypeError, ValueError):
        entry = f.proposals.pop(int(e.data.get("entry")), None)  # type: ignore[arg-type]
        if entry is not None and entry[0].kind == "order_recorded":
            heard = instant(entry[0].data.get("hearing_at"))  # a rejected order was never entered
            if heard is not None and f.absentia_hearings.get(heard) == entry[0].seq:
                del f.absentia_hearings[heard]
        if entry is not None and entry[1] is not None and entry[0].kind == "appeal_waived" \
                and entry[1].unconfirmed_waiver == entry[0].seq:
            entry[1].unconfirmed_waiver = 0


def _closed(f: Facts, e: Event) -> None:
    if not f.closed_seq:
        f.closed_seq, f.closing = e.seq, e


def _removal_warrant(f: Facts, e: Event) -> None:
    f.removal_warrant_seq = e.seq


def _removal_scheduled(f: Facts, e: Event) -> None:
    f.schedulers.add(e.actor_id)


_APPLY: dict[str, Callable[[Facts, Event], None]] = {
    "case_opened": _opened,
    "identity_link_proposed": _identity, "identity_link_confirmed": _identity,
    "identity_link_rejected": _identity,
    "case_closed": _closed,
    "citizenship_claimed": _citizenship, "citizenship_resolved": _citizenship,
    "arrest_warrant_issued": _arrest, "arrest_recorded": _arrest,
    "custody_determined": _custody_event, "placed": _custody_event,
    "transferred": _custody_event, "transferred_to_orr": _custody_event,
    "released": _custody_event, "removal_recorded": _custody_event,
    "release_revoked": _custody_event, "age_determined": _age,
    "minor_flagged": _children, "hhs_notified": _children,
    "travel_document_recorded": _fitness, "medical_clearance_recorded": _fitness,
    "third_country_notice_served": _third_country_notice,
    "fear_claim_recorded": _fear, "fear_claim_decided": _fear,
    "nta_issued": _nta, "nta_served": _nta,
    "hearing_scheduled": _hearing,
    "order_recorded": _order_recorded,
    "appeal_waived": _waived, "appeal_filed": _appeal_filed, "appeal_decided": _appeal_decided,
    "stay_granted": _stay_granted, "stay_lifted": _stay_lifted,
    "removal_warrant_issued": _removal_warrant, "removal_scheduled": _removal_scheduled,
    "motion_to_reopen_filed": _motion_filed, "motion_to_reopen_decided": _motion_decided,
    "entry_confirmed": _confirmed, "entry_rejected": _rejected,
}
