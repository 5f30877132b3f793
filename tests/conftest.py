"""Shared fixtures: one suite, run on SQLite and on PostgreSQL (Splink's way).

PostgreSQL comes from DUECOURSE_TEST_PG_URL (default: the local server's ``test`` database). Each
test worker of each test run gets its own database, emptied before every test and dropped at the
end. Under CI=true a missing PostgreSQL
fails the run instead of skipping it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# pytester: tests that run a small pytest session; log_leaks: no personal data in any log line
# of the run (issue 16), checked at the end of every run.
pytest_plugins = ["pytester", "log_leaks"]

PG_URL = os.environ.get(
    "DUECOURSE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _pg_problem() -> str | None:
    try:
        eng = create_engine(PG_URL)
        with eng.connect() as c:
            c.execute(text("select 1"))
        eng.dispose()
        return None
    except Exception as e:  # any failure means: no PostgreSQL here
        return f"PostgreSQL not reachable at {PG_URL}: {type(e).__name__}: {e}"


def _worker_db(worker_id: str, run: str) -> tuple[str, str]:
    """A database of this worker's own in this test run (name, URL), created for the session.

    Named after the run too, so that two test runs on one machine never share a database."""
    name = f"duecourse_test_{run}_{worker_id}".replace("-", "_").lower()
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _drop_db(name: str) -> None:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:  # FORCE: engines a test left open still hold connections
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _reset_pg(url: str) -> None:
    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    eng.dispose()


def _xdist_value(request: pytest.FixtureRequest, fixture: str, default: str) -> str:
    """pytest-xdist's ``worker_id``/``testrun_uid``, or ``default`` when xdist is not active."""
    try:
        return str(request.getfixturevalue(fixture))
    except pytest.FixtureLookupError:
        return default


@pytest.fixture(scope="session")
def pg_base_url(request: pytest.FixtureRequest) -> Iterator[str]:
    problem = _pg_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"{problem} (CI=true: PostgreSQL tests may not be skipped)")
        pytest.skip(problem)
    import uuid

    worker = _xdist_value(request, "worker_id", "master")
    run = _xdist_value(request, "testrun_uid", uuid.uuid4().hex)
    name, url = _worker_db(worker, run[:12])
    yield url
    _drop_db(name)


@pytest.fixture
def pg_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
           tmp_path_factory: pytest.TempPathFactory) -> str:
    url: str = request.getfixturevalue("pg_base_url")
    _reset_pg(url)
    # A development key for this worker's PostgreSQL database (SQLite keeps its key beside the
    # file), so tests never write ./var; subprocesses inherit it through the environment.
    key = tmp_path_factory.getbasetemp() / "pg-ledger-key.pem"
    monkeypatch.setenv("DUECOURSE_LEDGER_KEY_FILE", str(key))
    return url


@pytest.fixture(params=[
    pytest.param("sqlite", marks=pytest.mark.sqlite),
    pytest.param("postgres", marks=pytest.mark.postgres),
])
def db_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """A fresh, empty database URL on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/duecourse.sqlite"
    else:
        yield request.getfixturevalue("pg_url")


def pytest_configure(config: pytest.Config) -> None:
    # Development keys are generated beside the database; tests never touch ./var.
    os.environ.setdefault("DUECOURSE_ENV", "development")


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2 with its cheapest parameters in tests (each production hash costs ~0.2 s of both
    cores, by design). Hashes record their parameters, so verification is unchanged."""
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    from duecourse.app import accounts

    production = accounts._hasher
    accounts._hasher = PasswordHasher.from_parameters(CHEAPEST)
    yield
    accounts._hasher = production
