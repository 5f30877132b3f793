"""Issue 15 guards (consular): filled in by its area."""

from __future__ import annotations
