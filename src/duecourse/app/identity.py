"""Identity resolution in the product: import the agency's records, link them, review the
uncertain matches, and assess the person of every new case (docs/identity.md).

The pure linkage core (``duecourse.identity``) knows nothing of the store; this module is its
adapter. Every write is one ``do_*`` that authorises (``access_identity_write``), checks, writes
and appends its ledger entry in one transaction:

- ``do_import_records``: a batch of records from one source, all or nothing (every bad row named
  by number and field, nothing written), one ledger entry for the batch, with a digest of its
  records as stored (``records_sha256``, which ``audit verify --read-models`` checks);
- ``do_link``: batch linkage of every stored record; the persons (record → person) and the review
  queue are replaced, decided pairs are kept; one ledger entry for the run;
- ``do_propose_match`` (an officer or supervisor), ``do_confirm_match`` / ``do_reject_match`` (a
  supervisor who did not propose it): the review queue's decisions, each ledgered; a refused
  decision is ledgered too, and answered with ``IdentityRefused``.

Every read of the records (``get_review_queue``, ``get_review_pair``, ``get_clusters``) passes
``access_identity_review`` and is written to the ledger with the reader, their role and purpose.

A case's person is assessed when the case is opened: ``enrich_event`` (wired into the handler by
bootstrap.py) compares the person with the stored records (``Index.top``) and writes on the
``case_opened`` event whether the best link is automatic, a new person, or awaits review, with the
top candidates; on ``propose_identity_link`` it adds the model's probability and whether the
proposed record's person indicates U.S. birth or citizenship (nationality US), which opens a
citizenship review once the link is confirmed (guards ID-1 and USC).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import os
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, bindparam, delete, func, insert, select, update

from ..audit.canonical import canonical_json
from ..domain.case import CaseState
from ..domain.commands import Actor, Command, OpenCase, ProposeIdentityLink, check_text
from ..domain.errors import DuecourseError, InvalidInput, NotFound
from ..identity import (
    ALL_COLUMNS,
    COLUMNS,
    MAX_CELL,
    OPTIONAL_COLUMNS,
    Candidate,
    FieldFlag,
    Index,
    InvalidRecords,
    Model,
    Record,
    RowProblem,
    default_model,
    explain,
    link,
    today_anywhere,
)
from ..store.tables import (
    identity_batches,
    identity_pairs,
    identity_persons,
    identity_records,
    identity_runs,
)
from . import ledger as L
from .access import (
    AccessDenied,
    access_identity_review,
    access_identity_write,
    may_see_candidates,
)
from .collector import keep_built
from .context import AppContext
from .reads import MAX_LIMIT, Page, refused_read

__all__ = [
    "CLI_ACTOR",
    "PAIR_STATUSES",
    "FlaggedValue",
    "IdentityRefused",
    "ImportResult",
    "LinkSummary",
    "assess_person",
    "case_candidates",
    "do_confirm_match",
    "do_import_records",
    "do_link",
    "do_propose_match",
    "do_reject_match",
    "enrich_event",
    "get_clusters",
    "get_review_pair",
    "get_review_queue",
    "person_record",
    "read_records_file",
    "records_sha256",
    "stored_row",
]

# Who acts when records are imported or linked from the command line of the server itself:
# whoever may run it there supervises the installation's records (as with the facility catalogue,
# see app/catalogue.py). Its reads are for supervision.
CLI_ACTOR = Actor("system:cli", "supervisor", "duecourse command line")
PAIR_STATUSES = ("pending", "proposed", "confirmed", "rejected")
_CHUNK = 2000


class IdentityRefused(DuecourseError):
    """A decision on the review queue was refused (the pair is not in a state that allows it, or
    the proposer tried to confirm their own proposal). It is recorded in the ledger."""


@dataclass(frozen=True)
class FlaggedValue:
    """One line of an import's data-quality report: a value kept as given but not valid."""

    row: int  # numbered as the batch's problems are (a CSV file's header is row 1)
    record_id: str
    flag: FieldFlag


@dataclass(frozen=True)
class ImportResult:
    batch: str
    source: str
    records: int
    sha256: str
    ledger_seq: int
    flagged: tuple[FlaggedValue, ...] = ()  # the data-quality report, in row order

    def flagged_counts(self) -> dict[str, int]:
        """How many values of each field were flagged (fields in column order)."""
        counts = Counter(f.flag.field for f in self.flagged)
        return {c: counts[c] for c in ALL_COLUMNS if counts[c]}


@dataclass(frozen=True)
class LinkSummary:
    run: int
    records: int
    persons: int
    auto_links: int
    review_pairs: int
    seconds: float
    ledger_seq: int

    def as_dict(self) -> dict[str, Any]:
        return {"records": self.records, "persons": self.persons, "auto_links": self.auto_links,
                "review_pairs": self.review_pairs, "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class PairSummary:
    """One pair of the review queue (no one's details: the page shows them on the pair)."""

    pair: int
    left: str
    right: str
    probability: float
    match_weight: float
    vetoes: tuple[str, ...]
    status: str
    proposed_by: str
    decided_by: str

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "vetoes": list(self.vetoes)}


@dataclass(frozen=True)
class PairView:
    """One pair with both records side by side and the match-weight waterfall."""

    summary: PairSummary
    left: dict[str, Any]
    right: dict[str, Any]
    explanation: dict[str, Any]
    proposed_at: datetime | None
    decided_at: datetime | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {**self.summary.as_dict(), "left_record": self.left, "right_record": self.right,
                "explanation": self.explanation,
                "proposed_at": L.iso(self.proposed_at) if self.proposed_at else None,
                "decided_at": L.iso(self.decided_at) if self.decided_at else None,
                "reason": self.reason}


# ---------------------------------------------------------------------------------------------
# Reading a file of records


