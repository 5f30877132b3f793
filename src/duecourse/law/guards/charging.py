"""The Notice to Appear: its contents, its service, the first hearing (LAW.md B1)."""

from __future__ import annotations

from datetime import date, timedelta

from ...domain.commands import IssueNta, ScheduleHearing, ServeNta
from ..calendar import court_day
from ..courts import court_of, is_known_court
from ..framework import GuardInput, guard
from .orders import understood


@guard(
    "NTA-1", title="The NTA states items (A)-(G) of INA 239(a)(1), with a concrete time and place",
    citation="INA 239(a)(1) (8 U.S.C. 1229(a)(1)); Pereira v. Sessions, 585 U.S. 198 (2018); "
             "Niz-Chavez v. Garland, 593 U.S. 155 (2021)",
    protects="the person is told in one document what is alleged and when and where to appear",
    confidence="V", commands={"issue_nta"}, effective_from="1997-04-01",
    verified="2026-11-22", source="LAW.md B1",
)
def nta_contents(g: GuardInput) -> str | None:
    cmd = g.command
    if not isinstance(cmd, IssueNta):
        return None
    missing = []
    if not cmd.nature_of_proceedings.strip():
        missing.append("(A) the nature of the proceedings")
    if not cmd.legal_authority.strip():
        missing.append("(B) the legal authority")
    if not any(a.strip() for a in cmd.allegations):
        missing.append("(C) the acts or conduct alleged")
    if not any(c.strip() for c in cmd.charges):
        missing.append("(D) the charges and the provisions of law violated")
    if not cmd.counsel_advisal:
        missing.append("(E) the right to counsel and the list of counsel")
    if not cmd.address_advisal:
        missing.append("(F) the duty to give and update an address")
    if not cmd.failure_to_appear_advisal:
        missing.append("(G) the consequences of failing to appear")
    if missing:
        return "the Notice to Appear lacks " + "; ".join(missing)
    court = court_of(cmd.court)
    if court is None or not court.is_court:  # EOIR's table also lists the Board and offices
        return f"(G) the place: '{cmd.court}' is not an immigration court base-city code"
    if not court.active:
        return (f"(G) the place: {court.code} ({court.name.title()}, {court.city.title()}, "
                f"{court.state}) is not an active immigration court in EOIR's list")
    if cmd.hearing_at <= g.at:
        return "(G) the time: the hearing must be a concrete date and time in the future"
    return None


def _first_hearing_ok(g: GuardInput, hearing_day: date, served_day: date, waived: bool) -> str | None:
    days = g.param("NTA-10.calendar_days")
    if hearing_day < served_day + timedelta(days=days) and not waived:
        return (f"the first hearing ({hearing_day}) may not be earlier than {days} days after "
                f"service ({served_day}) unless the person asks for an earlier date in writing")
    return None


@guard(
    "NTA-10", title="First hearing at least 10 days after service, unless asked earlier in writing",
    citation="INA 239(b)(1) (8 U.S.C. 1229(b)(1))",
    protects="time to find a lawyer before the first hearing",
    confidence="V", commands={"serve_nta", "schedule_hearing"}, effective_from="1997-04-01",
    verified="2026-11-22", source="LAW.md B1",
)
def ten_days(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    # Days are the court's days (LEGAL-DAY): a hearing in Saipan is on Saipan's date.
    if isinstance(cmd, ServeNta) and s.hearings:
        court = s.hearing_courts.get(s.hearings[0], "")
        return _first_hearing_ok(g, court_day(s.hearings[0], court), court_day(g.at, court), False)
    if isinstance(cmd, ScheduleHearing) and s.nta_served_at is not None:
        if not is_known_court(cmd.court):
            return None  # no court, no court's days: TEXT refuses the code
        if any(h < cmd.at for h in s.hearings):
            return None  # not the first hearing: an earlier one is on the calendar (a continuance)
        return _first_hearing_ok(g, court_day(cmd.at, cmd.court),
                                 court_day(s.nta_served_at, cmd.court),
                                 cmd.earlier_date_requested_in_writing)
    return None


@guard(
    "ARR-4", title="The NTA is served in a language the person understands",
    citation="8 CFR 287.3(c); 8 CFR 236.1(e)",
    protects="the advisals reach the person in a language they understand",
    confidence="V", commands={"serve_nta"}, effective_from="1997-04-01", verified="2026-12-07",
    source="LAW.md B1",
)
def nta_understood(g: GuardInput) -> str | None:
    cmd = g.command
    if isinstance(cmd, ServeNta):
        return understood(g.state, cmd.language, cmd.interpreter, "Notice to Appear")
    return None


@guard(
    "COUNSEL-LIST", title="The free legal services list is at most a quarter old",
    citation="INA 239(b)(2) (8 U.S.C. 1229(b)(2))",
    protects="the person receives a current list of free legal service providers",
    confidence="V", commands={"issue_nta", "serve_nta"}, effective_from="1997-04-01",
    verified="2026-11-22", source="LAW.md B1",
)
def counsel_list(g: GuardInput) -> str | None:
    cmd = g.command
    if isinstance(cmd, IssueNta):
        listed = cmd.counsel_list_date
    elif isinstance(cmd, ServeNta) and g.state.nta is not None:
        listed = date.fromisoformat(g.state.nta["counsel_list_date"])
    else:
        return None
    max_age = g.param("COUNSEL-LIST.max_age_days")
    # The NTA's own date (or its service's) is the day at its court and the UTC day; near
    # midnight the stricter reading of each bound (CNSL-1): a list dated after either day is not
    # yet the list, one older than max_age on either is stale.
    court = cmd.court if isinstance(cmd, IssueNta) else str((g.state.nta or {}).get("court", ""))
    try:
        days = {g.at.date(), court_day(g.at, court)}
    except (KeyError, ValueError):
        days = {g.at.date()}
    if listed > min(days):
        return (f"the list of free legal service providers is dated {listed}, after the "
                f"{'Notice to Appear' if isinstance(cmd, IssueNta) else 'service'} "
                f"({min(days)}); give the list current on that day")
    if listed < max(days) - timedelta(days=max_age):
        return (f"the list of free legal service providers dated {listed} is not current on "
                f"{max(days)} (it must be updated at least every {max_age} days)")
    return None
