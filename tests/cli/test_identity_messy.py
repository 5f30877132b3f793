"""`duecourse identity import` and `link` on messy records (issue 16), on SQLite and PostgreSQL:
a record is not refused for a value that is not valid (an impossible or a future birth date, a
malformed A-number, a name without a letter): every row is imported, each such value is kept as
given, counted per field and listed in ``--report``, and ``identity link`` completes. A broken
row (a cell too large for any field) still refuses the batch with a message, never a traceback.
Invented people only."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from cli_support import IDENTITY_HEADER, READ_AS, initialised, run, write_records
from sqlalchemy import func, select

from duecourse.app.read_models import check_store
from duecourse.store.db import make_engine
from duecourse.store.tables import identity_records, ledger

MESSY = [
    "m-1,Garcia,Maria,1944-59-09,F,MX,12 Elm St,Newark,07102,A012345678",  # month 59
    "m-2,Garcia,Maria,5947-04-02,F,MX,12 Elm St,Newark,07102,",  # the year 5947
    "m-3,Lopez,Jose,2999-01-01,M,MX,,Houston,,A12",  # a future date and a short A-number
    "m-4,1234,Jose,1970-05-05,=1+2,MX,,,,",  # a family name without a letter; a formula as sex
    "m-5,Okafor,Chidi,1983-09-17,M,NG,4 Bay Road,Baltimore,21201,",
]


def count(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        n = int(conn.execute(select(func.count()).select_from(identity_records)).scalar_one())
    engine.dispose()
    return n


def test_impossible_and_future_birth_dates_are_imported_flagged_reported_and_linked(
        db_url: str, tmp_path: Path) -> None:
    initialised(db_url, reader=True)
    report = tmp_path / "quality.csv"
    code, out, err = run("identity", "import", str(write_records(tmp_path / "messy.csv", MESSY)),
                         "--source", "court", "--db", db_url, "--report", str(report))
    assert code == 0, err
    assert "imported 5 records from 'court'" in out
    assert "6 values kept as given but not valid, left out of linkage: family_name 1, " \
           "birth_date 3, sex 1, a_number 1" in out
    with report.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["row", "record_id", "field", "given", "reason"]
    assert rows[1:] == [
        ["2", "m-1", "birth_date", "1944-59-09", "not a date in the calendar"],
        ["3", "m-2", "birth_date", "5947-04-02", "in the future"],
        ["4", "m-3", "birth_date", "2999-01-01", "in the future"],
        ["4", "m-3", "a_number", "A12", "not an A-number: the letter A and 8 or 9 digits"],
        ["5", "m-4", "family_name", "1234", "holds no letter"],
        ["5", "m-4", "sex", "'=1+2", "not one of M, F, X"],  # never a formula in a spreadsheet
    ]
    engine = make_engine(db_url)
    with engine.connect() as conn:
        stored = {r.record_id: r for r in conn.execute(select(identity_records))}
        body = json.loads(conn.execute(select(ledger.c.body)).scalars().all()[-1])
    engine.dispose()
    assert stored["m-1"].birth_date is None and stored["m-3"].a_number == ""
    assert json.loads(stored["m-2"].flagged) == [
        {"field": "birth_date", "given": "5947-04-02", "reason": "in the future"}]
    assert stored["m-5"].flagged is None
    assert body["flagged"] == {"family_name": 1, "birth_date": 3, "sex": 1, "a_number": 1}
    code, out, err = run("identity", "link", "--db", db_url, "--json")
    assert code == 0, err
    assert json.loads(out)["records"] == 5
    # m-1 and m-2 are one person by everything but their birth dates, which say nothing
    code, out, err = run("identity", "clusters", *READ_AS, "--out", str(tmp_path / "c.csv"), "--db", db_url)
    assert code == 0, err
    with (tmp_path / "c.csv").open(encoding="utf-8") as f:
        person = dict(csv.reader(f))
    assert person["m-1"] == person["m-2"]
    # the stored flags are part of the batch's digest, and it verifies
    engine = make_engine(db_url)
    assert check_store(engine) == []
    engine.dispose()


def test_a_cell_too_large_refuses_the_batch_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    url = initialised(f"sqlite:///{tmp_path / 'big.db'}")
    big = "x" * (128 * 1024 + 1)  # beyond the CSV reader's own limit
    large = "y" * (70 * 1024)  # within it, beyond a field's
    path = tmp_path / "big.csv"
    path.write_text("\n".join([IDENTITY_HEADER, MESSY[4], f"b-1,{big},Ana,,,,,,,",
                               f"b-2,Lopez,{large},,,,,,,", "b-3,Reed,Sam,,,,,,,"]) + "\n",
                    encoding="utf-8")
    code, out, err = run("identity", "import", str(path), "--source", "court", "--db", url)
    assert code == 2, out + err
    assert "Traceback" not in err
    assert "row 3, field '(row)': cannot be read: a cell larger than 65,536 characters" in err
    assert ("row 4 (record b-2), field 'given_name': the cell holds 71,680 characters; the "
            "limit is 65,536 (64 kB)") in err
    assert "b-3" not in err and "no record was taken" in err
    assert count(url) == 0
