"""The independent checker (law/invariants.py, law/checker/) on raw, hand-written histories.

Each history is built event by event from ``Event`` objects, never through the handlers: the
checker must recognise a breach however it got into a store. Each unlawful history is named with
its rule id, and its lawful twin is not flagged.
"""

from __future__ import annotations

import ast
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from duecourse.domain.events import Event
from duecourse.law.invariants import ADVERSE_KINDS, Violation, check_history, check_store

H = timedelta(hours=1)
D = timedelta(days=1)
T0 = datetime(2026, 1, 5, 13, tzinfo=UTC)  # Monday 08:00 in New York
HEARING = datetime(2026, 2, 2, 15, tzinfo=UTC)  # the NTA's hearing: Monday 10:00 in Newark
ORDER_AT = datetime(2026, 3, 2, 15, tzinfo=UTC)  # Monday 10:00 in Newark: local day 2 March
# Day 30 after 2 March is Wednesday 1 April; the window closes at midnight in New York.
WINDOW_CLOSE = datetime(2026, 4, 2, 4, tzinfo=UTC)
AFTER_WINDOW = datetime(2026, 4, 3, 15, tzinfo=UTC)
NY = ZoneInfo("America/New_York")

ROLE_OF = {"o1": "officer", "o2": "officer", "s1": "supervisor", "s2": "supervisor",
           "c1": "counsel", "c2": "counsel", "d1": "detention", "t1": "transport",
           "a1": "attorney"}


def iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


class History:
    def __init__(self, case_id: str = "C-IND") -> None:
        self.case_id = case_id
        self.events: list[Event] = []

    def add(self, kind: str, at: datetime, /, by: str = "o1", **data: Any) -> History:
        self.events.append(Event(self.case_id, len(self.events) + 1, kind, at, by,
                                 ROLE_OF[by], data))
        return self

    def copy(self) -> History:
        c = History(self.case_id)
        c.events = list(self.events)
        return c

    @property
    def seq(self) -> int:
        return self.events[-1].seq

    def confirm(self, entry: int, at: datetime, by: str = "s1", checked: str = "") -> History:
        ref = checked or str(self.events[entry - 1].data.get("reference", ""))
        return self.add("entry_confirmed", at, by=by, entry=entry, document_checked=ref)


def doc(issued_by: str, reference: str, at: datetime) -> dict[str, Any]:
    return {"issued_by": issued_by, "reference": reference, "issued_on": at.date().isoformat()}


def opened(languages: tuple[str, ...] = ("es",)) -> History:
    return History().add("case_opened", T0, person_id="P-1", encounter="interior",
                         person={"family_name": "Example", "given_name": "Ana",
                                 "nationalities": ["MX"], "languages": list(languages)})


def charged(h: History, court: str = "NEW") -> History:
    at = T0 + 2 * D
    h.add("nta_issued", at, charges=["INA 237(a)(1)(B)"], allegations=["overstayed"],
          hearing_at=iso(HEARING), court=court, counsel_list_date="2026-01-02",
          nature_of_proceedings="Removal proceedings under section 240 of the INA",
          legal_authority="INA 239; 8 CFR 239.1", counsel_advisal=True, address_advisal=True,
          failure_to_appear_advisal=True)
    return h.add("nta_served", at + H, method="personal", language="es", interpreter="")


def detained(h: History) -> History:
    t = T0 + 3 * D
    return (h.add("arrest_recorded", t, basis="warrantless", reason_to_believe="overstay",
                  likely_to_escape="no fixed address", location_type="public")
             .add("custody_determined", t + 5 * H, decision="detain", authority="INA 236(a)")
             .add("placed", t + 6 * H, by="d1", facility="ELZ", classification="B",
                  facility_type="adult"))


def order(h: History, at: datetime = ORDER_AT, court: str = "NEW", **over: Any) -> History:
    data: dict[str, Any] = {
        "outcome": "removal", "decision_mode": "oral", "protected_countries": [],
        "designated_country": "MX", "vd_deadline": None, "in_absentia": False,
        "hearing_at": None, "no_address_provided": False, "terminates_protection": [],
        **doc(court, f"IJ-{court}-{len(h.events) + 1}", at)}
    data.update(over)
    return h.add("order_recorded", at, by="c1", **data)


def ordered(court: str = "NEW", at: datetime = ORDER_AT, **over: Any) -> History:
    return order(detained(charged(opened())), at, court, **over)


def remove(h: History, at: datetime, dest: str = "MX") -> History:
    """A removal with everything a removal needs besides a final order and no stay."""
    h.add("removal_warrant_issued", at, by="s1")
    h.add("travel_document_recorded", at, by="o1", country=dest,
          valid_until=(at + 30 * D).date().isoformat())
    h.add("medical_clearance_recorded", at, by="d1", valid_until=(at + 10 * D).date().isoformat())
    h.add("removal_scheduled", at + H, by="s2", destination=dest, depart_at=iso(at + 3 * D),
          transport="T-1")
    return h.add("removal_recorded", at + 3 * D, by="t1", destination=dest)


