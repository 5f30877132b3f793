"""The rows of issue 15 (children, custody, facilities, detainers, consuls, locations, addresses),
checked event by event beside ``checks.py``: each area keeps its own facts, reads the shared ones
(``Facts``: custody, orders, hearings, warrants) and runs its own clocks.

An area is asked, for each event in order, to ``check`` it against the facts as they stood just
before it, then to ``apply`` it (after ``Facts`` has); at the end its ``finish`` gives the clocks
still owed. A clock fulfilled late is a violation unless a ``deadline_missed`` record for it
follows before the clock starts again (LAW.md: the late act is never refused; it is recorded).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from ...domain.events import DEADLINE_MISSED, Event
from .facts import Facts
from .legal import ADULT_AGE, LAST_ZONE_OFFSET_HOURS
from .reading import text, when
from .report import Flag, Violation

HELD = frozenset({"arrested", "detained"})  # in DHS custody
_LAST_ZONE = timezone(timedelta(hours=LAST_ZONE_OFFSET_HOURS))


def kind_of(value: Any) -> str:
    """A type or code as a careless clerk may type it, compared: trimmed, lower case, runs of
    spaces and hyphens as one "_"."""
    if not isinstance(value, str):
        return ""
    return "_".join(value.strip().lower().replace("-", " ").replace("_", " ").split())


def eighteenth_birthday(born: date) -> date:
    """The 18th birthday; a birthday on 29 February falls on 1 March in a common year."""
    y = born.year + ADULT_AGE
    try:
        return born.replace(year=y)
    except ValueError:
        return date(y, 3, 1)


def adult_from(born: date) -> datetime:
    """The first instant the person is 18 everywhere: 00:00 of the 18th birthday at UTC-12."""
    return datetime.combine(eighteenth_birthday(born), datetime.min.time(),
                            tzinfo=_LAST_ZONE).astimezone(UTC)


def age_on(born: date, t: datetime) -> int:
    d = t.astimezone(_LAST_ZONE).date()
    return d.year - born.year - ((d.month, d.day) < (born.month, born.day))


def local_days(t: datetime) -> tuple[date, date]:
    """The earliest and the latest calendar day ``t`` falls on anywhere (UTC-12 to UTC+14)."""
    return ((t + timedelta(hours=LAST_ZONE_OFFSET_HOURS)).date(),
            (t + timedelta(hours=14)).date())


@dataclass
class Context:
    """What every area may read: the case, who holds which role, the person's birth date and
    what the age determinations and flags say."""

    case_id: str
    roles: Mapping[str, str] = field(default_factory=dict)
    born: date | None = None
    person_id: str = ""
    opened: datetime | None = None
    # AGE: the last claim, suspicion (``minor_flagged``) or finding of minority with effect, as
    # (when, seq); the findings of an adult with effect, as (when made, seq); when each age
    # determination was made (seq -> time).
    claim: tuple[datetime, int] | None = None
    adult_findings: list[tuple[datetime, int]] = field(default_factory=list)
    age_times: dict[int, datetime] = field(default_factory=dict)

    def role(self, who: str) -> str:
        return self.roles.get(who.strip(), "") if who else ""

    def found_adult(self, before: datetime | None = None) -> bool:
        """An age determination with effect found an adult after the last claim of minority (and,
        with ``before``, was made before that moment): a later claim opens the question again."""
        since = self.claim[1] if self.claim is not None else 0
        return any(seq > since and (before is None or at < before)
                   for at, seq in self.adult_findings)

    def contradicted(self) -> bool:
        """Minority rests on a claim or finding the birth date does not bear out (made when the
        recorded birth date already said 18, or with no birth date): its end is unknown."""
        return self.claim is not None and (self.born is None
                                           or self.claim[0] >= adult_from(self.born))

    def minor(self, f: Facts, t: datetime) -> bool:
        """A child at ``t`` (AGE; docs/law.md "Who is a child"): under 18 by the case's birth
        date, or flagged or found a minor - unless an age determination with effect found an
        adult since. A claim the birth date bears out ends with it at 18; one it contradicts (or
        with no birth date) lasts until an adult finding."""
        if self.found_adult():
            return False
        if self.contradicted():
            return True
        return self.born is not None and t < adult_from(self.born)

    def aged_out(self, f: Facts, t: datetime) -> bool:
        """A child on this case who has turned 18 by ``t``: the case was opened before the 18th
        birthday, no claim contradicts the birth date, and no adult finding came before it (a
        person found adult before 18 never aged out)."""
        if self.born is None or self.opened is None or self.contradicted():
            return False
        t18 = adult_from(self.born)
        return self.opened < t18 <= t and not self.found_adult(before=t18)

    def child_words(self, f: Facts, t: datetime) -> str:
        if self.contradicted():
            return "a child (flagged or found a minor, not found an adult since)"
        if self.born is None:
            return "a child (flagged as a minor)"
        flagged = "" if f.minor_flagged else ", never flagged"
        return f"a child ({age_on(self.born, t)} by the birth date on the case{flagged})"

    def unapproved(self, e: Event, key: str, role: str, verb: str = "approved") -> str:
        """Why the person named in ``key`` cannot have approved ``e``: '' if they can (named, not
        the actor, and - where the store knows them - holding ``role``)."""
        who = text(e.data, key)
        if not who:
            return f"no {role} {verb} it"
        if who == e.actor_id:
            return f"it was {verb} by {who}, who acted"
        held = self.role(who)
        if held and held != role:
            return f"it was {verb} by {who}, a {held}, not a {role}"
        return ""


@dataclass
class _Late:
    ids: tuple[str, ...]
    violation: Violation


class Clocks:
    """Late fulfilments awaiting their ``deadline_missed`` record."""

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        self.pending: list[_Late] = []
        self.out: list[Violation] = []

    def late(self, rule: str, ids: Iterable[str], e: Event, started: Event, due: datetime,
             what: str) -> None:
        self.pending.append(_Late(tuple(ids), Violation(
            rule, e.seq, self.case_id,
            f"{what} at {when(e.at)}, after the deadline of {when(due)} (clock started by event "
            f"{started.seq}), with no record that the deadline was missed")))

    def judge(self, rule: str, ids: Iterable[str], e: Event, started: Event, due: datetime,
              what: str) -> None:
        if e.at > due:
            self.late(rule, ids, e, started, due, what)

    def seen(self, e: Event) -> None:
        if e.kind != DEADLINE_MISSED:
            return
        clock = text(e.data, "deadline").upper()
        self.pending = [p for p in self.pending
                        if not any(clock.startswith(i.upper()) for i in p.ids)]

    def restart(self, rule: str) -> None:
        """A clock starts again: its earlier late fulfilment had to be recorded before now."""
        self.out.extend(p.violation for p in self.pending if p.violation.rule == rule)
        self.pending = [p for p in self.pending if p.violation.rule != rule]

    def finish(self) -> list[Violation]:
        out = self.out + [p.violation for p in self.pending]
        self.pending, self.out = [], []
        return out


class Area:
    """One area's checks, facts and clocks."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.clocks = Clocks(ctx.case_id)

    def check(self, f: Facts, e: Event, flag: Flag) -> None:  # pragma: no cover - interface
        pass

    def apply(self, f: Facts, e: Event) -> None:  # pragma: no cover - interface
        pass

    def finish(self) -> list[Violation]:
        return self.clocks.finish()


