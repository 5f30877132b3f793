"""Who may do what, and in what order: role authority and the lifecycle itself."""

from __future__ import annotations

from datetime import UTC, timedelta

from ...domain.case import CaseState, stay_key, terminated_without_prejudice
from ...domain.commands import (
    DecideAppeal,
    DecideFearClaim,
    DetermineCustody,
    FileMotionToReopen,
    GrantStay,
    LiftStay,
    OpenCase,
    RecordOrder,
    ReviewCustody,
    WaiveAppeal,
)
from ...domain.events import EVENT_OF_COMMAND
from ..age import minor_since
from ..calendar import court_day
from ..framework import GuardInput, guard

_OFFICER = {
    "open_case", "claim_citizenship", "record_arrest", "record_examination", "determine_custody",
    "flag_minor", "notify_hhs", "transfer_to_orr", "classify", "place", "transfer", "issue_nta",
    "serve_nta",
    "schedule_hearing", "record_order", "file_appeal", "decide_appeal",
    "grant_stay", "lift_stay", "record_travel_document", "record_medical_clearance",
    "serve_third_country_notice", "record_fear_claim",
    "schedule_removal", "record_removal", "release", "close_case", "propose_identity_link",
    # issue 15
    "determine_age", "record_age_out", "serve_pocr_notice", "record_revocation_interview",
    "issue_detainer", "serve_detainer", "record_consular_advisal", "notify_consulate",
    "record_bond_order", "record_address", "notify_court_of_custody",
    "notify_attorney_of_transfer", "record_legal_orientation", "record_1367_protection",
    # issue 17: the holder of a case hands it over (a supervisor reassigns; guard HANDOVER)
    "hand_over_case",
}
AUTHORITY: dict[str, frozenset[str]] = {
    "officer": frozenset(_OFFICER),
    "supervisor": frozenset(_OFFICER | {
        "issue_arrest_warrant", "issue_removal_warrant", "resolve_citizenship", "review_custody",
        "confirm_identity_link", "reject_identity_link", "decide_fear_claim", "confirm_entry",
        "reject_entry", "revoke_release",
    }),
    "counsel": frozenset({
        "claim_citizenship", "schedule_hearing", "record_order", "waive_appeal", "file_appeal",
        "decide_appeal", "grant_stay", "lift_stay", "record_fear_claim", "decide_fear_claim",
        "file_motion_to_reopen", "decide_motion_to_reopen", "confirm_entry", "reject_entry",
        "record_bond_order", "file_bond_stay", "file_bond_appeal", "decide_bond_appeal",
        "record_address", "notify_court_of_custody", "record_1367_protection",
    }),
    "detention": frozenset({
        "claim_citizenship", "flag_minor", "notify_hhs", "transfer_to_orr", "classify", "place",
        "transfer", "record_medical_clearance", "release",
        "serve_pocr_notice", "record_consular_advisal", "notify_consulate",
        "notify_attorney_of_transfer", "notify_court_of_custody", "record_legal_orientation",
        "record_age_out",
    }),
    "transport": frozenset({"claim_citizenship", "record_removal"}),
    "attorney": frozenset({"claim_citizenship", "file_appeal", "record_fear_claim", "waive_appeal",
                           "file_motion_to_reopen", "record_address"}),
    "oversight": frozenset(),
    "admin": frozenset(),
}
ALL_COMMANDS = frozenset().union(*AUTHORITY.values()) | {"open_case"}


@guard(
    "ROLE", title="Only an authorised role may give a command",
    citation="8 CFR 287.5; 8 CFR 239.1; 8 CFR 241.2; duecourse role table (docs/law.md)",
    protects="no action without an authorised person",
    confidence="K", commands=ALL_COMMANDS, effective_from="", verified="2026-12-07",
    source="duecourse (a rule of the software: no legal effective date)",
)
def role_may(g: GuardInput) -> str | None:
    allowed = AUTHORITY.get(g.actor.role, frozenset())
    name = g.command.name
    if name not in allowed:
        who = sorted(r for r, cmds in AUTHORITY.items() if name in cmds)
        return (f"a user in the role '{g.actor.role}' may not {name.replace('_', ' ')}; "
                f"it is for: {', '.join(who) or 'no role'}")
    if g.actor.role == "attorney" and g.state.person_id not in g.actor.clients:
        return "an attorney may act only on the cases of their own clients"
    return None


