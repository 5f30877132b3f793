"""Whether a database URL names a duecourse store ready to use, found out without creating or
changing anything: no file, no directory, no table, no key. Only ``duecourse init`` (and the demo)
create a store or bring its schema up to date; every other command asks here first."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from .migrate import alembic_config

MEMORY = ("sqlite://", "sqlite:///:memory:")


@dataclass(frozen=True)
class NotReady:
    """Why the store cannot be used as it is: ``kind`` is one of ``missing`` (no such SQLite file
    or PostgreSQL database), ``unreachable`` (the server or file cannot be opened),
    ``not_initialised`` (a database without duecourse's schema), ``behind`` (an older schema)
    or ``ahead`` (a schema newer than this duecourse); ``detail`` says it in words."""

    kind: str
    detail: str


def store_not_ready(url: str) -> NotReady | None:
    """None when ``url`` names an initialised store at the schema this duecourse needs; else
    what is wrong. An in-memory SQLite store is always ready (it is made fresh)."""
    if url in MEMORY:
        return None
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        return NotReady("unreachable", f"'{url}' is not a database URL: {e}")
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if not path.is_file():
            return NotReady("missing", f"there is no SQLite file {path}")
    elif parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return _schema_not_ready(parsed.render_as_string(hide_password=False))


def _schema_not_ready(url: str) -> NotReady | None:
    engine = create_engine(url, hide_parameters=True)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            current = MigrationContext.configure(conn).get_current_revision() \
                if "alembic_version" in tables else None
    except DBAPIError as e:
        reason = str(e.orig).strip().splitlines()[0] if e.orig is not None else str(e)
        kind = "missing" if "does not exist" in reason else "unreachable"
        return NotReady(kind, reason)
    finally:
        engine.dispose()
    if current is None:
        return NotReady("not_initialised", "it holds no duecourse schema" if not tables else
                        f"it holds {len(tables)} table(s) but not duecourse's schema")
    scripts = ScriptDirectory.from_config(alembic_config())
    head = scripts.get_current_head()
    if current == head:
        return None
    known = {s.revision for s in scripts.walk_revisions()}
    if current in known:
        return NotReady("behind", f"its schema is at revision {current}; this duecourse needs "
                                  f"{head}")
    return NotReady("ahead", f"its schema is at revision {current}, which this duecourse does "
                             f"not know (a newer version made it; this one knows up to {head})")
