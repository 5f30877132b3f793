"""The one place that wires adapters — database, clock, ids, signing key — into the handlers."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .app import actors, ledger, sequencer
from .app.context import AppContext, Ids, system_clock
from .app.handlers import do_command
from .app.outcome import Outcome
from .app.queries import CaseView, get_case_view
from .audit.checkpoint import generate_private_key_pem, key_id, load_private_key
from .audit.note import check_key_name, parse_checkpoint
from .config import Settings, default_key_path, load_settings
from .domain.commands import Actor, Command, Envelope
from .domain.errors import DuecourseError
from .store.db import create_schema, make_engine
from .store.migrate import upgrade

if TYPE_CHECKING:
    from .app.audit import AuditReport


class ConfigurationError(DuecourseError):
    """The deployment is not configured safely; the message says what to set."""


@dataclass
class App:
    """The application: every entry point (CLI, API, simulator, tests) goes through this."""

    ctx: AppContext

    def do(self, command: Command, actor: Actor, at: datetime | None = None,
           case_id: str | None = None, idempotency_key: str | None = None,
           expected_version: int | None = None) -> Outcome:
        env = Envelope(command, actor, at or self.ctx.clock(), case_id, idempotency_key,
                       expected_version)
        return do_command(self.ctx, env)

    def get_case(self, case_id: str, actor: Actor, purpose: str,
                 at: datetime | None = None) -> CaseView:
        return get_case_view(self.ctx, case_id, actor, purpose, at)

    def register_actor(self, actor: Actor, by: Actor | None = None,
                       at: datetime | None = None) -> None:
        """Give ``actor`` its role and clients, ledgered (app/actors.py); ``by`` None is
        duecourse itself (recorded as ``system``)."""
        actors.register_actor(self.ctx, actor, by, at)

    def flush_ledger(self) -> int:
        """Integrate every queued ledger leaf now (the sequencer's step, in this process)."""
        return sequencer.drain(self.ctx.engine, self.ctx.signing_key)

    def checkpoint(self, at: datetime | None = None, adopt: bool = False) -> tuple[int, str]:
        """Integrate the queue and keep the signed note of the whole ledger in ``checkpoints``;
        (size, root hex). ``adopt`` signs a head with entries but no signed note (a store from
        before signed notes), which the caller has verified."""
        if not adopt:
            self.flush_ledger()
        with self.ctx.engine.begin() as conn:
            done = sequencer.integrate(conn, self.ctx.signing_key, at=at or self.ctx.clock(),
                                       adopt=adopt)
            root = parse_checkpoint(done.note).root.hex()
            if done.size:
                sequencer.keep_checkpoint(conn, done.size, root, done.note,
                                          key_id(self.ctx.signing_key.public_key()),
                                          at or self.ctx.clock())
            return done.size, root

    def verify(self, progress: Callable[[int], None] | None = None,
               kept: Sequence[str] = ()) -> AuditReport:
        """Integrate the queue, then verify the store with the ledger's public key alone."""
        from .app.audit import verify_store

        self.flush_ledger()
        return verify_store(self.ctx.engine, self.ctx.signing_key.public_key(), progress, kept)

    def start_sequencer(self) -> sequencer.Sequencer | None:
        """The background sequencer of a PostgreSQL deployment (None on SQLite, where each
        writer integrates its own leaf)."""
        if self.ctx.engine.dialect.name == "sqlite":
            return None
        return sequencer.Sequencer(self.ctx.engine, lambda: self.ctx.signing_key).start()


def signing_key_from(pem: str, where: str) -> Ed25519PrivateKey:
    """The Ed25519 private key in ``pem``; a ConfigurationError naming ``where`` (the setting
    or the file) if it is not one, never a traceback of the cryptography library."""
    try:
        return load_private_key(pem)
    except (ValueError, TypeError, UnicodeError) as e:
        raise ConfigurationError(
            f"{where} is not an Ed25519 private key in PEM (PKCS#8, '-----BEGIN PRIVATE "
            f"KEY-----'): {str(e).splitlines()[0] if str(e) else type(e).__name__}") from None


def load_signing_key(settings: Settings) -> Ed25519PrivateKey:
    if settings.ledger_key_pem:
        return signing_key_from(settings.ledger_key_pem, "DUECOURSE_LEDGER_KEY")
    path = settings.ledger_key_path
    if path is None:
        if settings.environment != "development":
            raise ConfigurationError(
                "no ledger signing key: set DUECOURSE_LEDGER_KEY or DUECOURSE_LEDGER_KEY_FILE "
                "(keys are generated only in development)")
        path = default_key_path(settings.db_url)
    if not path.exists():
        if settings.environment != "development":
            raise ConfigurationError(f"the ledger key file {path} does not exist")
        _create_key_file(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeError) as e:
        raise ConfigurationError(f"the ledger key file {path} cannot be read: {e}") from None
    return signing_key_from(text, f"the ledger key file {path}")


def _create_key_file(path: Path) -> None:
    """Write a new development key at ``path`` unless another process got there first.

    The key is written in full to a private temporary file and linked into place, which fails
    if ``path`` exists: two processes starting at once both end up using the one key that won.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".ledger-key-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:  # mkstemp creates it with mode 0600
            f.write(generate_private_key_pem())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)


def build_app(
    db_url: str | None = None, *, seed: int | None = None,
    clock: Callable[[], datetime] = system_clock, signing_key: Ed25519PrivateKey | None = None,
    migrate: bool = True,
) -> App:
    """Build the whole application. ``sqlite://`` gives a private in-memory store."""
    settings = load_settings(db_url)
    check_law_parameters()  # a deployment's value looser than the law stops the start
    url = settings.db_url
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    if url in ("sqlite://", "sqlite:///:memory:"):
        create_schema(engine)
        key = signing_key or Ed25519PrivateKey.generate()
    else:
        if migrate:
            upgrade(engine)
        key = signing_key or load_signing_key(settings)
    try:
        check_key_name(settings.ledger_origin)
    except ValueError as e:
        raise ConfigurationError(f"DUECOURSE_LEDGER_ORIGIN: {e} (it names the ledger in its "
                                 "signed checkpoints, e.g. ledger.agency.example/duecourse)") from e
    with engine.begin() as conn:
        ledger.ensure_head(conn, settings.ledger_origin)
    if os.environ.get("DUECOURSE_IDENTITY_MODEL", "").strip():
        from .app.identity import check_configured_model

        check_configured_model()  # a wrong model file stops the start, not the first case
    return App(AppContext(engine=engine, signing_key=key, ids=Ids(seed), clock=clock,
                          enrich=_enrich))


def check_law_parameters() -> None:
    """Load the dated legal parameters with the deployment's own values on top (the file named
    by DUECOURSE_LAW_PARAMETERS): an unknown key, a value not of the parameter's kind (NaN, an
    empty escalation list …), or a value looser than the legal floor of any version it would
    apply to, stops the start with a message naming the parameter, the value and what is
    allowed (law/params.py)."""
    from .law.params import OVERRIDES_ENV, ParameterError, check_configured

    try:
        check_configured()
    except ParameterError as e:
        raise ConfigurationError(f"{e} — fix or remove the value in the file {OVERRIDES_ENV} "
                                 "names; a deployment may tighten the law, never loosen it"
                                 ) from e


_ENRICHED = frozenset({"open_case", "propose_identity_link"})


def _enrich(conn: Any, state: Any, cmd: Command, data: dict[str, Any]) -> None:
    """The identity adapter (app/identity.py), imported when a command first needs it: linkage
    brings numpy and the name-matching libraries, which the other commands never use."""
    if cmd.name in _ENRICHED:
        from .app.identity import enrich_event

        enrich_event(conn, state, cmd, data)
