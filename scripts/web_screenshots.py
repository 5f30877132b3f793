"""Screenshots of the web pages for docs/web.md, taken in Debian's chromium with Playwright.

Seeds a small demo (the same simulation as ``duecourse demo``, synthetic people only) into a
temporary SQLite file, serves it, signs in as each of the eight roles and photographs the pages
each role works with, at 1,400 pixels wide and a few at 390 (a phone). The PNG files go to
docs/images/web/ (or the folder given). Run it from the repository root, in the project's
virtual environment with the test extra installed:

    python scripts/web_screenshots.py [--out docs/images/web] [--people 40] [--days 150]

tests/e2e/test_layout.py loads this file for its seed and its tour of the pages, so that the
pages documented are the pages tested.
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page, ViewportSize

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images" / "web"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDE: ViewportSize = {"width": 1400, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
# The purpose each role gives in the tour (one of app/access.py's purposes for the role).
PURPOSE = {"officer": "case_work", "supervisor": "supervision", "counsel": "legal_review",
           "detention": "detention_management", "transport": "transport_planning",
           "oversight": "oversight_audit", "attorney": "representation", "admin": "case_work"}


@dataclass
class DemoSite:
    """The served demo's application, its web app, one account per role, and the records the
    tour opens: a busy case, its person, the attorney's client's case and an identity pair."""

    app: Any
    web: Any
    accounts: dict[str, tuple[str, str]] = field(default_factory=dict)  # role -> (user, password)
    case: str = ""
    person: str = ""
    client_case: str = ""
    client: str = ""
    pair: int = 0


def build_demo_site(db_url: str, people: int = 40, days: int = 150, seed: int = 7) -> DemoSite:
    """The demo simulation into ``db_url``, ending now so that its clocks run, with accounts."""
    from sqlalchemy import func, select

    from duecourse.bootstrap import build_app
    from duecourse.config import load_settings
    from duecourse.sim.demo import run_demo, start_to_end_now
    from duecourse.store.tables import cases, events, identity_pairs
    from duecourse.web.server import build_web, seed_demo_accounts
    from duecourse.web.settings import load_web_settings

    run_demo(people=people, days=days, seed=seed, db_url=db_url, fresh=True,
             start=start_to_end_now(days, datetime.now(UTC)))
    app = build_app(db_url)
    accounts = {a.role: (a.username, a.password) for a in seed_demo_accounts(app)}
    from duecourse.app.reminders import do_run_reminders

    do_run_reminders(app.ctx, None)  # the notices of the clocks now, in the app (no mail)
    site = DemoSite(app, build_web(app, load_web_settings(load_settings(db_url))), accounts)
    busiest = (select(events.c.case_id).join(cases, cases.c.id == events.c.case_id)
               .where(cases.c.status == "open").group_by(events.c.case_id)
               .order_by(func.count().desc(), events.c.case_id).limit(1))
    with app.ctx.engine.connect() as conn:
        site.case = conn.execute(busiest).scalar_one()
        site.person = conn.execute(select(cases.c.person_id).where(cases.c.id == site.case)
                                   ).scalar_one()
        site.pair = conn.execute(select(func.min(identity_pairs.c.id))).scalar_one() or 0
    from duecourse.app.demo_facts import get_demo_facts

    clients = get_demo_facts(app.ctx)[1]  # person ids
    site.client = clients[0] if clients else site.person
    with app.ctx.engine.connect() as conn:
        site.client_case = conn.execute(select(cases.c.id).where(cases.c.person_id == site.client)
                                        .order_by(cases.c.id).limit(1)).scalar_one()
    return site


def records_pages(site: DemoSite, role: str) -> list[tuple[str, str]]:
    """The pages of records a role opens from its work: (name, address). A role that may not
    read one gets the refusal page, which must fit the screen too."""
    case, person = ((site.client_case, site.client) if role == "attorney"
                    else (site.case, site.person))
    pages = [("case", f"/cases/{case}"), ("person", f"/persons/{person}")]
    if site.pair:
        pages.append(("identity-pair", f"/identity/review/{site.pair}"))
    return pages


def sign_in(page: Page, base: str, site: DemoSite, role: str) -> None:
    """Sign in as the role's demo account and give its purpose when asked."""
    user, password = site.accounts[role]
    page.goto(f"{base}/sign-in")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/purpose" in page.url:
        choose_purpose(page, role)


def choose_purpose(page: Page, role: str) -> None:
    page.locator(f"label[for=purpose-{PURPOSE[role]}]").click()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def nav_pages(page: Page) -> list[tuple[str, str]]:
    """The pages the main navigation offers the signed-in role: (link text, address)."""
    links = page.locator("nav[aria-label=Main] a.usa-nav-link")
    return [(links.nth(i).inner_text().strip(), links.nth(i).get_attribute("href") or "")
            for i in range(links.count())]


# ------------------------------------------------------------------------------ serving

@contextmanager
def serving(web: Any) -> Iterator[str]:
    """Serve ``web`` with uvicorn in a thread on a free port of 127.0.0.1; yields the base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    host, port = sock.getsockname()[:2]
    server = uvicorn.Server(uvicorn.Config(web, host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# -------------------------------------------------------------------------- screenshots

# What docs/web.md shows: (file name, role, address or a key of records_pages, phone too?)
SHOTS = [
    ("sign-in", None, "/sign-in", True),
    ("purpose", "officer", "/purpose?next=/queue", False),
    ("queue-officer", "officer", "/queue", True),
    ("case-officer", "officer", "case", True),
    ("person", "officer", "person", False),
    ("search", "officer", "/cases?q=an", False),
    ("open-a-case", "officer", "/cases/new", False),
    ("queue-supervisor", "supervisor", "/queue", False),
    ("case-counsel", "counsel", "case", False),
    ("placement", "detention", "/placement", True),
    ("transport", "transport", "/transport", False),
    ("identity-review", "supervisor", "/identity/review", False),
    ("identity-pair", "supervisor", "identity-pair", False),
    ("oversight", "oversight", "/oversight", False),
    ("ledger", "oversight", "/ledger", False),
    ("notices", "supervisor", "/notices", False),
    ("clients-attorney", "attorney", "/clients", False),
    ("case-attorney", "attorney", "case", False),
    ("accounts", "admin", "/admin/accounts", False),
    ("not-found", "officer", "/cases/C-NO-SUCH-CASE", False),
]


def take_screenshots(out: Path, people: int, days: int) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        site = build_demo_site(f"sqlite:///{tmp}/demo.sqlite", people, days)
        with serving(site.web) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for role in [None, *PURPOSE]:
                shots = [s for s in SHOTS if s[1] == role]
                if not shots:
                    continue
                for viewport, suffix in ((WIDE, ""), (PHONE, "-390")):
                    context = browser.new_context(viewport=viewport)
                    page = context.new_page()
                    if role is not None:
                        sign_in(page, base, site, role)
                    where = dict(records_pages(site, role or "officer"))
                    for name, _role, address, phone in shots:
                        if suffix and not phone:
                            continue
                        page.goto(base + where.get(address, address))
                        page.wait_for_load_state()
                        path = out / f"{name}{suffix}.png"
                        page.screenshot(path=str(path), full_page=False)
                        made.append(path)
                    context.close()
            browser.close()
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--days", type=int, default=150)
    args = parser.parse_args()
    for path in take_screenshots(args.out, args.people, args.days):
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
              f" ({path.stat().st_size // 1024} kB)")


if __name__ == "__main__":
    main()