def read_records_file(raw: bytes, name: str
                      ) -> tuple[list[dict[str, str | None]], int, list[RowProblem]]:
    """The rows of a CSV or JSON file of records, the number of its first row (2 for a CSV file
    after its header, 1 for the first object of a JSON list), and the problems of shape found in
    rows (a CSV row with too many or too few cells, a JSON value that is not text), which
    ``do_import_records`` reports together with those ``identity.parse_rows`` finds. A file that
    cannot be read as either format is refused naming what is wrong."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InvalidInput("file", f"{name} is not UTF-8 text (byte {e.start})") from None
    head = text.lstrip()[:1]
    if name.lower().endswith(".json") or head in ("[", "{"):
        rows, bad = _json_rows(text, name)
        return rows, 1, bad
    rows, bad = _csv_rows(text, name)
    return rows, 2, bad


_HEADER = (f"the header is {','.join(COLUMNS)}, optionally with "
           f"{', '.join(OPTIONAL_COLUMNS)}")


def _csv_rows(text: str, name: str) -> tuple[list[dict[str, str | None]], list[RowProblem]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput("header", f"{name} is empty; {_HEADER}") from None
    header = [h.strip() for h in header]
    unknown = [h for h in header if h not in ALL_COLUMNS]
    twice = sorted({h for h in header if header.count(h) > 1})
    if "record_id" not in header or unknown or twice:
        what = (f"unknown column(s) {', '.join(repr(u) for u in unknown)}" if unknown
                else f"column(s) named twice: {', '.join(twice)} (which one holds the value?)"
                if twice else "no 'record_id' column")
        raise InvalidInput("header", f"{name}: {what}; {_HEADER}", record="row 1")
    rows: list[dict[str, str | None]] = []
    bad: list[RowProblem] = []
    lines = _csv_lines(reader)
    while lines and not isinstance(lines[-1], csv.Error) and not any(c.strip() for c in lines[-1]):
        lines.pop()  # blank lines at the end of the file are no rows
    for n, cells in enumerate(lines, start=2):  # rows numbered as identity.parse_rows does
        if isinstance(cells, csv.Error):  # a cell the CSV reader will not hold (over 128 kB)
            bad.append(RowProblem(n, "", "(row)", f"cannot be read: a cell larger than "
                                  f"{MAX_CELL:,} characters (64 kB) ({cells})"))
            rows.append({"record_id": f"(row {n})"})  # keeps the numbering of later rows
            continue
        row: dict[str, str | None] = dict(zip(header, cells, strict=False))
        if not any(c.strip() for c in cells):
            bad.append(RowProblem(n, "", "(row)", "is empty"))
            row = {"record_id": f"(empty row {n})"}  # named once, as empty
        elif len(cells) != len(header):
            bad.append(RowProblem(n, (row.get("record_id") or "").strip(), "(row)",
                                  f"has {len(cells)} cells; the header has {len(header)}"))
        rows.append(row)
    return rows, bad


def _csv_lines(reader: Any) -> list[list[str] | csv.Error]:
    """The rows of a CSV reader, a row it cannot read (a cell over its field limit) given as its
    error: the reader goes on with the next row, so that every bad row is named at once."""
    out: list[list[str] | csv.Error] = []
    while True:
        try:
            out.append(next(reader))
        except StopIteration:
            return out
        except csv.Error as e:
            out.append(e)


class _KeyTwice(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _one_value_per_key(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a mapping, refused when it names a key twice (json keeps the last)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _KeyTwice(key[:60])
        out[key] = value
    return out


def _json_rows(text: str, name: str) -> tuple[list[dict[str, str | None]], list[RowProblem]]:
    try:
        data = json.loads(text, object_pairs_hook=_one_value_per_key)
    except json.JSONDecodeError as e:
        raise InvalidInput("file", f"{name} is not valid JSON ({e.msg}, line {e.lineno})") from None
    except RecursionError:
        raise InvalidInput("file", f"{name} is nested too deeply to be a list of records") from None
    except _KeyTwice as e:
        raise InvalidInput("file", f"{name}: an object names the field '{e.key}' twice (which "
                                   "one holds the value?)") from None
    if isinstance(data, Mapping):
        data = data.get("records")
    if not isinstance(data, list):
        raise InvalidInput("file", f"{name}: expected a list of records (or an object with "
                                   "'records')")
    rows: list[dict[str, str | None]] = []
    bad: list[RowProblem] = []
    for n, item in enumerate(data, start=1):
        if not isinstance(item, Mapping):
            bad.append(RowProblem(n, "", "(row)", "is not an object of fields"))
            rows.append({"record_id": f"(row {n})"})  # keeps the numbering of later rows
            continue
        row: dict[str, str | None] = {}
        for k, v in item.items():
            if v is None or isinstance(v, str):
                row[str(k)] = v
            elif isinstance(v, int | float) and not isinstance(v, bool):
                row[str(k)] = str(v)
            else:  # reported with the row's other problems; the field counts as empty
                rid = item.get("record_id")
                bad.append(RowProblem(n, rid if isinstance(rid, str) else "", str(k),
                                      "expected text"))
                row[str(k)] = None
        rows.append(row)
    return rows, bad


# ---------------------------------------------------------------------------------------------
# Records in the store


def _record(r: Any, key: str) -> Record:
    return Record(record_id=key, source=r.source, family_name=r.family_name,
                  given_name=r.given_name, birth_date=r.birth_date, sex=r.sex,
                  nationality=r.nationality, address=r.address, city=r.city,
                  postcode=r.postcode, a_number=r.a_number, document_number=r.document_number,
                  flags=flags_from_json(r.flagged))


def flags_json(flags: Sequence[FieldFlag]) -> str | None:
    """The stored form of a record's flagged values: a JSON list, or None when there are none."""
    if not flags:
        return None
    return json.dumps([{"field": f.field, "given": f.given, "reason": f.reason} for f in flags],
                      ensure_ascii=False, separators=(",", ":"))


def flags_from_json(text: str | None) -> tuple[FieldFlag, ...]:
    """The flagged values of a stored record (:func:`flags_json`)."""
    if not text:
        return ()
    return tuple(FieldFlag(str(f["field"]), str(f["given"]), str(f["reason"]))
                 for f in json.loads(text))


def _names(sources_and_ids: Sequence[tuple[str, str]]) -> list[str]:
    """The name each stored record goes by: its record id, or ``source:record id`` when another
    source used the same record id."""
    count = Counter(rid for _, rid in sources_and_ids)
    return [rid if count[rid] == 1 else f"{src}:{rid}" for src, rid in sources_and_ids]


def _keys(rows: Sequence[Any]) -> dict[int, str]:
    """Row id → name (:func:`_names`) of stored rows with ``id``, ``source`` and ``record_id``."""
    return dict(zip((r.id for r in rows), _names([(r.source, r.record_id) for r in rows]),
                    strict=True))


