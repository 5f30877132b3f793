"""Alembic migrations build exactly the schema of store/tables.py, on SQLite and PostgreSQL;
``duecourse init`` can be run again without harm."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text
from typer.testing import CliRunner

from duecourse.cli import app as cli
from duecourse.store.db import make_engine
from duecourse.store.migrate import alembic_config, upgrade
from duecourse.store.tables import ledger, ledger_head, metadata


def _head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def test_upgrade_from_empty_to_head_matches_the_tables(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == []
    upgrade(engine)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == {*metadata.tables, "alembic_version"}
        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "compare_server_default": True})
        diffs = compare_metadata(ctx, metadata)
        assert diffs == [], f"the migrations and store/tables.py differ: {diffs}"
        assert conn.execute(text("select version_num from alembic_version")).scalars().all() == [
            _head_revision()]
    upgrade(engine)  # at head already: nothing to do
    engine.dispose()


def test_init_twice_is_idempotent(db_url: str) -> None:
    runner = CliRunner()
    for _ in range(2):
        res = runner.invoke(cli, ["init", "--db", db_url])
        assert res.exit_code == 0, res.output
        assert "database ready" in res.output
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == {*metadata.tables, "alembic_version"}
        assert conn.execute(text("select count(*) from alembic_version")).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(ledger_head)).scalar_one() == 1
        assert conn.execute(select(ledger_head.c.size)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(ledger)).scalar_one() == 0
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    engine.dispose()
    res = runner.invoke(cli, ["audit", "verify", "--db", db_url])
    assert res.exit_code == 0, res.output


def test_the_comparison_sees_a_difference(tmp_path: object) -> None:
    """A control: a column the migrations lack, and a changed type, are both reported."""
    from sqlalchemy import Column, Integer, MetaData, String

    engine = make_engine(f"sqlite:///{tmp_path}/control.sqlite")
    upgrade(engine)
    changed = MetaData()
    for t in metadata.tables.values():
        t.to_metadata(changed)
    changed.tables["cases"].append_column(Column("extra", Integer, nullable=True))
    changed.tables["actors"].c.role.type = String(99)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                 changed)
    kinds = {d[0] if isinstance(d, tuple) else d[0][0] for d in diffs}
    assert {"add_column", "modify_type"} <= kinds, diffs
    engine.dispose()


def test_the_person_match_keys_are_filled_in_for_existing_people(db_url: str) -> None:
    """Migration 0011 gives the people already stored the keys their other cases are found by
    (REVOKE, PROT-CTRY and one custody at a time look them up)."""
    engine = make_engine(db_url)
    upgrade(engine, "0010")
    with engine.begin() as conn:
        conn.execute(text(
            "insert into persons (id, family_name, given_name, birth_date, nationalities, "
            "languages, sex, a_number, created_at) values ('P-1', ' VARGAS  Leal', 'Mateo', "
            "'2011-03-01', 'MX', 'es', 'M', 'A 020-876-543', '2026-01-01 00:00:00')"))
    upgrade(engine)
    with engine.connect() as conn:
        row = conn.execute(text("select a_number_key, name_key from persons")).one()
    assert tuple(row) == ("20876543", "vargas leal|mateo|2011-03-01")
    engine.dispose()


def test_the_cases_stored_are_held_by_their_opener(db_url: str) -> None:
    """Migration 0015 gives each case already stored the officer who opened it (no case could
    be handed over before it) and no office (the opening events of then recorded none)."""
    engine = make_engine(db_url)
    upgrade(engine, "0014")
    with engine.begin() as conn:
        conn.execute(text(
            "insert into cases (id, person_id, version, opened_at, updated_at, location, "
            "proceedings, custody, holds, status, close_reason, facility) values ('C-1', 'P-1', "
            "1, '2026-01-01 00:00:00', '2026-01-01 00:00:00', 'Newark, NJ', 'none', "
            "'at_large', '', 'open', '', '')"))
        conn.execute(text(
            "insert into events (case_id, seq, kind, at, actor_id, actor_role, data) values "
            "('C-1', 1, 'case_opened', '2026-01-01 00:00:00', 'u-officer7', 'officer', '{}')"))
    upgrade(engine)
    with engine.connect() as conn:
        row = conn.execute(text("select assigned_officer, office from cases")).one()
    assert tuple(row) == ("u-officer7", "")
    engine.dispose()
