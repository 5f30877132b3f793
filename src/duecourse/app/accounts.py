"""Accounts, sign-in, sessions and API tokens.

An account is how a person signs in; the actor it names is who they act as (their role and, for
an attorney, their clients). Only an ``admin`` manages accounts (``access_accounts``), and every
change is in the ledger. Passwords are stored as argon2 hashes; session and API tokens are random
256-bit values stored as SHA-256 hashes. Password sign-ins are counted per user name and per
client address (app/sign_in_limits.py), and further tries are refused for a while once either
passes its limit; no limit is shared by everyone.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, bindparam, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..domain.commands import ROLES, Actor
from ..domain.errors import DuecourseError, InvalidInput, NotFound
from ..store.tables import accounts, actors, api_tokens, login_attempts, web_sessions
from . import ledger
from .access import AccessDenied
from .actors import record_actor
from .client_cases import client_cases, client_persons, numbers_of
from .context import AppContext
from .reads import Page
from .sign_in_limits import SignInLimits, count_try, describe, forgive_try, purge_expired

SESSION_HOURS = 8
TOKEN_DAYS = 30
SIGN_IN_LIMITS = SignInLimits()  # 5 failures per account, 20 per address, in 15 minutes
MIN_PASSWORD = 12
MAX_USERNAME = 62  # the actor's id, "u-" and the user name, fits its 64 characters
MAX_EMAIL = 254  # RFC 5321 §4.5.3.1.3 (a path of 256 octets, less its angle brackets)
_EMAIL = re.compile(r"[^@\s<>,;:\"]+@[^@\s<>,;:\"]+\.[^@\s<>,;:\".]+")
MAX_SUBJECT = 200  # accounts.oidc_subject (OpenID Connect Core 1.0 §2 allows 255: refused)

_hasher = PasswordHasher()


class SignInRefused(DuecourseError):
    """Wrong user name or password, or the account is inactive (the message never says which)."""


class TooManyAttempts(DuecourseError):
    """Too many failed sign-ins recently (from this address, or for this user name: the message
    never says which); it says when to try again."""

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True)
class Account:
    username: str
    actor: Actor
    office: str
    active: bool
    client_cases: tuple[str, ...] = ()  # the case numbers of an attorney's clients (clients.py)
    email: str | None = None  # where reminders are mailed (app/reminders.py); None: in the app


def _secret(password: str) -> bytes:
    """A password's bytes; any string has some (even one with an unpaired surrogate)."""
    return password.encode("utf-8", "surrogatepass")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def access_accounts(actor: Actor) -> None:
    """Only an administrator manages accounts (and never case facts)."""
    if actor.role != "admin":
        raise AccessDenied("only an administrator manages accounts")


# An account with the actor it signs in as, in one query; every signed-in request asks (by
# user name, by session or by API token), so the three lookups share it.
_ACCOUNT = (select(accounts.c.username, accounts.c.office, accounts.c.active, accounts.c.email,
                   actors.c.id, actors.c.role, actors.c.name, actors.c.clients)
            .join(actors, actors.c.id == accounts.c.actor_id))
_BY_USERNAME = _ACCOUNT.where(accounts.c.username == bindparam("b_username"))
_BY_SESSION = (_ACCOUNT.add_columns(web_sessions.c.csrf_token, web_sessions.c.purpose,
                                    web_sessions.c.expires_at)
               .join(web_sessions, web_sessions.c.username == accounts.c.username)
               .where(web_sessions.c.token_hash == bindparam("b_hash")))
_BY_TOKEN = (_ACCOUNT.add_columns(api_tokens.c.revoked, api_tokens.c.expires_at)
             .join(api_tokens, api_tokens.c.username == accounts.c.username)
             .where(api_tokens.c.token_hash == bindparam("b_hash")))


def _account_of(r: Any) -> Account:
    clients = tuple(c for c in r.clients.split(",") if c)
    return Account(r.username, Actor(r.id, r.role, r.name, clients, office=r.office or ""),
                   r.office, bool(r.active), email=r.email)


def get_account(conn: Connection, username: str) -> Account | None:
    row = conn.execute(_BY_USERNAME, {"b_username": username}).first()
    return _account_of(row) if row else None


