"""A database error carries no personal data (issue 16, item 1): on a failed statement
SQLAlchemy's message and log name the statement, never its values (``hide_parameters``), on
SQLite and PostgreSQL. The person is invented."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from duecourse.domain.person import PersonData
from duecourse.store import repository as repo
from duecourse.store.db import create_schema, make_engine


def test_a_failed_insert_names_no_one(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    engine = make_engine(db_url)
    create_schema(engine)
    person = PersonData(family_name="Quillfeather", given_name="Ottoline", a_number="A209876543")
    at = datetime(2026, 3, 1, 8, tzinfo=UTC)
    with engine.begin() as conn:
        repo.insert_person(conn, "P-1", person, at)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")
    with pytest.raises(IntegrityError) as failed, engine.begin() as conn:
        repo.insert_person(conn, "P-1", person, at)  # the same id again
    said = str(failed.value) + caplog.text
    for value in ("Quillfeather", "Ottoline", "A209876543"):
        assert value not in said
    assert "hidden due to hide_parameters" in str(failed.value)
    engine.dispose()
