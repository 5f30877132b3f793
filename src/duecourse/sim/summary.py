"""The demo's summary: cases by facet, events, refusals, deadlines, invariants, the ledger."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from ..app.invariants import check_store
from ..bootstrap import App
from ..domain.case import CaseState, fold
from ..law.deadlines import compute_deadlines
from ..law.framework import appeal_deadline
from ..store.event_reader import histories


def _load_states(app: App) -> tuple[list[CaseState], int]:
    """Every case folded from its events (read through the store's one event reader)."""
    states: list[CaseState] = []
    n = 0
    with app.ctx.engine.connect() as conn:
        for h in histories(conn):
            if h.damage:
                raise ValueError(f"case {h.case_id}: {h.damage}")
            n += len(h.events)
            states.append(fold(h.case_id, h.events))
    return states, n


def summarise(app: App, end: datetime, refusals: Counter[str]) -> dict[str, Any]:
    """The demo's summary as of ``end`` (keys as in issue 2)."""
    states, n_events = _load_states(app)
    facets: dict[str, Counter[str]] = {k: Counter() for k in ("proceedings", "custody", "status")}
    holds: Counter[str] = Counter()
    dl: Counter[str] = Counter()
    by_id: dict[str, Counter[str]] = {}
    escalations: Counter[str] = Counter()
    for s in states:
        f = s.facets(end, appeal_deadline(s))
        facets["proceedings"][f.proceedings] += 1
        facets["custody"][f.custody] += 1
        facets["status"][f.status] += 1
        holds.update(f.holds or {"none"})
        for d in compute_deadlines(s, end):
            dl[d.state] += 1
            by_id.setdefault(d.id, Counter())[d.state] += 1
            if d.escalation and d.state not in ("moot", "elapsed"):  # alerts on live duties
                dl["escalated"] += 1
                escalations[str(d.escalation)] += 1
    app.checkpoint(end)
    report = app.verify()
    violations = check_store(app.ctx.engine)
    deadlines: dict[str, Any] = {k: dl.get(k, 0) for k in (
        "met", "missed", "escalated", "due", "overdue", "moot", "elapsed")}
    deadlines["open"] = deadlines["due"] + deadlines["overdue"]
    deadlines["escalations_by_percent"] = dict(sorted(escalations.items(), key=lambda kv: int(kv[0])))
    deadlines["by_id"] = {k: dict(sorted(v.items())) for k, v in sorted(by_id.items())}
    return {
        "cases": {"total": len(states),
                  **{k: dict(sorted(v.items())) for k, v in facets.items()},
                  "holds": dict(sorted(holds.items()))},
        "events": n_events,
        "refusals_by_rule": dict(sorted(refusals.items())),
        "deadlines": deadlines,
        "invariant_violations": len(violations),
        "ledger": {"entries": report.ledger.entries, "verified": report.ok,
                   "checkpoints": report.ledger.checkpoints, "root": report.ledger.root_hex},
    }


# -- showing it -----------------------------------------------------------------------------------


def _counts_table(title: str, counts: dict[str, int], *, key: str = "", value: str = "",
                  caption: str = "") -> Table:
    t = Table(title=title, title_justify="left", caption=caption or None, caption_justify="left")
    t.add_column(key or "")
    t.add_column(value or "count", justify="right")
    for k, v in counts.items():
        t.add_row(k, f"{v:,}")
    return t


def print_summary(console: Console, summary: dict[str, Any]) -> None:
    """The summary as Rich tables."""
    c = summary["cases"]
    console.print(f"[bold]{c['total']:,} cases[/], {summary['events']:,} events")
    facets = Table(title="Cases by facet", title_justify="left")
    facets.add_column("facet")
    facets.add_column("value")
    facets.add_column("cases", justify="right")
    for facet in ("proceedings", "custody", "holds", "status"):
        for i, (k, v) in enumerate(c[facet].items()):
            facets.add_row(facet if i == 0 else "", k, f"{v:,}")
    console.print(facets)
    refused = summary["refusals_by_rule"]
    if refused:
        console.print(_counts_table("Refusals by rule", refused, key="rule",
                                    caption="a refusal may cite several rules"))
    d = summary["deadlines"]
    dt = Table(title="Deadlines as of the end of the simulation", title_justify="left")
    dt.add_column("clock")
    states = ("met", "missed", "due", "overdue", "moot", "elapsed")
    for s in states:
        dt.add_column(s, justify="right")
    for cid, counts in d["by_id"].items():
        dt.add_row(cid, *(f"{counts.get(s, 0):,}" if counts.get(s) else "·" for s in states))
    dt.add_row("[bold]all[/]", *(f"[bold]{d[s]:,}[/]" for s in states))
    console.print(dt)
    console.print(f"escalated: {d['escalated']:,} clocks reached an escalation point "
                  f"({', '.join(f'{k} %: {v:,}' for k, v in d['escalations_by_percent'].items())})"
                  f"; open: {d['open']:,}")
    v = summary["invariant_violations"]
    colour = "green" if v == 0 else "red"
    console.print(f"invariant violations: [{colour}]{v}[/]")
    led = summary["ledger"]
    mark = "[green]verified[/]" if led["verified"] else "[red]does NOT verify[/]"
    console.print(f"ledger: {led['entries']:,} entries, {led['checkpoints']:,} signed "
                  f"checkpoints, {mark}; root {led['root']}")
