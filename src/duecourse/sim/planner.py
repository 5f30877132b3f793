"""The simulator's planner: each synthetic person's path through the lifecycle, sampled from the
calibration, written out as timed commands (lawful steps and deliberate unlawful attempts).
See ``sim.demo`` for how the plan is run."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, TypeVar

from ..domain.case import CaseState, Order
from ..domain.commands import (
    Actor,
    ClaimCitizenship,
    Classify,
    CloseCase,
    Command,
    ConfirmEntry,
    DecideAppeal,
    DetermineCustody,
    FileAppeal,
    FlagMinor,
    GrantStay,
    IssueArrestWarrant,
    IssueNta,
    IssueRemovalWarrant,
    LiftStay,
    NotifyConsulate,
    NotifyCourtOfCustody,
    NotifyHhs,
    OpenCase,
    Place,
    RecordAddress,
    RecordArrest,
    RecordConsularAdvisal,
    RecordExamination,
    RecordMedicalClearance,
    RecordOrder,
    RecordRemoval,
    RecordTravelDocument,
    Release,
    ResolveCitizenship,
    ReviewCustody,
    ScheduleHearing,
    ScheduleRemoval,
    ServeNta,
    ServePocrNotice,
    TransferToOrr,
    WaiveAppeal,
)
from ..law.calendar import court_day, court_zone_name
from ..law.consular import MANDATORY, consulate_of
from ..law.framework import appeal_deadline
from ..law.params import param
from ..reference import court_zone
from .calibration import Calibration, load_calibration
from .facilities import facility_for, family_facility_for
from .population import SyntheticPerson

START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday; the simulation's clock starts here

T = TypeVar("T")
Encounter = Literal["border", "interior", "custody_transfer", "self_report", "court"]
Outcome = Literal["removal", "relief", "terminated", "voluntary_departure"]
AppealOutcome = Literal["dismissed", "sustained", "remanded"]
StayKind = Literal["judicial", "bia", "ij", "dhs", "mtr"]
ReleaseDecision = Literal["recognizance", "supervision"]
Level = Literal["A", "B", "C", "D"]

# -- staff: synthetic users of every role ------------------------------------------------------

STAFF: dict[str, tuple[str, int]] = {  # role -> (id prefix, how many)
    "officer": ("officer", 10), "supervisor": ("supervisor", 3), "counsel": ("counsel", 3),
    "detention": ("detention", 3), "transport": ("transport", 2), "oversight": ("oversight", 2),
    "attorney": ("attorney", 6),
}
STAFF_NAMES = (
    "Avery Lindqvist", "Jordan Okafor", "Morgan Castellanos", "Riley Nakamura", "Casey Brennan",
    "Quinn Abernathy", "Taylor Mbeki", "Drew Halvorsen", "Jamie Ferreira", "Alex Whitcombe",
    "Sam Delacroix", "Robin Oyelaran", "Cameron Petrakis", "Jesse Vandermeer", "Kendall Ashby",
    "Parker Iwu", "Reese Kowalczyk", "Skyler Montague", "Dakota Rinaldi", "Emerson Tanaka",
    "Finley Obuya", "Harper Sandoval", "Logan Achterberg", "Rowan Kipkemboi", "Sage Lindgren",
    "Blair Hosseini", "Marlowe Quist", "Arden Falkner", "Ellis Moreau", "Hollis Varga",
    "Lennox Adeyemi", "Tatum Solberg",
)


def staff_actors() -> dict[str, Actor]:
    out: dict[str, Actor] = {}
    n = 0
    for role, (prefix, count) in STAFF.items():
        for i in range(1, count + 1):
            aid = f"{prefix}-{i:02d}"
            out[aid] = Actor(aid, role, STAFF_NAMES[n % len(STAFF_NAMES)])
            n += 1
    return out


def _ids(role: str) -> list[str]:
    prefix, count = STAFF[role]
    return [f"{prefix}-{i:02d}" for i in range(1, count + 1)]


# Immigration courts (EOIR base-city codes) where the simulated cases are heard, with the field
# office city the encounter is recorded at. Detained dockets are weighted up.
COURTS: tuple[tuple[str, str, float], ...] = (
    ("HOU", "Houston, TX", 3), ("CIC", "Conroe, TX", 3), ("DAL", "Dallas, TX", 2),
    ("SNA", "San Antonio, TX", 3), ("PIS", "Los Fresnos, TX", 3), ("HLG", "Harlingen, TX", 2),
    ("ELP", "El Paso, TX", 3), ("ELO", "Eloy, AZ", 3), ("FLO", "Florence, AZ", 2),
    ("PHO", "Phoenix, AZ", 2), ("OTM", "Otay Mesa, CA", 2), ("ADL", "Adelanto, CA", 2),
    ("SND", "San Diego, CA", 1), ("SFR", "San Francisco, CA", 1), ("OAK", "Oakdale, LA", 3),
    ("JNA", "Jena, LA", 2), ("SDC", "Lumpkin, GA", 3), ("ATL", "Atlanta, GA", 1),
    ("MIA", "Miami, FL", 2), ("NEW", "Newark, NJ", 1), ("ELZ", "Elizabeth, NJ", 1),
    ("NYC", "New York, NY", 1), ("BTV", "Batavia, NY", 1), ("BOS", "Boston, MA", 1),
    ("CHI", "Chicago, IL", 1), ("DEN", "Denver, CO", 1), ("AUR", "Aurora, CO", 1),
    ("TAC", "Tacoma, WA", 1), ("SEA", "Seattle, WA", 1),
)

# The federal court of appeals for each state the simulated courts sit in: it grants and lifts
# judicial stays of removal (petitions for review, INA 242(b)(2)).
CIRCUIT_OF_STATE = {"TX": "CA5", "LA": "CA5", "AZ": "CA9", "CA": "CA9", "WA": "CA9",
                    "GA": "CA11", "FL": "CA11", "NJ": "CA3", "NY": "CA2", "MA": "CA1",
                    "IL": "CA7", "CO": "CA10"}
BOARD = "BIA"

ENCOUNTERS: tuple[tuple[Encounter, float, str, str], ...] = (  # encounter, weight, legal basis, place
    ("custody_transfer", 0.38, "INA 212(a)(6)(A)(i)", "public"),
    ("interior", 0.34, "INA 237(a)(1)(B)", "public"),
    ("border", 0.16, "INA 212(a)(7)(A)(i)(I)", "public"),
    ("self_report", 0.06, "INA 237(a)(1)(C)(i)", "public"),
    ("court", 0.06, "INA 212(a)(6)(A)(i)", "courthouse"),
)
WARRANT_SHARE = {"custody_transfer": 0.6, "interior": 0.35, "border": 0.0,
                 "self_report": 0.3, "court": 0.3}
NOT_ARRESTED_SHARE = {"self_report": 0.6, "court": 0.5}  # the non-detained docket
CHARGES = {
    "INA 212(a)(6)(A)(i)": ("present without admission or parole",),
    "INA 237(a)(1)(B)": ("admitted as a nonimmigrant and remained longer than permitted",),
    "INA 212(a)(7)(A)(i)(I)": ("applied for admission without a valid entry document",),
    "INA 237(a)(1)(C)(i)": ("failed to maintain the nonimmigrant status admitted in",),
}
CUSTODY_AUTHORITY = (("236(a)", 0.6), ("235(b)(2)(A)", 0.25), ("236(c)", 0.15))
LEVELS: tuple[Level, ...] = ("A", "B", "C", "D")
CLASSIFICATION_BASIS = "criminal history and conduct in custody, from the agency's own records"
RELEASE_DECISIONS: tuple[tuple[ReleaseDecision, float], ...] = (
    ("recognizance", 0.6), ("supervision", 0.4))
RELIEF_OR_TERMINATION: tuple[tuple[Outcome, float], ...] = (("relief", 0.6), ("terminated", 0.4))
DOCKET_OUTCOMES: tuple[tuple[Outcome, float], ...] = (  # people at liberty (non-detained docket)
    ("relief", 0.33), ("terminated", 0.12), ("removal", 0.4), ("voluntary_departure", 0.15))
CHILD_OUTCOMES: tuple[tuple[Outcome, float], ...] = (
    ("relief", 0.55), ("terminated", 0.3), ("voluntary_departure", 0.15))
APPEAL_DECISIONS: tuple[tuple[AppealOutcome, float], ...] = (
    ("dismissed", 0.85), ("sustained", 0.08), ("remanded", 0.07))
STAY_KINDS: tuple[tuple[StayKind, float], ...] = (
    ("judicial", 0.5), ("bia", 0.2), ("dhs", 0.15), ("ij", 0.15))

# Shares of scripted events, each given to max(1, round(people × share)) people (so that every
# run, however small, shows each guard at work at least once).
SCRIPTED: dict[str, float] = {
    "late_custody": 0.03,  # custody decision more than 48 h after a warrantless arrest
    "appeal_window_removal": 0.06,  # removal attempted inside the appeal window / pending appeal
    "stay_removal": 0.02,  # removal attempted while a stay is in effect
    "protected_country": 0.015,  # withholding granted; removal attempted to that country
    "foreign_attorney": 0.02,  # an attorney files for someone who is not their client
    "oversight_write": 0.02,  # an oversight user tries to write case facts
    "self_signed_warrant": 0.01,  # a supervisor signs the I-200 they requested
    "self_examination": 0.015,  # the arresting officer examines their own arrest
}
LATE_SHARE = 0.04  # other late fulfilments (HHS notice, ORR transfer, POCR), per chance
# A second person checks an entry that takes a protection away against its document (a fixed
# delay, so that the confirmations take no draws from the generator: the sampled paths and their
# statistics stay those of the calibration).
CONFIRM_AFTER = timedelta(minutes=20)


@dataclass(frozen=True)
class Step:
    """One timed command of one person's path."""

    at: datetime
    person: int
    order: int
    actor: str
    command: Command
    expect: str = "accepted"  # or "refused"
    cites: tuple[str, ...] = ()  # rule ids an expected refusal must include
    attempt: str = ""  # the name of a deliberate unlawful attempt
    late: str = ""  # the deadline this late (accepted) fulfilment misses
    # A ConfirmEntry's entry: the ``order`` of the step (of the same person) whose event it
    # confirms; the runner puts that event's number into the command (-1: not a confirmation).
    confirms: int = -1


