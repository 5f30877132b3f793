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
from raw_history import RawHistory, iso
from sqlalchemy import create_engine, text

from duecourse.app.invariants import check_store
from duecourse.law.invariants import ADVERSE_KINDS, Violation, check_history

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


class History(RawHistory):
    ROLES = ROLE_OF
    CASE_ID = "C-IND"

    def confirm(self, entry: int, at: datetime, by: str = "s1", checked: str = "") -> History:
        ref = checked or str(self.events[entry - 1].data.get("reference", ""))
        return self.add("entry_confirmed", at, by=by, entry=entry, document_checked=ref)


def doc(issued_by: str, reference: str, at: datetime) -> dict[str, Any]:
    return {"issued_by": issued_by, "reference": reference, "issued_on": at.date().isoformat()}


def opened(languages: tuple[str, ...] = ("es",)) -> History:
    return History().add("case_opened", T0, person_id="P-1", encounter="interior",
                         person={"family_name": "Example", "given_name": "Ana",
                                 "nationalities": ["MX"], "languages": list(languages)})


def charged(h: History, court: str = "NEW", opened_at: datetime = T0) -> History:
    at = opened_at + 2 * D
    h.add("nta_issued", at, charges=["INA 237(a)(1)(B)"], allegations=["overstayed"],
          hearing_at=iso(HEARING + (opened_at - T0)), court=court,
          counsel_list_date=(at - 5 * D).date().isoformat(),
          nature_of_proceedings="Removal proceedings under section 240 of the INA",
          legal_authority="INA 239; 8 CFR 239.1", counsel_advisal=True, address_advisal=True,
          failure_to_appear_advisal=True)
    return h.add("nta_served", at + H, method="personal", language="es", interpreter="")


def detained(h: History, opened_at: datetime = T0) -> History:
    t = opened_at + 3 * D
    return (h.add("arrest_recorded", t, basis="warrantless", reason_to_believe="overstay",
                  likely_to_escape="no fixed address", location_type="public")
             .add("custody_determined", t + 5 * H, decision="detain", authority="INA 236(a)")
             .add("placed", t + 6 * H, by="d1", facility="ELZ", classification="B",
                  facility_type="adult")
             .add("consular_advisal_recorded", t + 7 * H, by="d1", language="es",
                  notification_requested=False))  # CON-1


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


def test_a_legacy_waiver_with_no_party_is_the_respondents() -> None:
    """Entered by counsel, it needs confirmation like any respondent's waiver not entered by
    their attorney; entered by the attorney of record, it has effect at once."""
    h = ordered().add("appeal_waived", ORDER_AT + H, by="c1")
    assert {"STAY-AUTO", "FINAL"} <= set(rules(remove(h.copy(), ORDER_AT + 2 * D)))
    h.confirm(h.seq, ORDER_AT + 2 * H, by="s1")
    assert rules(remove(h, ORDER_AT + 2 * D)) == []
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
    ok = HEARING + 7 * D
    assert rules(order(h, ok + H, in_absentia=True, hearing_at=iso(ok))) == []
    h.events.pop()
    h.add("hearing_scheduled", T0 + 3 * D, by="c1", at=iso(HEARING + 14 * D), court="NEW",
          notice="")
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


