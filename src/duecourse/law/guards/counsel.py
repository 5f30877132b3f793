"""Issue 15 guards (counsel): filled in by its area."""

from __future__ import annotations
