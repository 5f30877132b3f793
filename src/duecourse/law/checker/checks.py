"""The checks made on each event against the facts as they stood just before it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

from ...domain.events import DEADLINE_MISSED, Event
from .facts import Facts, appeal_filed_on, appeal_is_timely, waiver_party
from .legal import (
    ADVERSE_CUSTODY,
    ADVERSE_KINDS,
    GOVERNMENT_CUSTODY,
    HELD,
    ID1_KINDS,
    KNOWN_ROLES,
    NEVER_WRITE,
    REMOVAL_KINDS,
)
from .reading import instant, items, text, when
from .removal import check_removal
from .report import Flag


def check_event(f: Facts, e: Event, flag: Flag) -> None:
    for check in _CHECKS:
        check(f, e, flag)


def emergency_hospital(e: Event) -> bool:
    """An emergency transfer to a hospital: never barred for want of a medical or travel
    clearance, during a citizenship review, or on an uncertain identity (issue 15, item 5)."""
    return (e.kind == "transferred" and e.data.get("emergency") is True
            and text(e.data, "facility_type").lower() == "hospital")


def _adverse(e: Event) -> bool:
    return e.kind in ADVERSE_KINDS and not emergency_hospital(e) and not (
        e.kind == "custody_determined" and e.data.get("decision") not in ADVERSE_CUSTODY)


# -- the case's lifecycle and who may write -------------------------------------------------------


def closing_record(f: Facts, e: Event) -> bool:
    """A ``deadline_missed`` written by the closing command itself (same moment, same person,
    nothing else between): a clock that ended late is recorded with the act that closes."""
    c = f.closing
    ok = (c is not None and e.kind == DEADLINE_MISSED and e.at == c.at
          and e.actor_id == c.actor_id)
    if not ok:
        f.closing = None
    return ok


def _lifecycle(f: Facts, e: Event, flag: Flag) -> None:
    k = e.kind
    if not f.opened and k != "case_opened":
        flag("LIFECYCLE", e, f"'{k}' was recorded on a case that was never opened")
    if f.opened and k == "case_opened":
        flag("LIFECYCLE", e, "the case was opened a second time")
    if f.closed_seq and closing_record(f, e):
        pass  # the closing command's own record of a clock it ends late
    elif f.closed_seq:
        flag("LIFECYCLE", e, f"'{k}' was recorded after the case was closed (event {f.closed_seq})")
    elif f.removed_seq and k not in ("case_closed", DEADLINE_MISSED):
        flag("LIFECYCLE", e, f"'{k}' was recorded after the person was removed "
                             f"(event {f.removed_seq})")


def _role(f: Facts, e: Event, flag: Flag) -> None:
    if e.actor_role in NEVER_WRITE:
        flag("ROLE", e, f"'{e.kind}' was written by {e.actor_id}, whose role '{e.actor_role}' may "
                        "never write case facts")
    elif e.actor_role not in KNOWN_ROLES:
        flag("ROLE", e, f"'{e.kind}' was written by {e.actor_id} in an unknown role "
                        f"'{e.actor_role}'")


# -- no enforcement against a citizen, during a citizenship review, or on an uncertain identity --


def _citizenship(f: Facts, e: Event, flag: Flag) -> None:
    if not _adverse(e):
        return
    if f.citizen_found_seq:
        flag("USC", e, f"'{e.kind}' was recorded against a person found to be a U.S. citizen "
                       f"(event {f.citizen_found_seq})")
    elif f.claim_seq:
        why = f" ({f.claim_why})" if f.claim_why else ""
        flag("USC", e, f"'{e.kind}' was recorded while a citizenship review was open{why}: only "
                       "a finding takes it away (that the person is not a citizen, once confirmed)")


def _identity(f: Facts, e: Event, flag: Flag) -> None:
    k = e.kind
    if f.identity_pending and k in ID1_KINDS and not emergency_hospital(e) and not (
            k == "custody_determined" and e.data.get("decision") not in ADVERSE_CUSTODY):
        flag("ID-1", e, f"'{k}' was recorded while the person's link to the agency's records "
                        "awaited review")
    if k not in ("identity_link_confirmed", "identity_link_rejected"):
        return
    if not f.identity_proposed_by:
        flag("ID-1", e, f"'{k}' was recorded with no proposed link to decide")
    elif f.identity_proposed_by == e.actor_id:
        flag("ID-1", e, f"the link was decided ({k}) by {e.actor_id}, who proposed it")
    if e.actor_role != "supervisor":
        flag("ID-1", e, f"the link was decided ({k}) by a {e.actor_role}, not a supervisory "
                        "officer")


# -- arrest ------------------------------------------------------------------------------------


def _arrest_warrant(f: Facts, e: Event, flag: Flag) -> None:
    if e.kind != "arrest_warrant_issued":
        return
    if e.actor_role != "supervisor":
        flag("ARR-1", e, f"the I-200 was signed by a {e.actor_role}, not a supervisory officer")
    if text(e.data, "requested_by") in ("", e.actor_id):
        flag("ARR-1", e, "the I-200 was signed by the officer who requested it "
                         "(or names no requester)")
    o = f.order
    complete = o is not None and (not o.is_removal or o.is_final(e.at))
    if not f.nta_issued or complete:
        flag("ARR-1", e, "the I-200 was issued outside removal proceedings (before a Notice "
                         "to Appear, or after the proceedings were complete)")


def _arrest(f: Facts, e: Event, flag: Flag) -> None:
    if e.kind != "arrest_recorded":
        return
    d = e.data
    if d.get("basis") == "warrantless":
        missing = [what for key, what in (
            ("reason_to_believe", "the reason to believe the person is removable"),
            ("likely_to_escape", "the likelihood of escape before a warrant could be had"),
        ) if not text(d, key)]
        if missing:
            flag("ARR-2", e, "a warrantless arrest was recorded without " + " and ".join(missing))
    elif d.get("basis") == "warrant":
        # An I-205 on a final order also commands the arrest (8 CFR 241.2(b)).
        on_i205 = bool(f.removal_warrant_seq) and f.order is not None and f.order.is_final(e.at)
        if f.unserved_warrants < 1 and not on_i205:
            flag("ARR-1", e, "an arrest on a warrant was recorded with no unserved I-200 and "
                             "no warrant of removal on a final order")
    else:
        flag("ARR-2", e, f"an arrest was recorded with no lawful basis ({d.get('basis')!r})")


# -- children and transfers ----------------------------------------------------------------------


def _children(f: Facts, e: Event, flag: Flag) -> None:
    """MED on a transfer (a child's placement: ``children.py``)."""
    today = e.at.astimezone(UTC).date()
    if e.kind == "transferred" and not emergency_hospital(e) and (
            f.medical_until is None or f.medical_until < today):
        flag("MED", e, f"transferred on {today} without a medical clearance valid that day")


# -- the Notice to Appear, and notices understood (spec section 9) ------------------------------


def _nta(f: Facts, e: Event, flag: Flag) -> None:
    if e.kind != "nta_issued":
        return
    d = e.data
    missing = [what for ok, what in (
        (text(d, "nature_of_proceedings"), "(A) the nature of the proceedings"),
        (text(d, "legal_authority"), "(B) the legal authority"),
        (items(d, "allegations"), "(C) the acts or conduct alleged"),
        (items(d, "charges"), "(D) the charges"),
        (d.get("counsel_advisal") is True and d.get("counsel_list_date"),
         "(E) the right to counsel and the list of counsel"),
        (d.get("address_advisal") is True, "(F) the duty to give an address"),
        (d.get("failure_to_appear_advisal") is True and text(d, "court"),
         "(G) the place and the consequences of failing to appear"),
    ) if not ok]
    if missing:
        flag("NTA-1", e, "the Notice to Appear lacks " + "; ".join(missing))
    hearing = instant(d.get("hearing_at"))
    if hearing is None or hearing <= e.at:
        flag("NTA-1", e, "the Notice to Appear gives no hearing time in the future (G)")


_NOTICE_RULES = {"nta_served": ("ARR-4", "the Notice to Appear was served"),
                 "third_country_notice_served": ("3RD-CTRY", "the third-country notice was served"),
                 "appeal_waived": ("WAIVE", "the respondent's waiver of appeal was taken")}


def _understood(f: Facts, e: Event, flag: Flag) -> None:
    rule = _NOTICE_RULES.get(e.kind)
    if rule is None or (e.kind == "appeal_waived" and waiver_party(e) != "respondent"):
        return
    if f.understood(e.data) is False:
        on_file = ", ".join(sorted(f.languages)) or "none"
        flag(rule[0], e, f"{rule[1]} in {text(e.data, 'language') or 'no language'!r}, not a "
                         f"language the person understands (on file: {on_file}), with no "
                         "interpreter")


# -- appeals and custody reviews -------------------------------------------------------------------


def _appeal(f: Facts, e: Event, flag: Flag) -> None:
    o = f.order
    if e.kind != "appeal_filed" or o is None:
        return
    if text(e.data, "motion"):
        return  # the appeal of a motion's denial, not of the order
    party = text(e.data, "party") or "respondent"
    if party in o.waivers:
        flag("APP-30", e, f"an appeal was filed by the {party} after the {party} waived appeal")
    if o.in_absentia:
        flag("APP-30", e, "an appeal was filed from an in-absentia order")
        return
    filed, impossible = appeal_filed_on(o, e)
    if impossible:
        flag("APP-30", e, impossible)
    timely = appeal_is_timely(o, e)
    marked = e.data.get("timely")
    if isinstance(marked, bool) and marked != timely and o.window_close is not None:
        counted = (f"the Board received it on {filed}" if filed is not None
                   else f"it was recorded at {when(e.at)}")
        flag("APP-30", e, f"the appeal was recorded as {'timely' if marked else 'untimely'}, but "
                          f"{counted} and the window's last day was {o.last_day} (closing "
                          f"{when(o.window_close)}: 30 days from the order's local day {o.day}, "
                          "to the BIA's next business day)")


def _custody_review(f: Facts, e: Event, flag: Flag) -> None:
    d = e.data
    if (e.kind == "custody_reviewed" and d.get("kind") == "zadvydas"
            and d.get("finding") == "continue" and d.get("likelihood_of_removal") != "significant"):
        flag("ZAD-180", e, "detention was continued at a Zadvydas review without a finding of "
                           "a significant likelihood of removal")


# -- orders in absentia (spec section 6) --------------------------------------------------------------


def _in_absentia(f: Facts, e: Event, flag: Flag) -> None:
    if e.kind != "order_recorded" or e.data.get("in_absentia") is not True:
        return
    d = e.data
    at = instant(d.get("hearing_at"))
    if at is None:
        flag("IN-ABS", e, "an in-absentia order names no hearing the person missed")
        return
    if at > e.at:
        flag("IN-ABS", e, f"an in-absentia order was entered before the hearing ({when(at)})")
    on_calendar = [h for h in f.hearings if h.at == at]
    if not on_calendar:
        flag("IN-ABS", e, f"an in-absentia order names a hearing ({when(at)}) that is not on the "
                          "calendar")
    elif d.get("no_address_provided") is not True and not any(
            h.noticed_at is not None and h.noticed_at < at for h in on_calendar):
        flag("IN-ABS", e, f"an in-absentia order was entered without written notice of the "
                          f"hearing of {when(at)} served before it (INA 240(b)(5)(A))")
    later = [h.at for h in f.hearings if h.at > at]
    if later:
        flag("IN-ABS", e, f"an in-absentia order names the hearing of {when(at)}, which was "
                          f"continued to a later one ({when(max(later))}): absence is judged at "
                          "the hearing in force")
    earlier = f.absentia_hearings.get(at)
    if earlier is not None:
        flag("IN-ABS", e, f"an in-absentia order names the hearing of {when(at)}, for which an "
                          f"order in absentia was already entered (event {earlier})")
    held = f.custody_at(at)
    if held in GOVERNMENT_CUSTODY:
        flag("IN-ABS", e, f"an in-absentia order was entered for a person in government custody "
                          f"({held}) at the hearing's time ({when(at)})")


# -- provenance (spec sections 2-3) ------------------------------------------------------------------


def _provenance(f: Facts, e: Event, flag: Flag) -> None:
    problems: list[str] = []
    if e.kind == "fear_claim_decided":
        problems = f.fear_decision_problems(e)
    elif e.kind == "entry_confirmed":
        problems = f.confirmation_problems(e)[1]
    elif e.kind == "stay_lifted":
        problems = f.lift_problems(e)
    for p in problems:
        flag("PROVENANCE", e, p)


# -- removal -------------------------------------------------------------------------------------------


def _removal_warrant(f: Facts, e: Event, flag: Flag) -> None:
    if e.kind != "removal_warrant_issued":
        return
    if e.actor_role != "supervisor":
        flag("I205", e, f"the warrant of removal was signed by a {e.actor_role}, not an "
                        "official listed in 8 CFR 241.2")
    o = f.order
    if o is None or not o.is_final(e.at):
        flag("FINAL", e, "a warrant of removal was issued without an administratively final "
                         "removal order")


def _removal(f: Facts, e: Event, flag: Flag) -> None:
    if e.kind in REMOVAL_KINDS:
        check_removal(f, e, flag)


# -- closing with a duty outstanding ---------------------------------------------------------------


def _closing(f: Facts, e: Event, flag: Flag) -> None:
    if e.kind != "case_closed":
        return
    if f.custody in HELD and f.arrested_seq and not f.decided_since_arrest:
        flag("CUS-48", e, "the case was closed while the person was held after an arrest "
                          f"(event {f.arrested_seq}) with no custody decision")
    if f.minor_flagged and not f.hhs_notified:
        flag("UAC-48", e, "the case was closed without HHS being told of the child")
    if f.unaccompanied and f.custody in HELD:
        flag("UAC-72", e, "the case was closed while an unaccompanied child was in DHS custody")


_CHECKS: tuple[Callable[[Facts, Event, Flag], None], ...] = (
    _lifecycle, _role, _citizenship, _identity, _arrest_warrant, _arrest, _children, _nta,
    _understood, _appeal, _custody_review, _in_absentia, _provenance, _removal_warrant, _removal,
    _closing,
)
