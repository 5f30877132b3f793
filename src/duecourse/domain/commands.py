"""Commands: imperative, frozen, validated. The vocabulary is DESIGN.md's public contract.

Every command arrives with an actor and a time (see ``Envelope``); the payloads below hold only
what the command says about the case. ``parse_command`` turns a plain mapping (a scenario step,
an API body, a CLI argument) into a command, naming the field of any bad value.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar, Literal, Union

from .. import reference
from . import valid
from .codes import CodeKind, Country, CourtCode, IssuerCode, Language
from .errors import InvalidInput, all_problems
from .person import PersonData

Role = Literal[
    "officer", "supervisor", "counsel", "detention", "transport", "oversight", "attorney", "admin"
]
ROLES: tuple[str, ...] = typing.get_args(Role)


@dataclass(frozen=True)
class Actor:
    """A named, authenticated human and the role they act in."""

    id: str
    role: str
    name: str = ""
    clients: tuple[str, ...] = ()  # person ids, for an attorney of record
    # The agency office the person works in ("Newark, NJ"), from their account: a case opened
    # by them is held by that office. "" where no account says (scenarios, the simulator).
    office: str = ""


@dataclass(frozen=True)
class Command:
    """Base of all commands. ``name`` is the vocabulary word (``open_case``)."""

    name: ClassVar[str] = ""


@dataclass(frozen=True)
class OpenCase(Command):
    name: ClassVar[str] = "open_case"
    person: PersonData
    encounter: Literal["border", "interior", "custody_transfer", "self_report", "court"]
    location: str
    legal_basis: str
    location_type: str = "public"


@dataclass(frozen=True)
class ClaimCitizenship(Command):
    """A claim or any indication of U.S. citizenship, whoever raises it (ICE Directive 16001.2:
    investigate any indication): the person, a lawyer of record or not, a relative, a document."""

    name: ClassVar[str] = "claim_citizenship"
    evidence: str
    raised_by: Literal["person", "attorney_of_record", "other_lawyer", "relative", "document",
                       "officer", "other"] = "person"
    raised_by_name: str = ""


@dataclass(frozen=True)
class ResolveCitizenship(Command):
    name: ClassVar[str] = "resolve_citizenship"
    finding: Literal["citizen", "not_citizen", "inconclusive"]
    evidence: str
    counsel: str
    issued_by: IssuerCode
    reference: str
    issued_on: date


@dataclass(frozen=True)
class IssueArrestWarrant(Command):
    name: ClassVar[str] = "issue_arrest_warrant"
    requested_by: str


@dataclass(frozen=True)
class RecordArrest(Command):
    name: ClassVar[str] = "record_arrest"
    basis: Literal["warrant", "warrantless"]
    reason_to_believe: str = ""
    likely_to_escape: str = ""
    location_type: str = "public"
    # SENS-LOC: the supervisor who approved an arrest at a protected location, and why.
    location_approved_by: str = ""
    location_reason: str = ""

    def __post_init__(self) -> None:
        # The kind of place as its code ("Place of Worship " is place_of_worship); a value off
        # the list stays as typed and is refused by SENS-LOC, which names the list.
        from ..reference.locations import location_code
        object.__setattr__(self, "location_type", location_code(self.location_type))


@dataclass(frozen=True)
class RecordExamination(Command):
    name: ClassVar[str] = "record_examination"
    no_other_officer_reason: str = ""
    # CNSL-1 (8 CFR 292.5(b)): the attorney of record of a represented person was told of the
    # examination and could attend.
    counsel_notified: bool = False


@dataclass(frozen=True)
class DetermineCustody(Command):
    name: ClassVar[str] = "determine_custody"
    decision: Literal["detain", "bond", "recognizance", "supervision", "atd"]
    authority: str
    bond_amount: int | None = None
    exception: Literal["", "emergency", "extraordinary"] = ""
    exception_reason: str = ""
    exception_approved_by: str = ""
    reason: str = ""  # why this decision (item 2: every act on a person's liberty has a reason)
    # PRE-ORDER: the agency attorney (counsel) who signed off a detention under a mandatory
    # authority (235(b)(1), 235(b)(2)(A), 236(c)).
    opla_signoff: str = ""


@dataclass(frozen=True)
class FlagMinor(Command):
    name: ClassVar[str] = "flag_minor"
    unaccompanied: bool
    age_basis: str


@dataclass(frozen=True)
class NotifyHhs(Command):
    name: ClassVar[str] = "notify_hhs"
    reference: str = ""


@dataclass(frozen=True)
class TransferToOrr(Command):
    name: ClassVar[str] = "transfer_to_orr"
    exception: Literal["", "exceptional_circumstances"] = ""
    exception_reason: str = ""
    exception_approved_by: str = ""


@dataclass(frozen=True)
class Classify(Command):
    """Custody classification at admission (CLS-1), before general-population housing; again on
    new information (CLS-3). ``basis`` records the documented data it rests on."""

    name: ClassVar[str] = "classify"
    level: Literal["A", "B", "C", "D"]
    basis: str


# The kind of facility a ``place`` or ``transfer`` names ("" = the catalogue's kind).
FacilityType = Literal["", "adult", "staging", "family", "juvenile", "orr", "hold_room",
                       "hospital"]


@dataclass(frozen=True)
class Place(Command):
    """A person booked into a facility (or a hold room, or a hospital). ``facility`` is the
    catalogue's code or its exact name; ``facility_type`` may be left blank (the handler takes
    the catalogue's kind); ``family_group``: placed together with their family (a family
    facility only)."""

    name: ClassVar[str] = "place"
    facility: str
    classification: Literal["A", "B", "C", "D"]
    facility_type: FacilityType = ""
    family_group: bool = False
    reason: str = ""


@dataclass(frozen=True)
class Transfer(Command):
    name: ClassVar[str] = "transfer"
    facility: str
    attorney_notified: bool
    facility_type: FacilityType = ""
    family_group: bool = False
    reason: str = ""
    # XFER: an emergency (a medical emergency, a facility's evacuation) lets the transfer go before
    # the attorney of record is told, with a reason and a notice clock.
    emergency: bool = False
    # XFER: the supervisor who approved a transfer shortly before a hearing (with ``reason``).
    approved_by: str = ""


@dataclass(frozen=True)
class IssueNta(Command):
    """Notice to Appear: the INA 239(a)(1) items (A)-(G) in one document."""

    name: ClassVar[str] = "issue_nta"
    charges: tuple[str, ...]
    allegations: tuple[str, ...]
    hearing_at: datetime
    court: CourtCode
    counsel_list_date: date
    nature_of_proceedings: str = "Removal proceedings under section 240 of the INA"
    legal_authority: str = "INA 239; 8 CFR 239.1"
    counsel_advisal: bool = True
    address_advisal: bool = True
    failure_to_appear_advisal: bool = True
    # INA 239(e) (8 U.S.C. 1229(e)): the statement that no prohibited source was relied on, needed
    # when the enforcement took place at a shelter, victim-services site or protection courthouse.
    statement_1229e: bool = False


@dataclass(frozen=True)
class ServeNta(Command):
    name: ClassVar[str] = "serve_nta"
    method: Literal["personal", "mail"]
    language: Language
    interpreter: str = ""


@dataclass(frozen=True)
class ScheduleHearing(Command):
    name: ClassVar[str] = "schedule_hearing"
    at: datetime
    court: CourtCode
    earlier_date_requested_in_writing: bool = False
    # Written notice of this hearing served when it is scheduled ("" = none yet): INA 239(a)(2).
    notice: Literal["", "personal", "mail", "electronic"] = ""


@dataclass(frozen=True)
class RecordOrder(Command):
    name: ClassVar[str] = "record_order"
    outcome: Literal["removal", "relief", "terminated", "voluntary_departure"]
    decision_mode: Literal["oral", "written"]
    issued_by: IssuerCode  # the immigration court whose order this is
    reference: str
    issued_on: date
    protected_countries: tuple[Country, ...] = ()
    designated_country: Country | None = None
    vd_deadline: date | None = None
    in_absentia: bool = False
    hearing_at: datetime | None = None  # in absentia: the noticed hearing the person missed
    no_address_provided: bool = False  # INA 240(b)(5)(B): no address given under 239(a)(1)(F)
    terminates_protection: tuple[Country, ...] = ()
    # outcome "terminated": without prejudice, DHS may charge the person again on a new NTA.
    without_prejudice: bool = False


@dataclass(frozen=True)
class WaiveAppeal(Command):
    """A party's waiver of appeal, made before the immigration judge (8 CFR 1003.39); the
    respondent's must be knowing and intelligent: in a language they understand or through an
    interpreter (Matter of Rodriguez-Diaz)."""

    name: ClassVar[str] = "waive_appeal"
    party: Literal["respondent", "dhs"]
    before: CourtCode
    language: Language | None = None
    interpreter: str = ""
    # The judge's order or the signed waiver it is recorded from: needed, and checked by a second
    # person, when someone other than the respondent's attorney records the respondent's waiver.
    reference: str = ""


@dataclass(frozen=True)
class FileAppeal(Command):
    name: ClassVar[str] = "file_appeal"
    party: Literal["respondent", "dhs"] = "respondent"
    # The day the Board received it, when it is recorded later (a filing is deemed filed on the
    # date it was submitted: BIA Practice Manual 3.1(a)(1)); the day it is recorded, if not given.
    filed_on: date | None = None
    receipt: str = ""  # the Board's receipt, where there is one
    # The receipt of a denied motion to reopen, when this is the appeal of that denial (it stays
    # removal while pending where the motion did: 8 CFR 1003.23(b)(4)(ii), LAW.md STAY-AUTO).
    motion: str = ""


@dataclass(frozen=True)
class DecideAppeal(Command):
    name: ClassVar[str] = "decide_appeal"
    outcome: Literal["dismissed", "sustained", "remanded"]
    issued_by: IssuerCode
    reference: str
    issued_on: date
    vd_deadline: date | None = None  # the Board grants or reinstates voluntary departure
    terminates_protection: tuple[Country, ...] = ()
    motion: str = ""  # the receipt of the motion to reopen whose denial this appeal was of


StayKind = Literal["judicial", "bia", "ij", "dhs", "mtr"]


@dataclass(frozen=True)
class GrantStay(Command):
    """A stay of removal: one order of one body, with its own reference (the stay's id), start
    and end. Any number may run at once."""

    name: ClassVar[str] = "grant_stay"
    kind: StayKind
    issued_by: IssuerCode
    reference: str
    issued_on: date
    until: datetime | None = None


@dataclass(frozen=True)
class LiftStay(Command):
    """Lift the stay whose reference is ``stay``, on the order ``reference`` of ``issued_by``."""

    name: ClassVar[str] = "lift_stay"
    stay: str
    issued_by: IssuerCode
    reference: str
    issued_on: date
    kind: StayKind | None = None


@dataclass(frozen=True)
class IssueRemovalWarrant(Command):
    name: ClassVar[str] = "issue_removal_warrant"


@dataclass(frozen=True)
class RecordTravelDocument(Command):
    name: ClassVar[str] = "record_travel_document"
    country: Country
    valid_until: date


@dataclass(frozen=True)
class RecordMedicalClearance(Command):
    name: ClassVar[str] = "record_medical_clearance"
    valid_until: date


@dataclass(frozen=True)
class ServeThirdCountryNotice(Command):
    """Written notice that removal to ``country`` — neither a country of the person's
    nationality nor the one the order designates — is intended, served in a language the person
    understands (3RD-CTRY)."""

    name: ClassVar[str] = "serve_third_country_notice"
    country: Country
    language: Language
    interpreter: str = ""
    assurance: str = ""  # the diplomatic assurance's document id, where one is credited


@dataclass(frozen=True)
class RecordFearClaim(Command):
    """The person says they fear persecution or torture in ``country``."""

    name: ClassVar[str] = "record_fear_claim"
    country: Country


@dataclass(frozen=True)
class DecideFearClaim(Command):
    """The outcome of the fear screening for ``country``: the screening office's decision (a USCIS
    asylum office, or an immigration judge on review), entered with its reference. A withdrawal
    needs the person's signed statement."""

    name: ClassVar[str] = "decide_fear_claim"
    country: Country
    outcome: Literal["no_fear", "fear_established", "withdrawn"]
    issued_by: IssuerCode
    reference: str
    issued_on: date
    withdrawal_statement: str = ""


