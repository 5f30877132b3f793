"""The facility catalogue (issue 5): the packaged FY26 list as the planner sees it, the rules
that derive each value, court locations, and facility lists that are refused whole."""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from duecourse.app.catalogue import do_import_catalogue, get_catalogue
from duecourse.bootstrap import build_app
from duecourse.law.courts import load_courts
from duecourse.placement.catalogue import (
    BASIS_MINIMUM,
    BASIS_RATED,
    BASIS_SCALED,
    KIND_BY_TYPE,
    NATIONAL_PEAK,
    REQUIRED_COLUMNS,
    CatalogueError,
    court_location,
    derived_code,
    kind_of,
    largest_remainder,
    load_catalogue,
    normalise_name,
    parse_catalogue,
    zip_location,
)
from duecourse.placement.problem import UNITS, Facility, Location
from duecourse.store.tables import facilities, ledger

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = REPO_ROOT / "src" / "duecourse" / "data"
FY26 = DATA / "facilities_fy26.csv"
SHARED_2017 = REPO_ROOT.parent / "shared" / "data" / "facility_list_2017.csv"
Catalogue = tuple[Facility, ...]
FY26_ADP = 66_161.7  # the packaged list's total average daily population (README: 66,162)


def fy26_header() -> list[str]:
    with FY26.open(encoding="utf-8", newline="") as f:
        return next(csv.reader(f))


def row(**values: str) -> dict[str, str]:
    """A synthetic facility row in the FY26 format (invented names, no real facility)."""
    base = {"name": "EXAMPLE COUNTY JAIL", "city": "SPRINGFIELD", "state": "IL", "zip": "62701",
            "aor": "CHI", "type_detailed": "IGSA", "male_female": "Female/Male",
            "level_a": "60", "level_b": "20", "level_c": "15", "level_d": "5", "male_crim": "40",
            "male_non_crim": "50", "female_crim": "4", "female_non_crim": "6",
            "adp_total": "100", "guaranteed_minimum": "", "last_inspection_standard": "NDS 2019",
            "detloc": "", "latitude": "39.8", "longitude": "-89.65"}
    base.update(values)
    return base


def csv_text(rows: list[dict[str, str]], header: list[str] | None = None) -> str:
    header = header or fy26_header()
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: r.get(k, "") for k in header})
    return out.getvalue()


@pytest.fixture(scope="module")
def fy26() -> Catalogue:
    return load_catalogue()


# --- the packaged FY26 catalogue ----------------------------------------------------------------


def test_fy26_list_loads_whole(fy26: Catalogue) -> None:
    assert len(fy26) == 203
    assert len({f.code for f in fy26}) == 203
    assert load_catalogue(FY26) == fy26  # the packaged file is itself a valid input
    for f in fy26:
        assert set(f.units) == set(UNITS)
        assert sum(f.units.values()) == f.capacity, f.code
        assert f.capacity > 0 and f.capacity_basis
        assert f.location is not None, f.code


def test_fy26_total_capacity_holds_the_bench_population(fy26: Catalogue) -> None:
    total = sum(f.capacity for f in fy26)
    assert total == 82_631
    assert total > 72_000 * 1.1  # the bench places 70,000 + 2,000, with room to choose
    bases = Counter(f.capacity_basis.split(", raised")[0] for f in fy26)
    assert bases == {BASIS_SCALED: 121, BASIS_RATED: 61, BASIS_MINIMUM: 21}
    assert Counter(f.kind for f in fy26) == {"adult": 198, "staging": 4, "family": 1}


def test_no_facility_is_smaller_than_its_own_average_population(fy26: Catalogue) -> None:
    with FY26.open(encoding="utf-8", newline="") as f:
        adp = [float(r["adp_total"]) for r in csv.DictReader(f)]
    for fac, a in zip(fy26, adp, strict=True):
        assert fac.capacity >= math.ceil(a), fac.code


def test_family_facilities_have_only_family_beds(fy26: Catalogue) -> None:
    family = [f for f in fy26 if f.kind == "family"]
    assert family
    for f in family:
        assert f.beds("family") == f.capacity
        assert all(f.beds(u) == 0 for u in UNITS if u != "family")
    assert all(f.beds("family") == 0 for f in fy26 if f.kind != "family")


