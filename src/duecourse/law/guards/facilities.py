"""Hold rooms, placement and transfers (LAW.md B3 HOLD-12, B5 SEP, CLS-2, CAP, XFER).

A detention officer's ``place`` and ``transfer`` are judged by the placement planner's own rules
(``law/facility_rules.py``) against the facility catalogue: the handler resolves the facility
named (its code, or its exact name) and counts the people the store shows detained there
(``GuardInput.placement``). Refusals name the facility and the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from ...domain.case import CaseState
from ...domain.commands import NotifyAttorneyOfTransfer, Place, Transfer
from .. import facility_rules as fr
from ..clocks_facilities import custody_began, in_hold_room, intake_place, short_stay, stretch
from ..framework import GuardInput, guard

PLACING = frozenset({"place", "transfer"})
_VERIFIED = "2026-12-07"
_XFER = ("ICE Directive 11022.1 (Detainee Transfers, 4 Jan 2012); NDS 2000 and PBNDS 2011 "
         "(rev. 2016) 7.4 Detainee Transfers (LAW.md B5 XFER)")
_PBNDS = "ICE PBNDS 2011 (rev. 2016) 2.2 Custody Classification System, 2.6 Hold Rooms"
# Dir. 11022.1 § 3.2: moving a person out of intake processing (hold rooms, facilities authorised
# for less than 72 hours) is not a "detainee transfer". Such places hold a person 72 hours at
# most, so intake ends 72 hours after the person was taken into custody: a later move out of them
# is a transfer like any other (the independent checker holds the same number).
INTAKE_HOURS = 72
# Words that name a place of custody, not a hospital: a hospital outside the catalogue is named
# as given, but a jail, a detention or processing centre or a hold room is never one.
CUSTODIAL_WORDS = frozenset({
    "jail", "prison", "penitentiary", "detention", "det", "correctional", "corrections",
    "correction", "corr", "processing", "staging", "spc", "ipc", "cdf", "sheriff", "lockup",
    "intake", "holding", "hold"})


def _words(kind: str) -> str:
    return fr.KIND_WORDS.get(kind, f"a {kind.replace('_', ' ')} facility")


def _target(g: GuardInput) -> tuple[str, str, fr.FacilityLike | None]:
    """The facility the command names: (how to call it, its kind, its catalogue entry)."""
    cmd = g.command
    assert isinstance(cmd, Place | Transfer)
    f = g.placement.facility if g.placement is not None else None
    if f is not None:
        return f"{f.name} ({f.code})", f.kind, f
    return f"'{cmd.facility.strip()}'", cmd.facility_type, None


def emergency_hospital(g: GuardInput) -> bool:
    """An emergency transfer to a hospital: never refused for want of a medical clearance
    (MED) or during a citizenship review (USC). The kind is the catalogue's when the hospital is
    catalogued (a catalogued facility of another kind is never a hospital)."""
    cmd = g.command
    if not isinstance(cmd, Transfer) or not cmd.emergency:
        return False
    f = g.placement.facility if g.placement is not None else None
    kind = f.kind if f is not None else cmd.facility_type
    return kind == "hospital" and cmd.facility_type in ("", "hospital")


@guard(
    "CAP", title="A facility of the catalogue, open, of the kind named, with room",
    citation="ICE detention facility list and over-72-hour authorisations; PBNDS 2011 (rev. 2016) "
             "(LAW.md B5 CAP)",
    protects="no one is booked into a place that is not an authorised, open facility with a bed",
    confidence="K", commands=PLACING, effective_from="2000-09-20", verified=_VERIFIED,
    source="LAW.md B5 CAP (numbers [K]; catalogue: ICE FY2026 detention statistics)",
)
def facility_in_catalogue(g: GuardInput) -> str | None:
    cmd, facts = g.command, g.placement
    assert isinstance(cmd, Place | Transfer)
    if not cmd.facility.strip():
        return "the command names no facility"
    if facts is None:
        return "the facility catalogue could not be consulted; refused"
    if cmd.facility_type == "orr":
        return ("an ORR shelter is HHS custody, not a DHS facility: record the child's transfer "
                "to ORR with transfer_to_orr")
    f = facts.facility
    if f is None and facts.matches:
        return (f"'{cmd.facility.strip()}' is the name of {len(facts.matches)} facilities of the "
                f"catalogue ({', '.join(facts.matches)}): give its code")
    if f is None:
        if cmd.facility_type == "hospital":
            said = sorted(set(fr.name_key(cmd.facility).split()) & CUSTODIAL_WORDS)
            if said:
                return (f"'{cmd.facility.strip()}' is not a hospital by its name "
                        f"({', '.join(said)}): a place of custody is placed by its catalogue "
                        "code, with the catalogue's kind")
        if cmd.facility_type in fr.UNCATALOGUED_KINDS:
            return None  # a field office's hold room, a community hospital: named as given
        return (f"'{cmd.facility.strip()}' is not in the facility catalogue (give its code or "
                "its exact name; a hold room or a hospital outside the catalogue needs "
                "facility_type hold_room or hospital)")
    if cmd.facility_type and cmd.facility_type != f.kind and not (
            cmd.facility_type == "adult" and f.kind == "staging"):
        return (f"{f.name} ({f.code}) is {_words(f.kind)} in the catalogue, not "
                f"{_words(cmd.facility_type)}")
    if f.capacity <= 0:
        return f"{f.name} ({f.code}) has no beds in the catalogue (closed)"
    if facts.occupancy >= f.capacity:
        return (f"{f.name} ({f.code}) is full: {facts.occupancy} people are detained there and "
                f"its capacity is {f.capacity}")
    return None


@guard(
    "CAP", title="No further stay in places not authorised over 72 hours once 72 hours are past",
    citation="ICE over-72-hour facility authorisations (LAW.md B5 CAP)",
    protects="a person held 72 hours in places not authorised for it is moved to one that is",
    confidence="K", commands=PLACING, effective_from="2000-09-20", verified=_VERIFIED,
    source="LAW.md B5 CAP",
)
def over_72_hours(g: GuardInput) -> str | None:
    cmd, facts = g.command, g.placement
    assert isinstance(cmd, Place | Transfer)
    f = facts.facility if facts is not None else None
    kind = f.kind if f is not None else cmd.facility_type
    # A hospital is never refused for the 72 hours (care comes first); its time counts in CAP-72.
    if kind == "hospital" or not short_stay(kind, f.over_72h if f is not None else None):
        return None
    return _past(g, short_stay, "CAP.hours",
                 "places not authorised to hold people over 72 hours",
                 "a facility authorised for longer stays")


@guard(
    "HOLD-12", title="No hold room once the hold-room limit has passed",
    citation="PBNDS 2011 (rev. 2016) 2.6 Hold Rooms; ERO memo of 29 Feb 2008; ICE waiver of "
             "24 Jun 2025",
    protects="no one is kept in hold rooms beyond the limit by moving them between rooms",
    confidence="V/C", commands=PLACING, effective_from="2000-09-20", verified=_VERIFIED,
    source="LAW.md B3 HOLD-12",
)
def hold_room_again(g: GuardInput) -> str | None:
    cmd, facts = g.command, g.placement
    assert isinstance(cmd, Place | Transfer)
    f = facts.facility if facts is not None else None
    kind = f.kind if f is not None else cmd.facility_type
    if kind != "hold_room":
        return None
    return _past(g, in_hold_room, "HOLD-12.hours", "hold rooms",
                 "a detention facility, or release")


def _past(g: GuardInput, inside: Callable[[str, bool | None], bool], key: str, where: str,
          instead: str) -> str | None:
    found = stretch(g.state, inside)
    if found is None or found[1] is not None:
        return None
    start = found[0]
    limit = _hours(key, start)
    if g.at <= start + limit:
        return None
    return (f"the person has been in {where} since {start:%Y-%m-%d %H:%M} UTC, past the "
            f"{limit.total_seconds() / 3600:g}-hour limit; move them to {instead}")


def _hours(key: str, start: datetime) -> timedelta:
    from ..params import param

    return timedelta(hours=param(key, start.date()))


@guard(
    "SEP", title="Children never with unrelated adults; families only in family facilities",
    citation=f"{_PBNDS}; Flores Settlement ¶ 12A (LAW.md B5 SEP)",
    protects="no child is housed with unrelated adults and no adult in a children's facility",
    confidence="V/K", commands=PLACING, effective_from="2000-09-20", verified=_VERIFIED,
    source="LAW.md B5 SEP",
)
def separation(g: GuardInput) -> str | None:
    cmd = g.command
    assert isinstance(cmd, Place | Transfer)
    name, kind, _f = _target(g)
    adult = fr.adult_at(g.state.person, g.at)
    if kind == "family" and not cmd.family_group:
        return (f"{name} is a family facility: only a parent and child placed together "
                "(family_group: true) are housed there")
    if cmd.family_group and kind != "family":
        return f"a family placed together goes to a family facility; {name} is {_words(kind)}"
    if kind == "juvenile" and adult is not False:
        return (f"{name} is a juvenile facility; an adult (or a person whose birth date is not "
                "recorded) is never housed with children")
    if kind in ("adult", "staging") and adult is False:
        return f"the person is under 18 by their recorded birth date; {name} houses adults"
    return None


@guard(
    "CLS-2", title="A housing unit for the person's sex and classification",
    citation=f"{_PBNDS} (LAW.md B5 CLS-2, SEP)",
    protects="men and women are housed apart, and low-custody people never with high-custody",
    confidence="K", commands=PLACING, effective_from="2000-09-20", verified=_VERIFIED,
    source="LAW.md B5 CLS-2",
)
def housing_unit(g: GuardInput) -> str | None:
    cmd = g.command
    assert isinstance(cmd, Place | Transfer)
    name, kind, f = _target(g)
    if f is None or kind in fr.UNCATALOGUED_KINDS or kind == "juvenile":
        return None
    if kind == "family":
        if f.units.get("family", 0) <= 0:
            return f"{name} has no family units"
        return None
    level = cmd.classification if isinstance(cmd, Place) else g.state.classification
    if level not in ("A", "B", "C", "D"):
        return "the person has no custody classification on record; classify them first (CLS-1)"
    sex = fr.sex_of(g.state.person)
    unit = fr.unit_of(sex, level)
    if fr.unit_beds(f, unit) <= 0:
        who = {"M": "men", "F": "women"}.get(sex, "anyone")
        band = "A/B (low)" if level in fr.LOW_LEVELS else "C/D (high)"
        return f"{name} has no housing unit for {who} of classification {band}"
    return None


@guard(
    "XFER", title="A move between facilities is a transfer",
    citation=_XFER,
    protects="no one is moved without the transfer rules (attorney notice, hearing) by "
             "calling the move a placement",
    confidence="K", commands={"place"}, effective_from="2000-09-20", verified=_VERIFIED,
    source="LAW.md B5 XFER",
)
def place_is_not_transfer(g: GuardInput) -> str | None:
    s = g.state
    now = current_stay(s)
    if s.custody == "detained" and now is not None and not intake_place(now[2], now[3]):
        return (f"the person is already held at {now[1]}; a move to another facility is "
                "a transfer (with its notice to the attorney of record)")
    return None


def current_stay(s: CaseState) -> tuple[datetime, str, str, bool | None] | None:
    """Where the person is held now: the last placement or transfer since they were last
    taken into custody (a case keeps the facility of an earlier detention after a release)."""
    began = custody_began(s)
    stays = [x for x in s.facility_stays if began is None or x[0] >= began]
    return stays[-1] if stays and s.custody == "detained" else None


@guard(
    "XFER", title="The attorney of record is told before a transfer; a hearing near needs a "
                  "supervisor",
    citation=_XFER,
    protects="a person is not moved away from their lawyer and their court without notice",
    confidence="K", commands={"transfer"}, effective_from="2000-09-20", verified=_VERIFIED,
    source="LAW.md B5 XFER",
)
def transfer_notice(g: GuardInput) -> str | None:
    cmd, s, facts = g.command, g.state, g.placement
    assert isinstance(cmd, Transfer)
    name, _kind, f = _target(g)
    now = current_stay(s)
    here = now[1].strip().upper() if now is not None else ""
    if here and (cmd.facility.strip().upper() == here or (f is not None and f.code.upper() == here)):
        return f"the person is already held at {now[1] if now is not None else here}"
    problems: list[str] = []
    if cmd.emergency and not cmd.reason.strip():
        problems.append("an emergency transfer must say what the emergency is (reason)")
    if not cmd.attorney_notified and not cmd.emergency and not _intake(g):
        lawyers = ", ".join(facts.attorneys) if facts is not None and facts.attorneys else ""
        problems.append(
            f"the attorney of record{f' ({lawyers})' if lawyers else ''} was not told of the "
            f"transfer to {name} (attorney_notified is false) and it is not an emergency")
    if cmd.approved_by.strip():
        who = cmd.approved_by.strip()
        if g.role_of(who) != "supervisor":
            problems.append(f"'{who}' is not a supervisory officer and cannot approve a transfer")
        elif who == g.actor.id:
            problems.append("a transfer near a hearing is approved by a supervisor other than "
                            "the one who transfers")
    soon = _hearing_soon(g)
    if soon is not None and not emergency_hospital(g):
        window = g.param("XFER.hearing_window_hours")
        if not cmd.approved_by.strip() or not cmd.reason.strip():
            problems.append(
                f"a hearing is set for {soon:%Y-%m-%d %H:%M} UTC, within {window} hours: a "
                "transfer now needs a supervisor's approval (approved_by) and a reason")
    return "; ".join(problems) or None


def _hearing_soon(g: GuardInput) -> datetime | None:
    """The first hearing on the calendar within ``XFER.hearing_window_hours`` from now, while
    proceedings are pending."""
    s = g.state
    if s.order is not None or s.concluded:
        return None
    window = timedelta(hours=g.param("XFER.hearing_window_hours"))
    soon = sorted(h for h in s.hearings if g.at <= h <= g.at + window)
    return soon[0] if soon else None


def _intake(g: GuardInput) -> bool:
    """Moving a person out of intake processing is not a detainee transfer (Dir. 11022.1 § 3.2):
    within ``INTAKE_HOURS`` of being taken into custody, from a person held since then only in
    hold rooms and facilities authorised for less than 72 hours (``intake_place``), it is never
    held up for want of the attorney's notice. Later, or after any other place (a detention
    facility, a hospital), a move is a transfer and the attorney is told first."""
    s = g.state
    began = custody_began(s)
    if began is None or g.at > began + timedelta(hours=INTAKE_HOURS):
        return False
    stays = [x for x in s.facility_stays if x[0] >= began]
    return bool(stays) and all(intake_place(kind, over) for _t, _f, kind, over in stays)


@guard(
    "XFER", title="The attorney is told of an emergency transfer",
    citation=_XFER,
    protects="the attorney of record learns where their client was taken",
    confidence="K", commands={"notify_attorney_of_transfer"}, effective_from="2000-09-20",
    verified=_VERIFIED, source="LAW.md B5 XFER",
)
def attorney_told(g: GuardInput) -> str | None:
    assert isinstance(g.command, NotifyAttorneyOfTransfer)
    if not any(e.kind == "transferred" for e in g.state.history):
        return "there is no transfer on record to tell the attorney of"
    return None

