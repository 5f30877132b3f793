#!/usr/bin/env python3
"""Derive the synthetic-case simulator's calibration from the shared public data.

Reads the ICE / EOIR public files in ``../shared/data`` (relative to the repository
root; see that folder's README.md for what each file is and where it comes from) and
writes ``src/duecourse/data/calibration.yaml``.  Standard library only, deterministic:
re-running it on the same data with the same ``--derived-on`` date reproduces the
packaged file byte for byte (``tests/unit/test_calibration.py`` checks this).

Usage::

    python tools/derive_calibration.py                      # defaults below
    python tools/derive_calibration.py --data-dir DIR --out FILE --derived-on 2026-11-22

Known quirks of the source files handled here (each is also noted in the YAML):

* ``book_outs_by_release_reason_fy19_fy26.csv`` has a ``Total`` row per year and two
  sub-rows of ``Bonded Out`` (``Bond Set by ICE`` / ``Bond Set by IJ``); the script
  excludes both so nothing is counted twice, and checks the parts add up to ``Total``.
  The fiscal year is taken from the table title, not the ``fiscal_year`` label.
* ``book_ins_monthly_fy19_fy26.csv`` has empty / zero months after the data pull and a
  partial last month (the FY26 workbook was pulled on 2026-04-02); both are dropped.
* ``bond_stats.csv`` and ``stay_length_by_agency_criminality.csv`` stack many workbook
  snapshots whose ``fiscal_year`` is the workbook's year, not the month's, and some
  labels and pull dates are wrong at the source; months are keyed by their ``date``
  and the latest ``file_date`` wins.  The FY2026 workbook swaps ``total_book_outs`` and
  ``bond_book_outs`` (and so inverts ``bond_pct``); the script swaps them back.
* ``fear_decision_time.csv`` repeats a stale FY2020 row in later workbooks and labels
  one FY2025 workbook as FY2024; rows are grouped by ``data_fiscal_year``.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import datetime as dt
import json
import re
import statistics
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
DEFAULT_OUT = REPO_ROOT / "src" / "duecourse" / "data" / "calibration.yaml"
DATA_DIR_LABEL = "../shared/data"  # how files refer to the shared data, never by machine path

SCHEMA_VERSION = 1

# README of ../shared/data: "about 8 % of immigration-court cases reach an appeal".
APPEAL_RATE = 0.08

MONTHS = ("Oct", "Nov", "Dec", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep")

# Attribution lines, copied from the ../shared/data README table (file | source | licence).
ATTRIBUTION: dict[str, str] = {
    "book_outs_by_release_reason_fy19_fy26.csv": (
        "book-outs by release reason; ICE detention statistics workbooks; public domain"
    ),
    "facilities_fy26.csv": (
        "facilities in use in FY2026; ICE ERO detention statistics workbook, data pulled "
        "2026-04-02 (Facilities FY26 sheet); codes and coordinates joined from a public "
        "crosswalk (CarwilB/ice-detention); ICE data public domain, crosswalk facts cited"
    ),
    "stay_length_by_agency_criminality.csv": (
        "average length of stay per month by arresting agency and criminality; Deportation "
        "Data Project ice-detention-management; ICE data public domain"
    ),
    "book_ins_monthly_fy19_fy26.csv": (
        "initial book-ins per month by arresting agency; ICE detention statistics "
        "workbooks; public domain"
    ),
    "bond_stats.csv": (
        "bonds set and posted, amounts; Deportation Data Project ice-detention-management; "
        "public domain"
    ),
    "fear_decision_time.csv": (
        "average days to a fear decision, by fiscal year; Deportation Data Project "
        "ice-detention-management; public domain"
    ),
    "README.md": (
        "known facts listed in the README of the shared data folder (appeal rate: "
        "'about 8 % of immigration-court cases reach an appeal')"
    ),
}


# --------------------------------------------------------------------------- helpers


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [
            {k.strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)
        ]


def to_float(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    return float(text)


def fiscal_year_of(date: dt.date) -> int:
    """US federal fiscal year: October to September, named after the year it ends in."""
    return date.year + 1 if date.month >= 10 else date.year


def month_date(fiscal_year: int, month_abbr: str) -> dt.date:
    month = list(calendar.month_abbr).index(month_abbr)
    return dt.date(fiscal_year - 1 if month >= 10 else fiscal_year, month, 1)


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile (the usual 'inclusive' / numpy default method)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of nothing")
    pos = (len(ordered) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def r(value: float, places: int) -> float:
    out = round(value, places)
    return 0.0 if out == 0 else out


def fy_label(fiscal_year: int) -> str:
    return f"FY{fiscal_year % 100:02d}"


def stale_snapshots(rows: Iterable[dict[str, str]], value_column: str) -> set[str]:
    """file_dates of workbook snapshots that report months after their own file date.

    Such a snapshot is an old table re-published under a new fiscal-year label (for
    example the 2026-01-08 stay-length table is the FY2020 table relabelled FY2026),
    or carries a wrong file date; either way it cannot be trusted, so it is dropped.
    """
    return {
        row["file_date"]
        for row in rows
        if row["date"][:7] > row["file_date"][:7] and (to_float(row[value_column]) or 0.0) != 0.0
    }


# --------------------------------------------------------------------------- derivations


RELEASE_KIND = {
    "bonded out": "bonded_out",
    "paroled": "paroled",
    "order of recognizance": "order_of_supervision_or_recognizance",
    "order of supervision": "order_of_supervision_or_recognizance",
    "proceedings terminated": "other",
    "relief granted by ij": "other",
    "court ordered": "other",
    "prosecutorial discretion": "other",
}
REMOVED_REASONS = {"release to remove"}
TRANSFER_OR_OTHER_REASONS = {
    "transfer to u.s. marshals or other agency",
    "transferred",
    "other",
}
SUBTOTAL_REASONS = {"bond set by ice", "bond set by ij"}  # parts of "Bonded Out"


def derive_outcome_shares(data_dir: Path) -> dict[str, Any]:
    name = "book_outs_by_release_reason_fy19_fy26.csv"
    rows = read_csv(data_dir / name)
    by_year: dict[int, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        # The title carries the workbook's fiscal year; trust it over the label column.
        m = re.search(r"FY\s*(\d{4})", row["table"])
        year = int(m.group(1)) if m else 2000 + int(row["fiscal_year"].removeprefix("FY"))
        by_year[year].append(row)

    def complete(year_rows: list[dict[str, str]]) -> bool:
        total = next(r_ for r_ in year_rows if r_["release_reason"].lower() == "total")
        monthly = [to_float(total[m]) for m in MONTHS]
        has_removals = any(r_["release_reason"].lower() in REMOVED_REASONS for r_ in year_rows)
        return has_removals and all(v is not None and v > 0 for v in monthly)

    year = max(y for y, yr in by_year.items() if complete(yr))
    year_rows = by_year[year]
    counts: dict[str, float] = defaultdict(float)
    total = 0.0
    parts = 0.0
    unknown: list[str] = []
    for row in year_rows:
        reason = row["release_reason"].lower()
        value = float(row["total"])
        if reason == "total":
            total = value
            continue
        if reason in SUBTOTAL_REASONS:
            continue
        parts += value
        if reason in REMOVED_REASONS:
            counts["removed"] += value
        elif reason in RELEASE_KIND:
            counts["released"] += value
            counts["kind:" + RELEASE_KIND[reason]] += value
        elif reason in TRANSFER_OR_OTHER_REASONS:
            counts["transferred_or_other"] += value
        else:
            unknown.append(row["release_reason"])
    if unknown:
        raise SystemExit(f"{name}: unclassified release reasons {unknown}")
    if total <= 0 or abs(parts - total) > 0.5:
        raise SystemExit(f"{name}: {fy_label(year)} parts {parts} != Total {total}")

    kinds = ("bonded_out", "paroled", "order_of_supervision_or_recognizance", "other")
    return {
        "fiscal_year": fy_label(year),
        "total_book_outs": int(total),
        "removed": r(counts["removed"] / total, 4),
        "released": r(counts["released"] / total, 4),
        "transferred_or_other": r(counts["transferred_or_other"] / total, 4),
        "released_by_kind": {k: r(counts["kind:" + k] / total, 4) for k in kinds},
        "source": (
            f"{name}: {fy_label(year)} (most recent fiscal year with all twelve months "
            "reported) 'total' column; each release reason divided by the year's Total row"
        ),
        "note": (
            "Shares of all final book-outs; removed + released + transferred_or_other = 1 and "
            "released_by_kind sums to released. removed = 'Release to Remove'. released kinds: "
            "bonded_out = 'Bonded Out' (its sub-rows 'Bond Set by ICE' / 'Bond Set by IJ' are "
            "excluded to avoid double counting); order_of_supervision_or_recognizance = "
            "'Order of Supervision' + 'Order of Recognizance'; other = 'Proceedings "
            "Terminated' + 'Relief Granted by IJ' (+ 'Court Ordered', 'Prosecutorial "
            "Discretion' where present). transferred_or_other = 'Transfer to U.S. Marshals or "
            "other agency' + 'Transferred' + 'Other'. README check: about 78 % removed, 17 % "
            "released. The FY25 workbook was pulled mid-September 2025, so September is "
            "partial; shares are unaffected in practice."
        ),
    }


def derive_length_of_stay(data_dir: Path) -> dict[str, Any]:
    name = "facilities_fy26.csv"
    rows = read_csv(data_dir / name)
    alos = [
        v
        for row in rows
        if row.get("name") and "total" not in row["name"].lower()
        for v in [to_float(row["alos"])]
        if v is not None and v > 0
    ]
    summary = {
        "median": r(statistics.median(alos), 2),
        "p10": r(percentile(alos, 0.10), 2),
        "p25": r(percentile(alos, 0.25), 2),
        "p75": r(percentile(alos, 0.75), 2),
        "p90": r(percentile(alos, 0.90), 2),
        "mean": r(statistics.fmean(alos), 2),
    }

    # National average length of stay by arresting agency and criminality, last FY complete.
    sl_name = "stay_length_by_agency_criminality.csv"
    sl_rows = read_csv(data_dir / sl_name)
    stale = stale_snapshots(sl_rows, "avg_stay_length_days")
    group = ""
    latest: dict[tuple[int, str, str], tuple[str, float]] = {}
    complete_years: set[int] = set()
    for row in sl_rows:
        agency = row["agency"]
        # Criminality rows belong to the agency 'Average' row above them (file order).
        if agency.endswith("Average"):
            group = {"CBP Average": "cbp", "ICE Average": "ice", "Average": "all"}[agency]
            crim = "average"
        else:
            crim = agency.lower().replace(" ", "_")
        if row["file_date"] in stale:
            continue
        date = dt.date.fromisoformat(row["date"])
        ytd = to_float(row["avg_stay_length_days_fy_ytd"])
        monthly = to_float(row["avg_stay_length_days"])
        if ytd is None or not monthly:  # months after the pull are 0.0
            continue
        year_of_row = fiscal_year_of(date)  # the 'fiscal_year' column is the workbook's
        if date.month == 9:
            complete_years.add(year_of_row)
        key = (year_of_row, group, crim)
        if key not in latest or row["file_date"] >= latest[key][0]:
            latest[key] = (row["file_date"], ytd)
    year = max(complete_years)  # most recent fiscal year with September reported
    national = {
        "all": r(latest[(year, "all", "average")][1], 2),
        "ice_arrests": r(latest[(year, "ice", "average")][1], 2),
        "cbp_arrests": r(latest[(year, "cbp", "average")][1], 2),
        "convicted_criminal": r(latest[(year, "all", "convicted_criminal")][1], 2),
        "pending_criminal_charges": r(latest[(year, "all", "pending_criminal_charges")][1], 2),
        "other_immigration_violator": r(latest[(year, "all", "other_immigration_violator")][1], 2),
    }
    file_date = latest[(year, "all", "average")][0]
    return {
        **summary,
        "facilities": len(alos),
        "national_average_by_group": national,
        "national_fiscal_year": fy_label(year),
        "source": (
            f"{name}: summary (linear-interpolation percentiles) of the 'alos' column over "
            f"{len(alos)} facilities; national_average_by_group from {sl_name}: "
            f"'avg_stay_length_days_fy_ytd' in the last {fy_label(year)} workbook "
            f"(file_date {file_date})"
        ),
        "note": (
            "median/p10/p25/p75/p90/mean describe per-facility average lengths of stay in "
            "FY2026 (unweighted: a 50-bed jail counts as much as a 2,000-bed centre; staging and "
            "hold rooms pull the low tail down). A person's whole detention spans several "
            "facilities and is longer: see national_average_by_group (days, fiscal-year-to-date "
            "average over all book-outs; 'all' covers ICE and CBP arrests, the criminality "
            "values are for all arrests). In the stay-length file a criminality row belongs to "
            "the agency 'Average' row above it. Workbook snapshots that report months after "
            f"their own file date are dropped ({', '.join(sorted(stale))}; the 2026-01-08 table "
            "is the FY2020 one relabelled FY2026). README check: median facility ALOS about "
            "24.5."
        ),
    }


def derive_security_levels(data_dir: Path) -> dict[str, Any]:
    name = "facilities_fy26.csv"
    rows = read_csv(data_dir / name)
    adp = {lvl: 0.0 for lvl in "ABCD"}
    for row in rows:
        if not row.get("name") or "total" in row["name"].lower():
            continue
        for lvl in "ABCD":
            adp[lvl] += to_float(row[f"level_{lvl.lower()}"]) or 0.0
    total = sum(adp.values())
    return {
        "shares": {lvl: r(adp[lvl] / total, 4) for lvl in "ABCD"},
        "average_daily_population": r(total, 1),
        "source": (
            f"{name}: sum over facilities of level_a..level_d (FY2026 average daily "
            "population by ICE classification level), each divided by their sum"
        ),
        "note": (
            "ICE classification levels: A lowest risk, D highest; A/B low, C/D high; never "
            "house A with D. README check: FY26 ADP 66,162; 61 % A, 15 % B, 13 % C, 11 % D."
        ),
    }


def derive_daily_book_ins(data_dir: Path) -> dict[str, Any]:
    name = "book_ins_monthly_fy19_fy26.csv"
    rows = read_csv(data_dir / name)
    series: list[tuple[dt.date, float]] = []
    ice_by_month: dict[dt.date, float] = {}
    for row in rows:
        year = 2000 + int(row["fiscal_year"].removeprefix("FY"))
        value = to_float(row["book_ins"])
        if value is None or value <= 0:
            continue
        date = month_date(year, row["month"])
        if row["agency"] == "Total":
            series.append((date, value))
        elif row["agency"] == "ICE":
            ice_by_month[date] = value
    series.sort()
    # A last month far below the months before it was cut short by the data pull.
    dropped: list[str] = []
    tail_mean = statistics.fmean(v for _, v in series[-4:-1])
    if series[-1][1] < 0.5 * tail_mean:
        dropped.append(series[-1][0].strftime("%Y-%m"))
        series = series[:-1]
    recent = series[-12:]
    days = sum(calendar.monthrange(d.year, d.month)[1] for d, _ in recent)
    total = sum(v for _, v in recent)
    ice_total = sum(ice_by_month.get(d, 0.0) for d, _ in recent)
    first, last = recent[0][0].strftime("%Y-%m"), recent[-1][0].strftime("%Y-%m")
    peak_date, peak_value = max(
        ((d, v / calendar.monthrange(d.year, d.month)[1]) for d, v in series),
        key=lambda dv: dv[1],
    )
    return {
        "mean_daily": r(total / days, 1),
        "window": f"{first}..{last}",
        "ice_arrest_share": r(ice_total / total, 4),
        "peak_month_daily": r(peak_value, 1),
        "peak_month": peak_date.strftime("%Y-%m"),
        "source": (
            f"{name}: 'Total' book-ins over the last 12 complete months ({first} to {last}) "
            "divided by the calendar days in them; ice_arrest_share = 'ICE' rows / 'Total'"
        ),
        "note": (
            "Initial book-ins into ICE detention, all arresting agencies. Empty or zero months "
            "after the data pull are ignored"
            + (f"; partial month {', '.join(dropped)} dropped" if dropped else "")
            + ". README check: peak about 1,833 a day in May 2019."
        ),
    }


def _bond_months(data_dir: Path) -> dict[dt.date, dict[str, float]]:
    name = "bond_stats.csv"
    rows = read_csv(data_dir / name)
    stale = stale_snapshots(rows, "value")
    snapshots: dict[tuple[dt.date, str], dict[str, float]] = defaultdict(dict)
    for row in rows:
        if row["file_date"] in stale:
            continue
        value = to_float(row["value"])
        if value is None:
            continue
        snapshots[(dt.date.fromisoformat(row["date"]), row["file_date"])][row["metric"]] = value
    months: dict[dt.date, tuple[str, dict[str, float]]] = {}
    for (date, file_date), metrics in snapshots.items():
        if date not in months or file_date > months[date][0]:
            months[date] = (file_date, metrics)
    out: dict[dt.date, dict[str, float]] = {}
    for date, (_, metrics) in months.items():
        fixed = dict(metrics)
        total, bond = fixed.get("total_book_outs"), fixed.get("bond_book_outs")
        if total is not None and bond is not None and bond > total:  # FY2026 workbook swap
            fixed["total_book_outs"], fixed["bond_book_outs"] = bond, total
        out[date] = fixed
    return out


def derive_bonds(data_dir: Path, fiscal_year: int, bonded_out_share: float) -> dict[str, Any]:
    name = "bond_stats.csv"
    stale = stale_snapshots(read_csv(data_dir / name), "value")
    months = {d: m for d, m in _bond_months(data_dir).items() if fiscal_year_of(d) == fiscal_year}
    usable = {
        d: m
        for d, m in months.items()
        if m.get("total_book_outs") and m.get("bond_book_outs") is not None
    }
    if len(usable) != 12:
        raise SystemExit(f"{name}: {fy_label(fiscal_year)} has {len(usable)} usable months")
    total = sum(m["total_book_outs"] for m in usable.values())
    bonds = sum(m["bond_book_outs"] for m in usable.values())
    amounts = [(m["avg_bond_amount"], m["bond_book_outs"]) for m in usable.values()]
    weighted = sum(a * w for a, w in amounts) / sum(w for _, w in amounts)
    monthly_means = [a for a, _ in amounts]
    return {
        "bond_posted_share": {
            "value": r(bonds / total, 4),
            "fiscal_year": fy_label(fiscal_year),
            "source": (
                f"{name}: sum of bond_book_outs / sum of total_book_outs over the 12 months of "
                f"{fy_label(fiscal_year)} (latest workbook for each month)"
            ),
            "note": (
                "Share of all book-outs that were releases on a posted bond. The file has no "
                "count of bonds set, so the share of set bonds that get posted cannot be "
                "derived. Cross-check: 'Bonded Out' in the release-reason file gives "
                f"{bonded_out_share} for the same year. The FY2026 workbook swaps "
                "total_book_outs and bond_book_outs (and inverts bond_pct); swapped back where "
                "bond > total. Workbook snapshots that report months after their own file date "
                f"are dropped ({', '.join(sorted(stale))})."
            ),
        },
        "bond_amount_usd": {
            "mean": r(weighted, 2),
            "median_of_monthly_means": r(statistics.median(monthly_means), 2),
            "min_monthly_mean": r(min(monthly_means), 2),
            "max_monthly_mean": r(max(monthly_means), 2),
            "fiscal_year": fy_label(fiscal_year),
            "source": (
                f"{name}: avg_bond_amount for the 12 months of {fy_label(fiscal_year)}; mean "
                "weighted by bond_book_outs; median/min/max of the monthly averages"
            ),
            "note": (
                "The file holds only monthly average bond amounts, not individual bonds, so a "
                "true median bond cannot be computed; median_of_monthly_means is the median of "
                "12 monthly averages, not the median bond (which is lower for skewed amounts)."
            ),
        },
    }


def derive_fear_decision(data_dir: Path, fiscal_year: int) -> dict[str, Any]:
    name = "fear_decision_time.csv"
    rows = read_csv(data_dir / name)
    latest: dict[int, dict[str, str]] = {}
    for row in rows:
        year = int(row["data_fiscal_year"])  # the 'fiscal_year' label is the workbook's
        if year not in latest or row["file_date"] > latest[year]["file_date"]:
            latest[year] = row
    row = latest[fiscal_year]
    value = to_float(row["total"])
    adult = to_float(row["adult"])
    if value is None or adult is None:
        raise SystemExit(f"{name}: {fy_label(fiscal_year)} has no total")
    ytd_year = max(latest)
    ytd = to_float(latest[ytd_year]["total"])
    return {
        "value": r(value, 2),
        "adult": r(adult, 2),
        "fiscal_year": fy_label(fiscal_year),
        "latest_year_to_date": r(ytd, 2) if ytd is not None else None,
        "latest_fiscal_year": fy_label(ytd_year),
        "measures": "days from USCIS fear-decision service date to ICE release",
        "source": (
            f"{name}: 'total' (and 'adult') of the latest workbook (file_date "
            f"{row['file_date']}) for data_fiscal_year {fiscal_year}; latest_year_to_date "
            f"from the newest workbook for {ytd_year}"
        ),
        "note": (
            "Caution: in the ICE detention-statistics workbooks this table is 'Average Time "
            "from USCIS Fear Decision Service Date to ICE Release (In Days)', i.e. time from a "
            "fear decision to release, not time to reach a fear decision (the data README's "
            "wording). Fiscal-year-to-date average; 'fsc' (family staging) is too sparse to "
            "use. Stale FY2020 rows reappear in later workbooks and one FY2025 workbook is "
            "labelled FY2024, so rows are grouped by data_fiscal_year."
        ),
    }


# --------------------------------------------------------------------------- output


def build(data_dir: Path, derived_on: str) -> dict[str, Any]:
    outcome = derive_outcome_shares(data_dir)
    year = 2000 + int(outcome["fiscal_year"].removeprefix("FY"))
    bonds = derive_bonds(data_dir, year, outcome["released_by_kind"]["bonded_out"])
    used = [
        "book_outs_by_release_reason_fy19_fy26.csv",
        "facilities_fy26.csv",
        "stay_length_by_agency_criminality.csv",
        "book_ins_monthly_fy19_fy26.csv",
        "bond_stats.csv",
        "fear_decision_time.csv",
        "README.md",
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "derived_on": derived_on,
        "generated_by": "tools/derive_calibration.py",
        "data_dir": DATA_DIR_LABEL,
        "data_sources": [f"{fname} — {ATTRIBUTION[fname]}" for fname in used],
        "data_sources_note": (
            "U.S. Immigration and Customs Enforcement (ICE) and immigration-court publications, "
            "released directly or through FOIA, as collected and cleaned by public projects; "
            "aggregate figures only, no personal data."
        ),
        "outcome_shares": outcome,
        "length_of_stay_days": derive_length_of_stay(data_dir),
        "appeal_rate": {
            "value": APPEAL_RATE,
            "source": (
                "README.md of ../shared/data ('about 8 % of immigration-court cases reach an "
                "appeal'); no data file holds it"
            ),
            "note": "Share of immigration-court cases with an appeal to the BIA; approximate.",
        },
        "security_levels": derive_security_levels(data_dir),
        "daily_book_ins": derive_daily_book_ins(data_dir),
        **bonds,
        "fear_decision_days": derive_fear_decision(data_dir, year),
    }


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        # A JSON string is a valid YAML double-quoted scalar.
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"cannot emit {type(value).__name__}")


def _emit(value: Any, indent: int, lines: list[str]) -> None:
    pad = "  " * indent
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(item, Mapping | list):
                lines.append(f"{pad}{key}:")
                _emit(item, indent + 1, lines)
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, Mapping | list):
                raise TypeError("nested collections in lists are not supported")
            lines.append(f"{pad}- {_scalar(item)}")
    else:
        raise TypeError(f"cannot emit {type(value).__name__} at top level")


def to_yaml(doc: Mapping[str, Any]) -> str:
    lines = [
        "# Calibration for duecourse's synthetic-case simulator.",
        "# GENERATED by tools/derive_calibration.py from ../shared/data — do not edit by hand;",
        "# re-run the script instead. Attribution for the data: see README.md in this folder.",
    ]
    _emit(doc, 0, lines)
    return "\n".join(lines) + "\n"


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="folder with the shared public data (default: ../shared/data from the repo root)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="YAML file to write (default: src/duecourse/data/calibration.yaml)",
    )
    parser.add_argument(
        "--derived-on",
        default=None,
        help="date to record as derived_on, YYYY-MM-DD (default: today, UTC)",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    data_dir: Path = args.data_dir
    if not (data_dir / "README.md").is_file():
        parser.error(f"no shared data at {data_dir}")
    derived_on = args.derived_on or dt.datetime.now(dt.UTC).date().isoformat()
    dt.date.fromisoformat(derived_on)  # validate
    text = to_yaml(build(data_dir, derived_on))
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
