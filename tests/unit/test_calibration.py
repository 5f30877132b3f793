"""The packaged simulator calibration: plausible values, and reproducible from the data."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from duecourse.sim.calibration import (
    OUTCOMES,
    RELEASE_KINDS,
    SECURITY_LEVELS,
    Calibration,
    CalibrationError,
    load_calibration,
    parse_calibration,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "tools" / "derive_calibration.py"
PACKAGED = REPO_ROOT / "src" / "duecourse" / "data" / "calibration.yaml"
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="module")
def cal() -> Calibration:
    return load_calibration()


def test_outcome_shares_sum_to_one_and_match_the_readme(cal: Calibration) -> None:
    assert set(cal.outcome_shares) == set(OUTCOMES)
    assert math.fsum(cal.outcome_shares.values()) == pytest.approx(1.0, abs=1e-3)
    # ../shared/data README: FY25 book-outs about 78 % removed, 17 % released.
    assert cal.outcome_shares["removed"] == pytest.approx(0.78, abs=0.01)
    assert cal.outcome_shares["released"] == pytest.approx(0.17, abs=0.01)


def test_release_kinds_sum_to_the_released_share(cal: Calibration) -> None:
    assert set(cal.release_kind_shares) == set(RELEASE_KINDS)
    assert all(0 < v < 0.2 for v in cal.release_kind_shares.values())
    assert math.fsum(cal.release_kind_shares.values()) == pytest.approx(
        cal.outcome_shares["released"], abs=1e-3
    )


def test_length_of_stay_is_ordered_and_plausible(cal: Calibration) -> None:
    los = cal.length_of_stay_days
    assert los["median"] == pytest.approx(24.5, abs=0.1)  # README: median facility ALOS 24.5
    assert 0 < los["p10"] <= los["p25"] <= los["median"] <= los["p75"] <= los["p90"] < 365
    assert 5 < los["mean"] < 100
    national = cal.national_length_of_stay_days
    assert all(10 < v < 200 for v in national.values())
    assert min(national["ice_arrests"], national["cbp_arrests"]) <= national["all"]
    assert national["all"] <= max(national["ice_arrests"], national["cbp_arrests"])


def test_security_levels_match_the_readme(cal: Calibration) -> None:
    assert tuple(cal.security_levels) == SECURITY_LEVELS
    assert math.fsum(cal.security_levels.values()) == pytest.approx(1.0, abs=1e-3)
    expected = {"A": 0.61, "B": 0.15, "C": 0.13, "D": 0.11}  # README, FY26 ADP
    for level, share in expected.items():
        assert cal.security_levels[level] == pytest.approx(share, abs=0.01)


def test_scalar_values_are_plausible(cal: Calibration) -> None:
    assert cal.appeal_rate == 0.08  # README: about 8 % of cases reach an appeal
    assert 200 < cal.daily_book_ins < 2500  # README: peak 1,833 a day (May 2019)
    assert 0 < cal.bond_posted_share < 0.5
    assert 500 < cal.bond_amount_mean_usd < 50_000
    assert 1 < cal.fear_decision_days < 365
    assert cal.derived_on[:2] == "20"
    assert cal.data_sources
    assert all(".csv" in s or "README" in s for s in cal.data_sources)


def test_calibration_is_read_only_and_cached(cal: Calibration) -> None:
    assert load_calibration() is cal
    with pytest.raises(TypeError):
        cal.outcome_shares["removed"] = 1.0  # type: ignore[index]


def test_every_section_has_source_and_note() -> None:
    doc = yaml.safe_load(PACKAGED.read_text(encoding="utf-8"))
    sections = [
        "outcome_shares",
        "length_of_stay_days",
        "appeal_rate",
        "security_levels",
        "daily_book_ins",
        "bond_posted_share",
        "bond_amount_usd",
        "fear_decision_days",
    ]
    for name in sections:
        assert doc[name]["source"], name
        assert doc[name]["note"], name
    text = PACKAGED.read_text(encoding="utf-8")
    assert "/work/" not in text  # shared data is cited relative to the repo only


def test_parse_rejects_shares_that_do_not_sum_to_one() -> None:
    doc = yaml.safe_load(PACKAGED.read_text(encoding="utf-8"))
    doc["outcome_shares"]["removed"] = 0.5
    with pytest.raises(CalibrationError, match="outcome_shares"):
        parse_calibration(yaml.safe_dump(doc))


@pytest.mark.skipif(
    not (SHARED_DATA / "README.md").is_file(),
    reason="../shared/data (the public source data) is not next to the repository; "
    "CI always has it",
)
def test_script_reproduces_the_packaged_yaml(tmp_path: Path) -> None:
    packaged = PACKAGED.read_text(encoding="utf-8")
    derived_on = yaml.safe_load(packaged)["derived_on"]
    out = tmp_path / "calibration.yaml"
    subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--data-dir",
            str(SHARED_DATA),
            "--out",
            str(out),
            "--derived-on",
            derived_on,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    assert out.read_text(encoding="utf-8") == packaged, (
        "src/duecourse/data/calibration.yaml is out of date with ../shared/data; "
        "re-run tools/derive_calibration.py"
    )