def _find(conn: Connection, keys: Sequence[str]) -> dict[str, Any]:
    """The stored records named ``keys`` (as linkage names them: a record id, or
    ``source:record id``), without reading the others."""
    plain = list(keys)
    split = [tuple(k.split(":", 1)) for k in keys if ":" in k]
    rows = list(conn.execute(select(identity_records)
                             .where(identity_records.c.record_id.in_(plain))))
    for source, rid in split:
        rows += list(conn.execute(select(identity_records).where(
            identity_records.c.source == source, identity_records.c.record_id == rid)))
    by_id: dict[str, list[Any]] = {}
    for r in rows:
        by_id.setdefault(r.record_id, []).append(r)
    out: dict[str, Any] = {}
    for k in keys:
        same = by_id.get(k, [])
        if len(same) == 1:
            out[k] = same[0]
        elif ":" in k:
            source, rid = k.split(":", 1)
            match = [r for r in by_id.get(rid, []) if r.source == source]
            if match:
                out[k] = match[0]
    return out


def _record_dict(r: Record, row_id: int | None = None) -> dict[str, Any]:
    """A record as a reviewer sees it, with each value the source gave that was not valid
    ("birth date given as '1944-59-09' (not a date in the calendar)")."""
    d = {f.name: getattr(r, f.name) for f in dataclasses.fields(r) if f.name != "flags"}
    d["birth_date"] = r.birth_date.isoformat() if r.birth_date else ""
    d["flagged"] = [{"field": f.field, "given": f.given, "reason": f.reason, "text": str(f)}
                    for f in r.flags]
    return d


