"""The case page's story, in words: which time zone its times are read in, each time and value
as a clerk reads it, and every timeline entry with what was recorded and by whom.

Pure functions of the case as the reader may see it (``CaseView``: its events already without
what 8 U.S.C. 1367 withholds from the reader, app/restricted.py), so that what is withheld from
the API is withheld from the page too. The hearings and what is in force are in web/standing.py.

A time is shown where the law counts it (LEGAL-DAY): in the zone of the case's immigration court
(the court of its next hearing, else of its last hearing, else of its order), else in the zone
of the office that opened the case, else in UTC; the page says which, and keeps the UTC instant
in each ``<time datetime>``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from .. import reference
from ..app.queries import ACTOR_FIELDS
from ..domain.case import CaseState
from ..domain.commands import COMMAND_TYPES
from ..domain.events import COMMAND_OF_EVENT, Event
from .pages.forms import _label, form_fields


@dataclass(frozen=True)
class Zone:
    """The zone the page's times are shown in, and why that one."""

    name: str  # IANA
    why: str


def court_label(code: str) -> str:
    """"Honolulu, HI (HON)"; the code as it is if EOIR lists no such court."""
    court = reference.court_of(code) if code else None
    return f"{court.city.title()}, {court.state} ({court.code})" if court else code


def case_court(state: CaseState, at: datetime) -> str:
    """The court the case is before: that of its next hearing, else its last, else its order."""
    later = sorted(h for h in state.hearings if h >= at)
    earlier = sorted(h for h in state.hearings if h < at)
    for h in later[:1] + earlier[-1:]:
        if state.hearing_courts.get(h):
            return state.hearing_courts[h]
    return state.order.court if state.order is not None else ""


def case_zone(state: CaseState, at: datetime, offices: Mapping[str, str]) -> Zone:
    """Where the case's times are read (module docstring), and why there."""
    court = case_court(state, at)
    if court and reference.court_of(court) is not None:
        try:
            return Zone(reference.zone_name(court), f"the zone of the immigration court, "
                                                    f"{court_label(court)}")
        except KeyError:
            pass
    held = reference.office_zone_name(state.office) if state.office else None
    if held:
        return Zone(held, f"the zone of the office that holds the case, {state.office}")
    opener = state.history[0].actor_id if state.history else ""
    office = offices.get(opener, "")
    zone = reference.office_zone_name(office) if office else None
    if zone:
        return Zone(zone, f"the zone of the office that opened the case, {office}")
    return Zone("UTC", "UTC: the case names no court and no office with a known zone")


def local(at: datetime, zone: str) -> str:
    """"Sat 19 Dec 2026 19:30 HST": the instant where ``zone`` keeps its clocks."""
    t = at.astimezone(ZoneInfo(zone))
    return f"{t:%a} {t.day} {t:%b %Y %H:%M} {t.tzname()}"


def day(d: date) -> str:
    """"Sat 19 Dec 2026"."""
    return f"{d:%a} {d.day} {d:%b %Y}"


def utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


ACRONYMS = {"nta": "NTA", "hhs": "HHS", "orr": "ORR", "pocr": "POCR", "hq": "HQ", "ij": "IJ",
            "bia": "BIA", "dhs": "DHS", "mtr": "MTR", "atd": "ATD", "vawa": "VAWA",
            "cat": "CAT", "uac": "UAC"}


def what(kind: str) -> str:
    """An event's name or a chosen value in words: "nta_issued" is "NTA issued"."""
    return " ".join(ACRONYMS.get(w, w) for w in kind.split("_"))


# ------------------------------------------------------------------- values by field kind

@dataclass(frozen=True)
class Reading:
    """What a value is read against: the page's zone and the names of those who acted."""

    zone: str
    names: Mapping[str, str]


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        t = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _datetime(value: Any, r: Reading) -> str:
    t = _instant(value)
    return local(t, r.zone) if t is not None else str(value)


def _date(value: Any, r: Reading, weekday: bool = True) -> str:
    try:
        d = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return day(d) if weekday else f"{d.day} {d:%b %Y}"


def _issuer(value: Any, r: Reading) -> str:
    try:
        return f"{reference.issuer(str(value)).name} ({value})"
    except ValueError:
        return str(value)


