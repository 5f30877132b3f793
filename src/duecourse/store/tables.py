"""SQLAlchemy 2 tables, portable types only (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

actors = Table(
    "actors", metadata,
    Column("id", String(64), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("name", String(200), nullable=False, default=""),
    Column("clients", Text, nullable=False, default=""),  # person ids, comma-separated
)

persons = Table(
    "persons", metadata,
    Column("id", String(40), primary_key=True),
    Column("family_name", String(200), nullable=False),
    Column("given_name", String(200), nullable=False),
    Column("birth_date", Date),
    Column("nationalities", String(200), nullable=False, default=""),
    Column("languages", String(200), nullable=False, default=""),
    Column("sex", String(1), nullable=False, default=""),
    Column("a_number", String(20), nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
    # how the same person's other cases are found (domain.person: a_number_key, name_key)
    Column("a_number_key", String(20), nullable=False, default=""),
    Column("name_key", String(420), nullable=False, default=""),
    Index("ix_persons_names", "family_name", "given_name"),
    Index("ix_persons_a_number", "a_number"),
    Index("ix_persons_a_number_key", "a_number_key"),
    Index("ix_persons_name_key", "name_key"),
)

cases = Table(
    "cases", metadata,
    Column("id", String(40), primary_key=True),
    Column("person_id", String(40), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("location", String(200), nullable=False, default=""),
    Column("proceedings", String(20), nullable=False),
    Column("custody", String(20), nullable=False),
    Column("holds", String(200), nullable=False, default=""),
    Column("status", String(10), nullable=False),
    Column("close_reason", String(500), nullable=False, default=""),
    Column("facility", String(200), nullable=False, default=""),
    # Who holds the case (an actor id) and the agency office that holds it (CaseState).
    Column("assigned_officer", String(64), nullable=False, default="", index=True),
    Column("office", String(200), nullable=False, default="", index=True),
)

events = Table(
    "events", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("case_id", String(40), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("actor_role", String(20), nullable=False),
    Column("data", Text, nullable=False),
    UniqueConstraint("case_id", "seq", name="uq_events_case_seq"),
)

deadlines = Table(
    "deadlines", metadata,
    Column("case_id", String(40), primary_key=True),
    Column("deadline_id", String(20), primary_key=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("fulfilled_at", UTCDateTime),
    Column("state", String(10), nullable=False),
    Column("escalation", Integer, nullable=False, default=0),
    Index("ix_deadlines_state_due", "state", "due_at"),
)

commands = Table(
    "commands", metadata,
    Column("idempotency_key", String(200), primary_key=True),
    Column("case_id", String(40)),
    Column("actor_id", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("outcome", Text, nullable=False),
)

ledger = Table(
    "ledger", metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=False),
    Column("at", String(32), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("actor_role", String(20), nullable=False),
    Column("purpose", String(200), nullable=False, default=""),
    Column("case_id", String(40), nullable=False, default=""),
    Column("body", Text, nullable=False),
    Column("leaf_hash", String(64), nullable=False),
    # 2: the leaf is the entry without its position (queued before it had one, issue 14);
    # 1: entries written before issue 14, whose leaf includes ``seq``.
    Column("leaf_format", SmallInteger, nullable=False, server_default="1"),
    Index("ix_ledger_case", "case_id"),
    # The ledger page's filters (issue 17): by actor and by kind, newest first; by time.
    Index("ix_ledger_actor_seq", "actor_id", "seq"),
    Index("ix_ledger_kind_seq", "kind", "seq"),
    Index("ix_ledger_at", "at"),
)

# What a search was for (issue 16): the plain terms of a case or person search, kept out of the
# ledger. The search's ledger entry carries ``id`` and ``hmac`` (HMAC-SHA256 of ``terms`` under the
# deployment's terms key, app/search_terms.py); oversight reads a row only with a stated purpose,
# itself ledgered. Never shown in a ledger view.
search_terms = Table(
    "search_terms", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("hmac", String(64), nullable=False),
    Column("record", String(40), nullable=False),
    Column("terms", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("actor_role", String(20), nullable=False),
)

# Leaves waiting for the sequencer (app/sequencer.py): each transaction adds its own, with no
# lock shared with other writers; the sequencer moves them into ``ledger`` in batches.
ledger_queue = Table(
    "ledger_queue", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("actor_role", String(20), nullable=False),
    Column("purpose", String(200), nullable=False),
    Column("case_id", String(40), nullable=False),
    Column("body", Text, nullable=False),
    Column("leaf_hash", String(64), nullable=False),
    # HMAC of the leaf's bytes by the writers (app/ledger.queue_mac): no key, no integration.
    Column("mac", String(64), nullable=False),
)

ledger_head = Table(
    "ledger_head", metadata,
    Column("id", Integer, primary_key=True),
    Column("size", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("frontier", Text, nullable=False),
    # The ledger's origin line (C2SP tlog-checkpoint), fixed when the ledger is created.
    Column("origin", String(200)),
    # The signed note of the checkpoint of all ``size`` entries (the latest batch's).
    Column("checkpoint", Text),
    # The key id (audit/checkpoint.key_id) that signs the next checkpoint: set at the first
    # signature and by a key rotation; a sequencer holding another key refuses to sign.
    Column("key_id", String(16)),
)

checkpoints = Table(
    "checkpoints", metadata,
    Column("size", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=False),
    Column("root_hex", String(64), nullable=False),
    Column("at", String(32), nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("signature_hex", String(128), nullable=False),
    # The C2SP signed note (issue 14); NULL for checkpoints signed before it (their body is
    # audit/checkpoint.checkpoint_body).
    Column("note", Text),
)

# Sign-in (issue 3). An account is how a person signs in; the actor it names is who they act as
# (role, attorney's clients). Secrets are stored only as hashes: argon2 for passwords, SHA-256 for
# session and API tokens (random 256-bit values, so a fast hash is enough).
accounts = Table(
    "accounts", metadata,
    Column("username", String(64), primary_key=True),
    Column("actor_id", String(64), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False, default=""),
    Column("office", String(200), nullable=False, default=""),
    Column("active", Integer, nullable=False, default=1),
    Column("created_at", UTCDateTime, nullable=False),
    Column("oidc_subject", String(200), nullable=True, unique=True),
    # where reminders are mailed (issue 17); NULL: none, the reminders stay in the app
    Column("email", String(254), nullable=True),
)

web_sessions = Table(
    "web_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("username", String(64), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("purpose", String(40), nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("username", String(64), nullable=False, index=True),
    Column("label", String(200), nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked", Integer, nullable=False, default=0),
)

login_attempts = Table(
    "login_attempts", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("username", String(64), nullable=False),
    Column("remote", String(64), nullable=False, default=""),
    Column("at", UTCDateTime, nullable=False),
    Column("ok", Integer, nullable=False),
    Index("ix_login_attempts_user_at", "username", "at"),
    Index("ix_login_attempts_remote_at", "remote", "at"),
)

# Sign-in limits (issue 16): password sign-ins counted in fixed windows, one row per account
# (``scope`` "account", the user name) and per client address ("address"), each counted by one
# atomic upsert (app/sign_in_limits.py).
sign_in_limits = Table(
    "sign_in_limits", metadata,
    Column("scope", String(10), primary_key=True),
    Column("subject", String(64), primary_key=True),
    Column("window_start", UTCDateTime, nullable=False),
    Column("tries", Integer, nullable=False),
    Index("ix_sign_in_limits_window_start", "window_start"),
)

# The facility catalogue (issue 5): the agency's facility list as the placement planner sees it
# (placement/catalogue.py), replaced whole by ``duecourse facilities import``. Empty, the packaged
# FY26 list is used. ``units`` is JSON (beds per housing unit); ``position`` keeps the list's order.
facilities = Table(
    "facilities", metadata,
    Column("code", String(40), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("capacity_basis", String(200), nullable=False, default=""),
    Column("units", Text, nullable=False),
    Column("over_72h", Integer, nullable=False),
    Column("medical", String(10), nullable=False),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("aor", String(20), nullable=False, default=""),
    Column("standard", String(100), nullable=False, default=""),
)

# Identity resolution (issue 4): records from the agency's own lawful sources, imported in
# batches (``duecourse identity import``), and what linkage made of them (``identity link``): the
# person of each record, and the pairs a person must decide, with who proposed and who decided.
identity_batches = Table(
    "identity_batches", metadata,
    Column("id", String(40), primary_key=True),
    Column("source", String(100), nullable=False),
    Column("file_name", String(200), nullable=False, default=""),
    Column("sha256", String(64), nullable=False, default=""),
    Column("records", Integer, nullable=False),
    Column("imported_at", UTCDateTime, nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("ledger_seq", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    # The source is declared to hold one record per person (every batch of a source says the same).
    Column("one_record_per_person", Boolean, nullable=False, default=False),
)

identity_records = Table(
    "identity_records", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(100), nullable=False),
    Column("record_id", String(200), nullable=False),
    Column("family_name", String(200), nullable=False, default=""),
    Column("given_name", String(200), nullable=False, default=""),
    Column("birth_date", Date, nullable=True),
    Column("sex", String(1), nullable=False, default=""),
    Column("nationality", String(2), nullable=False, default=""),
    Column("address", String(200), nullable=False, default=""),
    Column("city", String(200), nullable=False, default=""),
    Column("postcode", String(200), nullable=False, default=""),
    Column("a_number", String(20), nullable=False, default=""),
    Column("document_number", String(20), nullable=False, default=""),
    Column("imported_at", UTCDateTime, nullable=False),
    Column("batch", String(40), nullable=False, index=True),
    # Values the source gave that were not valid (their fields are empty above): a JSON list of
    # {"field", "given", "reason"}, or NULL when every value was valid (identity/records.py).
    Column("flagged", Text, nullable=True),
    UniqueConstraint("source", "record_id", name="uq_identity_records_source_record"),
)

identity_runs = Table(
    "identity_runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("model", String(200), nullable=False, default=""),
    Column("records", Integer, nullable=False),
    Column("persons", Integer, nullable=False),
    Column("auto_links", Integer, nullable=False),
    Column("review_pairs", Integer, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("ledger_seq", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
)

identity_persons = Table(
    "identity_persons", metadata,
    Column("record", Integer, primary_key=True, autoincrement=False),  # identity_records.id
    Column("person_id", String(200), nullable=False, index=True),
    Column("run", Integer, nullable=False),
)

identity_pairs = Table(
    "identity_pairs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("left_record", Integer, nullable=False),  # identity_records.id, the smaller
    Column("right_record", Integer, nullable=False),
    Column("probability", Float, nullable=False),
    Column("match_weight", Float, nullable=False),
    Column("vetoes", String(200), nullable=False, default=""),
    # Weight gained or lost between two one-record-per-person sources (in match_weight already).
    Column("competition_weight", Float, nullable=False, default=0.0),
    Column("status", String(10), nullable=False),  # pending, proposed, confirmed, rejected
    Column("run", Integer, nullable=False),
    Column("proposed_by", String(64), nullable=False, default=""),
    Column("proposed_at", UTCDateTime, nullable=True),
    Column("decided_by", String(64), nullable=False, default=""),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("reason", String(500), nullable=False, default=""),
    UniqueConstraint("left_record", "right_record", name="uq_identity_pairs_records"),
    Index("ix_identity_pairs_status", "status", "probability"),
)

# The legal calendar (issue 13, LEGAL-DAY): days a body was closed besides weekends and federal
# holidays. ``scope`` is "ALL", "BIA" or an EOIR court's base-city code; written only by
# app/calendar.py (``duecourse calendar close``), each row with its ledger entry.
closure_days = Table(
    "closure_days", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("day", Date, nullable=False),
    Column("scope", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("recorded_by", String(64)),
    Column("recorded_at", UTCDateTime),
    UniqueConstraint("day", "scope", name="uq_closure_days_day_scope"),
)

# Read models of a case's stays and protections (issue 13, sections 4 and 5), rewritten from its
# events after each accepted command (repository.save_case_records); the events stay the truth.
# One row per stay the case has ever had: its id is the order's reference (legacy: its kind).
case_stays = Table(
    "case_stays", metadata,
    Column("case_id", String(40), primary_key=True),
    Column("stay_id", String(200), primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("issued_by", String(40), nullable=False, default=""),
    Column("start_at", UTCDateTime, nullable=False),
    Column("until_at", UTCDateTime, nullable=True),
    Column("lifted_at", UTCDateTime, nullable=True),
    Column("lift_pending", Boolean, nullable=False, default=False),
)

# One row per country and source of protection: "order" (an order's protected_countries) or
# "fear" (a fear claim); status in_force, pending (awaiting screening), no_fear, withdrawn or
# terminated (by a confirmed terminates_protection); ``since``: when it took that status.
case_protections = Table(
    "case_protections", metadata,
    Column("case_id", String(40), primary_key=True),
    Column("country", String(2), primary_key=True),
    Column("source", String(8), primary_key=True),
    Column("status", String(12), nullable=False),
    Column("since", UTCDateTime, nullable=False),
)

Index("ix_cases_facility", cases.c.facility)
Index("ix_cases_location", cases.c.location)
Index("ix_deadlines_due", deadlines.c.due_at)
# The work queue walks the open clocks only, earliest due first (met ones never slow it down).
_OPEN = deadlines.c.state.in_(("due", "overdue"))
Index("ix_deadlines_open_due", deadlines.c.due_at, deadlines.c.case_id, deadlines.c.deadline_id,
      postgresql_where=_OPEN, sqlite_where=_OPEN)

# Reminders (issue 17): a notice to one person that a clock on a case reached a threshold of its
# time (the law parameter "escalation.percent"), shown in the app and mailed. One per recipient,
# case, clock, threshold and start of the clock, however often or concurrently the run repeats.
notices = Table(
    "notices", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("recipient", String(64), nullable=False),  # an actor id
    Column("case_id", String(40), nullable=False),
    Column("clock_id", String(20), nullable=False),
    Column("clock_started_at", UTCDateTime, nullable=False),
    Column("percent", Integer, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("read_at", UTCDateTime, nullable=True),
    # pending, sending, sent, failed, gave_up (attempts spent), no_address, mail_off
    Column("mail_status", String(12), nullable=False),
    Column("mail_attempts", Integer, nullable=False, default=0),
    Column("mail_claimed_at", UTCDateTime, nullable=True),
    Column("mail_error", String(300), nullable=False, default=""),
    UniqueConstraint("recipient", "case_id", "clock_id", "percent", "clock_started_at",
                     name="uq_notices_once"),
    Index("ix_notices_recipient_created", "recipient", "created_at"),
    Index("ix_notices_mail_status", "mail_status"),
)
