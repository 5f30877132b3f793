"""The case: an event-sourced aggregate. Its facts and facets are derived only from its events.

``fold`` replays events into ``CaseState`` (what has happened); ``CaseState.facets`` says where the
case stands at a moment, given the end of the appeal window, which the law computes (business days
and federal holidays are the law's business, not the domain's).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..reference.zones import zone_name
from .events import DEADLINE_MISSED, Event

ADVERSE_COMMANDS: frozenset[str] = frozenset({
    "issue_arrest_warrant", "record_arrest", "determine_custody", "place", "transfer",
    "issue_nta", "serve_nta", "schedule_hearing", "issue_removal_warrant", "schedule_removal",
    "record_removal", "issue_detainer", "revoke_release",
})


@dataclass(frozen=True)
class Facets:
    proceedings: str
    custody: str
    holds: frozenset[str]
    status: str
    close_reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "proceedings": self.proceedings,
            "custody": self.custody,
            "holds": sorted(self.holds),
            "status": self.status,
            "close_reason": self.close_reason,
        }


@dataclass
class Arrest:
    at: datetime
    officer_id: str
    warrantless: bool
    location_type: str


@dataclass
class Warrant:
    at: datetime
    signer_id: str
    requested_by: str
    used: bool = False


@dataclass
class Order:
    at: datetime
    outcome: str
    mode: str
    protected_countries: tuple[str, ...]
    designated_country: str
    vd_deadline: date | None
    in_absentia: bool
    court: str = ""  # the immigration court whose order it is ("" for an order recorded before)
    zone: str = "UTC"  # the IANA zone that court keeps its days in
    reference: str = ""
    seq: int = 0


@dataclass
class Stay:
    """One stay of removal: one order of one body (PROVENANCE: stays are records)."""

    id: str  # its reference, as recorded
    kind: str
    issued_by: str
    start: datetime
    until: datetime | None
    seq: int
    lifted_at: datetime | None = None

    def in_force(self, at: datetime) -> bool:
        return (self.start <= at and self.lifted_at is None
                and (self.until is None or at < self.until))


@dataclass
class Appeal:
    """One party's appeal to the Board (each party appeals once)."""

    at: datetime
    timely: bool
    decided_at: datetime | None = None
    outcome: str = ""


@dataclass
class Motion:
    """A motion to reopen, recorded with the court's receipt."""

    receipt: str
    grounds: str
    filed_at: datetime
    filed_on: date
    stays_removal: bool  # 8 CFR 1003.23(b)(4)(ii): a motion to reopen an in-absentia order
    decided: str = ""  # "", granted, denied
    decided_at: datetime | None = None
    appeal_at: datetime | None = None  # the respondent's appeal of a denial to the Board
    appeal_timely: bool = False
    appeal_outcome: str = ""

    @property
    def stays_now(self) -> bool:
        """Removal is stayed while the judge decides the motion, and while a timely appeal of
        its denial is before the Board (LAW.md STAY-AUTO)."""
        if not self.stays_removal:
            return False
        return not self.decided or (self.decided == "denied" and self.appeal_at is not None
                                    and self.appeal_timely and not self.appeal_outcome)


@dataclass
class Review:
    kind: str
    at: datetime
    finding: str
    likelihood: str
    actor_role: str


