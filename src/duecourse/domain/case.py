"""The case: an event-sourced aggregate. Its facts and facets are derived only from its events.

``fold`` replays events into ``CaseState`` (what has happened); ``CaseState.facets`` says where the
case stands at a moment, given the end of the appeal window, which the law computes (business days
and federal holidays are the law's business, not the domain's).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from .events import DEADLINE_MISSED, Event

ADVERSE_COMMANDS: frozenset[str] = frozenset({
    "issue_arrest_warrant", "record_arrest", "determine_custody", "place", "transfer",
    "issue_nta", "serve_nta", "schedule_hearing", "issue_removal_warrant", "schedule_removal",
    "record_removal",
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
    stays: dict[str, tuple[datetime, datetime | None]] = field(default_factory=dict)
    stay_lifted_at: datetime | None = None  # a court's stay of removal, lifted (INA 241(a)(1)(B)(ii))
    removal_warrant_at: datetime | None = None
    travel_documents: list[tuple[str, date]] = field(default_factory=list)
    medical_clearance_until: date | None = None
    third_country_notices: dict[str, datetime] = field(default_factory=dict)  # country → served
    fear_claims: dict[str, str] = field(default_factory=dict)  # country → pending or the outcome
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

    def active_stays(self, at: datetime) -> dict[str, tuple[datetime, datetime | None]]:
        return {k: v for k, v in self.stays.items() if v[1] is None or v[1] > at}

    def automatic_stay(self, at: datetime, appeal_deadline: datetime | None) -> str:
        """Why an IJ order may not be executed now (8 CFR 1003.6), or '' if it may."""
        if not self.order_is_removal or self.order is None or self.concluded:
            return ""
        if self.order.in_absentia or self.appeal_waived_at is not None:
            return ""
        if self.appeal_filed_at is not None and self.appeal_timely and self.appeal_decided_at is None:
            return "appeal_pending"
        if self.appeal_filed_at is None and appeal_deadline is not None and at <= appeal_deadline:
            return "appeal_period"
        return ""

    def final_at(self, appeal_deadline: datetime | None) -> datetime | None:
        """When the removal order became final (8 CFR 1241.1), or None if it is not final."""
        o = self.order
        if o is None or not self.order_is_removal or self.concluded:
            return None
        if o.in_absentia:
            at: datetime | None = o.at
        elif self.appeal_waived_at is not None:
            at = self.appeal_waived_at
        elif self.appeal_filed_at is not None and self.appeal_timely:
            at = self.appeal_decided_at if self.appeal_outcome == "dismissed" else None
        else:
            at = appeal_deadline
        if at is not None and o.outcome == "voluntary_departure" and o.vd_deadline is not None:
            vd_end = datetime.combine(o.vd_deadline, time(23, 59, 59), tzinfo=at.tzinfo)
            at = max(at, vd_end)
        return at

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
            if self.appeal_filed_at is not None and self.appeal_timely:
                return "on_appeal"
            return "decided"
        if self.nta_served_at is not None:
            return "pending"
        if self.nta_issued_at is not None:
            return "charged"
        return "none"

    def _holds(self, at: datetime, appeal_deadline: datetime | None) -> frozenset[str]:
        holds: set[str] = set()
        if self.citizenship_claim_open:
            holds.add("citizenship_review")
        if self.active_stays(at) or self.automatic_stay(at, appeal_deadline):
            holds.add("stay")
        return frozenset(holds)


def fold(case_id: str, events: Iterable[Event]) -> CaseState:
    """Replay a case's events, in order, into its state."""
    state = CaseState(case_id=case_id)
    for e in events:
        apply(state, e)
    return state


