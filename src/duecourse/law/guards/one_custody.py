"""One person is in DHS custody once (a rule of the software). An arrest, a decision to hold or a
placement on a second case of a person already held on another case would start the hold-room
(HOLD-12), Flores and custody clocks again and record the person in two places at once: custody
is recorded on the case that holds them."""

from __future__ import annotations

from datetime import datetime

from ...domain.case import CaseState
from ..framework import GuardInput, guard
from .custody import returns_to_custody

HELD = ("arrested", "detained")


@guard(
    "LIFECYCLE", title="One person is held on one case at a time",
    citation="duecourse lifecycle (docs/law.md); FLORES and HOLD-12 count from entry into custody",
    protects="a second case does not restart the clocks of a person already held, nor record "
             "them in two places at once",
    confidence="K", commands={"record_arrest", "determine_custody", "place"}, effective_from="",
    verified="2026-12-07", source="duecourse (a rule of the software: no legal effective date)",
)
def held_on_one_case(g: GuardInput) -> str | None:
    if not returns_to_custody(g.command) or g.state.custody in HELD:
        return None
    for case_id, other in sorted(g.held_elsewhere.items()):
        custody, since = custody_at(other, g.at)
        if custody in HELD:
            at = f" since {since:%Y-%m-%d %H:%M} UTC" if since is not None else ""
            return (f"the person is held ({custody}{at}{_where(other)}) on their case {case_id} "
                    "(the same A-number, or the same names and birth date) at the time of this "
                    "command: custody, placement and moves are recorded on that case, whose "
                    "hold-room, Flores and custody clocks keep running; a second case does not "
                    "hold them again")
    return None


def custody_at(s: CaseState, at: datetime) -> tuple[str, datetime | None]:
    """The case's custody at the instant ``at`` (a command dated before the other case's latest
    change is judged on what that case recorded then), with when that custody began (for a
    person held, the start of the spell in DHS custody)."""
    custody, since = "at_large", None
    for t, c in s.custody_history:
        if t > at:
            break
        if c != custody:  # the spell in custody runs on from arrest to detention
            since = since if c in HELD and custody in HELD else t
            custody = c
    return custody, since


def _where(s: CaseState) -> str:
    stays = s.facility_stays
    return f", at {stays[-1][1]}" if stays and s.custody == "detained" else ""
