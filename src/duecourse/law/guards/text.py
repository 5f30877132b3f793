"""Issue 15 guards (text): filled in by its area."""

from __future__ import annotations