def _union(clusters: dict[str, str], merged: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Persons after the confirmed matches: the persons of each confirmed pair are one person,
    named by the smaller person id."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    for a, b in merged:
        ra, rb = find(clusters.get(a, a)), find(clusters.get(b, b))
        if ra != rb:
            lo, hi = sorted((ra, rb))
            parent[hi] = lo
    return {k: find(p) for k, p in clusters.items()}


def _stored_records(conn: Connection, after: int = 0) -> tuple[list[int], list[Record]]:
    """Every stored record in import order (those with a row id above ``after``), named as
    linkage names it (see :func:`_keys`), with its row id. Streamed: a million row objects held
    at once would take a gigabyte."""
    ids: list[int] = []
    records: list[Record] = []
    # The columns in the order of Record's fields: each row becomes a record positionally.
    # (Flagged values, for the explanations, last; the flags field is the record's last.)
    cols = [identity_records.c[f.name] for f in dataclasses.fields(Record) if f.name != "flags"]
    rows = conn.execute(select(identity_records.c.id, *cols, identity_records.c.flagged)
                        .where(identity_records.c.id > after)
                        .order_by(identity_records.c.id).execution_options(yield_per=_CHUNK))
    for r in rows:
        ids.append(r[0])
        rec = Record(*r[1:-1])
        records.append(dataclasses.replace(rec, flags=flags_from_json(r[-1])) if r[-1] else rec)
    names = _names([(r.source, r.record_id) for r in records])
    records = [r if r.record_id == name else dataclasses.replace(r, record_id=name)
               for r, name in zip(records, names, strict=True)]
    return ids, records


def _load(conn: Connection) -> tuple[list[Record], dict[int, str], dict[str, str]]:
    """Every stored record, the name of each (by row id), and each record's person (from the
    last linkage run, with confirmed matches merged; a record not yet linked is its own
    person)."""
    ids, records = _stored_records(conn)
    keys = {i: r.record_id for i, r in zip(ids, records, strict=True)}
    return records, keys, _with_confirmed(conn, _linked(conn, keys), keys)


def _linked(conn: Connection, keys: Mapping[int, str]) -> dict[str, str]:
    """Each record's person as the last linkage run left it (a record not linked yet is its
    own person); ``keys`` names the records by row id."""
    stored = {int(r[0]): str(r[1]) for r in conn.execute(
        select(identity_persons.c.record, identity_persons.c.person_id))}
    return {k: stored.get(i, k) for i, k in keys.items()}


def _with_confirmed(conn: Connection, linked: dict[str, str],
                    keys: Mapping[int, str]) -> dict[str, str]:
    """The persons after the matches a supervisor confirmed since."""
    confirmed = conn.execute(select(identity_pairs.c.left_record, identity_pairs.c.right_record)
                             .where(identity_pairs.c.status == "confirmed")).all()
    if not confirmed:
        return linked
    return _union(linked, [(keys[a], keys[b]) for a, b in confirmed if a in keys and b in keys])


# ---------------------------------------------------------------------------------------------
# Import


def do_import_records(ctx: AppContext, rows: Iterable[Mapping[str, str | None]], source: str,
                      actor: Actor = CLI_ACTOR, *, first_row: int = 1, file_name: str = "",
                      sha256: str = "", at: datetime | None = None,
                      progress: Callable[[int, int], None] | None = None,
                      problems: Sequence[RowProblem] = (),
                      one_record_per_person: bool = False) -> ImportResult:
    """Import the records of one batch from ``source``, all or nothing: every row is checked
    (``identity.parse_rows``) and every record id compared with those already imported from the
    source before anything is written; a bad batch raises ``InvalidRecords`` naming every bad row
    and field (with ``problems`` already found in the rows' shape, see ``read_records_file``).
    ``progress(done, total)`` is called as the records are written. ``one_record_per_person``
    declares that the source holds each person once (``identity.one_per_person``); every batch
    of a source must declare the same."""
    access_identity_write(actor, "import records")
    source = source.strip()
    check_text(source, "source", 100)
    # A birth date is in the future after today anywhere on Earth by the real clock (``at``
    # may date an import in the past; a birth date is never later than the clock).
    records = parse_rows_checked(rows, source, first_row, problems,
                                 today=today_anywhere(ctx.clock()))
    at = at or ctx.clock()
    batch = f"B-{at.strftime('%Y%m%d%H%M%S')}-{ctx.ids.batch_suffix()}"
    with ctx.engine.begin() as conn:
        _check_declaration(conn, source, one_record_per_person)
        known = set(conn.execute(select(identity_records.c.record_id)
                                 .where(identity_records.c.source == source)).scalars())
        clash = [RowProblem(first_row + i, r.record_id, "record_id",
                            f"'{r.record_id}' was already imported from '{source}'")
                 for i, r in enumerate(records) if r.record_id in known]
        if clash:
            raise InvalidRecords(source, clash)
        total = len(records)
        for start in range(0, total, _CHUNK):
            chunk = records[start:start + _CHUNK]
            conn.execute(insert(identity_records), [_row(r, at, batch) for r in chunk])
            if progress is not None:
                progress(start + len(chunk), total)
        report = tuple(FlaggedValue(first_row + i, r.record_id, f)
                       for i, r in enumerate(records) for f in r.flags)
        result = ImportResult(batch, source, total, sha256, -1, report)
        body = {"change": "identity_records_imported", "batch": batch, "source": source,
                "records": total, "file": file_name, "sha256": sha256,
                "one_record_per_person": one_record_per_person,
                "flagged": result.flagged_counts(),  # counts per field, no value
                "records_sha256": _digest(records, at, batch)}
        seq = L.append_now(conn, [L.LedgerItem("identity_records_imported", at, actor.id, actor.role,
                                           "", body)], ctx.signing_key)
        conn.execute(insert(identity_batches).values(
            id=batch, source=source, file_name=file_name[:200], sha256=sha256, records=total,
            imported_at=at, actor_id=actor.id, ledger_seq=seq,
            one_record_per_person=one_record_per_person))
    return dataclasses.replace(result, ledger_seq=seq)


def _row(r: Record, at: datetime, batch: str) -> dict[str, Any]:
    """The stored row of ``r`` (its flagged values as JSON)."""
    row = {f.name: getattr(r, f.name) for f in dataclasses.fields(r) if f.name != "flags"}
    return {**row, "flagged": flags_json(r.flags), "imported_at": at, "batch": batch}


def stored_row(r: Record, at: datetime, batch: str) -> dict[str, str | None]:
    """The row ``do_import_records`` stores for ``r``, as :func:`records_sha256` reads it."""
    row: dict[str, str | None] = {k: v for k, v in _row(r, at, batch).items()
                                  if k not in ("birth_date", "imported_at")}
    row.update(birth_date=r.birth_date.isoformat() if r.birth_date else None,
               imported_at=L.iso(at))
    return row


def records_sha256(rows: Iterable[Mapping[str, str | None]]) -> str:
    """SHA-256 of the canonical JSON of the list of a batch's rows as stored, ``rows`` given
    ordered by (source, record id) in code-point order (the same on every backend), each the
    mapping of its columns but the row id, the birth date an ISO day (or null) and
    ``imported_at`` as the ledger writes times (``ledger.iso``). Hashed a row at a time (a batch
    may hold a million). A ``flagged`` column that is null is left out (batches imported before
    values were flagged keep their digest). The ``identity_records_imported`` entry records it;
    ``audit verify --read-models`` derives it again from the stored rows."""
    digest = hashlib.sha256(b"[")
    for i, row in enumerate(rows):
        d = {k: v for k, v in row.items() if k != "flagged" or v is not None}
        digest.update((b"," if i else b"") + canonical_json(d))
    digest.update(b"]")
    return digest.hexdigest()


def _digest(records: Sequence[Record], at: datetime, batch: str) -> str:
    ordered = sorted(records, key=lambda r: (r.source, r.record_id))
    return records_sha256(stored_row(r, at, batch) for r in ordered)


def _check_declaration(conn: Connection, source: str, one_record_per_person: bool) -> None:
    """A source holds one record per person or not, whatever batch is imported: a batch that
    says otherwise than the source's earlier ones is refused."""
    said = set(conn.execute(select(identity_batches.c.one_record_per_person)
                            .where(identity_batches.c.source == source)).scalars())
    if said and said != {one_record_per_person}:
        before = "declared" if True in said else "not declared"
        raise InvalidInput("one_record_per_person", (
            f"'{source}' was {before} to hold one record per person when its earlier batches "
            f"were imported; a batch cannot say otherwise (import it as another source)"))


def _one_record_per_person(conn: Connection) -> frozenset[str]:
    """The sources declared to hold one record per person."""
    return frozenset(conn.execute(select(identity_batches.c.source).distinct()
                                  .where(identity_batches.c.one_record_per_person)).scalars())


def parse_rows_checked(rows: Iterable[Mapping[str, str | None]], source: str,
                       first_row: int, problems: Sequence[RowProblem] = (), *,
                       today: date | None = None) -> list[Record]:
    """``identity.parse_rows``, with ``problems`` found earlier reported beside its own (every
    bad row at once, in row order)."""
    from ..identity import parse_rows

    try:
        records = parse_rows(rows, source, first_row=first_row, today=today)
    except InvalidRecords as e:
        raise InvalidRecords(source, sorted([*problems, *e.problems], key=lambda p: p.row)) from None
    if problems:
        raise InvalidRecords(source, sorted(problems, key=lambda p: p.row))
    if not records:
        raise InvalidInput("records", f"no records to import from '{source}'")
    return records


def import_file(ctx: AppContext, raw: bytes, name: str, source: str, actor: Actor = CLI_ACTOR,
                progress: Callable[[int, int], None] | None = None,
                one_record_per_person: bool = False) -> ImportResult:
    """``do_import_records`` over the bytes of a CSV or JSON file."""
    rows, first, problems = read_records_file(raw, name)
    return do_import_records(ctx, rows, source, actor, first_row=first, file_name=name,
                             sha256=hashlib.sha256(raw).hexdigest(), progress=progress,
                             problems=problems, one_record_per_person=one_record_per_person)


# ---------------------------------------------------------------------------------------------
# Linkage


def respect_rejections(clusters: dict[str, str],
                       rejected: list[tuple[str, str]]) -> dict[str, str]:
    """A supervisor's rejection outlives any later run: when a run's automatic links put the
    two records of a rejected match in one person, both leave that person and stand alone (they
    can rejoin only through review). Person ids stay the smallest record id of each person."""
    out = dict(clusters)
    for a, b in rejected:
        if a in out and b in out and out[a] == out[b]:
            person = out[a]
            out[a], out[b] = a, b
            rest = sorted(k for k, p in out.items() if p == person and k not in (a, b))
            for k in rest:
                out[k] = rest[0]
    return out


def do_link(ctx: AppContext, actor: Actor = CLI_ACTOR, model: Model | None = None,
            at: datetime | None = None) -> LinkSummary:
    """Link every stored record (``identity.link``); replace the persons and the pending pairs of
    the review queue with this run's, keeping every pair a person has proposed or decided; one
    ledger entry for the run."""
    access_identity_write(actor, "run linkage")
    model = model or _model()
    at = at or ctx.clock()
    t0 = time.perf_counter()
    with ctx.engine.begin() as conn:
        ids, records = _stored_records(conn)
        id_of = {r.record_id: i for i, r in zip(ids, records, strict=True)}
        if len(records) >= 2:
            result = link(records, model, one_per_person=_one_record_per_person(conn))
            clusters, auto, review = result.clusters, result.auto_link_count, result.review
            del result
        else:
            clusters, auto, review = {r.record_id: r.record_id for r in records}, 0, []
        keys = {i: k for k, i in id_of.items()}
        inserted = conn.execute(insert(identity_runs).values(
            at=at, actor_id=actor.id, model=_model_name(model), records=len(records),
            persons=len(set(clusters.values())), auto_links=auto, review_pairs=len(review),
            seconds=0.0, ledger_seq=-1)).inserted_primary_key
        assert inserted is not None
        run = int(inserted[0])
        rejected = [(keys[a], keys[b]) for a, b in conn.execute(
            select(identity_pairs.c.left_record, identity_pairs.c.right_record)
            .where(identity_pairs.c.status == "rejected")) if a in keys and b in keys]
        clusters = respect_rejections(clusters, rejected)
        conn.execute(delete(identity_persons))
        items = [{"record": id_of[k], "person_id": p, "run": run} for k, p in clusters.items()]
        for start in range(0, len(items), _CHUNK):
            conn.execute(insert(identity_persons), items[start:start + _CHUNK])
        existing = {(r.left_record, r.right_record): (r.id, r.status) for r in conn.execute(
            select(identity_pairs.c.id, identity_pairs.c.left_record,
                   identity_pairs.c.right_record, identity_pairs.c.status))}
        seen: set[tuple[int, int]] = set()
        new: list[dict[str, Any]] = []
        rescored: list[dict[str, Any]] = []
        for p in review:
            a, b = sorted((id_of[p.left], id_of[p.right]))
            seen.add((a, b))
            values = {"probability": float(p.probability), "match_weight": float(p.match_weight),
                      "vetoes": ",".join(p.vetoes)[:200], "run": run,
                      "competition_weight": p.competition_weight}
            old = existing.get((a, b))
            if old is None:
                new.append({"left_record": a, "right_record": b, "status": "pending",
                            "proposed_by": "", "decided_by": "", "reason": "", **values})
            elif old[1] == "pending":
                rescored.append({"pair_id": old[0], **values})
        for start in range(0, len(new), _CHUNK):
            conn.execute(insert(identity_pairs), new[start:start + _CHUNK])
        rescore = update(identity_pairs).where(identity_pairs.c.id == bindparam("pair_id")).values(
            {c: bindparam(c) for c in ("probability", "match_weight", "vetoes", "run",
                                       "competition_weight")})
        for start in range(0, len(rescored), _CHUNK):  # one statement, many rows
            conn.execute(rescore, rescored[start:start + _CHUNK])
        gone = [pid for pair, (pid, status) in existing.items()
                if status == "pending" and pair not in seen]
        for start in range(0, len(gone), _CHUNK):
            conn.execute(delete(identity_pairs).where(
                identity_pairs.c.id.in_(gone[start:start + _CHUNK])))
        seconds = time.perf_counter() - t0
        persons = len(set(clusters.values()))
        summary = {"run": run, "records": len(records), "persons": persons,
                   "auto_links": auto, "review_pairs": len(review),
                   "model": _model_name(model)}  # how long it took is in identity_runs
        seq = L.append_now(conn, [L.LedgerItem("identity_linked", at, actor.id, actor.role, "",
                                           summary)], ctx.signing_key)
        conn.execute(update(identity_runs).where(identity_runs.c.id == run)
                     .values(seconds=seconds, ledger_seq=seq))
    return LinkSummary(run, len(records), persons, auto, len(review), seconds, seq)


def _model_name(model: Model) -> str:
    card = model.data_card or {}
    return str(card.get("trained_on") or card.get("name") or "model")[:200]


# ---------------------------------------------------------------------------------------------
# The review queue: propose, confirm, reject


def do_propose_match(ctx: AppContext, pair: int, actor: Actor, reason: str = "",
                     at: datetime | None = None) -> PairSummary:
    """An officer (or supervisor) proposes that the two records of a pending pair are one
    person; a supervisor then confirms or rejects it."""
    return _decide(ctx, pair, actor, "propose", reason, at)


def do_confirm_match(ctx: AppContext, pair: int, actor: Actor, reason: str = "",
                     at: datetime | None = None) -> PairSummary:
    """A supervisor who did not propose it confirms a proposed match: the two records' persons
    are one person from now on."""
    return _decide(ctx, pair, actor, "confirm", reason, at)


def do_reject_match(ctx: AppContext, pair: int, actor: Actor, reason: str = "",
                    at: datetime | None = None) -> PairSummary:
    """A supervisor who did not propose it rejects a proposed match: the records stay two
    people."""
    return _decide(ctx, pair, actor, "reject", reason, at)


_DONE = {"propose": "proposed", "confirm": "confirmed", "reject": "rejected"}


def _decide(ctx: AppContext, pair: int, actor: Actor, action: str, reason: str,
            at: datetime | None) -> PairSummary:
    at = at or ctx.clock()
    reason = check_text(reason or "", "reason", 500)
    refusal = ""
    try:
        access_identity_write(actor, f"{action} a match")
    except AccessDenied as e:
        _refused(ctx, actor, at, pair, action, str(e))
        raise
    with ctx.engine.begin() as conn:
        row = conn.execute(select(identity_pairs).where(identity_pairs.c.id == pair)
                           .with_for_update()).first()
        if row is None:
            raise NotFound(f"no pair {pair} in the identity review queue")
        if action == "propose" and row.status != "pending":
            refusal = f"pair {pair} is {row.status}, not pending: it cannot be proposed again"
        elif action != "propose" and row.status != "proposed":
            refusal = f"pair {pair} is {row.status}: only a proposed match is confirmed or rejected"
        elif action != "propose" and row.proposed_by == actor.id:
            refusal = (f"you proposed pair {pair}; another supervisor must {action} it "
                       "(ID-1: a second person decides an uncertain match)")
        if not refusal:
            values: dict[str, Any] = {"status": _DONE[action], "reason": reason}
            if action == "propose":
                values |= {"proposed_by": actor.id, "proposed_at": at}
            else:
                values |= {"decided_by": actor.id, "decided_at": at}
            conn.execute(update(identity_pairs).where(identity_pairs.c.id == pair).values(**values))
            _, keys, _ = _load_pair_records(conn, row)
            L.append(conn, [L.LedgerItem(
                f"identity_match_{_DONE[action]}", at, actor.id, actor.role, "",
                {"pair": pair, "left": keys[0], "right": keys[1],
                 "probability": round(float(row.probability), 6), "reason": reason})],
                ctx.signing_key)
            fresh = conn.execute(select(identity_pairs).where(identity_pairs.c.id == pair)).one()
            out = _summary(fresh, keys)
    if refusal:
        _refused(ctx, actor, at, pair, action, refusal)
        raise IdentityRefused(refusal)
    return out  # a confirmation changes the generation: the next lookup reads the persons again


def _refused(ctx: AppContext, actor: Actor, at: datetime, pair: int, action: str,
             why: str) -> None:
    with ctx.engine.begin() as conn:
        L.append(conn, [L.LedgerItem("identity_match_refused", at, actor.id, actor.role, "",
                                     {"pair": pair, "action": action, "reason": why})],
                 ctx.signing_key)


def _load_pair_records(conn: Connection, row: Any) -> tuple[list[Any], tuple[str, str], dict[
        int, str]]:
    """The pair's two stored records and their names (as linkage names them)."""
    rows = conn.execute(select(identity_records).where(
        identity_records.c.id.in_((row.left_record, row.right_record)))).all()
    by_id = {r.id: r for r in rows}
    ids = [r.record_id for r in rows]
    dupes = set(conn.execute(select(identity_records.c.record_id)
                             .where(identity_records.c.record_id.in_(ids))
                             .group_by(identity_records.c.record_id)
                             .having(func.count() > 1)).scalars())

    def name(i: int) -> str:
        r = by_id.get(i)
        if r is None:
            return f"#{i}"
        return f"{r.source}:{r.record_id}" if r.record_id in dupes else str(r.record_id)

    keys = {i: name(i) for i in (row.left_record, row.right_record)}
    return [by_id.get(row.left_record), by_id.get(row.right_record)], (
        keys[row.left_record], keys[row.right_record]), keys


def _summary(row: Any, keys: tuple[str, str]) -> PairSummary:
    return PairSummary(int(row.id), keys[0], keys[1], float(row.probability),
                       float(row.match_weight), tuple(v for v in row.vetoes.split(",") if v),
                       row.status, row.proposed_by, row.decided_by)


# ---------------------------------------------------------------------------------------------
# Reads, behind access_identity_review and ledgered with their purpose


def _access(ctx: AppContext, actor: Actor, purpose: str, at: datetime, record: str) -> None:
    try:
        access_identity_review(actor, purpose)
    except AccessDenied as e:
        raise refused_read(ctx, actor, purpose, at, record, e) from None


def _read(conn: Connection, ctx: AppContext, actor: Actor, purpose: str, at: datetime,
          record: str, extra: dict[str, Any]) -> None:
    L.append(conn, [L.LedgerItem("read", at, actor.id, actor.role, "",
                                 {"record": record, "cases": [], **extra}, purpose=purpose)],
             ctx.signing_key)


def get_review_queue(ctx: AppContext, actor: Actor, purpose: str, *, status: str = "open",
                     limit: int = 50, offset: int = 0,
                     at: datetime | None = None) -> Page[PairSummary]:
    """Pairs of the review queue, most probable first: ``open`` (pending and proposed, the
    default), or one status of ``PAIR_STATUSES``, or ``all``."""
    at = at or ctx.clock()
    if status not in (*PAIR_STATUSES, "open", "all"):
        raise InvalidInput("status", f"'{status}' is not one of: open, all, "
                                     f"{', '.join(PAIR_STATUSES)}")
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(0, offset)
    _access(ctx, actor, purpose, at, "identity_review_queue")
    with ctx.engine.begin() as conn:
        rows = conn.execute(_pairs_with(status).limit(limit).offset(offset)).all()
        items = []
        for r in rows:
            _, keys, _ = _load_pair_records(conn, r)
            items.append(_summary(r, keys))
        _read(conn, ctx, actor, purpose, at, "identity_review_queue",
              {"pairs": [i.pair for i in items], "status": status})
    return Page(items, limit, offset)


def _pairs_with(status: str) -> Select[Any]:
    """The queue's pairs of ``status`` (``open``: pending and proposed; ``all``), most probable
    first."""
    q = select(identity_pairs).order_by(identity_pairs.c.probability.desc(), identity_pairs.c.id)
    if status == "open":
        return q.where(identity_pairs.c.status.in_(("pending", "proposed")))
    return q if status == "all" else q.where(identity_pairs.c.status == status)


def get_review_pair(ctx: AppContext, pair: int, actor: Actor, purpose: str, *,
                    model: Model | None = None, at: datetime | None = None) -> PairView:
    """One pair: both records side by side and the model's match-weight waterfall."""
    at = at or ctx.clock()
    _access(ctx, actor, purpose, at, "identity_pair")
    with ctx.engine.begin() as conn:
        row = conn.execute(select(identity_pairs).where(identity_pairs.c.id == pair)).first()
        if row is None:
            raise NotFound(f"no pair {pair} in the identity review queue")
        (lrow, rrow), keys, _ = _load_pair_records(conn, row)
        if lrow is None or rrow is None:
            raise NotFound(f"a record of pair {pair} is no longer stored")
        left, right = _record(lrow, keys[0]), _record(rrow, keys[1])
        _read(conn, ctx, actor, purpose, at, "identity_pair",
              {"pair": pair, "records": list(keys)})
    exp = explain(left, right, model or _model(), row.competition_weight)
    return PairView(_summary(row, keys), _record_dict(left), _record_dict(right), exp.as_dict(),
                    row.proposed_at, row.decided_at, row.reason)


@dataclasses.dataclass(frozen=True)
class SourceSummary:
    source: str
    batches: int
    records: int
    one_record_per_person: bool
    first_import: datetime
    last_import: datetime

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "first_import": self.first_import.isoformat(),
                "last_import": self.last_import.isoformat()}


