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


def test_the_exception_periods_are_dated_parameters() -> None:
    assert param("CUS-48.exception_hours", date(2026, 1, 1)) == 24
    assert param("UAC-72.exception_hours", date(2026, 1, 1)) == 24


def test_looser_by_direction() -> None:
    assert looser(49, 48, "up") and not looser(36, 48, "up")
    assert looser(9, 10, "down") and not looser(14, 10, "down")
    assert looser(["court"], ["board"], "down") and not looser(["board", "court"], ["board"], "down")
    assert looser("48", 48, "up")  # not a number: fails closed
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
    assert "expected a value like 48" in str(e.value)


def test_a_dated_value_holds_from_its_day_and_is_checked_against_that_days_floor() -> None:
    law = law_parameters()
    out = merge_overrides(law, {"HOLD-12.hours": [{"from": date(2026, 7, 1), "value": 8}]}, "t")
    versions = out["HOLD-12.hours"]
    assert [v.value for v in versions] == [12, 8]
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