class Areas:
    """Every issue-15 area of one case, driven beside the older checks by ``run.py``."""

    def __init__(self, case_id: str, roles: Mapping[str, str] | None = None) -> None:
        from .children import Children
        from .custody import Custody
        from .facilities import Facilities
        from .rows import Rows

        self.ctx = Context(case_id, dict(roles or {}))
        self.areas: tuple[Area, ...] = (Children(self.ctx), Custody(self.ctx),
                                        Facilities(self.ctx), Rows(self.ctx))

    def step(self, f: Facts, e: Event, flag: Flag, apply: Any) -> None:
        """Check ``e`` in every area, apply it to ``f`` (with ``apply``), then to every area."""
        if e.kind == "case_opened" and self.ctx.born is None:
            person = e.data.get("person") or {}
            from .reading import day

            self.ctx.born = day(person.get("birth_date")) if isinstance(person, dict) else None
            self.ctx.person_id = text(e.data, "person_id")
            self.ctx.opened = e.at
        if e.actor_id and e.actor_role and e.actor_id not in self.ctx.roles:
            self.ctx.roles = {**self.ctx.roles, e.actor_id: e.actor_role}
        for a in self.areas:
            a.check(f, e, flag)
        found = f.age_finding
        apply(f, e)
        self._age(f, e, found)
        for a in self.areas:
            a.clocks.seen(e)
            a.apply(f, e)

    def _age(self, f: Facts, e: Event, before: tuple[str, int]) -> None:
        """Keep the context's reading of age (AGE) up to date with ``e``."""
        ctx = self.ctx
        if e.kind == "age_determined":
            ctx.age_times[e.seq] = e.at
        if e.kind == "minor_flagged" or (e.kind == "age_determined"
                                         and f.age_finding == ("minor", e.seq)):
            ctx.claim = (e.at, e.seq)
        elif f.age_finding != before and f.age_finding[0] == "adult":  # an adult finding took effect
            seq = f.age_finding[1]
            ctx.adult_findings.append((ctx.age_times.get(seq, e.at), seq))

    def finish(self) -> list[Violation]:
        return [v for a in self.areas for v in a.finish()]