def mtr(h: History, at: datetime, grounds: str, filed_on: date | None = None,
        receipt: str = "R-77") -> History:
    return h.add("motion_to_reopen_filed", at, by="a1", grounds=grounds, filed_with="NEW",
                 receipt=receipt, filed_on=(filed_on or at.date()).isoformat())


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
    h.add("motion_to_reopen_decided", HEARING + 2 * D, by="c1", outcome="denied", receipt="R-77",
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


# ---------------------------------------------------------------------------------------------
# After the adversarial review: the readings the guards and the fold now share


ARREST = {"basis": "warrantless", "reason_to_believe": "overstay", "likely_to_escape": "none",
          "location_type": "public"}


def opened_as(nationalities: list[str]) -> History:
    return History().add("case_opened", T0, person_id="P-1", encounter="interior",
                         person={"family_name": "Example", "given_name": "Ana",
                                 "nationalities": nationalities, "languages": ["es"]})


@pytest.mark.parametrize("nationality", ["US", "pr", " GU ", "VI", "MP", "AS", "UM"])
def test_a_recorded_us_or_territorial_nationality_opens_a_citizenship_review(
        nationality: str) -> None:
    """8 U.S.C. 1401, 1402, 1406-1408; 48 U.S.C. 1801: as if the person had claimed citizenship
    at the opening."""
    h = opened_as(["MX", nationality])
    bad = h.copy().add("arrest_recorded", T0 + D, **ARREST)
    vs = check_history(bad.events)
    assert [v.rule for v in vs] == ["USC"] and "nationality" in vs[0].what
    # a custody decision is adverse only when it detains or sets a bond
    assert rules(h.copy().add("custody_determined", T0 + D, decision="release",
                              authority="INA 236(a)")) == []
    assert rules(h.copy().add("custody_determined", T0 + D, decision="bond",
                              authority="INA 236(a)")) == ["USC"]
    # a not-citizen finding closes the review only once confirmed
    h.add("citizenship_resolved", T0 + D, by="s1", finding="not_citizen", evidence="records",
          **doc("DHS", "USC-REV-9", T0))
    assert rules(h.copy().add("arrest_recorded", T0 + 2 * D, **ARREST)) == ["USC"]
    h.confirm(h.seq, T0 + D + H, by="c1")
    assert rules(h.add("arrest_recorded", T0 + 2 * D, **ARREST)) == []
    # the lawful twin: a nationality of no U.S. territory opens nothing
    assert rules(opened_as(["MX", "SV"]).add("arrest_recorded", T0 + D, **ARREST)) == []


def test_a_citizen_finding_ends_the_review_a_nationality_opened_but_bars_enforcement() -> None:
    h = opened_as(["PR"]).add("citizenship_resolved", T0 + D, by="s1", finding="citizen",
                              evidence="birth certificate", **doc("DHS", "USC-REV-1", T0))
    assert rules(h.add("arrest_recorded", T0 + 2 * D, **ARREST)) == ["USC"]


def absentia_order(court: str = "NEW", at: datetime = HEARING + H) -> History:
    h = order(at_large(court), at, court, in_absentia=True, hearing_at=iso(HEARING))
    return h.confirm(h.seq, at + H, by="s1")


def decide_mtr(h: History, at: datetime, outcome: str, receipt: str | None = "R-77",
               confirm: bool = True) -> History:
    data: dict[str, Any] = doc("NEW", f"MTR-DEC-{len(h.events) + 1}", at)
    if receipt is not None:
        data["receipt"] = receipt
    h.add("motion_to_reopen_decided", at, by="c1", outcome=outcome, **data)
    if confirm and outcome == "denied":
        h.confirm(h.seq, at + H, by="s1")
    return h


def test_motions_to_reopen_are_identified_by_their_receipt() -> None:
    # A second record of the motion on file (its receipt in another case and spacing) changes
    # nothing: denying the motion ends the only stay there is.
    h = mtr(absentia_order(), HEARING + D, "lack_of_notice", receipt="R-77")
    mtr(h, HEARING + D + H, "in_custody", receipt="  r-77 ")
    decide_mtr(h, HEARING + 2 * D, "denied", receipt=" R-77")
    assert rules(remove(h, HEARING + 3 * D)) == []
    # Two motions: a decision on one leaves the other pending (and its stay in force).
    h = mtr(absentia_order(), HEARING + D, "lack_of_notice", receipt="R-77")
    mtr(h, HEARING + D + H, "in_custody", receipt="R-78")
    decide_mtr(h, HEARING + 2 * D, "denied", receipt="R-77")
    vs = [v for v in check_history(remove(h, HEARING + 3 * D).events) if v.rule == "STAY-AUTO"]
    assert len(vs) == 2 and "R-78" in vs[0].what and "R-77" not in vs[0].what
    # A legacy decision naming no receipt decides every motion pending.
    h = mtr(absentia_order(), HEARING + D, "lack_of_notice", receipt="R-77")
    mtr(h, HEARING + D + H, "in_custody", receipt="R-78")
    decide_mtr(h, HEARING + 2 * D, "denied", receipt=None)
    assert rules(remove(h, HEARING + 3 * D)) == []


def test_a_granted_motion_rescinds_only_its_own_order() -> None:
    # Granted on a receipt not on file: no motion is decided, no order rescinded.
    h = mtr(absentia_order(), HEARING + D, "other", receipt="R-77")
    decide_mtr(h, HEARING + 2 * D, "granted", receipt="R-99")
    assert rules(remove(h.copy(), HEARING + 3 * D)) == []
    # Granted on the motion's receipt: the order is rescinded, and a removal has none.
    decide_mtr(h, HEARING + 2 * D + H, "granted", receipt="r-77")
    assert rules(remove(h, HEARING + 3 * D)).count("FINAL") == 3


def test_180_days_for_exceptional_circumstances_count_from_the_orders_local_day() -> None:
    # 22:30 UTC on 1 March is 08:30 on 2 March in Saipan: day 180 is 29 August, not 28.
    at = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)
    recorded = datetime(2026, 9, 10, 15, tzinfo=UTC)  # recorded later; filed_on is the filing day
    h = mtr(absentia_order("SAI", at), recorded, "exceptional_circumstances",
            filed_on=date(2026, 8, 29))
    assert rules(remove(h, recorded + D)) == ["STAY-AUTO", "STAY-AUTO"]
    h = mtr(absentia_order("SAI", at), recorded, "exceptional_circumstances",
            filed_on=date(2026, 8, 30))
    assert rules(remove(h, recorded + D)) == []


