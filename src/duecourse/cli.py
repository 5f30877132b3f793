"""The duecourse command line (Typer + Rich)."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from .cli_audit import audit_app
from .cli_calendar import calendar_app
from .cli_facilities import facilities_app
from .cli_identity import identity_app
from .cli_manifest import manifest as manifest_command
from .cli_place import place as place_command
from .cli_reader import PurposeOpt, RoleOpt, UserOpt, named_reader
from .cli_reminders import reminders_app
from .cli_store import open_store, refuse_unready
from .cli_text import shown
from .domain.errors import DuecourseError, InvalidInput

app = typer.Typer(help="duecourse: immigration casework in which due process is enforced by "
                  "the software.", no_args_is_help=True, add_completion=False)
law_app = typer.Typer(help="The law as code: guards, parameters, scenarios.", no_args_is_help=True)
case_app = typer.Typer(help="Cases.", no_args_is_help=True)
app.add_typer(law_app, name="law")
app.add_typer(case_app, name="case")
app.add_typer(audit_app, name="audit")
account_app = typer.Typer(help="Sign-in accounts.", no_args_is_help=True)
app.add_typer(account_app, name="account")
app.add_typer(facilities_app, name="facilities")
app.add_typer(identity_app, name="identity")
app.add_typer(calendar_app, name="calendar")
app.add_typer(reminders_app, name="reminders")
app.command("place")(place_command)
app.command("manifest")(manifest_command)

console = Console()
err = Console(stderr=True)
DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (default: DUECOURSE_DB "
                                           "or the configured SQLite file).")]


def _app(db: str | None) -> Any:
    """The application over the existing store (cli_store.py: a missing, uninitialised or
    out-of-date one is refused, exit 2). On PostgreSQL this process integrates what it queued
    before it exits (a running sequencer would too, within a second)."""
    import atexit

    a = open_store(db)
    if a.ctx.engine.dialect.name != "sqlite":
        atexit.register(_flush_at_exit, a)
    return a


def _flush_at_exit(a: Any) -> None:
    try:
        a.flush_ledger()
    except Exception as e:  # the sequencer integrates what stays queued
        logging.getLogger(__name__).warning("ledger entries left queued at exit: %s", e)


@app.command()
def init(db: DbOpt = None) -> None:
    """Create or upgrade the database schema and the ledger (the one command, with demo, that
    creates a store; every other refuses a database that does not exist)."""
    from .bootstrap import build_app

    a = build_app(db)  # creates or migrates; it queues no ledger entry, so none waits for exit
    console.print(f"duecourse database ready at {a.ctx.engine.url.render_as_string()}")
    a.ctx.engine.dispose()


@law_app.command("list")
def law_list(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per guard version, "
                                          "in a list.")] = False,
) -> None:
    """The guards, with their citations, confidence, dates in force, when each was last verified
    and its source. A guard id with several predicates is listed once per distinct version."""
    from .law.rules import guard_catalogue

    rows = guard_catalogue()
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    t = Table(title="Guards (LAW.md ids)", show_lines=False)
    for col in ("id", "title", "citation", "conf.", "in force", "verified", "source"):
        t.add_column(col, overflow="fold")
    for r in rows:
        since = (f"{r['effective_from']} – {r['effective_to'] or ''}" if r["effective_from"]
                 else "always (software rule)")
        t.add_row(str(r["id"]), str(r["title"]), str(r["citation"]), str(r["confidence"]),
                  since, str(r["verified"]), str(r["source"]))
    console.print(t)


@law_app.command("check")
def law_check(paths: Annotated[list[str], typer.Argument(help="Scenario files or folders.")]
              ) -> None:
    """Run scenario files, each in a fresh in-memory store; exit 1 if any step fails."""
    from pathlib import Path

    from .app.scenarios import run_scenario
    from .bootstrap import build_app

    files: list[str] = []
    for p in paths:
        pp = Path(p)
        files.extend(sorted(str(f) for f in pp.glob("*.yaml")) if pp.is_dir() else [p])
    passed = failed = 0
    for f in files:
        res = run_scenario(f, lambda: build_app("sqlite://", seed=0))
        mark = "[green]PASS[/]" if res.passed else "[red]FAIL[/]"
        console.print(f"{mark} {f}: {res.title}", highlight=False)
        if res.error:
            console.print(f"   [red]{res.error}[/]", highlight=False)
        for s in res.steps:
            console.print(f"   {'✓' if s.ok else '[red]✗[/]'} step {s.number}: {s.text}",
                          highlight=False)
        passed, failed = passed + res.passed, failed + (not res.passed)
    print(f"{passed} passed, {failed} failed")
    raise typer.Exit(1 if failed or not files else 0)



@case_app.command("show")
def case_show(
    case_id: str,
    user: UserOpt,
    role: RoleOpt,
    purpose: PurposeOpt = None,
    db: DbOpt = None,
) -> None:
    """A case as it stands now: facets, timeline, deadlines, the actions allowed now and what
    blocks the rest. The read is ledgered now, with the reader, the role they hold and the
    purpose."""
    a = _app(db)
    actor, why = named_reader(a, user, role, purpose)
    v = a.get_case(case_id, actor, why, datetime.now(UTC))
    p = v.person
    console.print(f"[bold]Case {shown(v.case_id)}[/] — {shown(p.get('family_name', ''))}, "
                  f"{shown(p.get('given_name', ''))} "
                  f"(born {shown(p.get('birth_date') or 'unknown')})")
    f = v.facets
    console.print(f"proceedings [bold]{f.proceedings}[/] · custody [bold]{f.custody}[/] · "
                  f"holds [bold]{', '.join(sorted(f.holds)) or 'none'}[/] · status "
                  f"[bold]{f.status}[/]"
                  f"{' (' + shown(f.close_reason) + ')' if f.close_reason else ''}")
    s = v.state
    if s.identity_link:
        # the candidates only to those who decide links, as the read ledgered them
        found = "; ".join(f"{shown(c.get('record_id'))} p={c.get('probability')}"
                          for c in v.identity.get("candidates") or ())
        console.print(f"identity link [bold]{s.identity_link}[/]"
                      f"{' to record ' + shown(s.identity_record) if s.identity_record else ''}"
                      f"{' · candidates: ' + found if found else ''}", highlight=False)
    tl = Table(title="Timeline")
    for col in ("#", "at (UTC)", "event", "by"):
        tl.add_column(col)
    for e in v.events:
        tl.add_row(str(e.seq), e.at.strftime("%Y-%m-%d %H:%M"), e.kind,
                   shown(f"{e.actor_id} ({e.actor_role})"))
    console.print(tl)
    dl = Table(title="Deadlines")
    for col in ("id", "what", "due (UTC)", "state", "escalation", "law"):
        dl.add_column(col, overflow="fold")
    for d in v.deadlines:
        dl.add_row(d.id, shown(d.title), d.due_at.strftime("%Y-%m-%d %H:%M"), d.state,
                   f"{d.escalation}%", shown(d.citation))
    console.print(dl)
    console.print("[bold]Allowed now:[/] " + (", ".join(v.allowed) or "nothing"))
    if v.blocked:
        bl = Table(title="Blocked now")
        for col in ("action", "rule", "citation", "why"):
            bl.add_column(col, overflow="fold")
        for name, refusals in v.blocked.items():
            for r in refusals:
                bl.add_row(name, r.rule_id, shown(r.citation), shown(r.reason))
        console.print(bl)


@case_app.command("list")
def case_list(
    user: UserOpt,
    role: RoleOpt,
    purpose: PurposeOpt = None,
    db: DbOpt = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many cases to list.")] = 20,
    offset: Annotated[int, typer.Option(min=0, help="How many to skip (the next page).")] = 0,
    custody: Annotated[str | None, typer.Option(help="Only cases with this custody facet.")] = None,
) -> None:
    """Case numbers with their facets (no names), most recently changed first, a page at a time:
    it says how many there are and which of them are shown. Which cases exist is personal data:
    the read is ledgered with the reader, their role and purpose (an attorney sees only their
    clients' cases)."""
    from .app.case_list import list_cases

    a = _app(db)
    actor, why = named_reader(a, user, role, purpose)
    page = list_cases(a.ctx, actor, why, custody=custody or "", limit=limit, offset=offset)
    t = Table(title="Cases")
    for col in ("case", "proceedings", "custody", "holds", "status", "updated (UTC)"):
        t.add_column(col)
    for r in page.items:
        t.add_row(r.case_id, r.proceedings, r.custody, r.holds or "-", r.status,
                  r.updated_at.strftime("%Y-%m-%d %H:%M"))
    console.print(t)
    total = page.total
    first, last = min(offset + 1, total), min(offset + limit, total)
    more = f"; the next page: --offset {last}" if last < total else ""
    console.print(f"{total:,} case(s){' with custody ' + shown(custody) if custody else ''}; "
                  f"shown {first:,}–{last:,}{more}", highlight=False)


@app.command()
def demo(
    people: Annotated[int, typer.Option(help="Synthetic people to drive through cases.")] = 300,
    days: Annotated[int, typer.Option(help="Days to simulate.")] = 365,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    db: DbOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print only the summary as JSON.")] = False,
    port: Annotated[int, typer.Option(help="Serve the web app on this port.")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Exit after the summary.")] = False,
) -> None:
    """Simulate synthetic cases through their lawful lifecycle, with unlawful attempts refused,
    then serve the web app on the result (until stopped) with one demo account per role."""
    from .sim.demo import START, print_summary, run_demo, start_to_end_now

    url = db or "sqlite:///var/demo.sqlite"
    if as_json:
        summary = run_demo(people=people, days=days, seed=seed, db_url=url, progress=None,
                           fresh=db is None)
        print(json.dumps(summary, sort_keys=True))
        return
    # Served, the simulated time ends now, so that its clocks run on in real time; the summary
    # alone (--json, --no-serve) starts on a fixed day and is the same for the same seed.
    start = START if no_serve else start_to_end_now(days, datetime.now(UTC))
    with _progress() as prog:
        task = prog.add_task("simulating cases", total=people)
        summary = run_demo(people=people, days=days, seed=seed, db_url=url,
                           progress=lambda n: prog.update(task, completed=n), fresh=db is None,
                           start=start)
    print_summary(console, summary)
    reader = "--user supervisor-01 --as supervisor --purpose demo"
    console.print(f"\nExplore it: [bold]duecourse case list {reader} --db {url}[/], then "
                  f"[bold]duecourse case show CASE {reader} --db {url}[/] (reads as one of the "
                  "simulated staff, ledgered); "
                  f"[bold]duecourse audit verify --db {url}[/]", highlight=False)
    if not no_serve:
        _serve_demo(url, port)


def _serve_demo(url: str, port: int) -> None:
    from .bootstrap import build_app
    from .config import load_settings
    from .web.server import build_web, run, seed_demo_accounts
    from .web.settings import load_web_settings

    a = build_app(url)
    accounts = seed_demo_accounts(a)
    t = Table(title="Demo accounts (passwords are new each run)")
    for col in ("role", "user name", "password", ""):
        t.add_column(col)
    for acc in accounts:
        t.add_row(acc.role, acc.username, acc.password, acc.note)
    console.print(t)
    console.print(f"Serving http://127.0.0.1:{port} (the API at /api/v1, described at "
                  "/api/v1/openapi.json); Ctrl-C stops it.", highlight=False)
    run(build_web(a, load_web_settings(load_settings(url))), "127.0.0.1", port)


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    workers: Annotated[int, typer.Option(min=1, help="Server processes (one per core).")] = 1,
    db: DbOpt = None,
    init_store: Annotated[bool, typer.Option(
        "--init", help="Create or upgrade the store first, as `duecourse init` does (without it "
        "a missing, uninitialised or older store is refused).")] = False,
) -> None:
    """Serve the web app and the API on an existing store (or, with --init, one created or
    upgraded first). Outside development it needs a PostgreSQL URL, a secret key
    (DUECOURSE_SECRET_KEY) and a ledger key, and refuses to start on defaults."""
    from .bootstrap import build_app
    from .config import load_settings
    from .web.server import build_web, run, run_workers
    from .web.settings import load_web_settings

    settings = load_settings(db)
    web_settings = load_web_settings(settings, serving=True)
    if not init_store:
        refuse_unready(db)
    a = build_app(db, migrate=init_store)  # before any worker starts
    console.print(f"Serving http://{host}:{port} ({settings.environment}, {workers} "
                  f"worker{'s' if workers > 1 else ''})", highlight=False)
    if workers > 1:
        a.ctx.engine.dispose()
        run_workers(settings.db_url, host, port, workers)
    else:
        run(build_web(a, web_settings), host, port)


@account_app.command("create")
def account_create(
    username: str,
    role: Annotated[str, typer.Option(help="One of the roles of DESIGN.md.")],
    name: Annotated[str, typer.Option(help="The person's name.")] = "",
    office: Annotated[str, typer.Option(help="Their office.")] = "",
    email: Annotated[str, typer.Option(help="Where reminders are mailed (none: in the app "
                                       "only).")] = "",
    db: DbOpt = None,
) -> None:
    """Create an account (the first administrator, say); the password is read from standard
    input, never from the command line."""
    from .app.accounts import do_create_account

    password = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else typer.prompt(
        "password", hide_input=True, confirmation_prompt=True)
    do_create_account(_app(db).ctx, None, username, role, password, name=name, office=office,
                      email=email)
    console.print(f"account {username} created ({role})")


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(),
                    TextColumn("{task.completed}/{task.total}"), TimeRemainingColumn(),
                    console=err, transient=True)


def main() -> None:
    try:
        app()
    except (InvalidInput, DuecourseError) as e:
        err.print(f"[red]error:[/] {shown(e)}", highlight=False)
        sys.exit(2)
