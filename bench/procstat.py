"""CPU accounting shared by the benchmarks (same machine as PostgreSQL; Linux /proc)."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

PG_PIDS = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
               "OR (datname IS NULL AND backend_type <> 'client backend')")


def proc_cpu(pid: int) -> float:
    """User and system CPU seconds of ``pid`` (0 if it is gone)."""
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


class PgCpu:
    """CPU seconds of PostgreSQL's processes that serve the bench database: its backends and the
    server's background processes (WAL writer, checkpointer, ...), not the backends of other
    databases, which other jobs on the machine may be using. A backend that ends within the
    window loses the time it spent in it (pools keep theirs)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.start = self._now()

    def _now(self) -> dict[int, float]:
        with self.engine.connect() as c:
            pids = [int(p) for p in c.execute(PG_PIDS).scalars()]
        return {p: proc_cpu(p) for p in pids}

    def seconds(self) -> float:
        """Since this object was made (or ``reset``)."""
        end = self._now()
        return sum(v - self.start.get(p, 0.0) for p, v in end.items())

    def reset(self) -> None:
        self.start = self._now()


_ACTIVITY = text("SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
                 "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                 "AND backend_type = 'client backend' AND state <> 'idle'")
_QUEUE = text("SELECT count(*), min(id), max(id) FROM ledger_queue")


def pct(xs: list[float], p: float) -> float:
    """The ``p``-th percentile of ``xs`` (0 for none)."""
    if not xs:
        return 0.0
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


class QueueSampler(threading.Thread):
    """Samples ``ledger_queue`` every ``every`` seconds (PostgreSQL): its depth, and the lag of
    the leaves committed by each sample — the time until all of them have been integrated (the
    queue's lowest id is past the highest id the sample saw). Resolution: one interval. With
    ``waits``, also what the bench database's backends were doing."""

    def __init__(self, url: str, every: float = 0.02, waits: bool = False) -> None:
        super().__init__(daemon=True)
        self.engine = create_engine(url, pool_size=1)
        self.every, self.sample_waits = every, waits
        self.halt = threading.Event()
        self.depth: list[int] = []
        self.lag_ms: list[float] = []
        self.waits: Counter[str] = Counter()
        self.cpu_seconds = 0.0  # its own, not the work measured

    def run(self) -> None:
        waiting: list[tuple[float, int]] = []  # (when, highest id seen) not yet integrated
        with self.engine.connect() as c:
            while not self.halt.wait(self.every):
                if self.sample_waits:
                    for state, wtype, wevent in c.execute(_ACTIVITY):
                        self.waits[f"{wtype}:{wevent}" if wtype else (
                            "running (CPU)" if state == "active" else "idle in transaction")] += 1
                n, lo, hi = c.execute(_QUEUE).one()
                c.rollback()
                now = time.perf_counter()
                self.depth.append(int(n))
                while waiting and (lo is None or lo > waiting[0][1]):
                    self.lag_ms.append((now - waiting.pop(0)[0]) * 1000)
                if hi is not None and (not waiting or hi > waiting[-1][1]):
                    waiting.append((now, int(hi)))
        self.cpu_seconds = time.thread_time()
        self.engine.dispose()

    def summary(self) -> dict[str, float]:
        d = self.depth
        return {"queue_depth_mean": round(sum(d) / max(1, len(d)), 1),
                "queue_depth_max": max(d, default=0), "lag_p50_ms": round(pct(self.lag_ms, 50), 1),
                "lag_p99_ms": round(pct(self.lag_ms, 99), 1),
                "lag_max_ms": round(max(self.lag_ms, default=0.0), 1)}
