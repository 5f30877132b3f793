"""Serving the web app: the demo (seeded SQLite, one account per role) and real deployments."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import uvicorn
import uvicorn.config
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from ..app.accounts import do_create_account
from ..app.collector import settle
from ..app.demo_facts import get_demo_facts
from ..app.mail import MailServer, mail_server_from
from ..app.reminders import do_run_reminders
from ..bootstrap import App
from ..config import Settings, load_settings
from ..domain.commands import ROLES
from .app import create_web_app
from .settings import WebSettings


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    password: str
    note: str = ""


def seed_demo_accounts(app: App) -> list[DemoAccount]:
    """One account per role, each with a fresh random password. The attorney represents the
    clients of one of the simulation's attorneys (and sees only their cases)."""
    office, clients = get_demo_facts(app.ctx)
    made = []
    for role in ROLES:
        password = secrets.token_urlsafe(12)
        username = f"demo-{role}"
        do_create_account(app.ctx, None, username, role, password, name=f"Demo {role}",
                          office=office, clients=clients if role == "attorney" else ())
        note = (f"{len(clients)} client{'' if len(clients) == 1 else 's'}"
                if role == "attorney" else "")
        made.append(DemoAccount(role, username, password, note))
    return made


class NoDelayHTTP(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with Nagle's algorithm off on every connection.

    asyncio turns it off only for sockets whose protocol number is TCP, and the listening socket
    uvicorn binds for several workers has protocol 0: its connections then kept Nagle on, and a
    response written in two parts (head, then body) waited for the client's delayed ACK — 40 ms
    on Linux — whenever the client was not quick to acknowledge (a request every ~2 s, or back to
    back). Serving one request took ~48 ms instead of ~2 ms."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)  # type: ignore[arg-type]


HTTP_PROTOCOL = f"{__name__}:NoDelayHTTP"  # for uvicorn's --http


class NoQueryStrings(logging.Filter):
    """The access log without query strings: a search's names and A-numbers travel in the
    address (``/search?q=...``) and must not be written to a log (issue 16). uvicorn's access
    record carries (client, method, path with query, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration, with the access log's query strings left out (used
    by the single process and by every worker)."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config.setdefault("filters", {})["no_query_strings"] = {"()": f"{__name__}.NoQueryStrings"}
    # On the logger, not only its handler: every handler the record reaches (a root handler a
    # deployment adds, with propagation on) gets it without the query string.
    config["loggers"]["uvicorn.access"]["filters"] = ["no_query_strings"]
    # duecourse's own messages (the reminders' runs, the sequencer) beside uvicorn's
    config["loggers"]["duecourse"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def run(web: FastAPI, host: str, port: int) -> None:
    settle()
    uvicorn.run(web, host=host, port=port, log_level="info", proxy_headers=False,
                http=NoDelayHTTP, log_config=log_config())


def app_from_environment() -> FastAPI:
    """uvicorn factory for ``duecourse serve --workers N``: each worker process builds the app
    from the environment (DUECOURSE_DB and the keys), as ``duecourse serve`` checked them."""
    from ..bootstrap import build_app
    from ..config import load_settings
    from .settings import load_web_settings

    settings = load_settings()
    web = build_web(build_app(settings.db_url, migrate=False),  # serve migrated it
                    load_web_settings(settings, serving=True))
    settle()
    return web


def run_workers(db_url: str, host: str, port: int, workers: int) -> None:
    """Serve with ``workers`` processes (one per core), each with its own connections."""
    os.environ["DUECOURSE_DB"] = db_url
    uvicorn.run(f"{__name__}:app_from_environment", factory=True, host=host, port=port,
                workers=workers, log_level="info", proxy_headers=False, http=HTTP_PROTOCOL,
                log_config=log_config())


def build_web(app: App, settings: WebSettings) -> FastAPI:
    web = create_web_app(app, settings)
    add_reminder_loop(web, app, load_settings())
    return web


log = logging.getLogger(__name__)


def add_reminder_loop(web: FastAPI, app: App, settings: Settings) -> None:
    """Run the reminders (app/reminders.py) every DUECOURSE_REMINDER_INTERVAL seconds while
    ``web`` serves (0: never; cron runs ``duecourse reminders run`` instead). Each worker runs
    its own loop: a notice is made, and a mail sent, once however many runs overlap. A wrong
    DUECOURSE_SMTP_URL stops the start."""
    interval = settings.reminder_interval
    if interval <= 0:
        return
    server = mail_server_from(settings.smtp_url, settings.mail_from)
    inner = web.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(w: Any) -> AsyncIterator[Any]:
        async with inner(w) as state:
            task = asyncio.create_task(remind_every(app, server, settings.mail_timezone,
                                                    interval))
            try:
                yield state
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    web.router.lifespan_context = lifespan


async def remind_every(app: App, server: MailServer | None, zone: str, interval: float) -> None:
    """A run of the reminders, in a thread, after every ``interval`` seconds; a run that fails
    is logged and the next one comes as planned."""
    while True:
        await asyncio.sleep(interval)
        try:
            r = await asyncio.to_thread(do_run_reminders, app.ctx, server, zone)
        except Exception:
            log.exception("the reminders' run failed; the next one is in %s s", interval)
            continue
        if r.made or r.sent or r.failed:
            log.info("reminders: %s notice(s) made, %s mail(s) sent, %s failed",
                     sum(r.made.values()), r.sent, r.failed)
