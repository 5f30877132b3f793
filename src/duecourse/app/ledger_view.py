"""The ledger as oversight reads it (issue 17): entries filtered by user, role, purpose, case,
kind and time, newest first, each with its proof status, for the ledger page, its CSV export and
the API's ledger endpoint (one query, three callers).

An entry is *covered* when its position is inside the tree of the latest signed checkpoint (RFC
6962 §3.5: the signed tree head commits to every entry before its size); an entry still queued
for the sequencer (PostgreSQL, just after its commit) has no position yet and is *not yet*
covered. Each reading of the ledger is itself a read, ledgered with the reader, their role, their
purpose and the filters used; a refusal too. The entries are shown as the ledger holds them: the
ledger holds no personal data (refusal reasons are redacted when written, app/redact.py; search
terms are named by reference, app/search_terms.py), and nothing is joined to it here.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, Connection, Select, Table, and_, func, select, true

from ..audit.note import parse_checkpoint
from ..domain.commands import ROLES, Actor
from ..domain.errors import InvalidInput, NotFound
from ..store.tables import accounts, cases, ledger, ledger_head, ledger_queue
from . import ledger as L
from . import proofs
from .access import NOT_A_PURPOSE, PURPOSES, AccessDenied, access_ledger, purposes_of
from .client_cases import case_number
from .context import AppContext
from .csv_cells import SafeWriter
from .reads import MAX_LIMIT, Page, refused_read

RECORD, CSV_RECORD = "ledger", "ledger_csv"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_CASE = re.compile(r"C-[0-9A-Z-]{1,38}", re.IGNORECASE)
_WORDS = {"user": "user", "role": "role", "purpose": "purpose", "case": "case number",
          "kind": "kind of entry", "from": "from", "to": "to", "zone": "time zone"}
_ADDRESS = {"since": "from", "until": "to"}  # the time range's names in an address


@dataclass(frozen=True)
class LedgerFilters:
    """The filters as given (the page's address, the API's query): empty means any."""

    user: str = ""  # an account's user name or an actor id
    role: str = ""
    purpose: str = ""
    case: str = ""
    kind: str = ""
    since: str = ""  # a date (from its start) or a date and time, in ``zone``
    until: str = ""  # a date (to its end) or a date and time, in ``zone``
    zone: str = "UTC"  # an IANA zone name, for dates and times given without an offset

    @classmethod
    def of(cls, values: Mapping[str, str]) -> LedgerFilters:
        """The filters of an address's query (``from`` and ``to`` for the time range)."""
        given = {f.name: values.get(_ADDRESS.get(f.name, f.name)) for f in fields(cls)}
        return cls(**{k: str(v).strip() for k, v in given.items() if v and str(v).strip()})

    def given(self) -> dict[str, str]:
        """The filters set, by their names in an address, as the address and the ledger keep
        them (the zone only when it is not UTC)."""
        return {_ADDRESS.get(k, k): v for k, v in asdict(self).items()
                if v and not (k == "zone" and v == "UTC")}