def schedule(h: History, at: datetime, dest: str = "MX") -> History:
    return h.add("removal_scheduled", at, by="s2", destination=dest, depart_at=iso(at + 3 * D),
                 transport="T-1")


def rules(h: History, closures: frozenset[tuple[date, str]] = frozenset()) -> list[str]:
    return [v.rule for v in check_history(h.events, closures)]


def appeal(h: History, at: datetime, timely: bool | None = None, party: str = "respondent",
           by: str = "a1") -> History:
    data: dict[str, Any] = {"party": party}
    if timely is not None:
        data["timely"] = timely
    return h.add("appeal_filed", at, by=by, **data)


# ---------------------------------------------------------------------------------------------
# Independence in fact


CHECKER = Path(__file__).parents[2] / "src" / "duecourse" / "law"


def _imports(path: Path, module: str) -> set[str]:
    """Every module ``path`` (the module ``module``) imports, relative imports resolved."""
    out: set[str] = set()
    package = module.split(".")[:-1] if path.name != "__init__.py" else module.split(".")
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            name = ".".join(base + ([node.module] if node.module else []))
            out.add(name)
            if not node.module:  # from . import x
                out.update(f"{name}.{a.name}" for a in node.names)
    return out


def test_the_checker_imports_nothing_from_the_law_the_fold_or_the_reference() -> None:
    files = {CHECKER / "invariants.py": "duecourse.law.invariants"}
    for p in sorted((CHECKER / "checker").glob("*.py")):
        name = "duecourse.law.checker" + ("" if p.stem == "__init__" else f".{p.stem}")
        files[p] = name
    assert len(files) > 2
    for path, module in files.items():
        for imported in _imports(path, module):
            if not imported.startswith("duecourse"):
                continue
            assert imported == "duecourse.domain.events" or imported == "duecourse.law.checker" \
                or imported.startswith("duecourse.law.checker."), f"{path.name} imports {imported}"
            assert not imported.startswith("duecourse.reference"), path.name
            assert not imported.startswith("duecourse.domain.case"), path.name


def test_from_the_domain_only_the_event_record_and_the_missed_kind() -> None:
    for path in [CHECKER / "invariants.py", *sorted((CHECKER / "checker").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("domain.events"):
                assert {a.name for a in node.names} <= {"Event", "DEADLINE_MISSED"}, path.name


def test_importing_the_checker_loads_no_other_part_of_the_law() -> None:
    import subprocess
    import sys

    code = ("import sys, duecourse.law.invariants; print(' '.join(m for m in sys.modules "
            "if m.startswith('duecourse')))")
    loaded = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                            text=True).stdout.split()
    allowed = {"duecourse", "duecourse.domain", "duecourse.domain.events", "duecourse.law",
               "duecourse.law.invariants"}
    assert [m for m in loaded if m not in allowed
            and not m.startswith("duecourse.law.checker")] == []


def test_the_public_names_are_kept() -> None:
    assert "removal_recorded" in ADVERSE_KINDS
    v = Violation("FINAL", 3, "C-1", "x")
    assert str(v) == "C-1 #3 [FINAL] x"


# ---------------------------------------------------------------------------------------------
# Legal days: the order's local day, the BIA's zone, holidays, closures


def test_a_lawful_removal_after_the_window() -> None:
    h = remove(ordered(), AFTER_WINDOW)
    assert rules(h) == []


def test_day_30_at_2130_new_york_time_is_timely() -> None:
    at = datetime(2026, 4, 1, 21, 30, tzinfo=NY)  # 01:30 UTC on 2 April
    h = appeal(ordered(), at, timely=False)
    vs = check_history(h.events)
    assert [(v.rule, v.event_seq) for v in vs] == [("APP-30", h.seq)]
    assert "recorded as untimely" in vs[0].what
    assert rules(appeal(ordered(), at, timely=True)) == []
    # the next morning in New York is too late
    late = datetime(2026, 4, 2, 9, tzinfo=NY)
    assert rules(appeal(ordered(), late, timely=True)) == ["APP-30"]
    assert rules(appeal(ordered(), late, timely=False)) == []


def test_removal_inside_the_window_on_day_30_in_new_york() -> None:
    h = schedule(ordered(), datetime(2026, 4, 2, 2, tzinfo=UTC))  # 22:00 on 1 April in New York
    assert {"STAY-AUTO", "FINAL"} <= set(rules(h))
    h = schedule(ordered(), WINDOW_CLOSE)
    assert "STAY-AUTO" not in rules(h) and "FINAL" not in rules(h)


def test_day_30_at_2130_in_honolulu_is_timely_too() -> None:
    """The Board names no zone for "the date it was submitted": a filing on day 30 where the
    order's court keeps its days is timely even when it is already day 31 in Falls Church."""
    at = datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("Pacific/Honolulu"))
    filed = datetime(2026, 4, 1, 21, 30, tzinfo=ZoneInfo("Pacific/Honolulu"))  # 03:30 ET, 2 Apr
    assert rules(appeal(ordered("HON", at), filed, timely=True)) == []
    assert rules(appeal(ordered("HON", at), filed, timely=False)) == ["APP-30"]