WAIVER = {"party": "respondent", "before": "NEW", "language": "es", "interpreter": "",
          "reference": "IJ-NEW-WAIVER-1"}


def test_a_respondents_waiver_entered_by_counsel_needs_confirmation() -> None:
    h = ordered().add("appeal_waived", ORDER_AT + H, by="c1", **WAIVER)
    bad = remove(h.copy(), ORDER_AT + 2 * D)
    assert {"STAY-AUTO", "FINAL"} <= set(rules(bad))
    assert any("has no effect until a second person confirms it" in v.what
               for v in check_history(bad.events))
    # confirmed by its proposer, or against another document: still no waiver
    for who, checked in (("c1", ""), ("s1", "IJ-NEW-OTHER")):
        b = h.copy().confirm(h.seq, ORDER_AT + 2 * H, by=who, checked=checked)
        r = rules(remove(b, ORDER_AT + 2 * D))
        assert "PROVENANCE" in r and "STAY-AUTO" in r and "FINAL" in r
    # confirmed by a second person against the judge's document: final at once
    h.confirm(h.seq, ORDER_AT + 2 * H, by="s1", checked=" ij-new-waiver-1 ")
    assert rules(remove(h, ORDER_AT + 2 * D)) == []
    # entered by the respondent's attorney of record: effective at once
    h = ordered().add("appeal_waived", ORDER_AT + H, by="a1", **WAIVER)
    assert rules(remove(h, ORDER_AT + 2 * D)) == []


def test_an_appeal_after_an_unconfirmed_waiver_stands() -> None:
    """Until confirmed the respondent has not waived: their appeal in that time is lawful, and
    the later confirmation does not wipe it (the entry has effect at its own place)."""
    h = ordered().add("appeal_waived", ORDER_AT + H, by="c1", **WAIVER)
    waiver = h.seq
    appeal(h, ORDER_AT + D, timely=True)
    h.confirm(waiver, ORDER_AT + 2 * D, by="s1")
    assert rules(h) == []
    r = rules(remove(h.copy(), ORDER_AT + 40 * D))
    assert "STAY-AUTO" in r and "FINAL" in r  # the appeal is pending before the Board
    dismissed(h, ORDER_AT + 60 * D).confirm(h.seq, ORDER_AT + 60 * D + H, by="c2")
    assert rules(remove(h, ORDER_AT + 61 * D)) == []
    # a waiver that took effect first bars the appeal
    h = ordered().add("appeal_waived", ORDER_AT + H, by="c1", **WAIVER)
    h.confirm(h.seq, ORDER_AT + 2 * H, by="s1")
    assert rules(appeal(h, ORDER_AT + D, timely=True)) == ["APP-30"]


