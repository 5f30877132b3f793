"""A person's age, as the law of children counts it (LAW.md AGE; 8 U.S.C. 1232(b)(2), (b)(4)).

A person under 18 by the birth date recorded on their own case is a child from the encounter,
flagged or not. A claim or suspicion of minority (``flag_minor``) or an age determination
finding "minor" makes them a child from that moment, even when the recorded birth date says
otherwise (the recorded date is then what is in question). Only an age determination finding
"adult" (8 U.S.C. 1232(b)(4): on several forms of evidence, never a radiograph alone, confirmed
by a second person) ends minority before the 18th birthday; a later claim opens the question
again.

Which moment is the 18th birthday: the person is a minor until their 18th birthday has begun
everywhere on Earth, that is until 00:00 of that day at UTC-12 (12:00 UTC of the birthday). A
child encountered in Hawaii at 23:30 local time on the eve of the birthday (already the birthday
in UTC) is still a child, and so is a child encountered in Guam early on the birthday. A person
born on 29 February turns 18 on 1 March in a year without one (the later reading, which keeps
the protection a day longer).

Pure functions of the folded case: no I/O, no clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

from ..domain.case import CaseState

# The last time zone on Earth to reach a given day (Baker and Howland Islands).
LATEST_ZONE = timezone(timedelta(hours=-12))
ADULT_AGE = 18


def birth_date(state: CaseState) -> date | None:
    """The birth date recorded on the case (``person.birth_date``), or None when there is none
    or it cannot be read (a date that cannot be read is no date: no child rule rests on it,
    and none is lifted by it either)."""
    raw = (state.person or {}).get("birth_date")
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str) and raw.strip():
        try:
            return date.fromisoformat(raw.strip()[:10])
        except ValueError:
            return None
    return None


def birthday(born: date, years: int) -> date:
    """The day a person born on ``born`` turns ``years`` (29 February -> 1 March when the year
    has none)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February in a common year
        return date(born.year + years, 3, 1)


def eighteenth_birthday(state: CaseState) -> datetime | None:
    """The instant the recorded birth date says the person turns 18: the start of the 18th
    birthday at UTC-12, in UTC (None without a birth date)."""
    born = birth_date(state)
    if born is None:
        return None
    day = birthday(born, ADULT_AGE)
    return datetime.combine(day, time(0), tzinfo=LATEST_ZONE).astimezone(UTC)


def _claims(state: CaseState) -> list[datetime]:
    """When minority was claimed or suspected (flag_minor) or found (determine_age: minor)."""
    out = list(state.minor_claims)
    out += [t for t, finding in state.age_findings if finding == "minor"]
    return sorted(out)


def _adult_finding_after(state: CaseState, since: datetime | None, at: datetime) -> bool:
    """An age determination finding "adult", in effect, after ``since`` and by ``at``."""
    return any(finding == "adult" and t <= at and (since is None or t > since)
               for t, finding in state.age_findings)


def turned_18_at(state: CaseState) -> datetime | None:
    """The moment the child rules end by age on this case, or None when no such moment is
    known: no birth date, or a minority that rests on a claim or a finding made when the
    recorded birth date already said 18 (the recorded date is then the one in question)."""
    t18 = eighteenth_birthday(state)
    if t18 is None:
        return None
    claims = _claims(state)
    if claims and claims[-1] >= t18:
        return None
    return t18


def is_minor(state: CaseState, at: datetime) -> bool:
    """Whether the person is a child for the law at ``at`` (see the module's docstring)."""
    claims = [t for t in _claims(state) if t <= at]
    last_claim = claims[-1] if claims else None
    if _adult_finding_after(state, last_claim, at):
        return False
    t18 = eighteenth_birthday(state)
    if last_claim is not None:
        if t18 is not None and last_claim < t18:
            return at < t18  # the claim agrees with the birth date: a child until 18
        return True  # no birth date, or one the claim contradicts: a child until found adult
    return t18 is not None and at < t18


def minor_since(state: CaseState) -> datetime | None:
    """When the person first became a child for the law on this case: the encounter (the case's
    opening) for a minor by the recorded birth date, else the first claim, suspicion or finding
    of minority; None if never."""
    opened = state.opened_at
    t18 = eighteenth_birthday(state)
    if opened is not None and t18 is not None and opened < t18:
        return opened
    claims = _claims(state)
    return claims[0] if claims else None


def child_from(state: CaseState, begin: datetime, end: datetime | None) -> datetime | None:
    """The first moment in [``begin``, ``end``] at which the person is a child for the law: the
    beginning itself, or a later claim, suspicion or finding of minority within the stretch."""
    for t in [begin] + [t for t in _claims(state) if t > begin and (end is None or t <= end)]:
        if is_minor(state, t):
            return t
    return None


def claims_of_minority(state: CaseState) -> list[datetime]:
    """When minority was claimed, suspected or found on this case, in time order."""
    return _claims(state)


def was_child_on_case(state: CaseState, at: datetime) -> bool:
    """The person was treated as a child on this case at some moment up to ``at``."""
    since = minor_since(state)
    return since is not None and since <= at


def aged_out(state: CaseState, at: datetime) -> bool:
    """A child on this case who has since turned 18: the case was open, and the person a child
    for the law, just before the 18th birthday (a person found adult before it never aged out:
    in law they were not a child)."""
    t18 = turned_18_at(state)
    opened = state.opened_at
    if t18 is None or at < t18 or opened is None or opened >= t18:
        return False
    return is_minor(state, t18 - timedelta(microseconds=1))


def age_on(state: CaseState, at: datetime) -> int | None:
    """Whole years by the recorded birth date at ``at``, counted on the UTC-12 day (None
    without a birth date)."""
    born = birth_date(state)
    if born is None:
        return None
    day = at.astimezone(LATEST_ZONE).date()
    years = day.year - born.year
    if years > 0 and day < birthday(born, years):
        years -= 1
    return years