@dataclass(frozen=True)
class FileMotionToReopen(Command):
    """A motion to reopen, recorded with the court's receipt (8 CFR 1003.23(b), 1003.2(c))."""

    name: ClassVar[str] = "file_motion_to_reopen"
    grounds: Literal["lack_of_notice", "in_custody", "exceptional_circumstances", "other"]
    filed_with: IssuerCode
    receipt: str
    filed_on: date


@dataclass(frozen=True)
class DecideMotionToReopen(Command):
    name: ClassVar[str] = "decide_motion_to_reopen"
    receipt: str  # the motion it decides
    outcome: Literal["granted", "denied"]
    issued_by: IssuerCode
    reference: str
    issued_on: date


@dataclass(frozen=True)
class ConfirmEntry(Command):
    """A second person confirms, against the document, an entry that takes a protection away
    (PROVENANCE): ``entry`` is its event number, ``document_checked`` the reference read off the
    document."""

    name: ClassVar[str] = "confirm_entry"
    entry: int
    document_checked: str


@dataclass(frozen=True)
class RejectEntry(Command):
    """A second person finds that an entry does not match its document: it never takes effect."""

    name: ClassVar[str] = "reject_entry"
    entry: int
    reason: str


@dataclass(frozen=True)
class ScheduleRemoval(Command):
    name: ClassVar[str] = "schedule_removal"
    destination: Country
    depart_at: datetime
    transport: str