def test_dhs_waiver_by_counsel_ends_only_dhs_appeal() -> None:
    h = ordered().add("appeal_waived", ORDER_AT + H, by="c1", party="dhs", before="NEW",
                      language="", interpreter="")
    assert rules(appeal(h.copy(), ORDER_AT + D, timely=True, party="dhs", by="c2")) == ["APP-30"]
    assert {"STAY-AUTO", "FINAL"} <= set(rules(remove(h.copy(), ORDER_AT + 2 * D)))
    assert rules(remove(h, AFTER_WINDOW)) == []


def scheduled_hearing(h: History, at: datetime, when_: datetime, notice: str = "mail") -> History:
    return h.add("hearing_scheduled", at, by="c1", at=iso(when_), court="NEW", notice=notice)


def test_an_in_absentia_order_at_a_hearing_continued_to_a_later_one() -> None:
    # The NTA's hearing was continued to a later one, still in the future: not the hearing in
    # force, whatever the person did that day.
    h = scheduled_hearing(at_large(), HEARING - 5 * D, HEARING + 30 * D)
    vs = check_history(order(h, HEARING + H, in_absentia=True, hearing_at=iso(HEARING)).events)
    assert [v.rule for v in vs] == ["IN-ABS"] and "continued" in vs[0].what
    # the twin: the order at the hearing in force, the latest on the calendar
    h = scheduled_hearing(at_large(), HEARING - 5 * D, HEARING + 30 * D)
    later = HEARING + 30 * D
    assert rules(order(h, later + H, in_absentia=True, hearing_at=iso(later))) == []
    # the NTA's hearing is on the calendar too: an earlier hearing set beside it is not in force
    h = scheduled_hearing(at_large(), HEARING - 5 * D, HEARING - D)
    assert rules(order(h, HEARING - D + H, in_absentia=True,
                       hearing_at=iso(HEARING - D))) == ["IN-ABS"]
    # a Notice to Appear issued again replaces the first one's hearing
    h = opened()
    for hearing in (HEARING + 20 * D, HEARING):
        h.add("nta_issued", T0 + D, charges=["c"], allegations=["a"], hearing_at=iso(hearing),
              court="NEW", counsel_list_date="2026-01-02", counsel_advisal=True,
              address_advisal=True, failure_to_appear_advisal=True, nature_of_proceedings="n",
              legal_authority="l")
    h.add("nta_served", T0 + 2 * D, method="personal", language="es", interpreter="")
    assert rules(order(h.copy(), HEARING + H, in_absentia=True, hearing_at=iso(HEARING))) == []
    assert rules(order(h, HEARING + 21 * D, in_absentia=True,
                       hearing_at=iso(HEARING + 20 * D))) == ["IN-ABS"]  # no longer on it
    # nor is a hearing scheduled after the order
    h = order(at_large(), HEARING + H, in_absentia=True, hearing_at=iso(HEARING))
    assert rules(scheduled_hearing(h, HEARING + D, HEARING + 30 * D)) == []


def test_never_a_second_in_absentia_order_for_one_hearing() -> None:
    h = mtr(absentia_order(), HEARING + D, "lack_of_notice")
    decide_mtr(h, HEARING + 2 * D, "granted")  # rescinded: proceedings are pending again
    again = h.copy()
    vs = check_history(order(again, HEARING + 3 * D, in_absentia=True,
                             hearing_at=iso(HEARING)).events)
    assert [v.rule for v in vs] == ["IN-ABS"] and "already entered" in vs[0].what
    # the twin: a new hearing, noticed and missed
    later = HEARING + 40 * D
    scheduled_hearing(h, HEARING + 3 * D, later)
    assert rules(order(h, later + H, in_absentia=True, hearing_at=iso(later))) == []
    # an order rejected by the second person was never entered: it may be entered again
    h = order(at_large(), HEARING + H, in_absentia=True, hearing_at=iso(HEARING))
    h.add("entry_rejected", HEARING + 2 * H, by="s1", entry=h.seq, reason="wrong reference")
    assert rules(order(h, HEARING + 3 * H, in_absentia=True, hearing_at=iso(HEARING))) == []


