"""``duecourse demo``: synthetic people driven through the lifecycle, with unlawful attempts.

A discrete-event simulation. Every synthetic person (``sim.population``) gets a path sampled from
the calibration (``sim.calibration``, derived from public ICE and immigration-court data): how they
were encountered, a warrant or a warrantless arrest, the custody decision, the Notice to Appear and
its hearings, the judge's order, an appeal at the observed appeal rate, stays, travel documents,
and — after a length of detention drawn from the observed distribution — removal or release in the
observed shares. The paths are written out as timed commands, merged into one timeline over
``days`` and given, in time order, to the one write path (``App.do``), exactly as clerks would.

Interleaved with the lawful steps are deliberate unlawful attempts, each scripted for a share of
the people so that every run shows the guards at work:

- removal while the appeal window is open or an appeal is pending (STAY-AUTO, FINAL);
- removal while a stay is in effect (STAY-JUD, STAY-AUTO);
- removal to a country the person is protected from (PROT-CTRY);
- an arrest while a claim to U.S. citizenship is under review (USC);
- an unaccompanied child placed in an adult facility (UAC-72);
- an attorney acting on the case of someone who is not their client, and an oversight user
  trying to write case facts (ROLE);
- an I-200 signed by the officer who requested it (ARR-1), an arresting officer examining their
  own arrest (ARR-3).

These are expected to be refused. Court and agency events carry their documents (issuer,
reference, date: the NTA's court for an order, the BIA, the circuit's court of appeals for a
judicial stay, DHS for a citizenship finding), and every entry that takes a protection away — a
stay lifted, an appeal dismissed, an order in absentia (only after a noticed hearing missed at
liberty), a not-citizen finding, the respondent's waiver recorded by agency counsel — is confirmed
against its document by a second agency counsel who never schedules a removal (PROVENANCE); the
runner fills in the entry's event number once it is recorded. Late fulfilments — a custody
decision more than 48 hours after a warrantless arrest, a late HHS notice, a late transfer of a
child to ORR, a late post-order custody review — are never refused (LAW.md): they are accepted and
the deadline is marked missed. The duties that go with custody are done on time: the consular
advisal soon after the arrest (and the consulate told for a mandatory-notification country or at
the person's request: CON-1, CON-2), the court told where a detained person is held (NTA-ADDR),
reviews of a prolonged detention before the order (PRE-ORDER), the written notice before a
post-order custody review that continues detention, and the HQ review by another supervisor
(POCR).

The summary counts cases by facet, events, refusals by rule id, deadlines (as of the end of the
simulation), violations found by the independent checker (``law.invariants``; must be 0) and the
ledger's entries, and whether it verifies. The same seed gives the same summary.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from ..bootstrap import App, build_app
from ..config import default_key_path
from ..domain.commands import (
    Actor,
    ConfirmEntry,
    OpenCase,
)
from ..domain.errors import DuecourseError
from ..store.tables import cases
from .book_ins import book_in_awaiting_beds
from .planner import START, D, Step, plan_steps, staff_actors
from .population import generate_population
from .summary import print_summary, summarise

__all__ = ["START", "DemoResult", "Step", "plan_steps", "print_summary", "run_demo", "simulate"]

# -- running it ---------------------------------------------------------------------------------


@dataclass
class DemoResult:
    """The summary (``summary``, the public JSON) and what the simulator itself checked."""

    summary: dict[str, Any]
    commands: int = 0
    accepted: int = 0
    refused: int = 0
    attempts: Counter[str] = field(default_factory=Counter)
    # Expectations that did not hold: a lawful step refused, an attempt accepted or refused
    # without the expected rule, a late fulfilment not marked missed. Must be empty.
    surprises: list[str] = field(default_factory=list)


def _sqlite_path(db_url: str) -> Path | None:
    if db_url.startswith("sqlite:///") and db_url != "sqlite:///:memory:":
        return Path(db_url.removeprefix("sqlite:///"))
    return None


def _remove_sqlite(db_url: str) -> None:
    path = _sqlite_path(db_url)
    if path is None:
        return
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal"),
              default_key_path(db_url)):
        p.unlink(missing_ok=True)


def simulate(people: int = 300, days: int = 365, seed: int = 7, db_url: str = "sqlite://",
             progress: Callable[[int], None] | None = None, fresh: bool = False,
             start: datetime = START) -> DemoResult:
    """Run the simulation into the store at ``db_url`` and summarise it."""
    if people < 1 or days < 1:
        raise DuecourseError("the demo needs at least one person and one day")
    if fresh:
        _remove_sqlite(db_url)
    app = build_app(db_url, seed=seed)
    with app.ctx.engine.connect() as conn:
        existing = conn.execute(select(func.count()).select_from(cases)).scalar_one()
    if existing:
        raise DuecourseError(
            f"the database {db_url} already holds {existing} cases; the demo needs an empty one "
            "(give a new --db, or omit --db: the default demo database is recreated each run)")
    staff = staff_actors()
    for actor in staff.values():
        app.register_actor(actor, at=start)
    population = generate_population(people, seed, start.date())
    steps, attorney_of = plan_steps(population, seed, days, start)
    end = start + D(days)
    result = DemoResult(summary={})
    refusals: Counter[str] = Counter()
    case_of: dict[int, str] = {}
    clients: dict[str, list[str]] = {a: [] for a in staff if staff[a].role == "attorney"}
    last_step = {s.person: i for i, s in enumerate(steps)}
    seq_of: dict[tuple[int, int], int] = {}
    done = 0
    for i, step in enumerate(steps):
        if step.at > end:
            break
        _run_step(app, step, staff, clients, attorney_of, case_of, result, refusals, seq_of)
        if last_step.get(step.person) == i:
            done += 1
        if progress is not None and i % 50 == 0:
            progress(done)
    book_in_awaiting_beds(app, staff, end, max(3, people // 60), seed)
    import_agency_records(app, seed, end)
    if progress is not None:
        progress(people)
    result.summary = summarise(app, end, refusals)
    return result


def import_agency_records(app: App, seed: int, at: datetime, n: int = 400) -> None:
    """Synthetic records of the agency's own sources (encounters, court records, prior case
    files, transfers), imported and linked at the end, so that the served demo's identity review
    has pairs waiting for a person. (Imported after the simulation: its cases were opened before
    linkage and are not assessed.)"""
    from ..app.identity import do_import_records, do_link
    from .identity_records import generate_identity_records

    data = generate_identity_records(n, seed, as_of=at.date())
    by_source: dict[str, list[dict[str, str]]] = {}
    for source, row in zip(data.sources, data.rows(), strict=True):
        by_source.setdefault(source, []).append(row)
    for source, rows in sorted(by_source.items()):
        do_import_records(app.ctx, rows, source, at=at)
    do_link(app.ctx, at=at)


def _run_step(app: App, step: Step, staff: dict[str, Actor], clients: dict[str, list[str]],
              attorney_of: dict[int, str], case_of: dict[int, str], result: DemoResult,
              refusals: Counter[str], seq_of: dict[tuple[int, int], int]) -> None:
    is_open = isinstance(step.command, OpenCase)
    case_id = case_of.get(step.person)
    if not is_open and case_id is None:
        return  # the case never opened (cannot happen on a lawful path; reported below)
    actor = staff[step.actor]
    if actor.role == "attorney":
        actor = Actor(actor.id, actor.role, actor.name, tuple(clients[actor.id]))
    if isinstance(step.command, OpenCase):  # the field office the encounter is recorded at
        actor = dataclasses.replace(actor, office=step.command.location)
    command = step.command
    what = f"person {step.person} {command.name} at {step.at:%Y-%m-%d %H:%M}"
    if isinstance(command, ConfirmEntry) and step.confirms >= 0:
        # The second person confirms the entry recorded by the step it names: its event number
        # is known only now that the entry has been recorded.
        entry = seq_of.get((step.person, step.confirms))
        if entry is None:
            result.surprises.append(f"{what}: the entry it confirms was not recorded")
            return
        command = dataclasses.replace(command, entry=entry)
    out = app.do(command, actor, step.at, case_id=case_id)
    result.commands += 1
    ids = out.rule_ids
    refusals.update(ids)
    if out.accepted:
        result.accepted += 1
        if out.events:
            seq_of[(step.person, step.order)] = int(out.events[0]["seq"])
        if is_open and out.case_id:
            case_of[step.person] = out.case_id
            att = attorney_of.get(step.person)
            if att is not None:  # the attorney files a notice of appearance (G-28)
                with app.ctx.engine.connect() as conn:
                    pid = conn.execute(select(cases.c.person_id)
                                       .where(cases.c.id == out.case_id)).scalar_one()
                clients[att].append(str(pid))
                a = staff[att]
                app.register_actor(Actor(a.id, a.role, a.name, tuple(clients[att])),
                                   at=step.at)
        if step.expect == "refused":
            result.surprises.append(f"{what}: the unlawful attempt '{step.attempt}' was accepted")
        missed = [e for e in out.events if e["kind"] == "deadline_missed"]
        if step.late and not missed:
            result.surprises.append(f"{what}: late ({step.late}) but no deadline marked missed")
    else:
        result.refused += 1
        if step.expect == "accepted":
            reasons = "; ".join(f"{r.rule_id}: {r.reason}" for r in out.refusals)
            result.surprises.append(f"{what}: a lawful step was refused ({reasons})")
        else:
            result.attempts[step.attempt] += 1
            lacking = [c for c in step.cites if c not in ids]
            if lacking:
                result.surprises.append(f"{what}: '{step.attempt}' refused without {lacking} "
                                        f"(cited {ids})")


def run_demo(people: int = 300, days: int = 365, seed: int = 7, db_url: str = "sqlite://",
             progress: Callable[[int], None] | None = None, fresh: bool = False,
             start: datetime = START) -> dict[str, Any]:
    """Simulate and return the summary (the object ``duecourse demo --json`` prints)."""
    return simulate(people, days, seed, db_url, progress, fresh, start).summary


def start_to_end_now(days: int, now: datetime) -> datetime:
    """A start (a Monday, midnight UTC) from which ``days`` of simulation end within the week
    before ``now``: for a demo that is served, so that the clocks it shows run in real time."""
    first = (now - timedelta(days=days)).date()
    monday = first - timedelta(days=first.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
