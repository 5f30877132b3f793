"""What the demo's accounts are made from: read here, in the app, because the web reaches the
store only through the app (an import-linter contract)."""

from __future__ import annotations

from sqlalchemy import select

from ..store.tables import actors, cases
from .context import AppContext


def get_demo_facts(ctx: AppContext) -> tuple[str, tuple[str, ...]]:
    """An office the simulation's cases were opened at ("" when there is no case), and the
    clients of one of the simulation's attorneys (none when there is no such attorney)."""
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(actors.c.clients).where(actors.c.role == "attorney",
                                                           actors.c.clients != "")).all()
        office = conn.execute(select(cases.c.location).limit(1)).scalar_one_or_none() or ""
    return str(office), tuple(c for c in (rows[0].clients.split(",") if rows else []) if c)