def test_a_saipan_morning_decision_counts_from_its_local_day() -> None:
    # 22:30 UTC on 1 March is 08:30 on 2 March in Saipan: day 30 is 1 April, not 31 March.
    at = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)
    filed = datetime(2026, 4, 1, 16, tzinfo=UTC)  # noon in New York on 1 April
    assert rules(appeal(ordered("SAI", at), filed, timely=False)) == ["APP-30"]
    assert rules(appeal(ordered("SAI", at), filed, timely=True)) == []
    h = schedule(ordered("SAI", at), filed)
    assert "STAY-AUTO" in rules(h)
    # The same instant in Newark is 17:30 on 1 March: its window closed with 31 March.
    assert rules(appeal(ordered("NEW", at), filed, timely=True)) == ["APP-30"]


def test_a_bia_closure_day_extends_the_window() -> None:
    closed = frozenset({(date(2026, 4, 1), "BIA")})
    filed = datetime(2026, 4, 2, 14, tzinfo=UTC)  # 10:00 on 2 April in New York
    assert rules(appeal(ordered(), filed, timely=False), closed) == ["APP-30"]
    assert rules(appeal(ordered(), filed, timely=True), closed) == []
    assert rules(appeal(ordered(), filed, timely=False)) == []
    # a closure of every office counts too; a closure of one immigration court does not
    assert rules(appeal(ordered(), filed, timely=True), frozenset({(date(2026, 4, 1), "ALL")})) == []
    assert rules(appeal(ordered(), filed, timely=True),
                 frozenset({(date(2026, 4, 1), "NEW")})) == ["APP-30"]
    # removal on the day the closure added
    h = schedule(ordered(), filed)
    assert "STAY-AUTO" in rules(h, closed)
    assert "STAY-AUTO" not in rules(h)


def test_a_federal_holiday_on_day_30_moves_the_window() -> None:
    # Order on 25 April 2026 (Saturday, local): day 30 is Monday 25 May, Memorial Day.
    at = datetime(2026, 4, 25, 15, tzinfo=UTC)
    filed = datetime(2026, 5, 26, 20, tzinfo=UTC)
    assert rules(appeal(ordered(at=at), filed, timely=True)) == []
    assert rules(appeal(ordered(at=at), filed + D, timely=True)) == ["APP-30"]


def test_federal_holidays_of_5_usc_6103() -> None:
    from duecourse.law.checker.days import federal_holidays

    assert sorted(federal_holidays(2026)) == [
        date(2026, 1, 1), date(2026, 1, 19), date(2026, 2, 16), date(2026, 5, 25),
        date(2026, 6, 19), date(2026, 7, 3), date(2026, 9, 7), date(2026, 10, 12),
        date(2026, 11, 11), date(2026, 11, 26), date(2026, 12, 25)]
    assert date(2021, 12, 31) in federal_holidays(2021)  # 1 Jan 2022 was a Saturday
    assert date(2021, 6, 18) in federal_holidays(2021)  # the first Juneteenth, observed
    assert date(2020, 6, 19) not in federal_holidays(2020)
    assert date(1985, 1, 21) not in federal_holidays(1985)  # no MLK Day before 1986


def test_federal_holidays_agree_with_the_holidays_package_on_weekdays() -> None:
    import holidays

    from duecourse.law.checker.days import federal_holidays

    for y in range(1990, 2041):
        theirs = {d for d in holidays.country_holidays("US", years=[y - 1, y, y + 1])
                  if d.year == y and d.weekday() < 5}
        assert federal_holidays(y) == theirs, y


def test_every_court_has_a_zone() -> None:
    from duecourse.law.checker.days import court_states, court_zone

    assert all(court_zone(c) is not None for c in court_states())
    zones = {c: str(court_zone(c)) for c in ("ELP", "EPD", "HOU", "PHO", "SAI", "AGA", "HON",
                                              "SAJ", "NEW", "LOS")}
    assert zones == {"ELP": "America/Denver", "EPD": "America/Denver", "HOU": "America/Chicago",
                     "PHO": "America/Phoenix", "SAI": "Pacific/Saipan", "AGA": "Pacific/Guam",
                     "HON": "Pacific/Honolulu", "SAJ": "America/Puerto_Rico",
                     "NEW": "America/New_York", "LOS": "America/Los_Angeles"}