def apply(s: CaseState, e: Event) -> None:
    d = e.data
    s.version = e.seq
    s.last_event_at = e.at
    k = e.kind
    if k == "case_opened":
        s.person_id = d["person_id"]
        s.person = d["person"]
        s.opened_at = e.at
        s.encounter = d["encounter"]
        ident = d.get("identity") or {}
        s.identity_link = _LINK_OF_DECISION.get(ident.get("decision", ""), "")
        s.identity_candidates = list(ident.get("candidates") or [])
        if s.identity_link == "auto":
            s.identity_record = ident.get("record", "")
            if ident.get("indicates_us"):
                _open_citizenship_review(s, e.at)
    elif k == "identity_link_proposed":
        s.identity_proposal = {"record": d["record"], "by": e.actor_id,
                               "at": e.at.isoformat(), "probability": d.get("probability"),
                               "indicates_us": bool(d.get("indicates_us"))}
    elif k == "identity_link_confirmed":
        p = s.identity_proposal or {}
        s.identity_link, s.identity_record = "confirmed", p.get("record", "")
        s.identity_proposal = None
        if p.get("indicates_us"):
            _open_citizenship_review(s, e.at)
    elif k == "identity_link_rejected":
        s.identity_proposal = None  # the link awaits review again
    elif k == "citizenship_claimed":
        s.citizenship_claim_open = True
        s.citizenship_claimed_at = e.at
    elif k == "citizenship_resolved":
        if d["finding"] in ("citizen", "not_citizen"):
            s.citizenship_claim_open = False
        # A finding of citizenship stands: a later claim resolved otherwise does not undo it.
        s.citizen_found = s.citizen_found or d["finding"] == "citizen"
        if d["finding"] == "citizen" and s.citizen_found_at is None:
            s.citizen_found_at = e.at
            s.held_when_found_citizen = s.custody in ("arrested", "detained")
    elif k == "arrest_warrant_issued":
        s.warrants.append(Warrant(e.at, e.actor_id, d["requested_by"]))
    elif k == "arrest_recorded":
        warrantless = d["basis"] == "warrantless"
        if not warrantless:
            for w in s.warrants:
                if not w.used:
                    w.used = True
                    break
        s.arrests.append(Arrest(e.at, e.actor_id, warrantless, d.get("location_type", "")))
        s.custody, s.custody_since = "arrested", e.at
        s.custody_determined_at = None
        s.examined_by = ""
        s.exceptions.pop("CUS-48", None)  # a new arrest starts a new clock; old excuses do not carry
    elif k == "examination_recorded":
        s.examined_by = e.actor_id
    elif k == "custody_determined":
        s.custody_determined_at = e.at
        _note_exception(s, "CUS-48", d)
        s.custody = "detained" if d["decision"] == "detain" else "released"
        s.custody_since = e.at
        if s.custody == "released":
            s.released_at = e.at
    elif k == "minor_flagged":
        s.minor_flagged_at = s.minor_flagged_at or e.at
        if d["unaccompanied"] and not s.unaccompanied:
            s.unaccompanied, s.unaccompanied_at = True, e.at
    elif k == "hhs_notified":
        s.hhs_notified_at = s.hhs_notified_at or e.at
    elif k == "transferred_to_orr":
        s.orr_transferred_at = e.at
        _note_exception(s, "UAC-72", d)
        s.custody, s.custody_since = "with_orr", e.at
        s.facility, s.facility_type = "ORR", "orr"
    elif k == "classified":
        s.classification = d["level"]
    elif k in ("placed", "transferred"):
        s.custody, s.custody_since = "detained", e.at
        s.facility, s.facility_type = d["facility"], d.get("facility_type", "adult")
        if k == "placed":
            s.classification = d["classification"]
    elif k == "nta_issued":
        s.nta, s.nta_issued_at = dict(d), e.at
        s.nta_served_at = None
        s.hearings = [datetime.fromisoformat(d["hearing_at"].replace("Z", "+00:00"))]
    elif k == "nta_served":
        s.nta_served_at = e.at
    elif k == "hearing_scheduled":
        s.hearings.append(datetime.fromisoformat(d["at"].replace("Z", "+00:00")))
    elif k == "order_recorded":
        vd = d.get("vd_deadline")
        s.order = Order(
            e.at, d["outcome"], d["decision_mode"], tuple(d.get("protected_countries", ())),
            d.get("designated_country", ""), date.fromisoformat(vd) if vd else None,
            bool(d.get("in_absentia", False)),
        )
        s.appeal_waived_at = s.appeal_filed_at = s.appeal_decided_at = None
        s.appeal_timely, s.appeal_outcome = False, ""
        s.removal_warrant_at = None  # a warrant of removal is signed on one order, not its successor
        s.concluded = d["outcome"] in ("relief", "terminated")
    elif k == "appeal_waived":
        s.appeal_waived_at = e.at
    elif k == "appeal_filed":
        s.appeal_filed_at = e.at
        s.appeal_timely = bool(d.get("timely", True))
    elif k == "appeal_decided":
        s.appeal_decided_at, s.appeal_outcome = e.at, d["outcome"]
        if d["outcome"] == "sustained":
            s.concluded = True
        elif d["outcome"] == "remanded":
            s.order = None
            s.appeal_filed_at = s.appeal_decided_at = None
    elif k == "stay_granted":
        until = d.get("until")
        s.stays[d["kind"]] = (e.at, datetime.fromisoformat(until.replace("Z", "+00:00")) if until else None)
    elif k == "stay_lifted":
        s.stays.pop(d["kind"], None)
        if d["kind"] == "judicial":  # only a court's stay restarts the removal period
            s.stay_lifted_at = e.at
    elif k == "removal_warrant_issued":
        s.removal_warrant_at = e.at
    elif k == "travel_document_recorded":
        s.travel_documents.append((d["country"], date.fromisoformat(d["valid_until"])))
    elif k == "medical_clearance_recorded":
        s.medical_clearance_until = date.fromisoformat(d["valid_until"])
    elif k == "third_country_notice_served":
        s.third_country_notices[d["country"].upper()] = e.at
    elif k == "fear_claim_recorded":
        s.fear_claims[d["country"].upper()] = "pending"
    elif k == "fear_claim_decided":
        s.fear_claims[d["country"].upper()] = d["outcome"]
    elif k == "removal_scheduled":
        s.removal_scheduled = dict(d)
    elif k == "removal_recorded":
        s.removed_at, s.removed_to = e.at, d["destination"]
        s.custody, s.custody_since = "removed", e.at
        s.removal_scheduled = None
    elif k == "released":
        s.custody, s.custody_since, s.released_at = "released", e.at, e.at
    elif k == "custody_reviewed":
        s.reviews.append(
            Review(d["kind"], e.at, d["finding"], d.get("likelihood_of_removal", ""), e.actor_role)
        )
    elif k == "case_closed":
        s.status, s.close_reason = "closed", d["reason"]
    elif k == DEADLINE_MISSED:
        s.missed[d["deadline"]] = e.at


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
