"""Children (LAW.md B4): HHS notice within 48 hours (UAC-48), an unaccompanied child to ORR within
72 hours (UAC-72), the Flores settlement for every child in DHS custody (FLORES), and age: by the
case's own birth date, an age determination on several forms of evidence, and the end of the child
rules at 18 with the age-out placement record (AGE).

Who is a child, and until when, is ``law.age``'s question; the clocks are ``law.clocks_children``.
"""

from __future__ import annotations

from datetime import date, datetime

from ...domain.case import CaseState
from ...domain.commands import DetermineAge, Place, RecordAgeOut, Transfer, TransferToOrr
from ..age import age_on, aged_out, birth_date, eighteenth_birthday, is_minor, minor_since
from ..clocks_children import flores, uac_48
from ..framework import GuardInput, guard
from .exceptions import exception_problem

# Facility kinds (the command's ``facility_type``; the planner's catalogue kinds).
ADULT_KINDS = frozenset({"adult", "staging"})
SECURE_KINDS = frozenset({"juvenile"})
# Where an unaccompanied child may be while DHS holds them: a hold room pending the transfer to
# ORR (within UAC-72 and the Flores limit), a hospital, or ORR itself.
UAC_KINDS = frozenset({"hold_room", "hospital", "orr"})
# Where any child may be while DHS holds them (FLORES).
CHILD_KINDS = frozenset({"hold_room", "family", "hospital", "orr"})
RADIOGRAPHS = frozenset({"dental_radiograph", "bone_radiograph"})
HELD = ("arrested", "detained")
# 8 U.S.C. 1232(c)(2)(B) (the age-out placement), added by Pub. L. 113-4 §1261, 7 Mar 2013 [K].
AGE_OUT_FROM = date(2013, 3, 7)


def _when(t: datetime) -> str:
    return f"{t:%Y-%m-%d %H:%M} UTC"


def _person(s: CaseState) -> str:
    p = s.person or {}
    name = " ".join(str(p.get(k) or "").strip() for k in ("given_name", "family_name")).strip()
    return name or "the person"


def _why_child(s: CaseState, at: datetime) -> str:
    """Why the person is a child now, in words."""
    born, age = birth_date(s), age_on(s, at)
    claims = [t for t in s.minor_claims if t <= at]
    found = [t for t, f in s.age_findings if f == "minor" and t <= at]
    t18 = eighteenth_birthday(s)
    if born is not None and age is not None and t18 is not None and at < t18 and (
            (not claims and not found) or min(claims + found) < t18):
        return f"{age} by the birth date {born.isoformat()} on the case"
    if found:
        return f"found to be a minor by the age determination of {_when(found[-1])}"
    if claims:
        return (f"flagged as a minor on {_when(claims[-1])}, not cleared by an age "
                "determination")
    return "a minor"


def _kind(g: GuardInput, cmd: Place | Transfer) -> str:
    """The kind of the facility: the facility catalogue's, when the handler looked it up (the
    catalogue, not the clerk, says what a facility is), else the command's ``facility_type``."""
    f = g.placement.facility if g.placement is not None else None
    return f.kind if f is not None else cmd.facility_type


def _where(g: GuardInput, cmd: Place | Transfer, kind: str) -> str:
    f = g.placement.facility if g.placement is not None else None
    name = f"{f.name} ({f.code})" if f is not None else cmd.facility.strip() or "the facility"
    return f"{name}, {kind.replace('_', ' ') or 'of a kind not given'}"


# -- UAC-48 ----------------------------------------------------------------------------------


@guard(
    "UAC-48", title="Notify HHS within 48 hours of a child, or of a claim or suspicion of minority",
    citation="TVPRA 2008 §235(b)(2), 8 U.S.C. 1232(b)(2)",
    protects="HHS learns of every child in federal custody promptly",
    confidence="V", commands={"close_case"}, effective_from="2008-12-23", verified="2026-12-07",
    source="8 U.S.C. 1232(b)(2) (LAW.md UAC-48)",
)
def hhs_notice(g: GuardInput) -> str | None:
    # The late notice itself is never refused; closing the case would bury the duty.
    d = uac_48(g.state, g.at)
    if d is not None and d.is_open:
        return (f"HHS has not been notified of this child ({_why_child(g.state, d.started_at)}; "
                f"notice due {_when(d.due_at)}); notify HHS before closing the case")
    return None


# -- UAC-72 ----------------------------------------------------------------------------------