# ---------------------------------------------------------------------------------------------
# Stays as records


def test_two_overlapping_stays_of_one_kind_where_the_shorter_lapses() -> None:
    t = AFTER_WINDOW
    h = ordered()
    h.add("stay_granted", t, by="c1", kind="ij", until=iso(t + 20 * D),
          **doc("NEW", "IJ-STAY-LONG", t))
    h.add("stay_granted", t + H, by="c1", kind="ij", until=iso(t + 5 * D),
          **doc("NEW", "IJ-STAY-SHORT", t))
    remove(h, t + 10 * D)
    vs = [v for v in check_history(h.events) if v.rule == "STAY-AUTO"]
    assert len(vs) == 2 and "ij-stay-long" in vs[0].what  # scheduled and recorded
    h = ordered()
    h.add("stay_granted", t, by="c1", kind="ij", until=iso(t + 20 * D),
          **doc("NEW", "IJ-STAY-LONG", t))
    h.add("stay_granted", t + H, by="c1", kind="ij", until=iso(t + 5 * D),
          **doc("NEW", "IJ-STAY-SHORT", t))
    assert rules(remove(h, t + 25 * D)) == []


def judicial_stay(h: History, t: datetime) -> History:
    return h.add("stay_granted", t, by="c1", kind="judicial", until=None,
                 **doc("CA9", "No. 26-1234 (stay)", t))


def lift(h: History, t: datetime, by: str = "c1", issuer: str = "CA9") -> History:
    return h.add("stay_lifted", t, by=by, stay=" no. 26-1234 (STAY) ", kind="judicial",
                 **doc(issuer, "No. 26-1234 (order lifting stay)", t))


def test_a_lift_confirmed_by_the_one_who_proposed_it_has_no_effect() -> None:
    t = AFTER_WINDOW
    h = judicial_stay(ordered(), t)
    lift(h, t + D).confirm(h.seq, t + D + H, by="c1")
    remove(h, t + 2 * D)
    r = rules(h)
    assert r.count("PROVENANCE") == 1 and r.count("STAY-JUD") == 2
    # unconfirmed: the stay stands
    h = judicial_stay(ordered(), t)
    lift(h, t + D)
    assert rules(remove(h, t + 2 * D)) == ["STAY-JUD", "STAY-JUD"]
    # confirmed by a second person against the document: lifted
    h = judicial_stay(ordered(), t)
    lift(h, t + D).confirm(h.seq, t + D + H, by="s1")
    assert rules(remove(h, t + 2 * D)) == []


def test_a_confirmation_against_another_document_or_by_a_removal_scheduler() -> None:
    t = AFTER_WINDOW
    h = judicial_stay(ordered(), t)
    lift(h, t + D).confirm(h.seq, t + D + H, by="s1", checked="something else")
    assert rules(h) == ["PROVENANCE"]
    h = judicial_stay(ordered(), t)
    schedule(h, t + H)  # s2 scheduled a removal on the case (refused or not, it is on record)
    lift(h, t + D).confirm(h.seq, t + D + H, by="s2")
    assert "PROVENANCE" in rules(h)
    h = judicial_stay(ordered(), t)
    schedule(h, t + H)
    h.add("stay_lifted", t + D, by="s2", stay="No. 26-1234 (stay)", kind="judicial",
          **doc("CA9", "x", t))
    h.confirm(h.seq, t + D + H, by="s1")
    assert [r for r in rules(h) if r == "PROVENANCE"] == ["PROVENANCE"]


def test_a_stay_lifted_by_a_body_that_may_not_lift_it_stands() -> None:
    t = AFTER_WINDOW
    h = judicial_stay(ordered(), t)
    lift(h, t + D, issuer="DHS").confirm(h.seq, t + D + H, by="s1")
    remove(h, t + 2 * D)
    assert rules(h) == ["PROVENANCE", "STAY-JUD", "STAY-JUD"]


def test_a_legacy_stay_and_lift_by_kind() -> None:
    t = AFTER_WINDOW
    h = ordered().add("stay_granted", t, by="c1", kind="bia", until=None)
    h.add("stay_lifted", t + D, by="c1", kind="bia")
    assert rules(remove(h, t + 2 * D)) == ["STAY-AUTO", "STAY-AUTO"]
    h = ordered().add("stay_granted", t, by="c1", kind="bia", until=None)
    h.add("stay_lifted", t + D, by="c1", kind="bia").confirm(h.seq, t + D + H, by="s1")
    assert rules(remove(h, t + 2 * D)) == []


# ---------------------------------------------------------------------------------------------
# Appeals, waivers, Board decisions, voluntary departure


