"""No importer ends in a traceback (issue 16): random bytes, sizes and encodings, a 128 kB
cell and a NUL byte given to ``duecourse facilities import`` get an import or a refusal naming
the row and the field, on SQLite and on PostgreSQL (``identity import`` has its own in
tests/cli/test_identity_import_fuzz.py)."""

from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from duecourse.cli import app

FY26 = (resources.files("duecourse") / "data" / "facilities_fy26.csv").read_bytes()
HEADER, _, REST = FY26.partition(b"\n")
FIRST = REST.split(b"\n", 1)[0]


def _import(db_url: str, raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "list.csv"
        path.write_bytes(raw)
        res = CliRunner().invoke(app, ["facilities", "import", str(path), "--db", db_url])
    assert res.exit_code in (0, 2), res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    if res.exit_code == 2:
        assert "refused" in res.output or "error" in res.output


def _cell_replaced(cell: bytes) -> bytes:
    cells = FIRST.split(b",")
    cells[0] = cell
    return HEADER + b"\n" + b",".join(cells) + b"\n"


def test_a_huge_cell_and_a_nul(db_url: str) -> None:
    for raw in (_cell_replaced(b"F" * 131_072), _cell_replaced(b"Facility\x00Name"),
                _cell_replaced(b'"' + b"x" * 200_000 + b'"'), HEADER + b"\n" + b"\x00" * 50):
        _import(db_url, raw)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.binary(max_size=3000)
       | st.binary(max_size=200).map(lambda b: HEADER + b"\n" + b)
       | st.binary(max_size=60).map(_cell_replaced)
       | st.sampled_from(["utf-16", "utf-32", "cp1252", "shift_jis"]).map(
           lambda enc: FY26[:4000].decode("utf-8", "ignore").encode(enc, "replace")))
def test_random_files_are_imported_or_refused(db_url: str, raw: bytes) -> None:
    _import(db_url, raw)