def test_single_sex_facilities_have_no_beds_for_the_other_sex(fy26: Catalogue) -> None:
    with FY26.open(encoding="utf-8", newline="") as f:
        sexes = [r["male_female"] for r in csv.DictReader(f)]
    for fac, sex in zip(fy26, sexes, strict=True):
        if sex == "Male":
            assert fac.beds("F-low") == fac.beds("F-high") == 0, fac.code
        if sex == "Female":
            assert fac.beds("M-low") == fac.beds("M-high") == 0, fac.code


def test_facilities_without_coordinates_are_placed_at_their_zip(fy26: Catalogue) -> None:
    with FY26.open(encoding="utf-8", newline="") as f:
        raw = list(csv.DictReader(f))
    missing = [(fac, r) for fac, r in zip(fy26, raw, strict=True) if not r["latitude"]]
    assert len(missing) == 10
    for fac, r in missing:
        assert fac.location is not None and fac.location == zip_location(r["zip"])
    given = [(fac, r) for fac, r in zip(fy26, raw, strict=True) if r["latitude"]]
    assert all(fac.location == Location(float(r["latitude"]), float(r["longitude"]))
               for fac, r in given)


def test_zip_codes_that_lost_their_leading_zero_are_found() -> None:
    assert zip_location("3570") == zip_location("03570") is not None
    assert zip_location("07102-1234") == zip_location("07102")
    assert zip_location("99999") is None and zip_location("ABCDE") is None
    assert zip_location("") is None


def test_a_site_listed_in_sections_gets_one_code_per_section(fy26: Catalogue) -> None:
    with FY26.open(encoding="utf-8", newline="") as f:
        detlocs = [r["detloc"] for r in csv.DictReader(f)]
    shared = {d for d, n in Counter(detlocs).items() if d and n > 1}
    assert shared  # the FY26 sheet lists one site's sections under one detloc
    for fac, d in zip(fy26, detlocs, strict=True):
        if d in shared:
            assert fac.code.startswith(f"{d}-")
            assert not fac.capacity_basis.startswith(BASIS_RATED)  # a site's figure, not theirs
        elif d:
            assert fac.code == d
        else:
            assert fac.code.startswith("X-")


# --- the rules, on synthetic rows ---------------------------------------------------------------


@pytest.mark.parametrize(("type_detailed", "kind"), [
    ("FAMILY", "family"), ("STAGING", "staging"), ("HOLD", "hold_room"),
    ("CBP HOLD ROOM", "hold_room"), ("HOSPITAL", "hospital"), ("Local Hospital", "hospital"),
    ("JUVENILE", "juvenile"), ("ORR", "juvenile"), ("IGSA", "adult"), ("DIGSA", "adult"),
    ("CDF", "adult"), ("SPC", "adult"), ("USMS IGA", "adult"), ("USMS CDF", "adult"),
    ("BOP", "adult"), ("STATE", "adult"), ("DOD", "adult"), ("MIRP", "adult"),
    ("Other", "adult"), ("family", "family"),
])
def test_every_facility_type_has_a_kind(type_detailed: str, kind: str) -> None:
    assert kind_of(type_detailed) == kind
    [f] = parse_catalogue(csv_text([row(type_detailed=type_detailed)]))
    assert f.kind == kind
    if kind == "family":
        assert f.units["family"] == f.capacity
    else:
        assert f.units["family"] == 0 and sum(f.units.values()) == f.capacity
    assert (f.medical == "hospital") == (kind == "hospital")
    assert set(KIND_BY_TYPE.values()) <= {"family", "staging", "hold_room", "hospital",
                                          "juvenile"}


def test_capacity_of_a_short_list_is_scaled_like_the_national_list() -> None:
    """An agency's few facilities are not inflated to hold the national peak."""
    [f] = parse_catalogue(csv_text([row(adp_total="100")]))
    assert f.capacity == math.ceil(100 * NATIONAL_PEAK / FY26_ADP) == 108
    assert f.capacity_basis == BASIS_SCALED