@dataclass
class CaseState:
    """Everything that has happened to one case, replayed from its events."""

    case_id: str
    person_id: str = ""
    person: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    opened_at: datetime | None = None
    last_event_at: datetime | None = None
    encounter: str = ""
    # Who holds the case (an actor id) and the agency office that holds it ("Newark, NJ": the
    # assigned officer's office as their account gave it, never the place of the encounter,
    # which is ``location`` on the case row and withheld from some roles under 8 U.S.C. 1367).
    # The opener holds a case until it is handed over (hand_over_case).
    assigned_officer: str = ""
    office: str = ""
    status: str = "open"
    close_reason: str = ""
    custody: str = "at_large"
    custody_since: datetime | None = None
    facility: str = ""
    facility_type: str = ""
    classification: str = ""
    arrests: list[Arrest] = field(default_factory=list)
    warrants: list[Warrant] = field(default_factory=list)
    examined_by: str = ""
    custody_determined_at: datetime | None = None
    minor_flagged_at: datetime | None = None
    unaccompanied: bool = False
    unaccompanied_at: datetime | None = None
    hhs_notified_at: datetime | None = None
    hhs_notices: list[datetime] = field(default_factory=list)  # every notice to HHS, in order
    orr_transferred_at: datetime | None = None
    citizenship_claim_open: bool = False
    citizenship_claimed_at: datetime | None = None
    citizen_found: bool = False
    citizen_found_at: datetime | None = None
    held_when_found_citizen: bool = False
    nta: dict[str, Any] | None = None
    nta_issued_at: datetime | None = None
    nta_served_at: datetime | None = None
    hearings: list[datetime] = field(default_factory=list)
    order: Order | None = None
    appeal_waived_at: datetime | None = None
    appeal_filed_at: datetime | None = None
    appeal_timely: bool = False
    appeal_decided_at: datetime | None = None
    appeal_outcome: str = ""
    concluded: bool = False
    stays: dict[str, Stay] = field(default_factory=dict)  # by the stay's key (its reference)
    stay_lifted_at: datetime | None = None  # a court's stay of removal, lifted (INA 241(a)(1)(B)(ii))
    dhs_waived_at: datetime | None = None  # DHS's waiver ends DHS's appeal only (8 CFR 1241.1(b))
    appeal_party: str = ""  # the party whose appeal came first
    appeals: dict[str, Appeal] = field(default_factory=dict)  # by party
    absentia_hearings: set[datetime] = field(default_factory=set)  # hearings an order in absentia used
    # Every event so far, and which entries that take a protection away were confirmed or
    # rejected: a confirmation gives the entry effect at its own place in the history.
    history: list[Event] = field(default_factory=list, repr=False)
    entry_decisions: dict[int, str] = field(default_factory=dict)
    # Countries the person is protected from by an order (withholding or CAT), for the life of
    # the case: country -> since. Only a confirmed order that names them ends it.
    order_protections: dict[str, datetime] = field(default_factory=dict)
    custody_history: list[tuple[datetime, str]] = field(default_factory=list)
    hearing_courts: dict[datetime, str] = field(default_factory=dict)
    hearing_notices: dict[datetime, datetime] = field(default_factory=dict)  # hearing -> noticed
    motions: dict[str, Motion] = field(default_factory=dict)  # by receipt
    order_hearing: datetime | None = None  # the hearing an order in absentia names
    pending: dict[int, Event] = field(default_factory=dict)  # entries awaiting confirmation
    confirmations: dict[int, tuple[str, datetime]] = field(default_factory=dict)  # seq -> by, at
    removal_schedulers: set[str] = field(default_factory=set)
    # Who recorded or confirmed an entry that took (or would take) a protection away.
    protection_removers: set[str] = field(default_factory=set)
    enforcers: set[str] = field(default_factory=set)  # actors of adverse commands on the case
    removal_warrant_at: datetime | None = None
    travel_documents: list[tuple[str, date]] = field(default_factory=list)
    medical_clearance_until: date | None = None
    third_country_notices: dict[str, datetime] = field(default_factory=dict)  # country → served
    fear_claims: dict[str, str] = field(default_factory=dict)  # country → pending or the outcome
    fear_since: dict[str, datetime] = field(default_factory=dict)  # country → its status since
    removal_scheduled: dict[str, Any] | None = None
    removed_at: datetime | None = None
    removed_to: str = ""
    released_at: datetime | None = None
    reviews: list[Review] = field(default_factory=list)
    missed: dict[str, datetime] = field(default_factory=dict)
    exceptions: dict[str, dict[str, str]] = field(default_factory=dict)
    # Identity (docs/identity.md): how the person of the case is linked to the agency's records.
    # "" (not assessed: a case opened before linkage), "auto" (the best candidate reached the
    # auto-link threshold), "new_person" (no candidate reached the lower one), "awaiting_review"
    # (between the thresholds, or ambiguous: a person must decide) or "confirmed" (decided by an
    # officer's proposal and a supervisor's confirmation).
    identity_link: str = ""
    identity_record: str = ""  # the linked record ("" for a new person)
    identity_candidates: list[dict[str, Any]] = field(default_factory=list)
    identity_proposal: dict[str, Any] | None = None  # awaiting a supervisor's decision
    # Issue 15 — each area adds its facts below its own marker (keep the markers).
    # -- area: children (age, Flores, age-out)
    minor_claims: list[datetime] = field(default_factory=list)  # every flag_minor (claim/suspicion)
    age_findings: list[tuple[datetime, str]] = field(default_factory=list)  # (at, minor|adult), in effect
    age_outs: list[tuple[datetime, str]] = field(default_factory=list)  # (at, setting) 1232(c)(2)(B)
    # Where the person was held, by kind (adult, family, juvenile, orr, hold_room, hospital): each
    # place, transfer and transfer to ORR, for the Flores clock.
    child_settings: list[tuple[datetime, str]] = field(default_factory=list)
    # -- area: custody (close, POCR notice, revocation, pre-order, bond stay)
    custody_authority: str = ""  # PRE-ORDER: the last custody decision's authority, normalised
    custody_decision: str = ""  # the last DHS custody decision (detain, bond, recognizance …)
    custody_bond: int | None = None  # the bond DHS set with it, if any
    pocr_notices: list[tuple[datetime, date]] = field(default_factory=list)  # (served, review_on)
    reviewer_ids: list[str] = field(default_factory=list)  # who made each of ``reviews``
    revoked_at: datetime | None = None  # the last revocation of release (8 CFR 241.4(l))
    revocations: list[dict[str, Any]] = field(default_factory=list)
    revocation_interview_at: datetime | None = None  # after the last revocation
    bond_orders: list[BondOrder] = field(default_factory=list)  # IJ custody redeterminations
    # -- area: facilities (hold rooms, placement, transfers)
    # Every placement or transfer: (at, facility, kind, authorised over 72 hours or None if not
    # known) — the hold-room and 72-hour clocks are derived from it and the custody history.
    facility_stays: list[tuple[datetime, str, str, bool | None]] = field(default_factory=list)
    emergency_transfers: list[datetime] = field(default_factory=list)  # attorney not yet told
    attorney_transfer_notices: list[datetime] = field(default_factory=list)
    # -- area: rows (detainers, consular, addresses, counsel, locations, 1367)
    #    (detainers, consular notice, legal orientation, new NTA: DET-1, CON-1, CON-2, LOP)
    # Detainers (I-247A) as issued: agency, key (the agency compared), basis, warrant, at, served.
    detainers: list[dict[str, Any]] = field(default_factory=list)
    # Consular advisals (at, notification requested, the consulate's country or "").
    consular_advisals: list[tuple[datetime, bool, str]] = field(default_factory=list)
    consulates_notified: list[tuple[datetime, str]] = field(default_factory=list)  # (at, country)
    legal_orientations: list[tuple[datetime, str, str]] = field(default_factory=list)
    # New proceedings on the same case after a termination without prejudice (when each began).
    new_proceedings_at: list[datetime] = field(default_factory=list)
    #    (addresses, court told of custody, 1367: NTA-ADDR, VAWA-1367)
    # Addresses the person gave (INA 239(a)(1)(F), EOIR-33): (provided_on, address, recorded at).
    addresses: list[tuple[date, str, datetime]] = field(default_factory=list)
    court_custody_notices: list[datetime] = field(default_factory=list)  # I-830s, when recorded
    protection_1367: list[dict[str, Any]] = field(default_factory=list)  # VAWA, T, U (kind, at)

    # -- questions the law asks ---------------------------------------------------------------

    @property
    def identity_awaits_review(self) -> bool:
        """The person link is unconfirmed and below the auto-link threshold (guard ID-1)."""
        return self.identity_link == "awaiting_review"

    @property
    def last_arrest(self) -> Arrest | None:
        return self.arrests[-1] if self.arrests else None

    @property
    def order_is_removal(self) -> bool:
        return self.order is not None and self.order.outcome in ("removal", "voluntary_departure")

    def active_stays(self, at: datetime) -> dict[str, Stay]:
        """Every stay in force at ``at``, by key (any number may run at once)."""
        return {k: v for k, v in self.stays.items() if v.in_force(at)}

    def stays_in_force(self, at: datetime, kinds: frozenset[str] | None = None) -> list[Stay]:
        return [v for v in self.stays.values()
                if v.in_force(at) and (kinds is None or v.kind in kinds)]

    def pending_motions(self) -> list[Motion]:
        """Motions to reopen that stay removal while the judge decides them."""
        return [m for m in self.motions.values() if m.stays_now]

    @property
    def barred_countries(self) -> dict[str, str]:
        """Every country removal to which is barred for the life of the case, with why: an
        order's withholding or CAT protection, or a fear of it found established."""
        out = {c: "protected by an order (withholding or CAT)" for c in self.order_protections}
        for c, v in self.fear_claims.items():
            if v == "fear_established":
                out.setdefault(c, "a fear of it was found established")
        return out

    def automatic_stay(self, at: datetime, appeal_deadline: datetime | None) -> str:
        """Why an IJ order may not be executed now (8 CFR 1003.6), or '' if it may. Only the
        respondent's waiver ends the appeal period; DHS's waiver ends DHS's appeal only."""
        if not self.order_is_removal or self.order is None or self.concluded:
            return ""
        if self.appeal_pending:
            return "appeal_pending"
        if self.order.in_absentia or self.appeal_waived_at is not None:
            return ""
        if ("respondent" not in self.appeals and appeal_deadline is not None
                and at <= appeal_deadline):
            return "appeal_period"
        return ""

    @property
    def appeal_pending(self) -> bool:
        """A timely appeal of either party awaits the Board (8 CFR 1003.6(a))."""
        return any(a.timely and a.decided_at is None for a in self.appeals.values())

    def custody_at(self, at: datetime) -> str:
        """The person's custody at a past moment, from the custody history."""
        now = "at_large"
        for t, c in self.custody_history:
            if t > at:
                break
            now = c
        return now

    def final_at(self, appeal_deadline: datetime | None) -> datetime | None:
        """When the removal order became final (8 CFR 1241.1), or None if it is not final."""
        o = self.order
        if o is None or not self.order_is_removal or self.concluded:
            return None
        if self.appeal_pending:
            return None
        if any(a.timely and a.decided_at is not None for a in self.appeals.values()):
            at: datetime | None = (self.appeal_decided_at if self.appeal_outcome == "dismissed"
                                   else None)
            # The Board decided another party's appeal: the respondent's own window still runs.
            if (at is not None and "respondent" not in self.appeals
                    and self.appeal_waived_at is None and appeal_deadline is not None):
                at = max(at, appeal_deadline)
        elif o.in_absentia:
            at = o.at
        elif self.appeal_waived_at is not None:
            at = self.appeal_waived_at
        else:
            at = appeal_deadline
        if at is not None and o.outcome == "voluntary_departure" and o.vd_deadline is not None:
            at = max(at, self.vd_end)  # 8 CFR 1241.1(f): final only on overstay
        return at

    @property
    def vd_end(self) -> datetime:
        """The last moment of the voluntary-departure period: the end of its day where the
        order's court keeps its days."""
        o = self.order
        assert o is not None and o.vd_deadline is not None
        zone = ZoneInfo(o.zone)
        return (datetime.combine(o.vd_deadline, time(23, 59, 59, 999999), tzinfo=zone)
                .astimezone(UTC))

    def is_final(self, at: datetime, appeal_deadline: datetime | None) -> bool:
        f = self.final_at(appeal_deadline)
        return f is not None and f <= at

    def facets(self, at: datetime, appeal_deadline: datetime | None) -> Facets:
        return Facets(
            proceedings=self._proceedings(at, appeal_deadline),
            custody=self.custody,
            holds=self._holds(at, appeal_deadline),
            status=self.status,
            close_reason=self.close_reason,
        )

    def _proceedings(self, at: datetime, appeal_deadline: datetime | None) -> str:
        if self.concluded:
            return "concluded"
        if self.order is not None:
            if self.is_final(at, appeal_deadline):
                return "final"
            if self.appeal_pending:
                return "on_appeal"
            return "decided"  # (a Board's grant of voluntary departure: final on overstay)
        if self.nta_served_at is not None:
            return "pending"
        if self.nta_issued_at is not None:
            return "charged"
        return "none"

    def _holds(self, at: datetime, appeal_deadline: datetime | None) -> frozenset[str]:
        holds: set[str] = set()
        if self.citizenship_claim_open:
            holds.add("citizenship_review")
        if (self.active_stays(at) or self.pending_motions()
                or self.automatic_stay(at, appeal_deadline)):
            holds.add("stay")
        return frozenset(holds)


