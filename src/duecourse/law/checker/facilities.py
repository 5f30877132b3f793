"""Hold rooms and transfers (issue 15, item 5): HOLD-12 and XFER.

- HOLD-12 (PBNDS "Hold Rooms"; ERO memorandum of 29 Feb 2008; the waiver of 24 Jun 2025): a stay in
  hold rooms - from the placement or transfer into one until the person is placed elsewhere,
  released, removed or transferred to ORR; a move from one hold room to another does not start a
  new stay - lasts at most 12 hours, 72 from the waiver. A clock; and once the limit has passed,
  a further placement or transfer into a hold room in the same stay is itself a violation.
- XFER (ICE Directive 11022.1; LAW.md): the attorney of record is told before a transfer
  (``attorney_notified``), except in an emergency recorded with a reason, which starts a 24-hour
  notice clock met by ``attorney_notified_of_transfer``; a transfer within 72 hours before the
  hearing in force, while proceedings are pending, needs a supervisor's approval (not the
  actor's own) and a reason - only an emergency transfer to a hospital excepted. A move out of
  intake processing is no transfer (the Directive's sec. 3.2) and needs no notice: within 72
  hours of being taken into custody, of a person held since then only in hold rooms and
  facilities not authorised over 72 hours (a staging facility; never a hospital).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ...domain.events import Event
from .areas import HELD, Area, Context
from .children import facility_type, typed_type
from .facts import Facts
from .legal import (
    HOLD_ROOM,
    HOLD_ROOM_HOURS,
    HOLD_ROOM_WAIVER_FROM,
    HOLD_ROOM_WAIVER_HOURS,
    XFER_EMERGENCY_NOTICE_HOURS,
    XFER_HEARING_WINDOW_HOURS,
    XFER_INTAKE_HOURS,
)
from .reading import text, when
from .report import Flag

_PLACING = ("placed", "transferred")


def hold_room_hours(e: Event) -> int:
    return HOLD_ROOM_WAIVER_HOURS if e.at.date() >= HOLD_ROOM_WAIVER_FROM else HOLD_ROOM_HOURS


def over_72h(e: Event) -> bool | None:
    """Whether the facility of a placement may hold people past 72 hours, as the record says
    (None: not said - a place outside the catalogue, or an older record)."""
    v = e.data.get("facility_over_72h")
    return None if v is None else bool(v)


def intake_place(kind: str, over: bool | None) -> bool:
    """A place of intake processing: a hold room, or a facility authorised for less than 72
    hours. A hospital never is."""
    return kind == HOLD_ROOM or (kind != "hospital" and over is False)


def custody_began(f: Facts) -> datetime | None:
    """When the person was last taken into DHS custody (from not held to held)."""
    began, held = None, False
    for at, status in f.custody_log:
        now = status in HELD
        if now and not held:
            began = at
        held = now
    return began


def _to_hospital(e: Event) -> bool:
    """A transfer to a hospital: of the kind hospital (the catalogue's, where the record carries
    it), and not typed as any other kind."""
    return facility_type(e) == "hospital" and typed_type(e) in ("", "hospital")


class Facilities(Area):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.hold: Event | None = None  # the start of the stay in hold rooms
        self.hold_minor = False
        self.notice: Event | None = None  # an emergency transfer whose attorney is not told
        self.stays: list[tuple[datetime, str, bool | None]] = []  # every placement: kind, over 72h

    def check(self, f: Facts, e: Event, flag: Flag) -> None:
        if e.kind in _PLACING:
            self._hold_room_again(f, e, flag)
        if e.kind == "transferred":
            self._transfer(f, e, flag)
        elif e.kind == "case_closed" and self.notice is not None:
            flag("XFER", e, f"the case was closed before the attorney of record was told of the "
                            f"emergency transfer of {when(self.notice.at)}")

    def _transfer(self, f: Facts, e: Event, flag: Flag) -> None:
        d, where = e.data, text(e.data, "facility") or "?"
        emergency = d.get("emergency") is True
        if d.get("attorney_notified") is not True and not emergency and not self._intake(f, e):
            flag("XFER", e, f"the person was transferred to {where} at {when(e.at)} before the "
                            "attorney of record was told, and not in an emergency")
        if emergency and not text(d, "reason"):
            flag("XFER", e, f"the transfer to {where} was recorded as an emergency with no reason")
        if (emergency and _to_hospital(e)) or f.order is not None or not f.hearings:
            return
        hearing = max(h.at for h in f.hearings)  # the hearing in force (the latest scheduled)
        if e.at <= hearing <= e.at + timedelta(hours=XFER_HEARING_WINDOW_HOURS):
            why = self.ctx.unapproved(e, "approved_by", "supervisor")
            if not why and not text(d, "reason"):
                why = "no reason was given"
            if why:
                flag("XFER", e, f"the person was transferred to {where} at {when(e.at)}, within "
                                f"{XFER_HEARING_WINDOW_HOURS} hours of the hearing of "
                                f"{when(hearing)}, but {why}")

    def _hold_room_again(self, f: Facts, e: Event, flag: Flag) -> None:
        """HOLD-12: no hold room once the limit of the stay in hold rooms has passed (moving the
        person from room to room does not start it again)."""
        start = self.hold
        if start is None or facility_type(e) != HOLD_ROOM or f.custody not in HELD:
            return
        hours = hold_room_hours(start)
        if e.at > start.at + timedelta(hours=hours):
            where = text(e.data, "facility") or "?"
            flag("HOLD-12", e, f"the person was put in a hold room ({where}) at {when(e.at)}, "
                               f"more than {hours} hours after entering hold rooms at "
                               f"{when(start.at)}")

    def _intake(self, f: Facts, e: Event) -> bool:
        """A move out of intake processing (the Directive's sec. 3.2), not a transfer."""
        began = custody_began(f)
        if began is None or e.at > began + timedelta(hours=XFER_INTAKE_HOURS):
            return False
        since = [(kind, over) for at, kind, over in self.stays if at >= began]
        return bool(since) and all(intake_place(kind, over) for kind, over in since)

    def apply(self, f: Facts, e: Event) -> None:
        k = e.kind
        if k in _PLACING:
            self.stays.append((e.at, facility_type(e), over_72h(e)))
        if k == "transferred" and e.data.get("emergency") is True \
                and e.data.get("attorney_notified") is not True:
            if self.notice is None:  # a second emergency transfer does not restart the clock
                self.clocks.restart("XFER")
                self.notice = e
        elif k == "attorney_notified_of_transfer" and self.notice is not None:
            start, self.notice = self.notice, None
            self.clocks.judge("XFER", ("XFER",), e, start,
                              start.at + timedelta(hours=XFER_EMERGENCY_NOTICE_HOURS),
                              "the attorney of record was told of the emergency transfer")
        self._hold_room(f, e)

    def _hold_room(self, f: Facts, e: Event) -> None:
        into_hold = e.kind in _PLACING and facility_type(e) == HOLD_ROOM
        start = self.hold
        if start is None:
            if into_hold:
                self.clocks.restart("HOLD-12")
                self.hold, self.hold_minor = e, self.ctx.minor(f, e.at)
            return
        self.hold_minor = self.hold_minor or self.ctx.minor(f, e.at)
        left = (e.kind in _PLACING and not into_hold) or f.custody not in ("arrested", "detained")
        if left:
            self.hold = None
            ids = ("HOLD-12", "FLORES") if self.hold_minor else ("HOLD-12",)
            self.clocks.judge("HOLD-12", ids, e, start,
                              start.at + timedelta(hours=hold_room_hours(start)),
                              "the person left the hold room")