@guard(
    "UAC-72", title="Unaccompanied child to HHS/ORR within 72 hours; never an adult facility",
    citation="8 U.S.C. 1232(b)(3); 8 U.S.C. 1232(c)(2)(A)",
    protects="an unaccompanied child is moved into child-welfare custody, not held by DHS",
    confidence="V", commands={"place", "transfer", "transfer_to_orr", "close_case"},
    effective_from="2008-12-23", verified="2026-12-07",
    source="8 U.S.C. 1232(b)(3), (c)(2)(A) (LAW.md UAC-72)",
)
def orr_transfer(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    if not s.unaccompanied or not is_minor(s, g.at):
        return None  # after 18 (or an adult finding): AGE speaks to transfer_to_orr
    if isinstance(cmd, Place | Transfer):
        kind = _kind(g, cmd)
        if kind not in UAC_KINDS:
            return (f"{_person(s)} is an unaccompanied child ({_why_child(s, g.at)}) and may "
                    f"not be held in {_where(g, cmd, kind)}; only a hold room pending the transfer "
                    "to ORR, a hospital, or ORR")
        return None
    if isinstance(cmd, TransferToOrr) and cmd.exception:
        return exception_problem(g, cmd.exception_reason, cmd.exception_approved_by)
    if cmd.name == "close_case" and s.custody in HELD:
        return (f"the unaccompanied child {_person(s)} is still in DHS custody; transfer the "
                "child to ORR before closing the case")
    return None


# -- FLORES ----------------------------------------------------------------------------------


@guard(
    "FLORES", title="Every child in DHS custody: never an adult facility or secure detention; "
                    "hold rooms only within the Flores limit",
    citation="Flores v. Reno, No. CV 85-4544 (C.D. Cal.), Settlement Agreement paras. 12A, 14, "
             "19, 21 (1997); Flores v. Lynch, 828 F.3d 898 (9th Cir. 2016); 8 U.S.C. 1232(c)(2)",
    protects="a child, accompanied or not, is held only briefly, apart from unrelated adults, "
             "and released or placed with family or in a licensed program",
    confidence="C", commands={"place", "transfer"}, effective_from="1997-01-17",
    verified="2026-12-07", source="Flores Settlement Agreement (LAW.md FLORES)",
)
def flores_setting(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    if not isinstance(cmd, Place | Transfer) or not is_minor(s, g.at):
        return None
    kind, who = _kind(g, cmd), f"{_person(s)} is a child ({_why_child(s, g.at)})"
    if kind in ADULT_KINDS:
        return (f"{who}: a child is never held in an adult facility ({_where(g, cmd, kind)}); "
                "release the child, or place the child with family in a family residential "
                "center or in a licensed placement")
    if kind in SECURE_KINDS:
        return (f"{who}: secure juvenile detention ({_where(g, cmd, kind)}) is not offered for a "
                "child in DHS custody (Flores para. 21 requires an individual finding this "
                "system does not record); release the child, or place the child with family "
                "or in a licensed placement")
    if kind not in CHILD_KINDS:
        return (f"{who}: the kind of {_where(g, cmd, kind)} is not known, and a child may be "
                "held only in a hold room within the Flores limit, a family residential center, "
                "a hospital, or ORR's care")
    if kind == "hold_room":
        d = flores(s, g.at)
        if d is not None and d.state == "overdue":
            return (f"{who}: a child may be held in a hold room only within the Flores limit, "
                    f"which ran out at {_when(d.due_at)} ({_where(g, cmd, kind)}); release the "
                    "child, or place the child with family or in a licensed placement")
    return None


# -- AGE -------------------------------------------------------------------------------------


@guard(
    "AGE", title="An age determination rests on several forms of evidence, never a radiograph "
                 "alone",
    citation="8 U.S.C. 1232(b)(4); LAW.md AGE",
    protects="no child is found to be an adult on a bone or dental X-ray, or on one piece of "
             "evidence",
    confidence="V", commands={"determine_age"}, effective_from="2008-12-23",
    verified="2026-12-07", source="8 U.S.C. 1232(b)(4) (LAW.md AGE)",
)
def age_determination(g: GuardInput) -> str | None:
    cmd = g.command
    if not isinstance(cmd, DetermineAge):
        return None
    kinds = {k.strip().lower() for k in cmd.evidence_kinds if k.strip()}
    if not cmd.evidence.strip():
        return "an age determination must describe its evidence"
    if not kinds:
        return "an age determination must name the kinds of evidence it rests on"
    if cmd.finding != "adult":
        return None  # a finding of minority keeps every protection: any evidence will do
    if not kinds - RADIOGRAPHS:
        return ("a finding that the person is an adult may not rest on radiographs alone "
                "(8 U.S.C. 1232(b)(4)); add other evidence (a document, an interview, a "
                "statement)")
    if len(kinds) < 2:
        return (f"a finding that the person is an adult rests on one form of evidence "
                f"({next(iter(kinds)).replace('_', ' ')}); the law requires multiple forms "
                "(8 U.S.C. 1232(b)(4))")
    if not cmd.reference.strip():
        return ("a finding that the person is an adult needs the reference of its age "
                "determination record: a second person confirms it against that record")
    return None


@guard(
    "AGE", title="At 18 the child rules end: no transfer to ORR",
    citation="8 U.S.C. 1232(b)(3), (g) (an unaccompanied alien child is under 18); "
             "6 U.S.C. 279(g)(2); LAW.md AGE",
    protects="ORR's custody is for children; an adult is decided on by DHS under the adult rules",
    confidence="V", commands={"transfer_to_orr"}, effective_from="2008-12-23",
    verified="2026-12-07", source="6 U.S.C. 279(g)(2) (LAW.md AGE)",
)
def no_orr_after_18(g: GuardInput) -> str | None:
    s = g.state
    if is_minor(s, g.at):
        return None
    t18 = eighteenth_birthday(s)
    adult = [t for t, f in s.age_findings if f == "adult" and t <= g.at]
    if t18 is not None and t18 <= g.at and not adult:
        return (f"{_person(s)} turned 18 at {_when(t18)} (birth date {birth_date(s)}); ORR's "
                "custody is for children: record the age-out placement decision "
                "(record_age_out) instead")
    if adult:
        return (f"an age determination of {_when(adult[-1])} found {_person(s)} to be an adult; "
                "ORR's custody is for children")
    return f"nothing on the case makes {_person(s)} a child; ORR's custody is for children"


@guard(
    "AGE", title="A child who turns 18 in custody: the age-out placement record before any "
                 "detention",
    citation="8 U.S.C. 1232(c)(2)(B); LAW.md AGE",
    protects="a child who turns 18 in federal custody is considered for the least restrictive "
             "setting (release, supervision, alternatives to detention) before adult detention",
    confidence="K", commands={"record_age_out", "place", "transfer"},
    # In force with the rest of AGE (the TVPRA), so that a placement between 2008 and 2013 is not
    # refused for want of a law; the age-out record is required only of a child who turned 18
    # once 1232(c)(2)(B) was in force (AGE_OUT_FROM).
    effective_from="2008-12-23", verified="2026-12-07",
    source="8 U.S.C. 1232(c)(2)(B), added by Pub. L. 113-4 §1261 (LAW.md AGE)",
)
def age_out(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    if isinstance(cmd, RecordAgeOut):
        return _age_out_record(g, cmd)
    if not isinstance(cmd, Place | Transfer) or not aged_out(s, g.at):
        return None
    kind = _kind(g, cmd)
    if kind == "hospital":
        return None
    t18 = eighteenth_birthday(s)
    assert t18 is not None  # aged_out: the birth date says when
    if t18.date() < AGE_OUT_FROM:
        return None  # turned 18 before 8 U.S.C. 1232(c)(2)(B) was enacted
    since = [(t, st) for t, st in s.age_outs if t >= t18]
    if not since:
        return (f"{_person(s)} was a child on this case and turned 18 at {_when(t18)} "
                f"(birth date {birth_date(s)}); record the age-out placement decision "
                "(record_age_out: the least restrictive setting, 8 U.S.C. 1232(c)(2)(B)) "
                f"before holding them in {_where(g, cmd, kind)}")
    at, setting = since[-1]
    if setting != "detention":
        return (f"the age-out decision of {_when(at)} chose {setting.replace('_', ' ')} for "
                f"{_person(s)}, not detention; a new age-out record choosing detention, with its "
                f"reason, must come before holding them in {_where(g, cmd, kind)}")
    return None


def _age_out_record(g: GuardInput, cmd: RecordAgeOut) -> str | None:
    s = g.state
    if not cmd.reason.strip():
        return "the age-out placement decision must give its reason (danger, flight risk)"
    if not aged_out(s, g.at):
        t18 = eighteenth_birthday(s)
        if minor_since(s) is None:
            return f"{_person(s)} was never a child on this case; there is no age-out to record"
        if t18 is None:
            return (f"the case holds no birth date that says when {_person(s)} turns 18; "
                    "an age-out cannot be recorded before then")
        if g.at < t18:
            return (f"{_person(s)} has not turned 18: by the birth date {birth_date(s)} on the "
                    f"case, the child rules apply until {_when(t18)}")
        return f"{_person(s)} was not a child on this case when they turned 18"
    if s.custody not in (*HELD, "with_orr"):
        return (f"{_person(s)} is not in federal custody (custody: {s.custody.replace('_', ' ')});"
                " the age-out placement record is for a child who turns 18 in custody")
    t18 = eighteenth_birthday(s)
    same = [t for t, st in s.age_outs if st == cmd.setting and t18 is not None and t >= t18]
    if same and s.age_outs[-1][1] == cmd.setting:
        return (f"the age-out decision for {_person(s)} was already recorded on "
                f"{_when(same[-1])} with the setting {cmd.setting}")
    return None