def test_dhs_waiver_then_the_respondents_timely_appeal() -> None:
    h = ordered().add("appeal_waived", ORDER_AT + H, by="c1", party="dhs", before="NEW",
                      language="", interpreter="")
    h2 = h.copy()
    remove(h2, ORDER_AT + 2 * D)  # final by DHS's waiver? No: the respondent's window is open
    assert {"STAY-AUTO", "FINAL"} <= set(rules(h2))
    assert any("only DHS waived" in v.what for v in check_history(h2.events))
    appeal(h, ORDER_AT + 20 * D, timely=True)
    assert rules(h) == []  # DHS's waiver does not stop the respondent's appeal
    remove(h, AFTER_WINDOW)
    assert "STAY-AUTO" in rules(h)  # the appeal is pending
    # the respondent's own waiver (understood) makes the order final at once
    h = ordered().add("appeal_waived", ORDER_AT + H, by="a1", party="respondent", before="NEW",
                      language="es", interpreter="")
    assert rules(remove(h, ORDER_AT + 2 * D)) == []


def test_a_respondent_who_waived_cannot_appeal() -> None:
    h = ordered().add("appeal_waived", ORDER_AT + H, by="a1", party="respondent", before="NEW",
                      language="es", interpreter="")
    assert rules(appeal(h, ORDER_AT + D, timely=True)) == ["APP-30"]


def test_an_appeal_after_the_respondents_waiver_does_not_stay_removal() -> None:
    h = ordered().add("appeal_waived", ORDER_AT + H, by="a1", party="respondent", before="NEW",
                      language="es", interpreter="")
    appeal(h, ORDER_AT + D, timely=True)
    assert rules(remove(h, ORDER_AT + 2 * D)) == ["APP-30"]


def test_a_timely_dhs_appeal_stays_removal() -> None:
    h = ordered().add("appeal_waived", ORDER_AT + H, by="a1", party="respondent", before="NEW",
                      language="es", interpreter="")
    appeal(h, ORDER_AT + D, timely=True, party="dhs", by="c1")
    r = rules(remove(h, ORDER_AT + 40 * D))
    assert "STAY-AUTO" in r and "FINAL" in r


def test_a_legacy_waiver_is_the_respondents_only_if_their_attorney_entered_it() -> None:
    h = ordered().add("appeal_waived", ORDER_AT + H, by="c1")  # the agency's counsel
    assert {"STAY-AUTO", "FINAL"} <= set(rules(remove(h, ORDER_AT + 2 * D)))
    h = ordered().add("appeal_waived", ORDER_AT + H, by="a1")
    assert rules(remove(h, ORDER_AT + 2 * D)) == []


def test_a_waiver_the_person_could_not_understand() -> None:
    h = ordered().add("appeal_waived", ORDER_AT + H, by="a1", party="respondent", before="NEW",
                      language="en", interpreter="")
    remove(h, ORDER_AT + 2 * D)
    r = rules(h)
    assert r[0] == "WAIVE" and "STAY-AUTO" in r and "FINAL" in r  # no waiver: window open
    h = ordered().add("appeal_waived", ORDER_AT + H, by="a1", party="respondent", before="NEW",
                      language="en", interpreter="M. Ortega (Spanish)")
    assert rules(remove(h, ORDER_AT + 2 * D)) == []


def dismissed(h: History, at: datetime, **over: Any) -> History:
    data: dict[str, Any] = {"outcome": "dismissed", "vd_deadline": None,
                            "terminates_protection": [], **doc("BIA", "BIA-A123-2026", at)}
    data.update(over)
    return h.add("appeal_decided", at, by="c1", **data)


def test_removal_while_an_unconfirmed_dismissal_leaves_the_appeal_pending() -> None:
    h = appeal(ordered(), ORDER_AT + 10 * D, timely=True)
    dismissed(h, ORDER_AT + 60 * D)
    remove(h, ORDER_AT + 61 * D)
    r = rules(h)
    assert "STAY-AUTO" in r and "FINAL" in r
    assert any("not confirmed" in v.what or "no effect until" in v.what
               for v in check_history(h.events))
    h = appeal(ordered(), ORDER_AT + 10 * D, timely=True)
    dismissed(h, ORDER_AT + 60 * D).confirm(h.seq, ORDER_AT + 60 * D + H, by="s1")
    assert rules(remove(h, ORDER_AT + 61 * D)) == []


def test_removal_warrant_before_the_boards_voluntary_departure_period_is_overstayed() -> None:
    vd = date(2026, 6, 30)
    h = appeal(ordered(), ORDER_AT + 10 * D, timely=True)
    dismissed(h, ORDER_AT + 60 * D, vd_deadline=vd.isoformat()).confirm(h.seq, ORDER_AT + 61 * D)
    # 23:00 on 30 June in Newark is still within the period
    h.add("removal_warrant_issued", datetime(2026, 7, 1, 3, tzinfo=UTC), by="s1")
    assert rules(h) == ["FINAL"]
    h = appeal(ordered(), ORDER_AT + 10 * D, timely=True)
    dismissed(h, ORDER_AT + 60 * D, vd_deadline=vd.isoformat()).confirm(h.seq, ORDER_AT + 61 * D)
    assert rules(remove(h, datetime(2026, 7, 1, 4, tzinfo=UTC))) == []  # midnight in Newark