def fold(case_id: str, events: Iterable[Event]) -> CaseState:
    """Replay a case's events, in order, into its state."""
    state = CaseState(case_id=case_id)
    for e in events:
        apply(state, e)
    return state


def removes_protection(kind: str, d: dict[str, Any], role: str = "") -> bool:
    """An entry that takes a protection away (LAW.md PROVENANCE): it has effect only once a
    second person confirms it against its document. Decided by the rule, never by a flag.
    ``role`` is the role of who records it: the respondent's waiver of appeal recorded by their
    own attorney of record is theirs; recorded by anyone else, it ends the appeal window and the
    automatic stay on another's word, and needs a second person."""
    if kind == "stay_lifted":
        return True
    if kind == "appeal_waived":
        return d.get("party", "respondent") == "respondent" and role != "attorney"
    if kind in ("appeal_decided", "order_recorded") and d.get("terminates_protection"):
        return True
    if kind == "appeal_decided":
        return d.get("outcome") == "dismissed"
    if kind == "order_recorded":
        return bool(d.get("in_absentia"))
    if kind == "fear_claim_decided":
        return d.get("outcome") in ("no_fear", "withdrawn")
    if kind == "citizenship_resolved":
        return d.get("finding") == "not_citizen"
    if kind == "age_determined":  # a finding of "adult" ends a child's protections (AGE)
        return d.get("finding") == "adult"
    if kind == "motion_to_reopen_decided":
        return d.get("outcome") == "denied"
    return False