def list_accounts(ctx: AppContext, admin: Actor, limit: int = 50,
                  offset: int = 0) -> Page[Account]:
    access_accounts(admin)
    with ctx.engine.connect() as conn:
        rows = conn.execute(_ACCOUNT.order_by(accounts.c.username)
                            .limit(limit).offset(offset)).all()
        found = [_account_of(r) for r in rows]
        by_person = client_cases(conn, {p for a in found for p in a.actor.clients})
    return Page([replace(a, client_cases=numbers_of(by_person, a.actor.clients)) for a in found],
                limit, offset)


def _check_new_account(username: str, role: str, password: str | None) -> None:
    if not username or len(username) > MAX_USERNAME or not username.replace("-", "").replace(
            "_", "").replace(".", "").isalnum():
        raise InvalidInput("username", f"must be 1–{MAX_USERNAME} letters, digits, '.', '-' or '_'",
                           record=f"account {username!r}")
    if role not in ROLES:
        raise InvalidInput("role", f"must be one of {', '.join(ROLES)}",
                           record=f"account {username}")
    if password is not None and len(password) < MIN_PASSWORD:
        raise InvalidInput("password", f"must have at least {MIN_PASSWORD} characters",
                           record=f"account {username}")


def office_name(typed: str) -> str:
    """An office as stored and compared (a supervisor's office against a case's): the words as
    typed, without the spaces around or between them (" Newark,  NJ " is "Newark, NJ")."""
    return " ".join(typed.split())


def check_email(email: str | None, username: str) -> str | None:
    """An account's address as stored: None for none (an empty one too); InvalidInput naming
    the account unless it is one plain address (name@host.domain)."""
    if email is None or not email.strip():
        return None
    email = email.strip()
    if len(email) > MAX_EMAIL or not _EMAIL.fullmatch(email):
        raise InvalidInput("email", "must be one e-mail address such as name@agency.example "
                           f"(at most {MAX_EMAIL} characters), or empty for none",
                           record=f"account {username}")
    return email


def do_create_account(ctx: AppContext, admin: Actor | None, username: str, role: str,
                      password: str | None, *, name: str = "", office: str = "",
                      clients: tuple[str, ...] = (), client_case_numbers: tuple[str, ...] = (),
                      email: str | None = None,
                      at: datetime | None = None) -> Account:
    """Create an account and the actor it signs in as. ``admin`` None is the installer (the first
    administrator, created from the command line); otherwise it must be an administrator.
    An attorney's clients are given as person ids (``clients``) or, as an administrator gives
    them, by the numbers of their cases (``client_case_numbers``, app/client_cases.py: a number that
    is no case's is refused and nothing is written)."""
    if admin is not None:
        access_accounts(admin)
    office = office_name(office)
    _check_new_account(username, role, password)
    email = check_email(email, username)
    at = at or ctx.clock()
    with ctx.engine.begin() as conn:
        if conn.execute(select(accounts.c.username)
                        .where(accounts.c.username == username)).first():
            raise InvalidInput("username", "is taken by another account",
                               record=f"account {username}")
        persons = tuple(dict.fromkeys(clients + client_persons(
            conn, client_case_numbers, f"account {username}")))
        actor = Actor(f"u-{username}", role, name or username, persons, office=office)
        record_actor(ctx, conn, actor, admin, at)
        conn.execute(insert(accounts).values(
            username=username, actor_id=actor.id, office=office, active=1, created_at=at,
            email=email, password_hash=_hasher.hash(_secret(password)) if password else ""))
        numbers = numbers_of(client_cases(conn, persons), persons)
        _ledger_change(ctx, conn, admin, at, {"change": "account_created", "username": username,
                                               "role": role, "office": office,
                                               "clients": list(persons),
                                               "client_cases": list(numbers), "email": email})
    return Account(username, actor, office, True, numbers, email)


