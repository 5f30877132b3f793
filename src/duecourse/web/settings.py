"""Web configuration from the environment. Outside development nothing secret has a default:
``duecourse serve`` refuses to start until it is set."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..app.access import PURPOSES
from ..bootstrap import ConfigurationError
from ..config import Settings

MIN_SECRET = 32


@dataclass(frozen=True)
class OidcSettings:
    """An agency identity provider (OpenID Connect). Accounts are still created by an
    administrator; the provider's subject (or e-mail) is matched to an account, never creates one."""

    issuer: str  # its discovery document is at {issuer}/.well-known/openid-configuration
    client_id: str
    client_secret: str
    label: str = "agency sign-in"
    username_claim: str = "preferred_username"


@dataclass(frozen=True)
class WebSettings:
    environment: str
    secret_key: str
    secure_cookies: bool
    purposes: tuple[str, ...]
    oidc: OidcSettings | None = None
    threads: int = 4  # requests handled at once by one server process

    @property
    def development(self) -> bool:
        return self.environment == "development"


def _oidc() -> OidcSettings | None:
    issuer = os.environ.get("DUECOURSE_OIDC_ISSUER", "")
    if not issuer:
        return None
    client_id = os.environ.get("DUECOURSE_OIDC_CLIENT_ID", "")
    secret = os.environ.get("DUECOURSE_OIDC_CLIENT_SECRET", "")
    if not client_id or not secret:
        raise ConfigurationError("DUECOURSE_OIDC_ISSUER is set: set DUECOURSE_OIDC_CLIENT_ID and "
                                 "DUECOURSE_OIDC_CLIENT_SECRET too")
    return OidcSettings(issuer.rstrip("/"), client_id, secret,
                        os.environ.get("DUECOURSE_OIDC_LABEL", "agency sign-in"),
                        os.environ.get("DUECOURSE_OIDC_USERNAME_CLAIM", "preferred_username"))


def load_web_settings(settings: Settings, *, serving: bool = False) -> WebSettings:
    """``serving`` is a real deployment (``duecourse serve``): outside development it needs a
    PostgreSQL URL and a secret key of its own."""
    dev = settings.environment == "development"
    secret = os.environ.get("DUECOURSE_SECRET_KEY", "")
    if not dev:
        if len(secret) < MIN_SECRET:
            raise ConfigurationError(f"set DUECOURSE_SECRET_KEY to a random value of at least "
                                     f"{MIN_SECRET} characters (no default outside development)")
        if serving and not settings.db_url.startswith("postgresql"):
            raise ConfigurationError("outside development duecourse serves from PostgreSQL: set "
                                     "DUECOURSE_DB=postgresql+psycopg://…")
    purposes = tuple(p.strip() for p in os.environ.get("DUECOURSE_PURPOSES", "").split(",")
                     if p.strip()) or PURPOSES
    unknown = [p for p in purposes if p not in PURPOSES]
    if unknown:
        raise ConfigurationError(f"DUECOURSE_PURPOSES names purposes the access rules do not "
                                 f"know: {', '.join(unknown)} (known: {', '.join(PURPOSES)})")
    threads = os.environ.get("DUECOURSE_WEB_THREADS", "4")
    if not threads.isdigit() or not 1 <= int(threads) <= 200:
        raise ConfigurationError("DUECOURSE_WEB_THREADS must be a whole number from 1 to 200")
    return WebSettings(settings.environment, secret or os.urandom(32).hex(), not dev, purposes,
                       _oidc(), int(threads))