def counsel_list_date(at: datetime, court: str) -> date:
    """The list of free legal service providers current on a Notice to Appear issued at ``at``
    (COUNSEL-LIST): the one of the first of the month, counted from the NTA's earlier day (the UTC
    day or the court's), so that it is never dated after the NTA."""
    return min(at.date(), court_day(at, court)).replace(day=1)


def _minute(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)


def H(x: float) -> timedelta:  # a unit: H(2) is two hours
    return timedelta(hours=x)


def D(x: float) -> timedelta:  # a unit: D(30) is thirty days
    return timedelta(days=x)


def window_end(order_at: datetime, court: str) -> datetime:
    """The end of the appeal window of an oral decision of ``court`` at ``order_at`` (APP-30,
    counted in the court's days and ending where the law says: the law's own computation)."""
    zone = court_zone_name(court)
    state = CaseState("plan", order=Order(order_at, "removal", "oral", (), "", None, False,
                                          court, zone))
    end = appeal_deadline(state)
    assert end is not None
    return end


class _Path:
    """Builds one person's timed steps; times never go backwards within a person."""

    def __init__(self, person: SyntheticPerson) -> None:
        self.person = person
        self.steps: list[Step] = []
        self.last: datetime | None = None

    def add(self, at: datetime, actor: str, command: Command, *, expect: str = "accepted",
            cites: tuple[str, ...] = (), attempt: str = "", late: str = "",
            confirms: int = -1) -> datetime:
        at = _minute(at)
        if self.last is not None and at <= self.last:
            at = self.last + timedelta(minutes=1)
        self.last = at
        self.steps.append(Step(at, self.person.index, len(self.steps), actor, command, expect,
                               cites, attempt, late, confirms))
        return at

    def confirmed(self, at: datetime, actor: str, command: Command, reference: str,
                  confirmer: str) -> datetime:
        """An entry that takes a protection away (PROVENANCE), and a second person's
        confirmation of it against its document (``reference``) a little later; the entry's
        time (its effect, once confirmed, dates from it)."""
        at = self.add(at, actor, command)
        entry = len(self.steps) - 1
        self.add(at + CONFIRM_AFTER, confirmer,
                 ConfirmEntry(entry=-1, document_checked=reference), confirms=entry)
        return at

    def attempt(self, at: datetime, actor: str, command: Command, name: str,
                *cites: str) -> datetime:
        return self.add(at, actor, command, expect="refused", cites=cites, attempt=name)

    def duty(self, at: datetime, actor: str, command: Command) -> datetime:
        """A duty fulfilled at ``at``, known only once a later part of the path is planned (a
        review before a detention's 90th day, a notice before a review): set into its place in
        time by ``finish``, not after the last step."""
        at = _minute(at)
        self.steps.append(Step(at, self.person.index, len(self.steps), actor, command))
        return at

    def finish(self) -> list[Step]:
        """The steps in time order, numbered in that order (confirmations renumbered with the
        entries they name)."""
        ranked = sorted(self.steps, key=lambda s: s.at)  # stable: same minute, planned order
        new = {s.order: i for i, s in enumerate(ranked)}
        return [replace(s, order=new[s.order],
                        confirms=new[s.confirms] if s.confirms >= 0 else -1) for s in ranked]


