"""Issue 17, item 8: the command line refuses a database that does not exist (only ``init`` and
``demo`` create one), names its reader of personal data with ``--user``, ``--as`` (the role they
hold) and ``--purpose``, and ledgers every such read as the web does. The people are invented."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import initialised, run
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from duecourse.app.accounts import do_create_account, do_update_account
from duecourse.bootstrap import build_app
from duecourse.store.db import make_engine
from duecourse.store.migrate import upgrade
from duecourse.store.tables import accounts, ledger
from web.support import build_site

READER = ("--user", "officer1", "--as", "officer", "--purpose", "case_work")
# Every command that opens a store, with what it needs to get as far as opening it.
OPENING = {
    "case list": ["case", "list", *READER],
    "case show": ["case", "show", "C-X", *READER],
    "place": ["place", "--user", "detention1", "--as", "detention"],
    "manifest": ["manifest", "--date", "2099-01-01", "--user", "transport1", "--as", "transport"],
    "calendar list": ["calendar", "list"],
    "facilities list": ["facilities", "list"],
    "identity sources": ["identity", "sources", *READER],
    "identity review": ["identity", "review", *READER],
    "audit verify": ["audit", "verify"],
    "audit export-key": ["audit", "export-key"],
    "audit checkpoint": ["audit", "checkpoint"],
    "account create": ["account", "create", "admin1", "--role", "admin"],
    "serve": ["serve", "--port", "1"],
    "reminders run": ["reminders", "run"],
}


@pytest.fixture(autouse=True)
def _no_flush_at_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line integrates its queued ledger entries at exit; here ``_reads`` does,
    before the test's database is dropped."""
    monkeypatch.setattr("atexit.register", lambda *_: None)


@pytest.mark.sqlite
@pytest.mark.parametrize("command", OPENING)
def test_a_missing_sqlite_file_is_refused_and_nothing_is_created(tmp_path: Path,
                                                                   command: str) -> None:
    url = f"sqlite:///{tmp_path / 'typo' / 'duecourse.sqlite'}"
    code, out, err = run(*OPENING[command], "--db", url)
    assert code == 2, out + err
    said = " ".join(err.split())
    assert f"there is no SQLite file {tmp_path / 'typo' / 'duecourse.sqlite'}" in said
    assert f"duecourse init --db {url}" in said and "Nothing was created" in said
    assert list(tmp_path.iterdir()) == []  # no file, no directory, no key