def test_an_ij_voluntary_departure_period_ends_in_the_courts_zone() -> None:
    vd = date(2026, 5, 29)
    h = ordered(outcome="voluntary_departure", vd_deadline=vd.isoformat())
    h.add("appeal_waived", ORDER_AT + H, by="a1", party="respondent", before="NEW",
          language="es", interpreter="")
    h.add("removal_warrant_issued", datetime(2026, 5, 30, 2, tzinfo=UTC), by="s1")  # 22:00 EDT
    assert rules(h) == ["FINAL"]


# ---------------------------------------------------------------------------------------------
# Protection outlives later claims (spec section 5)


def test_a_protected_country_of_any_order_on_the_case() -> None:
    h = ordered(protected_countries=["SV"])
    h.add("appeal_filed", ORDER_AT + 5 * D, by="a1", party="respondent", timely=True)
    h.add("appeal_decided", ORDER_AT + 40 * D, by="c1", outcome="remanded", vd_deadline=None,
          terminates_protection=[], **doc("BIA", "BIA-R-1", ORDER_AT))
    second = ORDER_AT + 50 * D
    order(h, second, designated_country="SV")  # a later order names no protection
    remove(h, second + 40 * D, dest="SV")
    assert rules(h) == ["PROT-CTRY", "PROT-CTRY"]
    # a confirmed terminates_protection ends it
    h = ordered(protected_countries=["SV"])
    order(h, second, designated_country="SV", terminates_protection=["SV"])
    h.confirm(h.seq, second + H, by="s1")
    assert rules(remove(h, second + 40 * D, dest="SV")) == []


def fear(h: History, at: datetime, outcome: str, by: str = "c1", **over: Any) -> History:
    data: dict[str, Any] = {"country": "PA", "outcome": outcome, "withdrawal_statement": "",
                            **doc("USCIS-NEW", f"FEAR-{len(h.events) + 1}", at)}
    data.update(over)
    return h.add("fear_claim_decided", at, by=by, **data)


def third_country(h: History, t: datetime) -> History:
    return h.add("third_country_notice_served", t - 5 * D, by="o1", country="PA", language="es",
                 interpreter="", assurance="")


def test_established_fear_outlives_a_new_claim_and_a_no_fear_decision() -> None:
    t = AFTER_WINDOW + 10 * D
    h = third_country(ordered(), t)
    h.add("fear_claim_recorded", t - 4 * D, by="o1", country="PA")
    fear(h, t - 3 * D, "fear_established")
    h.add("fear_claim_recorded", t - 2 * D, by="o1", country="PA")
    fear(h, t - D, "no_fear", by="c2").confirm(h.seq, t - D + H, by="s1")
    remove(h, t, dest="PA")
    assert rules(h) == ["3RD-CTRY", "3RD-CTRY"]
    # without the finding of fear, a confirmed no_fear decision ends the claim
    h = third_country(ordered(), t)
    h.add("fear_claim_recorded", t - 4 * D, by="o1", country="PA")
    fear(h, t - D, "no_fear", by="c2").confirm(h.seq, t - D + H, by="s1")
    assert rules(remove(h, t, dest="PA")) == []
    # an unconfirmed one does not
    h = third_country(ordered(), t)
    h.add("fear_claim_recorded", t - 4 * D, by="o1", country="PA")
    fear(h, t - D, "no_fear", by="c2")
    assert rules(remove(h, t, dest="PA")) == ["3RD-CTRY", "3RD-CTRY"]


def test_a_fear_decision_by_the_enforcement_chain() -> None:
    t = AFTER_WINDOW + 10 * D
    h = third_country(ordered(), t)
    h.add("fear_claim_recorded", t - 4 * D, by="o1", country="PA")
    h.add("hearing_scheduled", t - 4 * D, by="c2", at=iso(t + 30 * D), court="NEW", notice="mail")
    fear(h, t - D, "no_fear", by="c2").confirm(h.seq, t - D + H, by="s1")
    remove(h, t, dest="PA")
    assert rules(h) == ["PROVENANCE", "3RD-CTRY", "3RD-CTRY"]


def test_a_withdrawal_without_the_persons_statement() -> None:
    t = AFTER_WINDOW + 10 * D
    h = third_country(ordered(), t)
    h.add("fear_claim_recorded", t - 4 * D, by="o1", country="PA")
    fear(h, t - D, "withdrawn", by="c2").confirm(h.seq, t - D + H, by="s1")
    assert rules(remove(h, t, dest="PA")) == ["PROVENANCE", "3RD-CTRY", "3RD-CTRY"]
    h = third_country(ordered(), t)
    h.add("fear_claim_recorded", t - 4 * D, by="o1", country="PA")
    fear(h, t - D, "withdrawn", by="c2", withdrawal_statement="STMT-9").confirm(
        h.seq, t - D + H, by="s1")
    assert rules(remove(h, t, dest="PA")) == []


