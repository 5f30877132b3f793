"""Children (issue 15, item 4): AGE, FLORES, UAC-48, UAC-72.

- AGE (8 U.S.C. 1232(b)(2)(B), (b)(4), (c)(2)(B); Flores para. 4): a person under 18 by the case's
  own birth date is a child from the encounter, flagged or not; a flag (a claim or suspicion) or a
  finding of minority makes the person a child from then on. Either ends only at an age
  determination with effect finding an adult (a later claim opens the question again), or at 18
  (00:00 of the birthday at UTC-12) when the birth date bears the minority out: a claim made when
  the recorded birth date already said 18 contradicts it, and lasts until an adult finding
  (``Context.minor``). An "adult" finding resting on radiographs alone or on one form of evidence
  has no effect and is flagged, and takes effect only once a second person confirms it
  (PROVENANCE, ``facts.py``). When a child ages out the child rules end: no transfer to ORR; a
  person held as a child is not put in an adult facility after 18 without the age-out record of
  1232(c)(2)(B).
- FLORES: a child in DHS custody is held only in a hold room (within the Flores limit), a family
  facility, a hospital or ORR's care - never in an adult or staging facility, in secure juvenile
  detention or in a place of a kind not known; a child in DHS custody is released, placed with family in
  a family facility or transferred to ORR within 5 days (para. 12A) - a clock. A hospital, a
  juvenile facility, a hold room or a staging facility does not end DHS custody and does not meet
  it; the clock is moot if the child rules end or the child is removed first. Once met, it does
  not start again in the same stretch of DHS custody.
- UAC-48: HHS is told within 48 hours of the encounter of a child by birth date, or of the first
  flag; moot at 18 or on an adult finding with effect.
- UAC-72: an unaccompanied child goes to ORR within 72 hours of being both unaccompanied and held
  by DHS (an approved exception adds ``UAC72_EXCEPTION_HOURS``, no more); moot on release,
  removal, at 18; meanwhile only a hold room or a hospital.

The kind of a facility is the catalogue's own where the record carries it (``facility_kind``),
else the kind typed (``facility_type``): a detention centre called a hold room is a detention
centre.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ...domain.events import Event
from .areas import HELD, Area, Context, kind_of
from .facts import Facts, age_finding_problems
from .legal import (
    ADULT_FACILITY,
    FLORES_HOURS,
    HOLD_ROOM,
    UAC48_HOURS,
    UAC72_EXCEPTION_HOURS,
    UAC72_HOURS,
)
from .reading import only_repeats, says_nothing, text, when
from .report import Flag

_PLACING = ("placed", "transferred")
# Where any child, accompanied or not, may be held by DHS (FLORES paras. 12A, 14, 19, 21): a hold
# room within the Flores limit, a family facility, a hospital, ORR. An adult or a staging facility
# houses adults; secure juvenile detention needs an individual finding (para. 21) no record here
# holds; a place of a kind not known is none of the allowed ones.
_CHILD_KINDS = frozenset({HOLD_ROOM, "family", "hospital", "orr"})
_ADULT_KINDS = frozenset({ADULT_FACILITY, "staging"})
_SECURE_KINDS = frozenset({"juvenile"})
# Where an unaccompanied child may be while ORR is found (UAC-72): a hold room pending the
# transfer, a hospital, ORR. What meets the Flores clock: a family facility or ORR (or leaving DHS
# custody by release or to ORR).
_UAC_INTERIM = frozenset({"orr", HOLD_ROOM, "hospital"})
_FLORES_MET = frozenset({"family", "orr"})
_FLORES_LEFT = frozenset({"released", "with_orr"})


def facility_type(e: Event) -> str:
    """The kind of the facility of a placement: the catalogue's own where the record carries it
    (``facility_kind``: the catalogue, not the clerk, says what a facility is), else the kind
    typed; a record that names neither is read as adult (the command's default)."""
    d = e.data
    return kind_of(d.get("facility_kind")) or kind_of(d.get("facility_type")) or ADULT_FACILITY


def typed_type(e: Event) -> str:
    """The kind typed on the record (``facility_type``), as given: '' if none."""
    return kind_of(e.data.get("facility_type"))


def approved_exception(e: Event) -> bool:
    """An exception with a reason that says something (not "see notes", not only "exceptional
    circumstances"), approved by someone other than the person who acted."""
    d = e.data
    approver = text(d, "exception_approved_by")
    reason = d.get("exception_reason")
    return bool(text(d, "exception") and text(d, "exception_reason")
                and not says_nothing(reason)
                and not only_repeats(reason, e.kind, d, keys=("exception",))
                and approver and approver != e.actor_id)


def _setting(kind: str) -> str:
    """A facility kind a child may not be held in, in words."""
    if kind in _ADULT_KINDS:
        return f"an adult facility (of the kind {kind})"
    if kind in _SECURE_KINDS:
        return "secure juvenile detention"
    return f"a facility of a kind not allowed for a child ({kind})"


class Children(Area):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.held_as_child = False
        self.age_out_recorded = False
        # UAC-48
        self.u48_start: Event | None = None
        self.u48_done = False
        # UAC-72
        self.u72_start: Event | None = None
        self.u72_done = False
        self.uac = False
        # FLORES: the event that started the running clock; met in this stretch of custody
        self.flores: Event | None = None
        self.flores_met = False
        self.minor_before = False  # a child for the law just before the event in hand

    # -- checks before the event --------------------------------------------------------------

    def check(self, f: Facts, e: Event, flag: Flag) -> None:
        ctx, k = self.ctx, e.kind
        self.minor_before = ctx.minor(f, e.at)
        if k in _PLACING:
            self._placing(f, e, flag)
        elif k == "age_determined":
            for p in age_finding_problems(e):
                flag("AGE", e, p + " (8 U.S.C. 1232(b)(4): the totality of the evidence, never "
                                   "a radiograph alone)")
        elif k == "transferred_to_orr" and ctx.aged_out(f, e.at):
            flag("AGE", e, f"the person was transferred to ORR at {when(e.at)}, after turning 18: "
                           "the child rules end at 18")
        elif k == "case_closed" and self.u48_start is not None and not self.u48_done \
                and not f.minor_flagged and self._child_clock_live(f, e.at):
            flag("UAC-48", e, "the case was closed without HHS being told of "
                              f"{ctx.child_words(f, e.at)}")

    def _placing(self, f: Facts, e: Event, flag: Flag) -> None:
        ctx, ftype = self.ctx, facility_type(e)
        where = text(e.data, "facility") or "?"
        minor = ctx.minor(f, e.at)
        if minor and ftype not in _CHILD_KINDS:
            flag("FLORES", e, f"{ctx.child_words(f, e.at)} was put in {_setting(ftype)} "
                              f"({where}) at {when(e.at)}: a child is held only in a hold room "
                              "within the Flores limit, a family facility, a hospital or ORR's "
                              "care")
        elif ftype == ADULT_FACILITY and self.held_as_child and ctx.aged_out(f, e.at) \
                and not self.age_out_recorded:
            flag("AGE", e, f"a person held as a child was put in an adult facility ({where}) after "
                           "turning 18 with no age-out placement record (8 U.S.C. "
                           "1232(c)(2)(B): the least restrictive setting considered first)")
        elif ftype == HOLD_ROOM and minor and self.flores is not None \
                and e.at > self.flores.at + timedelta(hours=FLORES_HOURS):
            flag("FLORES", e, f"{ctx.child_words(f, e.at)} was put in a hold room ({where}) at "
                              f"{when(e.at)}, more than {FLORES_HOURS} hours after entering DHS "
                              f"custody at {when(self.flores.at)}")
        if f.unaccompanied and minor and ftype not in _UAC_INTERIM:
            flag("UAC-72", e, f"an unaccompanied child was put in a {ftype} facility ({where}), "
                              "not with ORR (only a hold room or a hospital while the transfer "
                              "is arranged)")

    def _child_clock_live(self, f: Facts, t: datetime) -> bool:
        """A child clock still runs at ``t``: the person is still a child (neither aged out nor
        found an adult)."""
        return self.ctx.minor(f, t)

    # -- facts and clocks after the event -----------------------------------------------------

    def apply(self, f: Facts, e: Event) -> None:
        ctx, k = self.ctx, e.kind
        minor = ctx.minor(f, e.at)
        if k == "age_out_recorded":
            self.age_out_recorded = True
        if minor and f.custody in (*HELD, "with_orr"):
            self.held_as_child = True
        self._uac48(f, e, minor)
        self._uac72(f, e)
        self._flores(f, e, minor)

    def _uac48(self, f: Facts, e: Event, minor: bool) -> None:
        claim = e.kind == "minor_flagged" or (
            e.kind == "age_determined" and f.age_finding == ("minor", e.seq))
        # a claim after the child rules ended (18, an adult finding) owes HHS a new notice
        if claim and self.u48_start is not None and not self.minor_before and minor:
            self.u48_start, self.u48_done = None, False
        if self.u48_start is None:
            if (e.kind == "case_opened" and minor and self.ctx.born is not None) or claim:
                self.u48_start = e
            return
        if self.u48_done or e.kind != "hhs_notified":
            return
        self.u48_done = True
        if self._child_clock_live(f, e.at):
            start = self.u48_start
            self.clocks.judge("UAC-48", ("UAC-48",), e, start,
                              start.at + timedelta(hours=UAC48_HOURS), "HHS was notified of the child")

    def _uac72(self, f: Facts, e: Event) -> None:
        if e.kind == "minor_flagged" and e.data.get("unaccompanied") is True:
            self.uac = True
        if self.u72_done:
            return
        if self.u72_start is None:
            if self.uac and f.custody in HELD and self._child_clock_live(f, e.at):
                self.u72_start = e
            return
        if e.kind == "transferred_to_orr":
            self.u72_done = True
            if self._child_clock_live(f, e.at):
                extra = UAC72_EXCEPTION_HOURS if approved_exception(e) else 0
                due = self.u72_start.at + timedelta(hours=UAC72_HOURS + extra)
                self.clocks.judge("UAC-72", ("UAC-72",), e, self.u72_start, due,
                                  "the unaccompanied child was transferred to ORR"
                                  + (" (with an approved exception)" if extra else ""))
        elif f.custody not in HELD or not self._child_clock_live(f, e.at):
            self.u72_done = True  # moot: released, removed, 18, or found an adult

    def _flores(self, f: Facts, e: Event, minor: bool) -> None:
        start = self.flores
        if f.custody not in HELD:
            self.flores_met = False  # a new stretch of DHS custody is a new clock
        if start is not None:
            met = (e.kind in _PLACING and facility_type(e) in _FLORES_MET) \
                or f.custody in _FLORES_LEFT
            if not minor or e.kind == "removal_recorded" or (f.custody not in HELD and not met):
                self.flores = None  # moot: 18, found an adult, or removed
            elif met:
                self.flores, self.flores_met = None, f.custody in HELD
                self.clocks.judge("FLORES", ("FLORES", "HOLD-12"), e, start,
                                  start.at + timedelta(hours=FLORES_HOURS),
                                  "the child was released, placed with family or transferred to "
                                  "ORR")
            return
        if minor and f.custody in HELD and not self.flores_met:
            if e.kind in _PLACING and facility_type(e) in _FLORES_MET:
                self.flores_met = True  # placed with family from the start
            else:
                self.clocks.restart("FLORES")
                self.flores = e