class Planner:
    """Samples each person's path from the calibration and writes it out as timed steps."""

    def __init__(self, seed: int, days: int, people: list[SyntheticPerson],
                 cal: Calibration | None = None, start: datetime = START) -> None:
        self.rng = random.Random(f"duecourse-demo-{seed}")
        # The times of the duties that accompany a path (consular advisal and notice, the court
        # told where the person is held, custody reviews and their notices) come from a generator
        # of their own, so that the sampled paths and their statistics stay the calibration's.
        self.aux = random.Random(f"duecourse-demo-duties-{seed}")
        self.cal = cal or load_calibration()
        self.start, self.days = start, days
        self.officers, self.supervisors = _ids("officer"), _ids("supervisor")
        self.counsel, self.detention = _ids("counsel"), _ids("detention")
        self.transport, self.oversight = _ids("transport"), _ids("oversight")
        self.attorneys = _ids("attorney")
        self.attorney_of: dict[int, str] = {}
        # Length of a whole detention: lognormal with the national mean (all book-outs) and the
        # spread of the per-facility averages (p10..p90), in days.
        los = self.cal.length_of_stay_days
        self.los_sigma = math.log(los["p90"] / los["p10"]) / (2 * 1.2816)
        mean = self.cal.national_length_of_stay_days["all"]
        self.los_mu = math.log(mean) - self.los_sigma ** 2 / 2
        self.scripted = self._script(people)

    # -- sampling helpers -------------------------------------------------------------------

    def _script(self, people: list[SyntheticPerson]) -> dict[int, set[str]]:
        adults = [p.index for p in people if not p.minor and not p.claims_us_birth]
        out: dict[int, set[str]] = {}
        if not adults:
            return out
        for name, share in SCRIPTED.items():
            k = min(len(adults), max(1, round(len(people) * share)))
            for i in self.rng.sample(adults, k):
                out.setdefault(i, set()).add(name)
        return out

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, options: list[str], but: str = "") -> str:
        return self.rng.choice([o for o in options if o != but] or options)

    def weighted(self, pairs: tuple[tuple[T, float], ...]) -> T:
        return self.rng.choices([a for a, _ in pairs], [w for _, w in pairs])[0]

    def length_of_stay(self) -> float:
        return min(700.0, max(1.0, self.rng.lognormvariate(self.los_mu, self.los_sigma)))

    def fate(self) -> str:
        """The way a detention ends, in the calibrated shares of book-outs."""
        o, r = self.cal.outcome_shares, self.cal.release_kind_shares
        return self.weighted((
            ("removed", o["removed"]), ("bonded_out", r["bonded_out"]),
            ("paroled", r["paroled"]), ("supervision", r["order_of_supervision_or_recognizance"]),
            ("relief", r["other"]), ("transferred", o["transferred_or_other"]),
        ))

    def rand_h(self, lo: float, hi: float) -> timedelta:
        return H(self.rng.uniform(lo, hi))

    def rand_d(self, lo: float, hi: float) -> timedelta:
        return D(self.rng.uniform(lo, hi))

    def hearing_after(self, served: datetime, lo: int, hi: int, court: str) -> datetime:
        """A hearing at least ``lo`` (≥ 11) whole days after service, in the court's hours (its
        own time zone: LEGAL-DAY), as a UTC instant."""
        day = served.date() + timedelta(days=self.rng.randint(lo, hi))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return datetime(day.year, day.month, day.day, self.rng.choice((8, 9, 10, 13, 14)),
                        tzinfo=court_zone(court)).astimezone(UTC)

    # -- the plan ---------------------------------------------------------------------------

    def plan(self, p: SyntheticPerson) -> list[Step]:
        path = _Path(p)
        scripted = self.scripted.get(p.index, set())
        horizon = 0.5 if scripted else 0.85  # scripted people arrive early enough to show it
        t0 = self.start + D(self.rng.uniform(0, self.days * horizon)) + H(self.rng.uniform(6, 20))
        enc, _w, basis, place = self.rng.choices(ENCOUNTERS, [e[1] for e in ENCOUNTERS])[0]
        court, city, _cw = self.rng.choices(COURTS, [c[2] for c in COURTS])[0]
        ctx = _Ctx(p, path, self.pick(self.officers), court, city, enc, basis, place)
        ctx.o2 = self.pick(self.officers, but=ctx.o)
        ctx.s, ctx.c = self.pick(self.supervisors), self.pick(self.counsel)
        # The second person who checks entries that take a protection away against their
        # documents: another agency counsel (chosen without a draw from the generator).
        ctx.c2 = self.counsel[(self.counsel.index(ctx.c) + 1) % len(self.counsel)]
        # The supervisor who reviews a citizenship claim is not the one who later schedules a
        # removal: who took a protection away does not carry out the removal (PROVENANCE).
        ctx.s2 = self.supervisors[(self.supervisors.index(ctx.s) + 1) % len(self.supervisors)]
        ctx.dt, ctx.tr = self.pick(self.detention), self.pick(self.transport)
        if self.chance(0.3 if p.minor else 0.35):
            ctx.attorney = self.pick(self.attorneys)
            self.attorney_of[p.index] = ctx.attorney
        ctx.scripted = scripted
        path.add(t0, ctx.o, OpenCase(person=p.data, encounter=enc, location=city,
                                     legal_basis=basis, location_type=place))
        if "oversight_write" in scripted:
            path.attempt(t0 + self.rand_h(0.2, 1), self.pick(self.oversight),
                         CloseCase(reason="closed on review"), "oversight_write", "ROLE")
        t = t0
        if p.claims_us_birth:
            t_next = self._citizenship(ctx, t0)
            if t_next is None:
                return path.finish()
            t = t_next
        if p.minor:
            self._minor(ctx, t)
        elif enc in NOT_ARRESTED_SHARE and not scripted and self.chance(NOT_ARRESTED_SHARE[enc]):
            self._not_detained(ctx, t)
        else:
            self._arrested(ctx, t)
        return path.finish()

    # -- citizenship claims (ICE Directive 16001.2) ---------------------------------------------

    def _citizenship(self, x: _Ctx, t0: datetime) -> datetime | None:
        p, path = x.person, x.path
        t = path.add(t0 + self.rand_h(0.3, 2), x.o, ClaimCitizenship(
            evidence=f"states that they were born in {p.birth_place_claimed}; "
                     "names the hospital and a parent's U.S. address"))
        # The arrest of a person whose citizenship claim is under review is refused.
        path.attempt(t + self.rand_h(1, 8), x.o2, RecordArrest(
            basis="warrantless", reason_to_believe="no immigration document on file",
            likely_to_escape="no fixed address"), "arrest_during_citizenship_review", "USC")
        t = t + self.rand_d(1, 6)
        if self.chance(0.12):  # first review inconclusive: the claim stays open
            t = path.add(t, x.s2, ResolveCitizenship(
                finding="inconclusive", evidence="no birth record found yet; state registrar "
                "asked to search under alternative spellings", counsel=x.c,
                **x.document("DHS", t, "USC")))
            t += self.rand_d(2, 8)
        if p.us_citizen:
            t = path.add(t, x.s2, ResolveCitizenship(
                finding="citizen", evidence="state birth certificate verified with the "
                "registrar of vital records", counsel=x.c, **x.document("DHS", t, "USC")))
            path.add(t + self.rand_h(1, 20), x.o, CloseCase(
                reason="U.S. citizen: citizenship established; no immigration enforcement"))
            return None
        # A finding of no citizenship takes a protection away: a second person checks it.
        doc = x.document("DHS", t, "USC")
        t = path.confirmed(t, x.s2, ResolveCitizenship(
            finding="not_citizen", evidence="foreign birth registration and a prior sworn "
            "statement; no U.S. birth record in the claimed state", counsel=x.c, **doc),
            doc["reference"], x.c2)
        return t + CONFIRM_AFTER

    # -- arrest, examination, custody decision, NTA ------------------------------------------

    def _nta(self, x: _Ctx, at: datetime, hearing: datetime) -> IssueNta:
        return IssueNta(
            charges=(x.basis,), allegations=CHARGES[x.basis], hearing_at=hearing, court=x.court,
            counsel_list_date=counsel_list_date(at, x.court))

    # -- duties that accompany custody ------------------------------------------------------

    def _consular(self, x: _Ctx, held: datetime) -> None:
        """CON-1/CON-2: soon after the arrest the person is told of the right to have their
        consulate notified, in their language; the consulate is told when they ask, or whatever
        they wish for a mandatory-notification country (never otherwise: ASY-CONF)."""
        p = x.person
        asked = self.aux.random() < 0.2
        advised = x.path.duty(held + H(self.aux.uniform(0.5, 6)), x.o, RecordConsularAdvisal(
            language=p.language, notification_requested=asked))
        if asked or consulate_of(p.nationality) in MANDATORY:
            x.path.duty(advised + H(self.aux.uniform(1, 12)), x.dt, NotifyConsulate(
                country=p.nationality, method="fax", reference=f"consular notice {p.index:05d}"))

    def _court_told(self, x: _Ctx, at: datetime) -> None:
        """NTA-ADDR: the court of the proceedings is told where the detained person is held
        (I-830), within hours of the placement."""
        x.path.duty(at + H(self.aux.uniform(1, 8)), x.dt, NotifyCourtOfCustody(
            court=x.court, reference=f"I-830 {x.court}-{x.person.index:05d}"))

    def _prolonged(self, x: _Ctx, start: datetime, end: datetime) -> None:
        """PRE-ORDER: a detention before a final order is reviewed before its 90th, 180th and
        365th day, while it lasts (``end``: release or the order becoming final)."""
        for n in param("PRE-ORDER.review_days", start.date()):
            mark = start + D(int(n))
            review = mark - D(self.aux.uniform(3, 20))
            if review >= end:
                return
            x.path.duty(review, x.s, ReviewCustody(
                kind="prolonged", finding="continue", reason=f"detention reviewed before its "
                f"{int(n)}th day: proceedings pending before {x.court}, flight risk unchanged"))

    def _pocr_notice(self, x: _Ctx, final: datetime, review: datetime) -> None:
        """POCR: written notice of the post-order custody review, served before the removal
        period's last 30 days and at least 30 days before the review it names."""
        n = int(param("POCR.notice_days_before_review", final.date()))
        rp_end = final + D(int(param("RP-90.days", final.date())))
        served = min(rp_end - D(n), review - D(n + 2)) - D(self.aux.uniform(1, 8))
        if served <= final:
            return
        x.path.duty(served, x.dt, ServePocrNotice(review_on=(review - H(12)).date(),
                                                  language=x.person.language))

    def _arrested(self, x: _Ctx, t: datetime) -> None:
        path, scripted = x.path, x.scripted
        warrant = ("self_signed_warrant" in scripted
                   or (not scripted & {"late_custody", "self_examination"}
                       and self.chance(WARRANT_SHARE[x.enc])))
        if warrant:
            t_nta = t + self.rand_h(2, 48)
            t_w = t_nta + self.rand_h(1, 6)
            t_arr = t_w + self.rand_h(12, 120)
            t_cd = t_arr + self.rand_h(2, 20)
            t_serve = t_cd + self.rand_h(0.5, 3)
            hearing = self.hearing_after(t_serve, 12, 20, x.court)
            path.add(t_nta, x.o, self._nta(x, t_nta, hearing))
            if "self_signed_warrant" in scripted:
                path.attempt(t_w - H(0.5), x.s, IssueArrestWarrant(requested_by=x.s),
                             "self_signed_warrant", "ARR-1")
            path.add(t_w, x.s, IssueArrestWarrant(requested_by=x.o))
            t_arr = path.add(t_arr, x.o, RecordArrest(basis="warrant", location_type=x.place))
        else:
            t_arr = t + self.rand_h(0, 2)
            late = "late_custody" in scripted
            t_cd = t_arr + (self.rand_h(49, 96) if late else self.rand_h(3, 40))
            t_nta = t_cd + self.rand_h(1, 20)
            t_serve = t_nta + self.rand_h(0.5, 4)
            hearing = self.hearing_after(t_serve, 12, 20, x.court)
            t_arr = path.add(t_arr, x.o, RecordArrest(
                basis="warrantless", reason_to_believe="admitted entering without inspection; "
                "no record of admission or parole", likely_to_escape="no fixed address; "
                "gave two different addresses", location_type=x.place))
            t_exam = t_arr + self.rand_h(0.5, 3)
            if "self_examination" in scripted:
                path.attempt(t_exam, x.o, RecordExamination(), "self_examination", "ARR-3")
            path.add(t_exam + H(0.25), x.o2, RecordExamination())
        self._consular(x, t_arr)
        fate = self.fate()
        if scripted & {"appeal_window_removal", "stay_removal", "foreign_attorney"}:
            fate = "removed"
        if "protected_country" in scripted:
            fate = "protected"
        elif fate == "supervision":
            fate = "recognizance" if self.chance(0.5) else "protected"
        late_flag = "CUS-48" if not warrant and "late_custody" in scripted else ""
        if fate == "recognizance":
            path.add(t_cd, x.o, DetermineCustody(
                decision=self.weighted(RELEASE_DECISIONS),
                authority="236(a)", reason="no flight risk or danger: a fixed address and family "
                "ties in the district"), late=late_flag)
            if not warrant:
                path.add(t_nta, x.o, self._nta(x, t_nta, hearing))
            path.add(t_serve, x.o, ServeNta(method="personal", language=x.person.language))
            self._docket(x, hearing, released=t_cd)
            return
        authority = self.weighted(CUSTODY_AUTHORITY)
        path.add(t_cd, x.o, DetermineCustody(decision="detain", authority=authority,
                                             # PRE-ORDER: a mandatory authority needs counsel
                                             opla_signoff=x.c if authority != "236(a)" else "",
                                             reason="flight risk: no fixed address; gave two "
                                             "different addresses"),
                 late=late_flag)
        level = self.weighted(tuple((lv, self.cal.security_levels[lv]) for lv in LEVELS))
        t_place = t_cd + self.rand_h(0.5, 6)
        path.add(t_place - H(0.25), x.dt, Classify(level=level, basis=CLASSIFICATION_BASIS))
        placed = path.add(t_place, x.dt, Place(
            facility=facility_for(x.court, x.person.data.sex, level), classification=level,
            reason=f"intake after the custody decision: a level-{level} bed near the court"))
        if not warrant:
            t_nta = path.add(t_nta, x.o, self._nta(x, t_nta, hearing))
        self._court_told(x, max(placed, t_nta))
        path.add(t_serve, x.o, ServeNta(method="personal", language=x.person.language))
        x.arrested_at = t_arr
        los_end = t_arr + D(self.length_of_stay())
        if fate == "removed":
            self._removal(x, hearing, los_end)
        elif fate == "protected":
            self._protected(x, hearing, los_end)
        elif fate == "relief":
            at = max(hearing, los_end)
            at = path.add(at, x.c, RecordOrder(
                outcome=self.weighted(RELIEF_OR_TERMINATION),
                decision_mode="oral", **x.order_document(at)))
            at = path.add(at + self.rand_h(1, 8), x.o, Release(
                kind="relief", reason="the immigration judge granted relief or terminated "
                "proceedings"))
            self._prolonged(x, t_arr, at)
            path.add(at + self.rand_h(1, 48), x.o, CloseCase(reason="relief granted or "
                                                            "proceedings terminated"))
        else:
            at = max(los_end, t_serve + H(2))
            if fate == "transferred":
                at = path.add(at, x.dt, Release(
                    kind="other", conditions="transferred to U.S. Marshals Service custody",
                    reason="taken into U.S. Marshals Service custody on a federal warrant"))
                self._prolonged(x, t_arr, at)
                path.add(at + self.rand_h(1, 24), x.o, CloseCase(reason="transferred to another "
                                                                "custody"))
                return
            if fate == "bonded_out":
                amount = max(1500, round(self.rng.lognormvariate(
                    math.log(self.cal.bond_amount_mean_usd) - 0.18, 0.6) / 500) * 500)
                at = path.add(at, x.dt, Release(kind="bond", conditions=f"bond of ${amount:,} "
                                                "posted; report address changes",
                                                reason=f"bond of ${amount:,} posted"))
            else:  # paroled
                at = path.add(at, x.dt, Release(kind="parole", conditions="parole under INA "
                                                "212(d)(5)(A); report in 60 days",
                                                reason="humanitarian parole: urgent medical "
                                                "treatment"))
            self._prolonged(x, t_arr, at)
            self._docket(x, hearing, released=at)

    # -- the detained docket: order, appeal, stay, removal --------------------------------------

    def _removal(self, x: _Ctx, hearing: datetime, los_end: datetime) -> None:
        path, scripted = x.path, x.scripted
        held = x.arrested_at or hearing
        # Travel documents are sometimes slow to come (country cooperation).
        slow = self.chance(0.15) and not scripted
        wait = self.rand_d(20, 200) if slow else self.rand_d(4, 10)
        if "appeal_window_removal" in scripted:
            process = "appeal" if self.chance(0.3) else "window"
        elif self.chance(self.cal.appeal_rate):
            process = "appeal"
        elif los_end - wait - hearing > D(40) and self.chance(0.5):
            process = "window"
        else:
            process = "waived"
        bia = self.rand_d(30, 150)
        before = {"waived": wait, "window": wait + D(33), "appeal": wait + bia + D(20)}[process]
        order_at = hearing if "appeal_window_removal" in scripted else max(hearing, los_end - before)
        if order_at - hearing > D(1):
            path.add(hearing + H(1), x.c, ScheduleHearing(at=order_at, court=x.court))
        designated = x.person.nationality
        order_at = path.add(order_at, x.c, RecordOrder(outcome="removal", decision_mode="oral",
                                                       designated_country=designated,
                                                       **x.order_document(order_at)))
        if "foreign_attorney" in scripted:
            other = self.pick(self.attorneys, but=x.attorney)
            path.attempt(order_at + H(0.3), other, FileAppeal(), "foreign_attorney", "ROLE")
        if process == "waived":
            final = self._waive(x, order_at + H(0.5))
        elif process == "window":
            end = window_end(order_at, x.court)
            if "appeal_window_removal" in scripted or self.chance(0.2):
                self._premature_removal(x, order_at + self.rand_d(1, 20), designated)
            final = end
        else:
            filed = path.add(order_at + self.rand_d(3, 25), x.attorney or x.c, FileAppeal())
            if "appeal_window_removal" in scripted:
                self._premature_removal(x, filed + self.rand_d(1, 25), designated)
            outcome = self.weighted(APPEAL_DECISIONS)
            doc = x.document(BOARD, filed + bia, "BIA")
            decision = DecideAppeal(outcome=outcome, **doc)
            if outcome == "dismissed":  # takes the automatic stay away: a second person checks
                decided = path.confirmed(filed + bia, x.c, decision, doc["reference"], x.c2)
            else:
                decided = path.add(filed + bia, x.c, decision)
            if outcome == "sustained":
                at = path.add(decided + self.rand_h(2, 24), x.o, Release(
                    kind="relief", reason="the Board sustained the appeal and granted relief"))
                self._prolonged(x, held, at)
                path.add(at + self.rand_d(1, 3), x.o, CloseCase(reason="relief granted on appeal"))
                return
            if outcome == "remanded":
                again = decided + self.rand_d(20, 60)
                path.add(decided + H(1), x.c, ScheduleHearing(at=again, court=x.court))
                again = path.add(again, x.c, RecordOrder(outcome="removal", decision_mode="oral",
                                                         designated_country=designated,
                                                         **x.order_document(again)))
                final = self._waive(x, again + H(0.5))
            else:
                final = decided
        self._prolonged(x, held, final)
        ready = final + self.rand_h(1, 30)
        if "stay_removal" in scripted or (process != "window" and self.chance(0.03)):
            lifted = self._stay(x, ready, final, designated)
            if lifted is None:
                return
            ready, final = lifted + self.rand_h(1, 30), lifted
        self._execute(x, ready, final, wait)

    def _waive(self, x: _Ctx, at: datetime) -> datetime:
        """The respondent waives appeal before the judge, in their language: recorded by their
        attorney of record, or else by agency counsel from the judge's order, which a second
        person checks (WAIVE, PROVENANCE). The waiver's time: the order is final from it."""
        if x.attorney:
            return x.path.add(at, x.attorney, x.waiver())
        reference = x.order_reference
        return x.path.confirmed(at, x.c, x.waiver(reference), reference, x.c2)

    def _premature_removal(self, x: _Ctx, at: datetime, dest: str) -> None:
        if self.chance(0.5):
            x.path.attempt(at, x.s, IssueRemovalWarrant(), "appeal_window_removal",
                           "STAY-AUTO", "FINAL")
        else:
            x.path.attempt(at, x.s, ScheduleRemoval(destination=dest, depart_at=at + D(3),
                                                    transport="ICE Air charter"),
                           "appeal_window_removal", "STAY-AUTO")

    def _stay(self, x: _Ctx, ready: datetime, final: datetime, dest: str) -> datetime | None:
        """A stay of removal after the order is final; the lifted time, or None if not lifted."""
        path = x.path
        kind = self.weighted(STAY_KINDS)
        body = {"judicial": x.circuit, "bia": BOARD, "dhs": "DHS", "ij": x.court}[kind]
        stay = x.document(body, ready, "STAY")
        granted = path.add(ready, x.c, GrantStay(kind=kind, **stay))
        path.add(granted + self.rand_h(1, 12), x.s, IssueRemovalWarrant())
        x.i205 = True
        path.attempt(granted + self.rand_d(1, 5), x.s, ScheduleRemoval(
            destination=dest, depart_at=granted + D(8), transport="ICE Air charter"),
            "stay_removal", "STAY-JUD" if kind == "judicial" else "STAY-AUTO")
        if self.chance(0.75):
            at = granted + self.rand_d(15, 60)
            lift = x.document(body, at, "LIFT")  # the body that stayed removal lifts its stay
            return path.confirmed(at, x.c, LiftStay(stay=stay["reference"], kind=kind, **lift),
                                  lift["reference"], x.c2)
        # The stay holds: detention is reviewed and the person released on supervision.
        review = max(final + self.rand_d(60, 85), granted + D(6))
        at = path.add(review, x.s, ReviewCustody(
            kind="pocr", finding="release", reason="a court's stay of removal: removal is not "
            "foreseeable while it lasts"))
        self._pocr_notice(x, final, at)
        # Released within the day of the finding (REVIEW-RELEASE).
        path.add(at + self.rand_h(2, 20), x.o, Release(
            kind="supervision", conditions="order of supervision (I-220B) while the stay lasts",
            reason="the custody review found release: removal stayed by a court"))
        return None

    def _execute(self, x: _Ctx, ready: datetime, final: datetime, wait: timedelta) -> None:
        """I-205, travel document, custody reviews while waiting, removal, closing."""
        path, dest = x.path, x.person.nationality
        if not x.i205:
            path.add(ready, x.s, IssueRemovalWarrant())
        depart = ready + wait
        self._reviews(x, final, depart)
        path.add(depart - D(3) if wait > D(8) else ready + H(2), x.o, RecordTravelDocument(
            country=dest, valid_until=(depart + D(180)).date()))
        path.add(depart - D(2.5), x.dt, RecordMedicalClearance(valid_until=(depart + D(30)).date()))
        path.add(depart - D(2), x.s, ScheduleRemoval(destination=dest, depart_at=depart,
                                                     transport="ICE Air charter"))
        at = path.add(depart, x.tr, RecordRemoval(destination=dest))
        path.add(at + self.rand_h(2, 24), x.o, CloseCase(reason=f"removed to {dest}"))

    def _reviews(self, x: _Ctx, final: datetime, until: datetime) -> None:
        """Post-order custody reviews (8 CFR 241.4; Zadvydas) while detention continues."""
        rp_end = final + D(int(param("RP-90.days", final.date())))
        if until <= rp_end - D(5):
            return
        late = self.chance(LATE_SHARE)
        pocr = rp_end + self.rand_d(1, 10) if late else rp_end - self.rand_d(3, 28)
        pocr = x.path.add(pocr, x.s, ReviewCustody(
            kind="pocr", finding="continue", reason="travel document requested from the "
            "consulate; removal expected within the removal period"),
                          late="POCR" if late else "")
        self._pocr_notice(x, final, pocr)
        if until > pocr + D(85):
            # The HQ review is made by another supervisor than the one who made the POCR review.
            x.path.add(pocr + self.rand_d(60, 85), x.s2, ReviewCustody(
                kind="hq", finding="continue", reason="the consulate confirmed an interview "
                "date: removal reasonably foreseeable"))
        zad = final + D(int(param("ZAD-180.days", final.date())))
        if until > zad - D(5):
            x.path.add(zad - self.rand_d(3, 20), x.s, ReviewCustody(
                kind="zadvydas", finding="continue", likelihood_of_removal="significant",
                reason="travel document issued; a seat booked on a removal flight"))

    def _protected(self, x: _Ctx, hearing: datetime, los_end: datetime) -> None:
        """Withholding granted: removable, but never to the country of nationality."""
        path, nat = x.path, x.person.nationality
        order_at = max(hearing, los_end - D(70))
        if order_at - hearing > D(1):
            path.add(hearing + H(1), x.c, ScheduleHearing(at=order_at, court=x.court))
        order_at = path.add(order_at, x.c, RecordOrder(
            outcome="removal", decision_mode="oral", designated_country=nat,
            protected_countries=(nat,), **x.order_document(order_at)))
        final = self._waive(x, order_at + H(0.5))
        self._prolonged(x, x.arrested_at or hearing, final)
        if "protected_country" in x.scripted or self.chance(0.5):
            at = path.add(final + self.rand_d(1, 5), x.s, IssueRemovalWarrant())
            path.attempt(at + self.rand_d(1, 10), x.s, ScheduleRemoval(
                destination=nat, depart_at=at + D(14), transport="ICE Air charter"),
                "protected_country", "PROT-CTRY")
        review = path.add(final + self.rand_d(45, 85), x.s, ReviewCustody(
            kind="pocr", finding="release", likelihood_of_removal="not_significant",
            reason="no third country has agreed to accept the person"))
        self._pocr_notice(x, final, review)
        path.add(review + self.rand_h(2, 20), x.o, Release(
            kind="supervision", conditions="order of supervision (I-220B): no third country "
            "has agreed to accept the person", reason="the custody review found release: no "
            "country will receive the person"))

    # -- the non-detained docket ---------------------------------------------------------------

    def _not_detained(self, x: _Ctx, t: datetime) -> None:
        t_nta = t + self.rand_d(1, 10)
        t_serve = t_nta + self.rand_d(1, 4)
        hearing = self.hearing_after(t_serve, 30, 120, x.court)
        x.path.add(t_nta, x.o, self._nta(x, t_nta, hearing))
        self._address(x, t_serve)  # a mailed NTA goes to the address given (NTA-ADDR)
        x.path.add(t_serve, x.o, ServeNta(method="mail", language=x.person.language))
        self._docket(x, hearing, released=None)

    def _address(self, x: _Ctx, at: datetime) -> None:
        """The address the person gives (INA 239(a)(1)(F)): a synthetic street in the city of
        the encounter."""
        x.path.add(at, x.o, RecordAddress(
            address=f"{100 + x.person.index} Main St, {x.city}", provided_on=at.date()))

    def _docket(self, x: _Ctx, hearing: datetime, released: datetime | None) -> None:
        """Proceedings of a person at liberty: slow, often beyond the simulated period."""
        path = x.path
        start = max(hearing, released or hearing)
        decision = self.hearing_after(start, 60, 540, x.court)
        # The hearing notice is mailed with the scheduling (INA 239(a)(2)): a person at liberty
        # who misses a noticed hearing may be ordered removed in absentia (IN-ABS). It goes to
        # the address the person gave on release (NTA-ADDR).
        if released is not None:
            self._address(x, released)
        path.add(max(hearing + H(1), start), x.c, ScheduleHearing(at=decision, court=x.court,
                                                                  notice="mail"))
        outcome = self.weighted(DOCKET_OUTCOMES)
        absentia = outcome == "removal" and self.chance(0.4)
        vd = (decision + D(self.rng.randint(60, 120))).date() if outcome == "voluntary_departure" \
            else None
        doc = x.order_document(decision)
        order = RecordOrder(
            outcome=outcome, decision_mode="oral", designated_country=x.person.nationality,
            vd_deadline=vd, in_absentia=absentia, hearing_at=decision if absentia else None,
            **doc)
        if absentia:  # the order takes the right to a hearing away: a second person checks it
            at = path.confirmed(decision, x.c, order, doc["reference"], x.c2)
        else:
            at = path.add(decision, x.c, order)
        if outcome in ("relief", "terminated"):
            path.add(at + self.rand_d(1, 10), x.o, CloseCase(
                reason="relief granted" if outcome == "relief" else "proceedings terminated"))

    # -- children -------------------------------------------------------------------------

    def _minor(self, x: _Ctx, t: datetime) -> None:
        path, p = x.path, x.person
        t_arr = path.add(t + self.rand_h(0, 2), x.o, RecordArrest(
            basis="warrantless", reason_to_believe="encountered between ports of entry; no "
            "entry document", likely_to_escape="no adult or fixed address in the United States",
            location_type=x.place))
        flagged = path.add(t_arr + self.rand_h(0.3, 2), x.o, FlagMinor(
            unaccompanied=p.unaccompanied, age_basis=p.age_basis))
        path.add(flagged + self.rand_h(0.2, 1), x.o2, RecordExamination())
        self._consular(x, t_arr)
        late_hhs = self.chance(LATE_SHARE)
        path.add(flagged + (self.rand_h(49, 70) if late_hhs else self.rand_h(1, 20)), x.o,
                 NotifyHhs(reference=f"ORR referral {p.index:05d}"),
                 late="UAC-48" if late_hhs else "")
        if p.unaccompanied:
            if self.chance(0.5) or not any(s.attempt == "uac_adult_facility" for s in path.steps):
                path.attempt(flagged + self.rand_h(0.5, 6), x.dt, Place(
                    facility=facility_for(x.court, x.person.data.sex, "A"), classification="A",
                    reason="the nearest open bed"),
                    "uac_adult_facility", "UAC-72")
            late_orr = self.chance(LATE_SHARE)
            moved = path.add(flagged + (self.rand_h(73, 100) if late_orr else self.rand_h(8, 40)),
                             x.dt, TransferToOrr(), late="UAC-72" if late_orr else "")
            t_nta = moved + self.rand_d(1, 5)
            t_serve = t_nta + self.rand_h(2, 30)
            hearing = self.hearing_after(t_serve, 20, 60, x.court)
            path.add(t_nta, x.o, self._nta(x, t_nta, hearing))
            path.add(t_serve, x.o, ServeNta(method="personal", language=p.language))
            decision = self.hearing_after(hearing, 30, 200, x.court)
            path.add(hearing + H(1), x.c, ScheduleHearing(at=decision, court=x.court))
            outcome = self.weighted(CHILD_OUTCOMES)
            vd = (decision + D(60)).date() if outcome == "voluntary_departure" else None
            at = path.add(decision, x.c, RecordOrder(
                outcome=outcome, decision_mode="oral", designated_country=p.nationality,
                vd_deadline=vd, **x.order_document(decision)))
            reason = {"relief": "relief granted (special immigrant juvenile)",
                      "terminated": "proceedings terminated",
                      "voluntary_departure": "voluntary departure granted; child in ORR care "
                      "until departure"}[outcome]
            path.add(at + self.rand_d(1, 10), x.o, CloseCase(reason=reason))
            return
        # A child with a parent: family facility, released together within the Flores limits.
        decided = path.add(t_arr + self.rand_h(3, 30), x.o, DetermineCustody(
            decision="detain", authority="235(b)(2)(A)", opla_signoff=x.c,
            reason="family arrived without entry "
            "documents; no sponsor address yet"))
        placed = path.add(decided + self.rand_h(1, 6), x.dt, Place(
            facility=family_facility_for(x.court), classification="A", facility_type="family",
            family_group=True, reason="family unit kept together at a family residential center"))
        t_nta = placed + self.rand_h(2, 24)
        t_serve = t_nta + self.rand_h(1, 6)
        hearing = self.hearing_after(t_serve, 20, 60, x.court)
        path.add(t_nta, x.o, self._nta(x, t_nta, hearing))
        path.add(t_serve, x.o, ServeNta(method="personal", language=p.language))
        released = path.add(placed + self.rand_d(3, 18), x.dt, Release(
            kind="parole", conditions="released with parent under the Flores settlement",
            reason="Flores: the child is released with the parent without unnecessary delay"))
        self._docket(x, hearing, released=released)