def test_capacity_bases() -> None:
    minimum, raised, empty = parse_catalogue(csv_text([
        row(name="A", adp_total="100", guaranteed_minimum="400"),
        row(name="B", adp_total="100", guaranteed_minimum="50"),
        row(name="C", adp_total="0", level_a="0", level_b="0", level_c="0", level_d="0",
            male_crim="0", male_non_crim="0", female_crim="0", female_non_crim="0"),
    ]))
    assert (minimum.capacity, minimum.capacity_basis) == (400, BASIS_MINIMUM)
    assert (raised.capacity, raised.capacity_basis) == (108, BASIS_SCALED)
    assert empty.capacity == 0 and sum(empty.units.values()) == 0


def test_rated_capacity_of_2017_by_detloc_then_raised_to_the_population() -> None:
    # detloc codes of the packaged 2017 list (rated 1,940 and 400 there).
    rated, raised, minimum = parse_catalogue(csv_text([
        row(name="A", detloc="ADLNTCA", adp_total="1000", guaranteed_minimum="1500"),
        row(name="B", detloc="JENATLA", adp_total="450.2"),
        row(name="C", detloc="AGC", adp_total="10", guaranteed_minimum="9000"),
    ]))
    assert (rated.capacity, rated.capacity_basis) == (1940, BASIS_RATED)
    # a contract guaranteeing more beds than the 2017 rating: the site has them now
    assert (minimum.capacity, minimum.capacity_basis) == (9000, BASIS_MINIMUM)
    assert raised.capacity == 451
    assert raised.capacity_basis == f"{BASIS_RATED}, raised to its own FY26 average daily population"
    assert rated.code == "ADLNTCA" and rated.over_72h and rated.medical == "onsite"


def test_units_follow_the_facilitys_own_mix_and_sum_exactly() -> None:
    [f] = parse_catalogue(csv_text([row(guaranteed_minimum="1001", level_a="70", level_b="10",
                                        level_c="15", level_d="5", male_crim="45",
                                        male_non_crim="45", female_crim="5",
                                        female_non_crim="5")]))
    assert f.capacity == 1001
    assert sum(f.units.values()) == 1001
    assert f.units["M-low"] == pytest.approx(1001 * 0.9 * 0.8, abs=1)
    assert f.units["F-high"] == pytest.approx(1001 * 0.1 * 0.2, abs=1)
    [men] = parse_catalogue(csv_text([row(male_female="Male", female_crim="3")]))
    assert men.units["F-low"] == men.units["F-high"] == 0  # a women's population it does not take
    [empty] = parse_catalogue(csv_text([row(
        male_female="Male", guaranteed_minimum="100", adp_total="0", level_a="0", level_b="0",
        level_c="0", level_d="0", male_crim="0", male_non_crim="0", female_crim="0",
        female_non_crim="0")]))
    assert dict(empty.units) == {"M-low": 80, "M-high": 20, "F-low": 0, "F-high": 0, "family": 0}


def test_largest_remainder_rounding() -> None:
    assert largest_remainder(10, {"a": 1, "b": 1, "c": 1}) == {"a": 4, "b": 3, "c": 3}
    # quotas 3.5, 1.75, 1.75: floors 3, 1, 1; the two seats left go to the larger remainders
    assert largest_remainder(7, {"a": 0.5, "b": 0.25, "c": 0.25, "d": 0}) == {
        "a": 3, "b": 2, "c": 2, "d": 0}
    assert largest_remainder(0, {"a": 1}) == {"a": 0}
    assert largest_remainder(5, {"a": 0, "b": 0}) == {"a": 0, "b": 0}
    for total in range(0, 60):
        assert sum(largest_remainder(total, {"x": 0.613, "y": 0.15, "z": 0.13, "w": 0.107}
                                     ).values()) == total


