"""The ``deadlines`` read model's rows from the law's statutory clocks.

The store knows the domain, never the law (an import-linter contract): the app turns the law's
``Deadline`` values into the plain rows the repository writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..law.deadlines import Deadline


def deadline_rows(case_id: str, ds: Iterable[Deadline]) -> list[dict[str, Any]]:
    """The ``deadlines`` rows of a case (its read model of the statutory clocks)."""
    return [{"case_id": case_id, "deadline_id": d.id, "started_at": d.started_at,
             "due_at": d.due_at, "fulfilled_at": d.fulfilled_at, "state": d.state,
             "escalation": d.escalation} for d in ds]