def test_a_third_country_notice_the_person_cannot_read() -> None:
    t = AFTER_WINDOW + 10 * D
    h = ordered().add("third_country_notice_served", t - 5 * D, by="o1", country="PA",
                      language="en", interpreter="", assurance="")
    remove(h, t, dest="PA")
    assert rules(h) == ["3RD-CTRY", "3RD-CTRY", "3RD-CTRY"]  # the notice, and no notice
    h = ordered().add("third_country_notice_served", t - 5 * D, by="o1", country="PA",
                      language="en", interpreter="R. Díaz", assurance="")
    assert rules(remove(h, t, dest="PA")) == []
    # the law's floor is 24 hours
    h = ordered().add("third_country_notice_served", t - 20 * H, by="o1", country="PA",
                      language="es", interpreter="", assurance="")
    h.add("travel_document_recorded", t, by="o1", country="PA", valid_until="2026-12-31")
    h.add("medical_clearance_recorded", t, by="d1", valid_until="2026-12-31")
    h.add("removal_warrant_issued", t, by="s1")
    h.add("removal_scheduled", t, by="s2", destination="PA", depart_at=iso(t + 3 * H),
          transport="T-1")
    assert rules(h) == ["3RD-CTRY"]


def test_an_nta_served_in_a_language_not_understood() -> None:
    h = opened().add("nta_issued", T0 + D, charges=["c"], allegations=["a"],
                     hearing_at=iso(HEARING), court="NEW", counsel_list_date="2026-01-02",
                     counsel_advisal=True, address_advisal=True, failure_to_appear_advisal=True,
                     nature_of_proceedings="n", legal_authority="l")
    bad = h.copy().add("nta_served", T0 + 2 * D, method="personal", language="en", interpreter="")
    assert rules(bad) == ["ARR-4"]
    h.add("nta_served", T0 + 2 * D, method="personal", language="EN", interpreter="Y. Tan")
    assert rules(h) == []


# ---------------------------------------------------------------------------------------------
# In absentia (spec section 6)


def at_large(court: str = "NEW") -> History:
    return charged(opened(), court)


def test_an_in_absentia_order_before_the_hearing() -> None:
    h = order(at_large(), HEARING - H, in_absentia=True, hearing_at=iso(HEARING))
    assert rules(h) == ["IN-ABS"]
    h = order(at_large(), HEARING + H, in_absentia=True, hearing_at=iso(HEARING))
    assert rules(h) == []


def test_an_in_absentia_order_for_a_person_in_dhs_custody() -> None:
    h = order(detained(at_large()), HEARING + H, in_absentia=True, hearing_at=iso(HEARING))
    vs = check_history(h.events)
    assert [v.rule for v in vs] == ["IN-ABS"] and "custody" in vs[0].what
    h = detained(at_large()).add("released", T0 + 10 * D, by="d1", kind="bond", conditions="")
    assert rules(order(h, HEARING + H, in_absentia=True, hearing_at=iso(HEARING))) == []


def test_an_in_absentia_order_without_notice_or_a_hearing_on_the_calendar() -> None:
    h = opened().add("nta_issued", T0 + D, charges=["c"], allegations=["a"],
                     hearing_at=iso(HEARING), court="NEW", counsel_list_date="2026-01-02",
                     counsel_advisal=True, address_advisal=True, failure_to_appear_advisal=True,
                     nature_of_proceedings="n", legal_authority="l")
    # the NTA was never served
    assert rules(order(h, HEARING + H, in_absentia=True, hearing_at=iso(HEARING))) == ["IN-ABS"]
    h.events.pop()
    # ... unless the person gave no address (INA 240(b)(5)(B))
    assert rules(order(h, HEARING + H, in_absentia=True, hearing_at=iso(HEARING),
                       no_address_provided=True)) == []
    h.events.pop()
    # a hearing scheduled with notice, and one without
    h.add("hearing_scheduled", T0 + 2 * D, by="c1", at=iso(HEARING + 7 * D), court="NEW",
          notice="mail")
    h.add("hearing_scheduled", T0 + 3 * D, by="c1", at=iso(HEARING + 14 * D), court="NEW",
          notice="")
    ok = HEARING + 7 * D
    assert rules(order(h, ok + H, in_absentia=True, hearing_at=iso(ok))) == []
    h.events.pop()
    late = HEARING + 14 * D
    assert rules(order(h, late + H, in_absentia=True, hearing_at=iso(late))) == ["IN-ABS"]
    h.events.pop()
    assert rules(order(h, late + H, in_absentia=True, hearing_at=iso(late + H))) == ["IN-ABS"]
    h.events.pop()
    assert rules(order(h, late + H, in_absentia=True)) == ["IN-ABS"]


