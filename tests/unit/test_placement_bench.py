"""bench/placement.py on another facility list in the FY26 column format, at a small scale: half
the facilities, shuffled, their populations changed. The solver knows facilities only by their
attributes, so it must still give a proven-optimal plan that breaks no hard constraint, and report
by rule anyone it cannot place. (Speed is the bench's business.)"""

from __future__ import annotations

import csv
import io
import random
from importlib import resources
from pathlib import Path
from types import ModuleType

from bench_modules import load_bench

from duecourse.placement.catalogue import load_catalogue


def _bench() -> ModuleType:
    return load_bench("placement")


def another_years_list(tmp_path: Path) -> Path:
    text = (resources.files("duecourse") / "data" / "facilities_fy26.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    rng = random.Random(3)
    family = [r for r in rows if r["type_detailed"] == "FAMILY"]
    kept = rng.sample([r for r in rows if r not in family], 100) + family
    rng.shuffle(kept)
    for r in kept:
        for col in ("level_a", "level_b", "level_c", "level_d", "adp_total"):
            if r[col]:
                r[col] = str(round(float(r[col]) * rng.uniform(0.7, 1.3), 3))
    out = tmp_path / "facilities_fy27.csv"
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(kept)
    return out


def test_the_bench_runs_unchanged_on_another_years_list(tmp_path: Path) -> None:
    facilities = load_catalogue(another_years_list(tmp_path))
    assert len(facilities) == 101
    result = _bench().run(facilities, standing_n=3_000, book_n=300, seed=5, time_limit=10)
    for case in ("a_book_ins", "b_replan"):
        solver = result[case]["or_tools"]
        assert solver["violations"] == 0
        assert solver["gap_percent"] == 0
        assert solver["status"] == ("optimal" if solver["unserved"] == 0 else "infeasible")
        assert solver["placed"] + solver["referred_to_orr"] + solver["unserved"] == (
            result["book_ins"] if case == "a_book_ins" else result["standing"])
        assert result[case]["greedy"]["cost"] >= solver["cost"] or \
            result[case]["greedy"]["violations"] > 0
    replan = result["b_replan"]["or_tools"]
    assert replan["transfers"] <= result["people_in_closed_facility"]
