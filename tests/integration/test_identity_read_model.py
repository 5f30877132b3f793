"""Identity records against the record (issue 14): each import's ledger entry records a digest
of the batch's records as stored, and ``check_read_models`` names every batch whose stored
records hash otherwise — a record changed, deleted or inserted directly in the database. On
SQLite and PostgreSQL. Invented people only."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, text

from duecourse.app.identity import ImportResult, do_import_records, records_sha256
from duecourse.app.read_models import Finding, check_store
from duecourse.audit.canonical import canonical_json
from duecourse.bootstrap import App, build_app
from duecourse.store.tables import ledger

AT = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
CHANGED = "the stored records differ from the ones imported (added, removed or changed)"
COURT = [
    {"record_id": "c-2", "family_name": "Garcia", "given_name": "Maria", "birth_date": "1990-04-02",
     "sex": "F", "nationality": "MX", "address": "12 Elm St", "city": "Newark",
     "postcode": "07102", "a_number": "012345678"},
    {"record_id": "c-1", "family_name": "Lopez", "given_name": "José", "birth_date": "",
     "sex": "M", "nationality": "MX"},
    {"record_id": "C-10", "family_name": "Okafor", "given_name": "Chidi",
     "birth_date": "1983-09-17", "sex": "M", "nationality": "NG", "city": "Baltimore"},
]


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    a = build_app(db_url, clock=lambda: AT)
    yield a
    a.ctx.engine.dispose()


def _import(app: App, rows: list[dict[str, Any]], source: str) -> ImportResult:
    return do_import_records(app.ctx, rows, source, file_name=f"{source}.json")


def _sql(app: App, statement: str, **params: Any) -> None:
    with app.ctx.engine.begin() as conn:
        assert conn.execute(text(statement), params).rowcount == 1


def _changed(batch: ImportResult, app: App) -> list[Finding]:
    with app.ctx.engine.connect() as conn:
        body = json.loads(conn.execute(select(ledger.c.body)
                                       .where(ledger.c.seq == batch.ledger_seq)).scalar_one())
    found = check_store(app.ctx.engine)
    assert [(f.table, f.key, f.problem, f.column, f.derived, f.note) for f in found] == [
        ("identity_records", batch.batch, "differs", "records_sha256", body["records_sha256"],
         CHANGED)]
    assert batch.batch in str(found[0]) and CHANGED in str(found[0])
    return found


def test_the_digest_is_the_canonical_json_of_the_rows() -> None:
    rows: list[dict[str, str | None]] = [
        {"record_id": "a", "source": "s", "birth_date": None, "family_name": "Zoë"},
        {"record_id": "b", "source": "s", "birth_date": "1990-01-01", "family_name": ""}]
    assert records_sha256(rows) == records_sha256(iter(rows))
    assert records_sha256(rows) == hashlib.sha256(canonical_json(rows)).hexdigest()
    assert records_sha256([]) == hashlib.sha256(b"[]").hexdigest()


def test_a_clean_import_gives_no_finding(app: App) -> None:
    _import(app, COURT, "court")
    _import(app, [{"record_id": "p-1", "family_name": "okafor", "given_name": "CHIDI"}],
            "prior_case")
    assert check_store(app.ctx.engine) == []


def test_a_family_name_changed_is_named(app: App) -> None:
    batch = _import(app, COURT, "court")
    other = _import(app, [{"record_id": "p-1", "family_name": "Reed"}], "prior_case")
    _sql(app, "UPDATE identity_records SET family_name = 'Other' WHERE record_id = 'c-1'")
    assert other.batch not in str(_changed(batch, app))


def test_a_deleted_record_is_named(app: App) -> None:
    batch = _import(app, COURT, "court")
    _sql(app, "DELETE FROM identity_records WHERE record_id = 'C-10'")
    _changed(batch, app)


def test_an_inserted_record_is_named(app: App) -> None:
    batch = _import(app, COURT, "court")
    _sql(app, "INSERT INTO identity_records (source, record_id, family_name, given_name, sex, "
              "nationality, address, city, postcode, a_number, document_number, imported_at, "
              "batch) VALUES ('court', 'c-9', 'Reed', 'Samuel', 'M', 'US', '', '', '', '', '', "
              ":at, :batch)", at="2026-03-04 05:06:07.123456", batch=batch.batch)
    _changed(batch, app)


def test_records_of_no_batch_and_a_batch_without_a_digest_are_reported(app: App) -> None:
    batch = _import(app, COURT, "court")
    _sql(app, "UPDATE identity_records SET batch = 'B-forged' WHERE record_id = 'c-1'")
    with app.ctx.engine.begin() as conn:  # an entry written before the digest was recorded
        body = json.loads(conn.execute(select(ledger.c.body)
                                       .where(ledger.c.seq == batch.ledger_seq)).scalar_one())
        del body["records_sha256"]
        conn.execute(ledger.update().where(ledger.c.seq == batch.ledger_seq)
                     .values(body=json.dumps(body)))
    found = check_store(app.ctx.engine)
    assert [(f.key, f.problem) for f in found] == [(batch.batch, "unrecorded"),
                                                   ("B-forged", "extra")]


def test_a_flagged_value_cleared_is_named(app: App) -> None:
    """A value kept as given but not valid (issue 16) is part of the batch's digest: clearing
    it in the database, so that no reviewer sees what the source said, is found."""
    batch = _import(app, [*COURT, {"record_id": "c-3", "family_name": "Reed",
                                   "birth_date": "1944-59-09"}], "court")
    assert batch.flagged_counts() == {"birth_date": 1}
    assert check_store(app.ctx.engine) == []
    _sql(app, "UPDATE identity_records SET flagged = NULL WHERE record_id = 'c-3'")
    _changed(batch, app)