@dataclass(frozen=True)
class RecordRemoval(Command):
    name: ClassVar[str] = "record_removal"
    destination: Country


@dataclass(frozen=True)
class Release(Command):
    name: ClassVar[str] = "release"
    kind: Literal[
        "bond", "recognizance", "supervision", "atd", "parole", "citizenship", "relief", "other"
    ]
    conditions: str = ""
    reason: str = ""


@dataclass(frozen=True)
class ReviewCustody(Command):
    name: ClassVar[str] = "review_custody"
    # pocr, hq, zadvydas: after the order; prolonged: a pre-order review (PRE-ORDER).
    kind: Literal["pocr", "hq", "zadvydas", "prolonged"]
    finding: Literal["continue", "release"]
    likelihood_of_removal: Literal["", "significant", "not_significant"] = ""
    reason: str = ""


@dataclass(frozen=True)
class ProposeIdentityLink(Command):
    """An officer proposes which known person the case's person is, when the linkage model could
    not say (the best candidate lies between the thresholds): ``record`` is the imported record
    they believe is this person, or empty for "none of them: a new person". The store adds the
    model's probability and whether the record's person indicates U.S. birth or citizenship."""

    name: ClassVar[str] = "propose_identity_link"
    record: str
    reason: str = ""


@dataclass(frozen=True)
class ConfirmIdentityLink(Command):
    """A supervisor other than the proposer confirms the proposed link."""

    name: ClassVar[str] = "confirm_identity_link"
    reason: str = ""