def apply(s: CaseState, e: Event) -> None:
    """Advance the state past one stored event. A confirmation or rejection of an entry that
    takes a protection away folds the history again, so that the confirmed entry takes effect at
    its own place (an entry recorded after it, such as a new claim, stays in force)."""
    s.history.append(e)
    if e.kind in ("entry_confirmed", "entry_rejected"):
        entry = int(e.data["entry"])
        if entry in s.pending:
            s.entry_decisions[entry] = "confirmed" if e.kind == "entry_confirmed" else "rejected"
            _refold(s)
            return
    _apply_one(s, e)


def _refold(s: CaseState) -> None:
    fresh = CaseState(case_id=s.case_id, entry_decisions=s.entry_decisions)
    for ev in s.history:
        fresh.history.append(ev)
        _apply_one(fresh, ev)
    s.__dict__.update(fresh.__dict__)


def _apply_one(s: CaseState, e: Event) -> None:
    s.version = e.seq
    s.last_event_at = e.at
    if e.kind in ADVERSE_KINDS and not (e.kind == "custody_determined"
                                        and e.data.get("decision") not in ("detain", "bond")):
        s.enforcers.add(e.actor_id)
    if e.kind == "removal_scheduled":
        s.removal_schedulers.add(e.actor_id)
    if e.kind == "entry_confirmed":
        entry = int(e.data["entry"])
        if s.entry_decisions.get(entry) == "confirmed":
            s.confirmations[entry] = (e.actor_id, e.at)
            s.protection_removers.add(e.actor_id)
    elif e.kind == "entry_rejected":
        pass
    elif removes_protection(e.kind, e.data, e.actor_role):
        decision = s.entry_decisions.get(e.seq)
        if decision == "confirmed":
            s.protection_removers.add(e.actor_id)
            _effect(s, e)
        elif decision is None:
            s.pending[e.seq] = e
            s.protection_removers.add(e.actor_id)
    else:
        _effect(s, e)


# The events of the adverse commands (domain.case.ADVERSE_COMMANDS): the enforcement chain.
ADVERSE_KINDS = frozenset({
    "arrest_warrant_issued", "arrest_recorded", "custody_determined", "placed", "transferred",
    "nta_issued", "nta_served", "hearing_scheduled", "removal_warrant_issued",
    "removal_scheduled", "removal_recorded", "detainer_issued", "release_revoked",
})


# The United States and the territories whose people are U.S. citizens or nationals by birth
# (8 U.S.C. 1401, 1402, 1406, 1407, 1408; 48 U.S.C. 1801 for the Northern Mariana Islands).
US_NATIONALITIES = frozenset({"US", "PR", "GU", "VI", "MP", "AS", "UM"})


def _instant(v: str) -> datetime:
    return datetime.fromisoformat(v.replace("Z", "+00:00"))


def _custody(s: CaseState, custody: str, at: datetime) -> None:
    s.custody, s.custody_since = custody, at
    s.custody_history.append((at, custody))


def _effect(s: CaseState, e: Event) -> None:
    """What an event changes, once it has effect."""
    handler = _EFFECTS.get(e.kind)
    if handler is not None:
        handler(s, e, e.data)


