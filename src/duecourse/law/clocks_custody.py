"""Issue 15 clocks (custody): registered into ``deadlines`` (its ``CLOCKS``, ``WINDOWS`` and
``compute_deadlines``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ..domain.case import CaseState
from .calendar import Closures

if TYPE_CHECKING:
    from .deadlines import Deadline

# clock id -> (title, citation)
CLOCKS: dict[str, tuple[str, str]] = {}
WINDOWS: frozenset[str] = frozenset()


def clocks(s: CaseState, as_of: datetime, closures: Closures) -> list[Deadline]:
    """The clocks of this area that the case has started, as of ``as_of``."""
    return []