@dataclass(frozen=True)
class RejectIdentityLink(Command):
    """A supervisor other than the proposer rejects the proposed link; the link awaits review
    again."""

    name: ClassVar[str] = "reject_identity_link"
    reason: str = ""


@dataclass(frozen=True)
class CloseCase(Command):
    name: ClassVar[str] = "close_case"
    reason: str


@dataclass(frozen=True)
class HandOverCase(Command):
    """The case passes to another officer, who holds it from now on (and their office with it).

    Who may hand a case over: the officer who holds it (going on leave, moving post, a case
    better handled elsewhere) or a supervisory officer of the office that holds it (who assigns
    the office's docket); never another officer of the office, who could otherwise take any
    colleague's case without a supervisor knowing. ``to_officer`` is the receiving officer's
    actor id or account user name (the application resolves it to the actor id before the law
    looks at it); ``reason`` is why, for the record (guard HANDOVER)."""

    name: ClassVar[str] = "hand_over_case"
    to_officer: str
    reason: str


# -- Issue 15: children, custody, post-order detention, detainers, consuls, addresses -----------


@dataclass(frozen=True)
class DetermineAge(Command):
    """An age determination (8 U.S.C. 1232(b)(4)): on the totality of the evidence, never a
    radiograph alone. ``finding`` confirms or clears minority."""

    name: ClassVar[str] = "determine_age"
    finding: Literal["minor", "adult"]
    evidence: str
    evidence_kinds: tuple[Literal[
        "birth_certificate", "identity_document", "other_document", "interview", "statement",
        "medical", "dental_radiograph", "bone_radiograph", "other"], ...]
    reference: str = ""


@dataclass(frozen=True)
class RecordAgeOut(Command):
    """The age-out placement record of 8 U.S.C. 1232(c)(2)(B): a child who turns 18 in federal
    custody is considered for the least restrictive setting available (danger, flight risk)."""

    name: ClassVar[str] = "record_age_out"
    setting: Literal["release", "supervision", "atd", "detention"]
    reason: str


@dataclass(frozen=True)
class ServePocrNotice(Command):
    """Written notice of the post-order custody records review, with the chance to submit
    documents (8 CFR 241.4(h)(2))."""

    name: ClassVar[str] = "serve_pocr_notice"
    review_on: date
    language: Language
    interpreter: str = ""


