"""Orders, appeals, stays and finality: removal is impossible while any stay or appeal is
pending, before the order is final, or to a protected country (LAW.md B2)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from ...domain.case import CaseState, Stay, stay_key
from ...domain.commands import (
    FileAppeal,
    FileMotionToReopen,
    RecordOrder,
    RecordRemoval,
    ScheduleRemoval,
    WaiveAppeal,
)
from ...reference import language as reference_language
from ...reference import language_name
from ..calendar import BOARD_ZONE, Closures, local_day, next_business_day_if_needed
from ..framework import GuardInput, appeal_deadline, appeal_last_day, guard
from ..params import param
from .transport import REMOVAL as _REMOVAL


@guard(
    "APP-30", title="Appeal within 30 days; no appeal after a waiver or from an in-absentia order",
    citation="8 CFR 1003.38(b)-(c); 8 CFR 1003.3; 8 CFR 1240.15",
    protects="the right to appeal is kept exactly as the regulations give it",
    confidence="V", commands={"file_appeal", "waive_appeal"}, effective_from="1997-04-01",
    verified="2026-11-22", source="LAW.md B2",
)
def appeal_window(g: GuardInput) -> str | None:
    s, cmd = g.state, g.command
    if s.order is None:
        return None
    if isinstance(cmd, FileAppeal) and cmd.motion:
        if cmd.party != "respondent":
            return "the appeal of a motion's denial recorded here is the respondent's"
        return _filed_on_ok(g, cmd)
    if isinstance(cmd, FileAppeal):
        waived = s.appeal_waived_at if cmd.party == "respondent" else s.dhs_waived_at
        if waived is not None:
            return (f"the {_PARTY[cmd.party]} waived appeal; a party who waived appeal cannot "
                    "appeal (8 CFR 1003.3)")
        if s.order.in_absentia:
            return ("there is no appeal from an in-absentia order; the remedy is a motion to "
                    "reopen (8 CFR 1003.23(b)(4)(ii))")
        if cmd.party == "dhs" and g.actor.role != "counsel":
            return "DHS's appeal is filed by its attorney (agency counsel)"
        return _filed_on_ok(g, cmd)
    if isinstance(cmd, WaiveAppeal) and g.appeal_deadline is not None and g.at > g.appeal_deadline:
        return "the appeal window has already closed; there is nothing left to waive"
    return None


_PARTY = {"respondent": "respondent", "dhs": "Department (DHS)"}


def _filed_on_ok(g: GuardInput, cmd: FileAppeal) -> str | None:
    if cmd.filed_on is None:
        return None
    if cmd.filed_on > latest_day(g.at):
        return f"the appeal cannot have been filed on {cmd.filed_on}, after today"
    decided = _decided_day(g.state, cmd)
    if decided is not None and cmd.filed_on < decided:
        return f"the appeal cannot have been filed on {cmd.filed_on}, before the decision"
    return None


def _decided_day(s: CaseState, cmd: FileAppeal) -> date | None:
    """The day (at its court) of the decision appealed: the order, or a motion's denial."""
    zone = s.order.zone if s.order is not None else "UTC"
    if cmd.motion:
        m = s.motions.get(stay_key(cmd.motion))
        return local_day(m.decided_at, zone) if m is not None and m.decided_at else None
    return local_day(s.order.at, zone) if s.order is not None else None


