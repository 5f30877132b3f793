"""Orders, appeals, stays and finality: removal is impossible while any stay or appeal is
pending, before the order is final, or to a protected country (LAW.md B2)."""

from __future__ import annotations

from ...domain.commands import FileAppeal, RecordRemoval, ScheduleRemoval, WaiveAppeal
from ..framework import GuardInput, guard
from .transport import REMOVAL as _REMOVAL


@guard(
    "APP-30", title="Appeal within 30 days; no appeal after a waiver or from an in-absentia order",
    citation="8 CFR 1003.38(b)-(c); 8 CFR 1003.3; 8 CFR 1240.15",
    protects="the right to appeal is kept exactly as the regulations give it",
    confidence="V", commands={"file_appeal", "waive_appeal"}, effective_from="1997-04-01",
)
def appeal_window(g: GuardInput) -> str | None:
    s, cmd = g.state, g.command
    if s.order is None:
        return None
    if isinstance(cmd, FileAppeal):
        if s.appeal_waived_at is not None:
            return "appeal was waived; a party who waived appeal cannot appeal (8 CFR 1003.3)"
        if s.order.in_absentia:
            return ("there is no appeal from an in-absentia order; the remedy is a motion to "
                    "reopen (8 CFR 1003.23(b)(4)(ii))")
    if isinstance(cmd, WaiveAppeal) and g.appeal_deadline is not None and g.at > g.appeal_deadline:
        return "the appeal window has already closed; there is nothing left to waive"
    return None


@guard(
    "STAY-AUTO", title="No removal during the appeal period, a pending appeal or a stay",
    citation="8 CFR 1003.6(a)-(b); 8 CFR 1003.23(b)(4)(ii); 8 CFR 241.6",
    protects="an immigration judge's order is not executed while it can still be reviewed",
    confidence="V", commands=_REMOVAL | {"issue_removal_warrant"}, effective_from="1997-04-01",
)
def automatic_stay(g: GuardInput) -> str | None:
    s = g.state
    auto = s.automatic_stay(g.at, g.appeal_deadline)
    if auto == "appeal_period":
        return (f"the appeal period is open until {g.appeal_deadline:%Y-%m-%d %H:%M} UTC; the order "
                "may not be executed during it (8 CFR 1003.6(a))")
    if auto == "appeal_pending":
        return "a timely appeal is pending before the BIA; the order may not be executed"
    if g.command.name in _REMOVAL:
        admin = sorted(k for k in s.active_stays(g.at) if k != "judicial")
        if admin:
            return f"a stay of removal is in effect ({', '.join(admin)})"
    return None


@guard(
    "STAY-JUD", title="A court's stay blocks removal, re-checked at departure",
    citation="INA 242(b)(3)(B); Nken v. Holder, 556 U.S. 418 (2009); 8 CFR 241.6, 1241.6",
    protects="a court's stay is honoured up to the moment of departure",
    confidence="V", commands=_REMOVAL, effective_from="1997-04-01",
)
def judicial_stay(g: GuardInput) -> str | None:
    if "judicial" in g.state.active_stays(g.at):
        when = "at departure: " if isinstance(g.command, RecordRemoval) else ""
        return f"{when}a federal court has stayed removal; the stay must be lifted first"
    return None


@guard(
    "FINAL", title="Removal only on an administratively final order",
    citation="8 CFR 1241.1; 8 CFR 241.1",
    protects="no one is removed on an order that is not final",
    confidence="V", commands=_REMOVAL | {"issue_removal_warrant"}, effective_from="1997-04-01",
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
)
def protected_country(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    if isinstance(cmd, ScheduleRemoval | RecordRemoval) and s.order is not None:
        if cmd.destination.upper() in {c.upper() for c in s.order.protected_countries}:
            return (f"the person is protected from removal to {cmd.destination} (withholding or "
                    "CAT protection); this block has no override")
    return None
