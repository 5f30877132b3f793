"""A removal scheduled or recorded: the order and its finality, every stay in force, protected
countries, fitness to travel, and third-country procedure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ...domain.events import Event
from .facts import Facts
from .legal import THIRD_COUNTRY_MIN_NOTICE_HOURS
from .reading import code, instant, when
from .report import Flag


def check_removal(f: Facts, e: Event, flag: Flag) -> None:
    what = "removal was scheduled" if e.kind == "removal_scheduled" else "the person was removed"
    dest = code(e.data.get("destination"))
    taken = f.takers.get(e.actor_id)
    if taken is not None:
        flag("PROVENANCE", e, f"{what} by {e.actor_id}, who recorded or confirmed an entry that "
                              f"took a protection away (event {taken}): the duties stay apart")
    _check_order(f, e, what, flag)
    _check_stays(f, e, what, flag)
    _check_protection(f, e, what, dest, flag)
    _check_fit_to_travel(f, e, what, dest, flag)
    _check_third_country(f, e, what, dest, flag)


def _leaves(e: Event) -> datetime:
    """The departure: the scheduled time, or the time the removal is recorded."""
    return (instant(e.data.get("depart_at")) if e.kind == "removal_scheduled" else None) or e.at


def _check_order(f: Facts, e: Event, what: str, flag: Flag) -> None:
    o, t = f.order, e.at
    if o is None or not o.is_removal:
        flag("FINAL", e, f"{what} with no removal order in force")
        return
    why = o.automatic_stay(t)
    if why:
        flag("STAY-AUTO", e, f"{what} while {why} (8 CFR 1003.6(a))")
    if not o.is_final(t):
        flag("FINAL", e, f"{what} before the removal order was administratively final "
                         "(8 CFR 1241.1)")
    if not f.removal_warrant_seq:
        flag("I205", e, f"{what} without a warrant of removal issued on the order in force")


def _check_stays(f: Facts, e: Event, what: str, flag: Flag) -> None:
    stays = f.stays_in_force(e.at)
    judicial = [s.id for s in stays if s.kind == "judicial"]
    others = [f"{s.kind} {s.id}" if s.id != s.kind else s.kind
              for s in stays if s.kind != "judicial"]
    if judicial:
        flag("STAY-JUD", e, f"{what} while a court's stay of removal was in force "
                            f"({', '.join(judicial)})")
    if others:
        flag("STAY-AUTO", e, f"{what} while a stay of removal was in force ({', '.join(others)})")
    for m in f.motions_staying(e.at):
        which = f"event {m.seq}, receipt {m.receipt}" if m.receipt else f"event {m.seq}"
        flag("STAY-AUTO", e, f"{what} while a motion to reopen the in-absentia order "
                             f"({which}, {m.grounds}) was pending (8 CFR 1003.23(b)(4)(ii))")


def _check_protection(f: Facts, e: Event, what: str, dest: str, flag: Flag) -> None:
    if dest in f.protected:
        flag("PROT-CTRY", e, f"{what} to {dest}, a country an order on the case (event "
                             f"{f.protected[dest]}) protects the person from")
    status = f.fear_status(dest)
    if status == "pending":
        flag("3RD-CTRY", e, f"{what} to {dest} while the person's claim to fear it awaits a "
                            "decision with effect")
    elif status == "fear_established":
        flag("3RD-CTRY", e, f"{what} to {dest}, a country the person's fear of was found "
                            "established")


def _check_fit_to_travel(f: Facts, e: Event, what: str, dest: str, flag: Flag) -> None:
    day = _leaves(e).astimezone(UTC).date()
    doc = f.travel_documents.get(dest)
    if doc is None or doc < day:
        held = "no travel document" if doc is None else f"a travel document valid only to {doc}"
        flag("TRAVEL-DOC", e, f"{what} to {dest} for {day} with {held} for {dest}")
    if f.medical_until is None or f.medical_until < day:
        flag("MED", e, f"{what} for {day} without a medical clearance valid that day")


def _check_third_country(f: Facts, e: Event, what: str, dest: str, flag: Flag) -> None:
    designated = f.order.designated if f.order is not None else ""
    if not dest or dest in f.nationalities or dest == designated:
        return
    leaves, served = _leaves(e), f.notices.get(dest)
    hours = THIRD_COUNTRY_MIN_NOTICE_HOURS
    if served is None:
        flag("3RD-CTRY", e, f"{what} to {dest}, a third country, with no written notice served "
                            "in a language the person understands")
    elif leaves < served + timedelta(hours=hours):
        flag("3RD-CTRY", e, f"{what} to {dest} for {when(leaves)}, less than {hours} hours after "
                            f"the notice ({when(served)})")