def do_update_account(ctx: AppContext, admin: Actor, username: str, *, role: str | None = None,
                      active: bool | None = None, password: str | None = None,
                      office: str | None = None, clients: tuple[str, ...] | None = None,
                      client_case_numbers: tuple[str, ...] | None = None,
                      email: str | None = None, at: datetime | None = None) -> Account:
    """Change what is given (None: unchanged; ``email`` "" removes the address); ``clients``
    (person ids) or ``client_case_numbers`` (app/client_cases.py) replace an attorney's clients.
    The ledger entry records the clients before and after."""
    access_accounts(admin)
    office = None if office is None else office_name(office)
    at = at or ctx.clock()
    with ctx.engine.begin() as conn:
        account = get_account(conn, username)
        if account is None:
            raise NotFound(f"no account {username}")
        _check_new_account(username, role or account.actor.role, password)
        new_email = account.email if email is None else check_email(email, username)
        if username == _username_of(conn, admin) and (active is False or (role and role != "admin")):
            raise InvalidInput("active" if active is False else "role",
                               "an administrator cannot disable or demote their own account",
                               record=f"account {username}")
        if client_case_numbers is not None:
            clients = client_persons(conn, client_case_numbers, f"account {username}")
        actor = Actor(account.actor.id, role or account.actor.role, account.actor.name,
                      account.actor.clients if clients is None else clients,
                      office=account.office if office is None else office)
        by_person = client_cases(conn, {*account.actor.clients, *actor.clients})
        if (actor.role, actor.clients) != (account.actor.role, account.actor.clients):
            # a new role or clients: the actor's own entry records it
            record_actor(ctx, conn, actor, admin, at)
        values: dict[str, Any] = {}
        if active is not None:
            values["active"] = int(active)
        if office is not None:
            values["office"] = office
        if email is not None:
            values["email"] = new_email
        if password:
            values["password_hash"] = _hasher.hash(_secret(password))
        if values:
            conn.execute(update(accounts).where(accounts.c.username == username).values(**values))
        if active is False or password:  # signed-in sessions and tokens end with the change
            conn.execute(delete(web_sessions).where(web_sessions.c.username == username))
            conn.execute(update(api_tokens).where(api_tokens.c.username == username)
                         .values(revoked=1))
        numbers = numbers_of(by_person, actor.clients)
        change = {"change": "account_updated", "username": username, "role": actor.role,
                  "active": active, "office": office, "password_changed": bool(password),
                  "clients": list(actor.clients), "client_cases": list(numbers),
                  "clients_before": list(account.actor.clients),
                  "client_cases_before": list(numbers_of(by_person, account.actor.clients)),
                  **({"email": new_email} if email is not None else {})}
        _ledger_change(ctx, conn, admin, at, change)
        return Account(username, actor, office if office is not None else account.office,
                       account.active if active is None else active, numbers, new_email)


def _username_of(conn: Connection, actor: Actor) -> str | None:
    return conn.execute(select(accounts.c.username)
                        .where(accounts.c.actor_id == actor.id)).scalar_one_or_none()


def _ledger_change(ctx: AppContext, conn: Connection, admin: Actor | None, at: datetime,
                   body: dict[str, Any]) -> None:
    who = admin or Actor("installer", "admin")
    ledger.append(conn, [ledger.LedgerItem("account_changed", at, who.id, who.role, "", body)],
                  ctx.signing_key)


def do_sign_in(ctx: AppContext, username: str, password: str, remote: str,
               at: datetime | None = None, limits: SignInLimits = SIGN_IN_LIMITS) -> Account:
    """Check a user name and password from the client address ``remote``. The try is counted
    against the account and the address first, in a transaction of its own
    (app/sign_in_limits.py): past either limit it is refused without a look at the password,
    until that counter's window ends. A right password takes its try back. Every try whose
    password was checked is recorded (``login_attempts``)."""
    at = at or ctx.clock()
    # What is recorded of the attempt must be storable; such a name is no account's anyway.
    username = username.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
    with ctx.engine.begin() as conn:
        counted = count_try(conn, limits, remote, username, at)
    if counted.locked_for is not None:
        raise TooManyAttempts(describe(counted.locked_for), counted.retry_after_seconds)
    with ctx.engine.connect() as conn:
        row = conn.execute(select(accounts.c.active, accounts.c.password_hash)
                           .where(accounts.c.username == username)).first()
    ok = _password_matches(row.password_hash if row and row.active else "", password)
    with ctx.engine.begin() as conn:
        conn.execute(insert(login_attempts).values(username=username[:64], remote=remote[:64],
                                                   at=at, ok=int(ok)))
        if ok:
            forgive_try(conn, counted)
    if not ok:
        raise SignInRefused("wrong user name or password")
    with ctx.engine.begin() as conn:  # on its own: it holds no counter of this sign-in
        purge_expired(conn, limits, at)
    with ctx.engine.connect() as conn:
        account = get_account(conn, username)
    assert account is not None
    return account


def _password_matches(password_hash: str, password: str) -> bool:
    """Whether ``password`` is the one hashed; without a hash (no such account, an inactive
    one, one that signs in elsewhere) a hash is computed anyway: the same work either way, so
    timing does not reveal accounts."""
    if not password_hash:
        _hasher.hash(_secret(password))
        return False
    try:
        return _hasher.verify(password_hash, _secret(password))
    except (VerificationError, InvalidHashError):
        return False


