"""One person is in DHS custody once (a rule of the software). An arrest, a decision to hold or a
placement on a second case of a person already held on another case would start the hold-room
(HOLD-12), Flores and custody clocks again and record the person in two places at once: custody
is recorded on the case that holds them."""

from __future__ import annotations

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
    if not returns_to_custody(g.command):
        return None
    for case_id, other in sorted(g.held_elsewhere.items()):
        if other.custody in HELD and g.state.custody not in HELD:
            return (f"the person is already held ({other.custody}{_where(other)}) on their "
                    f"case {case_id} (the same A-number, or the same names and birth date): "
                    "custody, placement and moves are recorded on that case, whose hold-room, "
                    "Flores and custody clocks keep running; a second case does not hold them "
                    "again")
    return None


def _where(s: CaseState) -> str:
    stays = s.facility_stays
    return f", at {stays[-1][1]}" if stays and s.custody == "detained" else ""
