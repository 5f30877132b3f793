"""Consular notification (LAW.md B6, CON-1/CON-2): the mandatory-notification countries and the
facts the guards and the clocks share (detention spells, whose consulate is owed a notice).

The list is the State Department's "Countries and Jurisdictions with Mandatory Notifications"
(travel.state.gov, consular notification; Consular Notification and Access Manual, 5th ed.,
Sep 2018), checked on 2026-12-07. Pure: no I/O.
"""

from __future__ import annotations

from datetime import datetime

from ..domain.case import US_NATIONALITIES, CaseState

LIST_CITATION = ("U.S. Department of State, Countries and Jurisdictions with Mandatory "
                 "Notifications (travel.state.gov, checked 2026-12-07); Consular Notification "
                 "and Access Manual, 5th ed. (Sep 2018)")

# ISO 3166 alpha-2 codes of the mandatory-notification countries. China includes Hong Kong and
# Macao (the notice goes to China's consulate); the United Kingdom includes Northern Ireland, the
# Crown Dependencies and the British Overseas Territories (the notice goes to the British
# consulate). Poland is mandatory only for nationals who are not U.S. lawful permanent residents:
# duecourse holds no immigration status, so it treats Poland as mandatory (docs/law.md).
# Taiwan passports are not China's: TW is not on the list (TECRO is told on request).
MANDATORY: frozenset[str] = frozenset({
    "AL", "DZ", "AG", "AM", "AZ", "BS", "BB", "BY", "BZ", "BN", "BG", "CN", "CR", "CY", "CZ",
    "DM", "FJ", "GM", "GE", "GH", "GD", "GY", "HU", "JM", "KZ", "KI", "KW", "KG", "MY", "MT",
    "MU", "MD", "MN", "NG", "PH", "PL", "RO", "RU", "KN", "LC", "VC", "SC", "SL", "SG", "SK",
    "TJ", "TZ", "TO", "TT", "TN", "TM", "TV", "UA", "GB", "UZ", "ZM", "ZW",
})
_CONSULATE_OF = {
    "HK": "CN", "MO": "CN",
    **{c: "GB" for c in ("JE", "GG", "IM", "AI", "BM", "VG", "KY", "GI", "MS", "TC", "FK", "SH",
                         "PN", "IO", "GS")},
}
HELD = ("arrested", "detained")


def consulate_of(nationality: str) -> str:
    """The country whose consulate is told of a national of ``nationality``."""
    n = nationality.upper()
    return _CONSULATE_OF.get(n, n)


def nationalities(s: CaseState) -> list[str]:
    return [str(n).upper() for n in (s.person.get("nationalities") or ())]


def foreign(s: CaseState) -> bool:
    """A foreign national, as far as the case knows: a nationality other than the United
    States', or none recorded (an unknown nationality is no reason to skip the advisal)."""
    nats = nationalities(s)
    return not s.citizen_found and (not nats or any(n not in US_NATIONALITIES for n in nats))


def mandatory_consulates(s: CaseState) -> set[str]:
    """The consulates to be told of the person's detention whatever their wishes."""
    if s.citizen_found:
        return set()
    return {consulate_of(n) for n in nationalities(s) if consulate_of(n) in MANDATORY}


def own_consulates(s: CaseState) -> set[str]:
    """The consulates of the person's recorded nationalities (other than the United States)."""
    return {consulate_of(n) for n in nationalities(s) if n not in US_NATIONALITIES}


def spells(s: CaseState) -> list[tuple[datetime, datetime | None]]:
    """Each time the person was held by DHS on this case (arrested or detained): (from, until);
    ``until`` is None while it lasts."""
    out: list[tuple[datetime, datetime | None]] = []
    start: datetime | None = None
    for t, c in s.custody_history:
        if c in HELD and start is None:
            start = t
        elif c not in HELD and start is not None:
            out.append((start, t))
            start = None
    if start is not None:
        out.append((start, None))
    return out


def last_spell(s: CaseState) -> tuple[datetime, datetime | None] | None:
    found = spells(s)
    return found[-1] if found else None


def requested_consulate(s: CaseState, since: datetime) -> tuple[datetime, str] | None:
    """The consulate the person asked to be told of, at the latest advisal since ``since`` (a
    later advisal at which they decline withdraws it), with when they asked."""
    advisals = [a for a in s.consular_advisals if a[0] >= since]
    if not advisals:
        return None
    at, requested, country = advisals[-1]
    if not requested:
        return None
    if not country:  # one nationality: that one's consulate
        own = own_consulates(s)
        country = next(iter(own)) if len(own) == 1 else ""
    return (at, consulate_of(country)) if country else None


def notified(s: CaseState, country: str, since: datetime) -> datetime | None:
    """When ``country``'s consulate was first told since ``since``."""
    return next((at for at, c in s.consulates_notified
                 if consulate_of(c) == country and at >= since), None)
