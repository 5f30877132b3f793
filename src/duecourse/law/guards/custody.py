"""Issue 15 guards (custody): filled in by its area."""

from __future__ import annotations