def _case_opened(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.person_id = d["person_id"]
    s.person = d["person"]
    s.opened_at = e.at
    s.encounter = d["encounter"]
    s.assigned_officer, s.office = e.actor_id, str(d.get("office", ""))
    ident = d.get("identity") or {}
    s.identity_link = _LINK_OF_DECISION.get(ident.get("decision", ""), "")
    s.identity_candidates = list(ident.get("candidates") or [])
    if s.identity_link == "auto":
        s.identity_record = ident.get("record", "")
        if ident.get("indicates_us"):
            _open_citizenship_review(s, e.at)
    if US_NATIONALITIES & set((d["person"] or {}).get("nationalities") or ()):
        _open_citizenship_review(s, e.at)  # recorded as a U.S. national: investigate it


def _link_proposed(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.identity_proposal = {"record": d["record"], "by": e.actor_id,
                           "at": e.at.isoformat(), "probability": d.get("probability"),
                           "indicates_us": bool(d.get("indicates_us"))}


def _link_confirmed(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    p = s.identity_proposal or {}
    s.identity_link, s.identity_record = "confirmed", p.get("record", "")
    s.identity_proposal = None
    if p.get("indicates_us"):
        _open_citizenship_review(s, e.at)


def _link_rejected(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.identity_proposal = None  # the link awaits review again


def _citizenship_claimed(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.citizenship_claim_open = True
    s.citizenship_claimed_at = e.at


def _citizenship_resolved(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    if d["finding"] in ("citizen", "not_citizen"):
        s.citizenship_claim_open = False
    # A finding of citizenship stands: a later claim resolved otherwise does not undo it.
    s.citizen_found = s.citizen_found or d["finding"] == "citizen"
    if d["finding"] == "citizen" and s.citizen_found_at is None:
        s.citizen_found_at = e.at
        s.held_when_found_citizen = s.custody in ("arrested", "detained")


def _warrant_issued(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.warrants.append(Warrant(e.at, e.actor_id, d["requested_by"]))


def _arrest(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    warrantless = d["basis"] == "warrantless"
    if not warrantless:
        for w in s.warrants:
            if not w.used:
                w.used = True
                break
    s.arrests.append(Arrest(e.at, e.actor_id, warrantless, d.get("location_type", "")))
    _custody(s, "arrested", e.at)
    s.custody_determined_at = None
    s.examined_by = ""
    s.exceptions.pop("CUS-48", None)  # a new arrest starts a new clock; old excuses do not carry


def _examined(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.examined_by = e.actor_id


def _custody_determined(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.custody_determined_at = e.at
    _note_exception(s, "CUS-48", d)
    # A bond set by DHS is not a release: the person stays detained until it is posted and
    # ``release(kind: bond)`` is recorded (PRE-ORDER).
    _custody(s, "detained" if d["decision"] in ("detain", "bond") else "released", e.at)
    if s.custody == "released":
        s.released_at = e.at


def _minor_flagged(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.minor_flagged_at = s.minor_flagged_at or e.at
    if d["unaccompanied"] and not s.unaccompanied:
        s.unaccompanied, s.unaccompanied_at = True, e.at


def _hhs_notified(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.hhs_notified_at = s.hhs_notified_at or e.at
    s.hhs_notices.append(e.at)


def _to_orr(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.orr_transferred_at = e.at
    _note_exception(s, "UAC-72", d)
    _custody(s, "with_orr", e.at)
    s.facility, s.facility_type = "ORR", "orr"


def _classified(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.classification = d["level"]


def _placed(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    _custody(s, "detained", e.at)
    s.facility, s.facility_type = d["facility"], d.get("facility_type", "adult")
    if e.kind == "placed":
        s.classification = d["classification"]


def _nta_issued(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    if s.concluded and terminated_without_prejudice(s):
        _fresh_proceedings(s, e.at)  # a new NTA after termination without prejudice
    s.nta, s.nta_issued_at = dict(d), e.at
    s.nta_served_at = None
    first = _instant(d["hearing_at"])
    s.hearings = [first]
    s.hearing_courts = {first: str(d.get("court", ""))}
    s.hearing_notices = {}


def _nta_served(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.nta_served_at = e.at
    if s.hearings:  # the NTA gives the time and place of its hearing: served, it is noticed
        s.hearing_notices.setdefault(s.hearings[0], e.at)


def _hearing_scheduled(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    at = _instant(d["at"])
    s.hearings.append(at)
    s.hearing_courts[at] = str(d.get("court", ""))
    if d.get("notice"):
        s.hearing_notices.setdefault(at, e.at)


def _order_recorded(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    vd = d.get("vd_deadline")
    court = str(d.get("issued_by") or "")
    s.order = Order(
        e.at, d["outcome"], d["decision_mode"], tuple(d.get("protected_countries") or ()),
        str(d.get("designated_country") or ""), date.fromisoformat(vd) if vd else None,
        bool(d.get("in_absentia", False)), court, _zone_of(court), str(d.get("reference", "")),
        e.seq,
    )
    s.order_hearing = _instant(d["hearing_at"]) if d.get("hearing_at") else None
    for c in s.order.protected_countries:  # protection outlives later orders (item 4)
        s.order_protections.setdefault(c, e.at)
    _terminate_protection(s, d)
    _clear_appeals(s)
    if s.order.in_absentia and s.order_hearing is not None:
        s.absentia_hearings.add(s.order_hearing)
    s.concluded = d["outcome"] in ("relief", "terminated")


def _zone_of(court: str) -> str:
    """The zone a court keeps its days in; UTC for an order recorded before courts were named."""
    if not court:
        return "UTC"
    try:
        return zone_name(court)
    except KeyError:
        return "UTC"


def _terminate_protection(s: CaseState, d: dict[str, Any]) -> None:
    for c in d.get("terminates_protection") or ():
        s.order_protections.pop(c, None)
        if s.fear_claims.get(c) == "fear_established":
            s.fear_claims[c] = "terminated"


def _appeal_waived(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    if d.get("party", "respondent") == "dhs":
        s.dhs_waived_at = s.dhs_waived_at or e.at
    else:
        s.appeal_waived_at = s.appeal_waived_at or e.at


def _appeal_filed(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    if d.get("motion"):  # the appeal of a motion's denial, not of the order
        m = s.motions.get(stay_key(str(d["motion"])))
        if m is not None and m.appeal_at is None:
            m.appeal_at, m.appeal_timely = e.at, bool(d.get("timely", True))
        return
    party = str(d.get("party", "respondent"))
    s.appeals.setdefault(party, Appeal(e.at, bool(d.get("timely", True))))
    if s.appeal_filed_at is None:
        s.appeal_filed_at, s.appeal_party = e.at, party
    s.appeal_timely = any(a.timely for a in s.appeals.values())


def _appeal_decided(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    if d.get("motion"):
        m = s.motions.get(stay_key(str(d["motion"])))
        if m is not None and m.appeal_at is not None and not m.appeal_outcome:
            m.appeal_outcome = d["outcome"]
            if d["outcome"] in ("sustained", "remanded"):  # the Board reverses the denial
                _rescind(s)
        return
    s.appeal_decided_at, s.appeal_outcome = e.at, d["outcome"]
    for a in s.appeals.values():  # the Board decides every appeal pending before it
        if a.decided_at is None:
            a.decided_at, a.outcome = e.at, d["outcome"]
    _terminate_protection(s, d)
    if d["outcome"] == "sustained":
        s.concluded = True
    elif d["outcome"] == "remanded":
        s.order = None
        s.appeal_filed_at = s.appeal_decided_at = None
        s.appeals = {}
    elif d.get("vd_deadline") and s.order is not None:
        # The Board grants or reinstates voluntary departure: the alternate order becomes final
        # only on overstay (8 CFR 1240.26, 1241.1(f)).
        s.order.outcome = "voluntary_departure"
        s.order.vd_deadline = date.fromisoformat(d["vd_deadline"])


def stay_key(reference: str) -> str:
    """How a stay's reference is compared: trimmed, case-folded, inner space made one."""
    return " ".join(reference.split()).casefold()


def _stay_granted(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    until = d.get("until")
    ref = str(d.get("reference") or d["kind"])  # a stay recorded before stays were records
    s.stays[stay_key(ref)] = Stay(ref, d["kind"], str(d.get("issued_by", "")), e.at,
                                  _instant(until) if until else None, e.seq)


def _stay_lifted(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    if d.get("stay"):
        lifted = [s.stays[k] for k in (stay_key(str(d["stay"])),) if k in s.stays]
    else:  # recorded before stays were records: it lifted the stay of its kind
        lifted = [v for v in s.stays.values() if v.kind == d.get("kind")]
    for stay in lifted:
        stay.lifted_at = stay.lifted_at or e.at
        if stay.kind == "judicial":  # only a court's stay restarts the removal period
            s.stay_lifted_at = e.at


def _removal_warrant(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.removal_warrant_at = e.at


def _travel_document(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.travel_documents.append((d["country"], date.fromisoformat(d["valid_until"])))


def _medical(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.medical_clearance_until = date.fromisoformat(d["valid_until"])


def _third_country_notice(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.third_country_notices[d["country"].upper()] = e.at


def _fear_claimed(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    c = d["country"].upper()
    if s.fear_claims.get(c) != "fear_established":  # an established fear outlives later claims
        s.fear_claims[c], s.fear_since[c] = "pending", e.at


def _fear_decided(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    c = d["country"].upper()
    if s.fear_claims.get(c) != "fear_established":
        s.fear_claims[c], s.fear_since[c] = d["outcome"], e.at


def _motion_filed(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    receipt = str(d["receipt"])
    if stay_key(receipt) in s.motions:  # a receipt is one motion: never overwritten
        return
    s.motions[stay_key(receipt)] = Motion(
        receipt, d["grounds"], e.at, date.fromisoformat(d["filed_on"]),
        bool(d.get("stays_removal")))


def _motion_decided(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    named = s.motions.get(stay_key(str(d.get("receipt", ""))))
    # A decision recorded before motions named their receipt decided the one motion pending.
    for m in [named] if named is not None else list(s.motions.values()):
        if not m.decided:
            m.decided, m.decided_at = d["outcome"], e.at
    if d["outcome"] == "granted":
        _rescind(s)


def _rescind(s: CaseState) -> None:
    """A motion to reopen granted (by the judge, or by the Board on appeal): the order goes."""
    if s.order is not None:
        s.order = None
        _clear_appeals(s)


def _clear_appeals(s: CaseState) -> None:
    """A new order, or none: no waiver, appeal or warrant of removal carries over (a warrant of
    removal is signed on one order, not its successor)."""
    s.appeal_waived_at = s.appeal_filed_at = s.appeal_decided_at = s.dhs_waived_at = None
    s.appeal_timely, s.appeal_outcome, s.appeal_party = False, "", ""
    s.appeals = {}
    s.removal_warrant_at = None


def _removal_scheduled(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.removal_scheduled = dict(d)


def _removal_recorded(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.removed_at, s.removed_to = e.at, d["destination"]
    _custody(s, "removed", e.at)
    s.removal_scheduled = None


def _released(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    _custody(s, "released", e.at)
    s.released_at = e.at


def _reviewed(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.reviews.append(
        Review(d["kind"], e.at, d["finding"], d.get("likelihood_of_removal", ""), e.actor_role))


def _closed(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.status, s.close_reason = "closed", d["reason"]


def _handed_over(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.assigned_officer, s.office = str(d["to_officer"]), str(d.get("office", ""))


def _missed(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.missed[d["deadline"]] = e.at


_EFFECTS = {
    "case_opened": _case_opened, "identity_link_proposed": _link_proposed,
    "identity_link_confirmed": _link_confirmed, "identity_link_rejected": _link_rejected,
    "citizenship_claimed": _citizenship_claimed, "citizenship_resolved": _citizenship_resolved,
    "arrest_warrant_issued": _warrant_issued, "arrest_recorded": _arrest,
    "examination_recorded": _examined, "custody_determined": _custody_determined,
    "minor_flagged": _minor_flagged, "hhs_notified": _hhs_notified, "transferred_to_orr": _to_orr,
    "classified": _classified, "placed": _placed, "transferred": _placed,
    "nta_issued": _nta_issued, "nta_served": _nta_served, "hearing_scheduled": _hearing_scheduled,
    "order_recorded": _order_recorded, "appeal_waived": _appeal_waived,
    "appeal_filed": _appeal_filed, "appeal_decided": _appeal_decided,
    "stay_granted": _stay_granted, "stay_lifted": _stay_lifted,
    "removal_warrant_issued": _removal_warrant, "travel_document_recorded": _travel_document,
    "medical_clearance_recorded": _medical, "third_country_notice_served": _third_country_notice,
    "fear_claim_recorded": _fear_claimed, "fear_claim_decided": _fear_decided,
    "motion_to_reopen_filed": _motion_filed, "motion_to_reopen_decided": _motion_decided,
    "removal_scheduled": _removal_scheduled, "removal_recorded": _removal_recorded,
    "released": _released, "custody_reviewed": _reviewed, "case_closed": _closed,
    "case_handed_over": _handed_over, DEADLINE_MISSED: _missed,
}


# The linkage decision recorded on ``case_opened`` (identity.Candidate.decision) -> the link.
_LINK_OF_DECISION = {"auto_link": "auto", "review": "awaiting_review", "new_person": "new_person"}


def _open_citizenship_review(s: CaseState, at: datetime) -> None:
    """A linked record indicates U.S. birth or citizenship: a citizenship review opens (guard
    USC), as if the person had claimed it, until a supervisor and counsel resolve it."""
    if not s.citizenship_claim_open:
        s.citizenship_claim_open = True
        s.citizenship_claimed_at = at


def _note_exception(s: CaseState, deadline: str, d: dict[str, Any]) -> None:
    if d.get("exception"):
        s.exceptions[deadline] = {
            "kind": d["exception"],
            "reason": d.get("exception_reason", ""),
            "approved_by": d.get("exception_approved_by", ""),
        }


def end_of_day(day: date, tz: Any) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz)


def days(n: int) -> timedelta:
    return timedelta(days=n)


# -- area: rows (addresses, court told of custody, 1367) --------------------------------------


def _address_recorded(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.addresses.append((date.fromisoformat(d["provided_on"]), str(d["address"]), e.at))


def _court_notified_of_custody(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.court_custody_notices.append(e.at)


def _protection_1367_recorded(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.protection_1367.append({"kind": d["kind"], "at": e.at})


_EFFECTS["address_recorded"] = _address_recorded
_EFFECTS["court_notified_of_custody"] = _court_notified_of_custody
_EFFECTS["protection_1367_recorded"] = _protection_1367_recorded


# -- area: children (age determination, age-out, where a child is held) ------------------------
# Each handler runs after the one already registered for its kind (another area may have added
# its own): registered by chaining, never by replacing.


def _children_also(kind: str, extra: Any) -> None:
    before = _EFFECTS.get(kind)

    def both(s: CaseState, e: Event, d: dict[str, Any]) -> None:
        if before is not None:
            before(s, e, d)
        extra(s, e, d)

    _EFFECTS[kind] = both


def _children_claim(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.minor_claims.append(e.at)


def _children_setting(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    kind = "orr" if e.kind == "transferred_to_orr" else str(d.get("facility_type") or "adult")
    s.child_settings.append((e.at, kind))


def _age_determined(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.age_findings.append((e.at, str(d["finding"])))


def _age_out_recorded(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.age_outs.append((e.at, str(d["setting"])))
    if s.custody == "with_orr":  # ORR's custody ends at 18: DHS decides the setting
        if d["setting"] == "detention":
            _custody(s, "arrested", e.at)  # in DHS custody, to be placed
            s.facility, s.facility_type = "", ""
        else:
            _custody(s, "released", e.at)
            s.released_at = e.at


_children_also("minor_flagged", _children_claim)
_children_also("placed", _children_setting)
_children_also("transferred", _children_setting)
_children_also("transferred_to_orr", _children_setting)
_EFFECTS["age_determined"] = _age_determined
_EFFECTS["age_out_recorded"] = _age_out_recorded


# -- area: custody (close, POCR notice, revocation, pre-order, bond stay) ------------------------

# PRE-ORDER: the custody authorities LAW.md lists, and those among them that mandate detention.
CUSTODY_AUTHORITIES = ("235(b)(1)", "235(b)(2)(A)", "236(a)", "236(c)", "241(a)")
MANDATORY_AUTHORITIES = frozenset({"235(b)(1)", "235(b)(2)(A)", "236(c)"})


def normalise_authority(text: str) -> str:
    """The custody authority as LAW.md writes it ("235(b)(2)(A)"), from what a clerk typed:
    any spacing or letter case, an "INA", "§" or "section" before it ("ina  § 236 (a)"); "" when
    it is none of CUSTODY_AUTHORITIES."""
    t = "".join(str(text).split()).casefold().replace("§", "")
    for prefix in ("ina", "section", "sec."):
        if t.startswith(prefix):
            t = t[len(prefix):]
    for a in CUSTODY_AUTHORITIES:
        if t == a.casefold():
            return a
    return ""


@dataclass
class BondOrder:
    """An immigration judge's custody redetermination (8 CFR 1003.19) and what followed it:
    DHS's notice of intent to appeal (EOIR-43, the automatic stay), its appeal, the Board's
    decision. ``dhs_decision`` and ``dhs_bond`` are DHS's own determination before it."""

    at: datetime
    outcome: str
    issued_by: str
    reference: str
    issued_on: date
    bond_amount: int | None
    dhs_decision: str
    dhs_bond: int | None
    stay_filed_on: date | None = None
    stay_at: datetime | None = None
    appeal_filed_on: date | None = None
    appeal_at: datetime | None = None
    decision: str = ""
    decided_on: date | None = None
    decided_at: datetime | None = None

    @property
    def releases(self) -> bool:
        return self.outcome in ("release_on_bond", "release_recognizance")


_h3_custody_determined = _EFFECTS["custody_determined"]


def _custody_decision(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    _h3_custody_determined(s, e, d)
    s.custody_authority = normalise_authority(str(d.get("authority", "")))
    s.custody_decision = str(d["decision"])
    s.custody_bond = d.get("bond_amount") if d["decision"] == "bond" else None


_h3_reviewed = _EFFECTS["custody_reviewed"]


def _custody_review(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    _h3_reviewed(s, e, d)
    s.reviewer_ids.append(e.actor_id)


def _pocr_notice_served(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.pocr_notices.append((e.at, date.fromisoformat(str(d["review_on"]))))


def _release_revoked(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.revoked_at, s.revocation_interview_at = e.at, None
    s.revocations.append({"at": e.at, "grounds": d["grounds"], "by": e.actor_id})
    _custody(s, "detained", e.at)  # returned to custody (8 CFR 241.4(l)(1))


def _revocation_interview(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    if s.revoked_at is not None and s.revocation_interview_at is None:
        s.revocation_interview_at = e.at


def _bond_order(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.bond_orders.append(BondOrder(
        e.at, str(d["outcome"]), str(d["issued_by"]), str(d["reference"]),
        date.fromisoformat(str(d["issued_on"])), d.get("bond_amount"),
        s.custody_decision, s.custody_bond))


def _bond_stay(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    if s.bond_orders and s.bond_orders[-1].stay_at is None:
        s.bond_orders[-1].stay_filed_on = date.fromisoformat(str(d["filed_on"]))
        s.bond_orders[-1].stay_at = e.at


def _bond_appeal(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    if s.bond_orders and s.bond_orders[-1].appeal_at is None:
        s.bond_orders[-1].appeal_filed_on = date.fromisoformat(str(d["filed_on"]))
        s.bond_orders[-1].appeal_at = e.at


def _bond_appeal_decided(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    if s.bond_orders and s.bond_orders[-1].appeal_at is not None and not s.bond_orders[-1].decision:
        o = s.bond_orders[-1]
        o.decision, o.decided_at = str(d["outcome"]), e.at
        o.decided_on = date.fromisoformat(str(d["issued_on"]))


_EFFECTS["custody_determined"] = _custody_decision
_EFFECTS["custody_reviewed"] = _custody_review
_EFFECTS["pocr_notice_served"] = _pocr_notice_served
_EFFECTS["release_revoked"] = _release_revoked
_EFFECTS["revocation_interview_recorded"] = _revocation_interview
_EFFECTS["bond_order_recorded"] = _bond_order
_EFFECTS["bond_stay_filed"] = _bond_stay
_EFFECTS["bond_appeal_filed"] = _bond_appeal
_EFFECTS["bond_appeal_decided"] = _bond_appeal_decided


# -- area: rows (detainers, consular notice, legal orientation, a new NTA) ---------------------


def agency_key(agency: str) -> str:
    """How an agency named on a detainer is compared: trimmed, case-folded, inner space one."""
    return " ".join(agency.split()).casefold()


def terminated_without_prejudice(s: CaseState) -> bool:
    """The case's order terminated the proceedings without prejudice (DHS may charge again)."""
    o = s.order
    if o is None or o.outcome != "terminated":
        return False
    return any(e.seq == o.seq and e.kind == "order_recorded" and bool(e.data.get("without_prejudice"))
               for e in reversed(s.history))


def _fresh_proceedings(s: CaseState, at: datetime) -> None:
    """A new NTA on the same case after a termination without prejudice: new proceedings, with
    their own hearings, order and appeals; nothing of the terminated ones carries over but the
    protections an order gave (they last for the life of the case)."""
    s.order, s.order_hearing, s.concluded = None, None, False
    _clear_appeals(s)
    s.motions = {}
    s.new_proceedings_at.append(at)


def _detainer_issued(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.detainers.append({
        "agency": str(d["agency"]), "key": agency_key(str(d["agency"])),
        "probable_cause": d["probable_cause"], "warrant": d["warrant"], "at": e.at,
        "served_at": None, "seq": e.seq})


def _detainer_served(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    for det in s.detainers:  # the earliest detainer not yet served
        if det["served_at"] is None:
            det["served_at"] = e.at
            break


def _consular_advisal_recorded(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.consular_advisals.append(
        (e.at, bool(d["notification_requested"]), str(d.get("country") or "").upper()))


def _consulate_notified(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.consulates_notified.append((e.at, str(d["country"]).upper()))


def _legal_orientation_recorded(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.legal_orientations.append((e.at, str(d["provider"]), str(d["language"])))


_EFFECTS["detainer_issued"] = _detainer_issued
_EFFECTS["detainer_served"] = _detainer_served
_EFFECTS["consular_advisal_recorded"] = _consular_advisal_recorded
_EFFECTS["consulate_notified"] = _consulate_notified
_EFFECTS["legal_orientation_recorded"] = _legal_orientation_recorded


# -- area: facilities (hold rooms, placement, transfers) -----------------------------------------


def _facilities_stay(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    """A placement or transfer: where the person is now, of which kind (the catalogue's, as the
    handler recorded it), and whether that facility may hold people past 72 hours."""
    kind = str(d.get("facility_type") or "adult")
    s.facility_type = kind
    over = d.get("facility_over_72h")
    s.facility_stays.append((e.at, str(d.get("facility", "")), kind,
                             None if over is None else bool(over)))
    if e.kind == "transferred" and d.get("emergency") and not d.get("attorney_notified"):
        s.emergency_transfers.append(e.at)


def _attorney_told_of_transfer(s: CaseState, e: Event, d: dict[str, Any]) -> None:
    s.attorney_transfer_notices.append(e.at)


def _facilities_also(kind: str, extra: Any) -> None:
    before = _EFFECTS.get(kind)

    def both(s: CaseState, e: Event, d: dict[str, Any]) -> None:
        if before is not None:
            before(s, e, d)
        extra(s, e, d)

    _EFFECTS[kind] = both


_facilities_also("placed", _facilities_stay)
_facilities_also("transferred", _facilities_stay)
_EFFECTS["attorney_notified_of_transfer"] = _attorney_told_of_transfer
