"""`duecourse facilities import` and `list` (issue 5), on SQLite and PostgreSQL: an agency's
list replaces the catalogue whole and is ledgered; a bad list changes nothing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from cli_support import initialised
from sqlalchemy import func, select
from typer.testing import CliRunner

from duecourse.app.catalogue import get_catalogue
from duecourse.cli import app
from duecourse.placement.catalogue import load_catalogue
from duecourse.store.db import make_engine
from duecourse.store.tables import facilities, ledger

FY26 = Path(__file__).resolve().parents[2] / "src" / "duecourse" / "data" / "facilities_fy26.csv"

# An agency's small list in the FY26 format: invented facilities, invented codes.
AGENCY = [
    {"name": "NORTHFIELD PROCESSING CENTER", "city": "NORTHFIELD", "state": "MN", "zip": "55057",
     "aor": "SPM", "type_detailed": "SPC", "male_female": "Female/Male", "level_a": "300",
     "level_b": "100", "level_c": "60", "level_d": "40", "male_crim": "200",
     "male_non_crim": "250", "female_crim": "20", "female_non_crim": "30", "adp_total": "500",
     "guaranteed_minimum": "600", "last_inspection_standard": "NDS 2019", "detloc": "ZZNORTH",
     "latitude": "44.458", "longitude": "-93.161"},
    {"name": "LAKESIDE FAMILY RESIDENCE", "city": "LAKESIDE", "state": "MN", "zip": "56401",
     "aor": "SPM", "type_detailed": "FAMILY", "male_female": "Female/Male", "level_a": "90",
     "level_b": "0", "level_c": "0", "level_d": "0", "male_crim": "0", "male_non_crim": "40",
     "female_crim": "0", "female_non_crim": "50", "adp_total": "90",
     "guaranteed_minimum": "", "last_inspection_standard": "FRS", "detloc": "ZZLAKE",
     "latitude": "", "longitude": ""},
    {"name": "EASTON COUNTY JAIL", "city": "EASTON", "state": "MN", "zip": "56025",
     "aor": "SPM", "type_detailed": "USMS IGA", "male_female": "Male", "level_a": "10",
     "level_b": "5", "level_c": "3", "level_d": "2", "male_crim": "12", "male_non_crim": "8",
     "female_crim": "0", "female_non_crim": "0", "adp_total": "20",
     "guaranteed_minimum": "", "last_inspection_standard": "", "detloc": "",
     "latitude": "43.76", "longitude": "-93.90"},
]


def write_list(path: Path, rows: list[dict[str, str]]) -> Path:
    with FY26.open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: r.get(k, "") for k in header})
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.output


def test_import_list_and_verify(db_url: str, tmp_path: Path) -> None:
    initialised(db_url)
    code, out = run("facilities", "list", "--db", db_url)
    assert code == 0, out
    assert "packaged FY26 list; none imported" in out and "203 facilities, 82,631 beds" in out

    agency = write_list(tmp_path / "agency.csv", AGENCY)
    code, out = run("facilities", "import", str(agency), "--db", db_url)
    assert code == 0, out
    assert "imported 3 facilities" in out and "replacing 0" in out

    code, out = run("facilities", "list", "--db", db_url)
    assert code == 0, out
    assert "Facility catalogue (imported)" in out
    for text in ("ZZNORTH", "ZZLAKE", "X-MN-", "family", "onsite", "3 facilities"):
        assert text in out, text

    engine = make_engine(db_url)
    try:
        stored = get_catalogue(engine)
        assert stored == load_catalogue(agency)
        lake = next(f for f in stored if f.code == "ZZLAKE")
        assert lake.kind == "family" and lake.beds("family") == lake.capacity
        assert lake.location is not None  # located by its zip code
        with engine.connect() as conn:
            entries = conn.execute(select(ledger).where(ledger.c.kind == "configuration_changed")
                                   ).all()
        assert len(entries) == 1
        assert entries[0].actor_id == "system:cli" and entries[0].actor_role == "admin"
        body = json.loads(entries[0].body)
        assert body["change"] == "facility_catalogue_imported"
        assert (body["source"], body["facilities"]) == ("agency.csv", 3)
    finally:
        engine.dispose()

    code, out = run("audit", "verify", "--db", db_url)
    assert code == 0, out
    assert "ledger verified" in out


def test_a_bad_list_is_refused_and_changes_nothing(db_url: str, tmp_path: Path) -> None:
    initialised(db_url)
    agency = write_list(tmp_path / "agency.csv", AGENCY)
    assert run("facilities", "import", str(agency), "--db", db_url)[0] == 0
    bad_rows = [dict(r) for r in AGENCY] + [dict(AGENCY[0], detloc="ZZOTHER", name="OTHER")]
    bad_rows[1]["adp_total"] = "ninety"
    bad_rows[3]["latitude"] = "95"
    bad = write_list(tmp_path / "bad.csv", bad_rows)
    code, out = run("facilities", "import", str(bad), "--db", db_url)
    assert code == 2
    assert "refused" in out and "nothing was loaded" in out
    assert "row 3, field 'adp_total': 'ninety' is not a number" in out
    assert "row 5, field 'latitude': 95 is out of range" in out

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(facilities)).scalar_one() == 3
            assert conn.execute(select(func.count()).select_from(ledger)).scalar_one() == 1
    finally:
        engine.dispose()

    # A second good list replaces the first whole.
    again = write_list(tmp_path / "again.csv", AGENCY[:1])
    code, out = run("facilities", "import", str(again), "--db", db_url)
    assert code == 0 and "imported 1 facilities" in out and "replacing 3" in out
    assert run("audit", "verify", "--db", db_url)[0] == 0


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    code, out = run("facilities", "import", str(tmp_path / "absent.csv"), "--db",
                    f"sqlite:///{tmp_path}/d.sqlite")
    assert code == 2 and "cannot read" in out
