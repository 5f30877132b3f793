"""Where the case stands, in words, for the case page: its hearings (the next one first, each in
its court's own time zone), what is in force (fear claims and findings, the citizenship claim,
the order, its appeal window, voluntary departure), and its deadlines in local time.

Pure functions of the case's state and deadlines; the times are said by web/story.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from .. import reference
from ..app.queries import CaseView
from ..domain.case import CaseState
from ..law.deadlines import Deadline
from .story import case_zone, court_label, day, local, timeline, utc


@dataclass(frozen=True)
class Hearing:
    at: datetime
    court: str  # its label: "Honolulu, HI (HON)"
    address: str
    zone: str
    when: str  # local date and time with the zone's abbreviation
    utc: str
    kind: str
    status: str


def _court_zone(code: str, fallback: str) -> str:
    try:
        return reference.zone_name(code) if code else fallback
    except KeyError:
        return fallback


def _address(code: str) -> str:
    c = reference.court_of(code) if code else None
    return f"{c.street_address.title()}, {c.city.title()}, {c.state} {c.zip}" if c else ""


def hearings(state: CaseState, at: datetime, zone: str) -> list[Hearing]:
    """Every hearing of the current proceedings, in order: the NTA's first, then each
    scheduled; whether it is to come or past, noticed, and used by an order in absentia."""
    first = min(state.hearings) if state.hearings else None
    out = []
    for h in sorted(state.hearings):
        code = state.hearing_courts.get(h, "")
        hz = _court_zone(code, zone)
        kind = "initial hearing (on the Notice to Appear)" if h == first else "hearing"
        noticed = state.hearing_notices.get(h)
        status = "to come" if h >= at else "past"
        if noticed is not None:
            status += f"; notice served {local(noticed, hz)}"
        elif h >= at:
            status += "; no written notice recorded yet"
        if h in state.absentia_hearings:
            status += "; the person did not appear: order entered in absentia"
        out.append(Hearing(h, court_label(code), _address(code), hz, local(h, hz), utc(h),
                           kind, status))
    return out


def next_hearing(rows: list[Hearing], at: datetime) -> Hearing | None:
    return next((h for h in rows if h.at >= at), None)


@dataclass(frozen=True)
class Standing:
    """One thing in force (or that was), said in words, with its date."""

    topic: str
    what: str
    since: str  # its date, local


FEAR = {"pending": "claimed; the screening is pending (removal there waits for it)",
        "fear_established": "a fear was found established: removal there is barred",
        "no_fear": "no credible or reasonable fear was found (it bars nothing)",
        "withdrawn": "the claim was withdrawn (it bars nothing)",
        "terminated": "the finding of fear was ended by a later decision"}
ORDER = {"removal": "an order of removal", "relief": "relief granted: proceedings end",
         "terminated": "proceedings terminated",
         "voluntary_departure": "voluntary departure, with an alternate order of removal"}


def _countries(codes: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"{reference.country_name(c)} ({c})" for c in codes)


def fear(state: CaseState, zone: str) -> list[Standing]:
    return [Standing(f"Fear of return to {_countries([c])}", FEAR.get(v, v.replace("_", " ")),
                     local(state.fear_since[c], zone) if c in state.fear_since else "")
            for c, v in sorted(state.fear_claims.items())]


def citizenship(state: CaseState, zone: str) -> list[Standing]:
    if state.citizen_found and state.citizen_found_at is not None:
        return [Standing("Citizenship claim", "found to be a U.S. citizen: the case may not "
                         "proceed against them", local(state.citizen_found_at, zone))]
    if state.citizenship_claim_open and state.citizenship_claimed_at is not None:
        return [Standing("Citizenship claim", "open: under review; no removal until it is "
                         "resolved", local(state.citizenship_claimed_at, zone))]
    resolved = [e for e in state.history if e.kind == "citizenship_resolved"]
    if resolved:
        finding = str(resolved[-1].data.get("finding", "")).replace("_", " ")
        return [Standing("Citizenship claim", f"resolved: {finding}", local(resolved[-1].at,
                                                                             zone))]
    return []


def order(state: CaseState, deadlines: list[Deadline], zone: str, at: datetime) -> list[Standing]:
    o = state.order
    if o is None:
        return []
    oz = o.zone if o.zone != "UTC" else zone
    what = ORDER.get(o.outcome, o.outcome.replace("_", " "))
    if o.in_absentia:
        what += ", entered in absentia"
    if o.court:
        what += f", by the immigration court {court_label(o.court)}"
    if o.designated_country:
        what += f"; country designated: {_countries([o.designated_country])}"
    if o.protected_countries:
        what += f"; withholding or CAT protection from {_countries(o.protected_countries)}"
    out = [Standing("Order", what, local(o.at, oz))]
    out += _appeal(state, deadlines, oz, at)
    if o.vd_deadline is not None:
        gone = "passed" if at > state.vd_end else "runs"
        out.append(Standing("Voluntary departure", f"the person must depart by the end of "
                            f"{day(o.vd_deadline)} (court's time); the period {gone}",
                            local(state.vd_end, oz)))
    return out


def _appeal(state: CaseState, deadlines: list[Deadline], zone: str,
            at: datetime) -> list[Standing]:
    if state.appeal_pending and state.appeal_filed_at is not None:
        return [Standing("Appeal", "an appeal is pending before the Board: removal is stayed",
                         local(state.appeal_filed_at, zone))]
    if state.appeal_decided_at is not None:
        return [Standing("Appeal", f"decided by the Board: {state.appeal_outcome}",
                         local(state.appeal_decided_at, zone))]
    if state.appeal_waived_at is not None:
        return [Standing("Appeal", "waived by the respondent: no appeal window",
                         local(state.appeal_waived_at, zone))]
    window = next((d for d in deadlines if d.id == "APP-30"), None)
    if window is None:
        return []
    said = (f"open until {local(window.due_at, zone)}; removal waits while it is open"
            if window.due_at >= at else f"closed at {local(window.due_at, zone)}, unused")
    return [Standing("Appeal window", said, local(window.started_at, zone))]


def in_force(state: CaseState, deadlines: list[Deadline], zone: str,
             at: datetime) -> list[Standing]:
    """Fear claims and findings, the citizenship claim, the order, its appeal and voluntary
    departure (stays and protections have their own sections)."""
    return [*fear(state, zone), *citizenship(state, zone), *order(state, deadlines, zone, at)]


@dataclass(frozen=True)
class Clock:
    deadline: Deadline
    started: str
    due: str
    started_utc: str
    due_utc: str


def clocks(deadlines: list[Deadline], zone: str) -> list[Clock]:
    return [Clock(d, local(d.started_at, zone), local(d.due_at, zone), utc(d.started_at),
                  utc(d.due_at)) for d in deadlines]


def case_story(view: CaseView, at: datetime) -> dict[str, Any]:
    """What the case page's story sections show (templates/case.html): the zone its times are
    read in (and ``in_zone``, an instant said there), the hearings and the next one, what is in
    force, the clocks and the timeline."""
    zone = case_zone(view.state, at, view.offices)
    rows = hearings(view.state, at, zone.name)
    return {"zone": zone, "in_zone": partial(local, zone=zone.name), "hearings": rows,
            "next_hearing": next_hearing(rows, at),
            "standing": in_force(view.state, view.deadlines, zone.name, at),
            "clocks": clocks(view.deadlines, zone.name),
            "timeline": timeline(view.events, view.actor_names, zone.name)}