def get_sources(ctx: AppContext, actor: Actor, purpose: str, *,
                at: datetime | None = None) -> list[SourceSummary]:
    """Each source records were imported from: its batches, records, whether it was declared to
    hold one record per person, and when it was imported (no personal data: not a ledgered
    read; a refused one is)."""
    at = at or ctx.clock()
    _access(ctx, actor, purpose, at, "identity_sources")
    b = identity_batches.c
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(b.source, b.one_record_per_person, func.count(), func.sum(b.records),
                                   func.min(b.imported_at), func.max(b.imported_at))
                            .group_by(b.source, b.one_record_per_person).order_by(b.source)).all()
    return [SourceSummary(r[0], int(r[2]), int(r[3]), bool(r[1]), r[4], r[5]) for r in rows]


def get_clusters(ctx: AppContext, actor: Actor, purpose: str, *,
                 at: datetime | None = None) -> list[tuple[str, str]]:
    """``(record, person)`` for every stored record: records linked automatically (or by a
    confirmed match) share a person; a record whose only links await review keeps its own."""
    at = at or ctx.clock()
    _access(ctx, actor, purpose, at, "identity_persons")
    with ctx.engine.begin() as conn:
        records, _, clusters = _load(conn)
        _read(conn, ctx, actor, purpose, at, "identity_persons",
              {"records": len(records), "persons": len(set(clusters.values()))})
    return [(r.record_id, clusters[r.record_id]) for r in records]