@dataclass(frozen=True)
class RevokeRelease(Command):
    """Revocation of release after an order (8 CFR 241.4(l), 241.13(i)): the person returns to
    custody, is told the reasons and is interviewed promptly."""

    name: ClassVar[str] = "revoke_release"
    grounds: Literal["violated_conditions", "purposes_served", "enforce_removal",
                     "changed_circumstances", "likelihood_of_removal"]
    facts: str
    reason: str
    notice_language: Language
    notice_interpreter: str = ""  # an interpreter named, when not in one of their languages


@dataclass(frozen=True)
class RecordRevocationInterview(Command):
    name: ClassVar[str] = "record_revocation_interview"
    language: Language
    interpreter: str = ""
    summary: str = ""


@dataclass(frozen=True)
class IssueDetainer(Command):
    """An immigration detainer (I-247A) to a law-enforcement agency (8 CFR 287.7)."""

    name: ClassVar[str] = "issue_detainer"
    agency: str
    probable_cause: Literal["final_order", "pending_proceedings", "biometric_records",
                            "statements"]
    warrant: Literal["I-200", "I-205"]
    reason: str = ""


@dataclass(frozen=True)
class ServeDetainer(Command):
    name: ClassVar[str] = "serve_detainer"
    method: Literal["personal", "through_agency"]
    language: Language | None = None
    interpreter: str = ""


@dataclass(frozen=True)
class RecordConsularAdvisal(Command):
    """The person is told of the right to have their consulate notified (VCCR Art. 36(1)(b);
    8 CFR 236.1(e)) and says whether they want it."""

    name: ClassVar[str] = "record_consular_advisal"
    language: Language
    notification_requested: bool
    interpreter: str = ""
    # The country whose consulate the person asks to be told (one of their nationalities; may be
    # left out when they have only one).
    country: Country | None = None


@dataclass(frozen=True)
class NotifyConsulate(Command):
    name: ClassVar[str] = "notify_consulate"
    country: Country
    method: Literal["fax", "email", "phone", "mail", "in_person"]
    reference: str = ""


@dataclass(frozen=True)
class RecordBondOrder(Command):
    """An immigration judge's custody redetermination (8 CFR 1003.19)."""

    name: ClassVar[str] = "record_bond_order"
    outcome: Literal["release_on_bond", "release_recognizance", "no_bond", "no_jurisdiction"]
    issued_by: IssuerCode
    reference: str
    issued_on: date
    bond_amount: int | None = None


@dataclass(frozen=True)
class FileBondStay(Command):
    """DHS's notice of intent to appeal a bond order (EOIR-43), which stays it (8 CFR
    1003.19(i)(2))."""

    name: ClassVar[str] = "file_bond_stay"
    filed_on: date
    reference: str


@dataclass(frozen=True)
class FileBondAppeal(Command):
    name: ClassVar[str] = "file_bond_appeal"
    filed_on: date
    receipt: str


@dataclass(frozen=True)
class DecideBondAppeal(Command):
    name: ClassVar[str] = "decide_bond_appeal"
    outcome: Literal["dismissed", "sustained"]
    issued_by: IssuerCode
    reference: str
    issued_on: date


@dataclass(frozen=True)
class RecordAddress(Command):
    """The address the person gives under INA 239(a)(1)(F) (or a change of it: EOIR-33)."""

    name: ClassVar[str] = "record_address"
    address: str
    provided_on: date


@dataclass(frozen=True)
class NotifyCourtOfCustody(Command):
    """The court is told where a detained person is held (I-830; INA 239(a)(2), NTA-ADDR)."""

    name: ClassVar[str] = "notify_court_of_custody"
    court: CourtCode
    reference: str = ""


@dataclass(frozen=True)
class NotifyAttorneyOfTransfer(Command):
    """The attorney of record is told of a transfer made in an emergency (XFER)."""

    name: ClassVar[str] = "notify_attorney_of_transfer"
    reference: str = ""


@dataclass(frozen=True)
class RecordLegalOrientation(Command):
    """A legal orientation or free legal services presentation offered (LOP): recorded, never a
    condition of anything."""

    name: ClassVar[str] = "record_legal_orientation"
    provider: str
    language: Language


@dataclass(frozen=True)
class Record1367Protection(Command):
    """The person has applied for or holds VAWA, T or U protection (8 U.S.C. 1367): their
    information is shown only to those entitled to it."""

    name: ClassVar[str] = "record_1367_protection"
    kind: Literal["vawa", "t_visa", "u_visa"]
    reference: str


