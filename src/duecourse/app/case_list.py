"""The command line's list of cases: case numbers with their facets, a page at a time, with how
many there are. No names are shown, but which cases exist and who is in custody is personal data
of the people they are about: the list passes ``access_case_list`` (an attorney sees only their
clients' cases) and is ledgered with the reader, their role, their purpose and the cases shown,
as the web's case search is (app/reads.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..domain.commands import Actor
from ..store.tables import cases
from .context import AppContext
from .reads import _access_list, _clients_only, _read

RECORD = "case_list"


@dataclass(frozen=True)
class CaseFacets:
    case_id: str
    proceedings: str
    custody: str
    holds: str
    status: str
    updated_at: datetime


@dataclass(frozen=True)
class CaseListPage:
    items: list[CaseFacets]
    total: int  # how many cases match, of which ``items`` are the page from ``offset``
    offset: int


def list_cases(ctx: AppContext, actor: Actor, purpose: str, *, custody: str = "",
               limit: int = 20, offset: int = 0, at: datetime | None = None) -> CaseListPage:
    """The cases ``actor`` may read (with ``custody`` that facet only), most recently changed
    first; the read, or its refusal, is ledgered."""
    at = at or ctx.clock()
    _access_list(ctx, actor, purpose, at, RECORD)
    q = _clients_only(select(cases).order_by(cases.c.updated_at.desc(), cases.c.id), actor)
    if custody:
        q = q.where(cases.c.custody == custody)
    with ctx.engine.begin() as conn:
        total = conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        items = [CaseFacets(r.id, r.proceedings, r.custody, r.holds or "", r.status,
                            r.updated_at)
                 for r in conn.execute(q.limit(limit).offset(offset))]
        _read(ctx, conn, actor, purpose, at, RECORD, [i.case_id for i in items],
              {"custody": custody, "offset": offset})
    return CaseListPage(items, total, offset)