def get_review_pairs_all(ctx: AppContext, actor: Actor, purpose: str, *,
                         status: str = "open", at: datetime | None = None) -> list[PairSummary]:
    """Every pair of the queue with ``status`` (for the command line's ``--review-out``), one read
    in the ledger."""
    at = at or ctx.clock()
    _access(ctx, actor, purpose, at, "identity_review_queue")
    q = _pairs_with(status)
    with ctx.engine.begin() as conn:
        rows = conn.execute(select(identity_records.c.id, identity_records.c.source,
                                   identity_records.c.record_id)).all()
        keys = _keys(rows)
        items = [_summary(r, (keys.get(r.left_record, f"#{r.left_record}"),
                              keys.get(r.right_record, f"#{r.right_record}")))
                 for r in conn.execute(q)]
        _read(conn, ctx, actor, purpose, at, "identity_review_queue",
              {"pairs": len(items), "status": status})
    return items


def review_counts(conn: Connection) -> dict[str, int]:
    """How many pairs of each status (numbers only)."""
    got = {str(r[0]): int(r[1]) for r in conn.execute(
        select(identity_pairs.c.status, func.count()).group_by(identity_pairs.c.status))}
    return {s: int(got.get(s, 0)) for s in PAIR_STATUSES}


# ---------------------------------------------------------------------------------------------
# A case's person against the stored records (open_case), and the proposal of a link


