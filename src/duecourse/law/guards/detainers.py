"""Immigration detainers (LAW.md B1, DET-1): who may issue one, on what probable cause, with
which warrant attached, and its service on the person (8 CFR 287.7; ICE Policy 10074.2)."""

from __future__ import annotations

import unicodedata
from typing import Any

from ...domain.case import CaseState
from ...domain.commands import IssueDetainer, ServeDetainer
from ..framework import GuardInput, guard
from .orders import understood

# 8 CFR 287.7(b) lists the officer classes who may issue a detainer; in duecourse they are the
# officers and supervisory officers (detention, transport, counsel, oversight and admin are not).
AUTH_287_7_B = frozenset({"officer", "supervisor"})

# The probable-cause boxes of form I-247A (02/17), as the command names them.
BASES = {
    "final_order": "a final order of removal against the person",
    "pending_proceedings": "removal proceedings pending against the person",
    "biometric_records": "biometric confirmation of identity and records checks",
    "statements": "statements made voluntarily to an immigration officer or other reliable "
                  "evidence",
}

_CITATION_287_7 = "8 CFR 287.7(a)-(b); I-247A (02/17)"
_CITATION_POLICY = "8 CFR 287.7(a)-(b); ICE Policy 10074.2 (24 Mar 2017, effective 2 Apr 2017)"


@guard(
    "DET-1", title="A detainer: by an authorised officer, on probable cause the form names",
    citation=_CITATION_287_7,
    protects="no one is held for DHS on a request from someone without the authority or a basis",
    confidence="V", commands={"issue_detainer"}, effective_from="1997-04-01",
    verified="2026-12-07", source="LAW.md B1",
)
def detainer_basis(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    if not isinstance(cmd, IssueDetainer):
        return None
    if g.actor.role not in AUTH_287_7_B:
        return (f"a detainer may be issued only by an immigration officer of a class 8 CFR "
                f"287.7(b) lists (officer or supervisor), not by a user in the role "
                f"'{g.actor.role}'")
    if not cmd.agency.strip():
        return "a detainer names the law-enforcement agency that holds the person; it is blank"
    if not cmd.reason.strip():
        return ("a detainer states the facts of its probable cause (reason); it is blank")
    if s.custody in ("arrested", "detained", "with_orr"):
        return (f"the person is already in federal custody ({s.custody.replace('_', ' ')}); a "
                "detainer asks another agency to hold a person it has, and none is needed")
    if s.custody == "removed":
        return "the person has been removed"
    if cmd.probable_cause == "final_order" and not _final(g):
        return ("the probable cause named is a final order of removal, but the case has no "
                "final order of removal")
    if cmd.probable_cause == "pending_proceedings" and not _pending(s):
        return ("the probable cause named is pending removal proceedings, but no Notice to "
                "Appear has been served on this case or the proceedings have ended")
    key = agency_fold(cmd.agency)
    for earlier in _standing(s):
        if agency_fold(str(earlier["agency"])) == key:
            return (f"a detainer to {earlier['agency']} was already issued on "
                    f"{earlier['at']:%Y-%m-%d %H:%M} UTC and stands (DHS has not taken the "
                    "person into custody since); a second one to the same agency is a "
                    "duplicate")
    return None


@guard(
    "DET-1", title="A detainer carries a signed I-200 or I-205 on the case",
    citation=_CITATION_POLICY,
    protects="a detainer rests on an administrative warrant an authorised official signed",
    confidence="V", commands={"issue_detainer"}, effective_from="2017-04-02",
    verified="2026-12-07", source="LAW.md B1",
)
def detainer_warrant(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    if not isinstance(cmd, IssueDetainer):
        return None
    if cmd.warrant == "I-200":
        if not any(not w.used for w in s.warrants):
            signed = len(s.warrants)
            return ("a detainer must be accompanied by an arrest warrant (I-200) signed on this "
                    "case and not yet used for an arrest; "
                    + (f"the {signed} on file {'has' if signed == 1 else 'have'} been used"
                       if signed else "none has been signed"))
        return None
    if s.removal_warrant_at is None:
        return ("a detainer must be accompanied by a warrant of removal (I-205) signed on this "
                "case; none is on file for the current order")
    if not _final(g):
        return "a warrant of removal (I-205) can accompany a detainer only on a final order"
    return None


@guard(
    "DET-1", title="A copy of the detainer is served on the person",
    citation="8 CFR 287.7(a); ICE Policy 10074.2; I-247A (02/17)",
    protects="the person learns why they are held, in a language they understand",
    confidence="K", commands={"serve_detainer"}, effective_from="1997-04-01",
    verified="2026-12-07", source="LAW.md B1",
)
def detainer_service(g: GuardInput) -> str | None:
    cmd = g.command
    if not isinstance(cmd, ServeDetainer) or cmd.language is None:
        return None
    return understood(g.state, cmd.language, cmd.interpreter, "detainer")


@guard(
    "LIFECYCLE", title="Commands follow the case's lifecycle (detainers)",
    citation="duecourse lifecycle (docs/law.md)",
    protects="every action has the facts it depends on",
    confidence="V", commands={"serve_detainer"}, effective_from="", verified="2026-12-07",
    source="duecourse (a rule of the software: no legal effective date)",
)
def detainer_order(g: GuardInput) -> str | None:
    if not any(d["served_at"] is None for d in g.state.detainers):
        issued = len(g.state.detainers)
        return ("there is no detainer awaiting service on this case"
                + (f" (the {issued} issued {'has' if issued == 1 else 'have'} been served)"
                   if issued else ""))
    return None


def _final(g: GuardInput) -> bool:
    s = g.state
    return s.order_is_removal and s.is_final(g.at, g.appeal_deadline)


def _pending(s: CaseState) -> bool:
    return s.nta_served_at is not None and not s.concluded and s.custody != "removed"


# Apostrophes and accents that Unicode counts as letters (modifier letters) or that NFKD leaves as
# a space and a combining mark: "Sheriff\u02bcs" and "Sheriff\u00b4s" are "Sheriff's".
_APOSTROPHES = frozenset("\u02bc\u00b4\u0060\u2018\u2019\u201b\u02b9\u02bb")


def agency_fold(name: str) -> str:
    """An agency's name as detainers are compared: decomposed (NFKD), case-folded, with
    apostrophes and quotation marks of every kind (the modifier-letter apostrophe and the acute
    accent too), accents and other combining marks, other punctuation, symbols and spacing left
    out ("Harris County Sheriff\u2019s Office" = "HARRIS COUNTY SHERIFF'S OFFICE")."""
    t = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", name).casefold())
    return "".join(ch for ch in t if ch.isalnum() and ch not in _APOSTROPHES
                   and not unicodedata.category(ch).startswith("M"))


def _standing(s: CaseState) -> list[dict[str, Any]]:
    """Every detainer on the case that still stands: DHS has not taken the person into custody
    (an arrest) since it was issued."""
    arrest = s.last_arrest
    return [d for d in s.detainers if arrest is None or arrest.at < d["at"]]
