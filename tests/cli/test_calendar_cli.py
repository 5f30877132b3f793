"""`duecourse calendar close` and `calendar list` (issue 13, LEGAL-DAY), on SQLite and
PostgreSQL: a supervisor or an administrator, named by account or actor id, records a closure
day (ledgered); anyone else, an unknown name, a disabled account and bad input are refused with
a clear message and a non-zero exit status, and no day is closed."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from typer.testing import CliRunner

from duecourse.app.accounts import do_create_account, do_update_account
from duecourse.bootstrap import build_app
from duecourse.cli import app
from duecourse.domain.commands import Actor
from duecourse.store.db import make_engine
from duecourse.store.tables import closure_days, ledger

ADMIN = Actor("u-root", "admin", "root")


def run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def setup_accounts(db_url: str) -> None:
    a = build_app(db_url)
    do_create_account(a.ctx, None, "root", "admin", None)
    do_create_account(a.ctx, ADMIN, "sup1", "supervisor", None, name="Sam Supervisor")
    do_create_account(a.ctx, ADMIN, "off1", "officer", None)
    do_create_account(a.ctx, ADMIN, "gone", "supervisor", None)
    do_update_account(a.ctx, ADMIN, "gone", active=False)
    a.register_actor(Actor("cal-admin", "admin", "Calendar administrator"))
    a.ctx.engine.dispose()


def counts(db_url: str) -> tuple[int, int]:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        days = conn.execute(select(func.count()).select_from(closure_days)).scalar_one()
        entries = conn.execute(select(func.count()).select_from(ledger)
                               .where(ledger.c.kind == "calendar_day_closed")).scalar_one()
    engine.dispose()
    return int(days), int(entries)


def listed(db_url: str) -> list[dict[str, str]]:
    code, out, err = run("calendar", "list", "--json", "--db", db_url)
    assert code == 0, err
    result: list[dict[str, str]] = json.loads(out)
    return result


def test_close_and_list(db_url: str) -> None:
    setup_accounts(db_url)
    assert listed(db_url) == []
    code, out, err = run("calendar", "close", "2026-07-06", "--reason", "Water main break",
                         "--source", "EOIR operational status 2026-07-06", "--scope", "new",
                         "--as", "sup1", "--db", db_url)
    assert code == 0, err
    assert "closed 2026-07-06 (Monday) for NEW: Water main break" in out
    assert "recorded by u-sup1, ledger entry" in out
    # scope ALL by default; an actor id is accepted as well as an account's user name
    code, out, err = run("calendar", "close", "2026-01-27", "--reason", "Snow", "--source",
                         "OPM announcement", "--as", "cal-admin", "--db", db_url)
    assert code == 0, err
    assert "for ALL" in out
    days = listed(db_url)
    assert [(d["day"], d["scope"], d["reason"], d["source"], d["recorded_by"]) for d in days] == [
        ("2026-01-27", "ALL", "Snow", "OPM announcement", "cal-admin"),
        ("2026-07-06", "NEW", "Water main break", "EOIR operational status 2026-07-06", "u-sup1")]
    assert all(d["recorded_at"].endswith("Z") for d in days)
    assert counts(db_url) == (2, 2)
    code, out, err = run("calendar", "list", "--db", db_url)
    assert code == 0 and "2 closure days" in out and "2026-07-06" in out, err
    code, _, err = run("audit", "verify", "--db", db_url)
    assert code == 0, err


def test_refusals_name_the_problem_and_close_nothing(db_url: str) -> None:
    setup_accounts(db_url)
    base = ["calendar", "close", "2026-07-06", "--reason", "Storm", "--source", "EOIR notice"]
    code, _, err = run(*base, "--as", "sup1", "--db", db_url)
    assert code == 0, err
    cases = [
        (["--as", "off1"], "the role 'officer' does not change the legal calendar"),
        (["--as", "nobody"], "no account or actor 'nobody'"),
        (["--as", "gone"], "the account of 'gone' is disabled"),
        (["--as", "u-gone"], "the account of 'u-gone' is disabled"),  # by its actor id too
        (["--as", "cal-admin"], "2026-07-06 is already a closure day for ALL"),
        (["--as", "sup1", "--scope", "ZZZ"], "field 'scope': 'ZZZ' is not ALL, BIA or an "
                                              "immigration court's EOIR base-city code"),
    ]
    for extra, words in cases:
        code, out, err = run(*base, *extra, "--db", db_url)
        assert code != 0, (extra, out)
        assert words in err, (extra, err)
    for args, words in [
        (["2026-02-30", "--reason", "x", "--source", "y"], "field 'day': '2026-02-30' is not a date"),
        (["2026-07-07", "--reason", " ", "--source", "y"], "field 'reason': is required"),
        (["2026-07-07", "--reason", "x", "--source", ""], "field 'source': is required"),
    ]:
        code, out, err = run("calendar", "close", *args, "--as", "sup1", "--db", db_url)
        assert code != 0, (args, out)
        assert words in err, (args, err)
    assert counts(db_url) == (1, 1)
    # --as is required
    code, _, _ = run("calendar", "close", "2026-07-08", "--reason", "x", "--source", "y",
                     "--db", db_url)
    assert code != 0
    assert counts(db_url) == (1, 1)