@pytest.mark.sqlite
def test_the_default_database_is_refused_too_and_var_is_not_made(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DUECOURSE_DB", raising=False)
    code, _, err = run("case", "list", *READER)
    assert code == 2
    assert "var/duecourse.sqlite (the default)" in " ".join(err.split())
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setenv("DUECOURSE_DB", f"sqlite:///{tmp_path / 'set.sqlite'}")
    code, _, err = run("audit", "verify")
    assert code == 2 and "(DUECOURSE_DB)" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.sqlite
def test_init_creates_the_store_and_then_it_opens(tmp_path: Path) -> None:
    url = initialised(f"sqlite:///{tmp_path / 'new' / 'duecourse.sqlite'}")
    assert (tmp_path / "new" / "duecourse.sqlite").is_file()
    code, out, err = run("facilities", "list", "--db", url)
    assert code == 0, out + err


@pytest.mark.postgres
def test_an_uninitialised_postgres_database_is_refused_and_left_empty(pg_url: str) -> None:
    for command in ("case list", "audit verify", "serve"):
        code, out, err = run(*OPENING[command], "--db", pg_url)
        assert code == 2, out + err
        said = " ".join(err.split())
        assert "holds no duecourse schema" in said and "duecourse init --db" in said
        assert "Traceback" not in out + err
    engine = create_engine(pg_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_postgres_database_that_does_not_exist_is_refused_plainly(pg_url: str) -> None:
    url = make_url(pg_url).set(database="duecourse_no_such_database").render_as_string(False)
    code, out, err = run("case", "list", *READER, "--db", url)
    assert code == 2, out + err
    said = " ".join(err.split())
    assert '"duecourse_no_such_database" does not exist' in said
    assert "createdb duecourse_no_such_database" in said and "duecourse init --db" in said


def test_an_older_schema_is_not_migrated_by_a_reading_command(db_url: str) -> None:
    """The command line never migrates a store silently: a reader says to run init, which does."""
    engine = make_engine(db_url)
    upgrade(engine, "0013")
    engine.dispose()
    code, _, err = run("facilities", "list", "--db", db_url)
    assert code == 2
    said = " ".join(err.split())
    assert "its schema is at revision 0013" in said and "duecourse init --db" in said
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0013"
    engine.dispose()
    initialised(db_url)
    assert run("facilities", "list", "--db", db_url)[0] == 0


def test_case_show_needs_user_and_role(db_url: str) -> None:
    site = build_site(db_url)
    case = site.cases["ana"]
    admin = do_create_account(site.app.ctx, None, "admin9", "admin", "a long enough password!")
    do_update_account(site.app.ctx, admin.actor, "officer1", active=False)
    do_create_account(site.app.ctx, None, "officer2", "officer", "a long enough password!")
    site.app.ctx.engine.dispose()
    base = ["case", "show", case, "--db", db_url]
    for missing, args in (("--user", ["--as", "officer"]), ("--as", ["--user", "officer1"])):
        code, out, err = run(*base, *args, "--purpose", "case_work")
        assert code == 2 and f"Missing option '{missing}'" in out + err
    code, out, err = run(*base, "--user", "officer2", "--as", "supervisor", "--purpose",
                         "case_work")
    assert code == 2
    assert "'officer2' holds the role 'officer', not 'supervisor'" in _said(out + err)
    code, out, err = run(*base, "--user", "officer2", "--as", "officer")
    assert code == 2 and "'--purpose'" in out + err and "case_work" in _said(out + err)
    code, out, err = run(*base, "--user", "nobody", "--as", "officer", "--purpose", "case_work")
    assert code == 2 and "'--user'" in out + err
    assert "no account or actor 'nobody'" in _said(out + err)
    code, out, err = run(*base, "--user", "officer1", "--as", "officer", "--purpose", "case_work")
    assert code == 2 and "the account of 'officer1' is disabled" in _said(out + err)
    assert _reads(db_url) == []  # nothing was read


def _said(output: str) -> str:
    """The words of ``output``, without the lines of the box an error is printed in."""
    return " ".join(output.replace("│", " ").split())


def _reads(url: str) -> list[tuple[str, str, str, str]]:
    """(kind, actor id, role, purpose) of every read and refused read in the ledger (on
    PostgreSQL, with the entries queued for the sequencer integrated first)."""
    app = build_app(url, migrate=False)
    app.flush_ledger()
    try:
        with app.ctx.engine.connect() as conn:
            rows = conn.execute(select(ledger).where(ledger.c.kind.in_(("read", "read_refused")))
                                .order_by(ledger.c.seq)).all()
    finally:
        app.ctx.engine.dispose()
    return [(r.kind, r.actor_id, r.actor_role, r.purpose) for r in rows]


def test_every_personal_data_read_is_ledgered_with_user_role_and_purpose(db_url: str) -> None:
    site = build_site(db_url)
    with site.app.ctx.engine.connect() as conn:
        ids = {r.username.removesuffix("1"): r.actor_id
               for r in conn.execute(select(accounts.c.username, accounts.c.actor_id))}
    site.app.ctx.engine.dispose()
    reads = [
        # the role's one purpose (the demo's aside) when none is given
        (["case", "list", "--user", "attorney1", "--as", "attorney"],
         ("read", ids["attorney"], "attorney", "representation")),
        (["case", "show", site.cases["ana"], "--user", "officer1", "--as", "officer",
          "--purpose", "case_work"], ("read", ids["officer"], "officer", "case_work")),
        (["place", "--user", "detention1", "--as", "detention", "--json"],
         ("read", ids["detention"], "detention", "detention_management")),
        (["manifest", "--date", "2099-01-01", "--user", "transport1", "--as", "transport",
          "--json"], ("read", ids["transport"], "transport", "transport_planning")),
        (["identity", "review", "--user", "supervisor1", "--as", "supervisor", "--purpose",
          "supervision"], ("read", ids["supervisor"], "supervisor", "supervision")),
    ]
    for args, entry in reads:
        before = len(_reads(db_url))
        code, out, err = run(*args, "--db", db_url)
        assert code == 0, (args, out + err)
        assert _reads(db_url)[before:] == [entry], args
    # A purpose the role does not hold is refused by the read's funnel, and that is ledgered too.
    code, out, err = run("case", "list", "--user", "transport1", "--as", "transport",
                         "--purpose", "legal_review", "--db", db_url)
    assert code != 0
    assert _reads(db_url)[-1] == ("read_refused", ids["transport"], "transport", "legal_review")


def test_an_attorney_lists_only_their_clients_cases(db_url: str) -> None:
    site = build_site(db_url)
    ben = site.cases["ben"]
    site.app.ctx.engine.dispose()
    code, out, err = run("case", "list", "--user", "attorney1", "--as", "attorney",
                         "--purpose", "representation", "--db", db_url)
    assert code == 0, out + err
    assert ben in out and site.cases["ana"] not in out and "1 case(s)" in out
