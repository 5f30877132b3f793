"""What a search was for, out of the ledger (issue 16; docs/ledger.md).

A case or person search by name or A-number would put personal data in the ledger if its entry
named the terms. The entry names instead a row of ``search_terms`` (``ref``) and the terms'
HMAC-SHA256 (RFC 2104) under the deployment's terms key (DUECOURSE_TERMS_KEY): the plain terms
stay in that table, which oversight reads only through ``access_search_terms`` with a stated
purpose, and that read is itself ledgered (the purpose, never the terms). The HMAC binds the row
to the entry: a row changed afterwards no longer matches the hash its search ledgered.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from ..domain.commands import Actor
from ..domain.errors import DuecourseError, NotFound
from ..law.guards.text import placeholder
from ..store.tables import search_terms
from . import ledger as L
from .access import AccessDenied
from .context import AppContext

RECORD = "search_terms"
TERMS_ROLES = frozenset({"oversight"})
REASON_MAX = 500


class NoTermsKey(DuecourseError):
    """No key for the search terms' HMAC: the search is refused, nothing was shown."""


def terms_hmac(key: bytes, terms: str) -> str:
    """HMAC-SHA256 (RFC 2104) of ``terms`` under the deployment's terms key, in hex."""
    return hmac.new(key, terms.encode("utf-8"), hashlib.sha256).hexdigest()


def record_terms(ctx: AppContext, conn: Connection, actor: Actor, record: str, terms: str,
                 at: datetime) -> dict[str, Any] | None:
    """Keep a search's plain ``terms`` in ``search_terms`` (in the caller's transaction) and
    give what its ledger entry says of them: the row's id and the terms' HMAC. None when the
    search had no terms."""
    if not terms:
        return None
    if ctx.terms_key is None:
        raise NoTermsKey("no key for search terms (DUECOURSE_TERMS_KEY): a search by name or "
                         "number cannot be recorded without personal data in the ledger, so it "
                         "is refused")
    digest = terms_hmac(ctx.terms_key, terms)
    ref = conn.execute(insert(search_terms).values(
        hmac=digest, record=record, terms=terms, at=at, actor_id=actor.id,
        actor_role=actor.role)).inserted_primary_key
    assert ref is not None
    return {"ref": int(ref[0]), "hmac": digest}


def access_search_terms(actor: Actor, reason: str) -> None:
    """The plain terms of a search: oversight only, with a stated reason (real text, not a
    placeholder such as "n/a" or "audit")."""
    if actor.role not in TERMS_ROLES:
        raise AccessDenied(f"the role '{actor.role}' does not read search terms; oversight does, "
                           "with a stated reason")
    if placeholder(reason) or not _stated(reason):
        raise AccessDenied("reason: state why you read these search terms in a sentence that "
                           "names what it serves (e.g. 'complaint OIG-2026-114: was this name "
                           "searched without a case?'); a blank, placeholder or one-word reason "
                           "is no record of why")
    if len(reason) > REASON_MAX:
        raise AccessDenied(f"reason: at most {REASON_MAX} characters, not {len(reason)}")


def _stated(reason: str) -> bool:
    """A reason that says something: at least three words that hold a letter, and fifteen
    letters in all ("audit", "because", "review", "lol" and "test123" do not)."""
    words = [w for w in reason.split() if any(c.isalpha() for c in w)]
    return len(words) >= 3 and sum(c.isalpha() for c in reason) >= 15


@dataclass(frozen=True)
class SearchTerms:
    ref: int
    record: str
    terms: str
    at: datetime
    actor_id: str
    actor_role: str
    hmac: str
    intact: bool  # the terms still produce the HMAC recorded with them (and in the ledger)

    def as_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, "record": self.record, "terms": self.terms,
                "at": self.at.isoformat(), "actor_id": self.actor_id,
                "actor_role": self.actor_role, "hmac": self.hmac, "intact": self.intact}


def get_search_terms(ctx: AppContext, actor: Actor, ref: int, reason: str,
                     at: datetime | None = None) -> SearchTerms:
    """The plain terms of the search whose ledger entry names ``ref``: oversight only, with a
    reason; the read (or its refusal) is ledgered with the reason and the ref, not the terms."""
    at = at or ctx.clock()
    reason = reason.strip()
    try:
        access_search_terms(actor, reason)
    except AccessDenied as e:
        with ctx.engine.begin() as conn:
            L.append(conn, [L.LedgerItem("read_refused", at, actor.id, actor.role, "", {
                "record": RECORD, "ref": ref, "reason": str(e)})], ctx.signing_key)
        raise
    with ctx.engine.begin() as conn:
        row = conn.execute(select(search_terms).where(search_terms.c.id == ref)).first()
        if row is None:
            raise NotFound(f"no search terms {ref}")
        L.append(conn, [L.LedgerItem("read", at, actor.id, actor.role, "", {
            "record": RECORD, "ref": ref, "hmac": row.hmac, "stated_reason": reason},
            purpose="oversight_audit")], ctx.signing_key)
    intact = ctx.terms_key is not None and hmac.compare_digest(
        terms_hmac(ctx.terms_key, row.terms), row.hmac)
    return SearchTerms(int(row.id), row.record, row.terms, row.at, row.actor_id, row.actor_role,
                       row.hmac, intact)
