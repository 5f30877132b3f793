"""No importer ends in a traceback (issue 16): random bytes, sizes and encodings, a 128 kB
cell and a NUL byte given to ``duecourse facilities import`` and ``duecourse identity import`` (as
CSV and as JSON) get an import or a refusal naming the row and the field, on SQLite and on
PostgreSQL."""

from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path

from cli_support import IDENTITY_HEADER as IDENTITY_COLUMNS
from cli_support import initialised
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from duecourse.cli import app

FY26 = (resources.files("duecourse") / "data" / "facilities_fy26.csv").read_bytes()
HEADER, _, REST = FY26.partition(b"\n")
FIRST = REST.split(b"\n", 1)[0]


IDENTITY_HEADER = IDENTITY_COLUMNS.encode()
IDENTITY_ROW = b"r-1,Example,Ana,1990-04-02,F,MX,1 Main St,Houston,77002,A208765432"


def _import(db_url: str, raw: bytes, what: str = "facilities", suffix: str = ".csv") -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"list{suffix}"
        path.write_bytes(raw)
        extra = ["--source", "fuzz"] if what == "identity" else []
        res = CliRunner().invoke(app, [what, "import", str(path), "--db", db_url, *extra])
    assert res.exit_code in (0, 2), res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    if res.exit_code == 2:
        assert "refused" in res.output or "error" in res.output


def _cell_replaced(cell: bytes) -> bytes:
    cells = FIRST.split(b",")
    cells[0] = cell
    return HEADER + b"\n" + b",".join(cells) + b"\n"


def test_a_huge_cell_and_a_nul(db_url: str) -> None:
    initialised(db_url)
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
    initialised(db_url)
    _import(db_url, raw)


def _identity_cell(cell: bytes) -> bytes:
    return IDENTITY_HEADER + b"\n" + IDENTITY_ROW.replace(b"Ana", cell) + b"\n"


def test_identity_import_of_a_huge_cell_and_a_nul(db_url: str) -> None:
    initialised(db_url)
    for raw in (_identity_cell(b"A" * 131_072), _identity_cell(b"An\x00a"),
                _identity_cell(b'"' + b"x" * 200_000 + b'"'), IDENTITY_HEADER + b"\n\x00\x00"):
        _import(db_url, raw, "identity")
    _import(db_url, b'[{"record_id": "r-1", "given_name": "An\\u0000a"}]', "identity", ".json")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.binary(max_size=2000).map(lambda b: (b, ".csv"))
       | st.binary(max_size=120).map(lambda b: (_identity_cell(b), ".csv"))
       | st.binary(max_size=300).map(lambda b: (b"[" + b, ".json"))
       | st.sampled_from(["utf-16", "utf-32", "cp1252", "shift_jis"]).map(
           lambda enc: ((IDENTITY_HEADER + b"\n" + IDENTITY_ROW).decode().encode(enc), ".csv")))
def test_random_identity_files_are_imported_or_refused(db_url: str, file: tuple[bytes, str]
                                                       ) -> None:
    initialised(db_url)
    _import(db_url, file[0], "identity", file[1])


def _identity_refusal(db_url: str, raw: bytes, suffix: str) -> str:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"records{suffix}"
        path.write_bytes(raw)
        res = CliRunner().invoke(app, ["identity", "import", str(path), "--db", db_url,
                                       "--source", "probe"])
    assert res.exit_code == 2 and isinstance(res.exception, SystemExit), res.output
    return " ".join(res.output.split())


def test_identity_structure_that_would_lose_a_value_refuses_the_file(db_url: str) -> None:
    """A column named twice or a JSON key given twice would keep one value and drop the other
    silently; a JSON list nested thousands deep ended in a RecursionError."""
    initialised(db_url)
    header = IDENTITY_HEADER.replace(b",given_name,", b",family_name,")
    assert "named twice: family_name" in _identity_refusal(
        db_url, header + b"\n" + IDENTITY_ROW + b"\n", ".csv")
    assert "names the field 'record_id' twice" in _identity_refusal(
        db_url, b'[{"record_id": "d1", "record_id": "d2", "family_name": "B"}]', ".json")
    assert "nested too deeply" in _identity_refusal(
        db_url, b"[" + b"[" * 5000 + b"]" * 5000 + b"]", ".json")
