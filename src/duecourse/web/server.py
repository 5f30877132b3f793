"""Serving the web app: the demo (seeded SQLite, one account per role) and real deployments."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI
from sqlalchemy import select

from ..app.accounts import do_create_account
from ..bootstrap import App
from ..domain.commands import ROLES
from ..store.tables import actors, cases
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
    with app.ctx.engine.connect() as conn:
        rows = conn.execute(select(actors.c.clients).where(actors.c.role == "attorney",
                                                           actors.c.clients != "")).all()
        office = conn.execute(select(cases.c.location).limit(1)).scalar_one_or_none() or ""
    clients = tuple(c for c in (rows[0].clients.split(",") if rows else []) if c)
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


def run(web: FastAPI, host: str, port: int) -> None:
    uvicorn.run(web, host=host, port=port, log_level="info", proxy_headers=False)


def build_web(app: App, settings: WebSettings) -> FastAPI:
    return create_web_app(app, settings)
