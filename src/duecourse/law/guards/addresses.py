"""Issue 15 guards (addresses): filled in by its area."""

from __future__ import annotations