@guard(
    "LIFECYCLE", title="Commands follow the case's lifecycle",
    citation="duecourse lifecycle (docs/law.md)",
    protects="every action has the facts it depends on",
    confidence="V", commands=ALL_COMMANDS, effective_from="", verified="2026-12-07",
    source="duecourse (a rule of the software: no legal effective date)",
)
def lifecycle(g: GuardInput) -> str | None:
    s, name = g.state, g.command.name
    if s.status == "closed":
        return f"the case is closed ({s.close_reason}); nothing more can be recorded on it"
    if s.custody == "removed" and name not in ("close_case",):
        return "the person has been removed; only closing the case remains"
    need = {
        "resolve_citizenship": (s.citizenship_claim_open, "there is no open citizenship claim"),
        "record_examination": (s.last_arrest is not None and not s.examined_by,
                               "there is no arrest awaiting examination"),
        "determine_custody": (s.custody in ("arrested", "detained"),
                              "the person is not in custody (record the arrest first)"),
        "place": (s.custody in ("arrested", "detained"), "the person is not in custody"),
        "classify": (s.custody in ("arrested", "detained"), "the person is not in custody"),
        "transfer": (s.custody == "detained", "the person is not detained in a facility"),
        "release": (s.custody in ("arrested", "detained"), "the person is not in custody"),
        "record_arrest": (s.custody in ("at_large", "released"), "the person is already in custody"),
        "notify_hhs": (minor_since(s) is not None,  # by birth date, flag or finding (AGE)
                       "nothing on the case makes the person a child (no birth date under 18, "
                       "no flag or finding of minority)"),
        "transfer_to_orr": (s.unaccompanied and s.custody in ("arrested", "detained"),
                            "the person is not an unaccompanied child in DHS custody"),
        # An unserved NTA may be replaced by a corrected one (a new hearing date, a current list).
        "issue_nta": new_nta_allowed(s),
        "serve_nta": (s.nta_issued_at is not None and s.nta_served_at is None,
                      "there is no issued, unserved Notice to Appear"),
        "schedule_hearing": (s.nta_served_at is not None and s.order is None and not s.concluded,
                             "proceedings are not pending before the court"),
        "record_order": (s.nta_served_at is not None and s.order is None and not s.concluded,
                         "proceedings are not pending (serve the NTA first; one order at a time)"),
        "waive_appeal": (s.order is not None and _party(g) not in s.appeals,
                         "there is no order open to appeal by that party"),
        "file_appeal": (_motion_appealable(g) if _motion(g) else (
            s.order is not None and _party(g) not in s.appeals and not s.concluded),
            "there is no denied motion to reopen with that receipt open to appeal"
            if _motion(g) else "there is no order open to appeal by that party"),
        "decide_appeal": (_motion_appeal_pending(g) if _motion(g) else any(
            a.decided_at is None for a in s.appeals.values()), "there is no pending appeal"),
        "record_removal": (s.custody == "detained" and s.removal_scheduled is not None,
                           "no removal is scheduled for a detained person"),
        "schedule_removal": (s.custody == "detained", "the person is not detained"),
        "review_custody": (s.custody == "detained", "the person is not detained"),
        # A new indication while a not-citizen finding awaits confirmation is a new claim.
        "claim_citizenship": (not s.citizenship_claim_open or any(
            e.kind == "citizenship_resolved" for e in s.pending.values()),
            "a citizenship claim is already open"),
        "propose_identity_link": (s.identity_awaits_review and s.identity_proposal is None,
                                  "the person's identity link does not await a proposal (it is "
                                  "settled, or a proposal awaits a supervisor)"),
        "confirm_identity_link": (s.identity_proposal is not None,
                                  "no identity link has been proposed"),
        "reject_identity_link": (s.identity_proposal is not None,
                                 "no identity link has been proposed"),
        "serve_third_country_notice": (s.order is not None and s.order.outcome == "removal",
                                       "there is no removal order"),
        "decide_fear_claim": (
            s.fear_claims.get(getattr(g.command, "country", "")) in ("pending", "fear_established"),
            "there is no pending fear claim for that country"),
        "file_motion_to_reopen": (s.order is not None, "there is no order to reopen"),
        "decide_motion_to_reopen": (
            (m := s.motions.get(stay_key(getattr(g.command, "receipt", "")))) is not None
            and not m.decided, "there is no pending motion to reopen with that receipt"),
    }
    ok, why = need.get(name, (True, ""))
    if not ok:
        return why
    cmd = g.command
    waiting = _awaiting(g)
    if waiting:
        return waiting
    if isinstance(cmd, LiftStay):
        return _stay_to_lift(g, cmd)
    if isinstance(cmd, GrantStay) and cmd.until is not None and cmd.until <= g.at:
        return (f"the stay's end ({cmd.until:%Y-%m-%d %H:%M} UTC) is not after now; a stay that "
                "has already ended cannot be granted (check the date)")
    if isinstance(cmd, FileMotionToReopen) and stay_key(cmd.receipt) in s.motions:
        return f"a motion with the receipt '{cmd.receipt}' is already on file"
    vd = getattr(cmd, "vd_deadline", None)
    court = cmd.issued_by if isinstance(cmd, RecordOrder) else s.order.court if s.order else ""
    if isinstance(cmd, RecordOrder | DecideAppeal) and vd is not None and vd <= court_day(g.at, court):
        return (f"the voluntary-departure deadline {vd} is not after the day of the decision; "
                "check the date")
    if isinstance(cmd, GrantStay) and stay_key(cmd.reference) in s.stays:
        return (f"a stay with the reference '{cmd.reference}' is already on file; each stay is "
                "one order with its own reference (record a new order under its own)")
    if isinstance(cmd, WaiveAppeal) and cmd.party == "respondent" and s.appeal_waived_at:
        return "the respondent has already waived appeal"
    if isinstance(cmd, DetermineCustody) and cmd.decision == "bond" and not cmd.bond_amount:
        return "a bond decision needs a bond amount"
    if isinstance(cmd, RecordOrder) and cmd.outcome == "voluntary_departure" and not cmd.vd_deadline:
        return "a voluntary departure order needs the date by which the person must depart"
    if isinstance(cmd, ReviewCustody) and not cmd.finding:
        return "a custody review needs a finding"
    return None


