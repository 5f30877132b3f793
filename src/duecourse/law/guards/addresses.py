"""Addresses and notice (LAW.md B1 NTA-ADDR): a notice by mail goes to the last address the
person gave under INA 239(a)(1)(F); an order in absentia on a mailed notice stands only if the
notice went to that address; the court is told where a detained person is held."""

from __future__ import annotations

import re
from datetime import date, datetime

from ...domain.case import CaseState
from ...domain.commands import (
    NotifyCourtOfCustody,
    RecordAddress,
    RecordOrder,
    ScheduleHearing,
    ServeNta,
)
from ...domain.events import Event
from ..clocks_rows import proceedings_court
from ..framework import GuardInput, guard
from .orders import latest_day

_HELD = ("arrested", "detained")


def _instant(v: str) -> datetime:
    return datetime.fromisoformat(v.replace("Z", "+00:00"))


def address_key(text: str) -> str:
    """An address compared without regard to letter case, spacing or punctuation spacing."""
    return " ".join(text.replace(",", " ").replace(".", " ").split()).casefold()


# Words that say where a person is NOT to be reached, or stand in for an address: a text made only
# of these (and of letters or numbers standing alone) gives no place mail can go.
_NOT_ADDRESS = frozenset({
    "unknown", "unk", "none", "nil", "null", "na", "n", "a", "tbd", "tba", "tbc", "todo", "x",
    "xx", "xxx", "no", "not", "fixed", "address", "addresses", "addr", "homeless", "unhoused",
    "transient", "street", "city", "state", "zip", "code", "given", "provided", "known",
    "available", "declined", "refused", "to", "be", "will", "provide", "later", "pending", "yet",
    "same", "as", "above", "see", "file", "notes", "record", "test", "dummy", "placeholder",
    "blank", "empty", "other", "various", "in", "at", "of", "the", "and", "or", "custody",
    "detained", "abode", "residence", "permanent", "current", "has", "have", "without", "on",
    "somewhere", "anywhere", "desconocido", "desconocida", "ninguno", "ninguna", "sin",
    "domicilio", "direccion", "dirección", "fijo", "calle", "tiene",
})


def not_an_address(text: str) -> str | None:
    """Why ``text`` is not an address mail can be sent to, or None when it may be one.

    An address names a place: it has letters, and a word of its own beyond the words that only
    say there is none ("unknown", "N/A", "homeless", "no fixed address", "TBD"). A house number
    is not required (a rural route, "General Delivery, Nome, AK", "c/o Hope House, Newark NJ"
    are addresses); without any digit it has at least three words; in all it has at least eight
    letters and digits ("Apt 3" or "Queens NY" alone reach nobody)."""
    words = re.sub(r"[\W_]+", " ", text.casefold()).split()
    if not re.search(r"[^\W\d_]", text):
        return "has no letters: an address names at least the city and state"
    if all(w in _NOT_ADDRESS or (len(w) == 1 and not w.isdigit()) for w in words):
        return "says there is no address, or stands in for one: it is not a place mail can reach"
    digits = any(c.isdigit() for c in text)
    if sum(len(w) for w in words) < 8 or (not digits and len(words) < 3):
        return ("is too short to reach anyone: give the street and number, rural route or box "
                "(or General Delivery), the city and the state")
    return None


def _shown(text: str) -> str:
    return text.strip()[:60]


def address_on_file(s: CaseState, at: datetime) -> tuple[date, str, datetime] | None:
    """The address a notice sent at ``at`` goes to: of those recorded by then, the one the person
    gave last (ties: the one recorded last)."""
    known = [a for a in s.addresses if a[2] <= at]
    return max(known, key=lambda a: (a[0], a[2])) if known else None


def address_given_by(s: CaseState, day: date) -> tuple[date, str, datetime] | None:
    """The last address the person had given on or before ``day``, even one recorded later (an
    EOIR-33 filed on time but entered late still binds the notice)."""
    given = [a for a in s.addresses if a[0] <= day]
    return max(given, key=lambda a: (a[0], a[2])) if given else None


def _day(d: date) -> str:
    return d.isoformat()


def _mail_needs_address(s: CaseState, at: datetime, what: str) -> str | None:
    if s.custody in _HELD:
        return None  # mailed to where DHS holds the person
    on_file = address_on_file(s, at)
    if on_file is None:
        return (f"{what} by mail needs an address on file: the person has given none (record it "
                "with record_address, or serve the notice in person)")
    why = not_an_address(on_file[1])
    if why:
        return (f"{what} by mail needs an address on file: the one recorded ('{_shown(on_file[1])}'"
                f", given on {_day(on_file[0])}) {why} (record the real one with record_address, "
                "or serve the notice in person)")
    return None


