"""Issue 15 guards (locations): filled in by its area."""

from __future__ import annotations