class InvalidFilters(InvalidInput):
    """One or more filters are not valid; ``errors`` holds each field's message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        first = next(iter(errors))
        rest = "; ".join(f"{_WORDS.get(k, k)}: {m}" for k, m in errors.items() if k != first)
        super().__init__(first, errors[first] + (f" (also {rest})" if rest else ""))

    def renamed(self, names: Mapping[str, str]) -> InvalidFilters:
        """The same errors, the fields named as another caller names them (the API)."""
        return InvalidFilters({names.get(k, k): m for k, m in self.errors.items()})


@dataclass(frozen=True)
class _Where:
    actor_id: str
    role: str
    purpose: str
    case_id: str
    kind: str
    since: str  # ``at`` bounds in the ledger's own text form (app/ledger.iso), inclusive
    until: str

    def on(self, t: Table) -> ColumnElement[bool]:
        c = t.c
        conds = [c.actor_id == self.actor_id if self.actor_id else None,
                 c.actor_role == self.role if self.role else None,
                 c.purpose == self.purpose if self.purpose else None,
                 c.case_id == self.case_id if self.case_id else None,
                 c.kind == self.kind if self.kind else None,
                 c.at >= self.since if self.since else None,
                 c.at <= self.until if self.until else None]
        given = [x for x in conds if x is not None]
        return and_(*given) if given else true()


def ledger_kinds(conn: Connection) -> tuple[str, ...]:
    """The kinds of entry the ledger holds (and those queued), from the data itself: one
    index lookup per kind (ix_ledger_kind_seq), never a scan of the whole ledger."""
    kinds: list[str] = []
    while (kind := conn.execute(select(func.min(ledger.c.kind)).where(
            ledger.c.kind > (kinds[-1] if kinds else ""))).scalar()) is not None:
        kinds.append(str(kind))
    queued = conn.execute(select(ledger_queue.c.kind).distinct()).scalars()  # a few, briefly
    return tuple(sorted({*kinds, *(str(k) for k in queued)}))


def _bound(value: str, zone: ZoneInfo, end: bool) -> str:
    """``value`` (a date, or a date and time, with or without an offset) as a bound on ``at``:
    a date from its first instant or to its last, in ``zone``. ValueError if it is neither."""
    text = value.strip().replace(" ", "T", 1)
    if _DAY.fullmatch(text):
        start = datetime.combine(date.fromisoformat(text), time(), zone)
        return L.iso(start + timedelta(days=1, microseconds=-1) if end else start)
    at = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if at.tzinfo is None:
        at = at.replace(tzinfo=zone)
    if at.year < 1900:
        raise ValueError(value)
    return L.iso(at)


def _zone(name: str, errors: dict[str, str]) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder, a long name
        errors["zone"] = (f"'{name}' is not a time zone name; write UTC or a name such as "
                          "America/New_York")
        return ZoneInfo("UTC")


def _actor_of(conn: Connection, user: str) -> str | None:
    """The actor id of ``user``: an account's user name, or an actor id that has an account or
    entries in the ledger. None if it is neither."""
    found = conn.execute(select(accounts.c.actor_id).where(accounts.c.username == user)).scalar()
    if found is not None:
        return str(found)
    for t in (accounts, ledger, ledger_queue):
        if conn.execute(select(t.c.actor_id).where(t.c.actor_id == user).limit(1)).first():
            return user
    return None


def check_ledger_filters(conn: Connection, f: LedgerFilters) -> _Where:
    """The filters, each checked against what it may be; InvalidFilters names every field that
    is not (an unknown role or kind is a message, never an empty table)."""
    errors: dict[str, str] = {}
    actor_id = ""
    if f.user:
        actor_id = _actor_of(conn, f.user) or ""
        if not actor_id:
            errors["user"] = (f"no account has the user name '{f.user}', and no entry was "
                              "written by an actor with that id")
    if f.role and f.role not in ROLES:
        errors["role"] = f"'{f.role}' is not a role; the roles are {', '.join(ROLES)}"
    if f.purpose and f.purpose not in (*PURPOSES, NOT_A_PURPOSE):
        errors["purpose"] = (f"'{f.purpose}' is not a purpose; the purposes are "
                             f"{', '.join(PURPOSES)}")
    case_id = case_number(f.case)  # as a clerk types it: spaces gone, capitals
    if f.case and not _CASE.fullmatch(case_id):
        errors["case"] = (f"'{f.case}' is not a case number; a case number starts with C- "
                          "(such as C-7K2M9Q4XBD)")
    elif f.case and conn.execute(select(cases.c.id).where(cases.c.id == case_id)).first() is None:
        errors["case"] = f"no case has the number {case_id}"  # not an empty page: a typo
    if f.kind and f.kind not in (kinds := ledger_kinds(conn)):
        errors["kind"] = (f"the ledger holds no entry of kind '{f.kind}'; its kinds are "
                          f"{', '.join(kinds)}")
    zone = _zone(f.zone, errors)
    since = until = ""
    for name, value, end in (("from", f.since, False), ("to", f.until, True)):
        if not value:
            continue
        try:
            bound = _bound(value, zone, end)
        except (ValueError, OverflowError):  # OverflowError: past the end of year 9999
            errors[name] = (f"'{value}' is not a date (YYYY-MM-DD) or a date and time "
                            "(YYYY-MM-DD HH:MM)")
            continue
        since, until = (bound, until) if name == "from" else (since, bound)
    if since and until and until < since:
        errors["to"] = "the end of the time range is before its start"
    if errors:
        raise InvalidFilters(errors)
    return _Where(actor_id, f.role, f.purpose, case_id, f.kind, since, until)


@dataclass(frozen=True)
class LedgerRow:
    """An entry as the ledger holds it, with its proof status. ``seq`` is None for an entry
    still queued for the sequencer (it has no position yet)."""

    seq: int | None
    at: str
    kind: str
    actor_id: str
    actor_role: str
    purpose: str
    case_id: str
    body: dict[str, Any]
    leaf_hash: str
    covered: bool

    @property
    def proof(self) -> str:
        return "covered" if self.covered else "not_yet"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "proof": self.proof}


@dataclass(frozen=True)
class LedgerView:
    page: Page[LedgerRow]
    total: int  # entries that match the filters
    checkpoint_size: int  # entries the latest signed checkpoint covers
    filters: LedgerFilters


def _checkpoint_size(conn: Connection) -> int:
    note = conn.execute(select(ledger_head.c.checkpoint)).scalar()
    return parse_checkpoint(note).size if note else 0


def _row(r: Any, seq: int | None, covered_size: int) -> LedgerRow:
    return LedgerRow(seq, r.at, r.kind, r.actor_id, r.actor_role, r.purpose, r.case_id,
                     json.loads(r.body), r.leaf_hash, seq is not None and seq < covered_size)


def access_ledger_read(ctx: AppContext, actor: Actor, purpose: str, at: datetime,
                       record: str) -> None:
    """The ledger is read by oversight and supervisors (``access_ledger``), for a purpose of
    their role; a refusal is ledgered like any refused read."""
    try:
        access_ledger(actor)
        if purpose not in purposes_of(actor.role):
            raise AccessDenied(f"the role '{actor.role}' does not read for '{purpose}'; it may "
                               f"read for: {', '.join(purposes_of(actor.role))}")
    except AccessDenied as e:
        raise refused_read(ctx, actor, purpose, at, record, e) from None


def _ledgered(ctx: AppContext, conn: Connection, actor: Actor, purpose: str, at: datetime,
              record: str, where: _Where, f: LedgerFilters, extra: dict[str, Any]) -> None:
    given = f.given()
    if where.actor_id:  # the actor the user name names, as the ledger names people
        given["user"] = where.actor_id
    L.append(conn, [L.LedgerItem("read", at, actor.id, actor.role, "",
                                 {"record": record, "filters": given, **extra},
                                 purpose=purpose)], ctx.signing_key)


def _counts(conn: Connection, where: _Where) -> tuple[int, int]:
    """(queued, integrated) entries that match."""
    queued = conn.execute(select(func.count()).select_from(ledger_queue)
                          .where(where.on(ledger_queue))).scalar_one()
    kept = conn.execute(select(func.count()).select_from(ledger)
                        .where(where.on(ledger))).scalar_one()
    return int(queued), int(kept)


def get_ledger_view(ctx: AppContext, actor: Actor, purpose: str, f: LedgerFilters, *,
                    limit: int = 50, offset: int = 0, at: datetime | None = None) -> LedgerView:
    """The entries that match ``f``, newest first: those still queued, then the ledger's by
    position; ``limit`` of them from ``offset``. The read is ledgered with the filters."""
    at = at or ctx.clock()
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(0, offset)
    access_ledger_read(ctx, actor, purpose, at, RECORD)
    with ctx.engine.begin() as conn:
        where = check_ledger_filters(conn, f)
        size = _checkpoint_size(conn)
        queued, kept = _counts(conn, where)
        items = [_row(r, None, size) for r in conn.execute(
            select(ledger_queue).where(where.on(ledger_queue))
            .order_by(ledger_queue.c.id.desc()).limit(limit).offset(offset))] \
            if offset < queued else []
        if len(items) < limit:
            items += [_row(r, int(r.seq), size) for r in conn.execute(
                select(ledger).where(where.on(ledger)).order_by(ledger.c.seq.desc())
                .limit(limit - len(items)).offset(max(0, offset - queued)))]
        # Ledgered after the query, in its transaction: the page shows the ledger as it was
        # read (on SQLite this entry's own append integrates whatever was queued).
        _ledgered(ctx, conn, actor, purpose, at, RECORD, where, f,
                  {"offset": offset, "shown": len(items), "matches": queued + kept})
    return LedgerView(Page(items, limit, offset), queued + kept, size, f)


CSV_COLUMNS = ("seq", "at", "kind", "actor_id", "actor_role", "purpose", "case_id", "proof",
               "body", "leaf_hash")


def export_ledger_csv(ctx: AppContext, actor: Actor, purpose: str, f: LedgerFilters, *,
                      at: datetime | None = None, chunk: int = 500) -> Iterator[str]:
    """Every entry that matches ``f``, newest first, as CSV text in pieces (cells neutralised
    against spreadsheet formulas, app/csv_cells.py). The access, the filters and the ledgered
    read happen now (the export's own entry is its first row when it matches); the rows are
    read as the pieces are taken, a batch at a time, never all at once."""
    at = at or ctx.clock()
    access_ledger_read(ctx, actor, purpose, at, CSV_RECORD)
    with ctx.engine.begin() as conn:
        where = check_ledger_filters(conn, f)
        _ledgered(ctx, conn, actor, purpose, at, CSV_RECORD, where, f, {})
    return _csv_pieces(ctx, where, chunk)


def _csv_pieces(ctx: AppContext, where: _Where, chunk: int) -> Iterator[str]:
    buf = io.StringIO()
    out = SafeWriter(buf, numbers=(0,))
    out.writerow(CSV_COLUMNS)
    with ctx.engine.connect() as conn:
        size = _checkpoint_size(conn)
        queries: tuple[tuple[Select[Any], bool], ...] = (
            (select(ledger_queue).where(where.on(ledger_queue))
             .order_by(ledger_queue.c.id.desc()), False),
            (select(ledger).where(where.on(ledger)).order_by(ledger.c.seq.desc()), True))
        for query, positioned in queries:  # one after the other: one open cursor at a time
            for r in conn.execution_options(stream_results=True, yield_per=chunk).execute(query):
                e = _row(r, int(r.seq) if positioned else None, size)
                out.writerow(("" if e.seq is None else e.seq, e.at, e.kind, e.actor_id,
                              e.actor_role, e.purpose, e.case_id, e.proof,
                              json.dumps(e.body, sort_keys=True, ensure_ascii=False),
                              e.leaf_hash))
                if buf.tell() > 64 * 1024:
                    yield buf.getvalue()
                    buf.seek(0)
                    buf.truncate()
    yield buf.getvalue()


def ledger_kinds_now(ctx: AppContext) -> tuple[str, ...]:
    """``ledger_kinds`` in a connection of its own (for the filter form's choices)."""
    with ctx.engine.connect() as conn:
        return ledger_kinds(conn)


PROOF_RECORD = "inclusion_proof"


def get_inclusion_proof(ctx: AppContext, actor: Actor, purpose: str, seq: int,
                        at: datetime | None = None) -> dict[str, Any]:
    """The proof that entry ``seq`` is in the tree of the latest signed checkpoint (RFC 6962
    §2.1.1; app/proofs.py), as `duecourse audit prove --entry` gives it and the standalone
    verifier checks it. NotFound, saying why, for an entry the checkpoint does not cover yet.
    The read is ledgered like the page's."""
    at = at or ctx.clock()
    access_ledger_read(ctx, actor, purpose, at, PROOF_RECORD)
    with ctx.engine.begin() as conn:
        try:
            doc = proofs.inclusion(conn, seq)
        except proofs.NoProof as e:
            raise NotFound(f"no inclusion proof for entry {seq}: {e}") from None
        L.append(conn, [L.LedgerItem("read", at, actor.id, actor.role, "",
                                     {"record": PROOF_RECORD, "entry": seq},
                                     purpose=purpose)], ctx.signing_key)
    return doc
