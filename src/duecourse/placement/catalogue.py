"""The facility catalogue: an agency's facility list read into placement ``Facility`` values.

The input is a facility list in the column format of ICE's FY2026 detention statistics
(``duecourse/data/facilities_fy26.csv``, packaged): another year's list in the same columns loads
unchanged, and nothing here knows a facility by name. Every value of a ``Facility`` is derived by
a rule stated below, from the row itself and two packaged public lists joined to it:

* ``facility_list_2017_capacity.csv`` — the last ICE facility list that published a **rated
  capacity**, whether a facility holds people **over 72 hours**, and whether it has a **medical
  provider on site** (joined by ``detloc``);
* ``facilities_over72h_authorized.csv`` — the facilities authorised to hold people longer than
  72 hours (joined by normalised name and state).

Validation is all or nothing: every invalid row is reported with its row number (the header is
row 1) and field, in one ``CatalogueError``, and no catalogue is returned. See
``docs/placement.md`` (Facility catalogue) for the rules and the figures of the FY26 list.

Pure Python and the standard library, plus the ``zipcodes`` package (an offline table of U.S.
zip code centroids) for facilities without coordinates.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

import zipcodes

from ..domain.errors import InvalidInput
from .problem import UNITS, Facility, FacilityKind, Location, Medical

__all__ = [
    "KIND_BY_TYPE",
    "NATIONAL_PEAK",
    "REQUIRED_COLUMNS",
    "CatalogueError",
    "RowProblem",
    "catalogue_rows",
    "court_location",
    "derived_code",
    "facility_of",
    "kind_of",
    "largest_remainder",
    "load_catalogue",
    "normalise_name",
    "packaged_catalogue",
    "parse_catalogue",
    "read_catalogue",
    "zip_location",
]

# The national detained population peaked at 71,387 people on 2026-01-14
# (national_daily_population_2022_2026.csv). A facility's FY26 average population is scaled up
# by (peak / the national average population) to estimate the beds it had at the peak. The
# national average is the list's own total — or, for a list holding fewer people than the
# packaged FY26 list (an agency's regional list is not the nation), the FY26 list's total, so that
# a short list's facilities are not inflated to hold the whole nation's peak.
NATIONAL_PEAK = 71_387
NATIONAL_PEAK_DATE = "2026-01-14"

BASIS_RATED = "rated capacity (ICE facility list 2017-11-06)"
BASIS_MINIMUM = "guaranteed minimum"
BASIS_SCALED = (f"FY26 average daily population scaled to the national peak "
                f"({NATIONAL_PEAK:,} on {NATIONAL_PEAK_DATE})")
BASIS_RAISED = "raised to its own FY26 average daily population"

# ICE's detailed facility type (``type_detailed``) → the kind of facility the planner sees.
# Exact codes first (the 2017 facility-type table, facility_types_2017.csv, defines them); then
# any type containing HOLD is a hold room and any naming a hospital is a hospital (see
# ``kind_of``). Every other type (IGSA, DIGSA, CDF, SPC, USMS IGA, USMS CDF, BOP, STATE, DOD,
# MIRP, OTHER …) houses adults. ORR facilities are HHS shelters for unaccompanied children:
# they are never adult beds, so they count as juvenile.
KIND_BY_TYPE: Mapping[str, FacilityKind] = MappingProxyType({
    "FAMILY": "family",
    "STAGING": "staging",
    "HOLD": "hold_room",
    "HOSPITAL": "hospital",
    "JUVENILE": "juvenile",
    "ORR": "juvenile",
})

# Facility types whose medical care is staffed on site by the ICE Health Service Corps or a
# contract medical provider (Service Processing Centers and Contract Detention Facilities).
# A proxy used when the 2017 list does not say; USMS CDFs are not assumed to have it.
ONSITE_MEDICAL_TYPES = frozenset({"SPC", "CDF"})

# ``male_female`` → the sexes a facility houses. An empty value means the list does not restrict
# it: the facility is taken to house both (and its population decides the split).
SEXES_BY_VALUE: Mapping[str, frozenset[str]] = MappingProxyType({
    "male": frozenset({"M"}),
    "female": frozenset({"F"}),
    "female/male": frozenset({"M", "F"}),
    "male/female": frozenset({"M", "F"}),
    "": frozenset({"M", "F"}),
})

# The columns the catalogue reads; any others (the FY26 list has about fifty) are ignored.
POPULATION_COLUMNS = ("level_a", "level_b", "level_c", "level_d", "male_crim", "male_non_crim",
                      "female_crim", "female_non_crim", "adp_total")
NUMBER_COLUMNS = (*POPULATION_COLUMNS, "guaranteed_minimum")
REQUIRED_COLUMNS = ("name", "city", "state", "zip", "aor", "type_detailed", "male_female",
                    *NUMBER_COLUMNS, "last_inspection_standard", "detloc", "latitude",
                    "longitude")

# The longest value each text column may hold (the store's column sizes; detloc leaves room for
# the suffix a section of a shared site gets).
TEXT_LIMITS: Mapping[str, int] = MappingProxyType({
    "name": 200, "detloc": 30, "state": 20, "aor": 20, "last_inspection_standard": 100})

# Share of low (A/B) beds for a facility with no classification population to go by.
DEFAULT_LOW_SHARE = 0.8

# zipcodes.matching, typed: the records of a five-digit zip code (the package has no annotations).
_zip_matching: Callable[[str], list[dict[str, Any]]] = zipcodes.matching

_DATA = "data"
_FY26 = "facilities_fy26.csv"
_LIST_2017 = "facility_list_2017_capacity.csv"
_OVER_72H = "facilities_over72h_authorized.csv"
_COURT_LOCATIONS = "immigration_court_locations.csv"


@dataclass(frozen=True)
class RowProblem:
    """One invalid value: the row (header = row 1), the field, and what is wrong with it."""

    row: int
    field: str
    message: str

    def __str__(self) -> str:
        if self.row == 0:  # the file as a whole
            return f"the file {self.message}"
        return f"row {self.row}, field '{self.field}': {self.message}"


class CatalogueError(InvalidInput):
    """A facility list that cannot be loaded. Lists every invalid row by number and field;
    nothing of the list was loaded or stored."""

    def __init__(self, source: str, problems: Sequence[RowProblem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        self.record = source
        self.field = ", ".join(dict.fromkeys(p.field for p in self.problems))
        lines = "\n".join(f"  {p}" for p in self.problems)
        self.message = (f"{len(self.problems)} problem(s); nothing was loaded:\n{lines}")
        Exception.__init__(self, f"facility list {source}: {self.message}")


# --- packaged data ------------------------------------------------------------------------------


def _packaged_text(name: str) -> str:
    return (resources.files("duecourse") / _DATA / name).read_text(encoding="utf-8")


@functools.cache
def _list_2017() -> Mapping[str, Mapping[str, str]]:
    """The 2017 facility list by ``detloc`` (rows whose code ICE redacted were left out)."""
    rows = csv.DictReader(io.StringIO(_packaged_text(_LIST_2017)))
    return MappingProxyType({r["detloc"].strip(): r for r in rows if r["detloc"].strip()})


@functools.cache
def _over_72h() -> tuple[frozenset[tuple[str, str]], Mapping[str, int]]:
    """The over-72-hour list as (normalised name, state) keys, and how often each name occurs."""
    rows = list(csv.DictReader(io.StringIO(_packaged_text(_OVER_72H))))
    keys = frozenset((normalise_name(r["facility_name"]), r["state"].strip().upper())
                     for r in rows)
    names = Counter(normalise_name(r["facility_name"]) for r in rows)
    return keys, MappingProxyType(dict(names))


@functools.cache
def _court_locations() -> Mapping[str, Location]:
    out: dict[str, Location] = {}
    for r in csv.DictReader(io.StringIO(_packaged_text(_COURT_LOCATIONS))):
        if r["lat"] and r["lon"]:
            out[r["base_city_code"].strip().upper()] = Location(float(r["lat"]), float(r["lon"]))
    return MappingProxyType(out)


def court_location(code: str) -> Location | None:
    """Where an immigration court is (EOIR base-city code, e.g. ``"NEW"``): the centroid of its
    zip code (``immigration_court_locations.csv``, made by tools/derive_court_locations.py)."""
    return _court_locations().get(code.strip().upper())


# --- small rules --------------------------------------------------------------------------------

# Abbreviations that ICE's lists spell both ways; normalised so that the same facility matches.
_ABBREVIATIONS = {"CO": "COUNTY", "CTR": "CENTER", "DET": "DETENTION", "CORR": "CORRECTIONAL",
                  "COR": "CORRECTIONAL", "FAC": "FACILITY", "ST": "SAINT", "DEPT": "DEPARTMENT"}


def normalise_name(name: str) -> str:
    """A facility name for joining lists: upper case, '&' as AND, parenthesised asides and
    punctuation dropped, common abbreviations spelled out."""
    s = re.sub(r"\([^)]*\)?", " ", name.upper().replace("&", " AND "))
    return " ".join(_ABBREVIATIONS.get(w, w) for w in re.findall(r"[A-Z0-9]+", s))


def kind_of(type_detailed: str) -> FacilityKind:
    """The planner's kind for ICE's detailed facility type (see KIND_BY_TYPE)."""
    t = type_detailed.strip().upper()
    if t in KIND_BY_TYPE:
        return KIND_BY_TYPE[t]
    if "HOLD" in t:
        return "hold_room"
    if "HOSPITAL" in t:
        return "hospital"
    return "adult"


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest().upper()


def derived_code(name: str, state: str) -> str:
    """A stable code for a facility the list gives no ``detloc``: ``X-`` (never an ICE code), the
    state, and a digest of the normalised name and state."""
    st = state.strip().upper() or "NA"
    return f"X-{st}-{_digest(normalise_name(name), st)[:6]}"


def zip_location(zip_code: str) -> Location | None:
    """The centroid of a U.S. zip code, or None if it is not a known one. Leading zeros lost to a
    spreadsheet ('3570' for 03570) are restored; ZIP+4 is cut to its five digits."""
    z = zip_code.strip().split("-")[0]
    if not z.isdigit() or len(z) > 5:
        return None
    try:
        found = _zip_matching(z.zfill(5))
    except (ValueError, TypeError):
        return None
    for hit in found:
        try:
            return Location(float(hit["lat"]), float(hit["long"]))
        except (KeyError, TypeError, ValueError):
            continue
    return None


def largest_remainder(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """Split ``total`` in proportion to ``weights`` into whole numbers that sum to ``total``
    (Hamilton's method: floors first, then one each to the largest remainders, ties in key
    order). Keys with weight 0 get 0."""
    whole = sum(w for w in weights.values() if w > 0)
    if total <= 0 or whole <= 0:
        return {k: 0 for k in weights}
    quotas = {k: total * max(w, 0.0) / whole for k, w in weights.items()}
    out = {k: math.floor(q) for k, q in quotas.items()}
    order = list(weights)
    left = total - sum(out.values())
    for k in sorted(order, key=lambda k: (-(quotas[k] - out[k]), order.index(k)))[:left]:
        out[k] += 1
    return out


# --- reading and validating ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    number: int
    text: Mapping[str, str]
    numbers: Mapping[str, float]
    sexes: frozenset[str]
    location: Location | None


def _number(value: str) -> float:
    """A non-empty cell as a float (thousands separators allowed); ValueError if it is not one."""
    x = float(value.replace(",", ""))
    if not math.isfinite(x):
        raise ValueError(value)
    return x


def _read_rows(text: str) -> tuple[list[_Row], list[RowProblem]]:
    reader = csv.reader(io.StringIO(text))
    try:
        return _rows_of(reader)
    except csv.Error as e:  # a cell over the csv module's limit (128 kB), a stray quote …
        return [], [RowProblem(reader.line_num, "(row)", f"cannot be read as CSV: {e}")]


def _rows_of(reader: Any) -> tuple[list[_Row], list[RowProblem]]:
    problems: list[RowProblem] = []
    header_cells = next(reader, None)
    if not header_cells or not any(c.strip() for c in header_cells):
        return [], [RowProblem(1, "header", "the file is empty: a facility list starts with a "
                                            "header row naming its columns")]
    header = [c.strip().lower() for c in header_cells]
    present = set(header)
    missing = [c for c in REQUIRED_COLUMNS if c not in present]
    if missing:
        problems.append(RowProblem(1, "header", "missing column(s) " + ", ".join(missing)
                                   + " (a facility list in the FY26 format has "
                                   + ", ".join(REQUIRED_COLUMNS) + ")"))
    twice = sorted(c for c, n in Counter(header).items() if n > 1 and c in REQUIRED_COLUMNS)
    if twice:
        problems.append(RowProblem(1, "header", "column(s) given twice: " + ", ".join(twice)))
    index = {c: header.index(c) for c in REQUIRED_COLUMNS if c in present}
    rows: list[_Row] = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue  # a blank line (a spreadsheet's trailing row) is no facility
        text_of = {c: (cells[i].strip() if i < len(cells) else "") for c, i in index.items()}
        row_problems = _check_row(number, text_of)
        problems.extend(row_problems)
        if row_problems:
            continue
        nums = {c: (_number(text_of[c]) if text_of.get(c) else None) for c in NUMBER_COLUMNS}
        numbers = {c: v for c, v in nums.items() if v is not None}
        loc: Location | None = None
        if text_of.get("latitude") and text_of.get("longitude"):
            loc = Location(float(text_of["latitude"]), float(text_of["longitude"]))
        elif "zip" in text_of:
            loc = zip_location(text_of["zip"])
        rows.append(_Row(number, text_of, numbers,
                         SEXES_BY_VALUE[text_of.get("male_female", "").lower()], loc))
    return rows, problems


def _check_row(number: int, text: Mapping[str, str]) -> list[RowProblem]:
    out: list[RowProblem] = []
    for col, value in text.items():
        bad = next((c for c in value if unicodedata.category(c) in ("Cc", "Cs")
                    and c not in "\t"), None)
        if bad is not None:  # a NUL no PostgreSQL column can hold, a terminal escape …
            out.append(RowProblem(number, col, f"holds the control character U+{ord(bad):04X}; "
                                               "a facility list is plain text"))
    for col in ("name", "type_detailed"):
        if col in text and not text[col]:
            out.append(RowProblem(number, col, "is empty: every facility needs one"))
    for col, limit in TEXT_LIMITS.items():
        if len(text.get(col, "")) > limit:
            out.append(RowProblem(number, col, f"is longer than {limit} characters"))
    for col in NUMBER_COLUMNS:
        value = text.get(col, "")
        if not value:
            continue
        try:
            x = _number(value)
        except ValueError:
            out.append(RowProblem(number, col, f"{value!r} is not a number"))
            continue
        if x < 0:
            out.append(RowProblem(number, col, f"{value} is negative"))
    for col, bound in (("latitude", 90.0), ("longitude", 180.0)):
        value = text.get(col, "")
        if not value:
            continue
        try:
            x = float(value)
            if not math.isfinite(x):
                raise ValueError(value)
        except ValueError:
            out.append(RowProblem(number, col, f"{value!r} is not a number"))
            continue
        if not -bound <= x <= bound:
            out.append(RowProblem(number, col, f"{value} is out of range (-{bound:g} to {bound:g})"))
    if "latitude" in text and "longitude" in text and bool(text["latitude"]) != bool(
            text["longitude"]):
        given, absent = (("latitude", "longitude") if text["latitude"]
                         else ("longitude", "latitude"))
        out.append(RowProblem(number, absent, f"is empty but {given} is given: give both or "
                                              "neither (the zip code then locates it)"))
    sex = text.get("male_female", "")
    if sex.lower() not in SEXES_BY_VALUE:
        out.append(RowProblem(number, "male_female", f"{sex!r} is not one of Male, Female, "
                                                     "Female/Male (or empty for both)"))
    return out


def _codes(rows: Sequence[_Row]) -> tuple[dict[int, str], list[RowProblem]]:
    """Each row's facility code, and the rows that repeat a facility.

    ``detloc`` is the code. A row without one gets ``derived_code``. ICE's sheet sometimes lists
    separately run sections of one site under one ``detloc`` (differently named): each such
    section gets the ``detloc`` and a digest of its name. The same ``detloc`` on two rows of the
    same name (and state) is a duplicate, and so is a row without ``detloc`` that repeats
    another's name and state.
    """
    problems: list[RowProblem] = []
    by_detloc: dict[str, list[_Row]] = defaultdict(list)
    for r in rows:
        if r.text.get("detloc"):
            by_detloc[r.text["detloc"]].append(r)
    codes: dict[int, str] = {}
    seen: dict[tuple[str, str, str], int] = {}
    for r in rows:
        name, state = normalise_name(r.text.get("name", "")), r.text.get("state", "").upper()
        detloc = r.text.get("detloc", "")
        key = (detloc, name, state)
        if key in seen:
            what = (f"detloc {detloc} is given twice for {r.text.get('name')!r} (first on row "
                    f"{seen[key]})") if detloc else (
                    f"repeats the facility of row {seen[key]} (same name and state, no detloc)")
            problems.append(RowProblem(r.number, "detloc", what))
            continue
        seen[key] = r.number
        if not detloc:
            codes[r.number] = derived_code(r.text.get("name", ""), state)
        elif len(by_detloc[detloc]) == 1:
            codes[r.number] = detloc
        else:
            codes[r.number] = f"{detloc}-{_digest(name, state)[:4]}"
    first: dict[str, int] = {}
    for number, code in codes.items():
        if code in first:
            problems.append(RowProblem(number, "detloc", f"gives the code {code} of row "
                                                         f"{first[code]}"))
        first.setdefault(code, number)
    return codes, problems


# --- the derived values -------------------------------------------------------------------------


def _capacity(r: _Row, shared_detloc: bool, national_adp: float) -> tuple[int, str]:
    adp = r.numbers.get("adp_total", 0.0)
    rated = ""
    if not shared_detloc:  # a 2017 rated capacity is the whole site's, not one section's
        rated = _list_2017().get(r.text.get("detloc", ""), {}).get("capacity", "").strip()
    minimum = math.ceil(r.numbers.get("guaranteed_minimum", 0.0))
    if rated.isdigit():
        # A contract that guarantees more beds than the 2017 rating means the site has them now.
        capacity, basis = ((int(rated), BASIS_RATED) if int(rated) >= minimum
                           else (minimum, BASIS_MINIMUM))
    else:
        scaled = math.ceil(adp * NATIONAL_PEAK / national_adp) if national_adp > 0 else 0
        capacity, basis = ((minimum, BASIS_MINIMUM) if minimum >= scaled and minimum > 0
                           else (scaled, BASIS_SCALED))
    own = math.ceil(adp)
    if own > capacity:
        capacity, basis = own, f"{basis}, {BASIS_RAISED}"
    return capacity, basis


def _units(r: _Row, kind: FacilityKind, capacity: int,
           national_sex: Mapping[str, float]) -> dict[str, int]:
    if kind == "family":
        return {u: (capacity if u == "family" else 0) for u in UNITS}
    n = r.numbers
    population = {"M": n.get("male_crim", 0.0) + n.get("male_non_crim", 0.0),
                  "F": n.get("female_crim", 0.0) + n.get("female_non_crim", 0.0)}
    sex = {s: (population[s] if s in r.sexes else 0.0) for s in ("M", "F")}
    if sum(sex.values()) <= 0:  # no population of the sexes it takes: the list's own mix
        sex = {s: (national_sex[s] if s in r.sexes else 0.0) for s in ("M", "F")}
        if sum(sex.values()) <= 0:
            sex = {s: (1.0 if s in r.sexes else 0.0) for s in ("M", "F")}
    low = n.get("level_a", 0.0) + n.get("level_b", 0.0)
    high = n.get("level_c", 0.0) + n.get("level_d", 0.0)
    band = ({"low": low, "high": high} if low + high > 0
            else {"low": DEFAULT_LOW_SHARE, "high": 1 - DEFAULT_LOW_SHARE})
    weights = {f"{s}-{b}": sex[s] * band[b] for s in ("M", "F") for b in ("low", "high")}
    split = largest_remainder(capacity, weights)
    return {u: split.get(u, 0) for u in UNITS}


def _over_72h_authorised(r: _Row) -> bool:
    """On the over-72-hour list (normalised name and state; a row without a state matches a name
    the list gives once), or "Over 72" on the 2017 list. Anything else is not authorised."""
    keys, names = _over_72h()
    name, state = normalise_name(r.text.get("name", "")), r.text.get("state", "").upper()
    on_list = (name, state) in keys if state else names.get(name, 0) == 1
    old = _list_2017().get(r.text.get("detloc", ""), {}).get("over_under_72", "")
    return on_list or old.strip().lower() == "over 72"


def _medical(r: _Row, kind: FacilityKind) -> Medical:
    if kind == "hospital":
        return "hospital"
    old = _list_2017().get(r.text.get("detloc", ""), {}).get("medical_provider_onsite", "")
    if old.strip().upper() == "YES" or r.text.get("type_detailed", "").upper() in (
            ONSITE_MEDICAL_TYPES):
        return "onsite"
    return "none"


@functools.cache
def _fy26_national_adp() -> float:
    """The total average daily population of the packaged FY26 list (66,161.7)."""
    rows = csv.DictReader(io.StringIO(_packaged_text(_FY26)))
    return sum(float(r["adp_total"]) for r in rows if r["adp_total"].strip())


def _facilities(rows: Sequence[_Row], codes: Mapping[int, str]) -> tuple[Facility, ...]:
    national_adp = max(sum(r.numbers.get("adp_total", 0.0) for r in rows), _fy26_national_adp())
    national_sex = {
        "M": sum(r.numbers.get("male_crim", 0.0) + r.numbers.get("male_non_crim", 0.0)
                 for r in rows),
        "F": sum(r.numbers.get("female_crim", 0.0) + r.numbers.get("female_non_crim", 0.0)
                 for r in rows)}
    per_detloc = Counter(r.text.get("detloc", "") for r in rows)
    out = []
    for r in rows:
        kind = kind_of(r.text.get("type_detailed", ""))
        detloc = r.text.get("detloc", "")
        capacity, basis = _capacity(r, bool(detloc) and per_detloc[detloc] > 1, national_adp)
        out.append(Facility(
            code=codes[r.number], name=r.text.get("name", ""), kind=kind, capacity=capacity,
            units=MappingProxyType(_units(r, kind, capacity, national_sex)),
            over_72h=_over_72h_authorised(r), medical=_medical(r, kind), location=r.location,
            aor=r.text.get("aor", ""), standard=r.text.get("last_inspection_standard", ""),
            capacity_basis=basis))
    return tuple(out)


def parse_catalogue(text: str, source: str = "facility list") -> tuple[Facility, ...]:
    """``load_catalogue`` of a list given as text; ``source`` names it in error messages."""
    rows, problems = _read_rows(text)
    codes, duplicates = _codes(rows)
    problems.extend(duplicates)
    if problems:
        raise CatalogueError(source, sorted(problems, key=lambda p: p.row))
    if not rows:
        raise CatalogueError(source, [RowProblem(2, "name", "the list holds no facility")])
    return _facilities(rows, codes)


def load_catalogue(path: str | Path | None = None) -> tuple[Facility, ...]:
    """The facilities of a facility list in the FY26 column format (None: the packaged FY26 list),
    in file order. Raises ``CatalogueError`` listing every invalid row; never a partial list."""
    if path is None:
        return packaged_catalogue()
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise CatalogueError(p.name, [RowProblem(0, "file", f"cannot be read: {e.strerror or e}")]
                             ) from e
    return read_catalogue(raw, p.name)


def read_catalogue(raw: bytes, source: str) -> tuple[Facility, ...]:
    """``load_catalogue`` of a list given as the bytes of its file (UTF-8, with or without a
    byte-order mark); ``source`` names it in error messages."""
    try:
        text = raw.decode("utf-8-sig")  # a spreadsheet's byte-order mark is no part of a name
    except UnicodeDecodeError as e:
        raise CatalogueError(source, [RowProblem(0, "file", f"is not UTF-8 text (byte {e.start})")]
                             ) from e
    return parse_catalogue(text, source)


@functools.cache
def packaged_catalogue() -> tuple[Facility, ...]:
    """The packaged FY26 catalogue (read once)."""
    return parse_catalogue(_packaged_text(_FY26), _FY26)


def catalogue_rows(facilities: Iterable[Facility]) -> list[dict[str, Any]]:
    """Plain values of each facility (for storage and JSON)."""
    return [{"code": f.code, "name": f.name, "kind": f.kind, "capacity": f.capacity,
             "capacity_basis": f.capacity_basis, "units": {u: f.beds(u) for u in UNITS},
             "over_72h": f.over_72h, "medical": f.medical,
             "lat": f.location.lat if f.location else None,
             "lon": f.location.lon if f.location else None, "aor": f.aor,
             "standard": f.standard} for f in facilities]


def facility_of(values: Mapping[str, Any]) -> Facility:
    """A facility from ``catalogue_rows`` values (the inverse)."""
    lat, lon = values.get("lat"), values.get("lon")
    units = cast(Mapping[str, Any], values["units"])
    return Facility(
        code=str(values["code"]), name=str(values["name"]),
        kind=cast(FacilityKind, values["kind"]), capacity=int(values["capacity"]),
        units=MappingProxyType({u: int(units.get(u, 0)) for u in UNITS}),
        over_72h=bool(values["over_72h"]), medical=cast(Medical, values["medical"]),
        location=Location(float(lat), float(lon)) if lat is not None and lon is not None else None,
        aor=str(values.get("aor", "")), standard=str(values.get("standard", "")),
        capacity_basis=str(values.get("capacity_basis", "")))
