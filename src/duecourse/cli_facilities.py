"""``duecourse facilities``: the facility catalogue the placement planner uses (issue 5)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

facilities_app = typer.Typer(help="The facility catalogue for detention placement.",
                             no_args_is_help=True)

console = Console()
err = Console(stderr=True)
DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (default: DUECOURSE_DB "
                                           "or the configured SQLite file).")]


@facilities_app.command("import")
def facilities_import(
    file: Annotated[Path, typer.Argument(help="A facility list in the FY26 column format (CSV).")],
    db: DbOpt = None,
) -> None:
    """Validate a facility list and replace the stored catalogue with it, all or nothing; the
    change is recorded in the ledger. An invalid list is refused with every bad row named."""
    from .app.catalogue import do_import_catalogue
    from .cli_store import open_store
    from .placement.catalogue import CatalogueError

    try:
        raw = file.read_bytes()
    except OSError as e:
        err.print(f"[red]error:[/] cannot read {escape(str(file))}: {escape(str(e.strerror or e))}",
                  highlight=False)
        raise typer.Exit(2) from e
    a = open_store(db)
    try:
        done = do_import_catalogue(a.ctx, raw, file.name)
    except CatalogueError as e:
        err.print(f"[red]refused:[/] {escape(str(e))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from e
    console.print(f"imported {done.facilities} facilities ({done.capacity:,} beds) from "
                  f"{done.source}, replacing {done.replaced}; ledger entry {done.ledger_seq} "
                  f"(sha256 {done.sha256[:16]}…)", highlight=False, soft_wrap=True)


@facilities_app.command("list")
def facilities_list(db: DbOpt = None) -> None:
    """The catalogue: each facility's kind, beds and where the figure comes from, beds per
    housing unit, whether it may hold people over 72 hours, and its medical care."""
    from sqlalchemy import func, select

    from .app.catalogue import get_catalogue
    from .cli_store import open_store
    from .placement.problem import UNITS
    from .store.tables import facilities

    a = open_store(db)
    with a.ctx.engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(facilities)).scalar_one()
        catalogue = get_catalogue(conn)
    where = "imported" if stored else "packaged FY26 list; none imported"
    t = Table(title=f"Facility catalogue ({where})")
    for col in ("code", "name", "kind", "capacity", "basis", "units", ">72h", "medical"):
        t.add_column(col, overflow="fold", justify="right" if col == "capacity" else "left")
    for f in catalogue:
        units = " ".join(f"{u} {f.beds(u)}" for u in UNITS if f.beds(u))
        t.add_row(f.code, f.name, f.kind, f"{f.capacity:,}", f.capacity_basis, units or "-",
                  "yes" if f.over_72h else "no", f.medical)
    console.print(t)
    console.print(f"{len(catalogue)} facilities, {sum(f.capacity for f in catalogue):,} beds",
                  highlight=False)
