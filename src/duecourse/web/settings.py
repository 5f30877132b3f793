"""Web configuration from the environment. Outside development nothing secret has a default:
``duecourse serve`` refuses to start until it is set."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta

from ..app.access import PURPOSES
from ..app.sign_in_limits import SignInLimits
from ..bootstrap import ConfigurationError
from ..config import Settings
from .body_limit import DEFAULT_MAX_REQUEST_BYTES, MAX_REQUEST_BYTES_ENV
from .proxies import TRUSTED_PROXIES_ENV, Network, check_trusted_proxies

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
    trusted_proxies: tuple[Network, ...] = ()  # whose X-Forwarded-For is believed (proxies.py)
    sign_in_limits: SignInLimits = field(default_factory=SignInLimits)
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES

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
    return WebSettings(settings.environment, secret or os.urandom(32).hex(), not dev, purposes,
                       _oidc(), _whole("DUECOURSE_WEB_THREADS", 4, 1, 200),
                       check_trusted_proxies(os.environ.get(TRUSTED_PROXIES_ENV, "")),
                       _sign_in_limits(),
                       _whole(MAX_REQUEST_BYTES_ENV, DEFAULT_MAX_REQUEST_BYTES, 1024, 2**31))


def _whole(name: str, default: int, low: int, high: int) -> int:
    """The whole number in the environment variable ``name`` (``default`` if unset)."""
    value = os.environ.get(name, "").strip() or str(default)
    if not value.isdigit() or not low <= int(value) <= high:
        raise ConfigurationError(f"{name} must be a whole number from {low} to {high} "
                                 f"(it is {value!r})")
    return int(value)


def _sign_in_limits() -> SignInLimits:
    default = SignInLimits()
    return SignInLimits(
        _whole("DUECOURSE_SIGN_IN_FAILURES_PER_ACCOUNT", default.per_account, 1, 1000),
        _whole("DUECOURSE_SIGN_IN_FAILURES_PER_ADDRESS", default.per_address, 1, 100000),
        timedelta(minutes=_whole("DUECOURSE_SIGN_IN_WINDOW_MINUTES",
                                 int(default.window.total_seconds() // 60), 1, 1440)))
