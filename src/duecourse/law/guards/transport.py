"""Fit to travel and admissible at the other end: a removal needs a travel document for the
destination and a medical clearance, each still valid on the day of departure.

Both guards look at the departure day: for ``schedule_removal`` the day of its ``depart_at``;
for ``record_removal`` the day it is recorded (the person departs now). A document recorded for
another country, or one that runs out before that day, does not count.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from ...domain.commands import ScheduleRemoval
from ..framework import GuardInput, guard
from .facilities import emergency_hospital

REMOVAL = {"schedule_removal", "record_removal"}


def departure_time(g: GuardInput) -> datetime:
    """When the person leaves: the scheduled departure, or now when the removal (or a
    transfer) is recorded."""
    if isinstance(g.command, ScheduleRemoval):
        return g.command.depart_at
    return g.at


def departure_day(g: GuardInput) -> date:
    """The legal date of departure (UTC) of :func:`departure_time`."""
    return departure_time(g).astimezone(UTC).date()


def destination(g: GuardInput) -> str:
    return str(getattr(g.command, "destination", "")).strip().upper()


@guard(
    "TRAVEL-DOC", title="A travel document for the destination, valid on the departure day",
    citation="INA 241(b)(1)-(2) (8 U.S.C. 1231(b)); INA 241(a)(1)(C); 8 CFR 241.4(g)",
    protects="no one is put on a transport to a country that has not documented them for return",
    confidence="K", commands=REMOVAL, effective_from="1997-04-01",
    source="duecourse (no LAW.md row; general knowledge, to be verified)",
    verified="2026-11-22",
)
def travel_document(g: GuardInput) -> str | None:
    dest, day = destination(g), departure_day(g)
    if not dest:
        return "the removal names no destination country"
    valid = [until for country, until in g.state.travel_documents
             if country.strip().upper() == dest]
    if not valid:
        return (f"there is no travel document for {dest} on file; the receiving country's "
                "travel document must be recorded first")
    if max(valid) < day:
        return (f"the travel document for {dest} is valid only until {max(valid):%Y-%m-%d}, "
                f"before the departure on {day:%Y-%m-%d}")
    return None


@guard(
    "MED", title="Medical clearance (fit to travel), valid on the day of a transfer or departure",
    citation="ICE PBNDS 2011 (rev. 2016) 4.3 Medical Care, 7.4 Detainee Transfers",
    protects="no one is moved between facilities or out of the country while unfit to travel",
    confidence="K", commands=REMOVAL | {"transfer"}, effective_from="2000-09-20",
    verified="2026-11-22", source="LAW.md B5",
)
def medical_clearance(g: GuardInput) -> str | None:
    if emergency_hospital(g):
        return None  # a medical emergency is the reason to move, not a want of clearance
    until, day = g.state.medical_clearance_until, departure_day(g)
    if until is None:
        return ("there is no medical clearance (fit to travel) on file; the facility's medical "
                "staff must clear the person first")
    if until < day:
        return (f"the medical clearance is valid only until {until:%Y-%m-%d}, before the "
                f"departure on {day:%Y-%m-%d}")
    return None