@guard(
    "NTA-ADDR", title="Notice by mail goes to the last address the person gave; the court is told "
                      "where a detained person is held",
    citation="INA 239(a)(1)(F), (a)(2), (c); INA 240(b)(5)(A)-(B); 8 CFR 1003.15(d), 1003.26(d)",
    protects="no one is ordered removed for missing a hearing whose notice went to an address "
             "they had already left, and the court always knows where DHS holds a person",
    confidence="V", commands={"record_address", "serve_nta", "schedule_hearing", "record_order",
                              "notify_court_of_custody"},
    effective_from="1997-04-01", verified="2026-12-07", source="LAW.md B1",
)
def notice_address(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    if isinstance(cmd, RecordAddress):
        if not cmd.address.strip():
            return "the address is blank"
        why = not_an_address(cmd.address)
        if why:
            return (f"the address ('{_shown(cmd.address)}', address) {why}; record the address "
                    "the person gives (INA 239(a)(1)(F)), or none until they give one")
        if cmd.provided_on > latest_day(g.at):
            return f"an address cannot have been given on {_day(cmd.provided_on)}, after today"
        return None
    if isinstance(cmd, ServeNta) and cmd.method == "mail":
        return _mail_needs_address(s, g.at, "serving the Notice to Appear")
    if isinstance(cmd, ScheduleHearing) and cmd.notice == "mail":
        return _mail_needs_address(s, g.at, "a hearing notice")
    if isinstance(cmd, NotifyCourtOfCustody):
        court = proceedings_court(s)
        if not court:
            return "there are no proceedings before an immigration court to tell (no NTA issued)"
        if cmd.court != court:
            return (f"the proceedings are before {court}, not {cmd.court}; tell the court of the "
                    "proceedings where the person is held")
        return None
    if isinstance(cmd, RecordOrder) and cmd.in_absentia:
        return _absentia(s, cmd, g.at)
    return None


def _absentia(s: CaseState, cmd: RecordOrder, at: datetime) -> str | None:
    today = latest_day(at)
    if cmd.no_address_provided:
        given = address_given_by(s, today)
        if given is not None:
            return (f"the person gave an address on {_day(given[0])}; the judge cannot find that "
                    "no address was provided (INA 240(b)(5)(B))")
        return None
    if cmd.hearing_at is None:
        return None  # IN-ABS asks for the hearing
    notice = notice_event(s, cmd.hearing_at)
    if notice is None or notice[1] != "mail":
        return None  # no notice (IN-ABS refuses) or one served in person
    sent = notice[0]
    sent_to, latest = mailing_addresses(s, sent)
    if latest is None:
        return None  # no address was ever given: INA 240(b)(5)(B) is the judge's to find
    why = not_an_address(sent_to[2]) if sent_to is not None else None
    if sent_to is not None and why:
        return (f"the notice of the hearing was mailed on {sent.at:%Y-%m-%d} to the address on "
                f"file, '{_shown(sent_to[2])}', which {why}: no order in absentia on a notice "
                "that could reach no one (INA 240(b)(5)(A); 8 CFR 1003.26(d))")
    if sent_to is None:
        return (f"the notice of the hearing was mailed on {sent.at:%Y-%m-%d} with no address on "
                f"file, but the person had given one on {_day(latest[1])}: no order in absentia "
                "on that notice (INA 240(b)(5)(A))")
    if latest[0] != sent_to[0] and address_key(latest[2]) != address_key(sent_to[2]):
        late = f", entered only on {latest[3]:%Y-%m-%d}" if latest[0] > sent.seq else ""
        return (f"the notice of the hearing was mailed on {sent.at:%Y-%m-%d} to the address given "
                f"on {_day(sent_to[1])} ('{_shown(sent_to[2])}'), but the most recent address "
                f"the person had given before it was mailed is '{_shown(latest[2])}', given on "
                f"{_day(latest[1])}{late}: no order in absentia on a notice sent to an older "
                "address than the last one given (INA 240(b)(5)(A); 8 CFR 1003.26(d))")
    return None


# One address as the history records it: (seq of its record, day given, address, recorded at).
Given = tuple[int, date, str, datetime]


def notice_event(s: CaseState, hearing: datetime) -> tuple[Event, str] | None:
    """The event that first gave written notice of ``hearing``, with its method. The NTA's own
    hearing is noticed by the NTA's service; a replaced NTA's notices go with it."""
    found: dict[datetime, tuple[Event, str]] = {}
    nta_hearing: datetime | None = None
    for e in s.history:
        d = e.data
        if e.kind == "nta_issued":
            nta_hearing, found = _instant(d["hearing_at"]), {}
        elif e.kind == "nta_served" and nta_hearing is not None:
            found.setdefault(nta_hearing, (e, str(d.get("method", ""))))
        elif e.kind == "hearing_scheduled" and d.get("notice"):
            found.setdefault(_instant(d["at"]), (e, str(d["notice"])))
    return found.get(hearing)


def mailing_addresses(s: CaseState, sent: Event) -> tuple[Given | None, Given | None]:
    """For a notice mailed by the event ``sent``: the address it went to, and the most recent
    address the person had given before it was mailed.

    It went to the newest address recorded before it. The most recent one given is the newest of
    those and of the addresses recorded after it but given (provided_on) on a day before the
    mailing: the person gave it in time; the agency entered it late. The mailing's day is the
    latest calendar day it falls on in any U.S. court's zone, so a doubt goes to the person. An
    address recorded after the mailing and given on or after that day does not make the mailing
    defective. Newer means given on a later day; of two given on the same day, the one recorded
    later in the history."""
    given: list[Given] = [(e.seq, date.fromisoformat(str(e.data["provided_on"])),
                           str(e.data["address"]), e.at)
                          for e in s.history if e.kind == "address_recorded"]
    mailed_on = latest_day(sent.at)
    on_file = [a for a in given if a[0] < sent.seq]
    late = [a for a in given if a[0] > sent.seq and a[1] < mailed_on]

    def newness(a: Given) -> tuple[date, int]:
        return a[1], a[0]

    return (max(on_file, key=newness, default=None),
            max(on_file + late, key=newness, default=None))
