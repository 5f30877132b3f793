"""Benchmark: the web pages a person opens most, served in-process, on the demo's SQLite store.

The demo (``--people`` synthetic people over ``--days`` days, ending now so that its clocks run)
is written to a temporary SQLite file; the demo accounts are seeded; each role signs in through
the sign-in page and chooses its purpose, as a browser would. Then each page is fetched
``--rounds`` times (after ``--warm`` unmeasured fetches): the case page of the busiest open case
(officer, supervisor), the work queue (officer, supervisor). Every fetch is a whole request —
session check, the ledgered read, the template — through the ASGI app (no network).

    python bench/pages.py [--people N] [--days D] [--rounds R] [--json]

Prints the median, p95 and max per page in milliseconds. The figures are kept in
docs/benchmarks.md; run it on the code before and after a change on the same machine, in the
same hour (the VM's speed varies within a day).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from duecourse.bootstrap import build_app
from duecourse.config import load_settings
from duecourse.sim.demo import run_demo, start_to_end_now
from duecourse.store.tables import cases, events
from duecourse.web.server import build_web, seed_demo_accounts
from duecourse.web.settings import load_web_settings

PURPOSE = {"officer": "case_work", "supervisor": "supervision"}


def signed_in(web: object, username: str, password: str, purpose: str) -> TestClient:
    c = TestClient(web)  # type: ignore[arg-type]
    pre = re.search(r'name="pre_csrf" value="([^"]+)"', c.get("/sign-in").text)
    assert pre is not None
    c.post("/sign-in", data={"username": username, "password": password, "pre_csrf": pre[1],
                             "next": "/"}, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/purpose").text)
    assert token is not None
    c.post("/purpose", data={"purpose": purpose, "csrf_token": token[1], "next": "/"})
    return c


def timed(c: TestClient, path: str, rounds: int, warm: int) -> list[float]:
    for _ in range(warm):
        assert c.get(path).status_code == 200, path
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        r = c.get(path)
        out.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (path, r.status_code)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--days", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--warm", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'pages.sqlite'}"
        print(f"demo: {args.people} people over {args.days} days …", flush=True)
        run_demo(people=args.people, days=args.days, seed=7, db_url=url, fresh=True,
                 start=start_to_end_now(args.days, datetime.now(UTC)))
        app = build_app(url)
        accounts = {a.role: a for a in seed_demo_accounts(app)}
        web = build_web(app, load_web_settings(load_settings(url)))
        busiest = (select(events.c.case_id).join(cases, cases.c.id == events.c.case_id)
                   .where(cases.c.status == "open").group_by(events.c.case_id)
                   .order_by(func.count().desc(), events.c.case_id).limit(1))
        with app.ctx.engine.connect() as conn:
            case = conn.execute(busiest).scalar_one()
        results = {}
        for role, purpose in PURPOSE.items():
            a = accounts[role]
            c = signed_in(web, a.username, a.password, purpose)
            for page, path in (("case page", f"/cases/{case}"), ("work queue", "/queue")):
                ms = sorted(timed(c, path, args.rounds, args.warm))
                results[f"{page} ({role})"] = {
                    "p50": statistics.median(ms), "p95": ms[int(len(ms) * 0.95) - 1],
                    "max": ms[-1]}
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{'page':<26} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, r in results.items():
        print(f"{name:<26} {r['p50']:8.1f} {r['p95']:8.1f} {r['max']:8.1f}")


if __name__ == "__main__":
    main()