@guard(
    "WAIVE", title="Only the respondent's knowing waiver makes an order final",
    citation="8 CFR 1241.1(b); 8 CFR 1003.3(a); 8 CFR 1003.39; Matter of Rodriguez-Diaz, "
             "22 I&N Dec. 1320 (BIA 2000)",
    protects="no one loses the right to appeal by someone else's word or in a language they do "
             "not understand",
    confidence="V", commands={"waive_appeal"}, effective_from="1997-04-01", verified="2026-12-07",
    source="LAW.md B2",
)
def waiver(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    if not isinstance(cmd, WaiveAppeal):
        return None
    if (s.appeal_waived_at if cmd.party == "respondent" else s.dhs_waived_at) is not None:
        return f"the {_PARTY[cmd.party]} has already waived appeal"
    if s.order is not None and s.order.court and cmd.before != s.order.court:
        return (f"a waiver is made before the immigration judge who decided: {s.order.court}, "
                f"not {cmd.before}")
    if cmd.party == "dhs":
        if g.actor.role != "counsel":
            return "DHS's waiver is made by its attorney (agency counsel)"
        return None
    if g.actor.role not in ("counsel", "attorney"):
        return ("the respondent's waiver is recorded by agency counsel or by the respondent's "
                "attorney of record, as made before the judge")
    if g.actor.role != "attorney" and not cmd.reference.strip():
        return ("the respondent's waiver recorded by anyone but their attorney of record needs "
                "the reference of the judge's order or the signed waiver it is recorded from; a "
                "second person confirms it against that document")
    if not cmd.language:
        return "the respondent's waiver must record the language it was made in"
    return understood(s, cmd.language, cmd.interpreter, "waiver")


def understood(s: CaseState, language: str, interpreter: str, what: str) -> str | None:
    """A notice or waiver counts only if the person can understand it: in one of their
    recorded languages, or through an interpreter who is named."""
    spoken = person_languages(s)
    if language in spoken or interpreter.strip():
        return None
    on_file = ", ".join(f"{c} ({language_name(c)})" for c in spoken) or "none"
    return (f"the {what} is in {language} ({language_name(language)}), which is not among the "
            f"person's languages on file ({on_file}); use one of them or name the interpreter")


def person_languages(s: CaseState) -> list[str]:
    out = []
    for raw in s.person.get("languages") or ():
        try:
            out.append(reference_language(str(raw)))
        except ValueError:
            continue
    return out


@guard(
    "STAY-AUTO", title="No removal during the appeal period, a pending appeal or a stay",
    citation="8 CFR 1003.6(a)-(b); 8 CFR 1003.23(b)(4)(ii); 8 CFR 241.6",
    protects="an immigration judge's order is not executed while it can still be reviewed",
    confidence="V", commands=_REMOVAL | {"issue_removal_warrant"}, effective_from="1997-04-01",
    verified="2026-11-22", source="LAW.md B2",
)
def automatic_stay(g: GuardInput) -> str | None:
    s = g.state
    auto = s.automatic_stay(g.at, g.appeal_deadline)
    if auto == "appeal_period":
        assert g.appeal_deadline is not None and s.order is not None
        return (f"the appeal period is open until {_local(g.appeal_deadline, s.order.zone)}; the "
                "order may not be executed during it (8 CFR 1003.6(a))")
    if auto == "appeal_pending":
        return "a timely appeal is pending before the BIA; the order may not be executed"
    if g.command.name in _REMOVAL:
        admin = [st for st in s.stays_in_force(g.at) if st.kind != "judicial"]
        if admin:
            return "a stay of removal is in effect: " + "; ".join(_stay(st) for st in admin)
        motions = s.pending_motions()
        if motions:
            return ("a motion to reopen the in-absentia order is pending (receipt "
                    f"{motions[0].receipt}); removal is stayed until the judge decides it "
                    "(8 CFR 1003.23(b)(4)(ii))")
    return None


def _stay(st: Stay) -> str:
    end = f"until {st.until:%Y-%m-%d %H:%M} UTC" if st.until else "with no end"
    return f"{st.kind} stay {st.id} of {st.issued_by or 'an unrecorded body'}, {end}"


def _local(at: datetime, zone: str) -> str:
    local = at.astimezone(ZoneInfo(zone))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({at:%Y-%m-%d %H:%M} UTC)"


@guard(
    "STAY-JUD", title="A court's stay blocks removal, re-checked at departure",
    citation="INA 242(b)(3)(B); Nken v. Holder, 556 U.S. 418 (2009); 8 CFR 241.6, 1241.6",
    protects="a court's stay is honoured up to the moment of departure",
    confidence="V", commands=_REMOVAL, effective_from="1997-04-01",
    verified="2026-11-22", source="LAW.md B2",
)
def judicial_stay(g: GuardInput) -> str | None:
    court = g.state.stays_in_force(g.at, frozenset({"judicial"}))
    if court:
        when = "at departure: " if isinstance(g.command, RecordRemoval) else ""
        return (f"{when}a federal court has stayed removal ({'; '.join(_stay(st) for st in court)}); "
                "every court stay must be lifted first")
    return None


@guard(
    "FINAL", title="Removal only on an administratively final order",
    citation="8 CFR 1241.1; 8 CFR 241.1",
    protects="no one is removed on an order that is not final",
    confidence="V", commands=_REMOVAL | {"issue_removal_warrant"}, effective_from="1997-04-01",
    verified="2026-11-22", source="LAW.md B2",
)
def final_order(g: GuardInput) -> str | None:
    s = g.state
    if s.order is None or not s.order_is_removal or s.concluded:
        return "there is no removal order on this case"
    if not s.is_final(g.at, g.appeal_deadline):
        f = s.final_at(g.appeal_deadline)
        when = f"; it becomes final on {f:%Y-%m-%d %H:%M} UTC if nothing changes" if f else ""
        return f"the removal order is not administratively final{when}"
    return None


@guard(
    "I205", title="Warrant of removal (I-205) by an authorised official on a final order",
    citation="8 CFR 241.2(a)(1)",
    protects="removal is carried out only on a warrant signed by an authorised official",
    confidence="V", commands=_REMOVAL | {"issue_removal_warrant"}, effective_from="1997-04-01",
    verified="2026-11-22", source="LAW.md B2",
)
def removal_warrant(g: GuardInput) -> str | None:
    if g.command.name == "issue_removal_warrant":
        if g.actor.role != "supervisor":
            return "a warrant of removal may be signed only by an official listed in 8 CFR 241.2"
        return None
    if g.state.removal_warrant_at is None:
        return "there is no warrant of removal (I-205) on this case"
    return None


@guard(
    "PROT-CTRY", title="No removal to a country the person is protected from",
    citation="INA 241(b)(3); 8 CFR 208.16-.18, 1208.16-.18",
    protects="no one is sent to a country where withholding or CAT protection was granted",
    confidence="V", commands=_REMOVAL, effective_from="1997-04-01",
    verified="2026-11-22", source="LAW.md B2",
)
def protected_country(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    if isinstance(cmd, ScheduleRemoval | RecordRemoval):
        why = s.barred_countries.get(cmd.destination) or g.related_barred.get(cmd.destination)
        if why:
            return (f"the person is protected from removal to {cmd.destination} ({why}); this "
                    "block has no override and lasts for the life of the case")
    return None


@guard(
    "IN-ABS", title="An order in absentia only after a noticed hearing the person missed, never "
                    "for a person in DHS custody",
    citation="INA 240(b)(5)(A)-(C); 8 CFR 1003.26; 8 CFR 1241.1(e); 8 CFR 1003.23(b)(4)(ii)",
    protects="no one is ordered removed for missing a hearing they were not told of, had not yet "
             "come, or were held by DHS during",
    confidence="V", commands={"record_order", "file_motion_to_reopen"},
    effective_from="1997-04-01", verified="2026-12-07",
    source="LAW.md B2",
)
def in_absentia(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    if isinstance(cmd, FileMotionToReopen):
        if s.order is None:
            return "there is no order to reopen"
        if cmd.filed_on > latest_day(g.at):
            return f"the motion cannot have been filed on {cmd.filed_on}, after today"
        if cmd.filed_on < local_day(s.order.at, s.order.zone):
            return f"the motion cannot have been filed on {cmd.filed_on}, before the order"
        return None
    if not isinstance(cmd, RecordOrder) or not cmd.in_absentia:
        return None
    h = cmd.hearing_at
    if h is None:
        return "an in-absentia order must name the hearing the person did not attend (hearing_at)"
    if h not in s.hearings:
        shown = ", ".join(f"{x:%Y-%m-%d %H:%M} UTC" for x in s.hearings) or "none"
        return f"no hearing at {h:%Y-%m-%d %H:%M} UTC is on the calendar (hearings: {shown})"
    if h > g.at:
        return (f"the hearing of {h:%Y-%m-%d %H:%M} UTC has not yet taken place; no one is "
                "absent from a hearing that has not come")
    later = [x for x in s.hearings if x > h]
    if later:
        return (f"the hearing of {h:%Y-%m-%d %H:%M} UTC was continued to "
                f"{min(later):%Y-%m-%d %H:%M} UTC; absence is judged at the hearing in force")
    if h in s.absentia_hearings:
        return ("an order in absentia was already entered for that hearing and rescinded; a new "
                "hearing must be noticed")
    noticed = s.hearing_notices.get(h)
    if (noticed is None or noticed > h) and not cmd.no_address_provided:
        return ("no written notice of that hearing was served before it (INA 239(a)(1)-(2)); "
                "without it, no order in absentia (INA 240(b)(5)(A))")
    held = s.custody_at(h)
    if held in ("arrested", "detained", "with_orr"):
        return (f"the person was in government custody ({held.replace('_', ' ')}) at the time "
                "of the hearing; the government must bring them, and their absence is no ground "
                "for an order in absentia")
    return None


def motion_stays_removal(s: CaseState, cmd: FileMotionToReopen) -> bool:
    """8 CFR 1003.23(b)(4)(ii): a motion to reopen an in-absentia order stays removal while the
    judge decides it: on lack of notice or custody at any time; on exceptional circumstances
    when filed within 180 days of the order."""
    o = s.order
    if o is None or not o.in_absentia:
        return False
    if cmd.grounds in ("lack_of_notice", "in_custody"):
        return True
    if cmd.grounds == "exceptional_circumstances":
        ordered = local_day(o.at, o.zone)  # the order's day at its court (LEGAL-DAY)
        days = int(param("IN-ABS.exceptional_circumstances_days", ordered))
        return cmd.filed_on <= ordered + timedelta(days=days)
    return False


def latest_day(at: datetime) -> date:
    """The latest calendar day ``at`` falls on in any U.S. court's zone (Guam and Saipan are
    UTC+10): a document or filing dated after it is dated in the future."""
    return (at.astimezone(UTC) + timedelta(hours=10)).date()


def appeal_timely(s: CaseState, cmd: FileAppeal, at: datetime, closures: Closures) -> bool:
    """Whether an appeal reached the Board in time: filed by the end of APP-30's last day — on
    the day it says it was filed, or else at the moment it is recorded. The appeal of a motion's
    denial counts its 30 days from the denial (8 CFR 1003.38(b))."""
    if cmd.motion:
        decided = _decided_day(s, cmd)
        if decided is None:
            return False
        days = int(param("APP-30.calendar_days", decided))
        final_day = next_business_day_if_needed(decided + timedelta(days=days), closures)
        zone = s.order.zone if s.order is not None else "UTC"
        # The day it was filed: at the Board or at the court, whichever is earlier (LEGAL-DAY).
        filed = cmd.filed_on or min(local_day(at, BOARD_ZONE), local_day(at, zone))
        return filed <= final_day
    if cmd.filed_on is not None:
        last = appeal_last_day(s, closures)
        return last is None or cmd.filed_on <= last
    due = appeal_deadline(s, closures)
    return due is None or at <= due