COMMAND_TYPES: dict[str, type[Command]] = {
    c.name: c
    for c in (
        OpenCase, ClaimCitizenship, ResolveCitizenship, IssueArrestWarrant, RecordArrest,
        RecordExamination, DetermineCustody, FlagMinor, NotifyHhs, TransferToOrr, Classify, Place,
        Transfer,
        IssueNta, ServeNta, ScheduleHearing, RecordOrder, WaiveAppeal, FileAppeal, DecideAppeal,
        GrantStay, LiftStay, IssueRemovalWarrant, RecordTravelDocument, RecordMedicalClearance,
        ServeThirdCountryNotice, RecordFearClaim, DecideFearClaim, FileMotionToReopen,
        DecideMotionToReopen, ConfirmEntry, RejectEntry, ScheduleRemoval, RecordRemoval,
        Release, ReviewCustody, ProposeIdentityLink,
        ConfirmIdentityLink, RejectIdentityLink, CloseCase,
        DetermineAge, RecordAgeOut, ServePocrNotice, RevokeRelease, RecordRevocationInterview,
        IssueDetainer, ServeDetainer, RecordConsularAdvisal, NotifyConsulate, RecordBondOrder,
        FileBondStay, FileBondAppeal, DecideBondAppeal, RecordAddress, NotifyCourtOfCustody,
        NotifyAttorneyOfTransfer, RecordLegalOrientation, Record1367Protection,
        HandOverCase,
    )
}
COMMAND_NAMES: tuple[str, ...] = tuple(COMMAND_TYPES)


@dataclass(frozen=True)
class Envelope:
    """A command with who gives it, when, on which case, and its idempotency key."""

    command: Command
    actor: Actor
    at: datetime
    case_id: str | None = None
    idempotency_key: str | None = None
    expected_version: int | None = None


# ---------------------------------------------------------------------------------------------
# Parsing plain data into commands, naming the field of every bad value.


def parse_command(name: str, data: Mapping[str, Any] | None) -> Command:
    """Build the command called ``name`` from ``data``; raise InvalidInput naming the field."""
    cls = COMMAND_TYPES.get(name)
    if cls is None:
        raise InvalidInput("do", f"unknown command '{name}'; known: {', '.join(COMMAND_NAMES)}")
    command: Command = _build(cls, data or {}, prefix="")
    for field_name, limit in FIELD_LIMITS.get(name, {}).items():
        check_text(getattr(command, field_name), field_name, limit)
    return command


# Fields with a shorter limit than MAX_TEXT: what a case record keeps of them.
FIELD_LIMITS: dict[str, dict[str, int]] = {
    "open_case": {"location": 200}, "place": {"facility": 200}, "transfer": {"facility": 200},
    "close_case": {"reason": 500}, "classify": {"basis": 500},
    "serve_third_country_notice": {"interpreter": 200, "assurance": 200},
    "serve_nta": {"interpreter": 200}, "waive_appeal": {"interpreter": 200, "reference": 200},
    "decide_fear_claim": {"reference": 200, "withdrawal_statement": 200},
    "record_order": {"reference": 200},
    "grant_stay": {"reference": 200}, "lift_stay": {"stay": 200, "reference": 200},
    "file_appeal": {"receipt": 200, "motion": 200},
    "decide_appeal": {"reference": 200, "motion": 200},
    "decide_motion_to_reopen": {"receipt": 200, "reference": 200},
    "resolve_citizenship": {"reference": 200},
    "file_motion_to_reopen": {"receipt": 200}, "confirm_entry": {"document_checked": 200},
    "reject_entry": {"reason": 500}, "claim_citizenship": {"raised_by_name": 200},
    "propose_identity_link": {"record": 200, "reason": 500},
    "confirm_identity_link": {"reason": 500}, "reject_identity_link": {"reason": 500},
    "hand_over_case": {"to_officer": 64, "reason": 500},
}


_SHAPES: dict[type[Any], tuple[dict[str, Any], dict[str, dataclasses.Field[Any]]]] = {}


def _shape(cls: type[Any]) -> tuple[dict[str, Any], dict[str, dataclasses.Field[Any]]]:
    """A command class's field types and init fields (resolving string annotations costs a
    millisecond: once per class)."""
    shape = _SHAPES.get(cls)
    if shape is None:
        shape = _SHAPES[cls] = (typing.get_type_hints(cls, include_extras=True),
                                {f.name: f for f in dataclasses.fields(cls) if f.init})
    return shape


