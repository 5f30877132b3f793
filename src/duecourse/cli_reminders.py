"""``duecourse reminders``: the reminders of a clock's 50/75/100 % (issue 17, app/reminders.py);
registered in cli.py with one ``add_typer`` line. ``run`` is meant for cron or a systemd timer,
beside (or instead of) the loop of ``duecourse serve``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

reminders_app = typer.Typer(help="Reminders to the officer and supervisors of a case when a "
                            "clock reaches 50, 75 and 100 % of its time.", no_args_is_help=True)

console = Console()
err = Console(stderr=True)
DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (default: DUECOURSE_DB "
                                           "or the configured SQLite file).")]
LONG_RUN = 200  # cases with a reminder due: past this, a progress bar


@reminders_app.command("run")
def reminders_run(db: DbOpt = None) -> None:
    """Make the notices the clocks call for now and mail them (DUECOURSE_SMTP_URL; unset: in
    the app only); mail that failed before is tried again. Safe to run as often as wanted and
    from several places at once: each notice is made, and each mail sent, once."""
    from .app.mail import mail_server_from
    from .app.reminders import do_run_reminders
    from .cli import _app
    from .config import load_settings

    settings = load_settings(db)
    server = mail_server_from(settings.smtp_url, settings.mail_from)
    a = _app(db)
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), console=err,
                  transient=True) as prog:
        task = prog.add_task("cases with a reminder due", total=None, visible=False)

        def progress(done: int, total: int) -> None:
            prog.update(task, completed=done, total=total, visible=total > LONG_RUN)

        report = do_run_reminders(a.ctx, server, settings.mail_timezone, progress=progress)
    made = ", ".join(f"{report.made[p]} at {p} %" for p in sorted(report.made)) or "none"
    console.print(f"notices made: {made}", highlight=False)
    if report.mail_off:
        console.print("mail: not configured (DUECOURSE_SMTP_URL unset): the notices are in the "
                      "app only", highlight=False)
    else:
        console.print(f"mail: {report.sent} sent, {report.failed} failed (tried again by the "
                      f"next run), {report.gave_up} given up, {report.left} left for the next "
                      f"run", highlight=False)
    if report.in_app_only:
        console.print(f"{report.in_app_only} notice(s) in the app only (no address, or no mail "
                      "server)", highlight=False)
    if report.failed or report.gave_up:
        raise typer.Exit(1)