def test_over_72_hours_only_if_a_list_says_so() -> None:
    # A name on the packaged over-72-hour list, spelled with other punctuation and case.
    on_list, family, elsewhere, no_state = parse_catalogue(csv_text([
        row(name="Stewart Detention Center.", state="GA"),
        row(name="EXAMPLE FAMILY RESIDENCE", type_detailed="FAMILY"),
        row(name="Stewart Detention Center", state="AL"),
        row(name="stewart  detention-center", state=""),
    ]))
    assert on_list.over_72h and no_state.over_72h
    assert not family.over_72h  # a family facility on neither list is not authorised
    assert not elsewhere.over_72h  # the same name in another state is another facility
    assert normalise_name("Tallahatchie Co. Corr. Facility") == normalise_name(
        "TALLAHATCHIE COUNTY CORRECTIONAL FACILITY")


def test_medical_capability() -> None:
    spc, cdf, usms_cdf, county, hospital = parse_catalogue(csv_text([
        row(name="A", type_detailed="SPC"), row(name="B", type_detailed="CDF"),
        row(name="C", type_detailed="USMS CDF"), row(name="D", type_detailed="IGSA"),
        row(name="E", type_detailed="HOSPITAL")]))
    assert (spc.medical, cdf.medical, usms_cdf.medical, county.medical, hospital.medical) == (
        "onsite", "onsite", "none", "none", "hospital")


def test_male_female_values() -> None:
    fs = parse_catalogue(csv_text([row(name=str(i), male_female=v) for i, v in enumerate(
        ("Male", "Female", "Female/Male", "male/female", ""))]))
    assert [(f.beds("M-low") > 0, f.beds("F-low") > 0) for f in fs] == [
        (True, False), (False, True), (True, True), (True, True), (True, True)]


def test_derived_codes_are_stable() -> None:
    assert derived_code("Example County Jail", "il") == derived_code("EXAMPLE COUNTY JAIL.", "IL")
    assert derived_code("Example County Jail", "IL") != derived_code("Example County Jail", "IN")
    [f] = parse_catalogue(csv_text([row(detloc="")]))
    assert f.code == derived_code("EXAMPLE COUNTY JAIL", "IL")


# --- refused lists ------------------------------------------------------------------------------


def bad_list() -> str:
    """A typo'd header, a bad number on row 7 and a bad latitude on row 9."""
    header = [("guaranteed_minimun" if c == "guaranteed_minimum" else c) for c in fy26_header()]
    rows = [row(name=f"EXAMPLE {i}", detloc=f"EXMPL{i}") for i in range(2, 11)]
    rows[7 - 2]["adp_total"] = "12O.5"
    rows[9 - 2]["latitude"] = "123.4"
    return csv_text(rows, header)


def test_one_error_names_every_bad_row_and_field() -> None:
    with pytest.raises(CatalogueError) as e:
        parse_catalogue(bad_list(), "agency.csv")
    err = e.value
    assert [(p.row, p.field) for p in err.problems] == [
        (1, "header"), (7, "adp_total"), (9, "latitude")]
    text = str(err)
    assert "agency.csv" in text and "nothing was loaded" in text
    assert "missing column(s) guaranteed_minimum (" in text
    assert "row 7, field 'adp_total': '12O.5' is not a number" in text
    assert "row 9, field 'latitude': 123.4 is out of range (-90 to 90)" in text
    assert err.field == "header, adp_total, latitude"


def test_each_kind_of_bad_value_is_named() -> None:
    rows = [row(name="OK", detloc="EXA"),
            row(name="NEG", guaranteed_minimum="-5"),
            row(name="SEX", male_female="Mixed"),
            row(name="LON", longitude="-200"),
            row(name="HALF", latitude="40", longitude=""),
            row(name="", type_detailed=""),
            row(name="OK", detloc="EXA"),
            row(name="INF", level_a="inf")]
    with pytest.raises(CatalogueError) as e:
        parse_catalogue(csv_text(rows))
    got = [(p.row, p.field) for p in e.value.problems]
    assert got == [(3, "guaranteed_minimum"), (4, "male_female"), (5, "longitude"),
                   (6, "longitude"), (7, "name"), (7, "type_detailed"), (8, "detloc"),
                   (9, "level_a")]
    text = str(e.value)
    assert "-5 is negative" in text and "'Mixed' is not one of" in text
    assert "detloc EXA is given twice" in text and "first on row 2" in text