@dataclass
class _Ctx:
    person: SyntheticPerson
    path: _Path
    o: str
    court: str
    city: str
    enc: str
    basis: str
    place: str
    o2: str = ""
    s: str = ""
    c: str = ""
    c2: str = ""  # the second person who confirms entries that take a protection away
    s2: str = ""  # the supervisor who reviews a citizenship claim
    dt: str = ""
    tr: str = ""
    attorney: str = ""
    scripted: set[str] = field(default_factory=set)
    arrested_at: datetime | None = None
    i205: bool = False  # a warrant of removal was issued on the order in force
    documents: int = 0  # documents recorded on the case so far (their references)
    order_reference: str = ""  # the reference of the judge's latest order

    @property
    def circuit(self) -> str:
        """The federal court of appeals for the court's state (judicial stays)."""
        return CIRCUIT_OF_STATE[self.city.rsplit(", ", 1)[1]]

    def document(self, issued_by: str, at: datetime, what: str) -> dict[str, Any]:
        """The source of a court or agency event: who issued it, its reference, its date (the
        issuing body's day; an immigration court's in its own zone)."""
        self.documents += 1
        zone = court_zone(issued_by) if issued_by == self.court else UTC
        return {"issued_by": issued_by, "issued_on": at.astimezone(zone).date(),
                "reference": f"{issued_by}-{what}-{at:%Y}-{self.person.index:05d}-"
                             f"{self.documents}"}

    def order_document(self, at: datetime) -> dict[str, Any]:
        """The source of an immigration judge's order: the court of the NTA (its own zone)."""
        doc = self.document(self.court, at, "IJ")
        self.order_reference = doc["reference"]
        return doc

    def waiver(self, reference: str = "") -> WaiveAppeal:
        """The respondent's waiver before the judge who decided, in the person's language
        (``reference``: the judge's order it is recorded from, when counsel records it)."""
        return WaiveAppeal(party="respondent", before=self.court, language=self.person.language,
                           reference=reference)


def plan_steps(people: list[SyntheticPerson], seed: int, days: int,
               start: datetime = START) -> tuple[list[Step], dict[int, str]]:
    """Every person's path, merged into one timeline; and each person's attorney of record."""
    planner = Planner(seed, days, people, start=start)
    steps = [s for p in people for s in planner.plan(p)]
    steps.sort(key=lambda s: (s.at, s.person, s.order))
    return steps, planner.attorney_of
