"""Sign-in limits per account and per client address (issue 16).

Password sign-ins are counted in fixed windows, one counter per account (user name, whether or
not such an account exists) and one per client address. A try is counted *before* its password
is checked, by one atomic upsert per counter (``INSERT … ON CONFLICT DO UPDATE … RETURNING``: on
PostgreSQL the conflicting row is locked and the update sees its latest count), so N tries at
once against a limit of 5 let at most 5 reach the password check. A try whose password was
right is not counted. There is no global limit: failures against one account lock only that
account's password sign-ins, failures from one address lock only that address, and both end
when their window does.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, case, literal, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from ..store.tables import sign_in_limits as counters

ACCOUNT = "account"
ADDRESS = "address"
MAX_SUBJECT = 64  # sign_in_limits.subject


@dataclass(frozen=True)
class SignInLimits:
    """Failed password sign-ins allowed per account and per address within ``window``."""

    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class CountedTry:
    """A try as counted: each counter's window (to take the try back if the password was right)
    and, when a limit is passed, how long until its window ends."""

    windows: tuple[tuple[str, str, datetime], ...]
    locked_for: timedelta | None

    @property
    def retry_after_seconds(self) -> int:
        return math.ceil(self.locked_for.total_seconds()) if self.locked_for else 0


def _upsert(conn: Connection, scope: str, subject: str, at: datetime,
            window: timedelta) -> tuple[int, datetime]:
    """Count one try for (scope, subject) in one statement; its count and window start."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    expired = counters.c.window_start <= at - window
    stmt = dialect.insert(counters).values(scope=scope, subject=subject, window_start=at, tries=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[counters.c.scope, counters.c.subject],
        set_={"tries": case((expired, 1), else_=counters.c.tries + 1),
              "window_start": case((expired, literal(at, counters.c.window_start.type)),
                                   else_=counters.c.window_start)})
    row = conn.execute(stmt.returning(counters.c.tries, counters.c.window_start)).one()
    return int(row.tries), row.window_start


def address_key(address: str) -> str:
    """What the per-address limit counts: an IPv4 address (also written IPv4-mapped, as
    ::ffff:203.0.113.7), or an IPv6 address's /64 — one host or household, which holds all of
    its 2^64 addresses; any other text as it is."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def count_try(conn: Connection, limits: SignInLimits, address: str, username: str,
              at: datetime) -> CountedTry:
    """Count a password sign-in from ``address`` as ``username``; the address first, and a try
    from a locked address is not counted against the account (always in this order, so that two
    transactions never wait for each other's counters)."""
    windows: list[tuple[str, str, datetime]] = []
    for scope, subject, limit in ((ADDRESS, address_key(address), limits.per_address),
                                  (ACCOUNT, username, limits.per_account)):
        tries, start = _upsert(conn, scope, subject[:MAX_SUBJECT], at, limits.window)
        windows.append((scope, subject[:MAX_SUBJECT], start))
        if tries > limit:
            return CountedTry(tuple(windows), start + limits.window - at)
    return CountedTry(tuple(windows), None)


def forgive_try(conn: Connection, counted: CountedTry) -> None:
    """A right password: the try is not a failure (taken back from each counter, if its window
    is still the one it was counted in)."""
    for scope, subject, start in counted.windows:
        conn.execute(update(counters).where(
            counters.c.scope == scope, counters.c.subject == subject,
            counters.c.window_start == start, counters.c.tries > 0)
            .values(tries=counters.c.tries - 1))


PURGE_BATCH = 1000


def purge_expired(conn: Connection, limits: SignInLimits, at: datetime) -> None:
    """Counters whose window has ended count nothing: their rows go, a batch at a time. Rows
    another sign-in has locked are skipped (PostgreSQL's SKIP LOCKED), so that the purge never
    waits for a sign-in nor the two for each other."""
    expired = (select(counters.c.scope, counters.c.subject)
               .where(counters.c.window_start <= at - limits.window)
               .limit(PURGE_BATCH).with_for_update(skip_locked=True))
    conn.execute(counters.delete().where(
        tuple_(counters.c.scope, counters.c.subject).in_(expired)))


def describe(locked_for: timedelta) -> str:
    minutes = max(1, math.ceil(locked_for.total_seconds() / 60))
    return (f"too many failed sign-ins: try again in {minutes} minute"
            f"{'s' if minutes != 1 else ''}")

