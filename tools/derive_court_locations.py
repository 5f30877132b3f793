#!/usr/bin/env python3
"""Locate the immigration courts: write ``src/duecourse/data/immigration_court_locations.csv``.

Reads the courts through ``duecourse.law.courts`` (the packaged EOIR table
``immigration_courts.tsv``, parsed in one place) and geocodes each court's zip code with the
offline ``zipcodes`` table. Columns: ``base_city_code, lat, lon, basis``. ``basis`` is
``zip centroid``; a zip code the table does not know (the EOIR table has a few typos) falls back
to the mean of the centroids of the court's city and state (``city centroid (zip NNNNN not
found)``); a court found neither way has empty coordinates (``not found``).
Deterministic: re-running it on the same table reproduces the file byte for byte.

Usage::

    python tools/derive_court_locations.py            # writes the packaged file
    python tools/derive_court_locations.py --check    # exit 1 if the packaged file is stale
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import zipcodes

from duecourse.law.courts import Court, load_courts

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "src" / "duecourse" / "data" / "immigration_court_locations.csv"
COLUMNS = ("base_city_code", "lat", "lon", "basis")

# The zipcodes package has no annotations: its two functions used here, typed.
_matching: Callable[[str], list[dict[str, Any]]] = zipcodes.matching
_filter_by: Callable[..., list[dict[str, Any]]] = zipcodes.filter_by


def _zip_centroid(zip_code: str) -> tuple[float, float] | None:
    z = zip_code.strip().split("-")[0]
    if not z.isdigit() or len(z) > 5:
        return None
    for hit in _matching(z.zfill(5)):
        return float(hit["lat"]), float(hit["long"])
    return None


def _city_centroid(city: str, state: str) -> tuple[float, float] | None:
    hits = [h for h in _filter_by(city=city.strip().title(), state=state.strip().upper())
            if h.get("lat") and h.get("long")]
    if not hits:
        return None
    return (statistics.fmean(float(h["lat"]) for h in hits),
            statistics.fmean(float(h["long"]) for h in hits))


def locate(court: Court) -> tuple[str, str, str]:
    """(lat, lon, basis) of a court, coordinates rounded to 4 places (the zip table's own)."""
    found = _zip_centroid(court.zip)
    basis = "zip centroid"
    if found is None:
        found = _city_centroid(court.city, court.state)
        basis = f"city centroid (zip {court.zip} not found)"
    if found is None:
        return "", "", "not found"
    return f"{found[0]:.4f}", f"{found[1]:.4f}", basis


def build() -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for code, court in load_courts().items():
        w.writerow((code, *locate(court)))
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true",
                    help="compare with the file instead of writing it; exit 1 if it differs")
    args = ap.parse_args(argv)
    text = build()
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out.name} is stale: re-run tools/derive_court_locations.py",
                  file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    located = sum(1 for line in text.splitlines()[1:] if not line.endswith("not found"))
    print(f"wrote {args.out.name}: {located} of {len(text.splitlines()) - 1} courts located")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
