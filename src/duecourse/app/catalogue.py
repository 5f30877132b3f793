"""The stored facility catalogue: ``get_catalogue`` reads it, ``do_import_catalogue`` replaces it.

The adapter between the pure catalogue (``placement/catalogue.py``) and the store; placement is
pure (an import-linter contract), so its adapter lives in the app. Importing an agency's facility
list is a configuration change, made by an administrator (``access_configuration``): the list is
validated whole first (``read_catalogue``), then the stored catalogue is replaced and the change
is appended to the ledger, in one transaction — either the new catalogue and its ledger entry, or
nothing. Until a list is imported, the packaged FY26 catalogue is the catalogue.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select

from ..domain.commands import Actor
from ..placement.catalogue import catalogue_rows, facility_of, packaged_catalogue, read_catalogue
from ..placement.problem import Facility
from ..store.tables import facilities
from . import ledger
from .access import AccessDenied
from .context import AppContext

__all__ = ["CLI_ACTOR", "CatalogueImport", "access_configuration", "do_import_catalogue",
           "get_catalogue"]

# Who acts when the catalogue is imported from the command line of the server itself: whoever
# may run it there administers the installation (as with the first account, see accounts.py).
CLI_ACTOR = Actor("system:cli", "admin", "duecourse command line")
LEDGER_KIND = "configuration_changed"


@dataclass(frozen=True)
class CatalogueImport:
    """What an import did: the list's name and SHA-256, its facilities and beds, how many stored
    facilities it replaced, and the ledger entry that records it."""

    source: str
    sha256: str
    facilities: int
    capacity: int
    replaced: int
    ledger_seq: int


def access_configuration(actor: Actor) -> None:
    """Only an administrator changes the configuration (and never case facts)."""
    if actor.role != "admin":
        raise AccessDenied("only an administrator changes the facility catalogue")


def get_catalogue(conn_or_engine: Connection | Engine) -> tuple[Facility, ...]:
    """The stored catalogue in the imported list's order, or the packaged FY26 catalogue when no
    list was imported."""
    if isinstance(conn_or_engine, Engine):
        with conn_or_engine.connect() as conn:
            return get_catalogue(conn)
    rows = conn_or_engine.execute(select(facilities).order_by(facilities.c.position)).all()
    if not rows:
        return packaged_catalogue()
    return tuple(facility_of({**r._mapping, "units": json.loads(r.units)}) for r in rows)


def _stored(position: int, values: dict[str, Any]) -> dict[str, Any]:
    return {**values, "position": position, "over_72h": int(values["over_72h"]),
            "units": json.dumps(values["units"], separators=(",", ":"))}


def do_import_catalogue(ctx: AppContext, raw: bytes, source: str, actor: Actor = CLI_ACTOR,
                        at: datetime | None = None) -> CatalogueImport:
    """Replace the stored catalogue by the facility list ``raw`` (the bytes of a file in the FY26
    format, named ``source``). Raises ``CatalogueError`` (every invalid row) before anything is
    written; otherwise the replacement and its ledger entry commit together."""
    access_configuration(actor)
    catalogue = read_catalogue(raw, source)
    at = at or ctx.clock()
    digest = hashlib.sha256(raw).hexdigest()
    capacity = sum(f.capacity for f in catalogue)
    with ctx.engine.begin() as conn:
        replaced = int(conn.execute(select(func.count()).select_from(facilities)).scalar_one())
        conn.execute(delete(facilities))
        conn.execute(insert(facilities), [_stored(i, v)
                                          for i, v in enumerate(catalogue_rows(catalogue))])
        body = {"change": "facility_catalogue_imported", "source": source, "sha256": digest,
                "facilities": len(catalogue), "capacity": capacity, "replaced": replaced,
                "kinds": dict(sorted(Counter(f.kind for f in catalogue).items()))}
        seq = ledger.append_now(conn, [ledger.LedgerItem(LEDGER_KIND, at, actor.id, actor.role, "",
                                                     body)], ctx.signing_key)
    return CatalogueImport(source, digest, len(catalogue), capacity, replaced, seq)
