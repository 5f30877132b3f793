"""Issue 15 guards (facilities): filled in by its area."""

from __future__ import annotations
