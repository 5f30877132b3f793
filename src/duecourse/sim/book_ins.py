"""The demo's last hours: a few people booked in and classified who still await a bed.

The simulation places everyone it detains within hours, so at its end nobody would be waiting,
and the placement board would have nothing to plan. These adults are encountered in the last
hours of the simulated time, arrested without a warrant, examined by a second officer, detained
and classified (CLS-1) through the one write path like every other step; placing them is left to
a detention officer, with the board's plan as advice.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from ..bootstrap import App
from ..domain.commands import (
    Actor,
    Classify,
    Command,
    DetermineCustody,
    IssueNta,
    NotifyConsulate,
    OpenCase,
    RecordArrest,
    RecordConsularAdvisal,
    RecordExamination,
)
from ..domain.errors import DuecourseError
from ..law.consular import MANDATORY, consulate_of
from .planner import CLASSIFICATION_BASIS, COURTS, counsel_list_date
from .population import generate_population


def book_in_awaiting_beds(app: App, staff: dict[str, Actor], end: datetime, n: int,
                          seed: int) -> list[str]:
    """Open ``n`` cases of adults booked in during the last hours before ``end``; their ids."""
    rng = random.Random(f"duecourse-book-ins-{seed}")
    officers = [a for a in staff.values() if a.role == "officer"]
    detention = [a for a in staff.values() if a.role == "detention"]
    people = [p for p in generate_population(4 * n, seed + 1_000, end.date())
              if not p.minor and not p.claims_us_birth][:n]
    opened = []
    for person in people:
        court, city, _ = rng.choice(COURTS)
        hearing = (end + timedelta(days=rng.randint(15, 30))).replace(hour=9, minute=0, second=0,
                                                                       microsecond=0)
        t = end - timedelta(hours=rng.uniform(4, 10))
        o, o2 = rng.sample(officers, 2)
        level = rng.choices("ABCD", (61, 15, 13, 11))[0]
        out = app.do(OpenCase(person=person.data, encounter="interior", location=city,
                              legal_basis="INA 237(a)(1)(B)"), o, t)
        steps: list[tuple[timedelta, Actor, Command]] = [
            (timedelta(minutes=20), o, RecordArrest(
                basis="warrantless", reason_to_believe="admitted overstaying a visa; no "
                "application pending", likely_to_escape="no fixed address", location_type="public")),
            (timedelta(hours=1), o2, RecordExamination()),
            # CON-1: told of the right to consular notification (they do not ask for it).
            (timedelta(hours=1.5), o, RecordConsularAdvisal(language=person.language,
                                                            notification_requested=False)),
            (timedelta(hours=2), o, DetermineCustody(decision="detain", authority="236(a)",
                                                     reason="flight risk: no fixed address")),
            (timedelta(hours=2.5), o, IssueNta(
                charges=("INA 237(a)(1)(B)",), allegations=(
                    "You were admitted as a nonimmigrant visitor.",
                    "You remained beyond the time permitted without authorization."),
                hearing_at=hearing, court=court,
                # The list current when the notice is issued (the first of that month: a demo
                # ending early on the 1st issues its last notices the month before).
                counsel_list_date=counsel_list_date(t + timedelta(hours=2.5), court))),
            (timedelta(hours=3), rng.choice(detention), Classify(
                level=level, basis=CLASSIFICATION_BASIS)),  # type: ignore[arg-type]
        ]
        if consulate_of(person.nationality) in MANDATORY:  # CON-2: whatever their wishes
            steps.append((timedelta(hours=3.5), o, NotifyConsulate(
                country=person.nationality, method="fax")))
        for after, actor, command in steps:
            step = app.do(command, actor, t + after, case_id=out.case_id)
            if not step.accepted:
                raise DuecourseError(f"demo book-in {command.name} refused: {step.rule_ids}")
        opened.append(str(out.case_id))
    return opened
