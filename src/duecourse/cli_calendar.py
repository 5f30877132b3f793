"""``duecourse calendar``: the legal calendar's closure days (LEGAL-DAY, issue 13); registered
in cli.py with one ``add_typer`` line.

``close`` writes through ``app/calendar.py`` (checked, authorised, ledgered in one transaction),
as the account or actor ``--as`` names: a supervisor or an administrator. ``list`` reads them.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from .cli_text import shown

calendar_app = typer.Typer(help="The legal calendar: days the BIA or an immigration court was "
                           "closed (they move deadlines that fall on them).",
                           no_args_is_help=True)

console = Console()
err = Console(stderr=True)
DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (default: DUECOURSE_DB "
                                           "or the configured SQLite file).")]


def _refuse(message: str, code: int) -> typer.Exit:
    err.print(f"[red]refused:[/] {shown(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _actor(a: Any, who: str) -> Any:
    """The actor of the account (user name) or the actor id ``who``; an unknown name or a
    disabled account (by either) is refused."""
    from .app.actors import get_named_actor
    from .domain.errors import InvalidInput

    try:
        return get_named_actor(a.ctx, who)
    except InvalidInput as e:
        raise _refuse(e.message, 1 if "disabled" in e.message else 2) from None


@calendar_app.command("close")
def calendar_close(
    day: Annotated[str, typer.Argument(help="The day closed (YYYY-MM-DD).")],
    reason: Annotated[str, typer.Option("--reason", help="Why it was closed (a storm, a "
                                        "federal closure …).")],
    source: Annotated[str, typer.Option("--source", help="The notice or order that closed it "
                                        "(e.g. the EOIR operational-status announcement).")],
    who: Annotated[str, typer.Option("--as", help="The account (user name) or actor id who "
                                     "records it: a supervisor or an administrator (ledgered).")],
    scope: Annotated[str, typer.Option("--scope", help="ALL, BIA or an immigration court's "
                                       "EOIR base-city code (NEW, HOU …).")] = "ALL",
    db: DbOpt = None,
) -> None:
    """Record a closure day of the legal calendar; ledgered. A day already closed for that
    scope, a blank reason or source, an unknown scope, or a user who is neither a supervisor nor
    an administrator is refused, and no day is closed."""
    from .app.access import AccessDenied
    from .app.calendar import check_day, do_close_day
    from .cli_store import open_store
    from .domain.errors import InvalidInput

    try:
        when = check_day(day)
    except InvalidInput as e:
        raise _refuse(str(e), 2) from e
    a = open_store(db)
    actor = _actor(a, who)
    try:
        done = do_close_day(a.ctx, when, scope, reason, source, actor)
    except AccessDenied as e:
        raise _refuse(str(e), 1) from e
    except InvalidInput as e:
        raise _refuse(str(e), 2) from e
    console.print(f"closed {done.day.isoformat()} ({done.day.strftime('%A')}) for {done.scope}: "
                  f"{shown(done.reason)} — source: {shown(done.source)}; recorded by "
                  f"{shown(actor.id)}, ledger entry {done.ledger_seq}", highlight=False,
                  soft_wrap=True)


@calendar_app.command("list")
def calendar_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list of closure days "
                                          "(day, scope, reason, source, recorded_by, "
                                          "recorded_at).")] = False,
    db: DbOpt = None,
) -> None:
    """Every closure day, by day then scope, with its reason, source and who recorded it."""
    from .app.calendar import get_closure_days
    from .cli_store import open_store

    days = get_closure_days(open_store(db).ctx)
    if as_json:
        print(json.dumps([d.as_dict() for d in days], ensure_ascii=False))
        return
    t = Table(title="Closure days (besides weekends and federal holidays)")
    for col in ("day", "", "scope", "reason", "source", "recorded by", "recorded (UTC)"):
        t.add_column(col, overflow="fold")
    for d in days:
        t.add_row(d.day.isoformat(), d.day.strftime("%a"), d.scope, shown(d.reason),
                  shown(d.source), shown(d.recorded_by or "-"),
                  d.recorded_at.strftime("%Y-%m-%d %H:%M") if d.recorded_at else "-")
    console.print(t)
    console.print(f"{len(days)} closure day{'s' if len(days) != 1 else ''}", highlight=False)