@dataclass
class _Known:
    generation: tuple[int, int, int]
    index: Index | None
    model: Model
    person_of: dict[str, str]  # with the confirmed matches
    us_persons: frozenset[str]
    keys: dict[int, str]  # row id → record name
    linked: dict[str, str]  # as the last linkage run left it


_INDEXES: weakref.WeakKeyDictionary[Engine, _Known] = weakref.WeakKeyDictionary()
MODEL_ENV = "DUECOURSE_IDENTITY_MODEL"
_MODEL: dict[str, Model] = {}


def _model() -> Model:
    """The model the agency configured (``DUECOURSE_IDENTITY_MODEL``: a model file from
    ``duecourse identity train``), or the one shipped with duecourse."""
    path = os.environ.get(MODEL_ENV, "").strip()
    kept = _MODEL.get(path)
    if kept is not None:
        return kept
    if not path:
        model = default_model()
    else:
        try:
            model = Model.load(path)
        except OSError as e:
            raise InvalidInput("identity_model", f"{MODEL_ENV}={path}: {e.strerror or e}") from None
        except (InvalidInput, ValueError) as e:
            why = e.message if isinstance(e, InvalidInput) else str(e)
            raise InvalidInput("identity_model", f"{MODEL_ENV}={path}: {why}") from None
    _MODEL[path] = model
    return model


def check_configured_model() -> None:
    """Load the configured model now, so that a wrong path or file stops the start, not the
    first case."""
    _model()


_LOOKUP = threading.Lock()


def _generation(conn: Connection) -> tuple[int, int, int]:
    """What the index was built from — batches imported, the last link run, matches confirmed —
    in one round trip (it is asked on every ``open_case``)."""
    row = conn.execute(select(
        select(func.count()).select_from(identity_batches).scalar_subquery(),
        select(func.coalesce(func.max(identity_runs.c.id), 0)).scalar_subquery(),
        select(func.count()).select_from(identity_pairs)
        .where(identity_pairs.c.status == "confirmed").scalar_subquery())).one()
    return int(row[0]), int(row[1]), int(row[2])


def _known(conn: Connection) -> _Known:
    """The index of the stored records, brought up to date when records were imported, linked or
    a match confirmed since it was built (by any process: the generation is read from the
    store). After a linkage run or a confirmation the records and their blocking keys are the
    same and only the persons are read again; after an import only the new records are read
    and prepared (a million records: seconds instead of half a minute)."""
    gen = _generation(conn)
    kept = _INDEXES.get(conn.engine)
    if kept is not None and kept.generation == gen:
        return kept
    with _LOOKUP:  # an index grows in the vocabularies that lookups write to: one at a time
        return _refreshed(conn, gen)


def _refreshed(conn: Connection, gen: tuple[int, int, int]) -> _Known:
    kept = _INDEXES.get(conn.engine)
    if kept is not None and kept.generation == gen:
        return kept  # another thread brought it up to date while this one waited
    model = _model()
    if gen[0] == 0:
        built = _Known(gen, None, model, {}, frozenset(), {}, {})
    elif kept is not None and kept.index is not None and kept.generation[0] == gen[0]:
        linked = kept.linked if kept.generation[1] == gen[1] else _linked(conn, kept.keys)
        built = _persons_known(gen, kept.index, kept.keys, linked,
                               _with_confirmed(conn, linked, kept.keys))
    elif kept is not None and kept.index is not None and (
            grown := _grown(conn, gen, kept.index, kept.keys)) is not None:
        built = grown
    else:
        ids, records = _stored_records(conn)
        keys = {i: r.record_id for i, r in zip(ids, records, strict=True)}
        linked = _linked(conn, keys)
        built = _persons_known(gen, Index(records, model), keys, linked,
                               _with_confirmed(conn, linked, keys))
    _INDEXES[conn.engine] = built
    keep_built()  # a million records: 1.5 million objects a full collection would walk
    return built


def _grown(conn: Connection, gen: tuple[int, int, int], index: Index,
           keys: dict[int, str]) -> _Known | None:
    """The index with the records imported since added, or None when a new record takes a
    record id already known (the names of both change: the index is built anew)."""
    ids, records = _stored_records(conn, after=max(keys, default=0))
    known = set(keys.values())
    known.update(r.record_id[len(r.source) + 1:] for r in index.records
                 if r.record_id.startswith(r.source + ":"))
    if not records or any(r.record_id in known or r.record_id.startswith(r.source + ":")
                          for r in records):
        return None
    keys = {**keys, **{i: r.record_id for i, r in zip(ids, records, strict=True)}}
    linked = _linked(conn, keys)
    persons = _with_confirmed(conn, linked, keys)
    return _persons_known(gen, index.extended(records, persons), keys, linked, persons)


def _persons_known(gen: tuple[int, int, int], index: Index, keys: dict[int, str],
                   linked: dict[str, str], persons: dict[str, str]) -> _Known:
    index = index.with_persons(persons)
    us = frozenset(persons[r.record_id] for r in index.records if r.nationality == "US")
    return _Known(gen, index, index.model, persons, us, keys, linked)