# How a recorded value is said, by the kind of its field (the forms' kinds, and the codes'
# pickers): one table for every event.
FORMATS: dict[str, Callable[[Any, Reading], str]] = {
    "text": lambda v, r: str(v),
    "select": lambda v, r: what(str(v)),
    "checkbox": lambda v, r: "yes" if v else "no",
    "number": lambda v, r: f"{v:,}" if isinstance(v, int) else str(v),
    "date": _date,
    "datetime": _datetime,
    "country": lambda v, r: f"{reference.country_name(str(v))} ({v})",
    "language": lambda v, r: f"{reference.language_name(str(v))} ({v})",
    "court": lambda v, r: court_label(str(v)),
    "issuer": _issuer,
    "actor": lambda v, r: r.names.get(str(v), str(v)),
    "money": lambda v, r: f"${v:,}" if isinstance(v, int) else str(v),
    "birth_date": lambda v, r: _date(v, r, weekday=False),
}
# Fields whose kind their name says, whatever the command's type (a second person, named by
# id; an amount in dollars), and fields an event adds that the forms do not ask for.
NAMED_KINDS = {"location_type": "select", "facility_type": "select", "in_absentia": "checkbox",
               "timely": "checkbox", "party": "select", "bond_amount": "money",
               "birth_date": "birth_date", **dict.fromkeys(ACTOR_FIELDS, "actor")}
# Labels the forms do not give (fields an event adds).
STORY_LABELS = {"indicates_us": "Points to U.S. birth or citizenship",
                "facility_over_72h": "Held over 72 hours (authorised)"}
# Recorded for the system, not for a reader: the person's id, the linkage model's result (the
# identity section shows it to those who decide links).
SKIPPED = frozenset({"person_id", "identity"})


@cache
def _field_kinds(event_kind: str) -> dict[str, tuple[str, bool]]:
    """(kind, holds several) of each field of the command that records ``event_kind``."""
    command = COMMAND_TYPES.get(COMMAND_OF_EVENT.get(event_kind, ""))
    if command is None or not dataclasses.is_dataclass(command):
        return {}
    out: dict[str, tuple[str, bool]] = {}
    for f in form_fields(command):
        many = f.kind in ("list", "multiselect")
        plain = "select" if f.kind == "list" else "text" if f.kind == "textarea" else f.kind
        out[f.name] = (f.picker or plain, many)
    return out


def _guess(value: Any) -> str:
    if isinstance(value, bool):
        return "checkbox"
    if isinstance(value, int):
        return "number"
    if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T":
        return "datetime" if _instant(value) is not None else "text"
    return "text"


def say(value: Any, kind: str, r: Reading) -> str:
    """``value`` in words: lists joined, each item by its kind."""
    if isinstance(value, list | tuple):
        return ", ".join(say(v, kind, r) for v in value)
    return FORMATS.get(kind, FORMATS["text"])(value, r)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


@dataclass(frozen=True)
class Recorded:
    label: str
    value: str


def recorded(e: Event, r: Reading) -> list[Recorded]:
    """What ``e`` recorded, field by field, labelled as the forms label them."""
    kinds = _field_kinds(e.kind)
    out: list[Recorded] = []

    order: dict[str, int] = {}
    for i, name in enumerate(kinds):  # a nested field's parent takes the place of its first
        order.setdefault(name.split(".")[0], i)
        order.setdefault(name, i)

    def walk(data: Mapping[str, Any], prefix: str) -> None:
        # in the order the command's form asks for them; what the event adds, after
        for key, value in sorted(data.items(), key=lambda kv: order.get(prefix + kv[0],
                                                                         len(order))):
            name = prefix + key
            if key in SKIPPED or _empty(value):
                continue
            if isinstance(value, dict):
                walk(value, name + ".")
                continue
            kind = NAMED_KINDS.get(key) or (kinds[name][0] if name in kinds else _guess(
                value[0] if isinstance(value, list) else value))
            out.append(Recorded(STORY_LABELS.get(key) or _label(name), say(value, kind, r)))

    walk(e.data, "")
    return out


@dataclass(frozen=True)
class Entry:
    """One timeline entry: what happened, when (local and UTC), by whom, and what was recorded."""

    seq: int
    what: str
    at: datetime
    when: str
    by: str
    role: str
    fields: list[Recorded]


def event_zone(e: Event, zone: str) -> str:
    """The zone an entry's times are read in: its own court's, when it names one."""
    court = str(e.data.get("court") or "")
    if court and reference.court_of(court) is not None:
        try:
            return reference.zone_name(court)
        except KeyError:
            return zone
    return zone


def timeline(events: list[Event], names: Mapping[str, str], zone: str) -> list[Entry]:
    """Every entry the reader may see, with its fields in words."""
    out = []
    for e in events:
        r = Reading(event_zone(e, zone), names)
        out.append(Entry(e.seq, what(e.kind), e.at, local(e.at, zone),
                         names.get(e.actor_id, e.actor_id), e.actor_role, recorded(e, r)))
    return out
