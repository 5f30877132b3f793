"""Issue 15 guards (detainers): filled in by its area."""

from __future__ import annotations
