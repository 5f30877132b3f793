"""Issue 15, item 9: dated legal parameters a deployment may set, never looser than the law;
every version says which way of changing it loosens it; a missing value is a named refusal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from duecourse.bootstrap import ConfigurationError, build_app
from duecourse.law import params
from duecourse.law.params import (
    MissingParameter,
    ParameterError,
    disallowed,
    law_parameters,
    looser,
    merge_overrides,
    param,
)


@pytest.fixture
def fresh() -> Iterator[None]:
    params.reset()
    yield
    params.reset()


def test_every_version_of_the_law_says_which_way_loosens_it_and_meets_its_floor() -> None:
    law = law_parameters()
    assert law, "no parameters loaded"
    for key, versions in law.items():
        for v in versions:
            assert v.loosens in ("up", "down"), key
            assert not looser(v.value, v.floor, v.loosens), key
            assert disallowed(key, v.value, v.value) is None, key


def test_the_exception_periods_are_dated_parameters() -> None:
    assert param("CUS-48.exception_hours", date(2026, 1, 1)) == 24
    assert param("UAC-72.exception_hours", date(2026, 1, 1)) == 24


def test_looser_by_direction() -> None:
    assert looser(49, 48, "up") and not looser(36, 48, "up")
    assert looser(9, 10, "down") and not looser(14, 10, "down")
    assert looser(["court"], ["board"], "down") and not looser(["board", "court"], ["board"], "down")
    assert looser("48", 48, "up")  # not a number: fails closed
    assert looser(float("nan"), 48, "up") and looser(float("nan"), 10, "down")
    assert looser(float("inf"), 48, "up") and looser(float("-inf"), 10, "down")
    assert looser(True, 48, "up")
    assert not looser(5, None, "up")  # no legal floor (a policy value)


def test_a_deployment_may_tighten() -> None:
    law = law_parameters()
    out = merge_overrides(law, {"CUS-48.hours": 36, "NTA-10.calendar_days": 14}, "test.yaml")
    assert out["CUS-48.hours"][-1].value == 36 and out["NTA-10.calendar_days"][-1].value == 14


def test_a_looser_value_names_the_parameter_and_its_floor() -> None:
    with pytest.raises(ParameterError) as e:
        merge_overrides(law_parameters(), {"CUS-48.hours": 72}, "test.yaml")
    msg = str(e.value)
    assert "CUS-48.hours = 72" in msg and "above its legal floor 48" in msg
    with pytest.raises(ParameterError) as e:
        merge_overrides(law_parameters(), {"3RD-CTRY.min_notice_hours": 6}, "test.yaml")
    assert "below its legal floor 24" in str(e.value)
    with pytest.raises(ParameterError) as e:  # the 2025 waiver (72 h) is the floor of HOLD-12
        merge_overrides(law_parameters(), {"HOLD-12.hours": 96}, "test.yaml")
    assert "HOLD-12.hours" in str(e.value) and "72" in str(e.value)


def test_unknown_keys_and_wrong_kinds_are_named() -> None:
    with pytest.raises(ParameterError) as e:
        merge_overrides(law_parameters(), {"CUS48.hours": 24, "typo": 1}, "test.yaml")
    assert "CUS48.hours, typo" in str(e.value)
    with pytest.raises(ParameterError) as e:
        merge_overrides(law_parameters(), {"CUS-48.hours": "forty"}, "test.yaml")
    assert "CUS-48.hours = 'forty': expected a whole number of hours" in str(e.value)


def test_a_dated_value_holds_from_its_day_and_is_checked_against_that_days_floor() -> None:
    law = law_parameters()
    out = merge_overrides(law, {"HOLD-12.hours": [{"from": date(2026, 7, 1), "value": 8}]}, "t")
    versions = out["HOLD-12.hours"]
    assert [v.value for v in versions] == [12, 12, 8]  # 2008, the waiver of 2025, the deployment
    with pytest.raises(ParameterError):
        merge_overrides(law, {"HOLD-12.hours": [{"from": date(2026, 7, 1), "value": 100}]}, "t")
    with pytest.raises(ParameterError) as e:  # no law in force on that day to set a value of
        merge_overrides(law, {"CUS-48.hours": [{"from": date(1990, 1, 1), "value": 24}]}, "t")
    assert "no law is in force on 1990-01-01" in str(e.value)


def test_a_deployment_file_takes_effect_and_a_bad_one_stops_the_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh: None) -> None:
    good = tmp_path / "law.yaml"
    good.write_text("CUS-48.hours: 36\n")
    monkeypatch.setenv("DUECOURSE_LAW_PARAMETERS", str(good))
    params.reset()
    build_app("sqlite://")
    assert param("CUS-48.hours", date(2026, 1, 1)) == 36
    bad = tmp_path / "loose.yaml"
    bad.write_text("CUS-48.hours: 96\nZAD-180.days: 365\n")
    monkeypatch.setenv("DUECOURSE_LAW_PARAMETERS", str(bad))
    params.reset()
    with pytest.raises(ConfigurationError) as e:
        build_app("sqlite://")
    assert "CUS-48.hours = 96" in str(e.value) and "ZAD-180.days = 365" in str(e.value)
    monkeypatch.setenv("DUECOURSE_LAW_PARAMETERS", str(tmp_path / "missing.yaml"))
    params.reset()
    with pytest.raises(ConfigurationError, match="cannot read it"):
        build_app("sqlite://")


def test_a_parameter_with_no_value_in_force_is_named() -> None:
    with pytest.raises(MissingParameter) as e:
        param("CUS-48.hours", date(1990, 5, 1))
    assert str(e.value) == "no value of the legal parameter CUS-48.hours is in force on 1990-05-01"
    with pytest.raises(MissingParameter, match=r"there is no legal parameter NOPE\.days"):
        param("NOPE.days", date(2026, 1, 1))


def test_hold_12_is_dated_its_floor_is_12_until_the_waiver_and_72_from_it() -> None:
    law = law_parameters()
    assert [(v.effective_from, v.value, v.floor) for v in law["HOLD-12.hours"]] == [
        (date(2008, 2, 29), 12, 12), (date(2025, 6, 24), 12, 72)]
    # A value without a date applies to every version, so it must meet every floor: 72 would
    # make a 24-hour stay of 2024 lawful, when the limit then was 12.
    with pytest.raises(ParameterError) as e:
        merge_overrides(law, {"HOLD-12.hours": 72}, "t")
    msg = str(e.value)
    assert "HOLD-12.hours = 72 (from 2008-02-29) is above its legal floor 12" in msg
    assert "applies to every version" in msg and "from 2025-06-24" not in msg
    with pytest.raises(ParameterError, match=r"HOLD-12.hours = 72 \(from 2010-01-01\) is above "
                                             r"its legal floor 12"):
        merge_overrides(law, {"HOLD-12.hours": [{"from": date(2010, 1, 1), "value": 72}]}, "t")
    # From the waiver's day a deployment may allow up to 72 hours; the years before keep 12.
    out = merge_overrides(law, {"HOLD-12.hours": [{"from": date(2025, 6, 24), "value": 72}]}, "t")
    by_day = {v.effective_from: v.value for v in out["HOLD-12.hours"]}
    assert by_day == {date(2008, 2, 29): 12, date(2025, 6, 24): 72}
    assert [v.deployment for v in out["HOLD-12.hours"]] == [False, False, True]
    assert merge_overrides(law, {"HOLD-12.hours": 8}, "t")["HOLD-12.hours"][0].value == 8


def test_hold_12_before_the_waiver_reads_12_hours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   fresh: None) -> None:
    f = tmp_path / "law.yaml"
    f.write_text("HOLD-12.hours:\n  - {from: 2025-06-24, value: 72}\n")
    monkeypatch.setenv("DUECOURSE_LAW_PARAMETERS", str(f))
    params.reset()
    assert param("HOLD-12.hours", date(2024, 4, 6)) == 12
    assert param("HOLD-12.hours", date(2025, 6, 24)) == 72
    f.write_text("HOLD-12.hours: 72\n")
    params.reset()
    with pytest.raises(ConfigurationError, match=r"HOLD-12.hours = 72 \(from 2008-02-29\)"):
        build_app("sqlite://")


def test_the_third_country_floor_is_the_injunctions_10_days_while_it_was_in_force() -> None:
    law = law_parameters()
    assert [(v.effective_from, v.floor) for v in law["3RD-CTRY.min_notice_hours"]] == [
        (date(1997, 4, 1), 24), (date(2025, 4, 18), 240), (date(2025, 6, 23), 24)]
    with pytest.raises(ParameterError, match=r"= 24 \(from 2025-04-18\) is below its legal "
                                             r"floor 240"):
        merge_overrides(law, {"3RD-CTRY.min_notice_hours": 24}, "t")
    with pytest.raises(ParameterError, match="floor 240"):
        merge_overrides(law, {"3RD-CTRY.min_notice_hours": [
            {"from": date(2025, 5, 1), "value": 24}]}, "t")
    out = merge_overrides(law, {"3RD-CTRY.min_notice_hours": [
        {"from": date(1997, 4, 1), "value": 24}, {"from": date(2025, 6, 23), "value": 24}]}, "t")
    assert [v.value for v in out["3RD-CTRY.min_notice_hours"]] == [240, 24, 240, 240, 24]
    assert merge_overrides(law, {"3RD-CTRY.min_notice_hours": 480}, "t")


@pytest.mark.parametrize(("value", "shown"), [
    (float("nan"), "nan"), (float("inf"), "inf"), (float("-inf"), "-inf"), (True, "True"),
    ("36", "'36'"), (36.5, "36.5"), (36.0, "36.0"), (-1, "-1"), (None, "None"),
    (10**9, "1000000000"), ([36], "[36]")])
def test_a_number_is_a_finite_whole_number_of_its_own_kind(value: object, shown: str) -> None:
    with pytest.raises(ParameterError) as e:
        merge_overrides(law_parameters(), {"CUS-48.hours": value}, "t")
    assert (f"CUS-48.hours = {shown}: expected a whole number of hours from 0 to 876,600"
            in str(e.value))


@pytest.mark.parametrize("key", ["APP-30.calendar_days", "XFER.hearing_window_hours",
                                 "IN-ABS.exceptional_circumstances_days",
                                 "POCR.notice_days_before_review"])
def test_a_period_the_person_has_is_bounded_above_too(key: str) -> None:
    for bad in (float("inf"), float("nan"), 10**12):
        with pytest.raises(ParameterError, match=f"{key} = .*: expected a whole number of "):
            merge_overrides(law_parameters(), {key: bad}, "t")
    merge_overrides(law_parameters(), {key: 365}, "t")  # longer protects more: allowed


def test_a_bad_value_in_a_dated_entry_is_named() -> None:
    with pytest.raises(ParameterError, match=r"HOLD-12.hours = nan: expected a whole number"):
        merge_overrides(law_parameters(), {"HOLD-12.hours": [
            {"from": date(2026, 1, 1), "value": float("nan")}]}, "t")


def test_every_problem_is_named_once_in_one_message() -> None:
    with pytest.raises(ParameterError) as e:
        merge_overrides(law_parameters(), {"HOLD-12.hours": float("nan"), "CUS-48.hours": 96,
                                           "escalation.percent": []}, "t")
    msg = str(e.value)
    assert msg.count("HOLD-12.hours = nan") == 1  # two versions, one message
    assert "CUS-48.hours = 96" in msg and "escalation.percent = []" in msg


@pytest.mark.parametrize("value", [
    [], [50, 75], [75, 50, 100], [50, 50, 100], [0, 50, 100], [50, 150], [50.0, 100],
    [True, 100], ["50", 100], 100, None, [float("nan"), 100]])
def test_escalation_points_are_ascending_whole_percentages_ending_with_100(value: object) -> None:
    with pytest.raises(ParameterError) as e:
        merge_overrides(law_parameters(), {"escalation.percent": value}, "t")
    assert (f"escalation.percent = {value!r}: expected a non-empty ascending list of whole "
            "percentages from 1 to 100 that ends with 100") in str(e.value)


def test_escalation_may_warn_earlier_or_less_often() -> None:
    for ok in ([100], [25, 50, 75, 100], [90, 100]):
        out = merge_overrides(law_parameters(), {"escalation.percent": ok}, "t")
        assert out["escalation.percent"][-1].value == ok


@pytest.mark.parametrize(("value", "why"), [
    (["moon"], "distinct values from: board, court"), ([], "distinct values from: board, court"),
    (["board", "board"], "distinct values from"), ("board", "distinct values from"),
    (["court"], "looser than its legal floor ['board']")])
def test_filing_zones_come_from_their_allowed_values(value: object, why: str) -> None:
    with pytest.raises(ParameterError) as e:
        merge_overrides(law_parameters(), {"APP-30.filing_zones": value}, "t")
    assert f"APP-30.filing_zones = {value!r}" in str(e.value) and why in str(e.value)
    assert merge_overrides(law_parameters(), {"APP-30.filing_zones": ["board"]}, "t")


def test_review_marks_may_come_earlier_or_more_often_never_later_or_fewer() -> None:
    law = law_parameters()
    for bad in ([90], [90, 365], [89, 90, 91], [90, 180, 400]):
        with pytest.raises(ParameterError, match="looser than its legal floor"):
            merge_overrides(law, {"PRE-ORDER.review_days": bad}, "t")
    for wrong in ([], [180, 90, 365], [0, 90, 180, 365], [90.0, 180, 365]):
        with pytest.raises(ParameterError, match="expected a non-empty ascending list of whole "
                                                 "numbers of days"):
            merge_overrides(law, {"PRE-ORDER.review_days": wrong}, "t")
    for ok in ([60, 120, 180, 365], [90, 180, 365, 730], [30, 90, 150, 180, 300]):
        merge_overrides(law, {"PRE-ORDER.review_days": ok}, "t")


def test_a_switch_is_1_or_0() -> None:
    with pytest.raises(ParameterError, match=r"SENS-LOC.enabled = 2: expected 1 \(on\) or 0"):
        merge_overrides(law_parameters(), {"SENS-LOC.enabled": 2}, "t")
    with pytest.raises(ParameterError, match=r"SENS-LOC\.enabled = True"):
        merge_overrides(law_parameters(), {"SENS-LOC.enabled": True}, "t")
    assert merge_overrides(law_parameters(), {"SENS-LOC.enabled": 0}, "t")


def test_the_laws_own_file_is_held_to_the_same_rules() -> None:
    base = {"from": date(2001, 1, 1), "citation": "x", "verified": date(2026, 1, 1),
            "loosens": "up"}
    with pytest.raises(ParameterError, match=r"X.hours \(from 2001-01-01\): the value nan is not allowed"):
        params._version("law/parameters/x.yaml", "X.hours",
                        {**base, "value": float("nan"), "floor": 48})
    with pytest.raises(ParameterError, match=r"the floor 'x' is not allowed"):
        params._version("law/parameters/x.yaml", "X.hours", {**base, "value": 4, "floor": "x"})
    with pytest.raises(ParameterError, match="duecourse knows no allowed values"):
        params._version("law/parameters/x.yaml", "X.places",
                        {**base, "value": ["here"], "floor": None})


@pytest.mark.parametrize(("text", "named"), [
    ("HOLD-12.hours: .nan\n", "HOLD-12.hours = nan: expected a whole number of hours"),
    ("XFER.hearing_window_hours: .inf\n", "XFER.hearing_window_hours = inf: expected"),
    ("escalation.percent: []\n", "escalation.percent = []: expected a non-empty"),
    ("APP-30.filing_zones: [board, sea]\n", "APP-30.filing_zones = ['board', 'sea']: expected"),
    ("CUS-48.hours: 1.0e+308\n", "CUS-48.hours = 1e+308: expected a whole number")])
def test_a_bad_value_in_the_file_stops_the_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 fresh: None, text: str, named: str) -> None:
    f = tmp_path / "law.yaml"
    f.write_text(text)
    monkeypatch.setenv("DUECOURSE_LAW_PARAMETERS", str(f))
    params.reset()
    with pytest.raises(ConfigurationError) as e:
        build_app("sqlite://")
    assert named in str(e.value)
