"""Engines: SQLite (WAL, immediate transactions) by default, PostgreSQL by URL."""

from __future__ import annotations

import contextlib
import select
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.pool import StaticPool

from .tables import metadata


def make_engine(url: str) -> Engine:
    """An engine for ``url``; ``sqlite://`` (no path) is a private in-memory store. A database
    error never carries the statement's values (``hide_parameters``): a failed insert of a
    person must not put their name and A-number into a log or a traceback."""
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False},
                                  "hide_parameters": True}
        if memory:
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, **kwargs)
        _sqlite_pragmas(engine, memory)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, pool_size=10, max_overflow=20, hide_parameters=True)
    _ping_when_idle(engine)
    return engine


# A pooled connection is tested before use (SQLAlchemy's ``pool_pre_ping``) when it has lain idle
# this long, or when the server has sent it something while it was idle (a server that ends a
# session — shutdown, restart, terminated backend, idle timeout — says so and closes the socket,
# which makes it readable). A connection in use a moment ago with nothing to read is not pinged
# again: that saves a round trip per transaction on a busy worker. A connection that fails its
# ping is replaced at once; one that breaks while in use invalidates the pool, as before.
IDLE_BEFORE_PING = 1.0  # seconds


def _ping_when_idle(engine: Engine) -> None:
    dialect = engine.dialect

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def on_idle(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if (since is not None and time.monotonic() - since < IDLE_BEFORE_PING
                and not _readable(dbapi_conn)):
            return
        try:
            dialect.do_ping(dbapi_conn)
        except dialect.loaded_dbapi.Error as e:
            if dialect.is_disconnect(e, dbapi_conn, None):
                raise DisconnectionError(str(e)) from e  # the pool connects afresh
            raise


def _readable(dbapi_conn: Any) -> bool:
    """Whether an idle connection's socket has something to read (or is closed), without
    waiting; True if that cannot be told."""
    try:
        return bool(select.select([dbapi_conn.fileno()], [], [], 0)[0])
    except Exception:  # a closed connection, say: the ping tells
        return True


@contextlib.contextmanager
def pipelined(conn: Connection) -> Iterator[None]:
    """Statements executed on ``conn`` within are sent without waiting for each one's reply
    (PostgreSQL's pipeline mode, through psycopg): one round trip for all of them, at the end of
    the block. They run in the same transaction, in the same order, and the first that fails
    raises its error (as SQLAlchemy's exception, e.g. ``IntegrityError``) when the block ends;
    the later ones are not run. Only for statements whose results are not read: a SELECT, a
    RETURNING or a rowcount read within the block would find no result yet. Elsewhere (SQLite,
    other drivers) the statements run as usual."""
    raw: Any = conn.connection.dbapi_connection
    if conn.dialect.driver != "psycopg" or raw is None:
        yield
        return
    dbapi: Any = conn.dialect.loaded_dbapi
    try:
        with raw.pipeline():
            yield
    except dbapi.Error as e:  # raised by the sync at the end of the block: wrap it as execute does
        gone = conn.dialect.is_disconnect(e, raw, None)
        if gone:
            conn.invalidate(e)
        raise DBAPIError.instance(None, None, e, dbapi.Error,
                                  connection_invalidated=gone, dialect=conn.dialect) from e


def _sqlite_pragmas(engine: Engine, memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        # Take the write lock at the start: two writers queue instead of deadlocking on upgrade.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_schema(engine: Engine) -> None:
    """Create every table (used for in-memory stores; files and servers use Alembic)."""
    metadata.create_all(engine)