def _build(cls: type[Any], data: Mapping[str, Any], prefix: str) -> Any:
    if not isinstance(data, Mapping):
        raise InvalidInput(prefix.rstrip(".") or "with", "expected a mapping of fields")
    hints, fields = _shape(cls)
    unknown = sorted(str(k) for k in set(data) - set(fields))  # a YAML key may be a number
    if unknown:
        raise InvalidInput(
            prefix + unknown[0],
            f"unknown field; {cls.__name__} takes: {', '.join(fields) or 'no fields'}",
        )
    values: dict[str, Any] = {}
    problems: list[InvalidInput] = []  # every field's, in order: a form marks each one
    for fname, f in fields.items():
        try:
            _build_field(cls, f, hints[fname], data, prefix + fname, values)
        except InvalidInput as e:
            problems.append(e)
    if problems:
        raise all_problems(problems)
    return cls(**values)


def _build_field(cls: type[Any], f: dataclasses.Field[Any], tp: Any, data: Mapping[str, Any],
                 path: str, values: dict[str, Any]) -> None:
    fname = f.name
    if fname not in data:
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise InvalidInput(path, "is required")
        return
    values[fname] = _coerce(tp, data[fname], path)
    if (f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            and isinstance(values[fname], str) and not values[fname].strip()
            and issubclass(cls, Command) and (cls.name, fname) not in MAY_BE_BLANK):
        # Required text is real text (issue 15): a legal basis, an authority, evidence, a
        # reason of spaces alone is no record of one.
        raise InvalidInput(path, "is blank; it is required and must say something")


# Required text fields that may be given empty on purpose.
MAY_BE_BLANK: frozenset[tuple[str, str]] = frozenset({
    ("propose_identity_link", "record"),  # empty: "none of them: a new person"
})


_CODE_PARSERS: dict[str, Any] = {
    "country": reference.country, "language": reference.language, "court": reference.court,
    "issuer": lambda v: reference.issuer(v).code,
}


