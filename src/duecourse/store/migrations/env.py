"""Alembic environment: runs on the connection duecourse hands it (see store/migrate.py)."""

from __future__ import annotations

from alembic import context

from duecourse.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the alembic command line without duecourse
    from sqlalchemy import create_engine

    url = context.config.get_main_option("sqlalchemy.url") or "sqlite:///var/duecourse.sqlite"
    with create_engine(url, hide_parameters=True).begin() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