def do_bind_oidc_subject(ctx: AppContext, username: str, subject: str, issuer: str = "",
                         at: datetime | None = None) -> Account | None:
    """Sign-in through the agency's OpenID Connect provider (web/oidc.py): the active account
    ``username`` once the provider's subject is bound to it, else None.

    The subject (``sub``, OpenID Connect Core 1.0 §2: the provider's never reassigned identifier
    of the person) is bound on the account's first such sign-in, with an ``account_changed``
    entry (``oidc_bound``) in the same transaction; later sign-ins must present the same
    subject. None, and nothing written, for an unknown or inactive account, another subject
    than the bound one, or a subject already bound to another account."""
    at = at or ctx.clock()
    try:
        with ctx.engine.begin() as conn:
            account = get_account(conn, username)
            if account is None or not account.active or not _storable(subject):
                return None
            bound = conn.execute(select(accounts.c.oidc_subject)
                                 .where(accounts.c.username == username)).scalar_one()
            if bound:
                return account if bound == subject else None
            if conn.execute(select(accounts.c.username)
                            .where(accounts.c.oidc_subject == subject)).first() is not None:
                return None  # the provider's person already signs in as another account
            # Only an unbound account is bound: of two first sign-ins at once, one binds.
            unbound = or_(accounts.c.oidc_subject.is_(None), accounts.c.oidc_subject == "")
            if conn.execute(update(accounts).where(accounts.c.username == username, unbound)
                            .values(oidc_subject=subject)).rowcount != 1:
                return None
            _ledger_change(ctx, conn, account.actor, at, {
                "change": "oidc_bound", "username": username, "oidc_subject": subject,
                "issuer": issuer})
            return account
    except IntegrityError:  # the same subject bound to another account meanwhile
        return None


def _storable(subject: str) -> bool:
    return 0 < len(subject) <= MAX_SUBJECT and "\x00" not in subject


@dataclass(frozen=True)
class WebSession:
    account: Account
    csrf_token: str
    purpose: str


def do_start_session(ctx: AppContext, account: Account, at: datetime | None = None) -> str:
    """A new session for a signed-in account; returns the cookie value."""
    at = at or ctx.clock()
    token = secrets.token_urlsafe(32)
    with ctx.engine.begin() as conn:
        conn.execute(insert(web_sessions).values(
            token_hash=token_hash(token), username=account.username,
            csrf_token=secrets.token_urlsafe(32), purpose="", created_at=at,
            expires_at=at + timedelta(hours=SESSION_HOURS)))
    return token


def get_session(ctx: AppContext, token: str, at: datetime | None = None) -> WebSession | None:
    at = at or ctx.clock()
    with ctx.engine.connect() as conn:
        r = conn.execute(_BY_SESSION, {"b_hash": token_hash(token)}).first()
    if r is None or r.expires_at <= at or not r.active:
        return None
    return WebSession(_account_of(r), r.csrf_token, r.purpose)


def do_set_session_purpose(ctx: AppContext, token: str, purpose: str) -> None:
    with ctx.engine.begin() as conn:
        conn.execute(update(web_sessions).where(web_sessions.c.token_hash == token_hash(token))
                     .values(purpose=purpose))


def do_end_session(ctx: AppContext, token: str) -> None:
    with ctx.engine.begin() as conn:
        conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == token_hash(token)))


def do_issue_token(ctx: AppContext, account: Account, label: str = "",
                   at: datetime | None = None) -> tuple[str, datetime]:
    """A bearer token for the API; returns it (shown once) and when it expires."""
    at = at or ctx.clock()
    token = "dc_" + secrets.token_urlsafe(32)
    expires = at + timedelta(days=TOKEN_DAYS)
    with ctx.engine.begin() as conn:
        conn.execute(insert(api_tokens).values(token_hash=token_hash(token),
                                               username=account.username, label=label[:200],
                                               created_at=at, expires_at=expires, revoked=0))
    return token, expires


def get_token_account(ctx: AppContext, token: str, at: datetime | None = None) -> Account | None:
    """The active account a live token belongs to (one query: every API request asks)."""
    at = at or ctx.clock()
    with ctx.engine.connect() as conn:
        r = conn.execute(_BY_TOKEN, {"b_hash": token_hash(token)}).first()
    if r is None or r.revoked or r.expires_at <= at or not r.active:
        return None
    return _account_of(r)