def person_record(person: Mapping[str, Any] | Any, key: str = "case") -> Record:
    """The person of a case as a record for comparison (the officer's data at the encounter)."""
    from ..identity import check_a_number

    p: Mapping[str, Any] = person if isinstance(person, Mapping) else dataclasses.asdict(person)
    birth = p.get("birth_date")
    if isinstance(birth, str):
        birth = date.fromisoformat(birth) if birth else None
    nats = [n for n in (p.get("nationalities") or ()) if isinstance(n, str) and len(n) == 2]
    sex = str(p.get("sex") or "").upper()
    try:
        a_number = check_a_number(str(p.get("a_number") or "")) if p.get("a_number") else ""
    except InvalidInput:
        a_number = ""
    return Record(record_id=key, source="case", family_name=str(p.get("family_name") or ""),
                  given_name=str(p.get("given_name") or ""),
                  birth_date=birth if isinstance(birth, date) else None,
                  sex=sex if sex in ("M", "F", "X") else "", nationality=nats[0] if nats else "",
                  a_number=a_number)


def assess_person(conn: Connection, person: Any, k: int = 5) -> dict[str, Any]:
    """What the case records of its person's link: the decision (``auto_link``: one known person
    at or above the auto-link threshold; ``review``: a candidate between the thresholds, a veto,
    or two persons above it; ``new_person``: none above the lower threshold), the linked record
    and whether that person's records indicate U.S. birth or citizenship, and the top
    candidates (record, person, probability, decision)."""
    kept = _known(conn)
    cands: list[Candidate] = []
    if kept.index is not None:
        with _LOOKUP:  # Index.top grows shared lookup tables: one lookup at a time per process
            cands = kept.index.top(person_record(person), k)
    shown = [{"record_id": c.record_id, "person_id": c.person_id,
              "probability": round(float(c.probability), 6), "decision": c.decision}
             for c in cands]
    auto = [c for c in cands if c.decision == "auto_link"]
    out: dict[str, Any] = {"decision": "new_person", "record": "", "person": "",
                           "indicates_us": False, "candidates": shown}
    if len({c.person_id for c in auto}) == 1:
        best = auto[0]
        out.update(decision="auto_link", record=best.record_id, person=best.person_id,
                   indicates_us=best.person_id in kept.us_persons)
    elif auto or any(c.decision == "review" for c in cands):
        out["decision"] = "review"
    return out


def enrich_event(conn: Connection, state: CaseState, cmd: Command, data: dict[str, Any]) -> None:
    """Add to a command's event what the store knows (called by the handler, in its
    transaction): the identity assessment on ``open_case``; on ``propose_identity_link`` the
    model's probability for the proposed record and whether its person indicates U.S. birth or
    citizenship. A proposed record that was never imported is refused (nothing is written)."""
    if isinstance(cmd, OpenCase):
        data["identity"] = assess_person(conn, cmd.person)
    elif isinstance(cmd, ProposeIdentityLink):
        if not cmd.record:
            data["probability"], data["indicates_us"] = None, False
            return
        kept = _known(conn)
        row = _find(conn, [cmd.record]).get(cmd.record)
        if cmd.record not in kept.person_of or row is None:
            raise InvalidInput("record", f"no imported record '{cmd.record}' (give the record id "
                                         "as the candidates list shows it)")
        exp = explain(person_record(state.person), _record(row, cmd.record), kept.model)
        data["probability"] = round(float(exp.probability), 6)
        data["person"] = kept.person_of[cmd.record]
        data["indicates_us"] = kept.person_of[cmd.record] in kept.us_persons


# What a candidate's record shows to those who decide a link: who the record says the person is.
# Not where they live (a street address of someone the model may say is another person), nor
# their document number: the waterfall gives the evidence of both as its level and weight.
DECIDING_FIELDS = ("record_id", "source", "family_name", "given_name", "birth_date", "sex",
                   "nationality", "a_number")
_EVIDENCE_ONLY = frozenset({"location", "document_number"})  # waterfall comparisons, values out


def case_candidates(conn: Connection, state: CaseState) -> list[dict[str, Any]]:
    """The candidates recorded on a case at or above the model's lower threshold (below it the
    model says the record is someone else), each with the stored record's deciding fields and
    its waterfall against the case's person."""
    model = _model()
    near = [c for c in state.identity_candidates
            if float(c.get("probability") or 0.0) >= model.thresholds.new_person]
    if not near:
        return []
    by_key = _find(conn, [str(c.get("record_id")) for c in near])
    me = person_record(state.person)
    out = []
    for c in near:
        row = by_key.get(str(c.get("record_id")))
        item = dict(c)
        if row is not None:
            rec = _record(row, str(c["record_id"]))
            full = _record_dict(rec)
            item["record"] = {k: full[k] for k in DECIDING_FIELDS}
            item["explanation"] = _evidence_only(explain(me, rec, model).as_dict())
        out.append(item)
    return out


def _evidence_only(exp: dict[str, Any]) -> dict[str, Any]:
    """A waterfall without the values of the comparisons whose fields are not shown."""
    steps = [{**st, "left_value": "", "right_value": ""} if st["comparison"] in _EVIDENCE_ONLY
             else st for st in exp["steps"]]
    return {**exp, "steps": steps}


def case_identity(conn: Connection, state: CaseState, actor: Actor) -> dict[str, Any]:
    """The person link of a case as the case page, ``GET /api/v1/cases/{id}`` and ``case show``
    show it to ``actor``: the link, the linked record, the proposal awaiting a supervisor, and -
    to the roles that propose or decide links only - the candidates with their deciding fields
    and waterfalls. Read within the case's own ledgered read (``get_case_view``), whose entry
    names every candidate shown."""
    return {"link": state.identity_link, "record": state.identity_record,
            "proposal": state.identity_proposal,
            "candidates": case_candidates(conn, state) if may_see_candidates(actor) else []}


def get_training_records(ctx: AppContext, actor: Actor, purpose: str, *,
                         at: datetime | None = None
                         ) -> tuple[list[Record], list[str], frozenset[str]]:
    """Every stored record (to train a model on), their sources and those of them declared to
    hold one record per person; one ledgered read."""
    at = at or ctx.clock()
    _access(ctx, actor, purpose, at, "identity_records")
    with ctx.engine.begin() as conn:
        records, _, _ = _load(conn)
        sources = sorted({r.source for r in records})
        declared = _one_record_per_person(conn)
        _read(conn, ctx, actor, purpose, at, "identity_records",
              {"records": len(records), "use": "training"})
    return records, sources, declared