def test_an_in_absentia_order_for_a_child_in_orr_custody() -> None:
    h = at_large().add("transferred_to_orr", HEARING - 2 * D, by="o1", facility="ORR-1")
    vs = check_history(order(h, HEARING + H, in_absentia=True, hearing_at=iso(HEARING)).events)
    assert [v.rule for v in vs] == ["IN-ABS"] and "with_orr" in vs[0].what
    h = at_large().add("transferred_to_orr", HEARING + 2 * D, by="o1", facility="ORR-1")
    assert rules(order(h, HEARING + 3 * D, in_absentia=True, hearing_at=iso(HEARING))) == []


def test_inauguration_day_is_not_a_business_day_of_the_board() -> None:
    from duecourse.law.checker.days import is_bia_business_day, is_inauguration_day

    assert is_inauguration_day(date(2033, 1, 20)) and is_inauguration_day(date(2013, 1, 21))
    assert not is_inauguration_day(date(2013, 1, 20)) and not is_inauguration_day(date(2034, 1, 20))
    assert not is_inauguration_day(date(1961, 1, 20))  # before 5 U.S.C. 6103(c)
    assert not is_bia_business_day(date(2033, 1, 20), frozenset())
    # Order on Tuesday 21 December 2032 in Newark: day 30 is Thursday 20 January 2033,
    # Inauguration Day; the window runs to Friday 21 January.
    at = datetime(2032, 12, 21, 15, tzinfo=UTC)
    filed = datetime(2033, 1, 21, 14, tzinfo=UTC)
    assert rules(appeal(ordered(at=at), filed, timely=False)) == ["APP-30"]
    assert rules(appeal(ordered(at=at), filed, timely=True)) == []
    assert "STAY-AUTO" in rules(schedule(ordered(at=at), filed))
    assert rules(appeal(ordered(at=at), filed + D, timely=True)) == ["APP-30"]


def test_the_board_dismissing_dhs_appeal_leaves_the_respondents_window() -> None:
    h = appeal(ordered(), ORDER_AT + D, timely=True, party="dhs", by="c2")
    dismissed(h, ORDER_AT + 5 * D).confirm(h.seq, ORDER_AT + 5 * D + H, by="s1")
    r = rules(remove(h.copy(), ORDER_AT + 10 * D))
    assert "STAY-AUTO" in r and "FINAL" in r
    assert rules(remove(h.copy(), AFTER_WINDOW)) == []
    # the respondent's own appeal, filed after the Board decided DHS's, is pending
    appeal(h, ORDER_AT + 20 * D, timely=True)
    r = rules(remove(h.copy(), AFTER_WINDOW))
    assert "STAY-AUTO" in r and "FINAL" in r
    dismissed(h, ORDER_AT + 60 * D).confirm(h.seq, ORDER_AT + 60 * D + H, by="s1")
    assert rules(remove(h, ORDER_AT + 61 * D)) == []


def test_one_board_decision_decides_every_pending_appeal_and_one_appeal_per_party() -> None:
    h = appeal(ordered(), ORDER_AT + D, timely=True, party="dhs", by="c2")
    appeal(h, ORDER_AT + 2 * D, timely=True)
    dismissed(h, ORDER_AT + 10 * D).confirm(h.seq, ORDER_AT + 10 * D + H, by="s1")
    assert rules(remove(h.copy(), ORDER_AT + 11 * D)) == []
    # a second appeal by the respondent changes nothing: the order stays final
    appeal(h, ORDER_AT + 12 * D, timely=True)
    assert rules(remove(h, ORDER_AT + 13 * D)) == []
    # the lawful twin's unlawful sibling: the respondent's first appeal is still pending
    h = appeal(ordered(), ORDER_AT + D, timely=True, party="dhs", by="c2")
    dismissed(h, ORDER_AT + 10 * D).confirm(h.seq, ORDER_AT + 10 * D + H, by="s1")
    appeal(h, ORDER_AT + 12 * D, timely=True)
    r = rules(remove(h, ORDER_AT + 13 * D))
    assert "STAY-AUTO" in r and "FINAL" in r


