"""closure days of the legal calendar; read models of a case's stays and protections

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:00:00

``case_stays`` and ``case_protections`` are filled for the cases already stored, from their
events, by a reading of the event shapes written before this revision (kept here, on purpose:
a migration must read what was stored then, whatever the application's fold becomes):

- ``stay_granted {kind, until?}``: a stay whose id is its kind (legacy stays had no reference),
  from the event's time until ``until`` (or none); a later grant of the same kind renews it;
- ``stay_lifted {kind}``: lifts the stay(s) of that kind, at once (nothing was confirmed then);
- ``order_recorded {protected_countries}``: each country protected by an order (``in_force``);
- ``fear_claim_recorded {country}``: a claim awaiting screening (``pending``);
- ``fear_claim_decided {country, outcome}``: ``fear_established`` -> ``in_force``, otherwise the
  outcome (``no_fear``, ``withdrawn``).

A protection in force is never taken back by a later order, claim or decision (issue 13,
section 5): only a confirmed ``terminates_protection`` does, and no event before this revision
had one.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from duecourse.store.tables import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_KINDS = ("stay_granted", "stay_lifted", "order_recorded", "fear_claim_recorded",
          "fear_claim_decided")
_CHUNK = 500  # cases read and written at a time

_events = sa.table(
    "events",
    sa.column("case_id", sa.String()),
    sa.column("seq", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("at", UTCDateTime()),
    sa.column("data", sa.Text()),
)


def upgrade() -> None:
    op.create_table(
        "closure_days",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day", "scope", name="uq_closure_days_day_scope"),
    )
    stays = op.create_table(
        "case_stays",
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("stay_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("issued_by", sa.String(length=40), nullable=False),
        sa.Column("start_at", UTCDateTime(), nullable=False),
        sa.Column("until_at", UTCDateTime(), nullable=True),
        sa.Column("lifted_at", UTCDateTime(), nullable=True),
        sa.Column("lift_pending", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "stay_id"),
    )
    protections = op.create_table(
        "case_protections",
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "country", "source"),
    )
    assert stays is not None and protections is not None
    _carry_over(op.get_bind(), stays, protections)


def downgrade() -> None:
    op.drop_table("case_protections")
    op.drop_table("case_stays")
    op.drop_table("closure_days")


def _carry_over(conn: sa.Connection, stays: sa.Table, protections: sa.Table) -> None:
    """Every case's stays and protections, from its events, a chunk of cases at a time (no
    cursor is left open while rows are written, and no backend holds every event at once)."""
    relevant = _events.c.kind.in_(_KINDS)
    case_ids = [str(c) for c in conn.execute(
        sa.select(_events.c.case_id).where(relevant).distinct().order_by(_events.c.case_id)
    ).scalars()]
    for chunk in _chunks(case_ids, _CHUNK):
        rows = conn.execute(
            sa.select(_events.c.case_id, _events.c.seq, _events.c.kind, _events.c.at,
                      _events.c.data)
            .where(relevant, _events.c.case_id.in_(chunk))
            .order_by(_events.c.case_id, _events.c.seq)).all()
        stay_rows: list[dict[str, Any]] = []
        protection_rows: list[dict[str, Any]] = []
        by_case: dict[str, list[Any]] = {}
        for r in rows:
            by_case.setdefault(r.case_id, []).append(r)
        for case_id, evs in by_case.items():
            s, p = read_case(case_id, ((r.seq, r.kind, r.at, r.data) for r in evs))
            stay_rows += s
            protection_rows += p
        if stay_rows:
            conn.execute(sa.insert(stays), stay_rows)
        if protection_rows:
            conn.execute(sa.insert(protections), protection_rows)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def read_case(case_id: str, events: Iterable[tuple[int, str, datetime, str]]
              ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The ``case_stays`` and ``case_protections`` rows of one case, from its events in order
    (seq, kind, at, data as stored JSON text), read in their legacy shapes."""
    stays: dict[str, dict[str, Any]] = {}
    protections: dict[tuple[str, str], dict[str, Any]] = {}

    def protect(country: str, source: str, status: str, at: datetime) -> None:
        row = protections.get((country, source))
        if row is not None and (row["status"] == "in_force" or row["status"] == status):
            return  # in force stays in force; an unchanged status keeps its date
        protections[(country, source)] = {"case_id": case_id, "country": country,
                                          "source": source, "status": status, "since": at}

    for seq, kind, at, text in events:
        data = json.loads(text)
        where = f"case {case_id}, event {seq} ({kind})"
        if kind == "stay_granted":
            stay_kind = str(data["kind"])
            stays[stay_kind] = {
                "case_id": case_id, "stay_id": stay_kind, "kind": stay_kind,
                "issued_by": str(data.get("issued_by") or ""), "start_at": at,
                "until_at": _instant(data.get("until"), where), "lifted_at": None,
                "lift_pending": False}
        elif kind == "stay_lifted":
            for row in stays.values():
                if row["kind"] == data["kind"] and row["lifted_at"] is None:
                    row["lifted_at"] = at
        elif kind == "order_recorded":
            for c in data.get("protected_countries") or ():
                protect(_country(c, where), "order", "in_force", at)
        elif kind == "fear_claim_recorded":
            protect(_country(data["country"], where), "fear", "pending", at)
        elif kind == "fear_claim_decided":
            outcome = str(data["outcome"])
            protect(_country(data["country"], where), "fear",
                    "in_force" if outcome == "fear_established" else outcome, at)
    return list(stays.values()), list(protections.values())


def _instant(value: Any, where: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        t = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{where}: 'until' {value!r} is not a date and time") from None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _country(value: Any, where: str) -> str:
    """An ISO 3166-1 alpha-2 code for a stored country: the code itself in any case, or (for
    values stored before countries were codes) an alpha-3 code or a country's exact name."""
    text = str(value).strip()
    if len(text) == 2 and text.isascii() and text.isalpha():
        return text.upper()
    try:
        countries: Iterable[Any] = importlib.import_module("pycountry").countries
    except ImportError:  # pragma: no cover - pycountry is a dependency of duecourse
        countries = ()
    folded = text.casefold()
    found = {str(c.alpha_2) for c in countries
             if folded and folded in {str(getattr(c, a, "")).casefold()
                                      for a in ("alpha_3", "name", "official_name", "common_name")}}
    if len(found) == 1:
        return found.pop()
    # A protection is never dropped in silence: the upgrade stops and names the event.
    raise ValueError(f"{where}: country {value!r} is not an ISO 3166-1 country; the upgrade "
                     "cannot record its protection")