# The furthest ahead of UTC a place under U.S. law keeps its days (Wake Island, UTC+12): an instant's
# latest calendar day anywhere in the United States.
_LATEST_US_OFFSET = timedelta(hours=12)


@guard(
    "LIFECYCLE", title="Time runs forward: acts are recorded in the order they happened",
    citation="duecourse lifecycle (docs/law.md)",
    protects="no act is slipped in before what the case already records (a release dated before "
             "the arrest, a custody decision before the clock it meets began), and no person is "
             "born after the encounter",
    confidence="K", commands=ALL_COMMANDS, effective_from="", verified="2026-12-07",
    source="duecourse (a rule of the software: no legal effective date)",
)
def time_runs_forward(g: GuardInput) -> str | None:
    cmd, last = g.command, g.state.last_event_at
    if isinstance(cmd, OpenCase):
        born, latest = cmd.person.birth_date, (g.at + _LATEST_US_OFFSET).date()
        if born is not None and born > latest:
            return (f"the birth date {born.isoformat()} (person.birth_date) is after the day of "
                    f"the encounter ({latest.isoformat()} at the latest anywhere in the United "
                    "States); check the birth date")
        return None
    if last is not None and g.at < last:
        return (f"this command is dated {g.at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC, before the "
                f"case's last recorded event ({last.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC); acts "
                "are recorded in the order they happened: record it now (with its own date, "
                "where the command has one)")
    return None


def _stay_to_lift(g: GuardInput, cmd: LiftStay) -> str | None:
    s = g.state
    stay = s.stays.get(stay_key(cmd.stay))
    if stay is None or not stay.in_force(g.at):
        in_force = ", ".join(f"{st.id} ({st.kind})" for st in s.stays_in_force(g.at)) or "none"
        return f"there is no stay '{cmd.stay}' in force to lift; stays in force: {in_force}"
    if cmd.kind is not None and cmd.kind != stay.kind:
        return f"stay {stay.id} is a {stay.kind} stay, not a {cmd.kind} stay"
    return None


def _awaiting(g: GuardInput) -> str | None:
    """The same entry may not be recorded twice while the first awaits its second person."""
    kind = EVENT_OF_COMMAND.get(g.command.name, "")
    cmd = g.command
    for seq, e in sorted(g.state.pending.items()):
        if e.kind != kind:
            continue
        if isinstance(cmd, LiftStay) and stay_key(str(e.data.get("stay", ""))) != stay_key(cmd.stay):
            continue
        if isinstance(cmd, DecideFearClaim) and e.data.get("country") != cmd.country:
            continue
        if isinstance(cmd, WaiveAppeal) and e.data.get("party", "respondent") != cmd.party:
            continue
        return (f"entry #{seq} ({e.kind.replace('_', ' ')}) awaits a second person's "
                "confirmation or rejection")
    return None


def _party(g: GuardInput) -> str:
    return str(getattr(g.command, "party", "respondent"))


def _motion(g: GuardInput) -> str:
    return str(getattr(g.command, "motion", ""))


def _motion_appealable(g: GuardInput) -> bool:
    m = g.state.motions.get(stay_key(_motion(g)))
    return m is not None and m.decided == "denied" and m.appeal_at is None


def _motion_appeal_pending(g: GuardInput) -> bool:
    m = g.state.motions.get(stay_key(_motion(g)))
    return m is not None and m.appeal_at is not None and not m.appeal_outcome


def new_nta_allowed(s: CaseState) -> tuple[bool, str]:
    """LIFECYCLE for ``issue_nta``: an NTA not yet served may be replaced; once served, a new one
    only after the proceedings were terminated without prejudice (fresh proceedings on the same
    case); never after a termination with prejudice, relief granted or any other order."""
    if s.nta_served_at is None:
        return True, ""
    o = s.order
    if s.concluded and terminated_without_prejudice(s):
        return True, ""
    if s.concluded and o is not None and o.outcome == "terminated":
        return False, (f"the proceedings were terminated with prejudice on {o.at:%Y-%m-%d}; "
                       "the person may not be charged again on this case")
    if s.concluded:
        return False, ("the proceedings are concluded (relief granted or the appeal sustained); "
                       "the person may not be charged again on this case")
    return False, ("a Notice to Appear was already served (the court sets the hearings); a new "
                   "one is possible only after the proceedings are terminated without prejudice")