def test_an_in_absentia_order_takes_effect_only_when_confirmed() -> None:
    h = order(at_large(), HEARING + H, in_absentia=True, hearing_at=iso(HEARING))
    remove(h, HEARING + 2 * D)
    assert rules(h).count("FINAL") == 3  # warrant, scheduling, removal: no order in force
    h = order(at_large(), HEARING + H, in_absentia=True, hearing_at=iso(HEARING))
    h.confirm(h.seq, HEARING + 2 * H, by="s1")
    assert rules(remove(h, HEARING + 2 * D)) == []


def mtr(h: History, at: datetime, grounds: str, filed_on: date | None = None) -> History:
    return h.add("motion_to_reopen_filed", at, by="a1", grounds=grounds, filed_with="NEW",
                 receipt="R-77", filed_on=(filed_on or at.date()).isoformat())


def test_a_pending_in_absentia_motion_to_reopen_stays_removal() -> None:
    def absentia() -> History:
        h = order(at_large(), HEARING + H, in_absentia=True, hearing_at=iso(HEARING))
        return h.confirm(h.seq, HEARING + 2 * H, by="s1")

    h = mtr(absentia(), HEARING + D, "lack_of_notice")
    assert rules(remove(h, HEARING + 3 * D)) == ["STAY-AUTO", "STAY-AUTO"]
    # exceptional circumstances: a stay only within 180 days of the order
    h = mtr(absentia(), HEARING + 200 * D, "exceptional_circumstances")
    assert rules(remove(h, HEARING + 201 * D)) == []
    h = mtr(absentia(), HEARING + 100 * D, "exceptional_circumstances")
    assert rules(remove(h, HEARING + 101 * D)) == ["STAY-AUTO", "STAY-AUTO"]
    # denied: the stay ends once the denial is confirmed
    h = mtr(absentia(), HEARING + D, "in_custody")
    h.add("motion_to_reopen_decided", HEARING + 2 * D, by="c1", outcome="denied",
          **doc("NEW", "MTR-DEN-1", HEARING))
    assert rules(remove(h.copy(), HEARING + 3 * D)) == ["STAY-AUTO", "STAY-AUTO"]
    h.confirm(h.seq, HEARING + 2 * D + H, by="s1")
    assert rules(remove(h, HEARING + 3 * D)) == []


# ---------------------------------------------------------------------------------------------
# Citizenship: a not-citizen finding has effect only once confirmed


def test_enforcement_after_an_unconfirmed_not_citizen_finding() -> None:
    h = opened().add("citizenship_claimed", T0 + H, by="a1", evidence="born in El Paso")
    h.add("citizenship_resolved", T0 + D, by="s1", finding="not_citizen", evidence="records",
          counsel="c1", **doc("DHS", "USC-REV-1", T0))
    arrest = {"basis": "warrantless", "reason_to_believe": "r", "likely_to_escape": "l"}
    bad = h.copy().add("arrest_recorded", T0 + 2 * D, **arrest)
    assert rules(bad) == ["USC"]
    h.confirm(h.seq, T0 + D + H, by="c1")
    assert rules(h.add("arrest_recorded", T0 + 2 * D, **arrest)) == []


def test_check_store_reads_the_closure_days(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/c.sqlite")
    filed = datetime(2026, 4, 2, 14, tzinfo=UTC)
    h = appeal(ordered(), filed, timely=False)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE events (case_id TEXT, seq INTEGER, kind TEXT, at TEXT, "
                          "actor_id TEXT, actor_role TEXT, data TEXT)"))
        for e in h.events:
            conn.execute(text("INSERT INTO events VALUES (:c, :s, :k, :a, :i, :r, :d)"),
                         {"c": e.case_id, "s": e.seq, "k": e.kind, "a": iso(e.at),
                          "i": e.actor_id, "r": e.actor_role, "d": json.dumps(e.data)})
    assert check_store(engine) == []  # no closure table: no closures
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE closure_days (day DATE, scope TEXT)"))
        conn.execute(text("INSERT INTO closure_days VALUES ('2026-04-01', 'BIA')"))
    assert [(v.rule, v.event_seq) for v in check_store(engine)] == [("APP-30", h.seq)]


@pytest.mark.parametrize("who,role_ok", [("c1", False), ("o2", False), ("s1", True)])
def test_who_may_confirm(who: str, role_ok: bool) -> None:
    t = AFTER_WINDOW
    h = judicial_stay(ordered(), t)
    lift(h, t + D, by="c1").confirm(h.seq, t + D + H, by=who)
    assert ("PROVENANCE" in rules(h)) is not role_ok
