"""Configuration from the environment. Secrets never default outside development."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .domain.errors import DuecourseError

DEFAULT_DB_PATH = Path("var") / "duecourse.sqlite"
DEFAULT_ORIGIN = "duecourse.invalid/ledger"
"""The ledger's origin line (C2SP tlog-checkpoint) unless DUECOURSE_LEDGER_ORIGIN names it: a
deployment names its own (e.g. ``ledger.agency.example/duecourse``) before its first entry."""


@dataclass(frozen=True)
class Settings:
    db_url: str
    environment: str  # development | production
    ledger_key_path: Path | None
    ledger_key_pem: str | None
    ledger_origin: str = DEFAULT_ORIGIN
    ledger_public_key_path: Path | None = None
    # A deployment's own values of the dated legal parameters (law/params.py): YAML, key -> value
    # or key -> [{from, value}]; of the parameter's kind and never looser than the law's floor
    # (checked at start, law/params.py).
    law_parameters_path: Path | None = None
    # The key of the search terms' HMAC in the ledger (issue 16, app/search_terms.py): text of at
    # least 32 characters, or a file holding it.
    terms_key: str | None = None
    terms_key_path: Path | None = None
    # Reminders (issue 17, app/reminders.py): the SMTP server (smtp://, smtp+starttls://,
    # smtps://; None: reminders stay in the app), the sender, the zone of the local due time in
    # the mail, and how often ``duecourse serve`` runs them (seconds; 0: never, cron does).
    smtp_url: str | None = None
    mail_from: str = ""
    mail_timezone: str = "America/New_York"
    reminder_interval: int = 300


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def load_settings(db_url: str | None = None) -> Settings:
    env = os.environ.get("DUECOURSE_ENV", "development")
    url = db_url or os.environ.get("DUECOURSE_DB") or sqlite_url(DEFAULT_DB_PATH)
    key_path = os.environ.get("DUECOURSE_LEDGER_KEY_FILE")
    return Settings(
        db_url=url,
        environment=env,
        ledger_key_path=Path(key_path) if key_path else None,
        ledger_key_pem=os.environ.get("DUECOURSE_LEDGER_KEY"),
        ledger_origin=os.environ.get("DUECOURSE_LEDGER_ORIGIN", "").strip() or DEFAULT_ORIGIN,
        ledger_public_key_path=_path(os.environ.get("DUECOURSE_LEDGER_PUBLIC_KEY_FILE")),
        law_parameters_path=_path(os.environ.get("DUECOURSE_LAW_PARAMETERS", "").strip() or None),
        terms_key=os.environ.get("DUECOURSE_TERMS_KEY") or None,
        terms_key_path=_path(os.environ.get("DUECOURSE_TERMS_KEY_FILE")),
        smtp_url=os.environ.get("DUECOURSE_SMTP_URL", "").strip() or None,
        mail_from=os.environ.get("DUECOURSE_MAIL_FROM", "").strip(),
        mail_timezone=os.environ.get("DUECOURSE_MAIL_TIMEZONE", "").strip() or "America/New_York",
        reminder_interval=_seconds(os.environ.get("DUECOURSE_REMINDER_INTERVAL", ""), 300),
    )


def _seconds(value: str, default: int) -> int:
    """A number of seconds from the environment; the default if unset, 0 (off) if negative."""
    value = value.strip()
    if not value:
        return default
    try:
        return max(0, int(value))
    except ValueError:
        raise DuecourseError(f"DUECOURSE_REMINDER_INTERVAL must be a whole number of seconds "
                         f"(0 turns the reminders' loop off), not {value!r}") from None


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def default_key_path(db_url: str) -> Path:
    """Development only: the ledger key lives beside the SQLite file (or in ./var)."""
    if db_url.startswith("sqlite:///") and db_url != "sqlite:///:memory:":
        return Path(db_url.removeprefix("sqlite:///")).with_suffix(".ledger-key.pem")
    return Path("var") / "ledger-key.pem"


def default_terms_key_path(settings: Settings) -> Path:
    """Development only: the search terms' key lives beside the ledger key (a configured ledger
    key file, the SQLite file, or ./var)."""
    ledger_key = settings.ledger_key_path or default_key_path(settings.db_url)
    return ledger_key.with_name(ledger_key.name.removesuffix(".pem").replace("ledger-key",
                                                                                 "terms-key"))