def test_an_appeal_counts_from_the_day_the_board_received_it() -> None:
    # Recorded after the window closed, received on its last day (1 April): timely.
    late = AFTER_WINDOW + 5 * D
    h = appeal(ordered(), late, timely=True)
    h.events[-1].data["filed_on"] = "2026-04-01"
    assert rules(h) == []
    r = rules(remove(h.copy(), late + D))
    assert "STAY-AUTO" in r and "FINAL" in r  # pending before the Board
    h.events[-1].data["timely"] = False
    assert rules(h) == ["APP-30"]
    # received the day after: untimely, however it is marked
    h = appeal(ordered(), late, timely=True)
    h.events[-1].data["filed_on"] = "2026-04-02"
    assert rules(h) == ["APP-30"]
    h.events[-1].data["timely"] = False
    assert rules(remove(h, late + D)) == []
    # recorded inside the window with a day of receipt after it: that cannot be
    h = appeal(ordered(), ORDER_AT + 5 * D, timely=True)
    h.events[-1].data["filed_on"] = (ORDER_AT + 9 * D).date().isoformat()
    vs = check_history(h.events)
    assert [v.rule for v in vs] == ["APP-30"] and "after the day it was recorded" in vs[0].what
    h.events[-1].data["filed_on"] = (ORDER_AT - D).date().isoformat()
    vs = check_history(h.events)
    assert [v.rule for v in vs] == ["APP-30"] and "before the order" in vs[0].what
    # a BIA closure day on the last day moves it for a filed_on too
    h = appeal(ordered(), late, timely=True)
    h.events[-1].data["filed_on"] = "2026-04-02"
    assert rules(h, frozenset({(date(2026, 4, 1), "BIA")})) == []


def test_a_confirmed_entry_does_not_wipe_what_came_after_it() -> None:
    """A confirmation gives an entry effect as of its own place in the history: a protective
    event recorded between the entry and its confirmation stands."""
    t = AFTER_WINDOW + 10 * D
    # a new fear claim after a no_fear decision
    h = third_country(ordered(), t)
    h.add("fear_claim_recorded", t - 4 * D, by="o1", country="PA")
    fear(h, t - 3 * D, "no_fear", by="c2")
    entry = h.seq
    h.add("fear_claim_recorded", t - 2 * D, by="a1", country="PA")
    h.confirm(entry, t - D, by="s1")
    assert rules(remove(h, t, dest="PA")) == ["3RD-CTRY", "3RD-CTRY"]
    # (its twin: the claim before the decision is ended by it)
    h = third_country(ordered(), t)
    h.add("fear_claim_recorded", t - 4 * D, by="o1", country="PA")
    fear(h, t - 3 * D, "no_fear", by="c2").confirm(h.seq, t - D, by="s1")
    assert rules(remove(h, t, dest="PA")) == []
    # a fear found established after an order that terminates protection
    second = ORDER_AT + 10 * D
    t = second + 50 * D

    def terminated(fear_after: bool) -> History:
        h = ordered(protected_countries=["PA"])
        order(h, second, terminates_protection=["PA"])
        entry = h.seq
        if fear_after:
            h.add("fear_claim_recorded", second + D, by="a1", country="PA")
            fear(h, second + 2 * D, "fear_established", by="c2")
        h.confirm(entry, second + 3 * D, by="s1")
        return remove(third_country(h, t), t, dest="PA")

    assert rules(terminated(True)) == ["3RD-CTRY", "3RD-CTRY"]
    assert rules(terminated(False)) == []
    # a new citizenship claim after a not-citizen finding
    h = opened().add("citizenship_claimed", T0 + H, by="a1", evidence="born in El Paso")
    h.add("citizenship_resolved", T0 + D, by="s1", finding="not_citizen", evidence="records",
          **doc("DHS", "USC-REV-1", T0))
    entry = h.seq
    h.add("citizenship_claimed", T0 + D + H, by="d1", evidence="says born in Texas",
          raised_by="person")
    h.confirm(entry, T0 + 2 * D, by="c1")
    assert rules(h.add("arrest_recorded", T0 + 3 * D, **ARREST)) == ["USC"]


