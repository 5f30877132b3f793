"""Events: what happened to a case, in the past tense. A case is the fold of its events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# The event each accepted command appends. Events are named for what happened.
EVENT_OF_COMMAND: dict[str, str] = {
    "open_case": "case_opened",
    "claim_citizenship": "citizenship_claimed",
    "resolve_citizenship": "citizenship_resolved",
    "issue_arrest_warrant": "arrest_warrant_issued",
    "record_arrest": "arrest_recorded",
    "record_examination": "examination_recorded",
    "determine_custody": "custody_determined",
    "flag_minor": "minor_flagged",
    "notify_hhs": "hhs_notified",
    "transfer_to_orr": "transferred_to_orr",
    "classify": "classified",
    "place": "placed",
    "transfer": "transferred",
    "issue_nta": "nta_issued",
    "serve_nta": "nta_served",
    "schedule_hearing": "hearing_scheduled",
    "record_order": "order_recorded",
    "waive_appeal": "appeal_waived",
    "file_appeal": "appeal_filed",
    "decide_appeal": "appeal_decided",
    "grant_stay": "stay_granted",
    "lift_stay": "stay_lifted",
    "issue_removal_warrant": "removal_warrant_issued",
    "record_travel_document": "travel_document_recorded",
    "record_medical_clearance": "medical_clearance_recorded",
    "serve_third_country_notice": "third_country_notice_served",
    "record_fear_claim": "fear_claim_recorded",
    "decide_fear_claim": "fear_claim_decided",
    "file_motion_to_reopen": "motion_to_reopen_filed",
    "decide_motion_to_reopen": "motion_to_reopen_decided",
    "confirm_entry": "entry_confirmed",
    "reject_entry": "entry_rejected",
    "schedule_removal": "removal_scheduled",
    "record_removal": "removal_recorded",
    "release": "released",
    "review_custody": "custody_reviewed",
    "propose_identity_link": "identity_link_proposed",
    "confirm_identity_link": "identity_link_confirmed",
    "reject_identity_link": "identity_link_rejected",
    "close_case": "case_closed",
    "determine_age": "age_determined",
    "record_age_out": "age_out_recorded",
    "serve_pocr_notice": "pocr_notice_served",
    "revoke_release": "release_revoked",
    "record_revocation_interview": "revocation_interview_recorded",
    "issue_detainer": "detainer_issued",
    "serve_detainer": "detainer_served",
    "record_consular_advisal": "consular_advisal_recorded",
    "notify_consulate": "consulate_notified",
    "record_bond_order": "bond_order_recorded",
    "file_bond_stay": "bond_stay_filed",
    "file_bond_appeal": "bond_appeal_filed",
    "decide_bond_appeal": "bond_appeal_decided",
    "record_address": "address_recorded",
    "notify_court_of_custody": "court_notified_of_custody",
    "notify_attorney_of_transfer": "attorney_notified_of_transfer",
    "record_legal_orientation": "legal_orientation_recorded",
    "record_1367_protection": "protection_1367_recorded",
    "hand_over_case": "case_handed_over",
}
COMMAND_OF_EVENT: dict[str, str] = {v: k for k, v in EVENT_OF_COMMAND.items()}

# Appended by the handler beside a late action: the deadline was missed, and escalated.
DEADLINE_MISSED = "deadline_missed"


@dataclass(frozen=True)
class Event:
    """One fact about one case. ``seq`` counts from 1 within the case."""

    case_id: str
    seq: int
    kind: str
    at: datetime
    actor_id: str
    actor_role: str
    data: dict[str, Any] = field(default_factory=dict)