def _coerce(tp: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if origin is Annotated:
        base, *marks = typing.get_args(tp)
        text = _coerce(base, value, path)
        for mark in marks:
            if isinstance(mark, CodeKind):
                try:
                    return _CODE_PARSERS[mark.kind](text)
                except ValueError as e:
                    raise InvalidInput(path, str(e)) from None
        return text
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        if type(None) in args and (value is None or (isinstance(value, str) and not value.strip())):
            return None  # an optional field left empty is a field not given
        errors: list[str] = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(arg, value, path)
            except InvalidInput as e:
                errors.append(e.message)
        raise InvalidInput(path, "; ".join(errors))
    if origin is Literal:
        allowed = typing.get_args(tp)
        if value not in allowed:
            shown = ", ".join(repr(a) if a == "" else str(a) for a in allowed)
            raise InvalidInput(path, f"'{value}' is not one of: {shown}")
        return value
    if origin is tuple:
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise InvalidInput(path, "expected a list")
        (item_tp, _ellipsis) = typing.get_args(tp)
        return tuple(_coerce(item_tp, v, f"{path}[{i}]") for i, v in enumerate(value))
    if tp is bool:
        if not isinstance(value, bool):
            raise InvalidInput(path, f"expected true or false, got '{value}'")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput(path, f"expected a whole number, got '{value}'")
        return value
    if tp is str:
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise InvalidInput(path, f"expected text, got '{value}'")
        return check_text(str(value), path)
    if tp is datetime:
        return parse_datetime(value, path)
    if tp is date:
        return parse_date(value, path)
    if tp is PersonData:
        return _build_person(value, path)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _build(tp, value, path + ".")
    raise InvalidInput(path, f"unsupported type {tp}")  # pragma: no cover - programming error


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
MAX_TEXT = 2000  # characters in any one text field (a narrative reason included)
# Fields of a person with a shorter limit: names, a one-letter sex, an A-number, language tags.
PERSON_LIMITS = {"family_name": 200, "given_name": 200, "sex": 1, "a_number": 20}
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199


def check_text(text: str, path: str, limit: int = MAX_TEXT) -> str:
    """Text that any store can hold: no NUL, no unpaired surrogate, at most ``limit`` characters."""
    if "\x00" in text:
        raise InvalidInput(path, "contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(path, "contains a character that is not valid Unicode") from None
    if len(text) > limit:
        raise InvalidInput(path, f"is {len(text)} characters long; at most {limit}")
    return text


def _build_person(value: Any, path: str) -> PersonData:
    if not isinstance(value, Mapping):
        raise InvalidInput(path, "expected the person's details as a mapping")
    data = dict(value)
    for key in ("nationalities", "languages"):
        if isinstance(data.get(key), str):
            data[key] = [data[key]]
    try:
        person: PersonData = _build(PersonData, data, path + ".")
    except InvalidInput as e:
        # Said together with what the person's rules find in the other fields as typed (a
        # wrong birth date and a wrong sex are both marked on the form).
        failed = set(e.fields)
        typed = {k: v for k, v in data.items() if isinstance(v, str) and k != "birth_date"
                 and f"{path}.{k}" not in failed}
        raise all_problems([e, *_person_problems(typed, path)[1]]) from None
    if len(person.nationalities) > 20 or len(person.languages) > 10:
        raise InvalidInput(path, "at most 20 nationalities and 10 languages",
                           fields=(path + ".nationalities", path + ".languages"))
    checked, problems = _person_problems(
        {key: getattr(person, key) for key in PERSON_RULES}, path)
    if problems:
        raise all_problems(problems)
    if not checked["family_name"] and not checked["given_name"]:
        raise InvalidInput(path + ".family_name", "a person needs at least one name",
                           fields=(path + ".family_name", path + ".given_name"))
    # The same country or language written twice ("SV", "El Salvador") is one.
    return dataclasses.replace(person, **checked,
                               nationalities=tuple(dict.fromkeys(person.nationalities)),
                               languages=tuple(dict.fromkeys(person.languages)))


def _person_problems(values: Mapping[str, Any], path: str
                     ) -> tuple[dict[str, Any], list[InvalidInput]]:
    """The person's ``values`` by the product's rules (PERSON_RULES, PERSON_LIMITS): those that
    pass, normalised, and the problem of each that does not."""
    checked: dict[str, Any] = {}
    problems: list[InvalidInput] = []
    for key, rule in PERSON_RULES.items():
        if key not in values:
            continue
        try:
            checked[key] = rule(values[key])
            if key in PERSON_LIMITS:
                check_text(checked[key], f"{path}.{key}", PERSON_LIMITS[key])
        except ValueError as e:
            problems.append(InvalidInput(f"{path}.{key}", str(e)))
        except InvalidInput as e:
            problems.append(e)
    return checked, problems


def _birth_date(day: date | None) -> date | None:
    return None if day is None else valid.birth_date(day)


# A person's details by the product's one set of rules (domain/valid.py); countries and
# languages are parsed by their code types already.
PERSON_RULES: dict[str, Callable[[Any], Any]] = {
    "family_name": valid.name, "given_name": valid.name, "birth_date": _birth_date,
    "sex": valid.sex, "a_number": valid.a_number,
}


def parse_datetime(value: Any, path: str) -> datetime:
    """Timezone-aware UTC datetime from an ISO string or a datetime; naive times are refused."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(path, f"'{value}' is not a date and time (2026-03-01T08:00:00Z)") from None
    else:
        raise InvalidInput(path, f"expected a date and time, got '{value}'")
    if dt.tzinfo is None:
        raise InvalidInput(path, f"'{value}' has no time zone; write it in UTC with a Z")
    if not EARLIEST_YEAR <= dt.year <= LATEST_YEAR:
        raise InvalidInput(path, f"'{value}' is not between {EARLIEST_YEAR} and {LATEST_YEAR}")
    return dt.astimezone(UTC)


def parse_date(value: Any, path: str) -> date:
    if isinstance(value, datetime):
        raise InvalidInput(path, f"expected a date without a time, got '{value}'")
    if isinstance(value, date):
        day = value
    elif isinstance(value, str):
        try:  # YYYY-MM-DD only: Python also reads 19900402 and week dates (1990-W14-1)
            if not _ISO_DAY.fullmatch(value):
                raise ValueError(value)
            day = date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(path, f"'{value}' is not a date (YYYY-MM-DD)") from None
    else:
        raise InvalidInput(path, f"expected a date, got '{value}'")
    # A day may be a birth date: from 1880 (domain/valid.py); a time from 1900.
    first = valid.EARLIEST_BIRTH.year
    if not first <= day.year <= LATEST_YEAR:
        raise InvalidInput(path, f"'{value}' is not between {first} and {LATEST_YEAR}")
    return day


def command_to_dict(cmd: Command) -> dict[str, Any]:
    """The command's fields as JSON-ready data (dates as ISO strings)."""
    return {k: _plain(v) for k, v in dataclasses.asdict(cmd).items()}


def _plain(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, tuple | list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v