def test_kosovo_is_a_country() -> None:
    t = AFTER_WINDOW
    h = History().add("case_opened", T0, person_id="P-1", encounter="interior",
                      person={"nationalities": ["XK"], "languages": ["sq", "es"]})
    h = order(detained(charged(h)), designated_country="XK")
    assert rules(remove(h.copy(), t, dest="XK")) == []
    h = ordered(protected_countries=["xk "], designated_country="XK")
    assert rules(remove(h, t, dest="XK")) == ["PROT-CTRY", "PROT-CTRY"]


def test_who_took_a_protection_away_does_not_schedule_or_carry_out_the_removal() -> None:
    t = AFTER_WINDOW
    h = judicial_stay(ordered(), t)
    lift(h, t + D).confirm(h.seq, t + D + H, by="s2")  # s2 confirmed the lifting
    vs = check_history(remove(h.copy(), t + 2 * D).events)  # ... and schedules the removal
    assert [v.rule for v in vs] == ["PROVENANCE"] and "duties stay apart" in vs[0].what
    # nor does the one who recorded it carry it out
    h = judicial_stay(ordered(), t)
    h.add("stay_lifted", t + D, by="s2", stay="No. 26-1234 (stay)", kind="judicial",
          **doc("CA9", "No. 26-1234 (order lifting stay)", t))
    h.confirm(h.seq, t + D + H, by="s1")
    assert rules(remove(h.copy(), t + 2 * D)) == ["PROVENANCE"]
    # the lawful twin: someone else schedules it
    h = judicial_stay(ordered(), t)
    lift(h, t + D).confirm(h.seq, t + D + H, by="s1")
    assert rules(remove(h, t + 2 * D)) == []


def person_case(case_id: str, at: datetime, a_number: str = "", birth: str = "1987-09-14",
                family: str = "Rahimova", **over: Any) -> History:
    h = History(case_id).add("case_opened", at, person_id=f"P-{case_id}", encounter="interior",
                             person={"family_name": family, "given_name": "Nadia",
                                     "birth_date": birth, "nationalities": ["UZ"],
                                     "languages": ["es"], "a_number": a_number})
    h = detained(charged(h, opened_at=at), opened_at=at)
    return order(h, at + 40 * D, **{"designated_country": "UZ", **over})


def test_protection_is_the_persons_across_cases() -> None:
    """A second case for the same person (same A-number, or same names and birth date) does
    not shed the protection an order on the first one named."""
    first = person_case("C-1", T0, a_number="A212345678", protected_countries=["UZ"],
                        designated_country="KZ")
    remove(first, T0 + 300 * D, "KZ")  # removed, then met again: held on one case at a time
    later = T0 + 400 * D
    second = remove(person_case("C-2", later, a_number="212-345-678"), later + 100 * D, "UZ")
    vs = check_history(first.events + second.events)
    assert {(v.rule, v.case_id) for v in vs} == {("PROT-CTRY", "C-2")} and len(vs) == 2
    assert "C-1" in vs[0].what
    assert check_history(second.events) == []  # checked alone, the second case looks lawful
    # the same names and birth date, no A-number
    second = remove(person_case("C-2", later, family=" rahimova"), later + 100 * D, "UZ")
    assert [v.rule for v in check_history(first.events + second.events)] == ["PROT-CTRY"] * 2
    # the lawful twin: another person (another birth date, no A-number in common)
    second = remove(person_case("C-2", later, birth="1990-01-01"), later + 100 * D, "UZ")
    assert check_history(first.events + second.events) == []
    # a protection granted only after the removal does not reach back
    early = remove(person_case("C-2", T0 - 200 * D, a_number="A212345678"), T0 - 100 * D, "UZ")
    assert check_history(first.events + early.events) == []