def test_an_empty_or_unreadable_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="empty"):
        parse_catalogue("")
    with pytest.raises(CatalogueError, match="holds no facility"):
        parse_catalogue(csv_text([]))
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(csv_text([row(name="CAÑON CITY JAIL")]).encode("latin-1"))
    with pytest.raises(CatalogueError, match="not UTF-8"):
        load_catalogue(bad)
    with pytest.raises(CatalogueError, match="cannot be read"):
        load_catalogue(tmp_path / "absent.csv")
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + csv_text([row()]).encode("utf-8"))
    assert len(load_catalogue(bom)) == 1


def test_a_2017_facility_list_is_not_in_the_fy26_format() -> None:
    with pytest.raises(CatalogueError) as e:
        load_catalogue(DATA / "facility_list_2017_capacity.csv")
    assert e.value.problems[0].row == 1
    assert "missing column(s) city, zip, aor, type_detailed" in str(e.value)


@pytest.mark.skipif(not SHARED_2017.exists(), reason="the shared data folder is not here")
def test_the_full_2017_list_is_refused_naming_the_missing_columns() -> None:
    with pytest.raises(CatalogueError) as e:
        load_catalogue(SHARED_2017)
    first = e.value.problems[0]
    assert (first.row, first.field) == (1, "header")
    assert "missing column(s) adp_total, latitude, longitude" in first.message


def test_a_refused_list_stores_nothing() -> None:
    a = build_app("sqlite://")
    good = csv_text([row(name="EXAMPLE ONE", detloc="EXONE"), row(name="EXAMPLE TWO")])
    done = do_import_catalogue(a.ctx, good.encode(), "good.csv")
    assert (done.facilities, done.replaced) == (2, 0)
    with pytest.raises(CatalogueError):
        do_import_catalogue(a.ctx, bad_list().encode(), "bad.csv")
    with a.ctx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(facilities)).scalar_one() == 2
        assert conn.execute(select(func.count()).select_from(ledger)).scalar_one() == 1
        assert [f.name for f in get_catalogue(conn)] == ["EXAMPLE ONE", "EXAMPLE TWO"]


def test_the_stored_catalogue_is_the_loaded_one() -> None:
    a = build_app("sqlite://")
    assert get_catalogue(a.ctx.engine) == load_catalogue()  # none imported: the packaged list
    done = do_import_catalogue(a.ctx, FY26.read_bytes(), FY26.name)
    assert (done.facilities, done.capacity) == (203, 82_631)
    assert get_catalogue(a.ctx.engine) == load_catalogue(FY26)
    with a.ctx.engine.connect() as conn:
        entry = conn.execute(select(ledger)).one()
    body = json.loads(entry.body)
    assert (entry.kind, entry.actor_id, entry.actor_role) == (
        "configuration_changed", "system:cli", "admin")
    assert body["change"] == "facility_catalogue_imported"
    assert body["facilities"] == 203 and body["capacity"] == 82_631


def test_only_an_administrator_imports() -> None:
    from duecourse.app.access import AccessDenied
    from duecourse.domain.commands import Actor

    a = build_app("sqlite://")
    with pytest.raises(AccessDenied):
        do_import_catalogue(a.ctx, FY26.read_bytes(), FY26.name, Actor("o1", "officer"))


# --- immigration courts -------------------------------------------------------------------------


def test_every_court_has_a_location() -> None:
    courts = load_courts()
    for code in courts:
        loc = court_location(code)
        assert loc is not None, code
        assert -90 <= loc.lat <= 90 and -180 <= loc.lon <= 180
    newark = court_location("new")
    assert newark is not None and newark == zip_location("07102")
    houston = court_location("HOU")
    assert houston is not None and 1_000 < newark.km_to(houston) < 2_300
    assert court_location("XXX") is None


def test_court_locations_are_reproducible() -> None:
    res = subprocess.run([sys.executable, str(REPO_ROOT / "tools" / "derive_court_locations.py"),
                          "--check"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_required_columns_are_fy26_columns() -> None:
    assert set(REQUIRED_COLUMNS) <= set(fy26_header())
