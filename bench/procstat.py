"""CPU accounting shared by the benchmarks (same machine as PostgreSQL; Linux /proc)."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, text

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
