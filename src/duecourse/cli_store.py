"""Opening the store from the command line. Only ``duecourse init`` and ``duecourse demo`` create
a store or bring its schema up to date; every other command opens an existing, initialised store
at this duecourse's schema, or stops with exit code 2 and a message naming the database and what
to do — having created nothing (no file, no directory, no key)."""

from __future__ import annotations

import os
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

err = Console(stderr=True)

_FIX = {
    "missing": "create it with `duecourse init --db {url}` (or `duecourse demo --db {url}` for "
               "the synthetic demo)",
    "missing_server": "create the empty database on the server (createdb {name}), then "
                      "initialise it with `duecourse init --db {url}`",
    "unreachable": "check the URL, and that the database can be reached and opened by you",
    "not_initialised": "initialise it with `duecourse init --db {url}`",
    "behind": "bring it up to date with `duecourse init --db {url}` (back it up first; the "
              "command line never migrates a store silently)",
    "ahead": "use the duecourse that made it, or a newer one",
}


def store_url(db: str | None) -> tuple[str, str]:
    """The database URL a command uses, and where it came from, in words."""
    from .config import load_settings

    where = ("--db" if db else "DUECOURSE_DB" if os.environ.get("DUECOURSE_DB")
             else "the default")
    return load_settings(db).db_url, where


def refuse_unready(db: str | None) -> None:
    """Stop (exit 2) unless ``db`` names an initialised store at this duecourse's schema."""
    from .store.readiness import store_not_ready

    url, where = store_url(db)
    problem = store_not_ready(url)
    if problem is None:
        return
    from sqlalchemy.engine import make_url

    shown_url = make_url(url).render_as_string(hide_password=True) if "://" in url else url
    kind = ("missing_server" if problem.kind == "missing" and not url.startswith("sqlite")
            else problem.kind)
    fix = _FIX[kind].format(url=shown_url, name=make_url(url).database if "://" in url else "")
    err.print(escape(f"error: no usable duecourse database at {shown_url} ({where}): "
                     f"{problem.detail}. Nothing was created or changed; {fix}."),
              highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def open_store(db: str | None, **kwargs: Any) -> Any:
    """The application over the existing store ``db`` names (see ``refuse_unready``)."""
    from .bootstrap import build_app

    refuse_unready(db)
    return build_app(db, migrate=False, **kwargs)
